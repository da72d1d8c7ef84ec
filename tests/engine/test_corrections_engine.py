"""Corrections on a real Elasticsearch: the same document updated in place through the
engine's upsert (including an article in an older month's index, made before the
`updated_at` field existed), found again by the alerts. The shared pipeline logic is
covered on the embedded store in tests/test_corrections.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from rasid.pipeline import run_cycle
from rasid.records import Article
from store.es_store import EngineStore
from store.factory import open_store
from tests.test_corrections import ADDED, BODY, Site, _sent, _settings
from tools.engines import EngineNode

pytestmark = pytest.mark.engine


def test_corrections_update_engine_documents_in_place(
    es_node: EngineNode, es_http: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.testserver import LoopbackServer

    prefix = f"t{uuid4().hex[:10]}"
    user, password = es_node.auth or ("", "")
    url = f"elasticsearch://{user}:{password}@127.0.0.1:{es_node.http_port}?prefix={prefix}"
    monkeypatch.chdir(tmp_path)  # spool, outbox: data/ beside a search engine
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    # A month index made by a Rasid without corrections: no updated_at in its mapping.
    old_index = f"{prefix}-articles-2019.04"
    old_props = {
        "id": {"type": "keyword"}, "ingested_at": {"type": "date"},
        "published_at": {"type": "date"}, "story_id": {"type": "keyword"},
        "duplicate_of": {"type": "keyword"},
    }  # fmt: skip
    res = es_http.put(
        f"/{old_index}",
        json={
            "aliases": {f"{prefix}-articles": {"is_write_index": True}},
            "mappings": {"dynamic": False, "properties": old_props},
        },
    )
    assert res.status_code == 200, res.text
    try:
        with LoopbackServer() as srv:
            site = Site(srv)
            settings = _settings(tmp_path, site)
            settings.store_url = url
            first = run_cycle(settings)
            assert first.articles_indexed == 3, first.to_dict()
            store = open_store(url)
            assert isinstance(store, EngineStore)
            # setup() added the new fields to the old index.
            mapping = es_http.get(f"/{old_index}/_mapping").json()
            assert "updated_at" in mapping[old_index]["mappings"]["properties"]
            (before,) = [a for a in store.iter_articles() if a.url.endswith("/a1")]

            site.updated = "2025-01-06T10:30:00Z"
            site.paragraphs = [BODY, ADDED]
            second = run_cycle(settings)
            assert second.articles_corrected == 1 and second.articles_indexed == 0
            assert store.count() == 3
            (after,) = [a for a in store.iter_articles() if a.url.endswith("/a1")]
            assert after.id == before.id and ADDED in after.body and after.revision == 1
            assert after.ingested_at == before.ingested_at
            assert after.story_id == before.story_id and after.duplicate_of is None
            assert second.alerts_fired == 1 and _sent(tmp_path) == ["tripoli", "central-bank"]

            # An article in the old month's index (stored before corrections existed) is
            # corrected in that index, and the alerts can find it by its correction time.
            old = Article.from_dict(
                {**after.to_dict(), "id": "old1", "updated_at": None, "revision": 0}
            )
            doc = {k: v for k, v in old.to_dict().items() if k != "updated_at"}
            doc["ingested_at"] = "2019-04-05T12:00:00+00:00"
            es_http.put(f"/{old_index}/_doc/old1?refresh=true", json=doc).raise_for_status()
            since = datetime.now(UTC)
            fixed = store.get_article("old1")
            assert fixed is not None
            fixed.body += "\nتصحيح"
            fixed.updated_at, fixed.revision = datetime.now(UTC), 1
            store.upsert_articles([fixed])
            (found,) = store.articles_updated_since(since, datetime.now(UTC))
            assert found.id == "old1" and found.body.endswith("تصحيح")
            assert found.ingested_at == datetime(2019, 4, 5, 12, tzinfo=UTC)
            hits = es_http.get(f"/{prefix}-articles/_search?q=id:old1").json()["hits"]["hits"]
            assert [h["_index"] for h in hits] == [old_index]  # no second copy elsewhere
            store.close()
    finally:
        es_http.delete(f"/{prefix}-*")
        es_http.delete(f"/_index_template/{prefix}-articles")


def test_a_spooled_correction_counts_from_when_it_lands(
    es_node: EngineNode, es_http: httpx.Client, tmp_path: Path
) -> None:
    # Review: a correction that waited in the spool kept its correction time; once the
    # alerts watermark had moved past it, articles_updated_since never returned it.
    from tools.engines import free_port

    prefix = f"t{uuid4().hex[:10]}"
    spool = tmp_path / "spool"
    then = datetime(2025, 1, 6, 10, tzinfo=UTC)
    art = Article(id="c1", url="http://x/c1", canonical_url="http://x/c1", source="s",
                  feed_id="f", title="تصحيح", body="نص مصحح " * 30, lang="ar",
                  fetched_at=then, published_at=then, ingested_at=then, updated_at=then,
                  revision=1)  # fmt: skip
    down = open_store(
        f"elasticsearch://127.0.0.1:{free_port()}?prefix={prefix}&spool={spool}&retries=0&timeout=2"
    )
    assert down.upsert_articles([art]) == 1  # kept in the spool
    down.close()
    user, password = es_node.auth or ("", "")
    live = open_store(
        f"elasticsearch://{user}:{password}@127.0.0.1:{es_node.http_port}?prefix={prefix}"
        f"&spool={spool}"
    )
    try:
        # A second back: the engine keeps milliseconds, and a fast replay lands within one.
        before = datetime.now(UTC) - timedelta(seconds=1)
        assert live.replay_spool() == 1  # type: ignore[attr-defined]
        es_http.post(f"/{prefix}-articles*/_refresh")  # searchable now, not in a second
        assert [a.id for a in live.articles_updated_since(before)] == ["c1"]
        got = live.get_article("c1")
        assert got is not None and got.ingested_at == then  # the first ingest time stays
    finally:
        live.close()
        es_http.delete(f"/{prefix}-*")
        es_http.delete(f"/_index_template/{prefix}-articles")
