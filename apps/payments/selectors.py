from apps.orders.models import Order
from apps.payments.merchant import WECHAT_PROVIDERS
from apps.payments.models import Payment

ONLINE_PROVIDERS = (*WECHAT_PROVIDERS, Payment.Provider.SANDBOX)


def order_online_payment(*, order: Order) -> Payment | None:
    """The payment that took the order's money online, which refunds go back through."""
    return (
        Payment.objects.filter(
            order=order, status=Payment.Status.SUCCEEDED, provider__in=ONLINE_PROVIDERS
        )
        .order_by("-pk")
        .first()
    )
