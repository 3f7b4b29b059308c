"""Who we are to WeChat Pay: the merchant's settings and the keys that sign its notifications.

Two merchants can sign a notification: the real one (WeChat Pay's platform certificates or
public key) when WECHATPAY_* are set, and the sandbox (its own key pair in .local) when
PAYMENTS_SANDBOX is on. Each notification names its signing key by serial; the key decides
which merchant's API v3 key decrypts it and which providers' payments it may settle.
Settings are read when called, never at import.
"""

from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.utils import timezone

from apps.payments.models import Payment

WECHAT_PROVIDERS = frozenset({Payment.Provider.WECHAT_JSAPI, Payment.Provider.WECHAT_NATIVE})
SANDBOX_PROVIDERS = frozenset({Payment.Provider.SANDBOX})


@dataclass(frozen=True)
class Merchant:
    mchid: str
    appid: str
    apiv3_key: str
    providers: frozenset[str]
    # serial (upper-case hex, or the public key id) → the key that signs as WeChat Pay
    platform_keys: dict[str, RSAPublicKey] = field(default_factory=dict)


@dataclass(frozen=True)
class WeChatPaySettings:
    mchid: str
    appid: str
    cert_serial_no: str
    private_key: str
    apiv3_key: str
    notify_url: str
    refund_notify_url: str
    base_url: str
    cert_dir: str
    public_key: str
    public_key_id: str


REQUIRED = (
    "WECHATPAY_MCHID",
    "WECHATPAY_APPID",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_PRIVATE_KEY_PATH",
    "WECHATPAY_APIV3_KEY",
    "WECHATPAY_NOTIFY_URL",
)


def wechatpay_missing_settings() -> list[str]:
    """The settings WeChat Pay still needs; empty when it is on."""
    missing = [name for name in REQUIRED if not getattr(settings, name, "")]
    if not (settings.WECHATPAY_PLATFORM_CERT_DIR or settings.WECHATPAY_PUBLIC_KEY_PATH):
        missing.append("WECHATPAY_PLATFORM_CERT_DIR")
    return missing


def wechatpay_enabled() -> bool:
    return not wechatpay_missing_settings()


def wechatpay_settings() -> WeChatPaySettings | None:
    if not wechatpay_enabled():
        return None
    public_key = ""
    if settings.WECHATPAY_PUBLIC_KEY_PATH:
        public_key = Path(settings.WECHATPAY_PUBLIC_KEY_PATH).read_text()
    notify_url = settings.WECHATPAY_NOTIFY_URL
    return WeChatPaySettings(
        mchid=settings.WECHATPAY_MCHID,
        appid=settings.WECHATPAY_APPID,
        cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
        private_key=Path(settings.WECHATPAY_PRIVATE_KEY_PATH).read_text(),
        apiv3_key=settings.WECHATPAY_APIV3_KEY,
        notify_url=notify_url,
        # One handler reads both kinds (by event_type), so the pay address works for refunds too.
        refund_notify_url=settings.WECHATPAY_REFUND_NOTIFY_URL or notify_url,
        base_url=settings.WECHATPAY_BASE_URL.rstrip("/"),
        cert_dir=settings.WECHATPAY_PLATFORM_CERT_DIR,
        public_key=public_key,
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
    )


def platform_keys_from(
    *, cert_dir: str, public_key: str, public_key_id: str
) -> dict[str, RSAPublicKey]:
    keys: dict[str, RSAPublicKey] = {}
    now = timezone.now()
    if cert_dir and Path(cert_dir).is_dir():
        for path in sorted(Path(cert_dir).glob("*.pem")):
            cert = x509.load_pem_x509_certificate(path.read_bytes())
            key = cert.public_key()
            if cert.not_valid_before_utc <= now <= cert.not_valid_after_utc and isinstance(
                key, RSAPublicKey
            ):
                keys[format(cert.serial_number, "X")] = key
    if public_key and public_key_id:
        platform_key = load_pem_public_key(public_key.encode())
        if isinstance(platform_key, RSAPublicKey):
            keys[public_key_id] = platform_key
    return keys


def merchants() -> list[Merchant]:
    """Every merchant whose notifications we accept now."""
    found: list[Merchant] = []
    config = wechatpay_settings()
    if config is not None:
        found.append(
            Merchant(
                mchid=config.mchid,
                appid=config.appid,
                apiv3_key=config.apiv3_key,
                providers=WECHAT_PROVIDERS,
                platform_keys=platform_keys_from(
                    cert_dir=config.cert_dir,
                    public_key=config.public_key,
                    public_key_id=config.public_key_id,
                ),
            )
        )
    from apps.payments.sandbox import sandbox_enabled, sandbox_merchant

    if sandbox_enabled():
        found.append(sandbox_merchant())
    return found


def merchant_for_serial(serial: str) -> tuple[Merchant, RSAPublicKey] | None:
    wanted = serial.strip().upper()
    for merchant in merchants():
        for key_serial, key in merchant.platform_keys.items():
            if key_serial.upper() == wanted:
                return merchant, key
    return None
