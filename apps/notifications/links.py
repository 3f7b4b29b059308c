"""Signed links in messages: they work without signing in, and only for the member they name."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(*, user_id: int) -> str:
    # No expiry: a link in a message read months later must still work.
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(*, token: str) -> int | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def absolute(path: str) -> str:
    return f"{settings.NOTIFICATIONS_SITE_URL.rstrip('/')}{path}"


def unsubscribe_url(*, user_id: int) -> str:
    token = unsubscribe_token(user_id=user_id)
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))
