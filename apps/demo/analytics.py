"""Demo funnel events: the views and form starts that came before the demo's chain orders.

The demo places its orders through the real services, which record order_placed / paid /
completed for each buyer's phone. What a browser did before is invented here, consistently with
those orders: each buyer viewed the chain and started the form shortly before their own
order_placed event, from a browser whose visitor id is aliased to their phone (as the chain page
does for a real order); and enough other visitors viewed without buying that the chain converts
in the field's typical 8–15 %. Deterministic (seeded by the chain) and idempotent: a chain that
already has its demo views gets nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter

from django.utils import timezone

from apps.analytics.models import Event, PersonAlias
from apps.analytics.tracking import subject_label
from apps.chains.models import Chain, ChainEntry
from apps.communities.models import Membership
from apps.orders.models import Order

TARGET_CONVERSION = 0.11  # paid buyers / viewers, inside the typical 8–15 %
FORM_START_SHARE = 0.3  # of the visitors who did not buy, how many began the form


def _visitor(chain: Chain, who: str) -> str:
    return "v:" + hashlib.sha256(f"demo:{chain.slug}:{who}".encode()).hexdigest()[:24]


def demo_analytics_load(*, chains: list[Chain], created: Counter[str]) -> None:
    for chain in chains:
        _chain_events(chain, created)
    if chains:
        _membership_history(chains[0], created)


KEEP = ("member05", "member12", "member15")  # the distribution and course stories' members
HISTORY_MONTHS = 5


def _membership_history(chain: Chain, created: Counter[str]) -> None:
    """The demo's members all joined when it was loaded, which leaves churn and retention with
    nothing to show. Spread their joins over the last five months and let three leave today:
    two who never ordered and one right after their order (churn tied to a purchase). Skipped
    when the group already has a history."""
    now = timezone.now()
    members = Membership.objects.filter(
        community_id=chain.community_id, role=Membership.Role.MEMBER
    ).select_related("user")
    if members.filter(joined_at__lt=now - dt.timedelta(days=60)).exists():
        return
    rng = random.Random(f"members:{chain.community_id}")  # noqa: S311 - demo data, not secrets
    buyers = set(
        Order.objects.filter(community_id=chain.community_id, paid_at__isnull=False).values_list(
            "contact_phone", flat=True
        )
    )
    leavers: list[Membership] = []
    bought_leaver: Membership | None = None
    for membership in members.order_by("-user__username"):
        days = rng.randint(7, HISTORY_MONTHS * 30)
        membership.joined_at = now - dt.timedelta(days=days, hours=rng.randint(0, 23))
        membership.save(update_fields=["joined_at"])
        if membership.user.username in KEEP:
            continue
        if membership.user.phone in buyers:
            if bought_leaver is None:
                bought_leaver = membership
        elif len(leavers) < 2:
            leavers.append(membership)
    for membership in [*leavers, *([bought_leaver] if bought_leaver else [])]:
        membership.left_at = now
        membership.save(update_fields=["left_at"])
    created["member histories"] += members.count()


def _chain_events(chain: Chain, created: Counter[str]) -> None:
    label = subject_label(chain)
    if Event.objects.filter(
        name="chain_viewed", subject_type=label, subject_id=chain.pk, properties__demo=True
    ).exists():
        return
    rng = random.Random(chain.slug)  # noqa: S311 - demo data, not secrets
    placed_at = {
        event.subject_id: event.occurred_at
        for event in Event.objects.filter(
            name="order_placed",
            subject_type="orders.order",
            subject_id__in=ChainEntry.objects.filter(chain=chain).values("order_id"),
        )
    }
    entries = ChainEntry.objects.filter(chain=chain).select_related("order").order_by("pk")
    events: list[Event] = []
    aliases: list[PersonAlias] = []
    buyers: set[str] = set()
    paid = 0
    latest = chain.opens_at
    for entry in entries:
        order = entry.order
        when = placed_at.get(order.pk, order.created_at)
        latest = max(latest, when)
        paid += order.paid_at is not None
        if order.contact_phone in buyers:
            continue  # one browser per buyer, seen once before their first order
        buyers.add(order.contact_phone)
        visitor = _visitor(chain, order.contact_phone)
        aliases.append(PersonAlias(distinct_id=visitor, person_id=f"phone:{order.contact_phone}"))
        viewed = when - dt.timedelta(minutes=rng.randint(5, 90))
        events.append(_event(chain, "chain_viewed", visitor, viewed))
        events.append(_event(chain, "chain_form_started", visitor, when - dt.timedelta(seconds=90)))
    lookers = max(0, round(paid / TARGET_CONVERSION) - len(buyers))
    span = max((latest - chain.opens_at).total_seconds(), 3600.0)
    for number in range(lookers):
        visitor = _visitor(chain, f"looker{number}")
        viewed = chain.opens_at + dt.timedelta(seconds=rng.uniform(0, span))
        events.append(_event(chain, "chain_viewed", visitor, viewed))
        if rng.random() < FORM_START_SHARE:
            started = viewed + dt.timedelta(seconds=rng.randint(20, 300))
            events.append(_event(chain, "chain_form_started", visitor, started))
    if not events:
        return  # a chain nobody ordered on yet: nothing to invent
    PersonAlias.objects.bulk_create(aliases, ignore_conflicts=True)
    Event.objects.bulk_create(events)
    created["events"] += len(events)


def _event(chain: Chain, name: str, visitor: str, when: dt.datetime) -> Event:
    return Event(
        name=name,
        occurred_at=when,
        distinct_id=visitor,
        community_id=chain.community_id,
        subject_type=subject_label(chain),
        subject_id=chain.pk,
        properties={"demo": True},
    )
