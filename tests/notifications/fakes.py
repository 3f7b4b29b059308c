"""Loopback stand-ins for the outside world: WeChat's API, Tencent Cloud SMS and an SMTP server.

Each is a real server on 127.0.0.1 in a thread, so the code under test makes its real HTTP
requests and SMTP conversation; each keeps what it received for the test to check.
"""

import hashlib
import hmac
import json
import socketserver
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from apps.accounts.models import User
from apps.notifications.sms import tc3_authorization


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server: socketserver.TCPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


# --- WeChat ---------------------------------------------------------------------------------


@dataclass
class FakeWeChat:
    """/cgi-bin/token hands out numbered tokens; /cgi-bin/message/subscribe/send accepts only
    the latest one, or answers with `send_errors` (errcodes) first, one per call."""

    app_id: str
    secret: str
    tokens_issued: int = 0
    send_errors: list[int] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    tokens_used: list[str] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> dict[str, Any]:
        with self.lock:
            if path == "/cgi-bin/token":
                if (query.get("appid"), query.get("secret")) != (self.app_id, self.secret):
                    return {"errcode": 40013, "errmsg": "invalid appid"}
                self.tokens_issued += 1
                return {"access_token": f"TOKEN-{self.tokens_issued}", "expires_in": 7200}
            if path == "/cgi-bin/message/subscribe/send" and method == "POST":
                token = query.get("access_token", "")
                self.tokens_used.append(token)
                if self.send_errors:
                    return {"errcode": self.send_errors.pop(0), "errmsg": "fake error"}
                if token != f"TOKEN-{self.tokens_issued}":
                    return {"errcode": 40001, "errmsg": "invalid credential"}
                self.sent.append(json.loads(body))
                return {"errcode": 0, "errmsg": "ok"}
            return {"errcode": 404, "errmsg": "not found"}


# --- Tencent Cloud SMS ----------------------------------------------------------------------


@dataclass
class FakeTencentSMS:
    """Checks the TC3-HMAC-SHA256 signature the way Tencent does (recomputes it with the shared
    secret) and answers SendSms with a status per number; numbers in `refuse` fail."""

    secret_id: str
    secret_key: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: Message, body: bytes) -> dict[str, Any]:
        expected = tc3_authorization(
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            host=headers["Host"],
            action=headers["X-TC-Action"],
            payload=body,
            timestamp=int(headers["X-TC-Timestamp"]),
        )
        if not hmac.compare_digest(headers.get("Authorization", ""), expected):
            return {
                "Response": {
                    "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad signature"},
                    "RequestId": "r",
                }
            }
        request = json.loads(body)
        with self.lock:
            self.calls.append(request | {"_action": headers["X-TC-Action"]})
        statuses = [
            {
                "PhoneNumber": number,
                "Code": "LimitExceeded.PhoneNumberDailyLimit" if number in self.refuse else "Ok",
                "Message": "refused" if number in self.refuse else "send success",
                "SerialNo": hashlib.md5(number.encode()).hexdigest(),  # noqa: S324
            }
            for number in request["PhoneNumberSet"]
        ]
        return {"Response": {"SendStatusSet": statuses, "RequestId": "r"}}

    @property
    def numbers(self) -> list[str]:
        return [number for call in self.calls for number in call["PhoneNumberSet"]]


def _http_server(dispatch: Any) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            payload = json.dumps(dispatch(self, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


@contextmanager
def fake_wechat(app_id: str = "wx-app", secret: str = "wx-secret") -> Iterator[FakeWeChat]:
    fake = FakeWeChat(app_id=app_id, secret=secret)

    def dispatch(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
        parts = urlsplit(handler.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        return fake.handle(handler.command, parts.path, query, body)

    server = _http_server(dispatch)
    fake.url = _url(server)
    with serving(server):
        yield fake


@contextmanager
def fake_tencent_sms(secret_id: str = "AKID", secret_key: str = "sk") -> Iterator[FakeTencentSMS]:
    fake = FakeTencentSMS(secret_id=secret_id, secret_key=secret_key)
    server = _http_server(lambda handler, body: fake.handle(handler.headers, body))
    fake.url = _url(server)
    with serving(server):
        yield fake


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class FakeSMTP:
    """Enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
    `refuse_data` answers DATA with a temporary failure (451) that many times."""

    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    connections: int = 0
    refuse_data: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def fake_smtp() -> Iterator[FakeSMTP]:
    fake = FakeSMTP()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(f"{line}\r\n".encode())

        def handle(self) -> None:
            with fake.lock:
                fake.connections += 1
            self.reply("220 fake.smtp ESMTP")
            sender, recipients = "", list[str]()
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                command = raw.decode().strip()
                verb = command[:4].upper()
                if verb in {"EHLO", "HELO"}:
                    self.reply("250 fake.smtp")
                elif verb == "MAIL":
                    sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(command.split(":", 1)[1].strip(" <>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    with fake.lock:
                        refuse = fake.refuse_data > 0
                        if refuse:
                            fake.refuse_data -= 1
                    if refuse:
                        self.reply("451 try again later")
                        continue
                    self.reply("354 end with .")
                    lines = []
                    while True:
                        line = self.rfile.readline()
                        if line in (b".\r\n", b".\n", b""):
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    with fake.lock:
                        fake.messages.append(message_from_bytes(b"".join(lines)))
                        fake.envelopes.append((sender, recipients))
                    self.reply("250 queued")
                elif verb == "RSET":
                    sender, recipients = "", []
                    self.reply("250 OK")
                elif verb == "NOOP":
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    with serving(server):
        yield fake


def bulk_members(count: int, *, prefix: str = "fan") -> list[User]:
    """Many users in one INSERT (the factory hashes a password per user: seconds per hundred)."""
    return User.objects.bulk_create(
        User(
            username=f"{prefix}{i}",
            phone=f"15{zlib.crc32(prefix.encode()) % 100:02d}{i:07d}",
            email=f"{prefix}{i}@example.com",
        )
        for i in range(count)
    )
