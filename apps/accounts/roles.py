"""Staff roles are Django groups, created by a data migration so every database has them."""

from django.db import models


class Role(models.TextChoices):
    MERCHANT_STAFF = "merchant_staff", "商家员工"
    FINANCE = "finance", "财务"
    OPERATIONS = "operations", "运营"


def has_role(user: object, role: Role) -> bool:
    groups = getattr(user, "groups", None)
    return groups is not None and groups.filter(name=role.value).exists()
