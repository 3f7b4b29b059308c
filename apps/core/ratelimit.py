"""Rate limits for public endpoints, counted in Django's cache, and the client's address.

The counters live in the `default` cache: Redis in production (REDIS_URL or CACHE_URL set, see
config/settings.py), the process-local memory cache otherwise. A fixed window per (scope, key):
cheap, one cache round trip, and good enough to stop floods; it is not an exact quota.

Three ways to use it:

    from apps.core.ratelimit import client_ip, rate_limit, rate_limit_allow, rate_limit_check

    # 1. A Django view: answers 429 once the client's address has made `limit` requests of the
    #    given methods within `window` seconds (other methods are not counted).
    @rate_limit("chain-order", limit=20, window=60)
    def chain_page(request, slug): ...

    # 2. Anywhere (services, DRF views): raises RateLimited, a DomainError with status 429, which
    #    the API exception handler turns into {"code": "rate_limited", "message": ...}.
    rate_limit_check(scope="webhook-in", key=client_ip(request), limit=120, window=60)

    # 3. A plain yes/no, for endpoints that must always answer the same way (a tracking pixel
    #    that should count nothing more rather than fail):
    if rate_limit_allow(scope="ads-impression", key=client_ip(request), limit=600, window=60):
        record_impression(...)

`key` may be anything that identifies the caller (an address, a user id, a token id); it is
hashed, so a long or odd string is fine. Limits can be changed without code through the
RATE_LIMITS setting, {scope: (limit, window_seconds)}; RATE_LIMIT_ENABLED=False turns every limit
off (the default is on).

`client_ip(request)` is the caller's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT
reverse proxies that each append to X-Forwarded-For, the address the outermost trusted proxy saw.
Entries further left are written by the client and never trusted.
"""

import functools
import hashlib
import ipaddress
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.errors import Conflict

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


class RateLimited(Conflict):
    """Too many requests from one caller in a short time."""

    status = 429
    default_code = "rate_limited"


def client_ip(request: HttpRequest) -> str:
    """The caller's IP address, honouring exactly TRUSTED_PROXY_COUNT proxies in front of us."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
        if part.strip()
    ]
    # Each trusted proxy appends the address it received from, so the client is the N-th entry
    # from the right. Fewer entries means the request bypassed a proxy: trust only the socket.
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _limits(scope: str, limit: int, window: int) -> tuple[int, int]:
    override = getattr(settings, "RATE_LIMITS", {}).get(scope)
    if override:
        return int(override[0]), int(override[1])
    return limit, window


def rate_limit_allow(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one request of `key` in `scope`; False once it is over `limit` in this window."""
    if not getattr(settings, "RATE_LIMIT_ENABLED", True):
        return True
    limit, window = _limits(scope, limit, window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    bucket = int(time.time() // window)
    cache_key = f"ratelimit:{scope}:{digest}:{bucket}"
    # add() creates the counter only if missing; incr() is atomic on Redis. A counter that expired
    # between the two calls raises ValueError: start it again at one.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    return count <= limit


def rate_limit_check(*, scope: str, key: str, limit: int, window: int) -> None:
    """Like rate_limit_allow, but raises RateLimited (HTTP 429) when over the limit."""
    if not rate_limit_allow(scope=scope, key=key, limit=limit, window=window):
        raise RateLimited(_("操作太频繁，请稍后再试"))


def rate_limit(
    scope: str,
    *,
    limit: int,
    window: int,
    methods: tuple[str, ...] = ("POST",),
    key: Callable[[HttpRequest], str] = client_ip,
) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a function view: over the limit, answer 429 without running the view."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and not rate_limit_allow(
                scope=scope, key=key(request), limit=limit, window=window
            ):
                return rate_limited_response(request)
            return view(request, *args, **kwargs)

        return cast(ViewFunc, wrapped)

    return decorate


def rate_limited_response(request: HttpRequest) -> HttpResponse:
    """The 429 page: JSON for API-style callers, a short text page for browsers."""
    message = _("操作太频繁，请稍后再试")
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(RateLimited(message).as_dict(), status=429)
    return render(request, "core/rate_limited.html", {"message": message}, status=429)
