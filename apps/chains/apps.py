from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ChainsConfig(AppConfig):
    name = "apps.chains"
    label = "chains"
    verbose_name = _("群接龙")

    def ready(self) -> None:
        from apps.chains import receivers
        from apps.communities.events import community_dissolved
        from apps.communities.lifecycle import playbook_check_register
        from apps.core.schedules import post_migrate_schedules
        from apps.orders import events

        events.order_cancelled.connect(receivers.release_on_cancel, dispatch_uid="chains.cancel")
        events.order_refunded.connect(receivers.release_on_restock, dispatch_uid="chains.refund")
        community_dissolved.connect(receivers.close_on_dissolve, dispatch_uid="chains.dissolve")
        playbook_check_register("group_buy", receivers.community_ran_chains)
        self._schedules = post_migrate_schedules(
            ("到期接龙自动截单", "chains.close_due", 60),
        )
        post_migrate.connect(self._schedules, sender=self)
