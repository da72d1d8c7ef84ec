"""Engines that die mid-load: nothing lost, nothing duplicated.

- the single (session) Elasticsearch node is SIGKILLed during a bulk load: what was not
  acknowledged goes to the spool, and after a restart the replay completes the load;
- a 3-node Elasticsearch cluster (1 replica) loses a node during a bulk load: the store
  retries through the other nodes and every document is indexed exactly once.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from rasid.records import Article, SearchQuery
from store.es_store import EngineStore
from store.factory import open_store
from tools.engines import EngineNode, start_cluster

pytestmark = pytest.mark.engine

BODY = (
    "شهدت العاصمة الليبية طرابلس اشتباكات بين قوات حكومة الوفاق وقوات المشير خليفة حفتر "
    "قرب جسر الـ27 غرب طرابلس، وأعلن مجلس الأمن عقد جلسة طارئة لبحث تطورات الوضع. "
)


def _articles(n: int) -> list[Article]:
    t0 = datetime(2019, 4, 5, tzinfo=UTC)
    return [
        Article(
            id=f"doc{i:06d}",
            url=f"http://x/{i}",
            canonical_url=f"http://x/{i}",
            source=f"s{i % 7}",
            feed_id="f",
            title=f"خبر رقم {i} عن طرابلس",
            body=BODY * 4,
            lang="ar",
            fetched_at=t0,
            published_at=t0 + timedelta(minutes=i),
        )
        for i in range(n)
    ]


def _indexed(client: httpx.Client, pattern: str) -> int:
    """Primary index operations so far (visible before any refresh)."""
    r = client.get(f"/{pattern}/_stats/indexing", params={"filter_path": "_all.primaries"})
    try:
        return int(r.json()["_all"]["primaries"]["indexing"]["index_total"])
    except (KeyError, ValueError):
        return 0


def _kill_when(
    client: httpx.Client, pattern: str, threshold: int, node: EngineNode
) -> threading.Thread:
    def run() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _indexed(client, pattern) >= threshold:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        node.kill()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_engine_killed_mid_bulk_then_restarted_loses_and_duplicates_nothing(
    es_node: EngineNode, tmp_path: Path
) -> None:
    n = 2000
    prefix = f"kill{uuid4().hex[:8]}"
    user, password = es_node.auth or ("", "")
    url = (
        f"elasticsearch://{user}:{password}@127.0.0.1:{es_node.http_port}?prefix={prefix}"
        f"&spool={tmp_path / 'spool'}&chunk_size=250&retries=2&backoff=0.2&timeout=10"
    )
    st = open_store(url)
    assert isinstance(st, EngineStore) and st.spool is not None
    st.setup()
    arts = _articles(n)
    with httpx.Client(base_url=es_node.url, auth=es_node.auth, timeout=5) as client:
        killer = _kill_when(client, f"{prefix}-articles-*", n // 4, es_node)
        accepted = st.upsert_articles(arts)
        killer.join(timeout=130)
    assert accepted == n  # written before the crash + kept in the spool
    spooled = st.spool.pending_count()
    assert 0 < spooled < n, "the kill did not land mid-load"

    es_node.restart(timeout=240)
    try:
        replayed = st.replay_spool()
        assert replayed == spooled and not st.spool.has_pending()
        assert st.count() == n
        assert st.known_ids(a.id for a in arts) == {a.id for a in arts}
        assert st.search(SearchQuery(text="طرابلس", limit=5))
    finally:
        st.close()
        with httpx.Client(base_url=es_node.url, auth=es_node.auth, timeout=30) as client:
            client.delete(f"/{prefix}-*")
            client.delete(f"/_index_template/{prefix}-articles")


def test_three_node_cluster_loses_a_node_mid_bulk(tmp_path: Path) -> None:
    nodes = start_cluster("elasticsearch", 3, heap="512m")
    try:
        hosts = ",".join(f"127.0.0.1:{node.http_port}" for node in nodes)
        prefix = "cluster"
        st = open_store(
            f"elasticsearch://{hosts}?prefix={prefix}&shards=3&replicas=1&chunk_size=250"
            f"&retries=8&backoff=0.5&timeout=60&spool={tmp_path / 'spool'}"
        )
        assert isinstance(st, EngineStore) and st.spool is not None
        st.setup()
        survivor = nodes[0]
        with httpx.Client(base_url=survivor.url, timeout=60) as client:
            health = client.get(
                "/_cluster/health", params={"wait_for_status": "green", "timeout": "60s"}
            ).json()
            assert health["status"] == "green" and health["number_of_nodes"] == 3
            n = 2000
            arts = _articles(n)
            killer = _kill_when(client, f"{prefix}-articles-*", n // 4, nodes[2])
            assert st.upsert_articles(arts) == n
            killer.join(timeout=130)
            assert not nodes[2].is_running()
            st.replay_spool()  # normally empty: the retries ride over the failover
            assert not st.spool.has_pending()
            assert st.count() == n  # every document once: ids are the documents' own
            assert st.known_ids(a.id for a in arts) == {a.id for a in arts}
            hits = st.search(SearchQuery(text="طرابلس", source="s3", limit=5))
            assert len(hits) == 5 and all(h.article.source == "s3" for h in hits)
            health = client.get("/_cluster/health").json()
            assert health["number_of_nodes"] == 2 and health["status"] in ("yellow", "green")
        st.close()
    finally:
        for node in nodes:
            node.cleanup()
