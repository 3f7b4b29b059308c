"""How a delivery is signed, and how a receiver checks it.

Header: `X-Tuangou-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256(secret, "<t>.<raw request body>"). The timestamp is the time of this attempt, so a
receiver rejects a replay by refusing a `t` older than a few minutes; the event id
(`X-Tuangou-Event-Id`, also `id` in the body) stays the same across retries, for dedupe.
Several `v1=` values may appear while a secret is being rotated: any one matching is enough.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Tuangou-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def signature_verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when the header carries a valid signature of `body` made within `tolerance`."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
