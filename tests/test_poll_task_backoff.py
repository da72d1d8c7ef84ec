"""The Airflow poll task honours failure backoff and Retry-After, as `rasid watch` does.

Before, every scheduled run and every Airflow retry polled and counted one more failure:
with the DAG defaults (a run every 5 min, 1 try + 3 retries at 30/60/120 s) a feed that
answered 500 was disabled at run 3, about ten minutes into an outage.
Served by the project's loopback server (ingest/testserver.py); the clock is faked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import rasid.pipeline as pipeline
from ingest.schedule import BackoffPolicy
from ingest.testserver import LoopbackServer, static
from rasid.config import Settings
from rasid.pipeline import poll_feed_task
from store.sqlite import SqliteStore
from tests.one_feed import one_feed_settings

RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>t</title><link>http://127.0.0.1:9/a</link><guid>g1</guid>"
    "<description>نص</description></item></channel></rss>"
).encode()
T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class _Clock:
    def __init__(self) -> None:
        self.now = T0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    c = _Clock()

    class _FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return c.now

    monkeypatch.setattr(pipeline, "datetime", _FakeDatetime)
    return c


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    with LoopbackServer() as srv:
        srv.routes["/feed.xml"] = static(b"down", "text/plain", status=500)
        yield srv


def _settings(tmp_path: Path, srv: LoopbackServer) -> Settings:
    return one_feed_settings(tmp_path, srv.url("/feed.xml"), feed_id="f")


def _polls(srv: LoopbackServer) -> int:
    return srv.hits.get("/feed.xml", 0)


def test_airflow_retries_of_a_failing_feed_wait_for_its_backoff(
    site: LoopbackServer, tmp_path: Path, clock: _Clock
) -> None:
    settings = _settings(tmp_path, site)
    store = SqliteStore(tmp_path / "r.db")
    statuses: list[str] = []
    # One hour of the DAG defaults: a run every 5 min, each 1 try + 3 retries (30, 60, 120 s).
    for run in range(12):
        start = T0 + timedelta(minutes=5 * run)
        for offset in (0, 30, 90, 210):
            clock.now = start + timedelta(seconds=offset)
            out = poll_feed_task(settings, "f")
            statuses.append(out["status"])
            assert out["new_items"] == []
    state = store.get_feed_state("f")
    assert not state.disabled
    assert state.failures < BackoffPolicy().disable_after
    # Each real poll counted exactly one failure; every other try was "not-due", unpolled.
    assert _polls(site) == state.failures == statuses.count("error")
    assert statuses.count("not-due") == len(statuses) - state.failures > 0

    # Once due it is polled again; a feed that is back resets its backoff.
    site.routes["/feed.xml"] = static(RSS)
    assert state.next_poll_at is not None
    clock.now = state.next_poll_at - timedelta(seconds=1)
    assert poll_feed_task(settings, "f")["status"] == "not-due"
    clock.now = state.next_poll_at
    out = poll_feed_task(settings, "f")
    assert out["status"] == "ok" and len(out["new_items"]) == 1
    after = store.get_feed_state("f")
    assert after.failures == 0 and after.last_poll_s is not None


def test_retry_after_is_honoured_and_a_healthy_feed_is_polled_every_run(
    site: LoopbackServer, tmp_path: Path, clock: _Clock
) -> None:
    settings = _settings(tmp_path, site)
    site.routes["/feed.xml"] = static(b"busy", "text/plain", 503, {"Retry-After": "1800"})
    assert poll_feed_task(settings, "f")["status"] == "error"
    clock.now = T0 + timedelta(minutes=29)
    out = poll_feed_task(settings, "f")
    assert (
        out["status"] == "not-due"
        and out["next_poll_at"] == (T0 + timedelta(minutes=30)).isoformat()
    )
    assert out["error"].startswith("in backoff after 1 failure (last: HTTP 503")
    assert _polls(site) == 1
    # Due again: polled. A healthy feed is polled on every run (the DAG sets the pace),
    # not held to the adaptive interval.
    site.routes["/feed.xml"] = static(RSS)
    for minutes in (30, 31, 32):
        clock.now = T0 + timedelta(minutes=minutes)
        assert poll_feed_task(settings, "f")["status"] in ("ok", "not-modified")
    assert _polls(site) == 4
