"""track() records what a person did in one INSERT, cheap enough for the order path."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.analytics.models import Event
from apps.analytics.tracking import track
from tests.accounts.factories import UserFactory
from tests.catalog.factories import ProductFactory
from tests.communities.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def test_track_records_name_actor_community_subject_and_properties() -> None:
    member = UserFactory()
    community = CommunityFactory()
    product = ProductFactory()

    before = timezone.now()
    event = track(
        "product_viewed",
        actor=member,
        community=community,
        subject=product,
        properties={"source": "chain", "position": 2},
    )

    saved = Event.objects.get(pk=event.pk)
    assert saved.name == "product_viewed"
    assert saved.actor_id == member.pk
    assert saved.distinct_id == str(member.pk)
    assert saved.community_id == community.pk
    assert (saved.subject_type, saved.subject_id) == ("catalog.product", product.pk)
    assert saved.properties == {"source": "chain", "position": 2}
    assert before <= saved.occurred_at <= timezone.now() + timedelta(seconds=1)


def test_track_costs_exactly_one_query(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    member = UserFactory()
    community = CommunityFactory()
    product = ProductFactory()

    with django_assert_num_queries(1):
        track("chain_opened", actor=member, community=community, subject=product)


def test_an_anonymous_visitor_is_recorded_without_an_actor() -> None:
    event = track("chain_viewed", actor=AnonymousUser(), distinct_id="v:0123456789abcdef01234567")

    saved = Event.objects.get(pk=event.pk)
    assert saved.actor_id is None
    assert saved.distinct_id == "v:0123456789abcdef01234567"


def test_no_actor_leaves_actor_and_distinct_id_empty() -> None:
    saved = Event.objects.get(pk=track("order_timeout").pk)

    assert saved.actor_id is None
    assert saved.distinct_id == ""
    assert (saved.community_id, saved.subject_type, saved.subject_id) == (None, "", None)
    assert saved.properties == {}


def test_a_community_may_be_given_by_id() -> None:
    saved = Event.objects.get(pk=track("joined", community=12345).pk)

    assert saved.community_id == 12345


def test_an_explicit_distinct_id_wins_over_the_actor() -> None:
    member = UserFactory()

    event = track("signed_in", actor=member, distinct_id="v:abc")

    assert (event.actor_id, event.distinct_id) == (member.pk, "v:abc")
