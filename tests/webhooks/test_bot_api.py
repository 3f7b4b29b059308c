"""The bot API: a token reads its own community's chains, entries and orders and posts the
announcement; another community's rows are 404, anything else refuses the token, a revoked
token is 401, each token has its own rate limit, and the schema documents the scheme."""

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from apps.chains.models import ChainEntry
from apps.chains.services import chain_order_place
from apps.communities.models import Announcement, Membership
from apps.communities.services import membership_demote
from apps.webhooks.models import BotToken
from apps.webhooks.services import bot_token_create, bot_token_revoke
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import member_of

pytestmark = pytest.mark.django_db


def _bot(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _token(setup: ChainSetup) -> tuple[BotToken, str]:
    return bot_token_create(community=setup.community, actor=setup.leader, name="接龙机器人")


def _place(setup: ChainSetup, phone: str) -> ChainEntry:
    return chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="张三",
        contact_phone=phone,
        quantities={setup.items[0].pk: 1},
        pickup_point=setup.pickup_points[0],
        submission_token=uuid.uuid4().hex,
    )


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_token_reads_its_communitys_chains_entries_and_orders() -> None:
    setup = open_chain()
    entry = _place(setup, "13812345678")
    token, raw = _token(setup)
    client = _bot(raw)

    assert client.get("/api/v1/bot/community/").json()["id"] == setup.community.pk
    assert _ids(client.get("/api/v1/bot/chains/")) == [setup.chain.pk]
    detail = client.get(f"/api/v1/bot/chains/{setup.chain.pk}/").json()
    assert detail["summary"]["entries"] == 1
    entries = client.get(f"/api/v1/bot/chains/{setup.chain.pk}/entries/").json()["results"]
    assert [e["sequence"] for e in entries] == [entry.sequence]
    assert entries[0]["order"]["contact_phone"] == "138****5678"  # masked for bots
    orders = client.get("/api/v1/bot/orders/").json()["results"]
    assert [o["id"] for o in orders] == [entry.order.pk]
    assert client.get(f"/api/v1/bot/orders/{entry.order.pk}/").json()["entry"]["chain"] == (
        setup.chain.pk
    )
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_another_communitys_chain_entries_and_orders_are_404() -> None:
    mine, theirs = open_chain(), open_chain()
    their_entry = _place(theirs, "13900000001")
    _, raw = _token(mine)
    client = _bot(raw)

    assert _ids(client.get("/api/v1/bot/chains/")) == [mine.chain.pk]
    assert _ids(client.get("/api/v1/bot/orders/")) == []
    for path in [
        f"/api/v1/bot/chains/{theirs.chain.pk}/",
        f"/api/v1/bot/chains/{theirs.chain.pk}/entries/",
        f"/api/v1/bot/orders/{their_entry.order.pk}/",
    ]:
        assert client.get(path).status_code == 404, path


def test_drafts_stay_private_to_the_leader() -> None:
    setup = open_chain(open_now=False)
    _, raw = _token(setup)

    assert _ids(_bot(raw).get("/api/v1/bot/chains/")) == []
    assert _bot(raw).get(f"/api/v1/bot/chains/{setup.chain.pk}/").status_code == 404


def test_a_bot_token_opens_nothing_but_the_bot_api() -> None:
    setup = open_chain()
    _, raw = _token(setup)
    client = _bot(raw)

    assert client.get("/api/v1/chains/").status_code == 401
    assert client.post(f"/api/v1/chains/{setup.chain.pk}/close/").status_code == 401
    assert client.get("/api/v1/orders/").status_code == 401
    # No write on the bot API but the announcement.
    assert client.post(f"/api/v1/bot/chains/{setup.chain.pk}/close/").status_code == 404
    assert client.delete(f"/api/v1/bot/chains/{setup.chain.pk}/").status_code == 405


def test_a_logged_in_leader_is_not_a_bot() -> None:
    setup = open_chain()
    client = APIClient()
    client.force_login(setup.leader)

    assert client.get("/api/v1/bot/chains/").status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nope", "Bearer a b", "Token abc"])
