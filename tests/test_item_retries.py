"""An item whose article keeps failing holds its feed back a bounded number of times.

A failed item keeps the feed's ETag/Last-Modified from advancing, so the next poll gets the
whole feed and the item is not lost. Without a bound, one dead link made its feed
re-download forever (`1 new, 0 indexed, 11 unchanged, 1 failed` on every run).
Served by the project's loopback server (ingest/testserver.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.testserver import LoopbackServer, conditional, send, static
from rasid.config import Settings, load_settings
from rasid.health import feed_health
from rasid.pipeline import poll_feed_task, process_feed_batch, run_cycle
from store.sqlite import SqliteStore

BODY = "نص المقال الكامل عن الاقتصاد والسياسة في المنطقة يكفي لاستخراجه. " * 12
N_OK = 11


def _page(i: int) -> bytes:
    return (
        f"<html><body><article><h1>عنوان {i}</h1><p>{i} {BODY}</p></article></body></html>".encode()
    )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A 12-item feed answering 304 to its own validators; /p0 is left to each test."""
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    with LoopbackServer() as srv:
        items = "".join(
            f"<item><title>t{i}</title><link>{srv.url(f'/p{i}')}</link><guid>g{i}</guid></item>"
            for i in range(N_OK + 1)
        )  # no description: a failed page leaves nothing to index the item from
        rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel>'
        rss += "</rss>"
        srv.routes["/feed.xml"] = conditional(rss.encode())
        for i in range(1, N_OK + 1):
            srv.routes[f"/p{i}"] = static(_page(i), "text/html; charset=utf-8")
        yield srv


def _settings(tmp_path: Path, srv: LoopbackServer, **file: object) -> Settings:
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: test-feed, name: T, url: '{srv.url('/feed.xml')}'}}\n"
    )
    (tmp_path / "alerts.yaml").write_text("rules: []\nchannels: []\n")
    (tmp_path / "rasid.yaml").write_text("".join(f"{k}: {v}\n" for k, v in file.items()))
    return load_settings(
        tmp_path / "rasid.yaml",
        feeds=tmp_path / "feeds.yaml",
        rules=tmp_path / "alerts.yaml",
        store=f"sqlite:///{tmp_path / 'r.db'}",
    )


def _feed_hits(srv: LoopbackServer) -> list[str]:
    return [path for path, _ in srv.requests]


def test_dead_link_is_given_up_after_its_attempts_then_304(
    site: LoopbackServer, tmp_path: Path
) -> None:
    # /p0 has no route: 404. A 404 gets half the attempts (3 of 5); no wait between them here.
    settings = _settings(tmp_path, site, item_attempts=5, item_retry_hours=0)
    store = SqliteStore(tmp_path / "r.db")
    first = run_cycle(settings).feeds[0]
    assert (first.new, first.indexed, first.failed) == (N_OK + 1, N_OK, 1)
    assert "HTTP 404 (attempt 1; retried on the next poll)" in first.item_errors[0]
    for attempt, note in ((2, "attempt 2; retried"), (3, "given up after 3 attempts")):
        site.requests.clear()
        out = run_cycle(settings).feeds[0]
        # The whole feed again (its validators were held back), and the item again.
        assert (out.status, out.new, out.unchanged, out.failed) == ("ok", 1, N_OK, 1), attempt
        assert note in out.item_errors[0]
        assert _feed_hits(site) == ["/feed.xml", "/p0"]
    assert out.given_up == [f"{site.url('/p0')}: HTTP 404 (given up after 3 attempts)"]
    state = store.get_feed_state("test-feed")
    assert state.etag == '"v1"' and state.failing_items == {} and "g0" in state.seen_guids
    (gave_up,) = state.given_up_items
    assert (gave_up["item"], gave_up["attempts"]) == (site.url("/p0"), 3)
    # Recorded where an operator looks: `rasid feeds` prints status and last_error.
    (health,) = feed_health(settings.feeds, store.all_feed_states(), datetime.now(UTC))
    assert health.status == "items-given-up" and "HTTP 404" in (health.last_error or "")
    assert health.to_dict()["items_given_up"][0]["item"] == site.url("/p0")
    # The validators moved on: the feed answers 304 and nothing is fetched.
    site.requests.clear()
    after = run_cycle(settings).feeds[0]
    assert (after.status, after.failed) == ("not-modified", 0)
    assert _feed_hits(site) == ["/feed.xml"]


def test_transient_503_recovers_on_the_next_run_and_is_not_lost(
    site: LoopbackServer, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, site, item_attempts=2, item_retry_hours=0)
    site.routes["/p0"] = lambda h: send(h, 503, b"busy", "text/plain")
    store = SqliteStore(tmp_path / "r.db")
    first = run_cycle(settings).feeds[0]
    assert (first.indexed, first.failed, first.given_up) == (N_OK, 1, [])
    state = store.get_feed_state("test-feed")
    assert state.etag is None and state.failing_items[site.url("/p0")]["attempts"] == 1
    (health,) = feed_health(settings.feeds, store.all_feed_states(), datetime.now(UTC))
    assert health.status == "items-retrying" and "HTTP 503" in (health.last_error or "")

    site.routes["/p0"] = static(_page(0), "text/html; charset=utf-8")  # back up
    second = run_cycle(settings).feeds[0]
    assert (second.new, second.indexed, second.failed) == (1, 1, 0)
    assert store.count() == N_OK + 1
    state = store.get_feed_state("test-feed")
    assert state.etag == '"v1"' and state.failing_items == {} and state.given_up_items == []
    assert run_cycle(settings).feeds[0].status == "not-modified"


def test_a_page_down_for_minutes_is_not_given_up_by_fast_polling(
    site: LoopbackServer, tmp_path: Path
) -> None:
    # Default retry span (1 h): `rasid watch --every 15` polls far more often than that.
    settings = _settings(tmp_path, site)
    for _ in range(4):
        out = run_cycle(settings).feeds[0]
        assert out.failed == 1 and out.given_up == []
    assert SqliteStore(tmp_path / "r.db").get_feed_state("test-feed").etag is None


def test_airflow_tasks_give_up_the_same_way(site: LoopbackServer, tmp_path: Path) -> None:
    settings = _settings(tmp_path, site, item_attempts=1, item_retry_hours=0)
    poll = poll_feed_task(settings, "test-feed")
    assert poll["status"] == "ok" and len(poll["new_items"]) == N_OK + 1
    out = process_feed_batch(settings, poll)
    assert out["indexed"] == N_OK and out["failed"] == 1
    assert out["given_up"] == [f"{site.url('/p0')}: HTTP 404 (given up after 1 attempt)"]
    assert poll_feed_task(settings, "test-feed")["status"] == "not-modified"
