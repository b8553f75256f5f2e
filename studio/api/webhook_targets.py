"""Where a webhook may go: public addresses and this computer, nothing in between.

A webhook URL comes from whoever holds the API token; without this check it could make the
studio POST into the local network or a cloud metadata service (169.254.169.254). Refused:
link-local, private, shared and reserved ranges, 0.0.0.0, multicast, and hosts written as
numbers in a form resolvers read differently (2130706433, 0x7f.1, 0177.0.0.1, 127.1,
::ffff:10.0.0.1, NAT64 and 6to4 wrappers of IPv4 addresses). A host or network the user
lists in Settings > Automation API > "Webhooks may also reach" is allowed.

Checked when the webhook is registered (the URL as written) and again before every
delivery (every address the name resolves to), and the request then goes to the address
that was checked, so a name that changes its answer in between (DNS rebinding) gains
nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SETTING = "Settings > Automation API > \"Webhooks may also reach\""


class WebhookRefused(ValueError):
    """This webhook target is not allowed; the message says why and what to do."""


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts, networks = set(), []
        for entry in entries:
            text = entry.strip().lower().rstrip(".")
            try:
                networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            except ValueError:
                hosts.add(text)
        return cls(frozenset(hosts), tuple(networks))

    def has_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def has_address(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def numeric_trick(host: str) -> str | None:
    """Why a host written as a number is refused, or None. Only the plain forms are
    accepted: a.b.c.d in decimal without leading zeros, and ordinary IPv6."""
    bare = host.strip("[]")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return "an IPv6 address with a zone"
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None or address in _NAT64 or address in _NAT64_LOCAL or (
                address in _IPV4_COMPATIBLE and int(address) > 1):
            return "an IPv4 address wrapped in IPv6; write the IPv4 address itself"
        return None
    if address is not None:
        return None
    candidate = bare.rstrip(".")
    if candidate and all(c in "0123456789abcdefxABCDEFX." for c in candidate) and any(
            c.isdigit() for c in candidate):
        try:
            socket.inet_aton(candidate)
        except OSError:
            return None
        return "an IP address in an unusual form (decimal, octal, hex or shortened)"
    return None


def address_refusal(address: Address) -> str | None:
    """Why a (resolved) address may not receive webhooks, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and (
            address.ipv4_mapped is not None or address.sixtofour is not None
            or address in _NAT64 or address in _NAT64_LOCAL):
        return f"{address} wraps an IPv4 address"
    if address.is_loopback:
        return None  # this computer: a local script waiting for the callback
    if address.is_unspecified:
        return f"{address} is not a real destination"
    if address.is_link_local:
        return f"{address} is link-local (cloud metadata services live there)"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if address.is_private and not address.is_global:
        return f"{address} is in a private or reserved range"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def check_target(url: str, allow: AllowList) -> None:
    """The URL as written: raise WebhookRefused for a numeric trick or a literal address
    that may not be reached (names are judged by what they resolve to, at send time)."""
    host = (urlsplit(url).hostname or "").lower()
    trick = numeric_trick(host)
    if trick:
        raise WebhookRefused(f"webhook host {host!r} is {trick}")
    if allow.has_host(host) or host in _LOOPBACK_NAMES:
        return
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    why = address_refusal(address)
    if why and not allow.has_address(address):
        raise WebhookRefused(f"webhook host {why}; to allow it, add it to {_SETTING}")


async def resolve_target(url: str, allow: AllowList) -> Address:
    """The address to deliver to: every address the host resolves to is checked (one bad
    answer refuses the delivery); the first good one is returned for the request to use."""
    check_target(url, allow)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        return ipaddress.ip_address(host.strip("[]"))  # a literal: checked above
    except ValueError:
        pass
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise WebhookRefused(f"webhook host {host!r} does not resolve ({exc})") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise WebhookRefused(f"webhook host {host!r} does not resolve")
    if allow.has_host(host):
        return addresses[0]
    for address in addresses:
        why = address_refusal(address)
        if why and not allow.has_address(address):
            raise WebhookRefused(f"webhook host {host!r} resolves to {why}; to allow it, add "
                                 f"{host} to {_SETTING}")
    return addresses[0]
