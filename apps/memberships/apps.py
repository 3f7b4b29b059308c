from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MembershipsConfig(AppConfig):
    name = "apps.memberships"
    label = "memberships"
    verbose_name = _("付费会员")

    def ready(self) -> None:
        from apps.communities.lifecycle import playbook_check_register
        from apps.core.schedules import post_migrate_schedules
        from apps.memberships import receivers, selectors
        from apps.orders import events

        events.order_paid.connect(receivers.grant_on_paid, dispatch_uid="memberships.paid")
        events.order_refunded.connect(receivers.revoke_on_refund, dispatch_uid="memberships.refund")
        playbook_check_register("paid_membership", selectors.community_sells_membership)
        self._schedules = post_migrate_schedules(
            ("会员到期处理与提醒", "memberships.expire_and_remind", 3600),
            ("会员每月发券", "memberships.issue_monthly_coupons", 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
