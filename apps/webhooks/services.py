"""Every write of webhooks: subscriptions, recording events as deliveries, attempts and their
outcome, auto-disable, and bot tokens.

Sending never happens inside a request or a domain transaction: an event is recorded after its
transaction commits (`transaction.on_commit`), as one delivery row per subscription, and each
delivery is sent by a Celery task; retries are due rows a beat sweeper picks up.
"""

import hashlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Merchant
from apps.catalog.selectors import merchants_visible_to
from apps.communities.access import membership_require
from apps.communities.models import Community
from apps.communities.selectors import MANAGING_ROLES
from apps.core.errors import Conflict, InvalidInput, NotFound
from apps.core.task_queue import task_delay_on_commit
from apps.notifications.services import notify
from apps.webhooks import payloads, transport
from apps.webhooks.models import (
    TEST_EVENT,
    BotToken,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from apps.webhooks.signing import SIGNATURE_HEADER, signature_header
from apps.webhooks.urlguard import RefusedURL, webhook_url_check

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 10
MAX_BOT_TOKENS = 10
MAX_RETRY_DELAY = timedelta(hours=6)
# A claimed delivery is not picked up again for this long: a worker that died mid-send is
# retried after it, a live one has long finished (connect + read timeouts are seconds).
CLAIM_LEASE = timedelta(minutes=5)
BOT_TOKEN_PREFIX = "tgb_"  # noqa: S105 — a visible marker for secret scanners, not a secret
Status = WebhookDelivery.Status
Render = Callable[[Merchant | None], dict[str, Any]]

DELIVER = "apps.webhooks.tasks.deliver_webhook"


# --- Subscriptions --------------------------------------------------------------------------


def subscription_require_owner(*, subscription: WebhookSubscription, actor: User) -> None:
    """Only the owner or an admin of the community, or the merchant's own staff."""
    if subscription.community_id is not None:
        membership_require(
            community=subscription.community,  # type: ignore[arg-type]
            user=actor,
            roles=MANAGING_ROLES,
        )
    elif not merchants_visible_to(actor).filter(pk=subscription.merchant_id or 0).exists():
        raise NotFound(_("订阅不存在"))


def subscription_input_clean(
    *, url: str, event_types: Sequence[str], description: str
) -> tuple[str, list[str]]:
    """The URL (checked against SSRF now) and the sorted event types, or InvalidInput."""
    url = url.strip()
    if not url:
        raise InvalidInput(_("请填写接收地址"), field="url")
    if len(url) > 500:
        raise InvalidInput(_("接收地址最多 500 个字符"), field="url")
    if len(description) > 100:
        raise InvalidInput(_("说明最多 100 个字"), field="description")
    chosen = sorted(set(event_types))
    if not chosen:
        raise InvalidInput(_("请至少选择一种事件"), field="event_types")
    if any(kind not in EventType.values for kind in chosen):
        raise InvalidInput(_("未知的事件类型"), field="event_types")
    webhook_url_check(url)  # refused now, with a clear message, rather than at every attempt
    return url, chosen


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


@transaction.atomic
def subscription_create(
    *,
    actor: User,
    url: str,
    event_types: Sequence[str],
    community: Community | None = None,
    merchant: Merchant | None = None,
    description: str = "",
) -> WebhookSubscription:
    if (community is None) == (merchant is None):
        raise InvalidInput(_("订阅必须属于一个群或一个商家"))
    subscription = WebhookSubscription(community=community, merchant=merchant)
    subscription_require_owner(subscription=subscription, actor=actor)
    url, chosen = subscription_input_clean(
        url=url, event_types=event_types, description=description
    )
    owned = WebhookSubscription.objects.filter(community=community, merchant=merchant)
    if owned.count() >= MAX_SUBSCRIPTIONS:
        raise Conflict(
            _("最多可以添加 %(max)s 个订阅") % {"max": MAX_SUBSCRIPTIONS}, code="too_many"
        )
    subscription.url = url
    subscription.event_types = chosen
    subscription.description = description.strip()
    subscription.secret = _new_secret()
    subscription.created_by = actor
    subscription.save()
    return subscription


@transaction.atomic
def subscription_update(
    *,
    subscription: WebhookSubscription,
    actor: User,
    url: str,
    event_types: Sequence[str],
    description: str = "",
    active: bool = True,
) -> WebhookSubscription:
    """Change what and where; turning a subscription back on starts its failure count afresh."""
    subscription_require_owner(subscription=subscription, actor=actor)
    url, chosen = subscription_input_clean(
        url=url, event_types=event_types, description=description
    )
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if active and not locked.active:
        locked.consecutive_failures = 0
        locked.disabled_at = None
        locked.disabled_reason = ""
    locked.url = url
    locked.event_types = chosen
    locked.description = description.strip()
    locked.active = active
    locked.save(
        update_fields=[
            "url",
            "event_types",
            "description",
            "active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "updated_at",
        ]
    )
    return locked


@transaction.atomic
def subscription_secret_rotate(
    *, subscription: WebhookSubscription, actor: User
) -> WebhookSubscription:
    subscription_require_owner(subscription=subscription, actor=actor)
    subscription.secret = _new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription, actor: User) -> None:
    subscription_require_owner(subscription=subscription, actor=actor)
    subscription.delete()


