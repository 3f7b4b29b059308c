"""Members' choices (channels, 免打扰, marketing opt-out), fan-out in chunks, the sweeper for
rows a crashed worker left "sending", and the admin's retry."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.notifications import links, services
from apps.notifications.models import CommunityMute, Notification, NotificationPreference
from apps.notifications.services import (
    MAX_ATTEMPTS,
    notifications_claim_due,
    notifications_requeue_stuck,
    notifications_send_batch,
    notifications_send_due,
    notify,
    notify_many,
)
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory, member_of
from tests.notifications.fakes import bulk_members

pytestmark = pytest.mark.django_db

Status = Notification.Status
Kind = Notification.Kind
Channel = Notification.Channel


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The send tasks notify_many enqueues, kept instead of run."""
    enqueued: list[list[int]] = []
    monkeypatch.setattr(services, "_enqueue_sending", lambda: None)
    monkeypatch.setattr(services, "_enqueue_batch", enqueued.append)
    return enqueued


def daytime() -> Any:
    return timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)


def promo(user: Any, key: str, *, community_id: int | None = None) -> Notification:
    return notify(
        recipient=user,
        template="test_message",
        dedupe_key=key,
        kind=Kind.MARKETING,
        channel=Channel.SMS,
        community_id=community_id,
        scheduled_for=daytime(),
    )


# --- fan-out ----------------------------------------------------------------------------------


