"""A scripted loopback HTTP server for tests, fault injection and demos.

Each route is a function that receives the request handler and writes whatever it likes,
including misbehaviour (stalls, resets, lies about lengths). Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits[path] = self.server.hits.get(path, 0) + 1
            self.server.requests.append((path, dict(self.headers.items())))
        route = self.server.routes.get(path)
        if route is None:
            send(self, 404, b"not found", "text/plain")
            return
        # The client may give up mid-response, as it should on several fault routes.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def do_POST(self) -> None:
        """Same routes as GET; the request body is read first, into ``self.body``."""
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # fault routes break connections on purpose; no tracebacks on stderr


class LoopbackServer:
    """``with LoopbackServer(routes) as srv: srv.url('/feed')``."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self._server = _Server(routes or {})
        # A short poll interval makes shutdown (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def routes(self) -> dict[str, Route]:
        return self._server.routes

    @property
    def hits(self) -> dict[str, int]:
        return self._server.hits

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self._server.requests

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.hostport}{path}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- building blocks for routes -----------------------------------------------------------


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str = "application/rss+xml; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def static(
    body: bytes,
    content_type: str = "application/rss+xml; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Route:
    return lambda h: send(h, status, body, content_type, headers)


def conditional(body: bytes, etag: str = '"v1"', last_modified: float = 1_554_600_000) -> Route:
    """Answers 304 when the client's validators match, 200 with validators otherwise."""
    lm = formatdate(last_modified, usegmt=True)

    def route(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == etag or h.headers.get("If-Modified-Since") == lm:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        send(h, 200, body, headers={"ETag": etag, "Last-Modified": lm})

    return route


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: send(h, status, b"", "text/plain", {"Location": location})


def stall(seconds: float, then: Route | None = None) -> Route:
    """Accept, then say nothing for ``seconds`` (a read timeout on the client)."""

    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        if then is not None:
            then(h)

    return route


def drip(interval: float, total_bytes: int = 10_000) -> Route:
    """Headers at once, then one byte per ``interval``: each read succeeds, the total is huge."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(total_bytes))
        h.end_headers()
        for _ in range(total_bytes):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(interval)

    return route


def reset(h: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP RST before any response."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def truncated_body(body: bytes, declared: int) -> Route:
    """Declare ``declared`` bytes, send ``body`` (shorter) and hang up."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(declared))
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.close_connection = True

    return route


def big(size: int, chunk: int = 1 << 16, declare_length: bool = True) -> Route:
    """A body of ``size`` bytes, streamed; without a Content-Length when asked."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if declare_length:
            h.send_header("Content-Length", str(size))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        piece = b"<p>" + b"x" * (chunk - 7) + b"</p>\n"
        sent = 0
        while sent < size:
            part = piece[: min(len(piece), size - sent)]
            h.wfile.write(part)
            sent += len(part)

    return route


def gzip_bomb(decompressed_size: int = 200_000_000) -> Route:
    """A small gzip body that inflates to ``decompressed_size`` bytes of zeros."""
    blob = _bomb(decompressed_size)

    def route(h: BaseHTTPRequestHandler) -> None:
        send(h, 200, blob, "application/rss+xml", {"Content-Encoding": "gzip"})

    return route


_BOMBS: dict[int, bytes] = {}


def _bomb(size: int) -> bytes:
    """One gzip member of ``size`` zero bytes (~1000:1), built once per size."""
    if size not in _BOMBS:
        block = b"\0" * (1 << 20)
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
        buf = bytearray()
        remaining = size
        while remaining > 0:
            n = min(remaining, len(block))
            buf += comp.compress(block[:n])
            remaining -= n
        buf += comp.flush()
        _BOMBS[size] = bytes(buf)
    return _BOMBS[size]


def gzipped(body: bytes) -> Route:
    blob = gzip.compress(body)
    return lambda h: send(h, 200, blob, headers={"Content-Encoding": "gzip"})
