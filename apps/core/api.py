"""The one place where errors become API responses, all in one shape: {code, message, field?}.

Domain errors carry their own code and status. DRF's own errors (validation, authentication,
not found) are reshaped to match, so a client reads every error the same way; a validation error
also keeps DRF's full per-field detail under `field_errors`.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import filters, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import DomainError


class ErrorSerializer(serializers.Serializer[Any]):
    """The body of every error response (used by the OpenAPI schema)."""

    code = serializers.CharField(help_text="Stable machine code, e.g. illegal_transition.")
    message = serializers.CharField(help_text="Human message, Chinese first.")
    field = serializers.CharField(
        required=False, help_text="The input field at fault, dotted for nested input."
    )
    field_errors = serializers.JSONField(
        required=False, help_text="Validation errors only: every field's messages."
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        return Response({"code": "invalid", "message": "; ".join(exc.messages)}, status=400)
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(exc, ValidationError):
            response.data = _validation_body(response.data)
        elif isinstance(response.data, dict) and "detail" in response.data:
            detail = response.data["detail"]
            response.data = {"code": getattr(detail, "code", "error"), "message": str(detail)}
    return response


def _validation_body(detail: Any) -> dict[str, Any]:
    path, first = _first_error(detail, ())
    body: dict[str, Any] = {
        "code": getattr(first, "code", None) or "invalid",
        "message": str(first),
    }
    field = ".".join(part for part in path if part != api_settings.NON_FIELD_ERRORS_KEY)
    if field:
        body["field"] = field
    body["field_errors"] = detail
    return body


def _first_error(detail: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], Any]:
    """The first message in DRF's nested error detail, and the path of keys leading to it."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if value:
                return _first_error(value, (*path, str(key)))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                if value:
                    return _first_error(value, (*path, str(index)))
            elif value:
                return path, value
    return path, detail


class ApiMetadata(SimpleMetadata):
    """OPTIONS answers the view's name, description and media types, without DRF's form
    description: views pick their input serializer per action (there is no one
    `serializer_class` to describe, and asking for it was a 500). The OpenAPI schema at
    /api/schema/ documents every input."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}


class OrderingFilter(filters.OrderingFilter):
    """DRF's, except that a view naming no `ordering_fields` (and having no serializer_class to
    take them from) simply allows no `?ordering=`: DRF raises ImproperlyConfigured there, which
    turned any request with that parameter into a 500."""

    def get_valid_fields(
        self, queryset: Any, view: Any, context: Mapping[str, Any] = MappingProxyType({})
    ) -> list[tuple[str, str]]:
        try:
            return list(super().get_valid_fields(queryset, view, context))
        except ImproperlyConfigured:
            return []
