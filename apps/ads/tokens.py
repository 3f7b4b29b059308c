"""Signed tokens: the click link of a placement and the click token an order carries.

The link is `/ads/c/<placement_id>/<signature>/`: the signature covers the placement id only, so
it cannot be forged or moved to another placement, and the redirect target is always the
placement's own creative (never a URL from the request). The click token (set in a cookie by the
redirect, copied into Order.ad_click_token) is timestamped, so attribution ends with its window.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare

LINK_SALT = "ads.link"
CLICK_SALT = "ads.click"
MAX_TOKEN_LENGTH = 200  # Order.ad_click_token's column


def attribution_window() -> timedelta:
    return timedelta(days=int(getattr(settings, "ADS_ATTRIBUTION_DAYS", 7)))


def link_signature(placement_id: int) -> str:
    return signing.Signer(salt=LINK_SALT).signature(str(placement_id))


def link_signature_valid(placement_id: int, signature: str) -> bool:
    return constant_time_compare(link_signature(placement_id), signature)


@dataclass(frozen=True)
class ClickToken:
    placement_id: int
    campaign_id: int
    distinct_id: str
    clicked_at: datetime


def click_token_issue(
    *, placement_id: int, campaign_id: int, distinct_id: str, now: datetime | None = None
) -> str:
    clicked = int((now or timezone.now()).timestamp())
    token = signing.dumps([placement_id, campaign_id, distinct_id, clicked], salt=CLICK_SALT)
    if len(token) > MAX_TOKEN_LENGTH:  # a distinct id is at most 64 characters; never happens
        raise ValueError("click token too long")
    return token


def click_token_read(token: str, *, now: datetime | None = None) -> ClickToken | None:
    """The click behind `token`, or None when forged, malformed or older than the window
    (counted from the click to `now`)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        placement_id, campaign_id, distinct_id, clicked = signing.loads(token, salt=CLICK_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not all(isinstance(number, int) for number in (placement_id, campaign_id, clicked)):
        return None
    clicked_at = datetime.fromtimestamp(clicked, tz=UTC)
    if (now or timezone.now()) - clicked_at > attribution_window():
        return None
    return ClickToken(placement_id, campaign_id, str(distinct_id), clicked_at)
