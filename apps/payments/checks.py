from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from apps.payments.sandbox import production_like


@register(Tags.security)
def sandbox_not_in_production(**kwargs: Any) -> list[Error]:
    """The sandbox marks orders paid without money: never where the public can reach it."""
    if getattr(settings, "PAYMENTS_SANDBOX", False) and production_like():
        return [
            Error(
                "PAYMENTS_SANDBOX is on while ALLOWED_HOSTS names a public host.",
                hint="Unset PAYMENTS_SANDBOX: the payment sandbox is for local runs only.",
                id="payments.E001",
            )
        ]
    return []
