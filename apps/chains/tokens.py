"""One-time submission tokens for the order form: a double tap or a retry makes one order.

The token is signed (a forged one is refused), bound to its chain (it cannot be moved to another)
and expires; its nonce becomes the order's unique submission_token.
"""

import secrets

from django.core import signing
from django.utils.translation import gettext as _

from apps.core.errors import InvalidInput

SALT = "chains.order-form"
MAX_AGE_SECONDS = 2 * 24 * 3600


def submission_token_issue(*, chain_id: int) -> str:
    return signing.dumps({"c": chain_id, "n": secrets.token_hex(16)}, salt=SALT, compress=False)


def submission_token_verify(*, token: str, chain_id: int) -> str:
    """The nonce inside a valid token for this chain; InvalidInput otherwise."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise InvalidInput(_("页面已过期，请刷新后重新提交"), code="token_expired") from exc
    except signing.BadSignature as exc:
        raise InvalidInput(_("提交无效，请刷新页面后重试"), code="token_invalid") from exc
    if not isinstance(payload, dict) or payload.get("c") != chain_id or not payload.get("n"):
        raise InvalidInput(_("提交无效，请刷新页面后重试"), code="token_invalid")
    return f"chain:{payload['n']}"
