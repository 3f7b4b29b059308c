import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.roles import Role
from apps.chains.services import chain_order_place
from apps.orders.models import Order
from tests.accounts.factories import staff_user
from tests.chains.factories import ChainSetup, open_chain
from tests.payments.fake_wechatpay import (
    APPID,
    MCHID,
    MERCHANT_SERIAL,
    FakeWeChatPay,
    Keys,
    fake_wechatpay_server,
    generate_keys,
)


@pytest.fixture(scope="session")
def wechat_keys() -> Keys:
    return generate_keys()


@pytest.fixture
def wechatpay(settings: Any, tmp_path: Path, wechat_keys: Keys) -> Iterator[FakeWeChatPay]:
    """WeChat Pay on, at a fake server on loopback; the sandbox off."""
    key_path, cert_dir = wechat_keys.write(tmp_path)
    with fake_wechatpay_server(wechat_keys) as fake:
        settings.WECHATPAY_MCHID = MCHID
        settings.WECHATPAY_APPID = APPID
        settings.WECHATPAY_CERT_SERIAL_NO = MERCHANT_SERIAL
        settings.WECHATPAY_PRIVATE_KEY_PATH = str(key_path)
        settings.WECHATPAY_APIV3_KEY = wechat_keys.apiv3_key
        settings.WECHATPAY_PLATFORM_CERT_DIR = str(cert_dir)
        settings.WECHATPAY_NOTIFY_URL = "https://shop.example.test/payments/wechat/notify/"
        settings.WECHATPAY_BASE_URL = fake.base_url
        settings.PAYMENTS_SANDBOX = False
        yield fake


@pytest.fixture
def sandbox(settings: Any, tmp_path: Path) -> Path:
    settings.PAYMENTS_SANDBOX = True
    settings.PAYMENTS_SANDBOX_DIR = tmp_path / "sandbox"
    settings.WECHATPAY_MCHID = ""
    return settings.PAYMENTS_SANDBOX_DIR


@pytest.fixture(autouse=True)
def _no_payments_by_default(settings: Any) -> None:
    settings.WECHATPAY_MCHID = ""
    settings.PAYMENTS_SANDBOX = False


@pytest.fixture
def finance_user() -> Any:
    return staff_user(Role.FINANCE)


def place_order(
    setup: ChainSetup | None = None, *, quantity: int = 2, buyer: Any = None, price: str = "29.90"
) -> Order:
    setup = setup or open_chain(price=Decimal(price))
    entry = chain_order_place(
        chain=setup.chain,
        buyer=buyer,
        contact_name="张伟",
        contact_phone="13800130001",
        quantities={setup.items[0].pk: quantity},
        pickup_point=setup.pickup_points[0],
        submission_token=secrets.token_hex(8),
    )
    return entry.order
