from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"
    verbose_name = _("支付")

    def ready(self) -> None:
        from apps.core.schedules import post_migrate_schedules
        from apps.orders.events import order_cancelled
        from apps.payments import checks  # noqa: F401  (registers the sandbox check)
        from apps.payments.permissions import grant_finance_permissions
        from apps.payments.receivers import close_payments_of_cancelled_order

        order_cancelled.connect(
            close_payments_of_cancelled_order, dispatch_uid="payments.close_on_cancel"
        )
        self._schedules = post_migrate_schedules(
            ("查询未收到通知的微信支付", "payments.query_pending", 300),
            # Idempotent per bill date, so running it every 6 hours retries a bill not ready yet.
            ("下载微信支付账单并对账", "payments.reconcile_daily", 6 * 3600),
        )
        post_migrate.connect(self._schedules, sender=self)
        post_migrate.connect(grant_finance_permissions, sender=self)
