from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_role_groups(**kwargs: Any) -> None:
    """Every role's group exists after each migrate (and after a flush, which replays post_migrate),
    so a database emptied by a transactional test has the roles a new database has."""
    from django.contrib.auth.models import Group

    from apps.accounts.roles import Role

    for role in Role:
        Group.objects.get_or_create(name=role.value)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        post_migrate.connect(ensure_role_groups, sender=self)
