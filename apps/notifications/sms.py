"""SMS backends (SMS_BACKEND in settings).

Every backend takes a batch of (number, text) of one template and context and answers, per
number, "" when accepted or the provider's reason when not, so one bad number fails alone. A
provider sends approved templates only: TencentSMSBackend maps our template name to its template
id and variables (SMS_TENCENT_TEMPLATES) and sends the batch in calls of 200 numbers; the
console and locmem backends print or keep each rendered text (which differ only by the member's
own unsubscribe link).
"""

import hashlib
import hmac
import json
import logging
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from apps.notifications.errors import UndeliverableError

logger = logging.getLogger(__name__)


class ConsoleSMSBackend:
    """Development: print the message where the developer sees it (the worker's console)."""

    def send(self, *, phone: str, text: str) -> None:
        sys.stdout.write(f"[短信 → {phone}] {text}\n")
        sys.stdout.flush()

    def send_batch(
        self, *, messages: Sequence[tuple[str, str]], template: str, context: dict[str, Any]
    ) -> dict[str, str]:
        for phone, text in messages:
            self.send(phone=phone, text=text)
        return {phone: "" for phone, _ in messages}


class LocmemSMSBackend:
    """Tests: keep messages in memory, like Django's locmem email backend."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))

    def send_batch(
        self, *, messages: Sequence[tuple[str, str]], template: str, context: dict[str, Any]
    ) -> dict[str, str]:
        for phone, text in messages:
            self.send(phone=phone, text=text)
        return {phone: "" for phone, _ in messages}


# --- Tencent Cloud SMS (SendSms, API 2021-01-11, signature v3 TC3-HMAC-SHA256) --------------

TENCENT_SERVICE = "sms"
TENCENT_VERSION = "2021-01-11"
TENCENT_BATCH = 200  # SendSms takes at most 200 numbers a call
TIMEOUT_SECONDS = 10


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    action: str,
    payload: bytes,
    timestamp: int,
    service: str = TENCENT_SERVICE,
) -> str:
    """The Authorization header of signature v3: a canonical request hashed into a string to
    sign, signed with a key derived from the secret, the UTC date and the service."""
    content_type = "application/json; charset=utf-8"
    canonical_headers = f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            signed_headers,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )

    def _hmac(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    secret_date = _hmac(f"TC3{secret_key}".encode(), date)
    secret_signing = _hmac(_hmac(secret_date, service), "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def _e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSMSBackend:
    """Tencent Cloud SMS: numbers in batches of 200, one signed SendSms call per batch."""

    def send(self, *, phone: str, text: str) -> None:
        raise UndeliverableError("腾讯云短信只能发送已审核的模板")

    def send_batch(
        self, *, messages: Sequence[tuple[str, str]], template: str, context: dict[str, Any]
    ) -> dict[str, str]:
        phones = list(dict.fromkeys(phone for phone, _ in messages))
        config = settings.SMS_TENCENT_TEMPLATES.get(template)
        if not isinstance(config, dict) or not config.get("id"):
            raise UndeliverableError(f"没有为 {template} 配置腾讯云短信模板")
        keys: list[str] = list(config.get("params") or [])  # type: ignore[call-overload]
        params = [str(context.get(key, "")) for key in keys]
        results: dict[str, str] = {}
        for start in range(0, len(phones), TENCENT_BATCH):
            batch = list(phones[start : start + TENCENT_BATCH])
            results.update(self._send_sms(batch, template_id=str(config["id"]), params=params))
        return results

    def _send_sms(
        self, phones: list[str], *, template_id: str, params: list[str]
    ) -> dict[str, str]:
        body = {
            "PhoneNumberSet": [_e164(phone) for phone in phones],
            "SmsSdkAppId": settings.SMS_TENCENT_SDK_APP_ID,
            "SignName": settings.SMS_TENCENT_SIGN_NAME,
            "TemplateId": template_id,
            "TemplateParamSet": params,
        }
        payload = json.dumps(body, ensure_ascii=False).encode()
        endpoint = settings.SMS_TENCENT_ENDPOINT.rstrip("/")
        host = urllib.parse.urlsplit(endpoint).netloc
        timestamp = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=settings.SMS_TENCENT_SECRET_ID,
                secret_key=settings.SMS_TENCENT_SECRET_KEY,
                host=host,
                action="SendSms",
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": TENCENT_VERSION,
            "X-TC-Region": settings.SMS_TENCENT_REGION,
        }
        request = urllib.request.Request(  # noqa: S310 (the endpoint is the operator's setting)
            f"{endpoint}/", data=payload, headers=headers
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read().decode())["Response"]
        if "Error" in answer:
            # The whole call was refused (signature, quota, template): every number failed; the
            # outbox retries it with backoff.
            error = answer["Error"]
            raise RuntimeError(f"腾讯云短信 {error.get('Code')}: {error.get('Message')}")
        by_number = {status["PhoneNumber"]: status for status in answer.get("SendStatusSet", [])}
        results = {}
        for phone in phones:
            status = by_number.get(_e164(phone))
            if status is None:
                results[phone] = "腾讯云短信没有返回该号码的结果"
            elif status.get("Code") == "Ok":
                results[phone] = ""
            else:
                results[phone] = f"{status.get('Code')}: {status.get('Message', '')}"
        return results
