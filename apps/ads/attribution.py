"""The click token travels from the ad redirect to the order in a cookie (last click wins)."""

from django.http import HttpRequest

from apps.ads.tokens import click_token_read

CLICK_COOKIE = "tg_adclk"


def ad_click_token_for(request: HttpRequest) -> str:
    """The remembered click token when it is genuine and inside the attribution window."""
    token = request.COOKIES.get(CLICK_COOKIE, "")
    return token if click_token_read(token) is not None else ""
