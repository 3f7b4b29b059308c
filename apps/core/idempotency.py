"""`Idempotency-Key` for API requests with money or stock effects (orders, payments, refunds,
purchases, bookings, payouts).

A client that may retry (a bot on a flaky network, a double tap) sends a key of its choosing:

    POST /api/v1/my/orders/   Idempotency-Key: 7c0e…   {"chain": "ab12cd", …}

- first time: the view runs and its response (status and body) is stored with the key;
- same key, same method, path and body: the stored response again, header `Idempotent-Replayed`;
- same key, anything else different: 409 `idempotency_key_reused`, nothing done;
- same key while the first is still running: waits for it, then replays its response.

How that holds under concurrency: the key's row is inserted (ON CONFLICT DO NOTHING) in the same
transaction as the view's effect. A duplicate's insert waits on the unique index until the first
transaction ends: committed, it finds the stored response; rolled back (the view raised, so it made
no effect), it inserts and runs itself. Error responses raised as exceptions (validation, domain
errors) are therefore not stored: they changed nothing, and a retry is judged afresh. A 5xx is
never stored either. Keys expire after IDEMPOTENCY_KEY_TTL_HOURS (beat purges them).

Mark a DRF view method with `@idempotent` (below `@action`/`@extend_schema`); the schema then
documents the header and the 409 (apps/core/schema.py).
"""

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from apps.core.errors import Conflict, InvalidInput
from apps.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII, no spaces: what fits a header safely

F = TypeVar("F", bound=Callable[..., Response])


def submission_token_for(request: Request) -> str:
    """The once-only token an order placed through the API carries, as the order form's does.

    With an Idempotency-Key it is derived from the key and the user, so the order statement
    itself refuses a second order for the key (the same unique `submission_token` the form's
    token uses), whatever happens to the stored response; without one, each POST is new."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return f"api-{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{request.user.pk}:{key}".encode()).hexdigest()
    return f"api-key-{digest[:48]}"


def idempotent(view_method: F) -> F:
    """Make a DRF view method honour the Idempotency-Key header."""

    @functools.wraps(view_method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent_response(
            request=request, call=lambda: view_method(self, request, *args, **kwargs)
        )

    wrapper.idempotent = True  # type: ignore[attr-defined]  # read by apps.core.schema
    return cast(F, wrapper)


def idempotent_response(*, request: Request, call: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return call()
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            _("Idempotency-Key 须为 1 到 255 个可见 ASCII 字符"),
            code="invalid_idempotency_key",
            field=HEADER,
        )
    body_hash = hashlib.sha256(request.body).hexdigest()
    user_id = request.user.pk
    ttl = timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    with transaction.atomic():
        keys = IdempotencyKey.objects.filter(user_id=user_id, key=key)
        keys.filter(created_at__lt=timezone.now() - ttl).delete()
        # Waits here while another transaction holds an uncommitted row with this key.
        IdempotencyKey.objects.bulk_create(
            [
                IdempotencyKey(
                    user_id=user_id,
                    key=key,
                    method=request.method or "",
                    path=request.path[:512],
                    body_hash=body_hash,
                )
            ],
            ignore_conflicts=True,
        )
        record = keys.select_for_update().get()
        if (record.method, record.path, record.body_hash) != (
            request.method,
            request.path[:512],
            body_hash,
        ):
            raise Conflict(
                _("这个 Idempotency-Key 已用于另一个请求，请换一个新的"),
                code="idempotency_key_reused",
                field=HEADER,
            )
        if record.status_code is not None:
            return Response(
                record.response_body,
                status=record.status_code,
                headers={REPLAYED_HEADER: "true"},
            )
        # Ours: a committed row always has its response, since it commits with it.
        response = call()
        if response.status_code >= 500:
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
        record.save(update_fields=["status_code", "response_body"])
        return response


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
