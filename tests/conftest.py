"""Shared fixtures: the ../shared folder (real data, never copied), the seed article."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASID_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"real data folder {SHARED} is absent (set RASID_SHARED_DIR); skipping")
    return SHARED


@pytest.fixture(scope="session")
def seed_text(shared_dir: Path) -> tuple[str, str]:
    """(title, body) of the seed article: first line is the title."""
    files = sorted((shared_dir / "seed").glob("*.txt"))
    if not files:
        pytest.skip(f"no seed article in {shared_dir / 'seed'}")
    lines = files[0].read_text(encoding="utf-8").strip().splitlines()
    return lines[0].strip(), "\n".join(lines[1:]).strip()


class _Routes:
    """path -> (status, headers, body); mutable while the server runs."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: dict[str, int] = {}


@pytest.fixture
def loopback_server():  # type: ignore[no-untyped-def]
    """A real HTTP server on 127.0.0.1 serving whatever routes the test sets."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    routes = _Routes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            routes.hits[self.path] = routes.hits.get(self.path, 0) + 1
            status, headers, body = routes.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    routes.base_url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield routes
    finally:
        server.shutdown()
        server.server_close()
