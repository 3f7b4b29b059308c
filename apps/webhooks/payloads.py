"""What a delivery says: the event's envelope and its data, as each owner may see it.

A community's subscription sees its orders with the buyer's name and a masked phone (enough to
match a member in the group, not enough to call); a merchant's sees only its own lines of an
order, and no contact details. Money is a string with two places, never a float.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.phone import mask_phone
from apps.catalog.models import Merchant
from apps.chains.models import Chain, ChainEntry
from apps.communities.models import Community, Membership
from apps.orders.models import Order, OrderLine, OrderRefund

Json = dict[str, Any]


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _time(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def envelope(
    *,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    community: Community,
    merchant: Merchant | None,
    data: Json,
) -> Json:
    body: Json = {
        "id": event_id,
        "type": event_type,
        "created_at": _time(occurred_at),
        "community": {"id": community.pk, "name": community.name},
        "data": data,
    }
    if merchant is not None:
        body["merchant"] = {"id": merchant.pk, "name": merchant.name}
    return body


def _line(line: OrderLine) -> Json:
    return {
        "id": line.pk,
        "sku": line.sku.code,
        "title": line.title,
        "unit_price": _money(line.unit_price),
        "quantity": line.quantity,
        "refunded_quantity": line.refunded_quantity,
        "line_total": _money(line.line_total),
    }


def _chain_ref(chain: Chain) -> Json:
    return {"id": chain.pk, "slug": chain.slug, "title": chain.title}


def order_data(
    order: Order, *, merchant: Merchant | None = None, refund: OrderRefund | None = None
) -> Json:
    """The order for a community's subscription, or one merchant's part of it."""
    lines = sorted(order.lines.all(), key=lambda line: line.pk)
    if merchant is not None:
        lines = [line for line in lines if line.sku.product.merchant_id == merchant.pk]
    entry: ChainEntry | None = getattr(order, "chain_entry", None)
    data: Json = {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "created_at": _time(order.created_at),
        "paid_at": _time(order.paid_at),
        "chain": _chain_ref(entry.chain) if entry else None,
        "sequence": entry.sequence if entry else None,
        "lines": [_line(line) for line in lines],
    }
    if merchant is None:
        data.update(
            {
                "total_amount": _money(order.total_amount),
                "paid_amount": _money(order.paid_amount),
                "refunded_amount": _money(order.refunded_amount),
                "payment_method": order.payment_method,
                "contact_name": order.contact_name,
                "contact_phone": mask_phone(order.contact_phone),
                "note": order.note,
                "pickup_point": entry.pickup_point.name if entry and entry.pickup_point else None,
            }
        )
    else:
        data["merchant_amount"] = _money(sum((line.line_total for line in lines), Decimal(0)))
    result: Json = {"order": data}
    if refund is not None:
        result["refund"] = {
            "id": refund.pk,
            "amount": _money(refund.amount),
            "reason": refund.reason,
            "restocked": refund.restocked,
            "created_at": _time(refund.created_at),
        }
    return result


def chain_data(chain: Chain, *, merchant: Merchant | None = None) -> Json:
    items = sorted(chain.items.all(), key=lambda item: (item.position, item.pk))
    if merchant is not None:
        items = [item for item in items if item.sku.product.merchant_id == merchant.pk]
    return {
        "chain": {
            **_chain_ref(chain),
            "status": chain.status,
            "opens_at": _time(chain.opens_at),
            "closes_at": _time(chain.closes_at),
            "closed_at": _time(chain.closed_at),
            "entry_count": chain.entry_count,
            "items": [
                {
                    "id": item.pk,
                    "sku": item.sku.code,
                    "title": item.title,
                    "group_price": _money(item.group_price),
                    "stock_cap": item.stock_cap,
                    "remaining": item.remaining,
                }
                for item in items
            ],
        }
    }


def member_data(membership: Membership) -> Json:
    return {
        "member": {
            "id": membership.pk,
            "user_id": membership.user_id,
            "name": membership.nickname or membership.user.shown_name,
            "role": membership.role,
            "joined_at": _time(membership.joined_at),
        }
    }


def ping_data() -> Json:
    return {"message": "这是一条测试消息 / This is a test delivery."}
