"""Staff roles are Django groups, created by a data migration so every database has them."""

from django.db import models
from django.utils.translation import gettext_lazy


class Role(models.TextChoices):
    MERCHANT_STAFF = "merchant_staff", gettext_lazy("商家员工")
    FINANCE = "finance", gettext_lazy("财务")
    OPERATIONS = "operations", gettext_lazy("运营")
    LEADER = "leader", gettext_lazy("团长")


def has_role(user: object, role: Role) -> bool:
    groups = getattr(user, "groups", None)
    return groups is not None and groups.filter(name=role.value).exists()


def grant_permissions(role: Role, codes: list[str]) -> None:
    """Give a role model permissions ("app_label.codename"); those not created yet are skipped.

    Called from post_migrate (permissions exist only after migrate), idempotently.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=role.value)
    for code in codes:
        app_label, codename = code.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            group.permissions.add(permission)
