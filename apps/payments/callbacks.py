"""The one handler for WeChat Pay notifications (支付通知 and 退款通知), sandbox ones included.

Answers as WeChat Pay expects: 200 with {"code": "SUCCESS"} when the notification is taken
(applied, already applied, or flagged for finance: sending it again would not help), 401 when
its signature is forged or stale, 4xx/5xx with {"code": "FAIL", "message": ...} otherwise, which
makes WeChat Pay send it again later.
"""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError

from apps.core.errors import DomainError, NotFound
from apps.payments import services
from apps.payments.merchant import merchant_for_serial
from apps.payments.wechatpay_crypto import (
    SIGNATURE_TYPE,
    decrypt,
    signing_string,
    timestamp_is_fresh,
    verify,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackAnswer:
    status: int
    body: dict[str, str]


SUCCESS = CallbackAnswer(200, {"code": "SUCCESS", "message": "成功"})


def _fail(status: int, message: str) -> CallbackAnswer:
    return CallbackAnswer(status, {"code": "FAIL", "message": message})


def notification_receive(*, headers: Mapping[str, str], body: bytes) -> CallbackAnswer:
    header = {name.lower(): value for name, value in headers.items()}
    timestamp = header.get("wechatpay-timestamp", "")
    nonce = header.get("wechatpay-nonce", "")
    signature = header.get("wechatpay-signature", "")
    serial = header.get("wechatpay-serial", "")
    if not (timestamp and nonce and signature and serial):
        return _fail(401, "签名信息缺失")
    if header.get("wechatpay-signature-type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
        return _fail(401, "不支持的签名类型")
    if not timestamp_is_fresh(timestamp):
        return _fail(401, "时间戳已过期")
    found = merchant_for_serial(serial)
    if found is None:
        return _fail(401, "未知的平台证书序列号")
    merchant, public_key = found
    if not verify(public_key, signing_string(timestamp, nonce, body), signature):
        return _fail(401, "签名验证失败")
    try:
        envelope = json.loads(body)
        resource = envelope["resource"]
        plaintext = decrypt(apiv3_key=merchant.apiv3_key, resource=resource)
        if plaintext is None:
            return _fail(400, "解密失败")
        data: dict[str, Any] = json.loads(plaintext)
        event_type = str(envelope.get("event_type", ""))
    except (ValueError, KeyError, TypeError):
        return _fail(400, "通知格式错误")
    try:
        if event_type.startswith("TRANSACTION."):
            services.payment_settle(merchant=merchant, transaction_data=data)
        elif event_type.startswith("REFUND."):
            services.refund_settle(merchant=merchant, refund_data=data)
        else:
            logger.info("WeChat Pay notification %s ignored", event_type)
    except NotFound as error:
        return _fail(404, error.message)
    except DomainError as error:
        return _fail(400, error.message)
    except DatabaseError:
        logger.exception("WeChat Pay notification not stored")
        return _fail(500, "系统繁忙")
    return SUCCESS
