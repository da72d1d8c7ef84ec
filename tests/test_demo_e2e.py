"""`rasid demo` end to end: the bundled corpus through every stage, checked against
demo/expected.py (ground truth written by hand and re-derived from the corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo import expected as gt
from demo.server import serve_corpus
from rasid.config import load_settings
from rasid.pipeline import run_cycle
from rasid.records import SearchQuery
from store.sqlite import SqliteStore


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    mp.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    rules = tmp / "alerts.yaml"
    rules.write_text(
        "rules:\n  - {id: tripoli, keywords: [طرابلس]}\n  - {id: haftar, keywords: [حفتر]}\n"
        f"channels:\n  - {{id: file, type: jsonl, path: '{tmp / 'alerts.jsonl'}'}}\n"
    )
    with serve_corpus() as server:
        feeds = server.write_feeds_yaml(tmp / "feeds.yaml")
        settings = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp / 'r.db'}")
        settings.outbox_path = tmp / "outbox.db"
        report = run_cycle(settings)
        second = run_cycle(settings)
        yield report, second, SqliteStore(tmp / "r.db"), server.base_url, tmp
    mp.undo()


def _keys(articles) -> set[str]:  # type: ignore[no-untyped-def]
    return {gt.key_for_url(a.canonical_url) for a in articles}


def test_failed_feed_reported_and_others_processed(demo_run) -> None:  # type: ignore[no-untyped-def]
    report, *_ = demo_run
    failed = {f.feed_id: f.error for f in report.feeds_failed}
    assert list(failed) == [gt.FEED_HTTP_500]
    assert "500" in (failed[gt.FEED_HTTP_500] or "")
    ok = {f.feed_id for f in report.feeds if f.status == "ok"}
    assert ok == set(gt.WORKING_FEEDS)


def test_every_unique_url_stored_once(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, _, store, _, _ = demo_run
    arts = list(store.iter_articles())
    keys = [gt.key_for_url(a.canonical_url) for a in arts if a.url]
    assert len(keys) == len(set(keys))
    assert set(keys) >= set(gt.articles())  # all 47 pages (plus the link-less item)
    assert all("utm_" not in a.canonical_url for a in arts)


def test_rerun_adds_nothing(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, second, store, _, _ = demo_run
    assert second.articles_indexed == 0
    assert second.alerts_fired == 0
    assert store.count() == gt.N_UNIQUE_URLS + 1  # plus the link-less item, from its summary


def test_duplicates_linked_not_dropped(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, _, store, _, _ = demo_run
    by_key = {gt.key_for_url(a.canonical_url): a for a in store.iter_articles()}
    # Feeds are fetched concurrently, but the cycle's articles are deduplicated as one batch
    # in news time: the earliest report is the original whichever feed answered first, and
    # the story id (from the original) is the same on every run.
    root = by_key[gt.WIRE_ORIGINAL]
    assert root.duplicate_of is None and root.story_id == f"s-{root.id}"
    wire = [by_key[k] for k in gt.NEAR_DUPLICATES[gt.WIRE_ORIGINAL]]
    assert all(a.duplicate_of == root.id and a.story_id == root.story_id for a in wire)
    for orig, copies in gt.EXACT_CONTENT_DUPLICATES.items():
        # Al-Nil al-Yawm prints Cairo time with no zone; its feed's `timezone:` reads its
        # 20:05 as 17:05 UTC, before the verbatim copy's 18:30 UTC (read as UTC, it was after).
        assert by_key[orig].duplicate_of is None
        assert all(by_key[k].duplicate_of == by_key[orig].id for k in copies)


def test_aggregator_copy_keeps_the_outlets_article(demo_run) -> None:  # type: ignore[no-untyped-def]
    """The same page in two feeds, once with tracking parameters: one article, the outlet's
    own (its feed and its plain link), and the cycle counts what it stored."""
    report, _, store, _, _ = demo_run
    art = next(
        a
        for a in store.iter_articles()
        if gt.key_for_url(a.canonical_url) == gt.TRACKING_DUPLICATE_KEY
    )
    own, aggregator = gt.TRACKING_DUPLICATE_FEEDS
    assert art.feed_id == own and "utm_" not in art.url
    outcome = {f.feed_id: f for f in report.feeds}
    assert own in {f.feed_id for f in report.feeds if art.id in f.article_ids}
    assert art.id not in outcome[aggregator].article_ids
    assert report.articles_indexed == store.count()
    assert report.total("near_duplicates") == 3
    assert report.total("exact_duplicates") == 1


def test_one_story_with_its_coverage(demo_run) -> None:  # type: ignore[no-untyped-def]
    """The wire story is listed once, with its four outlets, not as four articles; the cycle
    counts stories across feeds (a story two feeds carry is one)."""
    from datetime import UTC, datetime

    from rasid.stories import top_stories

    report, _, store, _, _ = demo_run
    articles = list(store.iter_articles())
    assert report.stories == len({a.story_id for a in articles if a.story_id})
    assert report.stories == gt.N_STORIES + 1  # and the link-less item, from its summary
    top = top_stories(articles, datetime.now(UTC), limit=1)[0]
    wire = {gt.WIRE_ORIGINAL, *gt.NEAR_DUPLICATES[gt.WIRE_ORIGINAL]}
    assert top.articles == len(wire) and top.duplicates == len(wire) - 1
    assert sorted(top.sources) == sorted(k.split("-")[0] for k in wire)
    assert gt.key_for_url(top.url) in wire


def test_windows_1256_page_decoded(demo_run) -> None:  # type: ignore[no-untyped-def]
    report, _, store, _, _ = demo_run
    assert report.encodings.get("windows-1256") == 1
    art = next(
        a for a in store.iter_articles() if gt.key_for_url(a.canonical_url) == gt.CP1256_ARTICLE
    )
    assert art.lang == "ar"
    assert "الصمغ العربي" in art.title + art.body


def test_languages(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, _, store, _, _ = demo_run
    langs = {gt.key_for_url(a.canonical_url): a.lang for a in store.iter_articles()}
    for key in gt.ENGLISH_ARTICLES:
        assert langs[key] == "en"
    assert sum(1 for v in langs.values() if v == "ar") >= 45


def test_search_tripoli_finds_clitics_not_near_miss(demo_run) -> None:  # type: ignore[no-untyped-def]
    _, _, store, _, _ = demo_run
    hits = store.search(SearchQuery(text="طرابلس", limit=100))
    keys = {gt.key_for_url(h.article.canonical_url) for h in hits}
    assert keys == set(gt.TRIPOLI_ANY)
    haftar = {
        gt.key_for_url(h.article.canonical_url)
        for h in store.search(SearchQuery(text="حفتر", limit=100))
    }
    assert haftar == set(gt.HAFTAR)


def test_alerts_fire_once_per_story(demo_run) -> None:  # type: ignore[no-untyped-def]
    report, _, store, _, tmp = demo_run
    alerts = store.recent_alerts(100)
    by_rule: dict[str, list[str]] = {}
    for a in alerts:
        by_rule.setdefault(a.rule_id, []).append(gt.key_for_url(a.url) or "")
    # The four wire copies are one story: one alert each for tripoli and haftar, not four.
    wire = {gt.WIRE_ORIGINAL, *gt.NEAR_DUPLICATES[gt.WIRE_ORIGINAL]}
    assert sum(1 for k in by_rule["tripoli"] if k in wire) == 1
    assert sum(1 for k in by_rule["haftar"] if k in wire) == 1
    assert not set(by_rule["tripoli"]) & set(gt.TRIPOLI_NEAR_MISS)
    lines = [json.loads(x) for x in (Path(tmp) / "alerts.jsonl").read_text().splitlines()]
    assert len(lines) == len(alerts) == report.alerts_fired
