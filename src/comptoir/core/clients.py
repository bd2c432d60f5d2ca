"""Who is on the other end of a request: the client's IP address, its session, its browser.

``X-Forwarded-For`` is written by whoever sends the request, so it is read only when the
connection comes from a proxy named in ``COMPTOIR_TRUSTED_PROXIES`` (addresses or networks),
and then from the right: each trusted proxy appends the address it saw, so the first
address from the right that is not a trusted proxy is the client. Anything a client put
further left is ignored.
"""

from __future__ import annotations

import hashlib
import ipaddress
from functools import cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def trusted_networks() -> tuple[Network, ...]:
    return _trusted(tuple(getattr(settings, "COMPTOIR_TRUSTED_PROXIES", ()) or ()))


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in trusted_networks())


def client_ip(request: Any) -> str | None:
    remote = _parse(str(request.META.get("REMOTE_ADDR") or ""))
    if remote is None:
        return None
    if not _is_trusted(remote):
        return str(remote)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed(forwarded.split(",")):
        address = _parse(hop)
        if address is None:
            break  # garbage from here leftwards was not written by our proxies
        if not _is_trusted(address):
            return str(address)
    # Only proxies (or nothing readable) in the chain: the nearest one is all we know.
    return str(remote)


def hash_session(session_key: str | None) -> str:
    if not session_key:
        return ""
    return hashlib.sha256(f"fraud-session:{session_key}".encode()).hexdigest()


def session_key(request: Any) -> str:
    session = getattr(request, "session", None)
    return str(getattr(session, "session_key", "") or "")


def user_agent(request: Any) -> str:
    return str(request.META.get("HTTP_USER_AGENT") or "")[:300]
