from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def secret_key_from_environment(**kwargs: Any) -> list[Error]:
    if getattr(settings, "SECRET_KEY_FROM_ENV", False):
        return []
    return [
        Error(
            "SECRET_KEY is not set in the environment; a checkout's generated local key is for "
            "development only.",
            id="core.E001",
        )
    ]


@register(Tags.database, deploy=True)
def database_from_environment(**kwargs: Any) -> list[Error]:
    if getattr(settings, "DATABASE_URL", ""):
        return []
    return [
        Error(
            "DATABASE_URL is not set; the embedded PostgreSQL is for development and tests only.",
            id="core.E002",
        )
    ]
