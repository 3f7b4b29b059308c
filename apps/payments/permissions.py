"""Finance reads payments, refunds and reconciliation results in the admin (read only)."""

from typing import Any

from apps.accounts.roles import Role, grant_permissions

FINANCE_PERMISSIONS = [
    "payments.view_payment",
    "payments.view_refund",
    "payments.view_reconciliationrun",
    "payments.view_reconciliationrow",
]


def grant_finance_permissions(**kwargs: Any) -> None:
    grant_permissions(Role.FINANCE, FINANCE_PERMISSIONS)
