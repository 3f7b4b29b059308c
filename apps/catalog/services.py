"""Every stock change: a guarded UPDATE in the database plus its StockMovement row.

Stock is never read, changed in Python and written back: the UPDATE carries the guard
(`stock >= n`), so two buyers racing for the last unit cannot both win.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import SKU, Product, StockMovement
from apps.core.errors import Conflict, InvalidInput

Reason = StockMovement.Reason

# Raw SQL below names tables as the models do.
SKU_TABLE = SKU._meta.db_table
MOVEMENT_TABLE = StockMovement._meta.db_table


@dataclass(frozen=True)
class StockChange:
    sku_id: int
    delta: int


def sku_stock_adjust(
    *, sku: SKU, delta: int, reason: str, actor: User | None, note: str = "", reference: str = ""
) -> StockMovement:
    """Add or remove stock by hand (restock, correction) or for an order, refused below zero."""
    if delta == 0:
        raise InvalidInput(_("库存变动数量不能为0"), field="stock_change")
    movements = stock_apply(
        changes=[StockChange(sku_id=sku.pk, delta=delta)],
        reason=reason,
        actor=actor,
        note=note,
        reference=reference,
    )
    sku.refresh_from_db(fields=["stock"])
    return movements[0]


def stock_apply(
    *,
    changes: Iterable[StockChange],
    reason: str,
    actor: User | None,
    note: str = "",
    reference: str = "",
    savepoint: bool = True,
) -> list[StockMovement]:
    """Apply several changes atomically, in SKU id order so concurrent orders never deadlock.

    A caller whose whole transaction fails with a Conflict anyway (placing an order) passes
    savepoint=False and saves two round trips while it holds the hot SKU row."""
    ordered = sorted(changes, key=lambda change: change.sku_id)
    with transaction.atomic(savepoint=savepoint):
        return [
            _stock_update(change=change, reason=reason, actor=actor, note=note, reference=reference)
            for change in ordered
        ]


def _stock_update(
    *, change: StockChange, reason: str, actor: User | None, note: str, reference: str
) -> StockMovement:
    """The guarded UPDATE and its movement row in one statement (one round trip while the SKU
    row is locked); Conflict when the stock would go below zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH changed AS ("  # noqa: S608 - table names from the models' _meta
            f"  UPDATE {SKU_TABLE} SET stock = stock + %(delta)s, updated_at = now()"
            "  WHERE id = %(sku)s AND stock + %(delta)s >= 0 RETURNING id, stock"
            f") INSERT INTO {MOVEMENT_TABLE}"
            "  (sku_id, delta, stock_after, reason, note, reference, actor_id, created_at)"
            " SELECT id, %(delta)s, stock, %(reason)s, %(note)s, %(reference)s, %(actor)s, now()"
            " FROM changed RETURNING id, stock_after, created_at",
            {
                "delta": change.delta,
                "sku": change.sku_id,
                "reason": reason,
                "note": note,
                "reference": reference,
                "actor": actor.pk if actor is not None else None,
            },
        )
        row = cursor.fetchone()
    if row is None:
        raise Conflict(_("库存不足"), code="out_of_stock")
    movement_id, stock_after, created_at = row
    return StockMovement(
        pk=movement_id,
        sku_id=change.sku_id,
        delta=change.delta,
        stock_after=stock_after,
        reason=reason,
        note=note,
        reference=reference,
        actor=actor,
        created_at=created_at,
    )


@dataclass(frozen=True)
class StockTakeSql:
    """Stock takes as common table expressions, for a caller that must run them in the same
    statement as locks of its own (placing a chain order: one round trip while hot rows are
    locked). `ctes` go into its WITH list; `done` names the CTE that has a row only when every
    change applied."""

    ctes: list[str]
    params: dict[str, Any]
    done: str


def stock_take_sql(
    *,
    changes: Iterable[StockChange],
    reason: str,
    actor: User | None,
    reference: str,
    after: str,
    prefix: str = "stock",
) -> StockTakeSql:
    """The guarded UPDATEs of `stock_apply` and their movement rows, as CTEs.

    Each UPDATE runs only once the CTE before it (`after` for the first) has produced a row:
    the one-time filter makes PostgreSQL run the earlier CTE first, so SKU rows are locked in
    id order after the caller's own locks, and a shortage stops the chain (the caller sees
    `done` empty, raises Conflict and rolls the transaction back)."""
    ordered = sorted(changes, key=lambda change: change.sku_id)
    if not ordered:
        raise InvalidInput(_("请至少选择一件商品"), field="items")
    ctes: list[str] = []
    params: dict[str, Any] = {
        f"{prefix}_reason": reason,
        f"{prefix}_reference": reference,
        f"{prefix}_actor": actor.pk if actor is not None else None,
    }
    previous = after
    names = []
    for index, change in enumerate(ordered):
        name = f"{prefix}_{index}"
        params[f"{name}_sku"] = change.sku_id
        params[f"{name}_delta"] = change.delta
        ctes.append(
            f"{name} AS (UPDATE {SKU_TABLE} SET stock = stock + %({name}_delta)s,"  # noqa: S608 - CTE names and parameter keys built in this function
            f" updated_at = now() WHERE id = %({name}_sku)s AND stock + %({name}_delta)s >= 0"
            f" AND EXISTS (SELECT FROM {previous}) RETURNING id, stock, %({name}_delta)s AS delta)"
        )
        names.append(name)
        previous = name
    changed = " UNION ALL ".join(f"SELECT id, stock, delta FROM {name}" for name in names)  # noqa: S608
    ctes.append(
        f"{prefix}_moved AS (INSERT INTO {MOVEMENT_TABLE}"  # noqa: S608
        " (sku_id, delta, stock_after, reason, note, reference, actor_id, created_at)"
        f" SELECT id, delta, stock, %({prefix}_reason)s, '', %({prefix}_reference)s,"
        f" %({prefix}_actor)s, now() FROM ({changed}) AS changed RETURNING id)"
    )
    return StockTakeSql(ctes=ctes, params=params, done=previous)


@transaction.atomic
def sku_create(
    *, product: Product, spec: str, price: Decimal, code: str, stock: int, actor: User | None
) -> SKU:
    sku = SKU.objects.create(product=product, spec=spec, price=price, code=code, stock=0)
    if stock:
        sku_stock_adjust(sku=sku, delta=stock, reason=Reason.INITIAL, actor=actor)
    return sku
