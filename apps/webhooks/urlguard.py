"""No server-side request forgery: a webhook only ever goes to a public address.

A URL is checked when it is saved (a clear form error) and again before every attempt against
the addresses its host resolves to then, and the request connects to the very address that was
checked (no second lookup a rebinding DNS server could answer differently). Redirects are not
followed. WEBHOOKS_ALLOW_PRIVATE_URLS (development only) lets private and loopback addresses
through, e.g. a receiver on 127.0.0.1.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedURL(InvalidInput):
    """The URL is malformed, or its host is (or resolves to) a non-public address."""

    default_code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the Host header, TLS server name)
    port: int
    path: str  # path and query
    address: str  # the checked IP address to connect to


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedURL(_("接收地址格式不正确"), field="url") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedURL(_("接收地址必须以 http:// 或 https:// 开头"), field="url")
    if parts.username or parts.password:
        raise RefusedURL(_("接收地址不能包含用户名或密码"), field="url")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        message = _("无法解析接收地址的域名 %(host)s") % {"host": host}
        raise RefusedURL(message, field="url") from exc
    # The scope id of a link-local IPv6 answer ("fe80::1%eth0") is not part of the address.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def webhook_url_check(url: str) -> Target:
    """The address to connect to for `url`, or RefusedURL. Resolves the host now."""
    scheme, host, port, path = _split(url)
    addresses = _resolve(host, port)
    if not addresses:
        raise RefusedURL(_("无法解析接收地址的域名 %(host)s") % {"host": host}, field="url")
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        # Every answer must be public: a host with one private answer among public ones could
        # still be steered to the private one.
        for address in addresses:
            if not _public(address):
                raise RefusedURL(
                    _("接收地址指向内网、本机或保留地址（%(address)s），不允许使用")
                    % {"address": address},
                    field="url",
                )
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
