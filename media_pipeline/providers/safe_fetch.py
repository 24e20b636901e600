"""Fetching user-supplied image URLs safely (SSRF-hardened).

Rules, checked on every redirect hop (redirects are followed by hand, at most ``max_redirects``):
only http/https; the host is resolved and every address must be public (not private, loopback,
link-local, multicast, reserved or unspecified) unless private hosts are explicitly allowed or the address
is in an allow-listed network; the connection goes to the checked address (pinned, so DNS rebinding cannot
swap it); a timeout applies per hop; the body is capped (``Content-Length`` checked first, then while
streaming); the content type must be ``image/*``. Transient failures (5xx, 429, timeouts, connection
errors) are retried with backoff; policy violations are permanent.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from media_pipeline.errors import PermanentError
from media_pipeline.providers.http_api import retry_after_seconds
from media_pipeline.providers.retry import Backoff, RetryableError, call_with_retries
from media_pipeline.retry_policy import is_transient_status
from media_pipeline.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefusedError(PermanentError):
    """A URL or response that the fetch policy refuses (scheme, address, redirects, size, type)."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits applied to every fetch of an untrusted URL."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    max_bytes: int = 15 * 1024 * 1024
    timeout_s: float = 20.0
    max_redirects: int = 3
    content_type_prefix: str = "image/"

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        """The crawl policy configured by ``MEDIA_PIPELINE_CRAWL_*``."""
        try:
            networks = tuple(ipaddress.ip_network(net, strict=False) for net in settings.crawl_allow_networks)
        except ValueError as exc:
            raise PermanentError(f"MEDIA_PIPELINE_CRAWL_ALLOW_NETWORKS is invalid: {exc}") from exc
        return cls(
            allow_private=settings.crawl_allow_private,
            allowed_networks=networks,
            max_bytes=settings.crawl_max_bytes,
            timeout_s=settings.crawl_timeout_s,
            max_redirects=settings.crawl_max_redirects,
        )

    def address_allowed(self, address: IPAddress) -> bool:
        """True if connecting to ``address`` is permitted."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if self.allow_private or any(address in net for net in self.allowed_networks):
            return True
        return is_public_address(address)


def is_public_address(address: IPAddress) -> bool:
    """True for globally routable unicast addresses."""
    special = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not special


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """All addresses ``host`` resolves to (literal IPs are returned as they are)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefusedError(f"cannot resolve host {host!r}: {exc}") from exc
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


@dataclass(frozen=True)
class Fetched:
    """A fetched body with the final URL and its content type."""

    url: str
    content_type: str
    data: bytes


@dataclass
class SafeFetcher:
    """Fetches untrusted URLs under a :class:`FetchPolicy`."""

    policy: FetchPolicy
    backoff: Backoff = field(default_factory=Backoff)
    resolver: Resolver = resolve_host
    transport: httpx.BaseTransport | None = None

    def fetch(self, url: str) -> Fetched:
        """GET ``url`` following at most ``max_redirects`` checked redirects; retry transient failures."""
        return call_with_retries(lambda: self._fetch_once(url), backoff=self.backoff, what=f"fetching {url}")

    def _fetch_once(self, url: str) -> Fetched:
        with httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_s),
            follow_redirects=False,
            trust_env=False,
            transport=self.transport,
        ) as client:
            current = url
            for _hop in range(self.policy.max_redirects + 1):
                result = self._hop(client, current)
                if isinstance(result, Fetched):
                    return result
                current = result
        raise FetchRefusedError(f"{url}: more than {self.policy.max_redirects} redirects")

    def _pinned_request(self, client: httpx.Client, url: str) -> httpx.Request:
        """A GET for ``url`` sent to a checked address of its host (Host header and TLS name kept)."""
        parsed = httpx.URL(url)
        if parsed.scheme not in DEFAULT_PORTS:
            raise FetchRefusedError(f"{url}: only http and https URLs are allowed")
        if not parsed.host:
            raise FetchRefusedError(f"{url}: no host")
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        addresses = self.resolver(parsed.host, port)
        refused = [str(a) for a in addresses if not self.policy.address_allowed(a)]
        if refused or not addresses:
            raise FetchRefusedError(
                f"{url}: host {parsed.host!r} resolves to a private, loopback or otherwise non-public "
                f"address ({', '.join(refused) or 'none'}); "
                "set MEDIA_PIPELINE_CRAWL_ALLOW_PRIVATE=true to allow it"
            )
        host_header = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
        if parsed.port is not None:
            host_header += f":{parsed.port}"
        extensions = {"sni_hostname": parsed.host} if parsed.scheme == "https" else {}
        return client.build_request(
            "GET",
            parsed.copy_with(host=str(addresses[0])),
            headers={"Host": host_header, "Accept": f"{self.policy.content_type_prefix}*"},
            extensions=extensions,
        )

    def _hop(self, client: httpx.Client, url: str) -> Fetched | str:
        """Fetch one hop: the body, or the next URL of a redirect."""
        request = self._pinned_request(client, url)
        try:
            response = client.send(request, stream=True)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise RetryableError(f"{type(exc).__name__}: {exc}") from exc
        try:
            return self._read(url, response)
        finally:
            response.close()

    def _read(self, url: str, response: httpx.Response) -> Fetched | str:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location")
            if not location:
                raise FetchRefusedError(f"{url}: redirect without a Location header")
            return urljoin(url, location)
        if is_transient_status(status):
            raise RetryableError(f"HTTP {status}", retry_after_seconds(response))
        if not response.is_success:
            raise FetchRefusedError(f"{url}: HTTP {status}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith(self.policy.content_type_prefix):
            prefix = self.policy.content_type_prefix
            wanted = "an image" if prefix == "image/" else f"{prefix}*"
            raise FetchRefusedError(f"{url}: content type {content_type or 'missing'!r} is not {wanted}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise FetchRefusedError(f"{url}: {declared} bytes is over the limit of {self.policy.max_bytes}")
        return Fetched(url=url, content_type=content_type, data=self._read_capped(url, response))

    def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        deadline = time.monotonic() + self.policy.timeout_s
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.policy.max_bytes:
                    raise FetchRefusedError(f"{url}: body is over the limit of {self.policy.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise RetryableError(f"body not received within {self.policy.timeout_s} s")
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise RetryableError(f"{type(exc).__name__}: {exc}") from exc
        return bytes(body)
