"""Merchant staff keep their own merchant's subscriptions in the admin, and only those."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from apps.webhooks.services import subscription_create
from tests.accounts.factories import staff_user
from tests.catalog.factories import MerchantFactory
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(allow_private: None) -> dict[str, Any]:
    mine, theirs = MerchantFactory(), MerchantFactory()
    staff, other_staff = staff_user("merchant_staff"), staff_user("merchant_staff")
    mine.staff.add(staff)
    theirs.staff.add(other_staff)
    their_sub = subscription_create(
        merchant=theirs, actor=other_staff, url="http://127.0.0.1:9/t", event_types=["order.paid"]
    )
    community = CommunityFactory()
    community_sub = subscription_create(
        community=community,
        actor=community.owner,
        url="http://127.0.0.1:9/c",
        event_types=["order.paid"],
    )
    return {
        "mine": mine,
        "staff": staff,
        "theirs": their_sub,
        "community_sub": community_sub,
        "their_merchant": theirs,
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_add_a_subscription_for_their_merchant_and_see_only_theirs(
    shops: dict[str, Any],
) -> None:
    client = _client(shops["staff"])
    add_url = reverse("admin:webhooks_webhooksubscription_add")

    response = client.post(
        add_url,
        {
            "merchant": shops["mine"].pk,
            "url": "http://127.0.0.1:8765/erp",
            "event_types": ["order.paid", "chain.opened"],
            "description": "ERP",
            "active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    created = WebhookSubscription.objects.get(merchant=shops["mine"])
    assert created.secret.startswith("whsec_")
    assert created.event_types == ["chain.opened", "order.paid"]
    listing = client.get(reverse("admin:webhooks_webhooksubscription_changelist"))
    assert list(listing.context["cl"].result_list) == [created]


def test_staff_cannot_pick_open_or_delete_another_merchants_subscription(
    shops: dict[str, Any],
) -> None:
    client = _client(shops["staff"])

    refused = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "merchant": shops["their_merchant"].pk,
            "url": "http://127.0.0.1:8765/erp",
            "event_types": ["order.paid"],
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert refused.status_code == 200  # the merchant is not among the choices
    assert not WebhookSubscription.objects.filter(url="http://127.0.0.1:8765/erp").exists()
    for sub in (shops["theirs"], shops["community_sub"]):
        change = reverse("admin:webhooks_webhooksubscription_change", args=[sub.pk])
        delete = reverse("admin:webhooks_webhooksubscription_delete", args=[sub.pk])
        assert client.get(change).status_code == 302  # the admin's "does not exist" redirect
        client.post(delete, {"post": "yes"})
        assert WebhookSubscription.objects.filter(pk=sub.pk).exists()


def test_a_private_url_is_refused_in_the_admin_without_the_dev_setting(
    shops: dict[str, Any], settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = _client(shops["staff"]).post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "merchant": shops["mine"].pk,
            "url": "http://10.0.0.8/erp",
            "event_types": ["order.paid"],
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "内网" in response.content.decode()
    assert not WebhookSubscription.objects.filter(merchant=shops["mine"]).exists()


def test_the_delivery_log_shows_staff_only_their_merchants_deliveries(
    shops: dict[str, Any],
) -> None:
    WebhookDelivery.objects.create(
        subscription=shops["theirs"], event_type="order.paid", payload={}
    )

    listing = _client(shops["staff"]).get(reverse("admin:webhooks_webhookdelivery_changelist"))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == []
