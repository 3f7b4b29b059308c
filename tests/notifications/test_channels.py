"""Channels against real servers on loopback: WeChat's API (token cache and refresh), Tencent
Cloud SMS (signed SendSms, batches of 200) and SMTP (one connection per batch, unsubscribe
headers on marketing)."""

import hashlib
import hmac
from typing import Any

import pytest
from django.core.cache import cache

from apps.notifications.models import Notification
from apps.notifications.services import notifications_send_due, notify, notify_many
from apps.notifications.sms import tc3_authorization
from tests.accounts.factories import UserFactory
from tests.notifications.fakes import FakeSMTP, FakeTencentSMS, FakeWeChat, bulk_members

pytestmark = pytest.mark.django_db

Status = Notification.Status
Channel = Notification.Channel


@pytest.fixture(autouse=True)
def _no_inline_send(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sends explicitly, so it sees every attempt."""
    from apps.notifications import services

    monkeypatch.setattr(services, "_enqueue_sending", lambda: None)
    monkeypatch.setattr(services, "_enqueue_batch", lambda ids: None)


# --- WeChat subscription messages -----------------------------------------------------------


def test_wechat_message_is_sent_with_a_cached_token(wechat: FakeWeChat) -> None:
    members = [UserFactory(wechat_openid=f"openid-{i}") for i in range(3)]
    for i, member in enumerate(members):
        notify(
            recipient=member,
            template="test_message",
            dedupe_key=f"wx:{i}",
            channel=Channel.WECHAT,
            context={"title": "开团啦", "body": "周末水果"},
        )

    assert notifications_send_due() == 3

    assert wechat.tokens_issued == 1  # fetched once, then read from the cache
    assert [message["touser"] for message in wechat.sent] == [
        "openid-0",
        "openid-1",
        "openid-2",
    ]
    assert wechat.sent[0]["template_id"] == "TPL-1"
    assert wechat.sent[0]["page"] == "pages/index"
    assert wechat.sent[0]["data"] == {
        "thing1": {"value": "开团啦"},
        "thing2": {"value": "周末水果"},
    }
    assert cache.get("notifications:wechat:access_token") == "TOKEN-1"


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_an_invalid_or_expired_token_is_refreshed_once_and_the_send_retried(
    wechat: FakeWeChat, errcode: int
) -> None:
    member = UserFactory(wechat_openid="openid-x")
    cache.set("notifications:wechat:access_token", "STALE", 600)
    wechat.send_errors = [errcode]
    notify(recipient=member, template="test_message", dedupe_key="wx", channel=Channel.WECHAT)

    assert notifications_send_due() == 1

    assert wechat.tokens_used == ["STALE", "TOKEN-1"]
    assert len(wechat.sent) == 1
    assert cache.get("notifications:wechat:access_token") == "TOKEN-1"


def test_a_token_error_after_the_refresh_is_not_retried_in_a_loop(wechat: FakeWeChat) -> None:
    member = UserFactory(wechat_openid="openid-x")
    wechat.send_errors = [40001, 40001, 40001]
    notification = notify(
        recipient=member, template="test_message", dedupe_key="wx", channel=Channel.WECHAT
    )

    assert notifications_send_due() == 0

    notification.refresh_from_db()
    assert len(wechat.tokens_used) == 2  # the first try and one retry with a fresh token
    assert (notification.status, notification.attempts) == (Status.PENDING, 1)
    assert "40001" in notification.last_error


def test_a_member_who_has_not_subscribed_fails_at_once(wechat: FakeWeChat) -> None:
    member = UserFactory(wechat_openid="openid-x")
    wechat.send_errors = [43101]
    notification = notify(
        recipient=member, template="test_message", dedupe_key="wx", channel=Channel.WECHAT
    )

    notifications_send_due()

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert "43101" in notification.last_error


def test_a_template_without_a_wechat_template_id_is_undeliverable_on_wechat(
    wechat: FakeWeChat,
) -> None:
    member = UserFactory(wechat_openid="openid-x")
    notification = notify(
        recipient=member, template="sign_in_code", dedupe_key="wx", channel=Channel.WECHAT
    )

    notifications_send_due()

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert wechat.sent == []


# --- Tencent Cloud SMS ----------------------------------------------------------------------


def test_tc3_signature_follows_the_documented_steps() -> None:
    # Signature v3, step by step as Tencent Cloud documents it, written out independently.
    payload = b'{"PhoneNumberSet":["+8613800000000"]}'
    secret_key, timestamp, host = "sk", 1551113065, "sms.tencentcloudapi.com"
    canonical_request = (
        "POST\n/\n\n"
        "content-type:application/json; charset=utf-8\nhost:sms.tencentcloudapi.com\n"
        "x-tc-action:sendsms\n\n"
        "content-type;host;x-tc-action\n" + hashlib.sha256(payload).hexdigest()
    )
    string_to_sign = (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/sms/tc3_request\n"
        + hashlib.sha256(canonical_request.encode()).hexdigest()
    )
    key = hmac.new(b"TC3sk", b"2019-02-25", hashlib.sha256).digest()
    key = hmac.new(key, b"sms", hashlib.sha256).digest()
    key = hmac.new(key, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    header = tc3_authorization(
        secret_id="AKID",
        secret_key=secret_key,
        host=host,
        action="SendSms",
        payload=payload,
        timestamp=timestamp,
    )

    assert header == (
        "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/sms/tc3_request, "
        f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
    )


def test_sms_fan_out_goes_in_signed_batches_of_200(tencent_sms: FakeTencentSMS) -> None:
    members = bulk_members(250)
    notify_many(
        recipient_ids=[member.pk for member in members],
        template="test_message",
        dedupe_prefix="promo:1",
        channel=Channel.SMS,
        context={"title": "周末水果"},
    )

    sent = notifications_send_due(batch=1000)

    assert sent == 250
    assert [len(call["PhoneNumberSet"]) for call in tencent_sms.calls] == [200, 50]
    first = tencent_sms.calls[0]
    assert first["_action"] == "SendSms"
    assert first["TemplateId"] == "100001"
    assert first["TemplateParamSet"] == ["周末水果"]
    assert first["SmsSdkAppId"] == "1400000000"
    assert first["SignName"] == "团购助手"
    assert sorted(tencent_sms.numbers) == sorted(f"+86{m.phone}" for m in members)
    assert Notification.objects.filter(status=Status.SENT).count() == 250


def test_a_refused_number_fails_alone_and_is_retried(tencent_sms: FakeTencentSMS) -> None:
    good, bad = UserFactory(phone="13900000001"), UserFactory(phone="13900000002")
    tencent_sms.refuse = {"+8613900000002"}
    notify_many(
        recipient_ids=[good.pk, bad.pk],
        template="test_message",
        dedupe_prefix="promo:2",
        channel=Channel.SMS,
    )

    assert notifications_send_due() == 1

    sent, retry = (
        Notification.objects.get(recipient=good),
        Notification.objects.get(recipient=bad),
    )
    assert sent.status == Status.SENT
    assert (retry.status, retry.attempts) == (Status.PENDING, 1)
    assert "LimitExceeded" in retry.last_error


def test_a_wrong_secret_is_refused_by_the_signature_check(
    tencent_sms: FakeTencentSMS, settings: Any
) -> None:
    settings.SMS_TENCENT_SECRET_KEY = "not-the-secret"
    member = UserFactory(phone="13900000003")
    notification = notify(
        recipient=member, template="test_message", dedupe_key="sms", channel=Channel.SMS
    )

    assert notifications_send_due() == 0

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert "SignatureFailure" in notification.last_error
    assert tencent_sms.calls == []


def test_a_template_without_a_tencent_template_id_fails_at_once(
    tencent_sms: FakeTencentSMS,
) -> None:
    member = UserFactory(phone="13900000004")
    notification = notify(
        recipient=member, template="sign_in_code", dedupe_key="sms", channel=Channel.SMS
    )

    notifications_send_due()

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert "sign_in_code" in notification.last_error


# --- Email over SMTP ------------------------------------------------------------------------


def test_a_batch_of_emails_goes_over_one_smtp_connection(smtp: FakeSMTP) -> None:
    members = [UserFactory(email=f"m{i}@example.com") for i in range(3)]
    for i, member in enumerate(members):
        notify(
            recipient=member,
            template="test_message",
            dedupe_key=f"mail:{i}",
            context={"title": "到货通知", "body": "A & B 已到货"},
        )

    assert notifications_send_due() == 3

    assert smtp.connections == 1
    assert sorted(rcpt[0] for _, rcpt in smtp.envelopes) == [m.email for m in members]
    message = smtp.messages[0]
    assert str(message["Subject"]) != ""
    body = bytes(message.get_payload(decode=True)).decode()
    assert "A & B 已到货" in body  # plain text: not HTML-escaped
    assert message["List-Unsubscribe"] is None  # transactional


def test_marketing_email_carries_a_one_click_unsubscribe_link(smtp: FakeSMTP) -> None:
    member = UserFactory(email="fan@example.com")
    notify(
        recipient=member,
        template="test_message",
        dedupe_key="promo",
        kind=Notification.Kind.MARKETING,
        scheduled_for=_daytime(),
    )

    notifications_send_due(now=_daytime())

    (message,) = smtp.messages
    body = bytes(message.get_payload(decode=True)).decode()
    assert "/notifications/unsubscribe/" in body
    assert message["List-Unsubscribe"].strip().startswith("<http://")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_temporary_smtp_failure_is_retried_with_backoff(smtp: FakeSMTP) -> None:
    smtp.refuse_data = 1
    member = UserFactory(email="m@example.com")
    notification = notify(recipient=member, template="test_message", dedupe_key="mail")

    assert notifications_send_due() == 0
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.PENDING, 1)
    assert "451" in notification.last_error

    assert notifications_send_due(now=notification.scheduled_for) == 1
    assert len(smtp.messages) == 1


def _daytime() -> Any:
    from django.utils import timezone

    return timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
