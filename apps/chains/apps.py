from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ChainsConfig(AppConfig):
    name = "apps.chains"
    label = "chains"
    verbose_name = _("群接龙")

    def ready(self) -> None:
        from apps.chains import receivers
        from apps.core.schedules import post_migrate_schedules
        from apps.orders import events

        events.order_cancelled.connect(receivers.release_on_cancel, dispatch_uid="chains.cancel")
        events.order_refunded.connect(receivers.release_on_restock, dispatch_uid="chains.refund")
        self._schedules = post_migrate_schedules(
            ("到期接龙自动截单", "chains.close_due", 60),
        )
        post_migrate.connect(self._schedules, sender=self)
