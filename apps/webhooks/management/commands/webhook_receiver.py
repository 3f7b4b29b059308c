"""A webhook receiver for trying webhooks on this machine: prints each delivery and checks its
signature with the secret of the subscriptions pointing at it (or --secret)."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandParser

from apps.webhooks.models import WebhookSubscription
from apps.webhooks.signing import SIGNATURE_HEADER, signature_verify

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def local_secrets(port: int) -> list[str]:
    """Secrets of the subscriptions whose URL is this receiver (loopback, this port)."""
    found = []
    for url, secret in WebhookSubscription.objects.values_list("url", "secret"):
        parts = urlsplit(url)
        if parts.hostname in LOOPBACK_HOSTS and (parts.port or 80) == port:
            found.append(secret)
    return found


class Command(BaseCommand):
    help = "Receive webhooks on 127.0.0.1, print them and verify their signature (development)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--secret",
            action="append",
            default=[],
            help="signing secret (repeatable); default: the subscriptions that point here",
        )
        parser.add_argument(
            "--status", type=int, default=200, help="answer status (500 shows retries)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port: int = options["port"]
        secrets: list[str] = options["secret"] or local_secrets(port)
        answer: int = options["status"]
        command = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                header = self.headers.get(SIGNATURE_HEADER, "")
                valid = any(
                    signature_verify(secret=secret, header=header, body=body) for secret in secrets
                )
                command.report(self.headers, body, valid)
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"received":true}')

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.stdout.write(
            self.style.SUCCESS(f"Listening on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        )
        if not secrets:
            self.stdout.write("No secret known for this port: signatures cannot be checked.")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def report(self, headers: Any, body: bytes, valid: bool) -> None:
        verdict = self.style.SUCCESS("signature OK") if valid else self.style.ERROR("BAD signature")
        self.stdout.write(
            f"{headers.get('X-Tuangou-Event', '?')} id={headers.get('X-Tuangou-Event-Id', '?')} "
            f"attempt={headers.get('X-Tuangou-Attempt', '?')} · {verdict}"
        )
        try:
            text = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
        except ValueError:
            text = body.decode("utf-8", errors="replace")
        self.stdout.write(text)
        self.stdout.flush()