@transaction.atomic
def subscription_send_test(*, subscription: WebhookSubscription, actor: User) -> WebhookDelivery:
    """A `webhook.test` delivery, sent once (no retries, not counted towards turning off)."""
    subscription_require_owner(subscription=subscription, actor=actor)
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        event_type=TEST_EVENT,
        payload=_test_payload(subscription, event_id=str(event_id)),
        next_attempt_at=timezone.now(),
    )
    task_delay_on_commit(DELIVER, delivery.pk)
    return delivery


def _test_payload(subscription: WebhookSubscription, *, event_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event_id,
        "type": TEST_EVENT,
        "created_at": timezone.localtime().isoformat(),
        "data": payloads.ping_data(),
    }
    if subscription.community is not None:
        community = subscription.community
        body["community"] = {"id": community.pk, "name": community.name}
    if subscription.merchant is not None:
        body["merchant"] = {"id": subscription.merchant.pk, "name": subscription.merchant.name}
    return body


# --- Events become deliveries ---------------------------------------------------------------


def event_subscriptions(
    *,
    event_type: str,
    occurred_at: datetime,
    community_id: int | QuerySet[Any],
    merchant_ids: QuerySet[Any] | None,
) -> list[WebhookSubscription]:
    """The active subscriptions that want this event: the community's own (its id, or a
    one-row subquery giving it) and those of the merchants in `merchant_ids` (a subquery).
    One query; an event nobody wants costs only this, so the publisher asks before it loads
    anything to render; `anyone_subscribed` first saves even building this query."""
    owners = Q(community_id=community_id)
    if merchant_ids is not None:
        owners |= Q(merchant_id__in=merchant_ids)
    return list(
        WebhookSubscription.objects.filter(
            owners,
            active=True,
            event_types__contains=[event_type],
            # Only subscriptions that existed when it happened (a demo or a migration that
            # creates one after a run of events does not replay them all).
            created_at__lte=occurred_at,
        )
        .select_related("merchant")
        .order_by("pk")
    )


