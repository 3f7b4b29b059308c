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
    ],
    "operations": [
        "catalog.view_merchant",
        "catalog.view_product",
        "catalog.view_sku",
        "catalog.view_stockmovement",
    ],
    "finance": ["catalog.view_merchant"],
}


def grant_role_permissions(**kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
