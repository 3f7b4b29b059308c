"""WeChat web authorisation against a fake WeChat OAuth server on loopback."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from apps.accounts.models import User
from tests.accounts.factories import UserFactory
from tests.accounts.fake_wechat import FakeWeChat, fake_wechat_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat(settings) -> Iterator[FakeWeChat]:  # type: ignore[no-untyped-def]
    with fake_wechat_server() as fake:
        settings.WECHAT_APP_ID = "wx-test-app"
        settings.WECHAT_APP_SECRET = "test-secret"
        settings.WECHAT_API_BASE = fake.base_url
        settings.WECHAT_OPEN_BASE = fake.base_url
        yield fake


def start(client: Client, scope: str = "snsapi_base", next_url: str = "/") -> str:
    response = client.get("/accounts/wechat/", {"scope": scope, "next": next_url})
    assert response.status_code == 302
    location = urlparse(response["Location"])
    query = parse_qs(location.query)
    assert location.path == "/connect/oauth2/authorize"
    assert query["appid"] == ["wx-test-app"] and query["scope"] == [scope]
    return query["state"][0]


def test_a_new_member_signs_in_with_wechat_and_is_found_again(
    client: Client, wechat: FakeWeChat
) -> None:
    state = start(client, scope="snsapi_userinfo", next_url="/leader/chains/")
    wechat.codes["code-1"] = ("openid-abc", "snsapi_userinfo", "小红")

    response = client.get("/accounts/wechat/callback/", {"code": "code-1", "state": state})

    assert response.status_code == 302 and response["Location"] == "/leader/chains/"
    user = User.objects.get(wechat_openid="openid-abc")
    assert user.display_name == "小红"
    client.logout()
    state = start(client)
    wechat.codes["code-2"] = ("openid-abc", "snsapi_base", "")
    client.get("/accounts/wechat/callback/", {"code": "code-2", "state": state})
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.filter(wechat_openid="openid-abc").count() == 1


def test_a_signed_in_member_links_their_openid(client: Client, wechat: FakeWeChat) -> None:
    me = UserFactory()
    client.force_login(me)
    state = start(client)
    wechat.codes["c"] = ("openid-me", "snsapi_base", "")

    client.get("/accounts/wechat/callback/", {"code": "c", "state": state})

    me.refresh_from_db()
    assert me.wechat_openid == "openid-me"


def test_a_forged_or_replayed_state_is_refused(client: Client, wechat: FakeWeChat) -> None:
    state = start(client)
    wechat.codes["c1"] = ("openid-x", "snsapi_base", "")

    forged = client.get("/accounts/wechat/callback/", {"code": "c1", "state": "guess"})
    assert forged.status_code == 400
    assert "/sns/oauth2/access_token" not in wechat.requests

    state = start(client)
    assert (
        client.get("/accounts/wechat/callback/", {"code": "c1", "state": state}).status_code == 302
    )
    wechat.codes["c2"] = ("openid-x", "snsapi_base", "")
    replay = client.get("/accounts/wechat/callback/", {"code": "c2", "state": state})
    assert replay.status_code == 400


def test_an_openid_linked_to_another_account_is_refused(client: Client, wechat: FakeWeChat) -> None:
    UserFactory(wechat_openid="openid-taken")
    me = UserFactory()
    client.force_login(me)
    state = start(client)
    wechat.codes["c"] = ("openid-taken", "snsapi_base", "")

    response = client.get("/accounts/wechat/callback/", {"code": "c", "state": state})

    assert response.status_code == 409
    assert "已绑定其他账号" in response.content.decode()
    me.refresh_from_db()
    assert me.wechat_openid is None


def test_a_bad_code_gets_a_clear_error(client: Client, wechat: FakeWeChat) -> None:
    state = start(client)
    response = client.get("/accounts/wechat/callback/", {"code": "nope", "state": state})
    assert response.status_code == 502
    assert "微信授权失败" in response.content.decode()
    assert User.objects.count() == 0


def test_without_app_id_and_secret_wechat_is_not_offered(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WECHAT_APP_ID = ""
    assert "微信登录" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/wechat/").status_code == 400
