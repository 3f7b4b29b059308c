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
            ("重新排队中断的通知", "notifications.requeue_stuck", 300),
            # The reminders of the apps above (their tasks.py), gathered here so that one place
            # lists every message the system sends on its own.
            ("接龙即将截单提醒", "chains.remind_closing_soon", 300),
            ("接龙截单汇总（团长）", "chains.report_closed", 300),
            ("订单待付款与自提提醒", "chains.remind_orders", 300),
            ("课程新课时开放提醒", "courses.remind_lessons_unlocked", 900),
            ("佣金到账与结算打款提醒", "distribution.remind_commissions", 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
