"""The engines themselves: they start, carry the Arabic analysis we rely on, and search."""

from __future__ import annotations

import httpx
import pytest

from tools.engines import installed_components, node_settings

pytestmark = pytest.mark.engine

TEXT = "شهدت العاصمة الليبية اشتباكات عنيفة في طرابلس"


def _smoke(c: httpx.Client) -> None:
    c.delete("/smoke")
    r = c.put(
        "/smoke",
        json={
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {"properties": {"body": {"type": "text", "analyzer": "arabic"}}},
        },
    )
    assert r.status_code == 200, r.text
    r = c.put("/smoke/_doc/1", params={"refresh": "true"}, json={"body": TEXT})
    assert r.status_code == 201, r.text
    # «ليبية» and «الليبية» share the stem the arabic analyzer produces («ليب»).
    for q in ("ليبية", "الليبية", "وطرابلس"):
        r = c.post("/smoke/_search", json={"query": {"match": {"body": q}}})
        assert r.json()["hits"]["total"]["value"] == 1, (q, r.text)
    r = c.post("/_analyze", json={"analyzer": "arabic", "text": "الليبية"})
    assert [t["token"] for t in r.json()["tokens"]] == ["ليب"]
    c.delete("/smoke")


def test_elasticsearch_arabic_smoke(es_http: httpx.Client) -> None:
    _smoke(es_http)
    info = es_http.get("/").json()  # GET / comes from our plugin on this zip
    assert info["version"]["number"].split(".")[0] in {"8", "9"}


def test_opensearch_arabic_smoke(opensearch_http: httpx.Client) -> None:
    _smoke(opensearch_http)
    info = opensearch_http.get("/").json()
    assert info["version"]["distribution"] == "opensearch"


def test_elasticsearch_security_is_real(es_node) -> None:  # type: ignore[no-untyped-def]
    assert httpx.get(f"{es_node.url}/_cluster/health", timeout=10).status_code == 401
    bad = httpx.get(f"{es_node.url}/_cluster/health", auth=("rasid", "wrong"), timeout=10)
    assert bad.status_code == 401


def test_opensearch_has_full_module_set(opensearch_node) -> None:  # type: ignore[no-untyped-def]
    names = set(installed_components(opensearch_node.home))
    assert {"analysis-common", "lang-painless", "reindex", "percolator"} <= names


def test_single_node_settings_are_loopback_only() -> None:
    s = node_settings(
        "elasticsearch",
        node_name="n",
        cluster_name="c",
        http_port=1,
        transport_port=2,
        data_dir=__import__("pathlib").Path("/d"),
        logs_dir=__import__("pathlib").Path("/l"),
    )
    assert s["network.host"] == "127.0.0.1"
    assert s["discovery.type"] == "single-node"
    assert s["cluster.routing.allocation.disk.threshold_enabled"] is False
    assert s["xpack.security.enabled"] is False
