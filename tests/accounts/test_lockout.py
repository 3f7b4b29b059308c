"""django-axes: repeated wrong passwords lock a username out from that address, the admin's
login included; the phone-code sign-in keeps its own limits, counted per client address."""

from typing import Any

import pytest
from django.test import Client

from apps.accounts.models import PhoneCode
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_five_wrong_passwords_lock_the_login_even_for_the_right_one(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    user = UserFactory(username="leader1")
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "leader1", "password": "wrong"})
        assert response.status_code in (200, 429)

    locked = client.post("/accounts/login/", {"username": "leader1", "password": "pass-word-123"})

    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # the same account from another address still signs in
    other = Client(REMOTE_ADDR="10.2.2.2")
    ok = other.post("/accounts/login/", {"username": "leader1", "password": "pass-word-123"})
    assert ok.status_code == 302 and other.session["_auth_user_id"] == str(user.pk)


def test_the_admin_login_is_locked_too(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="10.3.3.3")
    for _ in range(3):
        client.post("/admin/login/", {"username": "boss", "password": "nope"})

    locked = client.post("/admin/login/", {"username": "boss", "password": "pass-word-123"})

    assert locked.status_code == 429


def test_lockout_counts_the_forwarded_client_behind_a_trusted_proxy(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="m1")
    # Everyone arrives from the proxy's address; only the forwarded client is locked out.
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9")
    for _ in range(2):
        attacker.post("/accounts/login/", {"username": "m1", "password": "bad"})
    member = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="8.8.8.8")

    assert (
        attacker.post(
            "/accounts/login/", {"username": "m1", "password": "pass-word-123"}
        ).status_code
        == 429
    )
    assert (
        member.post("/accounts/login/", {"username": "m1", "password": "pass-word-123"}).status_code
        == 302
    )


def test_phone_codes_are_counted_per_forwarded_client(settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="7.7.7.7")

    client.post("/accounts/phone/", {"action": "send", "phone": "13800138000"})

    assert PhoneCode.objects.get().ip == "7.7.7.7"
