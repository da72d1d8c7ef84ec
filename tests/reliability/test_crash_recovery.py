"""`rasid run` killed with SIGKILL mid-cycle, then rerun; two cycles at once on one store.

The pipeline runs as a real subprocess against a loopback news web whose pages are slow,
so the kill lands while pages are in flight, right after a batch was indexed, while
alerts are being recorded, or while they are being delivered. After a clean rerun every
article is stored exactly once and every alert delivered exactly once per channel.
"""

from __future__ import annotations

import json

import pytest

from .conftest import (
    Site,
    assert_alerts_exactly_once,
    assert_articles_exactly_once,
    assert_no_feed_failed,
    deliver_later,
    kill_when,
    stored_state,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

PAGE_DELAY = 0.3  # seconds per page: a cycle over 40 pages then takes a few seconds


def _final_checks(site: Site, in_flight: int = 0) -> None:
    stored, alert_ids = stored_state(site)
    assert_articles_exactly_once(stored, site.corpus)
    assert_alerts_exactly_once(alert_ids, {"file": site.jsonl_alert_ids()}, in_flight=in_flight)


KILL_POINTS = {
    # pages are being fetched, nothing is indexed yet
    "mid-fetch": lambda site: (
        sum(n for p, n in site.server.hits.items() if p.endswith(".html")) >= 3
    ),
    # one feed's batch is in the store, the others are still being fetched
    "after-first-batch": lambda site: site.stored_count() >= 1,
    # alerts are being recorded in the store (evaluate), before or while they are enqueued
    "mid-evaluate": lambda site: site.alert_count() >= 1,
    # the first deliveries were written, the rest wait in the outbox
    "mid-delivery": lambda site: len(site.jsonl_alert_ids()) >= 1,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_mid_cycle_then_rerun(make_site, items, point: str) -> None:
    site: Site = make_site(items, page_delay=PAGE_DELAY)
    proc = site.popen()
    killed = kill_when(proc, lambda: KILL_POINTS[point](site))
    if not killed:
        pytest.fail(
            f"the cycle finished before the kill point {point!r}; stderr:\n"
            + (proc.stderr.read()[-2000:] if proc.stderr else "")
        )
    before = site.stored_count()
    site.server.page_delay = 0.0
    report = site.run()
    assert_no_feed_failed(report)
    # The rerun indexes exactly what the killed run had not.
    assert before + report["articles_indexed"] == len(site.corpus.articles), (before, report)
    # Deliveries the killed run had claimed are leased to it; a run after the lease sends them.
    deliver_later(site, hours=1)
    # At most the one message being written at the kill is sent again (same idempotency key).
    _final_checks(site, in_flight=1)
    # And later runs find nothing new and send nothing again.
    again = site.run()
    assert again["articles_indexed"] == 0 and again["alerts_fired"] == 0, again
    deliver_later(site, hours=2)
    _final_checks(site, in_flight=1)


def test_two_cycles_at_once_on_one_store(make_site, items) -> None:
    site: Site = make_site(items, page_delay=0.05)
    first, second = site.popen(), site.popen()
    for proc in (first, second):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-3000:]
        assert_no_feed_failed(json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1]))
    _final_checks(site)
    # Between them they indexed each article once or twice (both may fetch one page before
    # either stores it), but the store holds it once; alerts went out once.
    again = site.run()
    assert_no_feed_failed(again)
    assert again["articles_indexed"] == 0 and again["alerts_fired"] == 0, again
    _final_checks(site)