def anyone_subscribed(event_type: str) -> bool:
    """Whether any active subscription anywhere wants `event_type`: a hand-written query that
    costs a tenth of the ORM's owner query in Python (measured on the order path, which asks
    this after every order: bench/hot_chain), and answers "no" for most events of most sites."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT FROM {WebhookSubscription._meta.db_table}"  # noqa: S608 - the model's table
            " WHERE active AND event_types @> ARRAY[%s]::varchar[])",
            [event_type],
        )
        (wanted,) = cursor.fetchone()
    return bool(wanted)


def webhook_event_publish(
    *,
    subscriptions: list[WebhookSubscription],
    event_type: str,
    event_id: str,
    occurred_at: datetime,
    community: Community,
    render: Render,
) -> list[int]:
    """Record one domain event for each of `subscriptions` (see event_subscriptions); enqueue
    sending.

    Called after the event's transaction committed. `render(None)` is the community's view of
    the event, `render(merchant)` that merchant's; each is built once, and only when some
    subscription wants it. Recording the same event twice records nothing new.
    """
    if not subscriptions:
        return []
    views: dict[int | None, dict[str, Any]] = {}
    now = timezone.now()
    rows = []
    for subscription in subscriptions:
        merchant = subscription.merchant
        key = merchant.pk if merchant else None
        if key not in views:
            views[key] = payloads.envelope(
                event_id=event_id,
                event_type=event_type,
                occurred_at=occurred_at,
                community=community,
                merchant=merchant,
                data=render(merchant),
            )
        rows.append(
            WebhookDelivery(
                subscription=subscription,
                event_id=event_id,
                event_type=event_type,
                payload=views[key],
                next_attempt_at=now,
            )
        )
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = list(
            WebhookDelivery.objects.filter(
                event_id=event_id, status=Status.PENDING, attempts=0
            ).values_list("pk", flat=True)
        )
        for delivery_id in ids:
            task_delay_on_commit(DELIVER, delivery_id)
    return ids


# --- Attempts -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def next_attempt_after(*, created_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failures, or None when the retry window is over.

    The last retry falls on the window's end (24 hours by default), so a receiver that comes
    back within a day always gets the event.
    """
    deadline = created_at + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS)
    if now >= deadline:
        return None
    return min(now + retry_delay(attempts), deadline)


