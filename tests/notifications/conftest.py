from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from apps.notifications.sms import LocmemSMSBackend
from tests.notifications.fakes import (
    FakeSMTP,
    FakeTencentSMS,
    FakeWeChat,
    fake_smtp,
    fake_tencent_sms,
    fake_wechat,
)


@pytest.fixture
def smtp(settings: Any) -> Iterator[FakeSMTP]:
    """Django's SMTP backend talking to a real SMTP server on loopback."""
    from django.core.mail.utils import DNS_NAME

    # Django greets the server with this host's FQDN; a slow resolver would cost seconds a mail.
    DNS_NAME._fqdn = "localhost"  # type: ignore[attr-defined]
    with fake_smtp() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield server


@pytest.fixture
def tencent_sms(settings: Any) -> Iterator[FakeTencentSMS]:
    with fake_tencent_sms(secret_id="AKIDtest", secret_key="secret-key") as server:
        settings.SMS_BACKEND = "apps.notifications.sms.TencentSMSBackend"
        settings.SMS_TENCENT_ENDPOINT = server.url
        settings.SMS_TENCENT_SECRET_ID = "AKIDtest"
        settings.SMS_TENCENT_SECRET_KEY = "secret-key"
        settings.SMS_TENCENT_SDK_APP_ID = "1400000000"
        settings.SMS_TENCENT_SIGN_NAME = "团购助手"
        settings.SMS_TENCENT_TEMPLATES = {
            "test_message": {"id": "100001", "params": ["title"]},
            "chain_closing_soon": {"id": "100002", "params": ["title", "closes_at"]},
            "course_lesson_unlocked": {"id": "100003", "params": ["course", "lesson"]},
            "order_payment_pending": {"id": "100004", "params": ["number", "amount"]},
            "order_ready_for_pickup": {"id": "100005", "params": ["number", "pickup_code"]},
            "order_pickup_day": {"id": "100006", "params": ["number", "pickup_code"]},
        }
        yield server


@pytest.fixture
def wechat(settings: Any) -> Iterator[FakeWeChat]:
    cache.delete("notifications:wechat:access_token")
    with fake_wechat(app_id="wx-app", secret="wx-secret") as server:
        settings.WECHAT_API_BASE = server.url
        settings.WECHAT_APP_ID = "wx-app"
        settings.WECHAT_APP_SECRET = "wx-secret"
        settings.WECHAT_SUBSCRIBE_TEMPLATES = {
            "test_message": {
                "id": "TPL-1",
                "fields": {"thing1": "title", "thing2": "body"},
                "page": "pages/index",
            }
        }
        yield server
    cache.delete("notifications:wechat:access_token")


@pytest.fixture
def sms_outbox(settings: Any) -> list[tuple[str, str]]:
    settings.SMS_BACKEND = "apps.notifications.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox
