"""Which reverse proxies to believe: the client's address and scheme come from forwarded headers only when the
connection itself comes from a proxy listed in TRUSTED_PROXIES (CIDR networks, default loopback only).

- `client_address(meta)`: REMOTE_ADDR when it is not a trusted proxy (any X-Forwarded-For is the client's own
  words and ignored). When it is, X-Forwarded-For is read from the right: each trusted proxy appends the
  address it saw, so the right-most address that is *not* a trusted proxy is the real client; anything to
  its left was written by the client and is ignored. If every hop is a trusted proxy, the left-most one;
  an entry that is not an IP address ends the walk (the hop to its right is used).
- `ForwardedHeadersMiddleware`, first in MIDDLEWARE: drops X-Forwarded-Proto, -For, -Host and -Port from a
  request that does not come from a trusted proxy, so Django's SECURE_PROXY_SSL_HEADER (production) and
  anything else that reads them only ever see what a trusted proxy wrote.

The proxy must set (not append to) X-Forwarded-Proto, and append the peer address to X-Forwarded-For (Caddy,
nginx `$proxy_add_x_forwarded_for`, HAProxy `option forwardfor` all do).
"""

import functools
import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


@functools.lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES holds something that is not a network: {exc}") from exc


def trusted_networks() -> tuple[Network, ...]:
    value: Iterable[str] = getattr(settings, "TRUSTED_PROXIES", ())
    return _networks(tuple(value))


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def is_trusted_proxy(remote_addr: str) -> bool:
    """True when this peer address is one of TRUSTED_PROXIES."""
    return _trusted(_parse(remote_addr or ""), trusted_networks())


def client_address(meta: dict[str, object]) -> str:
    """The client's address for this request (see the module docstring); "unknown" without one."""
    remote = str(meta.get("REMOTE_ADDR") or "")
    networks = trusted_networks()
    peer = _parse(remote)
    if not _trusted(peer, networks):
        return str(peer) if peer is not None else (remote or "unknown")
    chosen: Address | None = peer
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    for item in reversed([part for part in forwarded.split(",") if part.strip()]):
        hop = _parse(item)
        if hop is None:
            break
        chosen = hop
        if not _trusted(hop, networks):
            break
    return str(chosen) if chosen is not None else "unknown"


class ForwardedHeadersMiddleware:
    """Drops forwarded headers from requests that do not come from a trusted proxy (first in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(str(request.META.get("REMOTE_ADDR") or "")):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
