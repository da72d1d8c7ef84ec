"""Fixtures for the alerts tests: articles, a real SQLite store, loopback receivers."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rasid.records import Article, Entity, Place
from store.sqlite import SqliteStore

NOW = datetime(2024, 5, 12, 10, 0, tzinfo=UTC)


def make_article(
    aid: str,
    title: str,
    body: str = "",
    *,
    source: str = "aljazeera",
    story_id: str | None = None,
    duplicate_of: str | None = None,
    places: list[Place] | None = None,
    entities: list[Entity] | None = None,
    lang: str = "ar",
    published_at: datetime | None = None,
) -> Article:
    return Article(
        id=aid, url=f"https://news.example/{aid}", canonical_url=f"https://news.example/{aid}",
        source=source, feed_id=f"{source}-feed", title=title, body=body, lang=lang,
        fetched_at=NOW, published_at=published_at or NOW, story_id=story_id,
        duplicate_of=duplicate_of, places=places or [], entities=entities or [],
    )  # fmt: skip


TRIPOLI_LY = Place(name="طرابلس", lat=32.89, lon=13.19, country="LY", mentions=["طرابلس"])
TRIPOLI_LB = Place(name="طرابلس", lat=34.44, lon=35.83, country="LB", mentions=["طرابلس"])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    st = SqliteStore(tmp_path / "x.db")
    yield st
    st.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Receiver:
    """A loopback HTTP receiver that records every POST and answers with ``status``."""

    port: int
    status: int = 200
    reply: bytes = b'{"ok": true}'
    requests: list[dict[str, Any]] = field(default_factory=list)
    on_request: Callable[[dict[str, Any]], None] | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Receiver:
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                req = {"path": self.path, "headers": dict(self.headers), "body": body}
                try:
                    req["json"] = json.loads(body)
                except ValueError:
                    req["json"] = None
                recv.requests.append(req)
                if recv.on_request:
                    recv.on_request(req)
                self.send_response(recv.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(recv.reply)))
                self.end_headers()
                self.wfile.write(recv.reply)

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Not started: call ``.start()`` (so a test can begin with the receiver down)."""
    recv = Receiver(port=free_port())
    yield recv
    recv.stop()


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made at test time with the openssl CLI."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
             "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl CLI unavailable to make a test certificate: {exc}")
    return cert, key


@pytest.fixture
def mk() -> Callable[..., Article]:
    """``mk(id, title, body="", **fields)`` -> Article (fetched and published at ``NOW``)."""
    return make_article


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def places() -> dict[str, Place]:
    return {"tripoli_ly": TRIPOLI_LY, "tripoli_lb": TRIPOLI_LB}


@pytest.fixture
def port() -> int:
    """A free loopback port."""
    return free_port()
