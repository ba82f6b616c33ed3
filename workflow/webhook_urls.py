"""Which URLs a webhook may point at: the guard against server-side request forgery.

A hook makes the server send requests to an address someone typed, so an address inside
the office's network (a router's page, a database, the cloud's metadata service at
169.254.169.254) must not be reachable through it. The name is checked when the hook is
registered and every address it resolves to is checked again before each delivery (a
name may be pointed elsewhere later); the sender then connects to the address it
checked, not to a fresh lookup (notifications/webhook_sender.py).

Two settings relax the rules, for tests and for an office whose receiver is on its own
network: WEBHOOKS_ALLOW_PRIVATE (loopback and private addresses) and WEBHOOKS_ALLOW_HTTP
(plain http to any host; otherwise http only to a loopback address, when private ones are
allowed).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from workflow.errors import InvalidInput

MAX_URL_CHARS = 500
MAX_HOST_CHARS = 253


@dataclass(frozen=True)
class Target:
    """A checked URL, split for the sender."""

    scheme: str
    host: str
    port: int
    path: str  # with the query, what goes on the request line


def _flag(name: str) -> bool:
    return bool(has_app_context() and current_app.config.get(name))


def _parse_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_address(address: str) -> None:
    """Refuse (InvalidInput) an IP address the server must not send to."""
    ip = _parse_ip(address.split("%", 1)[0])
    if ip is None:
        raise InvalidInput("Địa chỉ IP %(address)s không hợp lệ.", address=address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        raise InvalidInput(
            "Không gửi được đến địa chỉ %(address)s (địa chỉ dành riêng).", address=address
        )
    private = ip.is_loopback or ip.is_private or ip.is_link_local or not ip.is_global
    if private and not _flag("WEBHOOKS_ALLOW_PRIVATE"):
        raise InvalidInput(
            "Không gửi được đến địa chỉ %(address)s: đó là địa chỉ nội bộ (loopback, mạng "
            "riêng hoặc link-local). Vì an toàn, PlanWork chỉ gửi đến địa chỉ công khai.",
            address=address,
        )


def check_url(raw: str | None) -> tuple[str, Target]:
    """The cleaned URL and its parts, or InvalidInput with a Vietnamese message.

    Only the URL itself is judged here (no lookup): a literal address is checked now, a
    name's addresses before each delivery (`resolve`)."""
    url = (raw or "").strip()
    if not url:
        raise InvalidInput("Hãy nhập địa chỉ URL nhận sự kiện.")
    if len(url) > MAX_URL_CHARS:
        raise InvalidInput("Địa chỉ URL dài quá %(max)s ký tự.", max=MAX_URL_CHARS)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidInput("Địa chỉ URL không được chứa khoảng trắng hay ký tự điều khiển.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("Địa chỉ URL không hợp lệ.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise InvalidInput("Địa chỉ URL phải bắt đầu bằng https://.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidInput(
            "Địa chỉ URL không được chứa tên đăng nhập hay mật khẩu; PlanWork ký mỗi yêu cầu "
            "bằng khóa bí mật của webhook."
        )
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or len(host) > MAX_HOST_CHARS:
        raise InvalidInput("Địa chỉ URL thiếu tên máy chủ hợp lệ.")
    if parts.fragment:
        raise InvalidInput("Địa chỉ URL không được có phần «#…».")
    ip = _parse_ip(host)
    loopback_name = host == "localhost" or host.endswith(".localhost")
    if ip is not None:
        check_address(host)
    elif loopback_name and not _flag("WEBHOOKS_ALLOW_PRIVATE"):
        raise InvalidInput(
            "Không gửi được đến %(address)s: đó là máy chủ nội bộ. Vì an toàn, PlanWork chỉ "
            "gửi đến địa chỉ công khai.",
            address=host,
        )
    elif not all(label and len(label) <= 63 for label in host.split(".")):
        raise InvalidInput("Tên máy chủ trong địa chỉ URL không hợp lệ.")
    if scheme == "http" and not _flag("WEBHOOKS_ALLOW_HTTP"):
        loopback = loopback_name or (ip is not None and ip.is_loopback)
        if not (loopback and _flag("WEBHOOKS_ALLOW_PRIVATE")):
            raise InvalidInput(
                "Địa chỉ URL phải dùng https:// để nội dung sự kiện được mã hóa trên đường truyền."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return url, Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def resolve(target: Target) -> str:
    """The address to connect to: the first one the host resolves to, after checking every
    one of them (a name with one private address among public ones is refused whole)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise InvalidInput("Không phân giải được tên máy chủ %(host)s.", host=target.host) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise InvalidInput("Không phân giải được tên máy chủ %(host)s.", host=target.host)
    for address in addresses:
        check_address(address)
    return addresses[0]