def test_fan_out_inserts_and_enqueues_in_chunks_and_a_rerun_adds_nothing(
    batches: list[list[int]], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS_CHUNK_SIZE = 500
    members = bulk_members(1200)
    ids = [member.pk for member in members]

    with django_capture_on_commit_callbacks(execute=True):
        first = notify_many(recipient_ids=ids, template="test_message", dedupe_prefix="p")
    with django_capture_on_commit_callbacks(execute=True):
        again = notify_many(recipient_ids=ids + ids, template="test_message", dedupe_prefix="p")

    assert (first, again) == (1200, 0)
    assert [len(batch) for batch in batches] == [500, 500, 200]
    assert len({pk for batch in batches for pk in batch}) == 1200
    assert Notification.objects.filter(dedupe_key__startswith="p:").count() == 1200


def test_a_chunk_task_sends_its_rows_in_one_sms_batch(
    batches: list[list[int]],
    sms_outbox: list[tuple[str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    members = bulk_members(30)
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(
            recipient_ids=[m.pk for m in members],
            template="test_message",
            dedupe_prefix="c",
            channel=Channel.SMS,
            context={"title": "T", "body": "到货啦"},
        )
    (chunk,) = batches

    assert notifications_send_batch(notification_ids=chunk) == 30
    assert notifications_send_batch(notification_ids=chunk) == 0  # a retried task: nothing twice

    assert sorted(phone for phone, _ in sms_outbox) == sorted(str(m.phone) for m in members)
    assert {text for _, text in sms_outbox} == {"到货啦"}


# --- the member's choices ---------------------------------------------------------------------


def test_marketing_to_an_opted_out_member_is_suppressed_but_transactional_goes(
    batches: list[list[int]], sms_outbox: list[tuple[str, str]]
) -> None:
    member = UserFactory()
    services.marketing_opt_out(user_id=member.pk)
    promo(member, "promo")
    notify(
        recipient=member,
        template="test_message",
        dedupe_key="receipt",
        channel=Channel.SMS,
        scheduled_for=daytime(),
    )

    assert notifications_send_due(now=daytime()) == 1

    assert Notification.objects.get(dedupe_key="promo").status == Status.SUPPRESSED
    assert Notification.objects.get(dedupe_key="receipt").status == Status.SENT


def test_opting_out_withdraws_marketing_already_queued(batches: list[list[int]]) -> None:
    member, other = UserFactory(), UserFactory()
    promo(member, "mine")
    promo(other, "theirs")

    assert services.marketing_opt_out(user_id=member.pk) is True
    assert services.marketing_opt_out(user_id=member.pk) is False  # a second click: no change

    assert Notification.objects.get(dedupe_key="mine").status == Status.SUPPRESSED
    assert Notification.objects.get(dedupe_key="theirs").status == Status.PENDING


def test_a_muted_community_sends_no_marketing_to_that_member(
    batches: list[list[int]], sms_outbox: list[tuple[str, str]]
) -> None:
    community = CommunityFactory()
    muted, listening = member_of(community), member_of(community)
    CommunityMute.objects.create(user=muted, community_id=community.pk)
    promo(muted, "a", community_id=community.pk)
    promo(listening, "b", community_id=community.pk)
    promo(muted, "other-group", community_id=community.pk + 1000)

    assert notifications_send_due(now=daytime()) == 2

    assert Notification.objects.get(dedupe_key="a").status == Status.SUPPRESSED
    assert sorted(phone for phone, _ in sms_outbox) == sorted([listening.phone, muted.phone])


def test_a_channel_the_member_turned_off_falls_back_to_one_left_on(
    batches: list[list[int]], sms_outbox: list[tuple[str, str]]
) -> None:
    member = UserFactory(email="m@example.com")
    NotificationPreference.objects.create(user=member, email_enabled=False, wechat_enabled=False)
    row = notify(recipient=member, template="test_message", dedupe_key="k")  # asks for email

    assert notifications_send_due() == 1

    row.refresh_from_db()
    assert row.channel == Channel.SMS
    assert [phone for phone, _ in sms_outbox] == [member.phone]


def test_the_daily_cap_still_holds_within_one_chunk(
    batches: list[list[int]], sms_outbox: list[tuple[str, str]]
) -> None:
    member = UserFactory()
    rows = [promo(member, f"p{i}") for i in range(5)]

    assert notifications_send_batch(notification_ids=[r.pk for r in rows], now=daytime()) == 3
    assert Notification.objects.filter(status=Status.SUPPRESSED).count() == 2


# --- the sweeper and the admin's retry --------------------------------------------------------


def test_a_row_left_sending_by_a_crashed_worker_is_requeued_then_sent(
    batches: list[list[int]], sms_outbox: list[tuple[str, str]], settings: Any
) -> None:
    settings.NOTIFICATIONS_STUCK_MINUTES = 15
    member = UserFactory()
    row = notify(recipient=member, template="test_message", dedupe_key="k", channel=Channel.SMS)
    # A worker claims it and dies before sending.
    claimed_at = timezone.now() - timedelta(minutes=20)
    assert notifications_claim_due(now=claimed_at + timedelta(days=1)) == [row.pk]
    Notification.objects.filter(pk=row.pk).update(claimed_at=claimed_at)
    fresh = notify(recipient=member, template="test_message", dedupe_key="fresh")
    notifications_claim_due()  # claimed just now: a live worker may still be sending it

    assert notifications_requeue_stuck() == 1

    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (Status.PENDING, 1, None)
    assert Notification.objects.get(pk=fresh.pk).status == Status.SENDING
    assert notifications_send_due() == 1
    assert len(sms_outbox) == 1


def test_a_row_stuck_on_its_last_attempt_ends_failed(batches: list[list[int]]) -> None:
    member = UserFactory()
    row = notify(recipient=member, template="test_message", dedupe_key="k")
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENDING,
        attempts=MAX_ATTEMPTS - 1,
        claimed_at=timezone.now() - timedelta(hours=1),
    )

    notifications_requeue_stuck()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert row.last_error


def test_admin_lists_failures_by_status_with_the_error_and_retries_them(
    batches: list[list[int]],
    admin_client: Client,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    member = UserFactory(email="")
    failed = notify(recipient=member, template="test_message", dedupe_key="f")
    sent = notify(recipient=UserFactory(), template="test_message", dedupe_key="s")
    notifications_send_due()
    failed.refresh_from_db()
    assert failed.status == Status.FAILED
    for i in range(10):
        notify(recipient=member, template="test_message", dedupe_key=f"x{i}")

    url = reverse("admin:notifications_notification_changelist")
    with django_assert_max_num_queries(12):
        page = admin_client.get(url, {"status__exact": "failed"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "接收人没有邮箱地址" in content
    assert page.context["cl"].result_count == 1  # the 10 pending rows are filtered out

    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_client.post(
            url, {"action": "retry", "_selected_action": [failed.pk, sent.pk]}, follow=True
        )

    assert answer.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    assert Notification.objects.get(pk=sent.pk).status == Status.SENT
    assert batches[-1] == [failed.pk]


# --- pages: unsubscribe without login, preferences when signed in -----------------------------


def test_the_unsubscribe_link_works_without_login_and_only_for_its_member(
    client: Client, batches: list[list[int]]
) -> None:
    member, other = UserFactory(), UserFactory()
    url = links.unsubscribe_url(user_id=member.pk)
    path = url.split("8000", 1)[1]

    page = client.get(path)
    assert page.status_code == 200
    assert not NotificationPreference.objects.filter(user=member).exists()  # GET changes nothing

    done = client.post(path)  # also what a mail client's one-click POST does
    assert done.status_code == 200
    assert NotificationPreference.objects.get(user=member).marketing_opted_out_at is not None
    assert not NotificationPreference.objects.filter(user=other).exists()


def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing(
    client: Client, batches: list[list[int]]
) -> None:
    member = UserFactory()
    token = links.unsubscribe_token(user_id=member.pk)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    page = client.post(reverse("notifications:unsubscribe", kwargs={"token": forged}))

    assert page.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_preferences_page_needs_login(client: Client) -> None:
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/phone/")


def test_a_member_saves_channels_marketing_and_mutes_for_their_own_groups_only(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    mine, not_mine = CommunityFactory(), CommunityFactory()
    member = member_of(mine)
    client.force_login(member)
    url = reverse("notifications:preferences")

    with django_assert_max_num_queries(8):
        page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert str(mine.name) in content
    assert str(not_mine.name) not in content

    saved = client.post(url, {"sms": "on", "muted": [str(mine.pk)]})
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=member)
    assert (preference.email_enabled, preference.sms_enabled, preference.wechat_enabled) == (
        False,
        True,
        False,
    )
    assert preference.marketing_opted_out_at is not None
    assert list(
        CommunityMute.objects.filter(user=member).values_list("community_id", flat=True)
    ) == [mine.pk]

    # A group the member is not in cannot be muted, and at least one channel must stay on.
    refused = client.post(url, {"muted": [str(not_mine.pk)], "marketing": "on"})
    assert refused.status_code == 400
    assert "请至少保留一个通知渠道" in refused.content.decode()
    assert CommunityMute.objects.filter(user=member).count() == 1
    preference.refresh_from_db()
    assert preference.marketing_opted_out_at is not None
