from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    label = "privacy"
    verbose_name = _("个人信息保护")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules

        self._schedules = post_migrate_schedules(
            ("清除已完成订单的联系方式", "privacy.orders_anonymise_finished", 6 * 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
