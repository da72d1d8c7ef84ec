"""Fault injection: every way a feed server can misbehave, against real loopback sockets.

Each case checks that the failure is contained (a FeedPoll with status 'error' and a readable
reason, or a salvaged feed), bounded in time, and that healthy feeds polled alongside are
unaffected.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

import pytest

from ingest import testserver as ts
from ingest.feeds import poll_feed, poll_many
from ingest.http import FetchError, HttpClient
from ingest.schedule import BackoffPolicy, record_failure
from rasid.records import Feed, FeedState

from .conftest import BILLION_LAUGHS, rss

pytestmark = pytest.mark.faults

FULL = rss(10)


def _routes(other_port: int) -> dict[str, ts.Route]:
    return {
        "/slow": ts.stall(2.0, ts.static(FULL)),
        "/drip": ts.drip(0.1),
        "/500": ts.static(b"oops", "text/plain", status=500),
        "/503": ts.static(b"busy", "text/plain", status=503, headers={"Retry-After": "120"}),
        "/reset": ts.reset,
        "/bomb": ts.gzip_bomb(200_000_000),
        "/laughs": ts.static(BILLION_LAUGHS),
        "/loop": ts.redirect("/loop"),
        "/to-private": ts.redirect("http://10.0.0.1/feed.xml"),
        "/to-metadata": ts.redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-other-loopback": ts.redirect(f"http://127.0.0.1:{other_port}/secret"),
        "/to-file": ts.redirect("file:///etc/passwd"),
        "/cp1256-declared-utf8": ts.static(
            rss(3, encoding="windows-1256", declare="utf-8"), "application/rss+xml; charset=utf-8"
        ),
        "/cp1256-undeclared": ts.static(
            rss(3, encoding="windows-1256").replace(b' encoding="windows-1256"', b""),
            "application/xml",
        ),
        "/big": ts.big(20_000_000),
        "/big-chunked": ts.big(20_000_000, declare_length=False),
        "/truncated": ts.static(FULL[: int(len(FULL) * 0.6)]),
        "/cut": ts.truncated_body(FULL[:300], declared=len(FULL)),
        "/html": ts.static(b"<!doctype html><html><body><p>hi</p></body></html>", "text/html"),
        "/garbage": ts.static(bytes(range(256)) * 4, "application/octet-stream"),
        "/empty": ts.static(b""),
        "/gzip-ok": ts.gzipped(rss(4)),
    }


# (route, expected status, substring of the error, or None for a salvaged/ok feed)
CASES = [
    ("/slow", "error", "timed out after 0.5s (read)"),
    ("/drip", "error", "timed out after 1.5s (total)"),
    ("/500", "error", "HTTP 500"),
    ("/503", "error", "HTTP 503"),
    ("/reset", "error", None),
    ("/bomb", "error", "response larger than 2 MB (decompressed)"),
    ("/laughs", "error", "entity-expansion"),
    ("/loop", "error", "too many redirects (more than 3)"),
    ("/to-private", "error", "refused: private address 10.0.0.1"),
    ("/to-metadata", "error", "refused: private address 169.254.169.254"),
    ("/to-other-loopback", "error", "refused: private address 127.0.0.1"),
    ("/to-file", "error", "refused: scheme 'file' not allowed"),
    ("/cp1256-declared-utf8", "ok", None),
    ("/cp1256-undeclared", "ok", None),
    ("/big", "error", "response larger than 2 MB"),
    ("/big-chunked", "error", "response larger than 2 MB"),
    ("/truncated", "ok", None),
    ("/cut", "error", None),
    ("/html", "error", "not a feed"),
    ("/garbage", "error", None),
    ("/empty", "error", "empty response"),
    ("/gzip-ok", "ok", None),
]


@pytest.fixture
def faulty(bad_server, good_server):
    # A third server that is NOT allowlisted: a redirect to it must never reach it.
    with ts.LoopbackServer({"/secret": ts.static(b"secret")}) as other:
        bad_server.routes.update(_routes(other.port))
        yield bad_server, other


@pytest.mark.parametrize(("path", "status", "reason"), CASES, ids=[c[0] for c in CASES])
def test_fault_is_contained(client, faulty, path, status, reason):
    bad, _ = faulty
    feed = Feed(id=path, name=path, url=bad.url(path))
    t0 = time.monotonic()
    poll = poll_feed(client, feed, FeedState(feed_id=feed.id))
    elapsed = time.monotonic() - t0
    assert poll.status == status, (poll.status, poll.error)
    # total_timeout is 1.5 s; allow scheduling noise on a shared 2-core machine.
    assert elapsed < 3.0
    if status == "error":
        assert poll.error and "\n" not in poll.error and len(poll.error) < 200
        if reason:
            assert reason in poll.error
    else:
        assert poll.error is None and poll.items


def test_reset_and_cut_read_well(client, faulty):
    bad, _ = faulty
    r = poll_feed(client, Feed("r", "r", bad.url("/reset")), FeedState("r"))
    assert any(w in r.error for w in ("reset", "closed")), r.error
    c = poll_feed(client, Feed("c", "c", bad.url("/cut")), FeedState("c"))
    assert "incomplete" in c.error, c.error


def test_wrong_charset_is_recovered(client, faulty):
    bad, _ = faulty
    for path in ("/cp1256-declared-utf8", "/cp1256-undeclared"):
        poll = poll_feed(client, Feed(path, path, bad.url(path)), FeedState(path))
        assert poll.encoding == "windows-1256"
        assert poll.items[0].title == "خبر رقم 0 عن طرابلس"


def test_truncated_feed_is_salvaged(client, faulty):
    bad, _ = faulty
    poll = poll_feed(client, Feed("t", "t", bad.url("/truncated")), FeedState("t"))
    assert poll.bozo_warning
    assert 3 <= len(poll.items) < 10
    assert all(it.title.startswith("خبر رقم") for it in poll.items)


def test_retry_after_is_surfaced(client, faulty):
    bad, _ = faulty
    poll = poll_feed(client, Feed("b", "b", bad.url("/503")), FeedState("b"))
    assert poll.retry_after_s == 120
    state = record_failure(FeedState("b"), poll.error, datetime.now(UTC), retry_after=120)
    assert (state.next_poll_at - state.last_polled_at).total_seconds() >= 120


def test_redirect_to_non_allowlisted_host_never_connects(client, faulty):
    bad, other = faulty
    with pytest.raises(FetchError, match="private address"):
        client.get(bad.url("/to-other-loopback"))
    assert other.hits == {}


def test_gzip_bomb_memory_is_bounded(client, faulty):
    bad, _ = faulty
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="decompressed"):
            client.get(bad.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 200 MB inflated would be catastrophic; the cap is 2 MB plus buffers.
    assert peak < 20_000_000


def test_one_bad_feed_never_delays_the_others(client, faulty, good_server):
    bad, _ = faulty
    bad_feeds = [Feed(f"bad{p}", p, bad.url(p)) for p, _, _ in CASES]
    good_feeds = [Feed(f"good{i}", f"g{i}", good_server.url(f"/good/{i}")) for i in range(5)]
    # Interleave so good feeds are not simply first in line.
    feeds = [
        f for pair in zip(bad_feeds, good_feeds + [None] * 99, strict=False) for f in pair if f
    ]
    t0 = time.monotonic()
    done_at: dict[str, float] = {}
    results = {}
    for poll in poll_many(client, feeds, {}, max_workers=8):
        done_at[poll.feed_id] = time.monotonic() - t0
        results[poll.feed_id] = poll
    total = time.monotonic() - t0
    assert set(results) == {f.id for f in feeds}  # nothing lost, nothing raised
    for f in good_feeds:
        assert results[f.id].status == "ok" and len(results[f.id].items) == 5
        # Good feeds finish well before the slowest bad feed gives up (~1.5 s).
        assert done_at[f.id] < 1.0, done_at
    assert results["bad/slow"].status == "error"
    # Bad feeds share one host (4 slots); the whole cycle stays bounded.
    assert total < 12.0


def test_repeated_failures_disable_a_feed_and_poll_many_skips_it(client, faulty, good_server):
    bad, _ = faulty
    policy = BackoffPolicy(base_s=1, disable_after=3)
    state = FeedState("dead")
    now = datetime.now(UTC)
    for _ in range(3):
        poll = poll_feed(client, Feed("dead", "d", bad.url("/500")), state)
        state = record_failure(state, poll.error, now, policy=policy)
    assert state.disabled and state.failures == 3 and state.last_error == "HTTP 500"
    feeds = [Feed("dead", "d", bad.url("/500")), Feed("g", "g", good_server.url("/good/0"))]
    polled = [p.feed_id for p in poll_many(client, feeds, {"dead": state})]
    assert polled == ["g"]


def test_production_defaults_refuse_loopback(good_server):
    # No allowlist, guard on: even the healthy loopback server is refused.
    with HttpClient() as c, pytest.raises(FetchError, match=r"private address 127\.0\.0\.1"):
        c.get(good_server.url("/good/0"))
    assert good_server.hits == {}
