"""The bot API's credentials: `Authorization: Bearer tgb_…`, one community per token.

Bots are not users: a token authenticates as a `BotPrincipal` on the bot endpoints only (no
other view lists this class), so a leaked token can never act as the leader who made it. Each
token has its own request budget (BOT_API_RATE) counted in Django's cache.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from apps.webhooks import selectors
from apps.webhooks.models import BotToken
from apps.webhooks.services import bot_token_hash, bot_token_touch

KEYWORD = b"bearer"


@dataclass(frozen=True)
class BotPrincipal:
    token: BotToken
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None


class BotTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[BotPrincipal, BotToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Authorization 头格式应为：Bearer <令牌>"))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("令牌无效或已撤销")) from exc
        token = selectors.bot_token_by_hash(bot_token_hash(raw))
        if token is None:
            raise AuthenticationFailed(_("令牌无效或已撤销"))
        bot_token_touch(token=token)
        return BotPrincipal(token=token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="bot"'


class IsBot(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, BotToken)


class BotTokenThrottle(SimpleRateThrottle):
    """Per token, not per address: bots often share a cloud egress IP."""

    scope = "bot"

    def get_rate(self) -> str:
        return str(settings.BOT_API_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, BotToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class BotTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.webhooks.auth.BotTokenAuthentication"
    name = "botToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "tgb_…",
            "description": "A community's bot token (团长在「开放接口」页创建，只显示一次).",
        }
