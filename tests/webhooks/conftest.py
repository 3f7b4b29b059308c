from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver, http_receiver


@pytest.fixture
def allow_private(settings: object) -> None:
    """The development setting: receivers on loopback are allowed."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # type: ignore[attr-defined]


@pytest.fixture
def receiver(allow_private: None) -> Iterator[Receiver]:
    with http_receiver() as running:
        yield running
