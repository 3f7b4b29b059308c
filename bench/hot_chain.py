"""Hot chain: 16 workers ordering one chain item at once.

Project: apps.chains.services.chain_order_place (advisory lock per buyer, the chain row for the
number, guarded SKU and cap UPDATEs, order, line, log, event, stock movement and entry rows).
Baseline: raw psycopg transactions doing only the guarded stock UPDATE and one INSERT per order,
on the same database. Both count committed orders per second; the project's run also checks
that nothing was oversold and that the numbers have no gaps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from django.db import connection
from django.utils import timezone

if TYPE_CHECKING:
    from apps.chains.models import Chain, ChainItem, PickupPoint

WORKERS = 16
SECONDS = 8.0
ROUNDS = 4  # each side runs SECONDS in ROUNDS turns, alternating, so both see the same load
CAP = 1_000_000  # never sold out inside the time box: this measures throughput


def _run_workers(work: Callable[[int, int], bool], seconds: float) -> tuple[int, float]:
    """Each worker calls work(worker, n) in a loop for `seconds`; returns (committed, elapsed).
    `n` counts on across rounds (see _counters), so tokens and phones never repeat."""
    committed = [0] * WORKERS
    barrier = threading.Barrier(WORKERS + 1)
    deadline = [0.0]
    counters = _counters.setdefault(work, [0] * WORKERS)

    def worker(index: int) -> None:
        barrier.wait()
        try:
            while time.perf_counter() < deadline[0]:
                if work(index, counters[index]):
                    committed[index] += 1
                counters[index] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    return sum(committed), time.perf_counter() - start


_counters: dict[Callable[[int, int], bool], list[int]] = {}


def alternate(
    sides: dict[str, Callable[[int, int], bool]], seconds: float = SECONDS, rounds: int = ROUNDS
) -> dict[str, tuple[int, float]]:
    """Run each side for seconds/rounds at a time, in turn, `rounds` times; on a machine shared
    with other work this keeps a burst of load from landing on one side only."""
    totals = dict.fromkeys(sides, (0, 0.0))
    for _ in range(rounds):
        for name, work in sides.items():
            committed, elapsed = _run_workers(work, seconds / rounds)
            done, took = totals[name]
            totals[name] = (done + committed, took + elapsed)
    return totals


def _setup() -> tuple[Chain, ChainItem, PickupPoint]:
    from django.contrib.auth.models import Group

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.catalog.models import Merchant, Product, SupplyAgreement
    from apps.catalog.services import sku_create
    from apps.chains.models import PickupPoint
    from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_open
    from apps.communities.services import community_create

    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    leader = User.objects.create_user(username=f"bench-{stamp}")
    leader.groups.add(Group.objects.get(name=Role.LEADER))
    community = community_create(owner=leader, name=f"压测群 {stamp}", kind="group_buy")
    merchant = Merchant.objects.create(name=f"压测商家 {stamp}")
    SupplyAgreement.objects.create(
        merchant=merchant, leader=leader, status=SupplyAgreement.Status.APPROVED
    )
    product = Product.objects.create(merchant=merchant, title="压测苹果")
    sku = sku_create(
        product=product,
        spec="1斤",
        price=Decimal("9.90"),
        code=f"B{stamp}",
        stock=CAP * 2,
        actor=leader,
    )
    point = PickupPoint.objects.create(community=community, name="门口", address="门口")
    chain = chain_create(
        leader=leader,
        community=community,
        details=ChainDetails(
            title="压测接龙", description="", closes_at=timezone.now() + timedelta(days=1)
        ),
        items=[ItemSpec(sku=sku, group_price=Decimal("9.90"), stock_cap=CAP)],
        pickup_points=[point],
    )
    chain_open(chain=chain, actor=leader)
    return chain, chain.items.get(), point


def project_work() -> tuple[Callable[[int, int], bool], Callable[[], dict[str, int]]]:
    """The order service's work function, and the checks to run once it is done."""
    from apps.catalog.models import SKU
    from apps.chains.models import ChainEntry, ChainItem
    from apps.chains.selectors import chain_by_slug
    from apps.chains.services import chain_order_place
    from apps.core.errors import DomainError

    created, item, point = _setup()
    # As the order page does: the chain loaded with its items and pickup points.
    chain = chain_by_slug(created.slug)
    sku_before = SKU.objects.get(pk=item.sku_id).stock

    def work(worker: int, n: int) -> bool:
        try:
            chain_order_place(
                chain=chain,
                buyer=None,
                contact_name="压测",
                contact_phone=f"13{worker:02d}{n:07d}",
                quantities={item.pk: 1},
                pickup_point=point,
                submission_token=f"bench-{chain.pk}-{worker}-{n}",
            )
            return True
        except DomainError:
            return False

    def checks() -> dict[str, int]:
        entries = ChainEntry.objects.filter(chain=chain)
        count = entries.count()
        numbers = list(entries.order_by("sequence").values_list("sequence", flat=True))
        return {
            "entries": count,
            "sold_by_cap": CAP - ChainItem.objects.get(pk=item.pk).remaining,
            "sold_by_sku": sku_before - SKU.objects.get(pk=item.sku_id).stock,
            "numbers_gap_free": int(numbers == list(range(1, count + 1))),
        }

    return work, checks


def baseline_work() -> tuple[Callable[[int, int], bool], Callable[[], None]]:
    """The least a correct order needs: a guarded UPDATE and an INSERT, in one transaction, on
    one psycopg connection per worker. Returns the work and a function closing the connections."""
    chain, item, _ = _setup()
    params = connection.get_connection_params()
    connections: dict[int, psycopg.Connection[Any]] = {}

    def work(worker: int, n: int) -> bool:
        conn = connections.get(worker)
        if conn is None:
            conn = connections[worker] = psycopg.connect(**params)
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "UPDATE chains_chainitem SET remaining = remaining - 1 "
                "WHERE id = %s AND remaining >= 1 RETURNING remaining",
                [item.pk],
            )
            if cur.fetchone() is None:
                return False
            cur.execute(
                "INSERT INTO orders_order (community_id, status, subtotal_amount, "
                "discount_amount, coupon_code, total_amount, paid_amount, refunded_amount, "
                "payment_method, contact_name, contact_phone, note, referral_code, "
                "ad_click_token, created_at) VALUES (%s, 'pending_payment', 9.90, 0, '', 9.90, "
                "0, 0, '', 'bench', '13800000000', '', '', '', now())",
                [chain.community_id],
            )
        return True

    def close() -> None:
        for conn in connections.values():
            conn.close()

    return work, close


def run() -> None:
    base, close_baseline = baseline_work()
    proj, checks_of = project_work()
    totals = alternate({"baseline": base, "project": proj})
    close_baseline()
    base_committed, base_elapsed = totals["baseline"]
    committed, elapsed = totals["project"]
    checks = {"committed": committed, **checks_of()}
    base_rate = base_committed / base_elapsed
    rate = committed / elapsed
    sold_right = checks["sold_by_cap"] == checks["sold_by_sku"] == checks["entries"] == committed
    print(
        f"workers: {WORKERS} threads, {SECONDS:.0f} s a side in {ROUNDS} alternating rounds, "
        f"database {connection.vendor}"
    )
    print(f"baseline (raw psycopg UPDATE + INSERT): {base_committed} orders, {base_rate:.1f}/s")
    print(f"project (chain_order_place):           {committed} orders, {rate:.1f}/s")
    print(f"checks: {checks}")
    if not sold_right or not checks["numbers_gap_free"]:
        raise SystemExit("hot_chain: oversold or numbered wrong")
    print(f"ratio: {rate / base_rate:.3f}")
