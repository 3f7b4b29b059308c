from typing import Any

from django.http import HttpRequest
from pghistory.middleware import HistoryMiddleware

from apps.core.ratelimit import client_ip


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's request context (user id, URL) plus the caller's address."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_context(request), "ip": client_ip(request)}