def test_a_missing_or_unknown_token_is_401(header: str) -> None:
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/bot/chains/")

    assert response.status_code == 401
    assert "code" in response.json()


def test_a_revoked_token_is_401() -> None:
    setup = open_chain()
    token, raw = _token(setup)
    assert _bot(raw).get("/api/v1/bot/chains/").status_code == 200

    bot_token_revoke(token=token, actor=setup.leader)

    assert _bot(raw).get("/api/v1/bot/chains/").status_code == 401


def test_a_token_stops_working_when_its_creator_no_longer_runs_the_community() -> None:
    setup = open_chain()
    admin = member_of(setup.community, role=Membership.Role.ADMIN)
    _, raw = bot_token_create(community=setup.community, actor=admin, name="bot")
    assert _bot(raw).get("/api/v1/bot/chains/").status_code == 200

    membership_demote(community=setup.community, actor=setup.leader, user=admin)

    assert _bot(raw).get("/api/v1/bot/chains/").status_code == 401


def test_only_the_hash_is_stored() -> None:
    setup = open_chain()
    token, raw = _token(setup)

    assert raw.startswith("tgb_")
    assert raw not in {token.key_hash, token.prefix}
    assert not BotToken.objects.filter(key_hash=raw).exists()


def test_a_bot_posts_the_announcement_through_the_communities_service() -> None:
    setup = open_chain()
    _, raw = _token(setup)

    created = _bot(raw).post("/api/v1/bot/announcements/", {"body": "明早8点到货"}, format="json")
    empty = _bot(raw).post("/api/v1/bot/announcements/", {"body": "  "}, format="json")

    assert created.status_code == 201, created.content
    announcement = Announcement.objects.get(community=setup.community)
    assert (announcement.body, announcement.author) == ("明早8点到货", setup.leader)
    assert empty.status_code == 400
    assert Announcement.objects.count() == 1


def test_each_token_has_its_own_rate_limit(settings: Any) -> None:
    settings.BOT_API_RATE = "3/min"
    setup = open_chain()
    _, first = _token(setup)
    _, second = _token(setup)

    answers = [_bot(first).get("/api/v1/bot/chains/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert _bot(second).get("/api/v1/bot/chains/").status_code == 200
    limited = _bot(first).get("/api/v1/bot/chains/")
    assert limited.json()["code"] == "throttled"
    assert "Retry-After" in limited.headers


def test_last_used_is_written_at_most_once_a_minute() -> None:
    setup = open_chain()
    token, raw = _token(setup)
    _bot(raw).get("/api/v1/bot/community/")
    token.refresh_from_db()
    first = token.last_used_at

    _bot(raw).get("/api/v1/bot/community/")
    token.refresh_from_db()

    assert first is not None
    assert token.last_used_at == first
    assert timezone.now() - first < timezone.timedelta(minutes=1)


def test_list_endpoints_run_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    setup = open_chain()
    for number in range(8):
        _place(setup, f"1390000{number:04d}")
    _, raw = _token(setup)
    client = _bot(raw)
    client.get("/api/v1/bot/community/")  # last_used_at written once, outside the counts

    # token + count + rows + lines (+ entry for orders)
    with django_assert_max_num_queries(4):
        assert len(_ids(client.get("/api/v1/bot/chains/"))) == 1
    with django_assert_max_num_queries(5):
        assert len(_ids(client.get(f"/api/v1/bot/chains/{setup.chain.pk}/entries/"))) == 8
    with django_assert_max_num_queries(4):
        assert len(_ids(client.get("/api/v1/bot/orders/"))) == 8


def test_the_openapi_schema_is_valid_and_documents_the_bot_scheme(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()

    assert "/api/v1/bot/chains/{chain_pk}/entries/:" in schema
    assert "/api/v1/bot/announcements/:" in schema
    assert "botToken:" in schema
    assert "scheme: bearer" in schema
