"""Outbound HTTP (webhook deliveries, feed fetches) to public hosts only, so that a customer cannot make us
reach our own network: the URL must be https, its host must resolve to public addresses only, and the
connection goes to the address that was checked (a second lookup could answer differently). Hosts the operator
lists in JOBMATCH_OUTBOUND_ALLOW skip the address check and may use plain http (development and tests).
"""

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from flask import current_app
from marshmallow import ValidationError

TIMEOUT = httpx.Timeout(10.0)
MAX_URL = 2000

Resolver = Callable[[str, int], list[str]]


class OutboundRefused(ValueError):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class Target:
    """A URL checked for calling: the address to connect to, and the host it stands for."""

    url: str
    host: str
    port: int
    address: str

    @property
    def connect_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        return urlunsplit(parts._replace(netloc=f"{address}:{self.port}"))


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (a literal address resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise OutboundRefused(f"the host {host} does not resolve: {error}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check(url: str, allow: frozenset[str], resolver: Resolver = resolve) -> Target:
    """The URL as a Target to connect to, or OutboundRefused saying what is wrong. Every address the host
    resolves to must be public: one private answer among public ones is refused too."""
    if len(url) > MAX_URL:
        raise OutboundRefused(f"the URL is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise OutboundRefused(f"not a URL: {error}") from None
    host = (parts.hostname or "").lower()
    allowed = host in allow
    if parts.scheme != "https" and not (allowed and parts.scheme == "http"):
        raise OutboundRefused(f"the URL must be https, not {parts.scheme or 'without a scheme'}")
    if not host:
        raise OutboundRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("the URL may not carry credentials")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolver(host, port)
    if not addresses:
        raise OutboundRefused(f"the host {host} resolves to no address")
    if not allowed:
        for address in addresses:
            if reason := not_public(address):
                raise OutboundRefused(f"the host {host} resolves to {address}, {reason}")
    return Target(url=url, host=host, port=port, address=addresses[0])


# public blocks that clouds serve instance metadata on, beside the link-local 169.254.169.254
_METADATA = (ipaddress.ip_network("100.100.100.200/32"), ipaddress.ip_network("fd00:ec2::254/128"))


def check_url_field(url: str) -> None:
    """A marshmallow validator for a URL the app is to call later: ValidationError saying why it may not be."""
    try:
        check(url, current_app.extensions["jobmatch.settings"].outbound_allow)
    except OutboundRefused as refused:
        raise ValidationError(str(refused)) from None


def not_public(address: str) -> str | None:
    """Why the address may not be called (loopback, private, link-local, metadata, ...), or None when public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and (mapped := ip.ipv4_mapped or ip.sixtofour):
        ip = mapped
    if any(ip in network for network in _METADATA):
        return "a cloud metadata address"
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return "not a public address"
    return None


def client() -> httpx.Client:
    """The client outbound calls go through: 10 s timeouts, no redirects (a redirect could lead anywhere), no
    proxies or certificates from the environment."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False)


@contextmanager
def stream(
    http: httpx.Client, method: str, target: Target, headers: dict[str, str] | None = None, content: bytes | None = None
) -> Iterator[httpx.Response]:
    """Send to the checked address, naming the host in Host and in TLS (SNI and certificate check), and
    stream the answer."""
    request_headers = {"Host": _host_header(target), **(headers or {})}
    with http.stream(method, target.connect_url, headers=request_headers, content=content,
                     extensions={"sni_hostname": target.host}) as response:
        yield response


def send(
    http: httpx.Client, method: str, target: Target, headers: dict[str, str] | None = None, content: bytes | None = None
) -> httpx.Response:
    """As `stream`, reading at most a little of the answer (a receiver's body is not ours to store)."""
    with stream(http, method, target, headers, content) as response:
        for _ in response.iter_bytes(chunk_size=4096):
            break
        return response


def _host_header(target: Target) -> str:
    default = 443 if target.url.startswith("https") else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"
