from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "apps.orders"
    label = "orders"
    verbose_name = _("订单")

    def ready(self) -> None:
        from apps.accounts.signals import phone_verified
        from apps.communities.events import community_members_anonymised
        from apps.core.schedules import post_migrate_schedules
        from apps.orders.receivers import claim_orders_by_phone, mask_anonymised_contacts

        phone_verified.connect(claim_orders_by_phone, dispatch_uid="orders.claim_by_phone")
        community_members_anonymised.connect(
            mask_anonymised_contacts, dispatch_uid="orders.mask_anonymised_contacts"
        )

        self._schedules = post_migrate_schedules(
            ("取消超时未付订单", "orders.cancel_unpaid", 300),
        )
        post_migrate.connect(self._schedules, sender=self)
