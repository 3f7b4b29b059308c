"""apps/core/ratelimit.py: fixed-window counters in the cache and the client's address."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.core.ratelimit import RateLimited, client_ip, rate_limit_allow, rate_limit_check
from apps.orders.models import Order
from tests.chains.factories import open_chain
from tests.chains.test_pages import form_token, order_data


def test_allows_up_to_the_limit_then_refuses() -> None:
    answers = [rate_limit_allow(scope="t", key="1.2.3.4", limit=3, window=60) for _ in range(5)]

    assert answers == [True, True, True, False, False]
    # another caller and another scope count separately
    assert rate_limit_allow(scope="t", key="5.6.7.8", limit=3, window=60)
    assert rate_limit_allow(scope="other", key="1.2.3.4", limit=3, window=60)


def test_check_raises_a_429_domain_error() -> None:
    rate_limit_check(scope="t", key="k", limit=1, window=60)
    with pytest.raises(RateLimited) as caught:
        rate_limit_check(scope="t", key="k", limit=1, window=60)
    assert caught.value.status == 429
    assert caught.value.code == "rate_limited"


def test_settings_override_and_switch_off(settings: Any) -> None:
    settings.RATE_LIMITS = {"t": (1, 60)}
    assert rate_limit_allow(scope="t", key="k", limit=100, window=60)
    assert not rate_limit_allow(scope="t", key="k", limit=100, window=60)
    settings.RATE_LIMIT_ENABLED = False
    assert rate_limit_allow(scope="t", key="k", limit=100, window=60)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "9.9.9.9", "10.0.0.1"),  # no proxy trusted: the header is the client's word, ignored
        (1, "9.9.9.9", "9.9.9.9"),
        (1, "6.6.6.6, 9.9.9.9", "9.9.9.9"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 9.9.9.9, 10.0.0.7", "9.9.9.9"),
        (2, "9.9.9.9", "10.0.0.1"),  # fewer hops than proxies: it bypassed one
        (1, "not-an-ip", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_exactly_the_configured_proxies(
    settings: Any, proxies: int, forwarded: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@pytest.mark.django_db
def test_chain_order_posts_are_limited_per_address(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {"chain-order": (2, 60)}
    setup = open_chain(price=Decimal("10.00"))
    url = f"/c/{setup.chain.slug}/"

    for _ in range(2):
        assert client.post(url, order_data(setup, form_token(client, setup))).status_code == 302
    refused = client.post(url, order_data(setup, form_token(client, setup)))

    assert refused.status_code == 429
    assert Order.objects.count() == 2
    # reading the page is not counted, and another address may still order
    assert client.get(url).status_code == 200
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post(url, order_data(setup, form_token(other, setup))).status_code == 302


@pytest.mark.django_db
def test_payment_notifications_are_capped_per_address(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {"wechatpay-notify": (1, 60)}
    url = reverse("payments:wechat_notify")

    first = client.post(url, b"{}", content_type="application/json")
    second = client.post(
        url, b"{}", content_type="application/json", HTTP_ACCEPT="application/json"
    )

    assert first.status_code != 429
    assert second.status_code == 429
    assert second.json()["code"] == "rate_limited"
