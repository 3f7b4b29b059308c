"""A chain with an approved distributor (with an approved parent) and a default rule."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.chains.services import chain_order_place
from apps.distribution.models import CommissionRule, Distributor
from apps.orders.models import Order
from apps.orders.services import order_complete, order_mark_paid
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain


@dataclass
class DistSetup:
    chain: ChainSetup
    distributor: Distributor
    parent: Distributor
    rule: CommissionRule


def approved(
    user: User,
    *,
    community: object = None,
    merchant: object = None,
    parent: Distributor | None = None,
    code: str | None = None,
) -> Distributor:
    return Distributor.objects.create(
        user=user,
        community=community,
        merchant=merchant,
        parent=parent,
        code=code or secrets.token_hex(4),
        status=Distributor.Status.APPROVED,
    )


def dist_setup(
    *,
    price: Decimal = Decimal("29.90"),
    level1: str = "10",
    level2: str = "5",
    caps: tuple[int, ...] = (500,),
    stock: int = 1000,
) -> DistSetup:
    chain = open_chain(price=price, caps=caps, stock=stock)
    parent = approved(UserFactory(), community=chain.community)
    distributor = approved(UserFactory(), community=chain.community, parent=parent)
    rule = CommissionRule.objects.create(
        name="默认",
        scope=CommissionRule.Scope.DEFAULT,
        level1_value=Decimal(level1),
        level2_value=Decimal(level2),
    )
    return DistSetup(chain=chain, distributor=distributor, parent=parent, rule=rule)


def place(
    setup: ChainSetup,
    *,
    code: str = "",
    quantity: int = 1,
    item: int = 0,
    phone: str = "13800130001",
    buyer: User | None = None,
) -> Order:
    entry = chain_order_place(
        chain=setup.chain,
        buyer=buyer,
        contact_name="张伟",
        contact_phone=phone,
        quantities={setup.items[item].pk: quantity},
        pickup_point=setup.pickup_points[0],
        submission_token=secrets.token_hex(8),
        referral_code=code,
    )
    return entry.order


def paid(setup: ChainSetup, **kwargs: object) -> Order:
    order = place(setup, **kwargs)
    return order_mark_paid(order=order, actor=setup.leader)


def complete(order: Order, *, days_ago: int = 0) -> Order:
    order = order_complete(order=order, actor=None)
    if days_ago:
        Order.objects.filter(pk=order.pk).update(
            completed_at=timezone.now() - timedelta(days=days_ago)
        )
        order.refresh_from_db()
    return order
