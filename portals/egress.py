"""Where the product's own outgoing requests (webhook deliveries) may go.

A webhook URL is typed by an administrator, but it makes the worker send a request from
inside the practice's network. So the receiver's address must be public unless an
administrator allowed its network (``PORTALS_WEBHOOK_ALLOWED_NETWORKS``). Refused: this
machine (loopback, ``localhost``), link-local addresses (cloud metadata services answer on
169.254.169.254), private and shared networks, multicast, reserved and unspecified ones;
IPv4-mapped IPv6 addresses count as the IPv4 address they carry.

Two checks: :func:`host_refusal` when a subscription is saved (literal addresses and
``localhost`` only; no DNS lookup in a web request), and :class:`GuardedTransport` at
every delivery. The transport resolves the host itself, checks every address the name
has, and connects to the address it checked, so a name that later resolves elsewhere
(DNS rebinding) cannot slip past; TLS still verifies the certificate against the name.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from typing import Any

import httpcore
import httpx

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_CLASSES: tuple[tuple[str, str], ...] = (
    ("is_loopback", "this machine (loopback)"),
    ("is_link_local", "link-local (where cloud metadata services answer)"),
    ("is_unspecified", "unspecified"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "on a private network"),
)


def address_refusal(address: str | Address, allowed: Iterable[Network] = ()) -> str | None:
    """Why a request must not go to ``address`` (None: it may)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    for attribute, what in _CLASSES:
        if getattr(ip, attribute):
            return f"{ip} is {what}"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def host_refusal(host: str, allowed: Iterable[Network] = ()) -> str | None:
    """Why a URL's host is refused without looking it up: ``localhost`` names and
    literal addresses outside the allowed networks. Other names are checked when a
    request is made (:class:`GuardedTransport`)."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return address_refusal("127.0.0.1", allowed) and f"{name} is this machine"
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return None
    return address_refusal(ip, allowed)


class EgressRefused(httpcore.ConnectError):
    """A request to an address the guard refuses; its text says which and why."""


class GuardedBackend(httpcore.SyncBackend):
    """Resolves, checks every address, connects to the one checked."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        self.allowed = tuple(allowed)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"the receiver's name did not resolve ({exc})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            if (why := address_refusal(address.split("%", 1)[0], self.allowed)) is not None:
                raise EgressRefused(f"refused: the receiver's address {why}")
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # every one checked above; the first that answers
            try:
                return super().connect_tcp(address, port, timeout=timeout,
                                           local_address=local_address,
                                           socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # getaddrinfo returns at least one address or raises
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections pass :class:`GuardedBackend`. Proxies from
    the environment are not used (a proxy would make the checked address the proxy's)."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                             network_backend=GuardedBackend(allowed))


def refusal_of(exc: BaseException) -> str | None:
    """The guard's text when ``exc`` (or what it wraps) is a refusal, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, EgressRefused):
            return str(seen)
        if isinstance(seen, httpx.ConnectError) and str(seen).startswith("refused: "):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None
