"""The OpenAPI schema describes the whole /api/v1/: every URL pattern, its error responses in
the one error shape, and the Idempotency-Key header where a retry could repeat an effect."""

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.accounts.factories import UserFactory

IDEMPOTENT = {
    ("post", "/api/v1/my/orders/"),
    ("post", "/api/v1/my/orders/{id}/pay/"),
    ("post", "/api/v1/orders/{id}/mark-paid/"),
    ("post", "/api/v1/orders/{id}/refund/"),
    ("post", "/api/v1/orders/{id}/cancel/"),
    ("post", "/api/v1/chains/{id}/cancel/"),
    ("post", "/api/v1/membership-plans/{id}/purchase/"),
    ("post", "/api/v1/courses/{id}/buy/"),
    ("post", "/api/v1/courses/sessions/{id}/book/"),
    ("post", "/api/v1/distribution/payouts/"),
    ("post", "/api/v1/distribution/payouts/{id}/mark-paid/"),
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _api_patterns(patterns: list[Any], prefix: str = "") -> set[str]:
    """The resolver's /api/v1/ routes as schema paths (`{id}`-style parameters)."""
    found: set[str] = set()
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found |= _api_patterns(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern) and text.startswith("api/v1/"):
            if "format" in pattern.pattern.regex.groupindex or pattern.name == "api-root":
                continue  # DRF's .json suffix variants and the browsable root
            path = "/" + text.replace("^", "").replace("$", "")
            path = re.sub(r"\(\?P<pk>[^)]*\)", "{id}", path)
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
            found.add(path)
    return found


def test_the_schema_is_valid_openapi(schema: dict[str, Any]) -> None:
    validate_schema(schema)


def test_every_api_url_pattern_is_in_the_schema(schema: dict[str, Any]) -> None:
    routes = _api_patterns(get_resolver().url_patterns)
    assert len(routes) > 60
    assert routes - set(schema["paths"]) == set()


def test_every_operation_documents_its_errors_in_the_error_shape(schema: dict[str, Any]) -> None:
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in METHODS or not path.startswith("/api/v1/"):
                continue
            codes = set(operation["responses"])
            errors = {code for code in codes if code.startswith("4")}
            if "401" not in codes or not errors - {"401"}:
                missing.append(f"{method.upper()} {path}: {sorted(codes)}")
            for code in errors:
                body = operation["responses"][code].get("content", {}).get("application/json", {})
                if body.get("schema", {}).get("$ref") != "#/components/schemas/Error":
                    missing.append(f"{method.upper()} {path} {code}: not the Error shape")
    assert missing == []


def test_idempotent_operations_document_the_header_and_409(schema: dict[str, Any]) -> None:
    marked = set()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "Idempotency-Key" in names:
                marked.add((method, path))
                assert "409" in operation["responses"], (method, path)
    assert marked >= IDEMPOTENT


@pytest.mark.django_db
def test_the_docs_page_and_schema_are_served() -> None:
    client = APIClient()
    client.force_login(UserFactory())
    assert client.get("/api/docs/").status_code == 200
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/v1/my/orders/" in response.json()["paths"]
