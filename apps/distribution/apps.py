from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "apps.distribution"
    label = "distribution"
    verbose_name = _("分销")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules
        from apps.distribution import receivers
        from apps.orders import events

        events.order_paid.connect(receivers.accrue_on_paid, dispatch_uid="distribution.paid")
        events.order_refunded.connect(
            receivers.reverse_on_refund, dispatch_uid="distribution.refunded"
        )
        self._schedules = post_migrate_schedules(
            ("分销佣金对账", "distribution.reconcile", 24 * 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
        post_migrate.connect(receivers.grant_finance_permissions, sender=self)
