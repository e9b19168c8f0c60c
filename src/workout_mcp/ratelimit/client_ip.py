"""Which address a request comes from: proxy headers count only when the direct peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TrustedProxies:
    """Parsed `FORWARDED_ALLOW_IPS`: addresses or CIDRs, or `*` (on Fly every peer is its proxy)."""

    def __init__(self, spec: str) -> None:
        items = [item.strip() for item in spec.split(",") if item.strip()]
        self.trust_all = "*" in items
        self.networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(item, strict=False) for item in items if item != "*" and _is_network(item)
        )

    def trusts(self, address: IPAddress | None) -> bool:
        if self.trust_all:
            return True
        return address is not None and any(address in net for net in self.networks)

    def client_ip(self, scope: Scope) -> str:
        """`Fly-Client-IP`, else the nearest untrusted `X-Forwarded-For` hop, when the peer is trusted.
        IPv6 clients are keyed by /64: one host usually owns the whole prefix."""
        client = scope.get("client")
        peer_text = client[0] if client else ""
        peer = _parse(peer_text)
        if not self.trusts(peer):
            return _key(peer, peer_text)
        fly: bytes | None = None
        forwarded: list[bytes] = []
        for name, value in scope["headers"]:
            if name == b"fly-client-ip":
                fly = value
            elif name == b"x-forwarded-for":
                forwarded.append(value)
        if fly is not None and (address := _parse(fly.decode("latin-1").strip())) is not None:
            return _key(address, "")
        if forwarded:
            hops = [h.strip() for h in b",".join(forwarded).decode("latin-1").split(",")]
            address = _nearest_untrusted(self, reversed(hops))
            if address is not None:
                return _key(address, "")
        return _key(peer, peer_text)


def _nearest_untrusted(proxies: TrustedProxies, hops: Iterable[str]) -> IPAddress | None:
    last: IPAddress | None = None
    for hop in hops:
        address = _parse(hop)
        if address is None:
            return last
        last = address
        if not proxies.trusts(address) or proxies.trust_all:
            return address
    return last


def _is_network(item: str) -> bool:
    try:
        ipaddress.ip_network(item, strict=False)
    except ValueError:
        return False
    return True


def _parse(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _key(address: IPAddress | None, fallback: str) -> str:
    if address is None:
        return fallback or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
