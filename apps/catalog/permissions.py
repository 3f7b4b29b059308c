"""Model permissions of the staff roles. Permissions exist only after migrate has created them,
so they are granted in post_migrate (idempotent), not in a data migration."""

from typing import Any

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "merchant_staff": [
        "catalog.view_merchant",
        "catalog.change_merchant",
        "catalog.view_product",
        "catalog.add_product",
        "catalog.change_product",
        "catalog.delete_product",
        "catalog.view_sku",
        "catalog.add_sku",
        "catalog.change_sku",
        "catalog.delete_sku",
        "catalog.view_stockmovement",
        "catalog.view_supplyagreement",
        "catalog.change_supplyagreement",
    ],
    "operations": [
        # Operations onboard merchants: the merchant, its staff and managers.
        "catalog.view_merchant",
        "catalog.add_merchant",
        "catalog.change_merchant",
        "catalog.view_supplyagreement",
        "catalog.view_product",
        "catalog.view_sku",
        "catalog.view_stockmovement",
    ],
    "finance": ["catalog.view_merchant"],
}


def grant_role_permissions(**kwargs: Any) -> None:
    from apps.accounts.roles import Role, grant_permissions

    for role, codes in ROLE_PERMISSIONS.items():
        grant_permissions(Role(role), codes)
