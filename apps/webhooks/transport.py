"""One HTTP POST to a checked address: no redirects, no retries at this level, short timeouts.

urllib3 connects to the IP address `urlguard` checked while TLS verifies the certificate for the
host name in the URL (server_hostname / assert_hostname), so the check and the connection can
never see two different DNS answers.
"""

import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from apps.webhooks.urlguard import Target

EXCERPT_BYTES = 500
USER_AGENT = "Tuangou-Webhooks/1.0"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pool(target: Target, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        target.address, target.port, timeout=timeout, retries=False, maxsize=1
    )


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def post(*, target: Target, body: bytes, headers: dict[str, str]) -> Outcome:
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS,
        read=settings.WEBHOOKS_READ_TIMEOUT_SECONDS,
    )
    started = time.monotonic()
    pool = _pool(target, timeout)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Host": _host_header(target),
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
            },
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            # Only the start of the answer is kept; a huge or endless body is not read.
            excerpt = response.read(EXCERPT_BYTES, decode_content=True)
        finally:
            response.release_conn()
            response.close()
        return Outcome(
            status_code=response.status,
            duration_ms=_elapsed(started),
            excerpt=excerpt.decode("utf-8", errors="replace")[:EXCERPT_BYTES],
            error="",
        )
    except urllib3.exceptions.HTTPError as error:
        return Outcome(
            status_code=None,
            duration_ms=_elapsed(started),
            excerpt="",
            error=f"{type(error).__name__}: {error}"[:300],
        )
    finally:
        pool.close()


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
