"""Members sign in with a phone number and a one-time code."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from apps.accounts.models import PhoneCode, User
from apps.accounts.phone_codes import (
    MAX_WRONG_TRIES,
    TooManyRequests,
    phone_code_check,
    phone_code_issue,
    phone_sign_in,
)
from apps.core.errors import Conflict, InvalidInput
from apps.notifications.sms import LocmemSMSBackend
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.chains.factories import open_chain

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _sms_outbox(settings) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    settings.SMS_BACKEND = "apps.notifications.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox


def age_codes(phone: str, by: timedelta) -> None:
    for record in PhoneCode.objects.filter(phone=phone):
        PhoneCode.objects.filter(pk=record.pk).update(
            created_at=record.created_at - by, expires_at=record.expires_at - by
        )


def test_a_code_is_six_digits_stored_hashed_and_works_once() -> None:
    code = phone_code_issue(phone=PHONE, ip="10.0.0.1")

    assert re.fullmatch(r"\d{6}", code)
    record = PhoneCode.objects.get()
    assert code not in record.code_hash
    phone_code_check(phone=PHONE, code=code)
    with pytest.raises(InvalidInput, match="失效"):
        phone_code_check(phone=PHONE, code=code)


def test_a_code_expires_after_five_minutes() -> None:
    code = phone_code_issue(phone=PHONE, ip=None)
    age_codes(PHONE, timedelta(minutes=5, seconds=1))

    with pytest.raises(InvalidInput, match="失效"):
        phone_code_check(phone=PHONE, code=code)


def test_wrong_tries_are_counted_and_the_code_dies() -> None:
    code = phone_code_issue(phone=PHONE, ip=None)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_WRONG_TRIES):
        with pytest.raises(InvalidInput, match="验证码错误"):
            phone_code_check(phone=PHONE, code=wrong)

    assert PhoneCode.objects.get().attempts == MAX_WRONG_TRIES
    with pytest.raises(InvalidInput, match="错误次数过多"):
        phone_code_check(phone=PHONE, code=code)  # even the right code is dead now


def test_sends_are_limited_per_minute_per_hour_and_per_ip() -> None:
    phone_code_issue(phone=PHONE, ip="10.0.0.1")
    with pytest.raises(TooManyRequests, match="秒后再试"):
        phone_code_issue(phone=PHONE, ip="10.0.0.1")

    for _ in range(4):
        age_codes(PHONE, timedelta(minutes=2))
        phone_code_issue(phone=PHONE, ip="10.0.0.1")
    age_codes(PHONE, timedelta(minutes=2))
    with pytest.raises(TooManyRequests, match="本小时"):
        phone_code_issue(phone=PHONE, ip="10.0.0.2")

    for n in range(5):
        phone_code_issue(phone=f"1390000000{n}", ip="10.0.0.1")
    with pytest.raises(TooManyRequests):
        phone_code_issue(phone="13900000009", ip="10.0.0.1")
    assert PhoneCode.objects.count() == 10


def test_sign_in_creates_a_member_and_claims_their_earlier_chain_orders() -> None:
    from apps.chains.services import chain_order_place

    setup = open_chain()
    chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="赵六",
        contact_phone=PHONE,
        quantities={setup.items[0].pk: 1},
        pickup_point=setup.pickup_points[0],
        submission_token="before-account",
    )

    user = phone_sign_in(phone=PHONE, code=phone_code_issue(phone=PHONE, ip=None), current=None)

    assert user.phone == PHONE
    assert not user.has_usable_password()
    assert Order.objects.get().buyer == user
    again = phone_sign_in(
        phone=PHONE,
        code=(age_codes(PHONE, timedelta(minutes=2)), phone_code_issue(phone=PHONE, ip=None))[1],
        current=None,
    )
    assert again == user
    assert User.objects.filter(phone=PHONE).count() == 1


def test_a_phone_of_another_account_cannot_be_added_to_mine() -> None:
    UserFactory(phone=PHONE)
    me = UserFactory(phone=None)

    with pytest.raises(Conflict, match="已绑定其他账号"):
        phone_sign_in(phone=PHONE, code=phone_code_issue(phone=PHONE, ip=None), current=me)
    me.refresh_from_db()
    assert me.phone is None


def test_the_page_sends_a_code_by_sms_and_signs_in(
    client: Client, _sms_outbox: list[tuple[str, str]], django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/phone/", {"action": "send", "phone": "138-1234-5678"})

    assert response.status_code == 200
    assert _sms_outbox and _sms_outbox[0][0] == PHONE
    code = re.search(r"验证码是 (\d{6})", _sms_outbox[0][1]).group(1)  # type: ignore[union-attr]
    signed_in = client.post(
        "/accounts/phone/",
        {"action": "verify", "phone": PHONE, "code": code, "next": "/leader/chains/"},
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/leader/chains/"
    assert client.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)


def test_the_page_shows_clear_errors_and_ignores_foreign_redirects(client: Client) -> None:
    assert (
        "有效的11位手机号"
        in client.post("/accounts/phone/", {"action": "send", "phone": "123"}).content.decode()
    )
    client.post("/accounts/phone/", {"action": "send", "phone": PHONE})
    too_soon = client.post("/accounts/phone/", {"action": "send", "phone": PHONE})
    assert too_soon.status_code == 429
    wrong = client.post(
        "/accounts/phone/",
        {"action": "verify", "phone": PHONE, "code": "99999x", "next": "https://evil.example/"},
    )
    assert wrong.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_page_that_needs_a_sign_in_sends_a_member_to_the_phone_code_form(
    client: Client,
) -> None:
    response = client.get("/my/coupons/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/phone/?next=/my/coupons/")
    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/my/coupons/"' in page
