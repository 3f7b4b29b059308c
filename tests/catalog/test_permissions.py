"""The staff roles' model permissions, granted after migrate."""

import pytest
from django.contrib.auth.models import Group, Permission

from apps.catalog.permissions import ROLE_PERMISSIONS, grant_role_permissions

pytestmark = pytest.mark.django_db


def granted(role: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_every_listed_permission_exists_and_is_granted_to_its_role(role: str) -> None:
    # A permission that does not exist would be skipped silently: the role would lack it.
    for code in ROLE_PERMISSIONS[role]:
        app_label, codename = code.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists(), code

    assert set(ROLE_PERMISSIONS[role]) <= granted(role)  # other apps may grant more


def test_granting_again_changes_nothing() -> None:
    before = {role: granted(role) for role in ROLE_PERMISSIONS}

    grant_role_permissions()

    assert {role: granted(role) for role in ROLE_PERMISSIONS} == before


def test_operations_and_finance_never_change_products_skus_or_stock() -> None:
    # Operations onboard merchants (add and change the merchant itself), nothing below it.
    goods = ("product", "sku", "stockmovement", "supplyagreement")
    for role in ("operations", "finance"):
        catalogue = {code for code in granted(role) if code.startswith("catalog.")}
        assert catalogue
        changing = {
            code
            for code in catalogue
            if not code.startswith("catalog.view_") and code.split("_", 1)[1] in goods
        }
        assert not changing, changing
