"""Every stock change: a guarded UPDATE in the database plus its StockMovement row.

Stock is never read, changed in Python and written back: the UPDATE carries the guard
(`stock >= n`), so two buyers racing for the last unit cannot both win.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import SKU, Product, StockMovement
from apps.core.errors import Conflict, InvalidInput

Reason = StockMovement.Reason


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
) -> list[StockMovement]:
    """Apply several changes atomically, in SKU id order so concurrent orders never deadlock."""
    ordered = sorted(changes, key=lambda change: change.sku_id)
    movements = []
    with transaction.atomic():
        for change in ordered:
            stock_after = _stock_update(sku_id=change.sku_id, delta=change.delta)
            movements.append(
                StockMovement(
                    sku_id=change.sku_id,
                    delta=change.delta,
                    stock_after=stock_after,
                    reason=reason,
                    actor=actor,
                    note=note,
                    reference=reference,
                )
            )
        StockMovement.objects.bulk_create(movements)
    return movements


def _stock_update(*, sku_id: int, delta: int) -> int:
    """One guarded UPDATE … RETURNING: the new stock, or Conflict when it would go below zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_sku SET stock = stock + %s, updated_at = now() "
            "WHERE id = %s AND stock + %s >= 0 RETURNING stock",
            [delta, sku_id, delta],
        )
        row = cursor.fetchone()
    if row is None:
        raise Conflict(_("库存不足"), code="out_of_stock")
    return int(row[0])


@transaction.atomic
def sku_create(
    *, product: Product, spec: str, price: Decimal, code: str, stock: int, actor: User | None
) -> SKU:
    sku = SKU.objects.create(product=product, spec=spec, price=price, code=code, stock=0)
    if stock:
        sku_stock_adjust(sku=sku, delta=stock, reason=Reason.INITIAL, actor=actor)
    return sku
