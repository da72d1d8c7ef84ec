from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rasid.records import Alert, Article, Entity, FeedState, Place, SearchQuery
from store.base import StoreError
from store.factory import open_store
from store.sqlite import SqliteStore


def _art(i: int, title: str, body: str, **kw: object) -> Article:
    now = datetime(2019, 4, 5, 12, tzinfo=UTC)
    return Article(
        id=f"id{i}", url=f"http://x/{i}", canonical_url=f"http://x/{i}",
        source=kw.pop("source", "s1"),  # type: ignore[arg-type]
        feed_id="f", title=title, body=body, lang="ar", fetched_at=now,
        published_at=now + timedelta(hours=i), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_upsert_is_idempotent_and_search_handles_clitics(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles([_art(1, "اشتباكات في طرابلس", "قوات حفتر تتقدم نحو العاصمة")])
    st.upsert_articles([_art(1, "اشتباكات في طرابلس", "قوات حفتر تتقدم نحو العاصمة")])
    st.upsert_articles([_art(2, "مطبخ طرابلسي", "وصفة من الشمال")])
    st.upsert_articles([_art(3, "وصول إلى بطرابلس", "وقال لحفتر إن …")])
    assert st.count() == 3
    ids = [h.article.id for h in st.search(SearchQuery(text="طرابلس"))]
    assert sorted(ids) == ["id1", "id3"]  # «طرابلسي» is another word
    hit = st.search(SearchQuery(text="حفتر", sort="recency"))[0]
    assert hit.article.id == "id3"
    assert "«لحفتر»" in hit.marked()["body"][0]


def test_first_ingest_time_is_kept_on_rewrite(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles([_art(1, "a", "b")])
    first = st.get_article("id1")
    assert first is not None and first.ingested_at is not None
    st.upsert_articles([_art(1, "a", "b2")])
    again = st.get_article("id1")
    assert again is not None and again.ingested_at == first.ingested_at and again.body == "b2"
    assert st.articles_ingested_since(first.ingested_at) == []


def test_filters_entity_place_source_date(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
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


def test_country_filter_tells_the_two_tripolis_apart(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles([
        _art(1, "اشتباكات في طرابلس", "نص", places=[Place("طرابلس", 32.9, 13.2, "LY", 2210247)]),
        _art(2, "مرفأ طرابلس", "نص", places=[Place("طرابلس", 34.4, 35.8, "LB", 266826),
                                            Place("لبنان", 33.8, 35.8, "LB", 272103)]),
        _art(3, "طرابلس", "نص"),  # no place resolved: no country to match
    ])  # fmt: skip
    ids = [h.article.id for h in st.search(SearchQuery(place="طرابلس", country="LY"))]
    assert ids == ["id1"]
    assert [h.article.id for h in st.search(SearchQuery(text="طرابلس", country="lb"))] == ["id2"]
    assert [h.article.id for h in st.search(SearchQuery(country="LB"))] == ["id2"]


def test_user_input_cannot_break_fts_syntax(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles([_art(1, "a", "b")])
    assert st.search(SearchQuery(text='"NEAR( OR * ^')) == []


def test_a_query_without_words_matches_nothing(tmp_path: Path) -> None:
    # '!!!' used to become an empty FTS5 group: "fts5: syntax error", a StoreError.
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles([_art(1, "خبر", "نص", entities=[Entity("PER", "حفتر", [])])])
    for junk in ("!!!", '"', "*", "«»", " ( ) "):
        assert st.search(SearchQuery(text=junk)) == []
        assert st.search(SearchQuery(text="خبر", entity=junk)) == []
        assert st.search(SearchQuery(place=junk, source="s1")) == []
    assert [h.article.id for h in st.search(SearchQuery(text="خبر!!!"))] == ["id1"]


def test_feed_state_alerts_watermarks_roundtrip(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
    now = datetime.now(UTC)
    st.save_feed_state(FeedState("f", etag='"x"', seen_guids=["g1"], last_polled_at=now))
    assert st.get_feed_state("f").etag == '"x"'
    assert st.get_feed_state("f").last_polled_at == now
    alert = Alert("a1", "tripoli", "id1", "t", "s1", "http://x", ["طرابلس"], now)
    assert st.record_alert(alert)
    assert not st.record_alert(alert)
    st.attach_to_alert("a1", "id2", "s2")
    assert st.recent_alerts()[0].other_sources == ["s2"]
    st.set_watermark("alerts", now)
    assert st.get_watermark("alerts") == now
    st.close()
    assert SqliteStore(tmp_path / "r.db").get_feed_state("f").seen_guids == ["g1"]


def test_open_store_for_reading_refuses_a_missing_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'r.db'}"
    with pytest.raises(StoreError, match="no store at") as exc:
        open_store(url, create=False)
    assert exc.value.cause == "missing" and not (tmp_path / "no").exists()
    open_store(url).close()  # the default still creates it (run, demo, watch)
    open_store(url, create=False).close()


def test_feed_state_updates_from_two_handles_lose_nothing(tmp_path: Path) -> None:
    # Two connections to one file, as a long run and a WebSub push (or two Airflow tasks)
    # hold: each update reads and writes under the file's write lock.
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    stores = [SqliteStore(tmp_path / "r.db"), SqliteStore(tmp_path / "r.db")]

    def add(i: int) -> None:
        stores[i % 2].update_feed_state(
            "f", lambda s: replace(s, seen_guids=[*s.seen_guids, f"g{i}"])
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(200)))
    assert sorted(stores[0].get_feed_state("f").seen_guids) == sorted(f"g{i}" for i in range(200))
