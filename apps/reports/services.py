"""Reports' writes: the daily funnel snapshots the nightly task keeps."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.ads.models import Campaign
from apps.analytics.models import FunnelSnapshot
from apps.chains.models import Chain
from apps.courses.models import Course
from apps.reports.definitions import FunnelKind, Scope, ScopeKind, builtin_funnel_run


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
