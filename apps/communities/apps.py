from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(**kwargs: Any) -> None:
    from apps.accounts.roles import Role, grant_permissions

    grant_permissions(
        Role.OPERATIONS,
        [
            "communities.view_leaderapplication",
            "communities.change_leaderapplication",
            "communities.view_community",
        ],
    )


class CommunitiesConfig(AppConfig):
    name = "apps.communities"
    label = "communities"
    verbose_name = _("社群")

    def ready(self) -> None:
        post_migrate.connect(grant_role_permissions, sender=self)
