from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "down" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL no route matches: JSON in the API's error shape under /api/, so a client (or a
    malformed id such as /api/v1/chains/1.5/) gets what the schema documents; HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": gettext("没有这个接口")}, status=404)
    return defaults.page_not_found(request, exception)
