"""The wechatpayv3 SDK, pointed at WECHATPAY_BASE_URL.

The SDK's Core sets its gateway to the real address in __init__ and WeChatPay builds that Core
itself, so a test server or a proxy cannot be configured. GatewayCore keeps the configured
address instead, and WeChatPayClient builds a GatewayCore with the same attributes
WeChatPay.__init__ sets. Everything else (request signing, response verification, certificate
handling, the API paths) is the SDK's own.
"""

import json
from typing import Any

from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

from apps.core.errors import Conflict
from apps.payments.merchant import WeChatPaySettings, wechatpay_settings

TIMEOUT = (5, 15)  # connect, read (seconds)


class GatewayCore(Core):
    def __init__(self, *, gateway: str, **kwargs: Any) -> None:
        self._configured_gateway = gateway
        super().__init__(**kwargs)

    @property
    def _gate_way(self) -> str:
        return self._configured_gateway

    @_gate_way.setter
    def _gate_way(self, value: str) -> None:
        """Core.__init__ assigns the real gateway; the configured one stays."""


class WeChatPayClient(WeChatPay):
    def __init__(self, config: WeChatPaySettings) -> None:
        # The attributes WeChatPay.__init__ sets, with our Core (calling it would build the
        # SDK's Core, which may fetch certificates from the real gateway before we can redirect).
        self._type = WeChatPayType.JSAPI
        self._mchid = config.mchid
        self._appid = config.appid
        self._notify_url = config.notify_url
        self._partner_mode = False
        self._core = GatewayCore(
            gateway=config.base_url,
            mchid=config.mchid,
            cert_serial_no=config.cert_serial_no,
            private_key=config.private_key,
            apiv3_key=config.apiv3_key,
            cert_dir=config.cert_dir or None,
            timeout=TIMEOUT,
            public_key=config.public_key or None,
            public_key_id=config.public_key_id or None,
        )


class ProviderError(Conflict):
    default_code = "payment_provider_error"


class ProviderUnreachable(ProviderError):
    """No verified answer came back (network, timeout, a bad signature): the outcome is unknown."""

    default_code = "payment_provider_unreachable"


def wechatpay_client() -> tuple[WeChatPayClient, WeChatPaySettings]:
    config = wechatpay_settings()
    if config is None:
        raise ProviderError("微信支付未开通")
    try:
        return WeChatPayClient(config), config
    except Exception as exc:  # the SDK raises bare Exception for keys and certificates
        raise ProviderError(f"微信支付配置有误：{exc}") from exc


def answer(code: int, message: Any) -> dict[str, Any]:
    """The JSON body of an SDK answer; a non-2xx answer or garbage becomes a ProviderError."""
    text = message.decode() if isinstance(message, bytes) else str(message)
    try:
        body = json.loads(text) if text else {}
    except ValueError as exc:
        raise ProviderError(f"微信支付返回了无法解析的内容（HTTP {code}）") from exc
    if not 200 <= code < 300:
        raise ProviderError(
            f"微信支付拒绝了请求：{body.get('message') or body.get('code') or code}",
            code=str(body.get("code") or "payment_provider_error").lower(),
        )
    return body if isinstance(body, dict) else {}
