from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules

        self._schedules = post_migrate_schedules(
            ("发送到期通知", "notifications.send_due", 60),
        )
        post_migrate.connect(self._schedules, sender=self)
