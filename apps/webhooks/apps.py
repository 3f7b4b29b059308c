from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(**kwargs: Any) -> None:
    """Merchant staff keep their merchant's subscriptions in the admin (scoped there)."""
    from apps.accounts.roles import Role, grant_permissions

    grant_permissions(
        Role.MERCHANT_STAFF,
        [
            "webhooks.view_webhooksubscription",
            "webhooks.add_webhooksubscription",
            "webhooks.change_webhooksubscription",
            "webhooks.delete_webhooksubscription",
            "webhooks.view_webhookdelivery",
        ],
    )


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = _("开放接口")

    def ready(self) -> None:
        from apps.chains import events as chain_events
        from apps.communities.events import member_joined
        from apps.core.schedules import post_migrate_schedules
        from apps.orders import events as order_events
        from apps.webhooks import checks, receivers  # noqa: F401  (checks registers itself)

        order_events.order_placed.connect(receivers.on_order_placed, dispatch_uid="webhooks.placed")
        order_events.order_paid.connect(receivers.on_order_paid, dispatch_uid="webhooks.paid")
        order_events.order_refunded.connect(
            receivers.on_order_refunded, dispatch_uid="webhooks.refunded"
        )
        chain_events.chain_opened.connect(receivers.on_chain_opened, dispatch_uid="webhooks.open")
        chain_events.chain_closed.connect(receivers.on_chain_closed, dispatch_uid="webhooks.close")
        member_joined.connect(receivers.on_member_joined, dispatch_uid="webhooks.joined")
        post_migrate.connect(grant_role_permissions, sender=self)
        self._schedules = post_migrate_schedules(
            ("Webhook 重试投递", "webhooks.deliver_due", 60),
        )
        post_migrate.connect(self._schedules, sender=self)
