"""Referral attribution: a page opened with ?ref=CODE of an approved distributor remembers the
code in a signed cookie for DISTRIBUTION_ATTRIBUTION_DAYS; a later click on another link replaces
it (last click wins). Order placement reads `referral_code_for(request)` and writes it on the
order as plain data."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.distribution.selectors import distributor_by_code

COOKIE = "tg_ref"
SALT = "distribution.ref"


def attribution_days() -> int:
    return int(getattr(settings, "DISTRIBUTION_ATTRIBUTION_DAYS", 7))


def referral_code_for(request: HttpRequest) -> str:
    """The code of this click if it is valid, else the remembered one within the window."""
    clicked = getattr(request, "referral_code", "")
    if clicked:
        return str(clicked)
    code = request.get_signed_cookie(
        COOKIE, default="", salt=SALT, max_age=attribution_days() * 24 * 3600
    )
    return str(code or "")[:32]


class ReferralMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("ref", "")[:32]
        valid = bool(code) and distributor_by_code(code) is not None
        if valid:
            request.referral_code = code  # type: ignore[attr-defined]
        response = self.get_response(request)
        if valid:
            response.set_signed_cookie(
                COOKIE,
                code,
                salt=SALT,
                max_age=attribution_days() * 24 * 3600,
                httponly=True,
                samesite="Lax",
            )
        return response
