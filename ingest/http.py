"""The HTTP edge: one guarded, bounded GET.

Everything a hostile or broken server can do to a poller is bounded here: connect, read
and total time; response size (counted after decompression, so a gzip bomb stops at
``max_bytes``); redirect count; target address (no private networks, no file://). Redirects
are followed by hand so that every hop gets the same checks. Failures surface as
``FetchError`` with a one-line reason an operator can read.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ingest.netguard import (
    ALLOWED_SCHEMES,
    BlockedTarget,
    check_addresses,
    host_allowed,
    resolve,
)
from rasid.records import FetchedPage

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass
class HttpSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 30.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = "Rasid/0.1 (+https://github.com/rasid-news/rasid; Arabic news monitor)"
    allow_private_networks: bool = False
    per_host_concurrency: int = 2
    politeness_delay: float = 0.0
    # Exceptions to the private-network guard: "host" or "host:port" (e.g. a local test
    # server "127.0.0.1:8123"). Matched against the URL's host, before DNS.
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)
    max_connections: int = 100


class FetchError(Exception):
    """A fetch failed. ``reason`` is one short human-readable line."""

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retry_after = retry_after  # seconds, from a Retry-After header (429/503)


def _fmt_s(seconds: float) -> str:
    return f"{seconds:g}s"


def _fmt_bytes(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date; returns seconds (>= 0)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class _Decoder:
    """Incremental Content-Encoding decoder with a hard output budget.

    httpx would decode for us, but a 64 kB chunk of a gzip bomb inflates to ~64 MB in one
    call. Here every ``decompress`` call is capped at what is left of the budget.
    """

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self.kind = encoding if encoding in ("gzip", "x-gzip", "deflate") else "identity"
        self._obj: zlib._Decompress | None = None
        if self.kind != "identity":
            # 32+MAX_WBITS auto-detects gzip or zlib headers.
            self._obj = zlib.decompressobj(32 + zlib.MAX_WBITS)
        self._raw_deflate_tried = False

    def feed(self, data: bytes, budget: int) -> bytes:
        if self._obj is None:
            return data
        out = bytearray()
        while data and len(out) <= budget:
            try:
                out += self._obj.decompress(data, budget + 1 - len(out))
            except zlib.error:
                # Some servers send raw deflate (no zlib header) as "deflate".
                if self.kind == "deflate" and not self._raw_deflate_tried and not out:
                    self._raw_deflate_tried = True
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
            elif self._obj.eof and self._obj.unused_data:
                # Concatenated gzip members.
                data = self._obj.unused_data
                self._obj = zlib.decompressobj(32 + zlib.MAX_WBITS)
            else:
                data = b""
        return bytes(out)

    def flush(self, budget: int) -> bytes:
        if self._obj is None:
            return b""
        return self._obj.flush(max(budget + 1, 1))


class GuardedBackend(httpcore.SyncBackend):
    """Connect-time half of the SSRF guard: resolve, check every address, then connect
    to a checked address. Closes the gap between our pre-check and httpcore's own DNS
    lookup (DNS rebinding)."""

    def __init__(self, allow_private: bool, allowed_hosts: Iterable[str]) -> None:
        super().__init__()
        self.allow_private = allow_private
        self.allowed_hosts = frozenset(allowed_hosts)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if self.allow_private or host_allowed(host, port, self.allowed_hosts):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = resolve(host, port)
        check_addresses(host, addresses)
        last: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(ip, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next address
                last = exc
        assert last is not None
        raise last


class _HostGate:
    """Per-host concurrency limit and politeness delay (host = ``host:port``)."""

    def __init__(self, per_host: int, delay: float) -> None:
        self._per_host = max(1, per_host)
        self._delay = delay
        self._lock = threading.Lock()
        self._sems: dict[str, threading.BoundedSemaphore] = {}
        self._next_slot: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            sem = self._sems.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with sem:
            if self._delay > 0:
                with self._lock:
                    now = time.monotonic()
                    start = max(now, self._next_slot.get(host, 0.0))
                    self._next_slot[host] = start + self._delay
                if start > now:
                    time.sleep(start - now)
            yield


def hop_timeout(s: HttpSettings, deadline: float, url: str) -> httpx.Timeout:
    """Per-socket timeouts for one request hop, never past the whole fetch's deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchError(url, f"timed out after {_fmt_s(s.total_timeout)} (total)")
    return httpx.Timeout(
        connect=min(s.connect_timeout, remaining),
        read=min(s.read_timeout, remaining),
        write=min(s.read_timeout, remaining),
        pool=remaining,
    )


