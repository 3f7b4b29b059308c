"""{% payment_options order %}: what a pending order's page offers for paying online."""

from typing import Any

from django import template
from django.http import HttpRequest

from apps.orders.models import Order
from apps.payments.merchant import wechatpay_enabled
from apps.payments.sandbox import sandbox_enabled

register = template.Library()


@register.inclusion_tag("payments/options.html", takes_context=True)
def payment_options(context: dict[str, Any], order: Order) -> dict[str, Any]:
    from apps.payments.views import pay_url

    request: HttpRequest | None = context.get("request")
    pending = order.status == Order.Status.PENDING_PAYMENT
    wechatpay_on, sandbox_on = wechatpay_enabled(), sandbox_enabled()
    return {
        "pending": pending,
        "wechatpay_on": wechatpay_on,
        "sandbox_on": sandbox_on,
        "url": pay_url(order, next_url=request.get_full_path() if request else "")
        if pending and (wechatpay_on or sandbox_on)
        else "",
    }
