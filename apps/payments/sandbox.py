"""The payment sandbox for the demo and development: a fake WeChat Pay merchant on this machine.

It has its own platform key pair and API v3 key, generated once into PAYMENTS_SANDBOX_DIR
(.local/ by default). Paying in the sandbox builds a notification signed and encrypted exactly
as WeChat Pay builds one and hands it to the same handler the notification endpoint uses.
It never runs where the public can reach it: with a non-local host in ALLOWED_HOSTS it is off
and a system check (payments.E001) fails.
"""

import os
import secrets
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.oid import NameOID
from django.conf import settings

from apps.payments.merchant import SANDBOX_PROVIDERS, Merchant

SANDBOX_MCHID = "1900000000"
SANDBOX_APPID = "wxsandbox00000000"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1", "testserver", ".localhost"})


def production_like() -> bool:
    """A site anyone can reach names its host in ALLOWED_HOSTS (or allows every host).

    DATABASE_URL alone does not say production: CI runs the tests on a PostgreSQL server too.
    """
    return any(host not in LOCAL_HOSTS for host in settings.ALLOWED_HOSTS)


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "PAYMENTS_SANDBOX", False)) and not production_like()


@lru_cache(maxsize=4)
def _keys(folder: str) -> tuple[RSAPrivateKey, str, str]:
    path = Path(folder)
    if not (path / "platform_cert.pem").exists():
        _generate(path)
    private_key = serialization.load_pem_private_key(
        (path / "platform_key.pem").read_bytes(), password=None
    )
    assert isinstance(private_key, RSAPrivateKey)  # noqa: S101 (we wrote it)
    cert = x509.load_pem_x509_certificate((path / "platform_cert.pem").read_bytes())
    return private_key, format(cert.serial_number, "X"), (path / "apiv3_key").read_text().strip()


def _generate(path: Path) -> None:
    """Write the key pair, certificate and API v3 key to a temporary folder, then move it into
    place: when the web server and the worker start together, one wins and both read its keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay sandbox (local)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, SHA256())
    )
    (tmp / "platform_key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp / "platform_cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "apiv3_key").write_text(secrets.token_hex(16))  # 32 characters, like a real key
    for child in tmp.iterdir():
        os.chmod(child, 0o600)
    try:
        tmp.rename(path)
    except OSError:
        shutil.rmtree(tmp)  # another process was first, or the folder exists: use its keys
        if not (path / "platform_cert.pem").exists():
            raise


def sandbox_keys() -> tuple[RSAPrivateKey, str, str]:
    """(platform private key, certificate serial, API v3 key)."""
    return _keys(str(settings.PAYMENTS_SANDBOX_DIR))


def sandbox_merchant() -> Merchant:
    private_key, serial, apiv3_key = sandbox_keys()
    return Merchant(
        mchid=SANDBOX_MCHID,
        appid=SANDBOX_APPID,
        apiv3_key=apiv3_key,
        providers=SANDBOX_PROVIDERS,
        platform_keys={serial: private_key.public_key()},
    )
