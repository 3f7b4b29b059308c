from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from apps.payments.sandbox import production_like


@register(Tags.security)
def private_urls_not_in_production(**kwargs: Any) -> list[Error]:
    """Webhooks to private addresses let anyone with a leader login probe the internal network."""
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_URLS", False) and production_like():
        return [
            Error(
                "WEBHOOKS_ALLOW_PRIVATE_URLS is on while ALLOWED_HOSTS names a public host.",
                hint="Unset WEBHOOKS_ALLOW_PRIVATE_URLS: it is for local development only.",
                id="webhooks.E001",
            )
        ]
    return []
