from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AdsConfig(AppConfig):
    name = "apps.ads"
    label = "ads"
    verbose_name = _("广告投放")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        from apps.ads import receivers
        from apps.ads.models import Advertiser
        from apps.core.schedules import post_migrate_schedules
        from apps.orders import events

        events.order_placed.connect(receivers.track_order_placed, dispatch_uid="ads.placed")
        events.order_paid.connect(receivers.track_order_paid, dispatch_uid="ads.paid")
        m2m_changed.connect(
            receivers.grant_report_access,
            sender=Advertiser.users.through,
            dispatch_uid="ads.advertiser_users",
        )
        # Every minute: budgets stop delivery at most about one interval after they are spent.
        self._schedules = post_migrate_schedules(("广告数据汇总", "ads.rollup", 60))
        post_migrate.connect(self._schedules, sender=self)
        post_migrate.connect(receivers.grant_operations_permissions, sender=self)
