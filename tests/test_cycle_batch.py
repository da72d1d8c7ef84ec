"""A cycle's articles are finished as one batch: the original is the earliest report
whichever feed answers first, and one feed's broken article costs only that feed."""

from __future__ import annotations

from pathlib import Path

import pytest

import rasid.pipeline as pl
from rasid.config import load_settings
from store.sqlite import SqliteStore

BODY = (
    "أعلنت البعثة الأممية في ليبيا استئناف الحوار العسكري بين الطرفين الأسبوع المقبل في مدينة"
    " سرت، بحضور ممثلين عن القيادة العامة وحكومة الوفاق، وقالت إن اللجنة ستبحث تثبيت وقف"
    " إطلاق النار وفتح الطريق الساحلي وتبادل المحتجزين وإخراج المرتزقة من خطوط التماس. "
) * 3


def _rss(base: str, path: str, title: str, date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>{date}</pubDate><description>{BODY}</description></item>"
        "</channel></rss>"
    ).encode()


@pytest.fixture
def two_feeds(loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    base = loopback_server.base_url
    # The later copy's feed is listed (and answers) first; its page is the feed's text.
    loopback_server.routes["/late.xml"] = (
        200, {}, _rss(base, "/late", "نسخة لاحقة", "Mon, 14 Oct 2024 13:05:00 +0000"),
    )  # fmt: skip
    loopback_server.routes["/early.xml"] = (
        200, {}, _rss(base, "/early", "الخبر الأول", "Mon, 14 Oct 2024 08:15:00 +0000"),
    )  # fmt: skip
    for path in ("/late", "/early"):
        loopback_server.routes[path] = (404, {}, b"")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - {{id: late, name: L, url: '{base}/late.xml'}}\n"
        f"  - {{id: early, name: E, url: '{base}/early.xml'}}\n"
    )
    rules = tmp_path / "alerts.yaml"
    rules.write_text("rules: []\nchannels: []\n")
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'r.db'}")
    settings.outbox_path = tmp_path / "outbox.db"
    return settings, SqliteStore(tmp_path / "r.db")


def test_the_earliest_report_is_the_original(two_feeds) -> None:  # type: ignore[no-untyped-def]
    settings, store = two_feeds
    report = pl.run_cycle(settings)
    assert [f.status for f in report.feeds] == ["ok", "ok"]
    by_feed = {a.feed_id: a for a in store.iter_articles()}
    early, late = by_feed["early"], by_feed["late"]
    assert early.duplicate_of is None and late.duplicate_of == early.id
    assert early.story_id == late.story_id == f"s-{early.id}"
    assert report.stories == 1


def test_a_broken_article_costs_only_its_feed(two_feeds, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    settings, store = two_feeds
    real = pl.enrich

    def enrich(title: str, body: str):  # type: ignore[no-untyped-def]
        if title == "نسخة لاحقة":
            raise RuntimeError("a tagger bug")
        return real(title, body)

    monkeypatch.setattr(pl, "enrich", enrich)
    report = pl.run_cycle(settings)
    status = {f.feed_id: (f.status, f.error) for f in report.feeds}
    assert status["early"] == ("ok", None)
    assert status["late"][0] == "error" and "a tagger bug" in (status["late"][1] or "")
    assert [a.feed_id for a in store.iter_articles()] == ["early"]

    monkeypatch.setattr(pl, "enrich", real)
    again = pl.run_cycle(settings)  # the failed feed's state was not saved: it is retried
    assert {f.feed_id: f.indexed for f in again.feeds} == {"late": 1, "early": 0}
    assert sorted(a.feed_id for a in store.iter_articles()) == ["early", "late"]