def host_key(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


class HttpClient:
    """Thread-safe guarded HTTP client; use as a context manager."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        s = self.settings
        transport = httpx.HTTPTransport(
            limits=httpx.Limits(
                max_connections=s.max_connections, max_keepalive_connections=s.max_connections
            ),
            retries=0,
        )
        # httpx has no public hook for the network backend; swap in the guarded one.
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = GuardedBackend(s.allow_private_networks, s.allowed_hosts)
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # an environment proxy would bypass the address guard
            headers={
                "User-Agent": s.user_agent,
                "Accept-Encoding": "gzip, deflate",
                "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                "text/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
            },
        )
        self._gate = _HostGate(s.per_host_concurrency, s.politeness_delay)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- public -----------------------------------------------------------------------

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchedPage:
        s = self.settings
        deadline = time.monotonic() + s.total_timeout
        current = url
        for _hop in range(s.max_redirects + 1):
            self._check_target(url, current)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            with self._gate.slot(host_key(current)):
                status, resp_headers, body = self._one_hop(url, current, headers, deadline)
            if status in _REDIRECTS:
                location = resp_headers.get("location")
                if not location:
                    raise FetchError(url, f"HTTP {status} without Location", status=status)
                current = urljoin(current, location.strip())
                continue
            if status == 304:
                return FetchedPage(url, current, 304, b"", resp_headers)
            if status >= 400:
                retry = parse_retry_after(resp_headers.get("retry-after"))
                raise FetchError(url, f"HTTP {status}", status=status, retry_after=retry)
            return FetchedPage(url, current, status, body, resp_headers)
        raise FetchError(url, f"too many redirects (more than {s.max_redirects})")

    # -- internals --------------------------------------------------------------------

    def _check_target(self, url: str, current: str) -> None:
        s = self.settings
        try:
            parts = urlsplit(current)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(url, f"invalid URL: {exc}") from exc
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise FetchError(url, f"refused: scheme '{parts.scheme or '(none)'}' not allowed")
        host = parts.hostname
        if not host:
            raise FetchError(url, "invalid URL: no host")
        if s.allow_private_networks or host_allowed(host, port, s.allowed_hosts):
            return
        try:
            check_addresses(host, resolve(host, port))
        except BlockedTarget as exc:
            raise FetchError(url, str(exc)) from exc

    def _one_hop(
        self, url: str, current: str, headers: dict[str, str], deadline: float
    ) -> tuple[int, dict[str, str], bytes]:
        s = self.settings
        timeout = hop_timeout(s, deadline, url)
        try:
            request = self._client.build_request("GET", current, headers=headers, timeout=timeout)
            response = self._client.send(request, stream=True)
        except BlockedTarget as exc:
            raise FetchError(url, str(exc)) from exc
        except httpx.HTTPError as exc:
            raise FetchError(url, self._describe(exc, deadline)) from exc
        try:
            rh = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status in _REDIRECTS or status == 304 or status >= 400:
                # The body is not needed, but reading a small one to the end lets the
                # connection go back to the pool (keep-alive); a large one is abandoned.
                self._drain(response, deadline)
                return status, rh, b""
            declared = rh.get("content-length", "")
            if declared.isdigit() and int(declared) > s.max_bytes:
                raise FetchError(url, f"response larger than {_fmt_bytes(s.max_bytes)}")
            body = self._read_body(url, response, rh.get("content-encoding", ""), deadline)
            # The body is decoded now; a stale encoding header would mislead consumers.
            rh.pop("content-encoding", None)
            rh.pop("content-length", None)
            return status, rh, body
        except httpx.HTTPError as exc:
            raise FetchError(url, self._describe(exc, deadline)) from exc
        finally:
            response.close()

    @staticmethod
    def _drain(response: httpx.Response, deadline: float, limit: int = 65_536) -> None:
        seen = 0
        try:
            for chunk in response.iter_raw():
                seen += len(chunk)
                if seen > limit or time.monotonic() > deadline:
                    return
        except httpx.HTTPError:
            return  # the status line already told us what we need

    def _read_body(
        self, url: str, response: httpx.Response, encoding: str, deadline: float
    ) -> bytes:
        s = self.settings
        decoder = _Decoder(encoding)
        out = bytearray()
        raw_total = 0
        too_big = f"response larger than {_fmt_bytes(s.max_bytes)}"
        try:
            # No chunk_size: httpx would buffer up to it, hiding a slow drip from the deadline.
            for chunk in response.iter_raw():
                raw_total += len(chunk)
                if raw_total > s.max_bytes:
                    raise FetchError(url, too_big)
                out += decoder.feed(chunk, s.max_bytes - len(out))
                if len(out) > s.max_bytes:
                    raise FetchError(
                        url, too_big + (" (decompressed)" if decoder.kind != "identity" else "")
                    )
                if time.monotonic() > deadline:
                    raise FetchError(url, f"timed out after {_fmt_s(s.total_timeout)} (total)")
            out += decoder.flush(s.max_bytes - len(out))
        except zlib.error as exc:
            raise FetchError(url, f"corrupt {decoder.kind} body: {exc}") from exc
        if len(out) > s.max_bytes:
            raise FetchError(url, too_big + " (decompressed)")
        return bytes(out)

    def _describe(self, exc: httpx.HTTPError, deadline: float) -> str:
        s = self.settings
        if time.monotonic() >= deadline - 0.01 and isinstance(exc, httpx.TimeoutException):
            return f"timed out after {_fmt_s(s.total_timeout)} (total)"
        if isinstance(exc, httpx.ConnectTimeout):
            return f"timed out after {_fmt_s(s.connect_timeout)} (connect)"
        if isinstance(exc, httpx.ReadTimeout):
            return f"timed out after {_fmt_s(s.read_timeout)} (read)"
        if isinstance(exc, httpx.WriteTimeout):
            return "timed out (write)"
        if isinstance(exc, httpx.PoolTimeout):
            return "timed out waiting for a free connection"
        text = str(exc) or type(exc).__name__
        low = text.lower()
        if isinstance(exc, httpx.ConnectError):
            if "refused" in low:
                return "connection refused"
            if "name or service" in low or "nodename" in low or "getaddrinfo" in low:
                return "DNS lookup failed"
            return f"connection failed: {text.splitlines()[0][:120]}"
        if isinstance(exc, httpx.RemoteProtocolError):
            if "complete message body" in low:
                return "connection closed mid-body (incomplete response)"
            if "without sending" in low or "disconnected" in low:
                return "connection closed by server"
            return f"protocol error: {text.splitlines()[0][:120]}"
        if isinstance(exc, httpx.ReadError | httpx.NetworkError):
            if "reset" in low:
                return "connection reset"
            return f"network error: {text.splitlines()[0][:120]}"
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return f"invalid URL: {text.splitlines()[0][:120]}"
        return f"{type(exc).__name__}: {text.splitlines()[0][:120]}"
