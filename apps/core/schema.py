"""The OpenAPI schema class: drf-spectacular's, plus the error responses every view can give
but does not spell out, so the schema matches what the API really answers (Schemathesis checks):

- 401 where a login is needed (token authentication comes first, so no credentials is a 401);
- 400 where the operation takes query parameters or a body (filters, pagination, input);
- 404 where the path names an object, and on paginated lists (a page that does not exist);
- 415 where it takes a body (only JSON is parsed);
- the Idempotency-Key header, and its 400 and 409, on views marked `@idempotent`.

Each added response has the one error shape (apps.core.api.ErrorSerializer); a response a view
documents itself is left as it is.
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ComponentRegistry
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import IsAuthenticated

from apps.core.api import ErrorSerializer
from apps.core.idempotency import HEADER

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choosing (1–255 printable ASCII characters). Repeating the request with "
        "the same key and body returns the first response (header Idempotent-Replayed: true) "
        "instead of doing it twice; the same key with another body is a 409. Kept 24 hours."
    ),
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


UNAUTHENTICATED = _error("No or bad credentials (token auth answers WWW-Authenticate: Token).")
INVALID = _error("Invalid input: a query parameter, the body or the Idempotency-Key.")
NOT_FOUND = _error("No such object among yours, or no such page.")
UNSUPPORTED = _error("The body is not JSON (Content-Type: application/json).")
CONFLICT = _error(
    "Not allowed in this state, or the Idempotency-Key was used for another request "
    "(code idempotency_key_reused)."
)


class AutoSchema(openapi.AutoSchema):
    def is_idempotent(self) -> bool:
        action = getattr(self.view, "action", None) or self.method.lower()
        handler = getattr(self.view, action, None)
        return bool(getattr(handler, "idempotent", False))

    def requires_login(self) -> bool:
        return any(
            isinstance(permission, IsAuthenticated) for permission in self.view.get_permissions()
        )

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.is_idempotent():
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
        return parameters

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        takes_query = any(parameter["in"] == "query" for parameter in parameters)
        names_object = any(parameter["in"] == "path" for parameter in parameters)
        has_body = "requestBody" in operation or self.method in ("POST", "PUT", "PATCH")
        paginated = self._is_list_view() and self._get_paginator() is not None
        added = {
            "401": UNAUTHENTICATED if self.requires_login() else None,
            "400": INVALID if takes_query or has_body or self.is_idempotent() else None,
            "404": NOT_FOUND if names_object or paginated else None,
            "409": CONFLICT if self.is_idempotent() else None,
            "415": UNSUPPORTED if has_body else None,
        }
        responses = operation["responses"]
        for code, response in added.items():
            if response is not None and code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation
