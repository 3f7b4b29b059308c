from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "apps.courses"
    label = "courses"
    verbose_name = _("课程")

    def ready(self) -> None:
        from apps.communities.lifecycle import playbook_check_register
        from apps.core.schedules import post_migrate_schedules
        from apps.courses import receivers
        from apps.courses.permissions import grant_role_permissions
        from apps.orders import events

        playbook_check_register("paid_courses", receivers.community_sells_courses)
        events.order_paid.connect(receivers.grant_on_paid, dispatch_uid="courses.paid")
        events.order_refunded.connect(receivers.revoke_on_refund, dispatch_uid="courses.refund")
        events.order_cancelled.connect(receivers.release_on_cancel, dispatch_uid="courses.cancel")
        self._schedules = post_migrate_schedules(
            ("课程预约开课提醒", "courses.remind_sessions", 300),
        )
        post_migrate.connect(self._schedules, sender=self)
        post_migrate.connect(grant_role_permissions, sender=self)
