"""The demo's subscription and bot token: loaded once, and the printed token reads the chain."""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from apps.demo.webhooks import DEMO_BOT_TOKEN, DEMO_WEBHOOK_URL, demo_webhooks_load
from apps.webhooks.management.commands.webhook_receiver import local_secrets
from apps.webhooks.models import BotToken, WebhookSubscription
from tests.chains.factories import open_chain

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_its_printed_token_reads_the_chain() -> None:
    setup = open_chain()
    first: Counter[str] = Counter()
    again: Counter[str] = Counter()

    demo_webhooks_load(community=setup.community, leader=setup.leader, created=first)
    demo_webhooks_load(community=setup.community, leader=setup.leader, created=again)

    assert first == {"webhook subscriptions": 1, "bot tokens": 1}
    assert not again
    assert WebhookSubscription.objects.get().url == DEMO_WEBHOOK_URL
    assert BotToken.objects.count() == 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {DEMO_BOT_TOKEN}")
    chains = client.get("/api/v1/bot/chains/").json()["results"]
    assert [chain["id"] for chain in chains] == [setup.chain.pk]


def test_the_receiver_command_knows_the_secrets_of_subscriptions_pointing_at_it() -> None:
    setup = open_chain()
    demo_webhooks_load(community=setup.community, leader=setup.leader, created=Counter())
    secret = WebhookSubscription.objects.get().secret

    assert local_secrets(8765) == [secret]
    assert local_secrets(9999) == []
