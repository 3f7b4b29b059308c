"""A fake WeChat OAuth API on loopback: the two endpoints web authorisation calls."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class FakeWeChat:
    """codes maps an authorisation code to (openid, scope, nickname)."""

    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    base_url: str = ""


@contextmanager
def fake_wechat_server() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            fake.requests.append(url.path)
            if url.path == "/sns/oauth2/access_token":
                grant = fake.codes.pop(query.get("code", ""), None)  # a code works once
                if grant is None or query.get("secret") != "test-secret":
                    body: dict[str, object] = {"errcode": 40029, "errmsg": "invalid code"}
                else:
                    openid, scope, _ = grant
                    body = {"access_token": f"at-{openid}", "openid": openid, "scope": scope}
                    fake.codes[f"_token_{openid}"] = grant
            elif url.path == "/sns/userinfo":
                grant = fake.codes.get(f"_token_{query.get('openid', '')}")
                body = (
                    {"openid": query.get("openid"), "nickname": grant[2]}
                    if grant
                    else {
                        "errcode": 40001,
                        "errmsg": "invalid token",
                    }
                )
            else:
                self.send_error(404)
                return
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

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
