from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(**kwargs: Any) -> None:
    from apps.accounts.roles import Role, grant_permissions

    grant_permissions(
        Role.OPERATIONS,
        [
            f"rewards.view_{model}"
            for model in (
                "checkin",
                "pointsentry",
                "coupontemplate",
                "coupon",
                "welcomegift",
                "welcomegiftgrant",
            )
        ],
    )


class RewardsConfig(AppConfig):
    name = "apps.rewards"
    label = "rewards"
    verbose_name = _("群福利")

    def ready(self) -> None:
        from apps.communities.events import member_joined
        from apps.communities.lifecycle import playbook_check_register
        from apps.core.schedules import post_migrate_schedules
        from apps.orders.events import order_cancelled
        from apps.rewards import playbook, receivers

        member_joined.connect(receivers.give_welcome_gift, dispatch_uid="rewards.welcome_gift")
        playbook_check_register("welcome_gift", playbook.has_welcome_gift)
        playbook_check_register("check_in", playbook.has_check_ins)
        order_cancelled.connect(
            receivers.release_coupon_on_cancel, dispatch_uid="rewards.release_coupon"
        )
        self._schedules = post_migrate_schedules(
            ("积分过期", "rewards.expire_points", 3600),
            ("优惠券过期", "rewards.expire_coupons", 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
        post_migrate.connect(grant_role_permissions, sender=self)
