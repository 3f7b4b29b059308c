"""`track()`: record an event for one INSERT, cheap enough for the order path."""

from typing import Any

from django.db import models
from django.utils import timezone

from apps.analytics.models import Event

# Recorded by the chain page's beacon when a member starts typing into the order form.
FORM_STARTED = "chain_form_started"


def subject_label(subject: models.Model) -> str:
    return f"{subject._meta.app_label}.{subject._meta.model_name}"


def track(name: str, **fields: Any) -> Event:
    """Record `name` now: the event_build(name, **fields) row, inserted."""
    event = event_build(name, **fields)
    event.save(force_insert=True)
    return event


def event_build(
    name: str,
    *,
    actor: Any = None,
    community: models.Model | int | None = None,
    subject: models.Model | None = None,
    properties: dict[str, Any] | None = None,
    distinct_id: str = "",
) -> Event:
    """The event of `name` now, unsaved. `actor` is a user (or None for an anonymous visitor).
    track() inserts it; a caller inserting it together with the row it is about (whose id it
    may not know yet, see apps.core.inserts) builds it here."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    if actor_id is not None and getattr(actor, "is_authenticated", True) is False:
        actor_id = None
    community_id = community.pk if isinstance(community, models.Model) else community
    return Event(
        name=name,
        occurred_at=timezone.now(),
        distinct_id=distinct_id or (str(actor_id) if actor_id else ""),
        actor_id=actor_id,
        community_id=community_id,
        subject_type=subject_label(subject) if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        properties=properties or {},
    )
