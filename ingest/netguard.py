"""Server-side request forgery guard: which network targets Rasid may fetch from.

A feed list is user input. Without this guard a feed URL (or a redirect from a public
feed) could make Rasid read cloud metadata at 169.254.169.254, an admin page on
localhost or a file on disk. The check runs on every resolved address of every
redirect hop, and again at connect time (see ``GuardedBackend`` in ``ingest.http``)
so a DNS answer that changes between the check and the connect cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

ALLOWED_SCHEMES = frozenset({"http", "https"})


class BlockedTarget(Exception):
    """The target is not allowed; the message is the human-readable reason."""


def is_public_address(ip: str) -> bool:
    """True for globally routable unicast addresses only."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, not public
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    )


def host_allowed(host: str, port: int, allowed_hosts: Iterable[str]) -> bool:
    """An allowlist entry is ``host`` (any port) or ``host:port``."""
    host = host.lower().strip("[]")
    for entry in allowed_hosts:
        entry = entry.lower()
        if entry == host or entry == f"{host}:{port}":
            return True
    return False


def resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise BlockedTarget(f"DNS lookup failed for {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise unless every address is public: one private answer is enough to refuse,
    because the connection may be made to any of them."""
    for ip in addresses:
        if not is_public_address(ip):
            raise BlockedTarget(f"refused: private address {ip.split('%', 1)[0]}")
