from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rasid.config import load_settings
from rasid.health import feed_health
from rasid.pipeline import maintenance
from rasid.records import Feed, FeedState
from store.sqlite import SqliteStore

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_health_statuses() -> None:
    feeds = [Feed(i, i, f"http://x/{i}") for i in ("ok", "fail", "slow", "stale", "off", "new")]
    states = [
        FeedState("ok", last_polled_at=NOW, last_new_at=NOW, last_poll_s=0.2),
        FeedState("fail", last_polled_at=NOW, failures=2, last_error="HTTP 500"),
        FeedState("slow", last_polled_at=NOW, last_new_at=NOW, last_poll_s=25.0),
        FeedState("stale", last_polled_at=NOW, last_new_at=NOW - timedelta(days=3)),
        FeedState("off", disabled=True, failures=10),
    ]
    got = {h.feed_id: h.status for h in feed_health(feeds, states, NOW)}
    assert got == {"ok": "ok", "fail": "failing", "slow": "slow", "stale": "stale",
                   "off": "disabled", "new": "never-polled"}  # fmt: skip


def test_health_names_items_retried_and_given_up() -> None:
    feeds = [Feed(i, i, f"http://x/{i}") for i in ("retry", "gave", "old")]
    gone = {"item": "http://x/a", "guid": "g", "attempts": 3, "error": "http://x/a: HTTP 404"}
    recent = (NOW - timedelta(hours=2)).isoformat()
    states = [
        FeedState("retry", last_polled_at=NOW, last_new_at=NOW, failing_items={
            "http://x/b": {"attempts": 2, "first_failed_at": recent, "error": "x: HTTP 503"}}),
        FeedState("gave", last_polled_at=NOW, last_new_at=NOW,
                  given_up_items=[{**gone, "given_up_at": recent}]),
        FeedState("old", last_polled_at=NOW, last_new_at=NOW,
                  given_up_items=[{**gone, "given_up_at": (NOW - timedelta(days=2)).isoformat()}]),
    ]  # fmt: skip
    got = {h.feed_id: h for h in feed_health(feeds, states, NOW)}
    assert [got[f].status for f in ("retry", "gave", "old")] == [
        "items-retrying", "items-given-up", "ok"
    ]  # fmt: skip
    assert got["retry"].last_error == "retrying an item (attempt 2): x: HTTP 503"
    assert got["gave"].last_error == "item given up after 3 attempts: http://x/a: HTTP 404"
    assert got["old"].to_dict()["items_given_up"][0]["item"] == "http://x/a"  # still listed


def test_maintenance_reports_and_prunes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - {id: a, name: A, url: 'http://127.0.0.1:9/x'}\n")
    settings = load_settings(feeds=feeds, store=f"sqlite:///{tmp_path / 'r.db'}")
    store = SqliteStore(tmp_path / "r.db")
    out = maintenance(settings, store=store)
    assert out["feed_health"][0]["status"] == "never-polled"
    assert out["dedup_pruned"] == 0
