"""Analytics writes: identity aliases and the form-started beacon's event."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from apps.analytics.models import Event, PersonAlias
from apps.analytics.tracking import FORM_STARTED, track


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
