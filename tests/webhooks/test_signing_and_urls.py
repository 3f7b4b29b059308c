"""Signatures a receiver can check on its own, and no webhook to a private address."""

import hashlib
import hmac
import socket
import time
from typing import Any

import pytest

from apps.webhooks.signing import signature_header, signature_verify
from apps.webhooks.urlguard import RefusedURL, webhook_url_check


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_computed_independently() -> None:
    body = '{"id":"e1","type":"order.paid","data":{"金额":"39.90"}}'.encode()
    header = signature_header(secret="whsec_abc", timestamp=1764000000, body=body)

    expected = hmac.new(b"whsec_abc", b"1764000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1764000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_refuses_tampering_old_or_wrong_secret() -> None:
    body = b'{"id":"e1"}'
    now = int(time.time())
    header = signature_header(secret="s1", timestamp=now, body=body)

    assert signature_verify(secret="s1", header=header, body=body)
    assert not signature_verify(secret="s1", header=header, body=b'{"id":"e2"}')
    assert not signature_verify(secret="s2", header=header, body=body)
    old = signature_header(secret="s1", timestamp=now - 301, body=body)
    assert not signature_verify(secret="s1", header=old, body=body)
    assert not signature_verify(secret="s1", header="garbage", body=body)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.8.9.10:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(RefusedURL) as refused:
        webhook_url_check(url)
    assert refused.value.field == "url"


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "javascript:alert(1)", "http://user:pw@example.com/", "http:///x", ""],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(RefusedURL):
        webhook_url_check(url)


def _resolving_to(*addresses: str) -> Any:
    def fake(host: str, port: int, *args: object, **kwargs: object) -> list[Any]:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    return fake


def test_a_hostname_resolving_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("127.0.0.1"))

    with pytest.raises(RefusedURL, match=r"127\.0\.0\.1"):
        webhook_url_check("https://hooks.example.com/in")


def test_one_private_answer_among_public_ones_is_enough_to_refuse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34", "10.0.0.7"))

    with pytest.raises(RefusedURL):
        webhook_url_check("https://hooks.example.com/in")


def test_localhost_by_name_is_refused() -> None:
    with pytest.raises(RefusedURL):
        webhook_url_check("http://localhost:8765/")


def test_a_public_host_gives_the_checked_address_to_connect_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _resolving_to("93.184.216.34"))

    target = webhook_url_check("https://hooks.example.com/in?x=1")

    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        443,
        "/in?x=1",
        "93.184.216.34",
    )


def test_the_development_setting_lets_loopback_through(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True

    target = webhook_url_check("http://127.0.0.1:8765/hook")

    assert target.address == "127.0.0.1"
    assert target.port == 8765


def test_the_development_setting_is_an_error_on_a_public_site(settings: Any) -> None:
    from apps.webhooks.checks import private_urls_not_in_production

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    assert [e.id for e in private_urls_not_in_production()] == ["webhooks.E001"]

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    assert private_urls_not_in_production() == []
