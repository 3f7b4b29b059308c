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
            "communities.view_moderationword",
            "communities.add_moderationword",
            "communities.change_moderationword",
            "communities.delete_moderationword",
            "communities.view_moderationhit",
        ],
    )


class CommunitiesConfig(AppConfig):
    name = "apps.communities"
    label = "communities"
    verbose_name = _("社群")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules

        post_migrate.connect(grant_role_permissions, sender=self)
        self._schedules = post_migrate_schedules(
            ("临时群到期解散", "communities.close_ended", 300),
            ("临时群成员信息匿名化", "communities.anonymise_due", 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
