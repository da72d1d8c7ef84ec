"""One alert per (rule, story); later articles attach; evaluation by ingest time; preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from alerts.evaluate import alert_id, evaluate, story_key
from alerts.preview import preview
from alerts.rules import Rule, Spike
from rasid.records import Article
from store.sqlite import SqliteStore

RULES = [Rule(id="tripoli", keywords=["طرابلس"]), Rule(id="haftar", keywords=["حفتر"])]


def ingest_and_evaluate(
    store: SqliteStore, articles: list[Article], now: datetime, rules: list[Rule] = RULES
) -> list:
    """What the pipeline does: write, then evaluate what was ingested since the watermark."""
    mark = store.get_watermark("alerts")
    store.upsert_articles(articles)
    batch = store.articles_ingested_since(mark)
    alerts = evaluate(rules, batch, store, now)
    if batch:
        store.set_watermark("alerts", max(a.ingested_at for a in batch if a.ingested_at))
    return alerts


def test_one_alert_per_rule_and_story_then_attach(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    first = mk("a1", "اشتباكات في طرابلس", "قوات حفتر تتقدم", story_id="s1")
    alerts = ingest_and_evaluate(store, [first], now)
    assert sorted(a.rule_id for a in alerts) == ["haftar", "tripoli"]
    tripoli = next(a for a in alerts if a.rule_id == "tripoli")
    assert tripoli.id == alert_id("tripoli", "s1")
    assert tripoli.matched_terms == ["طرابلس"] and tripoli.article_id == "a1"

    # Same story from two other outlets, in a later batch: attached, no new alert.
    later = [
        mk("a2", "تجدد الاشتباكات بطرابلس", source="bbc", story_id="s1"),
        mk("a3", "طرابلس: هدوء حذر", source="alwasat", story_id="s1"),
    ]
    assert ingest_and_evaluate(store, later, now + timedelta(minutes=5)) == []
    stored = {a.rule_id: a for a in store.recent_alerts()}
    assert len(store.recent_alerts()) == 2
    assert stored["tripoli"].other_sources == ["alwasat", "bbc"]

    # A different story fires again.
    other = mk("a4", "انقطاع الكهرباء في طرابلس", story_id="s2")
    new = ingest_and_evaluate(store, [other], now + timedelta(minutes=10))
    assert [a.rule_id for a in new] == ["tripoli"]


def test_same_story_within_one_batch_and_duplicates(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    orig = mk("o1", "حفتر يلتقي وفداً")
    dup = mk("d1", "حفتر يلتقي وفداً أممياً", source="bbc", duplicate_of="o1")
    assert story_key(dup) == "o1"
    alerts = ingest_and_evaluate(store, [orig, dup], now)
    assert [a.rule_id for a in alerts] == ["haftar"]
    assert alerts[0].other_sources == ["bbc"]


def test_rerun_does_not_alert_twice(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    art = mk("a1", "طرابلس")
    assert len(evaluate(RULES, [art], store, now)) == 1
    assert evaluate(RULES, [art], store, now) == []


def test_late_published_item_is_evaluated_by_ingest_time(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    ingest_and_evaluate(store, [mk("a1", "خبر عادي")], now)
    # Published two days ago, fetched only now: still alerted.
    late = mk("late", "بيان من طرابلس", published_at=now - timedelta(days=2))
    alerts = ingest_and_evaluate(store, [late], now)
    assert [a.article_id for a in alerts] == ["late"]


def test_min_story_size(store: SqliteStore, mk: Callable[..., Article], now: datetime) -> None:
    rule = Rule(id="big", keywords=["حفتر"], min_story_size=2)
    assert ingest_and_evaluate(store, [mk("a1", "حفتر يصل", story_id="s")], now, [rule]) == []
    # The second article does not even name him: the story matched through its first member.
    alerts = ingest_and_evaluate(
        store, [mk("a2", "وصول القائد", source="bbc", story_id="s")], now, [rule]
    )
    assert len(alerts) == 1
    assert alerts[0].article_id == "a1" and alerts[0].other_sources == ["bbc"]


def test_spike_fires_once_a_story_breaks(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    """Three articles from two outlets within an hour: the story is breaking."""
    rule = Rule(id="breaking", keywords=["حفتر"], spike=Spike(articles=3, within=3600, sources=2))
    h = timedelta(hours=1)
    first = mk("a1", "حفتر يصل", story_id="s", published_at=now - 40 * h / 60)
    assert ingest_and_evaluate(store, [first], now, [rule]) == []
    # a second article of the same outlet: two articles, one outlet
    second = mk("a2", "وصول القائد", story_id="s", published_at=now - 20 * h / 60)
    assert ingest_and_evaluate(store, [second], now, [rule]) == []
    # a third, from another outlet: three within the hour, two outlets
    third = mk("a3", "القائد في المدينة", source="bbc", story_id="s", published_at=now)
    (alert,) = ingest_and_evaluate(store, [third], now, [rule])
    assert alert.article_id == "a1" and alert.other_sources == ["bbc"]
    # later articles attach to that alert; no second alert for the story
    fourth = mk("a4", "حفتر يتحدث", source="cnn", story_id="s", published_at=now)
    assert ingest_and_evaluate(store, [fourth], now, [rule]) == []
    assert alert.id in {a.id for a in store.recent_alerts(10)}


def test_no_spike_when_the_articles_are_spread_out_or_from_one_outlet(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    rule = Rule(id="breaking", keywords=["حفتر"], spike=Spike(articles=3, within=3600, sources=2))
    h = timedelta(hours=1)
    # three articles from three outlets, but over five hours: a story, not a burst
    spread = [
        mk(f"s{i}", "حفتر يصل", source=src, story_id="slow", published_at=now - k * h)
        for i, (src, k) in enumerate([("a", 5), ("b", 2), ("c", 0)])
    ]
    for art in spread:
        assert ingest_and_evaluate(store, [art], now, [rule]) == []
    # three articles within minutes, all from one outlet
    burst = [
        mk(f"o{i}", "حفتر يصل", story_id="one", published_at=now - i * h / 60) for i in range(3)
    ]
    assert ingest_and_evaluate(store, burst, now, [rule]) == []
    # a story that broke days ago is not breaking again when one more article arrives
    old = [
        mk(f"d{i}", "حفتر يصل", source=src, story_id="old", published_at=now - 3 * 24 * h)
        for i, src in enumerate(["a", "b", "c"])
    ]
    quiet = Rule(id="late", keywords=["حفتر"], spike=Spike(articles=3, within=3600))
    store.upsert_articles(old)
    store.set_watermark("alerts", max(a.ingested_at for a in store.articles_ingested_since(None)))
    late = mk("d9", "حفتر يصل", source="d", story_id="old", published_at=now)
    assert ingest_and_evaluate(store, [late], now, [quiet]) == []


def test_snippet_and_places(
    store: SqliteStore, mk: Callable[..., Article], now: datetime, places: dict
) -> None:
    body = "قال مسؤول إن " + "كلام " * 60 + "الاشتباكات في وطرابلس انتهت " + "كلام " * 60
    art = mk("a1", "عنوان", body, places=[places["tripoli_ly"]])
    (alert,) = evaluate([RULES[0]], [art], store, now)
    assert "وطرابلس" in alert.snippet and len(alert.snippet) < 400
    assert alert.places == ["طرابلس"]


def test_preview(store: SqliteStore, mk: Callable[..., Article], now: datetime) -> None:
    store.upsert_articles(
        [mk("a1", "في طرابلس"), mk("a2", "في بنغازي"), mk("a3", "لطرابلس والجنوب")]
    )
    got = preview("tripoli", store, RULES, limit=10)
    assert [(a.id, terms) for a, terms in got] == [("a3", ["طرابلس"]), ("a1", ["طرابلس"])]
    assert len(preview("tripoli", store, RULES, limit=1)) == 1
    # A rule object that is not in the list (e.g. a draft) works too.
    draft = Rule(id="draft", keywords=["بنغازي"], enabled=False)
    assert [a.id for a, _ in preview(draft, store, RULES)] == ["a2"]
    with pytest.raises(KeyError, match="known: tripoli, haftar"):
        preview("nope", store, RULES)
    # Nothing recorded.
    assert store.recent_alerts() == []


def test_preview_counted_counts_past_the_limit(
    store: SqliteStore, mk: Callable[..., Article]
) -> None:
    from alerts.preview import preview_counted

    store.upsert_articles([mk(f"a{i}", "في طرابلس") for i in range(5)] + [mk("b", "في بنغازي")])
    shown, total = preview_counted("tripoli", store, RULES, limit=2)
    assert (len(shown), total) == (2, 5)
