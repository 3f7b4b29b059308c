"""Reminders fan-out: queue 10,000 reminders.

Project: apps.notifications.services.notify_many, the path every fan-out reminder takes (chain
closing soon, lesson unlocked): one INSERT … ON CONFLICT DO NOTHING RETURNING per chunk of
NOTIFICATIONS_CHUNK_SIZE rows into the outbox, then, after the commit, one Celery task per chunk
published to Redis (redis://127.0.0.1:6379/0, on a queue of the bench's own that no worker reads).
Baseline: the same 10,000 payloads pushed to a Redis list with one pipelined redis-py call —
what a fan-out costs with no outbox (and so no dedupe, no retries, no record).

Rounds alternate sides; each side's median is printed and the last line is the ratio of the
project's time to the baseline's (lower is better; the target is at most 3).
"""

from __future__ import annotations

import json
import statistics
import time
import uuid

import redis
from django.db import connection, transaction

RECIPIENTS = 10_000
ROUNDS = 5
REDIS_URL = "redis://127.0.0.1:6379/0"
CONTEXT = {
    "title": "【幸福里】今晚截单：现烤全麦面包",
    "community": "幸福里小区团购群",
    "closes_at": "11-26 20:00",
    "url": "http://127.0.0.1:8000/c/demo-bread/",
}


def _recipients(tag: str) -> list[int]:
    from apps.accounts.models import User

    users = User.objects.bulk_create(
        User(username=f"bench-{tag}-{i}", phone=None, email="") for i in range(RECIPIENTS)
    )
    return [user.pk for user in users]


def _project(ids: list[int], prefix: str) -> float:
    from apps.notifications.models import Notification
    from apps.notifications.services import notify_many

    start = time.perf_counter()
    with transaction.atomic():
        queued = notify_many(
            recipient_ids=ids,
            template="chain_closing_soon",
            dedupe_prefix=prefix,
            kind=Notification.Kind.MARKETING,
            channel=Notification.Channel.SMS,
            community_id=1,
            context=CONTEXT,
        )
    elapsed = time.perf_counter() - start  # the commit ran the on_commit publishes
    if queued != len(ids):
        raise SystemExit(f"reminders: queued {queued} of {len(ids)}")
    return elapsed


def _baseline(client: redis.Redis, ids: list[int], prefix: str, key: str) -> float:
    start = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for user_id in ids:
        pipe.lpush(
            key,
            json.dumps(
                {
                    "recipient_id": user_id,
                    "template": "chain_closing_soon",
                    "dedupe_key": f"{prefix}:{user_id}",
                    "kind": "marketing",
                    "channel": "sms",
                    "context": CONTEXT,
                },
                ensure_ascii=False,
            ),
        )
    pipe.execute()
    return time.perf_counter() - start


def run() -> None:
    from django.conf import settings

    from apps.accounts.models import User
    from apps.notifications.models import Notification
    from config.celery import app

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        raise SystemExit(f"reminders: Redis at {REDIS_URL} is not reachable ({error})") from error
    tag = uuid.uuid4().hex[:8]
    queue = f"bench-reminders-{tag}"
    baseline_key = f"bench-reminders-baseline-{tag}"
    # Publish to Redis, onto a queue no worker consumes, whatever the environment's broker is.
    app.conf.update(
        broker_url=REDIS_URL,
        broker_transport_options={},
        task_default_queue=queue,
        task_always_eager=False,
    )
    ids = _recipients(tag)
    times: dict[str, list[float]] = {"baseline": [], "project": []}
    try:
        for round_number in range(ROUNDS):
            prefix = f"bench.reminders.{tag}.{round_number}"
            times["baseline"].append(_baseline(client, ids, prefix, baseline_key))
            times["project"].append(_project(ids, prefix))
            client.delete(baseline_key)
        published = client.llen(queue)
    finally:
        client.delete(queue, baseline_key)
        Notification.objects.filter(dedupe_key__startswith=f"bench.reminders.{tag}.").delete()
        User.objects.filter(username__startswith=f"bench-{tag}-").delete()
    chunks = -(-RECIPIENTS // settings.NOTIFICATIONS_CHUNK_SIZE)
    if published != chunks * ROUNDS:
        raise SystemExit(f"reminders: {published} tasks published, expected {chunks * ROUNDS}")
    base = statistics.median(times["baseline"])
    project = statistics.median(times["project"])
    print(
        f"recipients: {RECIPIENTS}, {ROUNDS} alternating rounds, database {connection.vendor}, "
        f"broker {REDIS_URL}, chunk {settings.NOTIFICATIONS_CHUNK_SIZE} "
        f"({chunks} tasks a round)"
    )
    print(f"baseline (pipelined redis-py LPUSH): median {base * 1000:.1f} ms")
    print(f"project (notify_many: outbox + Celery): median {project * 1000:.1f} ms")
    print(f"ratio: {project / base:.2f}")
