"""WeChat web authorisation (网页授权) inside the WeChat browser.

snsapi_base gives the member's openid silently; snsapi_userinfo, when the member agrees, adds their
nickname. The endpoints' hosts come from settings so tests can point them at a fake server.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, InvalidInput

SCOPES = ("snsapi_base", "snsapi_userinfo")
TIMEOUT_SECONDS = 5


class WeChatUnavailable(InvalidInput):
    status = 502
    default_code = "wechat_unavailable"


@dataclass(frozen=True)
class WeChatIdentity:
    openid: str
    nickname: str = ""


def wechat_enabled() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def authorize_url(*, redirect_uri: str, scope: str, state: str) -> str:
    if scope not in SCOPES:
        raise InvalidInput(_("不支持的授权方式"))
    query = urllib.parse.urlencode(
        {
            "appid": settings.WECHAT_APP_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": scope,
            "state": state,
        }
    )
    return f"{settings.WECHAT_OPEN_BASE}/connect/oauth2/authorize?{query}#wechat_redirect"


def _get_json(path: str, params: dict[str, str]) -> dict[str, Any]:
    url = f"{settings.WECHAT_API_BASE}{path}?{urllib.parse.urlencode(params)}"
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise WeChatUnavailable(_("微信接口地址无效"))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise WeChatUnavailable(_("暂时无法连接微信，请稍后再试")) from exc
    if not isinstance(body, dict) or body.get("errcode"):
        raise WeChatUnavailable(
            _("微信授权失败：%(error)s") % {"error": body.get("errmsg", _("未知错误"))}
        )
    return body


def identity_from_code(*, code: str) -> WeChatIdentity:
    """Exchange the code WeChat sent back for the member's openid (and nickname if allowed)."""
    if not code:
        raise InvalidInput(_("缺少微信授权码"))
    token = _get_json(
        "/sns/oauth2/access_token",
        {
            "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )
    openid = str(token.get("openid", ""))
    if not openid:
        raise WeChatUnavailable(_("微信没有返回 openid"))
    nickname = ""
    if "snsapi_userinfo" in str(token.get("scope", "")):
        info = _get_json(
            "/sns/userinfo",
            {"access_token": str(token["access_token"]), "openid": openid, "lang": "zh_CN"},
        )
        nickname = str(info.get("nickname", ""))[:64]
    return WeChatIdentity(openid=openid, nickname=nickname)


@transaction.atomic
def wechat_sign_in(*, identity: WeChatIdentity, current: User | None) -> User:
    """The account for this openid: link it to the signed-in user, find it again, or create one."""
    users = get_user_model().objects
    owner = users.select_for_update().filter(wechat_openid=identity.openid).first()
    if current is not None:
        if owner is not None and owner.pk != current.pk:
            raise Conflict(_("这个微信已绑定其他账号"), code="openid_taken")
        user = current
    elif owner is not None:
        user = owner
    else:
        user = users.create_user(username=f"wx_{identity.openid[:40]}")
        user.set_unusable_password()
    user.wechat_openid = identity.openid
    if identity.nickname and not user.display_name:
        user.display_name = identity.nickname
    user.save()
    return user
