"""Analytics writes: identity aliases, the form-started beacon's event, daily funnel snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from apps.analytics.definitions import (
    FORM_STARTED,
    FunnelKind,
    Scope,
    ScopeKind,
    builtin_funnel_run,
)
from apps.analytics.models import Event, FunnelSnapshot, PersonAlias
from apps.analytics.tracking import track


def person_alias_record(*, distinct_id: str, person_id: str) -> None:
    """Say that `distinct_id` (a browser) is the person `person_id` (a `phone:…` id).

    The first mapping wins (ON CONFLICT DO NOTHING) and a person is never aliased to itself, so
    a retried or repeated order changes nothing. One statement, cheap enough for the order page.
    """
    if not distinct_id or not person_id or distinct_id == person_id:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PersonAlias._meta.db_table} (distinct_id, person_id, created_at) "  # noqa: S608 - table name only
            "VALUES (%s, %s, %s) ON CONFLICT (distinct_id) DO NOTHING",
            [distinct_id[:64], person_id[:64], timezone.now()],
        )


def chain_form_started_record(*, chain: Model, actor: Any, distinct_id: str) -> Event:
    """The member typed into a chain's order form for the first time on this page view."""
    return track(
        FORM_STARTED,
        actor=actor,
        community=getattr(chain, "community_id", None),
        subject=chain,
        distinct_id=distinct_id,
    )


# --- Daily snapshots ---------------------------------------------------------------------------


def funnel_snapshot_compute(*, kind: str, scope: Scope, day: dt.date) -> FunnelSnapshot:
    """Compute one day's funnel with the same runner the dashboards use on request, and keep it.

    Idempotent: a second run for the same day overwrites the row with the same numbers (today's
    row is refreshed until the day is over)."""
    result = builtin_funnel_run(kind=kind, scope=scope, date_from=day, date_to=day)
    snapshot, _created = FunnelSnapshot.objects.update_or_create(
        funnel=kind,
        scope=scope.kind,
        scope_id=scope.id,
        day=day,
        defaults={"counts": result.counts(), "median_seconds": result.medians()},
    )
    return snapshot


def open_scopes() -> list[tuple[str, Scope]]:
    """Every open chain, running campaign and listed course: what the nightly task snapshots."""
    from apps.ads.models import Campaign
    from apps.chains.models import Chain
    from apps.courses.models import Course

    scopes: list[tuple[str, Scope]] = [
        (FunnelKind.CHAIN, Scope(ScopeKind.CHAIN, pk))
        for pk in Chain.objects.filter(status=Chain.Status.OPEN).values_list("pk", flat=True)
    ]
    scopes += [
        (FunnelKind.AD, Scope(ScopeKind.CAMPAIGN, pk))
        for pk in Campaign.objects.filter(status=Campaign.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    ]
    scopes += [
        (FunnelKind.COURSE, Scope(ScopeKind.COURSE, pk))
        for pk in Course.objects.filter(active=True).values_list("pk", flat=True)
    ]
    return scopes


def funnel_snapshots_compute(*, days: list[dt.date] | None = None) -> int:
    """Snapshot yesterday (now complete) and today so far for every open scope; returns rows."""
    today = timezone.localdate()
    days = days or [today - dt.timedelta(days=1), today]
    written = 0
    for kind, scope in open_scopes():
        for day in days:
            funnel_snapshot_compute(kind=kind, scope=scope, day=day)
            written += 1
    return written
