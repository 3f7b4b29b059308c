"""WeChat subscription messages (订阅消息) through the official API.

The access token is shared by every worker through Django's cache and refreshed before it
expires; a token the API calls invalid or expired (40001, 42001, 40014) is refreshed once and
the call retried, because another process may have rotated it.
"""

import json
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache

TOKEN_CACHE_KEY = "notifications:wechat:access_token"  # noqa: S105 (a cache key)
TOKEN_ERRORS = {40001, 40014, 42001}
# Refused for good: the member has not subscribed (or used up the subscription), bad openid.
UNDELIVERABLE_ERRORS = {40003, 43101, 43107}
# Refresh this many seconds before WeChat's expiry (7200 s), so no call carries a dying token.
TOKEN_MARGIN_SECONDS = 300
TIMEOUT_SECONDS = 10


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"微信接口错误 {errcode}: {errmsg}")
        self.errcode = errcode


def _call(path: str, *, query: dict[str, str], body: dict[str, Any] | None = None) -> Any:
    url = f"{settings.WECHAT_API_BASE.rstrip('/')}{path}?{urllib.parse.urlencode(query)}"
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        answer = json.loads(response.read().decode())
    errcode = int(answer.get("errcode", 0) or 0)
    if errcode:
        raise WeChatError(errcode, str(answer.get("errmsg", "")))
    return answer


def access_token(*, refresh: bool = False) -> str:
    if not refresh:
        token = cache.get(TOKEN_CACHE_KEY)
        if token:
            return str(token)
    answer = _call(
        "/cgi-bin/token",
        query={
            "grant_type": "client_credential",
            "appid": settings.WECHAT_APP_ID,
            "secret": settings.WECHAT_APP_SECRET,
        },
    )
    token = str(answer["access_token"])
    lifetime = int(answer.get("expires_in", 7200))
    cache.set(TOKEN_CACHE_KEY, token, timeout=max(lifetime - TOKEN_MARGIN_SECONDS, 60))
    return token


def subscribe_send(*, openid: str, template_id: str, data: dict[str, str], page: str = "") -> None:
    """POST /cgi-bin/message/subscribe/send; each value is wrapped as {"value": …}."""
    body: dict[str, Any] = {
        "touser": openid,
        "template_id": template_id,
        "data": {key: {"value": value} for key, value in data.items()},
    }
    if page:
        body["page"] = page
    try:
        _call("/cgi-bin/message/subscribe/send", query={"access_token": access_token()}, body=body)
    except WeChatError as error:
        if error.errcode not in TOKEN_ERRORS:
            raise
        token = access_token(refresh=True)
        _call("/cgi-bin/message/subscribe/send", query={"access_token": token}, body=body)


def enabled() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def template_for(template: str) -> dict[str, Any] | None:
    """The subscription template configured for one of our message templates, if any."""
    if not enabled():
        return None
    config = settings.WECHAT_SUBSCRIBE_TEMPLATES.get(template)
    return config if isinstance(config, dict) and config.get("id") else None
