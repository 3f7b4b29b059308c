from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards, funnels and figures: they read every app below, so they stand above them."""

    name = "apps.reports"
    label = "reports"
    verbose_name = _("数据看板")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules

        # Hourly: yesterday's row is final after the first run past midnight, today's stays fresh.
        # The task keeps its name from before reports was split off analytics, so schedules
        # already saved in the database still find it.
        self._schedules = post_migrate_schedules(
            ("漏斗每日快照", "analytics.funnel_snapshots", 3600),
        )
        # Django sends post_migrate only for apps with models; reports has none of its own, so
        # the schedule follows the migration of analytics, whose table the task writes.
        post_migrate.connect(self._schedules, sender=apps.get_app_config("analytics"))
