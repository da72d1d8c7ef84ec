"""`rasid kibana setup` against something that is not Kibana says so in one line.

A --kibana-url on the wrong port, or behind a proxy's login page, answered 200 with HTML and
setup_kibana raised a bare JSONDecodeError. Served by ingest/testserver.py; the store is a
stand-in with the two things setup_kibana uses (Kibana itself cannot run here).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from ingest.testserver import LoopbackServer, static
from kibana.setup import setup_kibana
from store.base import StoreError

IMPORT = "/api/saved_objects/_import"


class _EngineStore:
    url = "http://127.0.0.1:9/"
    names = SimpleNamespace(prefix="rasid", template="rasid-articles-template")

    def __init__(self) -> None:
        self.set_up = 0

    def setup(self) -> None:
        self.set_up += 1


@pytest.fixture
def srv() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        yield s


@pytest.mark.parametrize(
    ("body", "ctype", "status", "got"),
    [
        (b"<html><body>Sign in</body></html>", "text/html; charset=utf-8", 200, "text/html"),
        (b'{"tagline": "You Know, for Search"}', "application/json", 200, "application/json"),
        (b"", "text/plain", 302, "text/plain, HTTP 302"),
    ],
)
def test_a_url_that_is_not_kibana_is_one_clear_error(
    srv: LoopbackServer, body: bytes, ctype: str, status: int, got: str
) -> None:
    srv.routes[IMPORT] = static(body, ctype, status)
    with pytest.raises(StoreError) as err:
        setup_kibana(srv.url(""), _EngineStore())  # type: ignore[arg-type]
    msg = str(err.value)
    assert msg.startswith(f"{srv.url('')} did not answer as Kibana (got {got}")
    assert "\n" not in msg and "--kibana-url" in msg


def test_kibana_answer_is_still_read(srv: LoopbackServer) -> None:
    answer: dict[str, Any] = {"success": True, "successCount": 12}
    srv.routes[IMPORT] = static(json.dumps(answer).encode(), "application/json; charset=utf-8")
    store = _EngineStore()
    out = setup_kibana(srv.url("/"), store)  # type: ignore[arg-type]
    assert out["imported"] == 12 and store.set_up == 1
    path, headers = srv.requests[-1]
    assert path == IMPORT and headers.get("kbn-xsrf") == "rasid"
