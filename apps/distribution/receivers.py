from typing import Any

from apps.accounts.models import User
from apps.distribution.services import commission_accrue, commission_reverse
from apps.orders.models import Order, OrderRefund


def accrue_on_paid(*, order: Order, actor: User | None = None, **kwargs: Any) -> None:
    commission_accrue(order=order, actor=actor)


def reverse_on_refund(
    *, order: Order, refund: OrderRefund, actor: User | None = None, **kwargs: Any
) -> None:
    commission_reverse(order=order, refund=refund, actor=actor)


FINANCE_PERMISSIONS = [
    "distribution.view_distributor",
    "distribution.view_commissionrule",
    "distribution.add_commissionrule",
    "distribution.change_commissionrule",
    "distribution.view_commissionentry",
    "distribution.view_payoutbatch",
]


def grant_finance_permissions(**kwargs: Any) -> None:
    from apps.accounts.roles import Role, grant_permissions

    grant_permissions(Role.FINANCE, FINANCE_PERMISSIONS)
