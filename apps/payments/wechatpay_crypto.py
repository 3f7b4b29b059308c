"""WeChat Pay API v3 signatures and encrypted resources, both directions.

A notification is signed over "timestamp\\nnonce\\nbody\\n" (RSA PKCS#1 v1.5, SHA-256) by the
platform key named in Wechatpay-Serial; its `resource` is AES-256-GCM under the merchant's
API v3 key, with the resource's nonce and associated_data. The sandbox uses `sign` and
`encrypt` to build notifications exactly like that; the endpoint uses `verify` and `decrypt`.
"""

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class SignedMessage:
    headers: dict[str, str]
    body: bytes


def signing_string(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def sign(private_key: RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(private_key.sign(message, PKCS1v15(), SHA256())).decode()


def verify(public_key: RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message, PKCS1v15(), SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def timestamp_is_fresh(timestamp: str, *, now: float | None = None) -> bool:
    if not timestamp.isdigit():
        return False
    now = time.time() if now is None else now
    return abs(now - int(timestamp)) <= MAX_CLOCK_SKEW_SECONDS


def encrypt(*, apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 characters, used as bytes, as WeChat Pay does
    data = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(data).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def decrypt(*, apiv3_key: str, resource: dict[str, Any]) -> str | None:
    """The plaintext, or None when the key or the data is wrong."""
    try:
        return (
            AESGCM(apiv3_key.encode())
            .decrypt(
                str(resource["nonce"]).encode(),
                base64.b64decode(str(resource["ciphertext"])),
                str(resource.get("associated_data") or "").encode(),
            )
            .decode()
        )
    except (InvalidTag, KeyError, ValueError):
        return None


def notification_build(
    *,
    private_key: RSAPrivateKey,
    serial: str,
    apiv3_key: str,
    event_type: str,
    resource_type: str,
    summary: str,
    plaintext: dict[str, Any],
    timestamp: int | None = None,
) -> SignedMessage:
    """A notification as WeChat Pay sends it: headers and the exact body bytes."""
    envelope = {
        "id": secrets.token_hex(16),
        "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            **encrypt(
                apiv3_key=apiv3_key,
                plaintext=json.dumps(plaintext, ensure_ascii=False),
                associated_data=resource_type,
            ),
            "original_type": resource_type,
        },
    }
    body = json.dumps(envelope, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = secrets.token_hex(16)
    return SignedMessage(
        headers={
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature": sign(private_key, signing_string(stamp, nonce, body)),
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        },
        body=body,
    )
