"""SMS backends. A provider's HTTP API plugs in here (SMS_BACKEND in settings)."""

import logging
import sys

logger = logging.getLogger(__name__)


class ConsoleSMSBackend:
    """Development: print the message where the developer sees it (the worker's console)."""

    def send(self, *, phone: str, text: str) -> None:
        sys.stdout.write(f"[短信 → {phone}] {text}\n")
        sys.stdout.flush()


class LocmemSMSBackend:
    """Tests: keep messages in memory, like Django's locmem email backend."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))
