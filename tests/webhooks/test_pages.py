"""The leader's webhook and bot-token pages: owners and admins manage their own community's,
a stranger gets 404 and a plain member 403, another community's subscription is a 404, and
the lists run a fixed number of queries."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.communities.models import Membership
from apps.webhooks.models import BotToken, WebhookDelivery, WebhookSubscription
from apps.webhooks.services import bot_token_hash, subscription_create
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, member_of
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _subscription(community: Any, url: str = "http://127.0.0.1:9/hook") -> WebhookSubscription:
    return subscription_create(
        community=community, actor=community.owner, url=url, event_types=["order.paid"]
    )


def test_a_leader_creates_edits_tests_and_deletes_a_subscription(
    receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    community = CommunityFactory()
    client = _client(community.owner)

    created = client.post(
        reverse("webhooks:create", args=[community.pk]),
        {"url": receiver.url, "event_types": ["order.paid", "member.joined"], "description": "ERP"},
    )

    subscription = WebhookSubscription.objects.get(community=community)
    assert created.status_code == 302
    assert subscription.event_types == ["member.joined", "order.paid"]
    page = client.get(created["Location"]).content.decode()
    assert subscription.secret in page  # the owner copies it into the receiver

    edited = client.post(
        reverse("webhooks:edit", args=[community.pk, subscription.pk]),
        {"url": receiver.url, "event_types": ["chain.opened"], "active": ""},
    )
    subscription.refresh_from_db()
    assert edited.status_code == 302
    assert (subscription.event_types, subscription.active) == (["chain.opened"], False)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:action", args=[community.pk, subscription.pk, "test"]))
    assert receiver.requests[0].headers["X-Tuangou-Event"] == "webhook.test"
    log = client.get(reverse("webhooks:deliveries", args=[community.pk, subscription.pk]))
    assert "webhook.test" in log.content.decode()
    assert "HTTP 200" in log.content.decode()

    client.post(reverse("webhooks:action", args=[community.pk, subscription.pk, "delete"]))
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/hook", "内网"),
        ("http://169.254.169.254/", "内网"),
        ("ftp://x.cn/", "http"),
    ],
)
def test_a_refused_url_shows_beside_the_field_and_saves_nothing(url: str, message: str) -> None:
    community = CommunityFactory()

    response = _client(community.owner).post(
        reverse("webhooks:create", args=[community.pk]),
        {"url": url, "event_types": ["order.paid"]},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_strangers_get_404_members_403_and_other_communities_rows_404(
    allow_private: None,
) -> None:
    community, other = CommunityFactory(), CommunityFactory()
    theirs = _subscription(other)
    stranger, member = UserFactory(), member_of(community)
    list_url = reverse("webhooks:list", args=[community.pk])

    assert _client(stranger).get(list_url).status_code == 404
    assert _client(member).get(list_url).status_code == 403
    assert _client(member).get(reverse("webhooks:tokens", args=[community.pk])).status_code == 403
    owner = _client(community.owner)
    assert owner.get(reverse("webhooks:edit", args=[community.pk, theirs.pk])).status_code == 404
    assert (
        owner.post(reverse("webhooks:action", args=[community.pk, theirs.pk, "delete"])).status_code
        == 404
    )
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_an_admin_of_the_community_may_manage_it(allow_private: None) -> None:
    community = CommunityFactory()
    admin = member_of(community, role=Membership.Role.ADMIN)

    response = _client(admin).post(
        reverse("webhooks:create", args=[community.pk]),
        {"url": "http://127.0.0.1:8765/", "event_types": ["order.paid"]},
    )

    assert response.status_code == 302
    assert WebhookSubscription.objects.get().created_by == admin


def test_a_token_is_shown_once_and_can_be_revoked() -> None:
    community = CommunityFactory()
    client = _client(community.owner)
    url = reverse("webhooks:tokens", args=[community.pk])

    created = client.post(url, {"name": "接龙机器人"})

    raw = re.search(r"tgb_[\w-]+", created.content.decode())
    assert raw is not None
    token = BotToken.objects.get(key_hash=bot_token_hash(raw.group()))
    assert created["Cache-Control"] == "no-store"
    assert raw.group() not in client.get(url).content.decode()  # never shown again
    client.post(reverse("webhooks:token_revoke", args=[community.pk, token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_communitys_token_cannot_be_revoked() -> None:
    community, other = CommunityFactory(), CommunityFactory()
    client = _client(other.owner)
    client.post(reverse("webhooks:tokens", args=[other.pk]), {"name": "bot"})
    token = BotToken.objects.get()

    response = _client(community.owner).post(
        reverse("webhooks:token_revoke", args=[community.pk, token.pk])
    )

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_index_lists_only_the_leaders_communities() -> None:
    mine = CommunityFactory(name="我的群A")
    CommunityFactory(name="别人的群B")

    page = _client(mine.owner).get(reverse("webhooks:index")).content.decode()

    assert "我的群A" in page
    assert "别人的群B" not in page
    assert reverse("webhooks:index") in page  # the link in the leader navigation


def test_list_pages_run_a_fixed_number_of_queries(
    allow_private: None, django_assert_max_num_queries: Any
) -> None:
    community = CommunityFactory()
    subscriptions = [_subscription(community, f"http://127.0.0.1:9/h{n}") for n in range(5)]
    for subscription in subscriptions:
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(subscription=subscription, event_type="order.paid", payload={})
            for _ in range(30)
        )
    client = _client(community.owner)
    client.post(reverse("webhooks:tokens", args=[community.pk]), {"name": "a"})
    client.post(reverse("webhooks:tokens", args=[community.pk]), {"name": "b"})

    for url in [
        reverse("webhooks:index"),
        reverse("webhooks:list", args=[community.pk]),
        reverse("webhooks:tokens", args=[community.pk]),
        reverse("webhooks:deliveries", args=[community.pk, subscriptions[0].pk]),
        reverse("webhooks:edit", args=[community.pk, subscriptions[0].pk]),
    ]:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url
