"""A stable anonymous id per browser, so funnels can follow members who never sign in."""

import secrets

from django.http import HttpRequest, HttpResponse

COOKIE = "tg_vid"
MAX_AGE = 365 * 24 * 3600


def visitor_id(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(user.pk)
    existing = request.COOKIES.get(COOKIE, "")
    if existing.isalnum() and len(existing) == 24:
        return f"v:{existing}"
    if not hasattr(request, "_new_visitor_id"):
        request._new_visitor_id = secrets.token_hex(12)  # type: ignore[attr-defined]
    return f"v:{request._new_visitor_id}"  # type: ignore[attr-defined]


def remember_visitor(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    new_id = getattr(request, "_new_visitor_id", None)
    if new_id:
        response.set_cookie(COOKIE, new_id, max_age=MAX_AGE, httponly=True, samesite="Lax")
    return response
