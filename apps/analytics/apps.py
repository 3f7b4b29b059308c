from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "apps.analytics"
    label = "analytics"
    verbose_name = _("数据分析")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules

        # Hourly: yesterday's row is final after the first run past midnight, today's stays fresh.
        self._schedules = post_migrate_schedules(
            ("漏斗每日快照", "analytics.funnel_snapshots", 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
