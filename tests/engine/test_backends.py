"""The Elasticsearch and OpenSearch stores against real engines: the Store contract, index
layout, errors with causes, and the alert-rule query on real analysis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from processing.normalize import tokens
from rasid.records import Alert, Article, Entity, FeedState, Place, SearchQuery
from store.base import Store, StoreError
from store.es_store import EngineStore
from store.factory import open_store
from tools.engines import EngineNode, free_port

pytestmark = pytest.mark.engine

KINDS = ["elasticsearch", "opensearch"]


@dataclass
class Backend:
    kind: str
    node: EngineNode
    http: httpx.Client

    def store_url(self, prefix: str, **params: Any) -> str:
        scheme = "elasticsearch" if self.kind == "elasticsearch" else "opensearch"
        auth = f"{self.node.auth[0]}:{self.node.auth[1]}@" if self.node.auth else ""
        query = "&".join(f"{k}={v}" for k, v in {"prefix": prefix, **params}.items())
        return f"{scheme}://{auth}127.0.0.1:{self.node.http_port}?{query}"


@pytest.fixture(params=KINDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    short = "es" if request.param == "elasticsearch" else "opensearch"
    return Backend(
        request.param,
        request.getfixturevalue(f"{short}_node"),
        request.getfixturevalue(f"{short}_http"),
    )


@pytest.fixture
def make_store(backend: Backend, tmp_path: Path) -> Iterator[Callable[..., EngineStore]]:
    made: list[tuple[str, EngineStore]] = []

    def make(prefix: str | None = None, **params: Any) -> EngineStore:
        prefix = prefix or f"t{uuid4().hex[:10]}"
        params.setdefault("spool", str(tmp_path / "spool" / prefix))
        st = open_store(backend.store_url(prefix, **params))
        assert isinstance(st, EngineStore)
        made.append((prefix, st))
        return st

    yield make
    for prefix, st in made:
        st.close()
        backend.http.delete(f"/{prefix}-*")
        backend.http.delete(f"/_index_template/{prefix}-articles")


def _art(i: int, title: str, body: str, **kw: Any) -> Article:
    now = datetime(2019, 4, 5, 12, tzinfo=UTC)
    return Article(
        id=f"id{i}", url=f"http://x/{i}", canonical_url=f"http://x/{i}",
        source=kw.pop("source", "s1"), feed_id="f", title=title, body=body, lang="ar",
        fetched_at=now, published_at=now + timedelta(hours=i), **kw,
    )  # fmt: skip


# --- the Store contract (the embedded store's tests, on the engines) ---------------------------


def test_is_a_store(make_store: Callable[..., EngineStore]) -> None:
    assert isinstance(make_store(), Store)


def test_upsert_is_idempotent_and_search_handles_clitics(
    make_store: Callable[..., EngineStore],
) -> None:
    st = make_store()
    st.upsert_articles([_art(1, "اشتباكات في طرابلس", "قوات حفتر تتقدم نحو العاصمة")])
    st.upsert_articles([_art(1, "اشتباكات في طرابلس", "قوات حفتر تتقدم نحو العاصمة")])
    st.upsert_articles([_art(2, "مطبخ طرابلسي", "وصفة من الشمال")])
    st.upsert_articles([_art(3, "وصول إلى بطرابلس", "وقال لحفتر إن …")])
    assert st.count() == 3
    assert sorted(h.article.id for h in st.search(SearchQuery(text="طرابلس"))) == ["id1", "id3"]
    hit = st.search(SearchQuery(text="حفتر", sort="recency"))[0]
    assert hit.article.id == "id3"
    assert "«لحفتر»" in hit.marked()["body"][0]
    # The engine's own highlighter marks stems and spelling variants.
    hit = st.search(SearchQuery(text="العاصمه"))[0]
    assert "«العاصمة»" in hit.marked()["body"][0]


def test_first_ingest_time_is_kept_on_rewrite(make_store: Callable[..., EngineStore]) -> None:
    st = make_store()
    st.upsert_articles([_art(1, "a", "b")])
    first = st.get_article("id1")
    assert first is not None and first.ingested_at is not None
    st.upsert_articles([_art(1, "a", "b2")])
    again = st.get_article("id1")
    assert again is not None and again.ingested_at == first.ingested_at and again.body == "b2"
    assert st.articles_ingested_since(first.ingested_at) == []
    assert [a.id for a in st.articles_ingested_since(None)] == ["id1"]


def test_filters_entity_place_source_date(make_store: Callable[..., EngineStore]) -> None:
    st = make_store()
    st.upsert_articles([
        _art(1, "خبر", "نص", entities=[Entity("PER", "خليفة حفتر", ["المشير حفتر"])],
             places=[Place("طرابلس", 32.9, 13.2, "LY", 2210247)]),
        _art(2, "خبر آخر", "نص", source="s2"),
    ])  # fmt: skip
    assert [h.article.id for h in st.search(SearchQuery(entity="حفتر"))] == ["id1"]
    assert [h.article.id for h in st.search(SearchQuery(place="طرابلس"))] == ["id1"]
    assert [h.article.id for h in st.search(SearchQuery(text="خبر", source="s2"))] == ["id2"]
    since = datetime(2019, 4, 5, 13, 30, tzinfo=UTC)
    assert [h.article.id for h in st.search(SearchQuery(text="خبر", since=since))] == ["id2"]
    assert [h.article.id for h in st.search(SearchQuery(sort="recency"))] == ["id2", "id1"]
    art = st.get_article("id1")
    assert art is not None and art.places[0].geonameid == 2210247
    assert [h.article.id for h in st.search(SearchQuery(place="طرابلس", country="LY"))] == ["id1"]
    assert st.search(SearchQuery(place="طرابلس", country="LB")) == []
    assert art.entities[0].mentions == ["المشير حفتر"]


def test_user_input_cannot_break_query_syntax(make_store: Callable[..., EngineStore]) -> None:
    st = make_store()
    st.upsert_articles([_art(1, "a", "b")])
    assert st.search(SearchQuery(text='"NEAR( OR * ^ [} \\')) == []


def test_dedup_lookups_and_iteration(make_store: Callable[..., EngineStore]) -> None:
    st = make_store(chunk_size=7)
    arts = [_art(i, f"عنوان {i}", f"نص {i}", content_hash=f"h{i % 3}") for i in range(25)]
    assert st.upsert_articles(arts) == 25
    assert st.known_ids(["id0", "id24", "nope"]) == {"id0", "id24"}
    assert st.find_by_hash("h1") == "id1" and st.find_by_hash("zz") is None
    assert sorted(a.id for a in st.iter_articles()) == sorted(a.id for a in arts)


def test_feed_state_alerts_watermarks_roundtrip(make_store: Callable[..., EngineStore]) -> None:
    prefix = f"t{uuid4().hex[:10]}"
    st = make_store(prefix)
    now = datetime.now(UTC)
    st.save_feed_state(FeedState("f", etag='"x"', seen_guids=["g1"], last_polled_at=now))
    assert st.get_feed_state("f").etag == '"x"'
    assert st.get_feed_state("f").last_polled_at == now
    assert st.get_feed_state("other") == FeedState("other")
    alert = Alert("a1", "tripoli", "id1", "t", "s1", "http://x", ["طرابلس"], now)
    assert st.record_alert(alert)
    assert not st.record_alert(alert)
    st.attach_to_alert("a1", "id2", "s2")
    st.attach_to_alert("a1", "id3", "s1")  # same outlet as the alert: not "another source"
    assert st.recent_alerts()[0].other_sources == ["s2"]
    st.set_watermark("alerts", now)
    assert st.get_watermark("alerts") == now
    st.close()
    again = make_store(prefix)
    assert again.get_feed_state("f").seen_guids == ["g1"]
    assert [s.feed_id for s in again.all_feed_states()] == ["f"]


def test_feed_state_updates_from_two_stores_lose_nothing(
    make_store: Callable[..., EngineStore],
) -> None:
    # Two processes' stores over one engine: seq_no makes a raced update read again.
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    prefix = f"t{uuid4().hex[:10]}"
    stores = [make_store(prefix), make_store(prefix)]

    def add(i: int) -> None:
        stores[i % 2].update_feed_state(
            "f", lambda s: replace(s, seen_guids=[*s.seen_guids, f"g{i}"])
        )

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(add, range(40)))
    assert sorted(stores[0].get_feed_state("f").seen_guids) == sorted(f"g{i}" for i in range(40))


def test_a_client_retry_of_a_landed_feed_state_write_applies_the_change_once(
    make_store: Callable[..., EngineStore],
) -> None:
    # The client retries a request that timed out. When the first attempt had landed, the
    # retry meets a real conflict with it; the change (which counts attempts) must not run
    # again. Each feed-state write is sent twice here, as such a retry would.
    from dataclasses import replace

    st = make_store(f"t{uuid4().hex[:10]}")
    real_index = st.adapter.index

    def index_then_retry(index: str, *args: Any, **kwargs: Any) -> Any:
        result = real_index(index, *args, **kwargs)
        if index == st.names.feeds:
            real_index(index, *args, **kwargs)  # the retry: 409, the seq_no has moved on
        return result

    st.adapter.index = index_then_retry  # type: ignore[method-assign]
    calls = []

    def bump(s: FeedState) -> FeedState:
        calls.append(1)
        return replace(s, failures=s.failures + 1)

    assert st.update_feed_state("f", bump).failures == 1  # created
    assert st.update_feed_state("f", bump).failures == 2  # updated
    assert st.get_feed_state("f").failures == 2
    assert len(calls) == 2


def test_a_landed_write_is_recognised_after_another_writer_saved_over_it(
    make_store: Callable[..., EngineStore],
) -> None:
    # Between our landed write and the client's retry, another process saves the feed:
    # the retry's 409 re-read shows the other writer's state, with our token still in it.
    from dataclasses import replace

    prefix = f"t{uuid4().hex[:10]}"
    st, other = make_store(prefix), make_store(prefix)
    st.update_feed_state("f", lambda s: s)
    real_index = st.adapter.index

    def index_other_then_retry(index: str, *args: Any, **kwargs: Any) -> Any:
        result = real_index(index, *args, **kwargs)
        if index == st.names.feeds:
            other.update_feed_state("f", lambda s: replace(s, seen_guids=[*s.seen_guids, "o"]))
            real_index(index, *args, **kwargs)  # the retry: 409
        return result

    st.adapter.index = index_other_then_retry  # type: ignore[method-assign]
    st.update_feed_state("f", lambda s: replace(s, failures=s.failures + 1))
    state = other.get_feed_state("f")
    assert state.failures == 1 and state.seen_guids == ["o"]


# --- index layout ------------------------------------------------------------------------


def test_monthly_indices_behind_the_write_alias(
    make_store: Callable[..., EngineStore], backend: Backend
) -> None:
    st = make_store()
    st.clock = lambda: datetime(2026, 1, 31, 23, tzinfo=UTC)
    st.upsert_articles([_art(1, "قديم", "نص"), _art(2, "قديم", "نص")])
    st.clock = lambda: datetime(2026, 2, 1, 1, tzinfo=UTC)
    st.upsert_articles([_art(1, "محدث", "نص"), _art(3, "جديد", "نص")])
    p = st.names.prefix
    aliases = backend.http.get(f"/_alias/{p}-articles").json()
    assert sorted(aliases) == [f"{p}-articles-2026.01", f"{p}-articles-2026.02"]
    assert aliases[f"{p}-articles-2026.02"]["aliases"][f"{p}-articles"]["is_write_index"] is True
    # The rewritten article stayed where it was first written: one copy, updated.
    assert st.count() == 3
    where = backend.http.post(
        f"/{p}-articles/_search", json={"query": {"ids": {"values": ["id1", "id3"]}}}
    ).json()["hits"]["hits"]
    assert {h["_id"]: h["_index"] for h in where} == {
        "id1": f"{p}-articles-2026.01",
        "id3": f"{p}-articles-2026.02",
    }
    art = st.get_article("id1")
    assert art is not None and art.title == "محدث"
    assert art.ingested_at == datetime(2026, 1, 31, 23, tzinfo=UTC)


def test_mapping_has_the_types_kibana_and_search_need(
    make_store: Callable[..., EngineStore], backend: Backend
) -> None:
    st = make_store()
    st.upsert_articles([_art(1, "a", "b")])
    props = backend.http.get(f"/{st.names.articles}/_mapping").json()
    props = next(iter(props.values()))["mappings"]["properties"]
    assert props["title"]["analyzer"] == "arabic"
    assert props["title"]["fields"]["folded"]["analyzer"] == "rasid_fold"
    assert props["published_at"]["type"] == "date"
    assert props["place_points"]["type"] == "geo_point"
    assert props["places"]["type"] == "nested"
    assert props["claims"]["type"] == "nested"
    assert props["source"]["type"] == props["persons"]["type"] == "keyword"


FOLD_SAMPLES = [
    "الأمينُ العامّ إلى ليبيـــا",
    "مؤتمر ٱلمدينة في إسطنبول وآسيا",
    "السلامُ عليكم ورحمةُ الله",
    "اجتمع المجلس في طَرَابُلُس",
    "أعلنت بلدية \u200fطرابلس\u200f خطة ١٢٣ و۴۵",
    "کتاب فارسی یک",
    "Tripoli NEWS Today",
]


def test_folding_analyzer_agrees_with_processing_normalize(
    make_store: Callable[..., EngineStore], backend: Backend
) -> None:
    st = make_store()
    st.upsert_articles([_art(1, "a", "b")])
    for text in FOLD_SAMPLES:
        r = backend.http.post(
            f"/{st.names.articles}/_analyze", json={"analyzer": "rasid_fold", "text": text}
        )
        assert [t["token"] for t in r.json()["tokens"]] == tokens(text), text


# --- the seed article ----------------------------------------------------------------------


def test_seed_article_found_by_arabic_and_normalised_queries(
    make_store: Callable[..., EngineStore], seed_text: tuple[str, str]
) -> None:
    title, body = seed_text
    st = make_store()
    st.upsert_articles([_art(1, title, body), _art(2, "خبر رياضي", "فاز الفريق بالمباراة")])
    by_arabic = st.search_raw({"query": {"match": {"body": "الليبية"}}})["hits"]["hits"]
    assert [h["_id"] for h in by_arabic] == ["id1"]
    by_folded = st.search_raw({"query": {"match": {"body.folded": "ليبيا"}}})["hits"]["hits"]
    assert [h["_id"] for h in by_folded] == ["id1"]
    hits = st.search(SearchQuery(text="ليبيا"))
    assert [h.article.id for h in hits] == ["id1"]
    assert any("«ليبيا»" in f for f in hits[0].marked()["body"])
    assert [h.article.id for h in st.search(SearchQuery(text="حفتر طرابلس"))] == ["id1"]


# --- errors name their cause -------------------------------------------------------------


def test_mapping_conflict_is_named(
    make_store: Callable[..., EngineStore], backend: Backend
) -> None:
    prefix = f"t{uuid4().hex[:10]}"
    month = datetime.now(UTC).strftime("%Y.%m")
    r = backend.http.put(
        f"/{prefix}-articles-{month}",
        json={
            "mappings": {"properties": {"published_at": {"type": "integer"}}},
            "aliases": {f"{prefix}-articles": {"is_write_index": True}},
        },
    )
    assert r.status_code == 200, r.text
    st = make_store(prefix)
    with pytest.raises(StoreError) as err:
        st.upsert_articles([_art(1, "a", "b")])
    assert err.value.cause == "mapping"
    assert "published_at" in str(err.value) and "integer" in str(err.value)


def test_document_rejected_by_mapping_is_named(
    make_store: Callable[..., EngineStore], backend: Backend
) -> None:
    prefix = f"t{uuid4().hex[:10]}"
    month = datetime.now(UTC).strftime("%Y.%m")
    backend.http.put(
        f"/{prefix}-articles-{month}",
        json={
            "mappings": {"properties": {"lang": {"type": "integer"}}},
            "aliases": {f"{prefix}-articles": {"is_write_index": True}},
        },
    )
    st = make_store(prefix)
    with pytest.raises(StoreError) as err:
        st.upsert_articles([_art(1, "a", "b")])
    assert err.value.cause == "mapping"
    assert "lang" in str(err.value)


def test_read_only_index_is_named(make_store: Callable[..., EngineStore], backend: Backend) -> None:
    st = make_store()
    st.upsert_articles([_art(1, "a", "b")])
    r = backend.http.put(f"/{st.names.articles}/_settings", json={"index.blocks.write": True})
    assert r.status_code == 200, r.text
    try:
        with pytest.raises(StoreError) as err:
            st.upsert_articles([_art(2, "a", "b")])
        assert err.value.cause == "read-only"
        assert st.spool is not None and not st.spool.has_pending()  # not a transient failure
    finally:
        backend.http.put(f"/{st.names.articles}/_settings", json={"index.blocks.write": None})


def test_wrong_credentials_are_named(es_node: EngineNode, tmp_path: Path) -> None:
    url = f"elasticsearch://rasid:not-the-password@127.0.0.1:{es_node.http_port}?spool={tmp_path}"
    st = open_store(url)
    with pytest.raises(StoreError) as err:
        st.search(SearchQuery(text="x"))
    assert err.value.cause == "auth"
    assert "not-the-password" not in str(err.value)
    with pytest.raises(StoreError) as err:
        st.upsert_articles([_art(1, "a", "b")])
    assert err.value.cause == "auth"


@pytest.mark.parametrize("scheme", ["elasticsearch", "opensearch"])
def test_unreachable_engine_is_named_and_writes_are_spooled(scheme: str, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    st = open_store(
        f"{scheme}://127.0.0.1:{port}?spool={tmp_path}&retries=1&backoff=0.01&timeout=2"
    )
    with pytest.raises(StoreError) as err:
        st.search(SearchQuery(text="x"))
    assert err.value.cause == "unreachable"
    assert f"127.0.0.1:{port}" in str(err.value)
    assert st.upsert_articles([_art(1, "a", "b"), _art(2, "c", "d")]) == 2
    assert isinstance(st, EngineStore) and st.spool is not None
    assert [r["article"]["id"] for r in st.spool.pending()] == ["id1", "id2"]
    assert all(r["article"]["ingested_at"] is None for r in st.spool.pending())


@pytest.mark.parametrize("scheme", ["elasticsearch", "opensearch"])
def test_unreachable_without_spool_raises(scheme: str) -> None:
    st = open_store(f"{scheme}://127.0.0.1:{free_port()}?spool=off&retries=0&timeout=2")
    with pytest.raises(StoreError) as err:
        st.upsert_articles([_art(1, "a", "b")])
    assert err.value.cause == "unreachable"


def test_spool_replays_on_the_next_write(
    make_store: Callable[..., EngineStore], backend: Backend, tmp_path: Path
) -> None:
    """Written while the engine was unreachable, replayed once it answers: nothing lost."""
    prefix = f"t{uuid4().hex[:10]}"
    spool_dir = tmp_path / "shared-spool"
    scheme = "elasticsearch" if backend.kind == "elasticsearch" else "opensearch"
    down = open_store(
        f"{scheme}://127.0.0.1:{free_port()}?prefix={prefix}&spool={spool_dir}&retries=0"
    )
    down.upsert_articles([_art(1, "a", "b"), _art(2, "c", "d")])
    up = make_store(prefix, spool=str(spool_dir))
    assert up.upsert_articles([_art(3, "e", "f")]) == 1
    assert up.count() == 3 and up.spool is not None and not up.spool.has_pending()
    art = up.get_article("id1")
    assert art is not None and art.ingested_at is not None


# --- alert rules run on the engine exactly as in Python -------------------------------------


def test_story_rules_count_the_stored_story_and_rasid_stories_lists_it(
    make_store: Callable[..., EngineStore],
    backend: Backend,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """min_story_size and spike count a story's articles across batches, as on SQLite; before
    story_articles the engine stores fell back to the batch at hand."""
    import json

    from alerts.evaluate import evaluate
    from alerts.rules import Rule, Spike
    from rasid.cli import main
    from store import es_store

    prefix = f"t{uuid4().hex[:10]}"
    st = make_store(prefix)
    now = datetime.now(UTC).replace(microsecond=0)
    rules = [
        Rule(id="big", keywords=["حفتر"], min_story_size=3),
        Rule(id="breaking", keywords=["حفتر"], spike=Spike(articles=3, within=3600, sources=2)),
    ]

    def art(i: int, source: str, minutes: int, **kw: Any) -> Article:
        return Article(
            id=f"s{i}", url=f"http://x/s{i}", canonical_url=f"http://x/s{i}", source=source,
            feed_id="f", title="حفتر يتقدم نحو طرابلس", body="نص", lang="ar", fetched_at=now,
            published_at=now - timedelta(minutes=minutes), story_id="s-s0", **kw,
        )  # fmt: skip

    batches = [[art(0, "sahara", 50)], [art(1, "sahara", 30, duplicate_of="s0")],
               [art(2, "manara", 5, duplicate_of="s0")]]  # fmt: skip
    fired: list[list[str]] = []
    for batch in batches:
        st.upsert_articles(batch)
        fired.append(sorted(a.rule_id for a in evaluate(rules, batch, st, now)))
    assert fired == [[], [], ["big", "breaking"]]
    assert sorted(a.id for a in st.story_articles("s-s0")) == ["s0", "s1", "s2"]
    monkeypatch.setattr(es_store, "_STORY_PAGE", 2)  # a story bigger than a page: scanned
    assert [a.id for a in st.story_articles("s-s0")] == ["s0", "s1", "s2"]
    assert [a.id for a in st.story_articles("s0")] == ["s0", "s1", "s2"]  # by its original
    st.close()
    url = backend.store_url(prefix, spool=str(tmp_path / "cli-spool"))
    assert main(["stories", "--store", url, "--json"]) == 0
    (story,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert story["story"] == "s-s0" and story["articles"] == 3 and story["duplicates"] == 2
    assert story["sources"] == ["sahara", "manara"] and story["last_hour"] == 3


def test_alert_rule_queries_agree_with_the_matcher(make_store: Callable[..., EngineStore]) -> None:
    from alerts.es_query import rule_to_query
    from alerts.quality import load_corpus
    from alerts.rules import match_article

    groups = load_corpus()
    st = make_store()
    arts: list[Article] = []
    for g in groups:
        for text in [*g.match, *g.no_match]:
            arts.append(_art(len(arts), text, "", source="aljazeera"))
    st.upsert_articles(arts)
    compared = 0
    for g in groups:
        texts = {*g.match, *g.no_match}
        ids = [a.id for a in arts if a.title in texts]
        body = {
            "query": {
                "bool": {"must": [rule_to_query(g.rule)], "filter": [{"ids": {"values": ids}}]}
            },
            "size": len(ids),
            "_source": False,
        }
        got = {h["_id"] for h in st.search_raw(body)["hits"]["hits"]}
        expected = {a.id for a in arts if a.id in ids and match_article(g.rule, a) is not None}
        assert got == expected, g.rule.id
        compared += len(ids)
    assert compared >= 140
