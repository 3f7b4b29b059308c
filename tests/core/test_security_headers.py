"""Security headers and the Content Security Policy on every page; no template relies on an
inline script or event handler that the policy blocks; every POST form carries a CSRF token."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_pages_send_the_policy_and_security_headers(client: Client) -> None:
    first = client.get("/accounts/login/")

    policy = first["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    match = re.search(r"script-src ([^;]+)", policy)
    assert match
    script_src = match.group(1)
    # No inline script runs: only this site's files (and a nonce, on a page that asks for one).
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert first["X-Frame-Options"] == "DENY"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["Referrer-Policy"] == "same-origin"
    assert first["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_have_their_own_policy(client: Client) -> None:
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/api/docs/")
    if response.status_code == 200:
        assert "https://cdn.jsdelivr.net" in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_templates_have_no_inline_script_or_handler(path: Path) -> None:
    text = path.read_text()
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or "nonce=" in tag or "application/json" in tag, (path, tag)
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), path
    assert "javascript:" not in text, path


# The one-click unsubscribe form posts to a csrf_exempt view authorised by its signed token.
CSRF_FREE_FORMS = {"notifications/unsubscribe.html"}


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_post_forms_carry_a_csrf_token(path: Path) -> None:
    if path.relative_to(TEMPLATES).as_posix() in CSRF_FREE_FORMS:
        return
    text = path.read_text()
    for form in re.findall(r"<form\b[^>]*method=[\"']post[\"'][^>]*>.*?</form>", text, re.S | re.I):
        assert "{% csrf_token %}" in form, (path, form[:120])


def test_only_signed_endpoints_are_exempt_from_csrf() -> None:
    exempt = [
        path
        for path in (Path(settings.BASE_DIR) / "apps").rglob("*.py")
        if "csrf_exempt" in path.read_text()
    ]
    # Each proves its caller otherwise: WeChat Pay's notifications by their signature, the
    # one-click unsubscribe (RFC 8058) by its signed token, incoming webhooks by their HMAC.
    assert {p.relative_to(settings.BASE_DIR).as_posix() for p in exempt} <= {
        "apps/payments/views.py",
        "apps/notifications/views.py",
        "apps/webhooks/views.py",
    }
