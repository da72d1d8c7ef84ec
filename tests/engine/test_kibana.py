"""Kibana saved objects: every field a visualisation, search or map uses is mapped with a
type it can work on (Kibana itself cannot run here), and ``setup_kibana`` creates the
template and posts the objects to the saved-objects import API (a loopback stand-in)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from kibana.setup import check_fields, data_views, field_uses, load_objects, setup_kibana
from store.base import StoreError
from store.es_common import alert_mappings, article_mappings
from store.factory import open_store
from tools.engines import EngineNode


def test_objects_cover_what_the_dashboard_promises() -> None:
    objects = load_objects()
    kinds = {(o["type"], o["id"]) for o in objects}
    assert ("index-pattern", "rasid-articles") in kinds and (
        "dashboard",
        "rasid-dashboard",
    ) in kinds
    assert data_views(objects) == {
        "rasid-articles": "rasid-articles*",
        "rasid-alerts": "rasid-alerts*",
    }
    articles_view = next(o for o in objects if o["id"] == "rasid-articles")
    assert articles_view["attributes"]["timeFieldName"] == "published_at"
    queries = [
        json.loads(o["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
        for o in objects
        if o["type"] == "search"
    ]
    assert any("طرابلس" in q for q in queries) and any("حفتر" in q for q in queries)
    dashboard = next(o for o in objects if o["type"] == "dashboard")
    panel_ids = {r["id"] for r in dashboard["references"]}
    assert panel_ids <= {o["id"] for o in objects}
    assert {
        "rasid-map-places",
        "rasid-search-latest-alerts",
        "rasid-vis-top-persons",
        "rasid-vis-top-stories",
    } <= panel_ids


def test_every_field_used_exists_with_the_right_type_in_the_mapping() -> None:
    mappings = {
        "rasid-articles": article_mappings()["properties"],
        "rasid-alerts": alert_mappings()["properties"],
    }
    assert len(field_uses(load_objects())) >= 25
    assert check_fields(load_objects(), mappings) == []


def test_the_check_catches_a_wrong_type() -> None:
    props = article_mappings()["properties"]
    broken = {**props, "place_points": {"type": "keyword"}, "persons": {"type": "text"}}
    problems = check_fields(
        load_objects(), {"rasid-articles": broken, "rasid-alerts": alert_mappings()["properties"]}
    )
    assert any("place_points" in p and "geo_point" in p for p in problems)
    assert any("persons" in p and "keyword" in p for p in problems)


def test_setup_refuses_the_embedded_store(tmp_path: Path) -> None:
    st = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(StoreError, match="Kibana reads Elasticsearch"):
        setup_kibana("http://127.0.0.1:9", st)


@pytest.fixture
def fake_kibana() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback stand-in for Kibana's import API that records what it receives."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(
                {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
            )
            body = json.dumps({"success": True, "successCount": 11}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://kib:secret@127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.engine
def test_setup_kibana_creates_the_template_and_imports(
    es_node: EngineNode, fake_kibana: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    url, received = fake_kibana
    prefix = f"kib{uuid4().hex[:8]}"
    user, password = es_node.auth or ("", "")
    st = open_store(
        f"elasticsearch://{user}:{password}@127.0.0.1:{es_node.http_port}?prefix={prefix}&spool=off"
    )
    http = httpx.Client(base_url=es_node.url, auth=es_node.auth, timeout=30)
    try:
        result = setup_kibana(url, st)
        assert result["imported"] == 11 and result["index_template"] == f"{prefix}-articles"
        assert http.get(f"/_index_template/{prefix}-articles").status_code == 200
        (req,) = received
        assert req["path"] == "/api/saved_objects/_import?overwrite=true"
        assert req["headers"]["kbn-xsrf"] and req["headers"]["Authorization"].startswith("Basic ")
        body = req["body"].decode("utf-8")
        assert f'"title": "{prefix}-articles*"' in body and '"rasid-articles*"' not in body
        # And the live mapping (what Kibana will see) has every field with the right type.
        live = {
            "rasid-articles": next(iter(http.get(f"/{prefix}-articles/_mapping").json().values())),
            "rasid-alerts": next(iter(http.get(f"/{prefix}-alerts/_mapping").json().values())),
        }
        live = {k: v["mappings"]["properties"] for k, v in live.items()}
        assert check_fields(load_objects(), live) == []
    finally:
        st.close()
        http.delete(f"/{prefix}-*")
        http.delete(f"/_index_template/{prefix}-articles")
        http.close()
