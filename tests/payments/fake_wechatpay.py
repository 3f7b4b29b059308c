"""A fake WeChat Pay API v3 on loopback, and notifications built the way WeChat Pay builds them.

The keys are generated here: the merchant's key pair (the SDK signs requests with it; the fake
checks every Authorization header against its public key) and the platform's key pair with a
self-signed certificate (the fake signs its answers and the notifications with it; the SDK and
our endpoint verify them). Nothing here imports the code under test.
"""

import base64
import gzip
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.oid import NameOID

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


@dataclass
class Keys:
    merchant: rsa.RSAPrivateKey
    platform: rsa.RSAPrivateKey
    platform_cert: x509.Certificate
    apiv3_key: str

    @property
    def platform_serial(self) -> str:
        return format(self.platform_cert.serial_number, "X")

    def write(self, folder: Path) -> tuple[Path, Path]:
        """The merchant key file and the platform certificate folder, as settings name them."""
        key_path = folder / "apiclient_key.pem"
        key_path.write_bytes(
            self.merchant.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        cert_dir = folder / "platform_certs"
        cert_dir.mkdir(exist_ok=True)
        (cert_dir / f"{self.platform_serial}.pem").write_bytes(
            self.platform_cert.public_bytes(serialization.Encoding.PEM)
        )
        return key_path, cert_dir


def self_signed(key: rsa.RSAPrivateKey, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, SHA256())
    )


def generate_keys() -> Keys:
    platform = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Keys(
        merchant=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        platform=platform,
        platform_cert=self_signed(platform, "Tenpay.com Root CA (test)"),
        apiv3_key=secrets.token_hex(16),
    )


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), SHA256())).decode()


def rsa_verifies(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), message, padding.PKCS1v15(), SHA256())
    except Exception:
        return False
    return True


def notification(
    keys: Keys,
    resource: dict[str, Any],
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    original_type: str = "transaction",
    timestamp: int | None = None,
    signing_key: rsa.RSAPrivateKey | None = None,
) -> tuple[dict[str, str], bytes]:
    """(headers, body) of a notification exactly as WeChat Pay signs and encrypts one."""
    nonce = secrets.token_hex(6)
    ciphertext = AESGCM(keys.apiv3_key.encode()).encrypt(
        nonce.encode(), json.dumps(resource).encode(), original_type.encode()
    )
    body = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2015-05-20T13:29:35+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    ).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    header_nonce = secrets.token_hex(16)
    message = f"{stamp}\n{header_nonce}\n".encode() + body + b"\n"
    headers = {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": header_nonce,
        "Wechatpay-Serial": keys.platform_serial,
        "Wechatpay-Signature": rsa_sign(signing_key or keys.platform, message),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }
    return headers, body


def django_headers(headers: dict[str, str]) -> dict[str, str]:
    """The same headers as Django's test client takes them."""
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def transaction(
    out_trade_no: str, total_fen: int, *, mchid: str = MCHID, appid: str = APPID, **extra: Any
) -> dict[str, Any]:
    return {
        "mchid": mchid,
        "appid": appid,
        "out_trade_no": out_trade_no,
        "transaction_id": f"42000000{secrets.randbelow(10**12):012d}",
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "success_time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY"},
        **extra,
    }


AUTH = re.compile(
    r'^WECHATPAY2-SHA256-RSA2048 mchid="(?P<mchid>[^"]+)",nonce_str="(?P<nonce>[^"]+)",'
    r'signature="(?P<signature>[^"]+)",timestamp="(?P<timestamp>[^"]+)",serial_no="(?P<serial>[^"]+)"$'
)


@dataclass
class FakeWeChatPay:
    keys: Keys
    base_url: str = ""
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    unauthorised: list[str] = field(default_factory=list)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refund_status: str = "SUCCESS"
    refund_error: tuple[int, str] | None = None
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    bill: bytes = b""
    closed: list[str] = field(default_factory=list)

    def bodies(self, path_start: str) -> list[dict[str, Any]]:
        return [body for _, path, body in self.requests if path.startswith(path_start)]


