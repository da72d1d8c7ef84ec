"""Corrections: an outlet edits a published article under the same link.

The feed says so (a newer <updated> with <pubDate> unchanged, or another title); Rasid
fetches the page again and updates the stored document in place: same id, no duplicate,
first ingest time kept, re-enriched, at most `correction_refetches` re-fetches per item,
and one alert per story and rule still. Served by the project's loopback server
(ingest/testserver.py) over real HTTP.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.feeds import parse_feed
from ingest.revisions import change, item_key, note_listed, revised_items, signature
from ingest.testserver import LoopbackServer, send
from processing.corrections import apply_correction
from rasid.config import Settings, load_settings
from rasid.pipeline import poll_feed_task, process_feed_batch, run_cycle
from rasid.records import Article, Feed, FeedItem, FeedState, SearchQuery
from rasid.summary import summary_lines
from store.es_common import article_to_doc, missing_fields
from store.sqlite import SqliteStore

PUB = "Mon, 06 Jan 2025 08:00:00 GMT"
LEAD = "أعلنت الحكومة في طرابلس اليوم عن خطة جديدة لدعم الاقتصاد المحلي وتحسين الخدمات العامة. "
BODY = LEAD * 6
ADDED = "وأضاف المتحدث أن مصرف ليبيا المركزي سيشرف على تنفيذ الخطة خلال الأشهر المقبلة."
N_OTHERS = 2  # items that never change, so counts show nothing else moves


class Site:
    """A feed whose first item the test edits: its <updated>, its title, its page."""

    def __init__(self, srv: LoopbackServer) -> None:
        self.srv = srv
        self.updated: str | None = "2025-01-06T08:00:00Z"
        self.feed_title = "خطة اقتصادية في طرابلس"
        self.page_title = "خطة اقتصادية في طرابلس"
        self.paragraphs = [BODY]
        self.description = ""  # the feed's teaser for the item, if it gives one
        self.page_status = 200
        srv.routes["/feed.xml"] = self._feed
        srv.routes["/a1"] = self._page
        for i in range(N_OTHERS):
            page = _html(f"خبر آخر رقم {i}", [f"{i} " + "نص خبر آخر عن الطقس والرياضة. " * 20])
            srv.routes[f"/o{i}"] = lambda h, p=page: send(h, 200, p, "text/html; charset=utf-8")

    def _feed(self, h: object) -> None:
        # No validators: the feed is downloaded whole on every poll, as many outlets serve it.
        send(h, 200, self.feed_xml(), "application/rss+xml; charset=utf-8")  # type: ignore[arg-type]

    def feed_xml(self) -> bytes:
        updated = f"<atom:updated>{self.updated}</atom:updated>" if self.updated else ""
        teaser = f"<description>{self.description}</description>" if self.description else ""
        items = (
            f"<item><title>{self.feed_title}</title><link>{self.srv.url('/a1')}</link>"
            f"<guid>g1</guid><pubDate>{PUB}</pubDate>{updated}{teaser}</item>"
        )
        for i in range(N_OTHERS):
            items += (
                f"<item><title>خبر آخر رقم {i}</title><link>{self.srv.url(f'/o{i}')}</link>"
                f"<guid>o{i}</guid><pubDate>{PUB}</pubDate></item>"
            )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"'
            ' xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
            f"{items}</channel></rss>"
        )
        return rss.encode()

    def _page(self, h: object) -> None:
        body = _html(self.page_title, self.paragraphs)
        if self.page_status != 200:
            body = b"<html><body>Service Unavailable</body></html>"
        send(h, self.page_status, body, "text/html; charset=utf-8")  # type: ignore[arg-type]

    @property
    def page_hits(self) -> int:
        return self.srv.hits.get("/a1", 0)


def _html(title: str, paragraphs: list[str]) -> bytes:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="ar"><head><title>{title}</title></head><body><article><h1>{title}</h1>'
        f"{ps}</article></body></html>"
    ).encode()


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    with LoopbackServer() as srv:
        yield Site(srv)


RULES = (
    "rules:\n"
    "  - {id: tripoli, keywords: [طرابلس]}\n"
    "  - {id: central-bank, keywords: [مصرف ليبيا المركزي]}\n"
)


def _settings(tmp_path: Path, site: Site, **file: object) -> Settings:
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: f1, name: F, url: '{site.srv.url('/feed.xml')}'}}\n"
    )
    sent = tmp_path / "sent.jsonl"
    (tmp_path / "alerts.yaml").write_text(
        RULES + f"channels:\n  - {{id: file, type: jsonl, path: '{sent}'}}\n"
    )
    (tmp_path / "rasid.yaml").write_text("".join(f"{k}: {v}\n" for k, v in file.items()))
    return load_settings(
        tmp_path / "rasid.yaml",
        feeds=tmp_path / "feeds.yaml",
        rules=tmp_path / "alerts.yaml",
        store=f"sqlite:///{tmp_path / 'r.db'}",
    )


def _sent(tmp_path: Path) -> list[str]:
    path = tmp_path / "sent.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["alert"]["rule_id"] for line in path.read_text().splitlines()]


def _stored(tmp_path: Path) -> tuple[Article, int]:
    store = SqliteStore(tmp_path / "r.db")
    try:
        arts = [a for a in store.iter_articles() if a.url.endswith("/a1")]
        assert len(arts) == 1  # never a second document for the same link
        return arts[0], store.count()
    finally:
        store.close()


def test_a_newer_updated_date_updates_the_document_in_place(site: Site, tmp_path: Path) -> None:
    settings = _settings(tmp_path, site)
    first = run_cycle(settings)
    assert first.articles_indexed == 1 + N_OTHERS and first.feeds[0].rechecked == 0
    before, count = _stored(tmp_path)
    assert before.revision == 0 and before.updated_at is None
    assert _sent(tmp_path) == ["tripoli"]

    # The outlet adds a paragraph and retitles; <pubDate> stays, <updated> moves on.
    site.updated = "2025-01-06T10:30:00Z"
    site.page_title = "تحديث: خطة اقتصادية في طرابلس بإشراف المصرف المركزي"
    site.paragraphs = [BODY, ADDED]
    hits = site.page_hits
    second = run_cycle(settings)
    out = second.feeds[0]
    # The corrected item is not counted unchanged too (a user audit read it both ways).
    assert (out.new, out.unchanged, out.rechecked, out.corrected) == (0, N_OTHERS, 1, 1)
    assert out.corrected_ids == [before.id]  # which document, for scripts (--json)
    assert second.entities > 0  # the corrected article was enriched again
    assert second.articles_corrected == 1 and second.articles_indexed == 0
    assert site.page_hits == hits + 1  # the changed item only, not the other items
    after, count_after = _stored(tmp_path)
    assert count_after == count
    assert after.id == before.id and after.title == site.page_title and ADDED in after.body
    assert after.ingested_at == before.ingested_at  # the first ingest time stays
    assert after.published_at == before.published_at and after.fetched_at == before.fetched_at
    assert after.revision == 1 and after.updated_at is not None
    assert after.content_hash == before.content_hash  # the key the dedup state knows it by
    # Same document, same relations: not a duplicate of itself, same story.
    assert after.duplicate_of is None and after.story_id == before.story_id
    # Re-enriched from the new text: Libya is a place now, the spokesman's claim is found.
    assert [p.name for p in before.places] == ["طرابلس"]
    assert "ليبيا" in [p.name for p in after.places]
    assert any(c.speaker == "المتحدث" for c in after.claims)
    # Alerts: «طرابلس» already alerted for this story (not sent again); the new paragraph
    # matches «مصرف ليبيا المركزي» for the first time, which alerts as usual.
    assert second.alerts_fired == 1
    assert _sent(tmp_path) == ["tripoli", "central-bank"]
    text = "\n".join(summary_lines(second, settings.store_url))
    assert "corrections        1 re-fetched (their feed says they changed), 1 updated" in text

    # Searchable by the new text.
    store = SqliteStore(tmp_path / "r.db")
    try:
        hits_new = store.search(SearchQuery(text="المقبلة"))
        assert [h.article.id for h in hits_new] == [before.id]
    finally:
        store.close()

    # Nothing changed since: no re-fetch, no write, no alert.
    third = run_cycle(settings)
    assert (third.feeds[0].rechecked, third.articles_corrected, third.alerts_fired) == (0, 0, 0)
    assert site.page_hits == hits + 1
    assert _stored(tmp_path)[0].revision == 1
    assert _sent(tmp_path) == ["tripoli", "central-bank"]


def test_a_changed_feed_title_without_a_date_is_a_correction_too(
    site: Site, tmp_path: Path
) -> None:
    site.updated = None  # the feed carries <pubDate> only
    settings = _settings(tmp_path, site)
    run_cycle(settings)
    site.feed_title = site.page_title = "خطة اقتصادية معدلة في طرابلس"
    out = run_cycle(settings).feeds[0]
    assert (out.rechecked, out.corrected) == (1, 1)
    assert _stored(tmp_path)[0].title == "خطة اقتصادية معدلة في طرابلس"


def test_refetches_are_bounded_and_an_unchanged_page_is_not_written(
    site: Site, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, site, correction_refetches=2)
    run_cycle(settings)
    before, count = _stored(tmp_path)
    hits = site.page_hits
    # A feed that bumps <updated> on every poll while the page stays the same.
    rechecked = []
    for hour in range(10, 15):
        site.updated = f"2025-01-06T{hour}:00:00Z"
        out = run_cycle(settings).feeds[0]
        rechecked.append(out.rechecked)
        assert out.corrected == 0
    assert rechecked == [1, 1, 0, 0, 0]
    assert site.page_hits == hits + 2
    after, count_after = _stored(tmp_path)
    assert count_after == count
    # An unchanged re-fetch writes nothing.
    assert after.to_dict() == before.to_dict()
    # The bound holds for a real change too, once spent.
    site.updated = "2025-01-06T20:00:00Z"
    site.paragraphs = [BODY, ADDED]
    assert run_cycle(settings).feeds[0].rechecked == 0
    assert site.page_hits == hits + 2


def test_corrections_off_with_zero(site: Site, tmp_path: Path) -> None:
    settings = _settings(tmp_path, site, correction_refetches=0)
    run_cycle(settings)
    hits = site.page_hits
    site.updated = "2025-01-06T10:30:00Z"
    site.paragraphs = [BODY, ADDED]
    assert run_cycle(settings).feeds[0].rechecked == 0
    assert site.page_hits == hits and ADDED not in _stored(tmp_path)[0].body


def test_correction_refetches_is_validated(tmp_path: Path) -> None:
    from rasid.yamlconf import ConfigError

    (tmp_path / "rasid.yaml").write_text("correction_refetches: -1\n")
    with pytest.raises(ConfigError, match="correction_refetches"):
        load_settings(tmp_path / "rasid.yaml")
    (tmp_path / "rasid.yaml").write_text("workers: 2\n")
    assert load_settings(tmp_path / "rasid.yaml").correction_refetches == 3  # the default


def test_airflow_tasks_apply_corrections_the_same_way(site: Site, tmp_path: Path) -> None:
    settings = _settings(tmp_path, site)
    first = process_feed_batch(settings, poll_feed_task(settings, "f1"))
    assert first["indexed"] == 1 + N_OTHERS and first["corrected"] == 0
    before, count = _stored(tmp_path)
    site.updated = "2025-01-06T10:30:00Z"
    site.paragraphs = [BODY, ADDED]
    poll = poll_feed_task(settings, "f1")
    assert poll["new_items"] == [] and len(poll["revised_items"]) == 1
    out = process_feed_batch(settings, poll)
    assert out["corrected"] == 1 and out["indexed"] == 0 and out["article_ids"] == [before.id]
    after, count_after = _stored(tmp_path)
    assert count_after == count and ADDED in after.body and after.revision == 1
    # Settled: the next poll revises nothing.
    assert poll_feed_task(settings, "f1")["revised_items"] == []


def test_a_websub_push_of_a_corrected_entry_corrects_too(site: Site, tmp_path: Path) -> None:
    from rasid.websub_server import handle_push

    settings = _settings(tmp_path, site)
    run_cycle(settings)
    before, count = _stored(tmp_path)
    site.updated = "2025-01-06T10:30:00Z"
    site.paragraphs = [BODY, ADDED]
    out = handle_push(settings, "f1", site.feed_xml(), base_url=site.srv.url("/feed.xml"))
    assert (out["new"], out["corrected"]) == (0, 1)
    after, count_after = _stored(tmp_path)
    assert count_after == count and after.id == before.id and ADDED in after.body
    assert out["alerts"] == 1 and _sent(tmp_path) == ["tripoli", "central-bank"]


# --- the pure parts -----------------------------------------------------------------------


def _item(**kw: object) -> FeedItem:
    base: dict[str, object] = {
        "feed_id": "f", "source": "f", "guid": "g", "url": "https://x.example/a?utm_source=t",
        "title": "t", "published_at": datetime(2025, 1, 6, 8, tzinfo=UTC),
    }  # fmt: skip
    base.update(kw)
    return FeedItem(**base)  # type: ignore[arg-type]


def test_feed_updated_date_is_read_without_feedparsers_published_fallback() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        "<channel><title>t</title>"
        f"<item><title>a</title><link>http://x/a</link><pubDate>{PUB}</pubDate></item>"
        f"<item><title>b</title><link>http://x/b</link><pubDate>{PUB}</pubDate>"
        "<atom:updated>2025-01-06T10:00:00Z</atom:updated></item></channel></rss>"
    )
    a, b = parse_feed(rss.encode(), Feed("f", "f", "http://x/f"), "http://x/f")
    assert a.updated_at is None  # feedparser's entry.get("updated") would say 08:00
    assert b.updated_at == datetime(2025, 1, 6, 10, tzinfo=UTC)
    assert b.published_at == datetime(2025, 1, 6, 8, tzinfo=UTC)


def test_what_counts_as_a_change() -> None:
    at10 = datetime(2025, 1, 6, 10, tzinfo=UTC)
    item = _item(updated_at=at10)
    record = {"updated": at10.isoformat(), "sig": signature(item), "refetches": 0}
    assert change(record, item) is None
    assert change(record, _item(updated_at=datetime(2025, 1, 6, 11, tzinfo=UTC))) == "updated"
    # An older date (a feed flapping between two caches) is not a correction.
    assert change(record, _item(updated_at=datetime(2025, 1, 6, 9, tzinfo=UTC))) is None
    assert change(record, _item(updated_at=at10, title="t2")) == "changed"
    assert change(record, _item(updated_at=at10, title=" t ")) is None  # whitespace aside
    # The key is the canonical link: tracking parameters do not make another item.
    assert item_key(item) == item_key(_item(url="https://x.example/a"))


def test_versions_are_kept_for_listed_items_only_and_first_sight_is_a_baseline() -> None:
    a, b = _item(), _item(url="https://x.example/b", guid="b")
    state = FeedState("f", item_versions={"gone": {"sig": "x", "refetches": 3}})
    note_listed(state, [a, b], skip=[item_key(b)])
    assert set(state.item_versions) == {item_key(a)}  # b is new: recorded once stored
    assert revised_items([a], state, limit=3) == []
    changed = _item(title="t2")
    (rev,) = revised_items([changed], state, limit=3)
    assert (rev.key, rev.reason) == (item_key(a), "changed")
    assert revised_items([changed], state, limit=0) == []  # corrections off
    state.item_versions[item_key(a)]["refetches"] = 3
    assert revised_items([changed], state, limit=3) == []  # bound spent
    # The state survives a store round trip.
    assert FeedState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def _article(**kw: object) -> Article:
    base: dict[str, object] = {
        "id": "a1", "url": "u", "canonical_url": "u", "source": "s", "feed_id": "f",
        "title": "عنوان", "body": "نص أول", "lang": "ar",
        "fetched_at": datetime(2025, 1, 6, 8, tzinfo=UTC), "story_id": "s1",
        "duplicate_of": "a0", "similarity": 0.8,
    }  # fmt: skip
    base.update(kw)
    return Article(**base)  # type: ignore[arg-type]


def test_apply_correction_keeps_identity_and_relations() -> None:
    now = datetime(2025, 1, 6, 12, tzinfo=UTC)
    stored = _article(ingested_at=datetime(2025, 1, 6, 9, tzinfo=UTC))
    fresh = _article(id="other", body="نص أول\nوفقرة جديدة", story_id=None, duplicate_of=None)
    assert apply_correction(stored, _article(body=" نص  أول "), now) is None  # whitespace only
    out = apply_correction(stored, fresh, now)
    assert out is not None
    assert (out.id, out.story_id, out.duplicate_of, out.similarity) == ("a1", "s1", "a0", 0.8)
    assert out.ingested_at == stored.ingested_at and out.body == fresh.body
    assert (out.updated_at, out.revision) == (now, 1)
    assert Article.from_dict(out.to_dict()) == out


def test_engine_document_carries_the_correction_fields() -> None:
    now = datetime(2025, 1, 6, 12, tzinfo=UTC)
    doc = article_to_doc(_article(updated_at=now, revision=2))
    assert doc["updated_at"] == now.isoformat() and doc["revision"] == 2
    # An index created before corrections gets the fields added; a current one nothing.
    assert set(missing_fields({"id": {"type": "keyword"}})) == {"updated_at", "revision"}
    assert missing_fields({"updated_at": {}, "revision": {}}) == {}


def test_a_store_made_before_corrections_opens_and_takes_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE articles (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,"
        " source TEXT, feed_id TEXT, lang TEXT, published_at TEXT, fetched_at TEXT,"
        " ingested_at TEXT, content_hash TEXT, story_id TEXT, duplicate_of TEXT,"
        " doc TEXT NOT NULL);"
    )
    db.close()
    store = SqliteStore(path)
    try:
        store.upsert_articles([_article()])
        since = datetime.now(UTC)
        assert store.articles_updated_since(since) == []
        now = datetime.now(UTC)
        store.upsert_articles([_article(body="نص مصحح", updated_at=now, revision=1)])
        (got,) = store.articles_updated_since(since, datetime.now(UTC))
        assert got.body == "نص مصحح" and store.count() == 1
    finally:
        store.close()


def test_a_refetch_that_gets_no_page_keeps_the_article(site: Site, tmp_path: Path) -> None:
    # A 503 on the re-fetch made the feed's teaser the "corrected" body: the full text was
    # replaced by 80 characters, re-enriched from them, and the item taken as settled.
    site.description = "أعلنت الحكومة في طرابلس اليوم عن خطة جديدة لدعم الاقتصاد المحلي."
    settings = _settings(tmp_path, site)
    run_cycle(settings)
    before, _ = _stored(tmp_path)
    assert before.extraction != "feed-summary"
    site.updated, site.page_status = "2025-01-06T10:30:00Z", 503
    out = run_cycle(settings).feeds[0]
    assert (out.rechecked, out.corrected) == (1, 0)
    assert _stored(tmp_path)[0].to_dict() == before.to_dict()
    assert any("correction not fetched, tried again next poll" in e for e in out.item_errors)
    # Not settled, so the next poll tries again; the page is back and had changed.
    site.page_status, site.paragraphs = 200, [BODY, ADDED]
    out = run_cycle(settings).feeds[0]
    assert (out.rechecked, out.corrected) == (1, 1)
    assert ADDED in _stored(tmp_path)[0].body


def test_an_alert_a_correction_fired_survives_a_crash_before_it_was_queued(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The alert was recorded in the store, then the run died before the outbox had it: the
    # next run found it recorded and, for a corrected article, queued nothing. Lost.
    import alerts.deliver

    settings = _settings(tmp_path, site)
    run_cycle(settings)
    db = sqlite3.connect(tmp_path / "r.db")  # ingested long ago: only the correction is new
    db.execute("UPDATE articles SET ingested_at='2025-01-01T00:00:00.000000+00:00'")
    db.commit()
    db.close()
    site.updated, site.paragraphs = "2025-01-06T10:30:00Z", [BODY, ADDED]
    real = alerts.deliver.deliver

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed before queueing")

    monkeypatch.setattr(alerts.deliver, "deliver", crash)
    with pytest.raises(RuntimeError):
        run_cycle(settings)
    monkeypatch.setattr(alerts.deliver, "deliver", real)
    run_cycle(settings)
    assert _sent(tmp_path) == ["tripoli", "central-bank"]
