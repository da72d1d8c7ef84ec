"""A feed that keeps failing is backed off, then disabled, shown as such, and re-enabled by
the operator; the other feeds go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from rasid.cli import main
from rasid.config import load_settings
from rasid.pipeline import run_cycle
from rasid.records import FeedState
from store.sqlite import SqliteStore

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>x</title><link>{base}/a</link><guid>g1</guid><description>%s</description></item>
</channel></rss>""" % ("نص طويل بما يكفي ليحل محل الصفحة عند الحاجة " * 3).encode()


def test_failing_feed_is_disabled_then_reenabled(
    loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    base = loopback_server.base_url
    loopback_server.routes["/bad.xml"] = (500, {}, b"boom")
    loopback_server.routes["/good.xml"] = (200, {}, RSS.replace(b"{base}", base.encode()))
    loopback_server.routes["/a"] = (404, {}, b"")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - {{id: bad, name: B, url: '{base}/bad.xml'}}\n"
        f"  - {{id: good, name: G, url: '{base}/good.xml'}}\n"
    )
    rules = tmp_path / "alerts.yaml"
    rules.write_text("rules: []\nchannels: []\n")
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    db = tmp_path / "r.db"
    store = SqliteStore(db)
    store.save_feed_state(FeedState("bad", failures=9))  # one more failure disables it
    settings = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{db}")
    settings.outbox_path = tmp_path / "outbox.db"

    report = run_cycle(settings)
    assert {f.feed_id: f.status for f in report.feeds} == {"bad": "error", "good": "ok"}
    assert report.articles_indexed == 1  # the good feed's item, from its summary
    state = store.get_feed_state("bad")
    assert state.disabled and state.failures == 10 and state.next_poll_at is not None

    again = run_cycle(settings)
    bad = next(f for f in again.feeds if f.feed_id == "bad")
    assert bad.status == "disabled"
    # the hint can be pasted as it is: it names this run's feeds file and store
    assert f"`rasid feeds --enable bad --feeds {feeds} --store sqlite:///{db}`" in (bad.error or "")
    assert loopback_server.hits["/bad.xml"] == 1  # a disabled feed is not polled

    assert (
        main(["feeds", "--feeds", str(feeds), "--store", f"sqlite:///{db}", "--enable", "bad"]) == 0
    )
    assert "re-enabled" in capsys.readouterr().err
    assert not store.get_feed_state("bad").disabled


def test_failed_item_is_retried_next_cycle(
    loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    base = loopback_server.base_url
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>x</title><link>" + base.encode() + b"/a</link><guid>g1</guid></item>"
        b"</channel></rss>"
    )
    loopback_server.routes["/f.xml"] = (200, {"ETag": '"v1"'}, feed)
    loopback_server.routes["/a"] = (503, {}, b"")  # the page is down, the feed has no text
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - {{id: f, name: F, url: '{base}/f.xml'}}\n")
    rules = tmp_path / "alerts.yaml"
    rules.write_text("rules: []\nchannels: []\n")
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'r.db'}")
    settings.outbox_path = tmp_path / "outbox.db"
    first = run_cycle(settings)
    assert first.total("failed") == 1 and first.articles_indexed == 0
    store = SqliteStore(tmp_path / "r.db")
    # The validator did not move on, so the next poll gets the whole feed, not a 304.
    assert store.get_feed_state("f").etag is None
    page = (
        "<html><body><article><h1>عنوان</h1><p>"
        + "نص المقال الكامل هنا. " * 30
        + "</p></article></body></html>"
    )
    loopback_server.routes["/a"] = (
        200,
        {"Content-Type": "text/html; charset=utf-8"},
        page.encode(),
    )
    second = run_cycle(settings)
    assert second.articles_indexed == 1
    assert store.get_feed_state("f").etag == '"v1"'


def test_watch_polls_every_cycle_unless_adaptive_or_backing_off(
    loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    base = loopback_server.base_url
    loopback_server.routes["/good.xml"] = (200, {}, RSS.replace(b"{base}", base.encode()))
    loopback_server.routes["/a"] = (404, {}, b"")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - {{id: good, name: G, url: '{base}/good.xml'}}\n")
    rules = tmp_path / "alerts.yaml"
    rules.write_text("rules: []\nchannels: []\n")
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'r.db'}")
    settings.outbox_path = tmp_path / "outbox.db"
    store = SqliteStore(tmp_path / "r.db")
    later = datetime.now(UTC) + timedelta(minutes=30)  # the adaptive interval says: not yet
    store.save_feed_state(FeedState("good", next_poll_at=later))
    assert run_cycle(settings, only_due=True).feeds[0].status == "ok"  # --every wins
    store.save_feed_state(FeedState("good", next_poll_at=later))
    assert run_cycle(settings, only_due=True, adaptive=True).feeds[0].status == "not-due"
    store.save_feed_state(FeedState("good", next_poll_at=later, failures=2))  # backing off
    assert run_cycle(settings, only_due=True).feeds[0].status == "not-due"


def test_feeds_json_shows_how_long_the_last_poll_took(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # feed_health left last_poll_s out, so `rasid feeds --json` always showed null.
    import json
    from datetime import UTC, datetime

    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds:\n  - {id: slow, name: S, url: 'http://x.invalid/s'}\n"
        "  - {id: quick, name: Q, url: 'http://x.invalid/q'}\n"
    )
    db = tmp_path / "r.db"
    store = SqliteStore(db)
    polled = datetime(2025, 6, 1, tzinfo=UTC)
    store.save_feed_state(FeedState("slow", last_polled_at=polled, last_poll_s=12.5))
    store.save_feed_state(FeedState("quick", last_polled_at=polled, last_poll_s=0.25))
    assert main(["feeds", "--feeds", str(feeds), "--store", f"sqlite:///{db}", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # JSON lines
    by_id = {r["feed_id"]: r for r in rows}
    assert by_id["slow"]["last_poll_s"] == 12.5 and by_id["slow"]["status"] == "slow"
    assert by_id["quick"]["last_poll_s"] == 0.25
