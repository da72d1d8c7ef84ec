"""A WebSub push that lands while a long poll of the same feed is running.

The poll read the feed's state before the push and saves after it. It used to save its own
copy whole, so the push's record vanished: the items it stored were no longer seen, the one
it could not fetch was no longer counted for retry, and the pushed items had no baseline
for corrections. The poll now saves a merge against the stored state (ingest/state_merge.py).
Served by the project's loopback server; the push goes through ``handle_push`` as
`rasid websub serve` calls it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.testserver import LoopbackServer, conditional, send, static
from rasid.pipeline import run_cycle
from rasid.websub_server import handle_push
from store.sqlite import SqliteStore
from tests.one_feed import one_feed_settings

BODY = "نص المقال الكامل عن الاقتصاد والسياسة في المنطقة يكفي لاستخراجه. " * 12


def _page(i: str) -> bytes:
    return (
        f"<html><body><article><h1>عنوان {i}</h1><p>{i} {BODY}</p></article></body></html>".encode()
    )


def _rss(srv: LoopbackServer, ids: list[str]) -> bytes:
    items = "".join(
        f"<item><title>t{i}</title><link>{srv.url(f'/p{i}')}</link><guid>g{i}</guid></item>"
        for i in ids
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel>'
    return (rss + "</rss>").encode()


def test_a_push_during_a_poll_keeps_its_items_in_the_feed_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    with LoopbackServer() as srv:
        settings = one_feed_settings(tmp_path, srv.url("/feed.xml"))
        srv.routes["/feed.xml"] = conditional(_rss(srv, ["0", "1", "2"]))
        for i in ("1", "2", "p"):
            srv.routes[f"/p{i}"] = static(_page(i), "text/html; charset=utf-8")
        srv.routes["/pq"] = lambda h: send(h, 503, b"busy", "text/plain")
        pushed: list[dict[str, object]] = []

        def slow_page(h):  # type: ignore[no-untyped-def]
            # The hub pushes two fresh entries while the poll is still fetching its pages.
            if not pushed:
                pushed.append(
                    handle_push(
                        settings,
                        "test-feed",
                        _rss(srv, ["p", "q"]),
                        alerts=False,
                        store=SqliteStore(tmp_path / "r.db"),
                    )
                )
            send(h, 200, _page("0"), "text/html; charset=utf-8")

        srv.routes["/p0"] = slow_page
        out = run_cycle(settings).feeds[0]
    assert pushed[0]["indexed"] == 1 and pushed[0]["failed"] == 1
    assert (out.status, out.indexed) == ("ok", 3)
    state = SqliteStore(tmp_path / "r.db").get_feed_state("test-feed")
    assert {"g0", "g1", "g2", "gp"} <= set(state.seen_guids)
    # The pushed page that failed is still counted, to be retried (not silently forgotten).
    assert list(state.failing_items) == [srv.url("/pq")]
    # Baselines for corrections: the poll's three items and the pushed one.
    assert len(state.item_versions) == 4
    # The pushed failure waits for a retry, so the feed's validators stay back (a 304 would
    # list nothing); the poll's own items were all stored.
    assert state.etag is None and state.last_new_at is not None


def test_a_push_leaves_the_items_a_poll_is_retrying_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A push carries a few of the feed's items; settling its batch replaced the feed's
    # failing items with its own, so a page the poll was retrying restarted its count on
    # every push and was never given up.
    from rasid.records import FeedState

    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    with LoopbackServer() as srv:
        settings = one_feed_settings(tmp_path, srv.url("/feed.xml"))
        store = SqliteStore(tmp_path / "r.db")
        waiting = {"attempts": 2, "first_failed_at": "2026-12-01T10:00:00+00:00", "error": "503"}
        store.save_feed_state(FeedState("test-feed", failing_items={srv.url("/p0"): waiting}))
        srv.routes["/pp"] = static(_page("p"), "text/html; charset=utf-8")
        out = handle_push(settings, "test-feed", _rss(srv, ["p"]), alerts=False, store=store)
        assert out["indexed"] == 1
        assert store.get_feed_state("test-feed").failing_items == {srv.url("/p0"): waiting}