@contextmanager
def fake_wechatpay_server(keys: Keys) -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay(keys=keys)

    class Handler(BaseHTTPRequestHandler):
        def _authorised(self, raw: bytes) -> bool:
            match = AUTH.match(self.headers.get("Authorization", ""))
            if not match or match["mchid"] != MCHID or match["serial"] != MERCHANT_SERIAL:
                return False
            message = (
                f"{self.command}\n{self.path}\n{match['timestamp']}\n{match['nonce']}\n".encode()
                + raw
                + b"\n"
            )
            return rsa_verifies(keys.merchant.public_key(), message, match["signature"])

        def _answer(self, status: int, body: Any = None, *, content_type: str = "") -> None:
            payload = (
                body
                if isinstance(body, bytes)
                else (json.dumps(body, ensure_ascii=False).encode() if body is not None else b"")
            )
            stamp, nonce = str(int(time.time())), secrets.token_hex(16)
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            if 200 <= status < 300 and not isinstance(body, bytes):
                message = f"{stamp}\n{nonce}\n".encode() + payload + b"\n"
                self.send_header("Wechatpay-Timestamp", stamp)
                self.send_header("Wechatpay-Nonce", nonce)
                self.send_header("Wechatpay-Serial", keys.platform_serial)
                self.send_header("Wechatpay-Signature", rsa_sign(keys.platform, message))
                self.send_header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
            self.end_headers()
            self.wfile.write(payload)

        def _handle(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            url = urlparse(self.path)
            body = json.loads(raw) if raw else {}
            fake.requests.append((self.command, url.path, body))
            if not self._authorised(raw):
                fake.unauthorised.append(url.path)
                self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                return
            path = url.path
            if self.command == "POST" and path == "/v3/pay/transactions/native":
                self._answer(
                    200, {"code_url": f"weixin://wxpay/bizpayurl?pr={body['out_trade_no']}"}
                )
            elif self.command == "POST" and path == "/v3/pay/transactions/jsapi":
                self._answer(200, {"prepay_id": f"wx2014{body['out_trade_no']}"})
            elif self.command == "POST" and path.endswith("/close"):
                fake.closed.append(path.split("/")[-2])
                self._answer(204)
            elif self.command == "GET" and path.startswith("/v3/pay/transactions/out-trade-no/"):
                out_trade_no = path.rsplit("/", 1)[-1]
                found = fake.transactions.get(out_trade_no)
                if found is None:
                    self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
                else:
                    self._answer(200, found)
            elif self.command == "POST" and path == "/v3/refund/domestic/refunds":
                if fake.refund_error:
                    status, code = fake.refund_error
                    self._answer(status, {"code": code, "message": "基本账户余额不足"})
                    return
                answer = {
                    "refund_id": f"50000{secrets.randbelow(10**12):012d}",
                    "out_refund_no": body["out_refund_no"],
                    "out_trade_no": body.get("out_trade_no", ""),
                    "status": fake.refund_status,
                    "amount": {**body["amount"], "payer_refund": body["amount"]["refund"]},
                }
                fake.refunds[body["out_refund_no"]] = answer
                self._answer(200, answer)
            elif self.command == "GET" and path.startswith("/v3/refund/domestic/refunds/"):
                self._answer(200, fake.refunds[path.rsplit("/", 1)[-1]])
            elif self.command == "GET" and path == "/v3/bill/tradebill":
                self._answer(
                    200,
                    {
                        "hash_type": "SHA1",
                        "hash_value": hashlib.sha1(fake.bill).hexdigest(),  # noqa: S324
                        "download_url": f"{fake.base_url}/v3/billdownload/file?token=t0k3n",
                    },
                )
            elif self.command == "GET" and path == "/v3/billdownload/file":
                self._answer(200, gzip.compress(fake.bill), content_type="application/octet-stream")
            else:
                self._answer(404, {"code": "NOT_FOUND", "message": path})

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