def _claim(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take a due delivery for one attempt: its next try moves a lease ahead, so no other worker
    (the sweeper, a repeated task) sends it at the same time."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        if not delivery.subscription.active and not delivery.is_test:
            return None  # paused with its subscription; picked up again when it is turned on
        delivery.next_attempt_at = now + CLAIM_LEASE
        delivery.save(update_fields=["next_attempt_at"])
        return delivery


def _body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _send(delivery: WebhookDelivery, *, number: int) -> transport.Outcome:
    subscription = delivery.subscription
    try:
        target = webhook_url_check(subscription.url)
    except RefusedURL as refused:
        return transport.Outcome(status_code=None, duration_ms=0, excerpt="", error=refused.message)
    body = _body(delivery.payload)
    headers = {
        SIGNATURE_HEADER: signature_header(
            secret=subscription.secret, timestamp=int(time.time()), body=body
        ),
        "X-Tuangou-Event": delivery.event_type,
        "X-Tuangou-Event-Id": str(delivery.event_id),
        "X-Tuangou-Delivery": str(delivery.pk),
        "X-Tuangou-Attempt": str(number),
    }
    return transport.post(target=target, body=body, headers=headers)


def webhook_delivery_attempt(*, delivery_id: int) -> bool | None:
    """Send a due delivery once and record the outcome. None when it was not due (or taken)."""
    started_at = timezone.now()
    delivery = _claim(delivery_id=delivery_id, now=started_at)
    if delivery is None:
        return None
    outcome = _send(delivery, number=delivery.attempts + 1)
    _record(delivery_id=delivery.pk, started_at=started_at, outcome=outcome)
    return outcome.succeeded


@transaction.atomic
def _record(*, delivery_id: int, started_at: datetime, outcome: transport.Outcome) -> None:
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    now = timezone.now()
    delivery.attempts += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        succeeded=outcome.succeeded,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error or (
        "" if outcome.succeeded else _("接收方返回 %(code)s") % {"code": outcome.status_code}
    )
    if outcome.succeeded:
        delivery.status = Status.SUCCEEDED
        delivery.next_attempt_at = None
        delivery.finished_at = now
    else:
        retry_at = (
            None
            if delivery.is_test
            else next_attempt_after(
                created_at=delivery.created_at, attempts=delivery.attempts, now=now
            )
        )
        delivery.next_attempt_at = retry_at
        if retry_at is None:
            delivery.status = Status.FAILED
            delivery.finished_at = now
    delivery.save(
        update_fields=[
            "attempts",
            "status",
            "next_attempt_at",
            "finished_at",
            "last_status_code",
            "last_error",
        ]
    )
    if not delivery.is_test:
        _count_outcome(subscription_id=delivery.subscription_id, succeeded=outcome.succeeded)


def _count_outcome(*, subscription_id: int, succeeded: bool) -> None:
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    if succeeded:
        if subscription.consecutive_failures:
            subscription.consecutive_failures = 0
            subscription.save(update_fields=["consecutive_failures"])
        return
    subscription.consecutive_failures += 1
    fields = ["consecutive_failures"]
    limit = settings.WEBHOOKS_DISABLE_AFTER_FAILURES
    if subscription.active and subscription.consecutive_failures >= limit:
        subscription.active = False
        subscription.disabled_at = timezone.now()
        subscription.disabled_reason = _("连续 %(count)s 次投递失败，已自动停用") % {
            "count": subscription.consecutive_failures
        }
        fields += ["active", "disabled_at", "disabled_reason"]
        _tell_owners(subscription)
    subscription.save(update_fields=fields)


def subscription_owners(subscription: WebhookSubscription) -> list[User]:
    """Who hears about a subscription: the community's owner, or the merchant's managers (its
    staff when it has no managers)."""
    if subscription.community_id is not None:
        return [subscription.community.owner]  # type: ignore[union-attr]
    merchant = subscription.merchant
    assert merchant is not None  # noqa: S101 — the check constraint: one owner or the other
    managers = list(merchant.managers.order_by("pk"))
    return managers or list(merchant.staff.order_by("pk"))


def _tell_owners(subscription: WebhookSubscription) -> None:
    stamp = int(subscription.disabled_at.timestamp()) if subscription.disabled_at else 0
    for user in subscription_owners(subscription):
        notify(
            recipient=user,
            template="webhook_disabled",
            dedupe_key=f"webhook_disabled:{subscription.pk}:{stamp}:{user.pk}",
            context={
                "url": subscription.url,
                "owner": subscription.owner_name,
                "failures": subscription.consecutive_failures,
            },
        )


def webhooks_claim_due(*, now: datetime | None = None, batch: int = 200) -> list[int]:
    """Ids of deliveries whose next try is due (the sweeper's list; each is claimed on send)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(subscription__active=True) | Q(event_type=TEST_EVENT))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )


def webhooks_deliver_due(*, now: datetime | None = None) -> int:
    """Try every due delivery once; returns how many got through."""
    return sum(bool(webhook_delivery_attempt(delivery_id=pk)) for pk in webhooks_claim_due(now=now))


# --- Bot tokens -----------------------------------------------------------------------------


def bot_token_hash(raw: str) -> str:
    # A token is 32 random bytes: a fast hash is enough (nothing to brute-force), and it lets the
    # lookup be one indexed equality.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def bot_token_create(*, community: Community, actor: User, name: str) -> tuple[BotToken, str]:
    """A new token and its plain value, which is shown this once and never stored."""
    membership_require(community=community, user=actor, roles=MANAGING_ROLES)
    name = name.strip()
    if not name:
        raise InvalidInput(_("请填写名称"), field="name")
    if len(name) > 64:
        raise InvalidInput(_("名称最多 64 个字"), field="name")
    if community.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")
    if BotToken.objects.filter(community=community, revoked_at=None).count() >= MAX_BOT_TOKENS:
        raise Conflict(
            _("每个群最多 %(max)s 个有效令牌") % {"max": MAX_BOT_TOKENS}, code="too_many"
        )
    raw = BOT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = BotToken.objects.create(
        community=community,
        name=name,
        prefix=raw[:10],
        key_hash=bot_token_hash(raw),
        created_by=actor,
    )
    return token, raw


@transaction.atomic
def bot_token_revoke(*, token: BotToken, actor: User) -> BotToken:
    membership_require(community=token.community, user=actor, roles=MANAGING_ROLES)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


LAST_USED_EVERY = timedelta(minutes=1)


def bot_token_touch(*, token: BotToken, now: datetime | None = None) -> None:
    """Note the use, at most once a minute per token (not a write on every request)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    BotToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now
