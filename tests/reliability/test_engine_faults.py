"""The search engine dies mid-cycle, and the spool's disk quota fills up: end to end.

A real Elasticsearch node (from Maven Central, via tools/engines.py) that this module
starts for itself: the scenarios SIGKILL it, so it must not be the session node other
engine tests share (tests/engine/conftest.py's ``es_url``), which they rely on staying up.

1. `rasid run` indexes into Elasticsearch; the node is SIGKILLed after the first batch;
   the cycle carries on and the spool keeps what could not be written; the node restarts;
   a rerun replays the spool and finishes: every article indexed exactly once, every
   alert delivered exactly once.
2. The engine is down and the spool's quota is tiny: the cycle reports a clear error
   naming the full spool, nothing is marked as seen that was not kept somewhere, and once
   the engine is back every article gets indexed exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bench.corpus_pages import build_corpus

from .conftest import (
    Site,
    assert_alerts_exactly_once,
    assert_articles_exactly_once,
    assert_no_feed_failed,
    deliver_later,
)

pytestmark = [pytest.mark.faults, pytest.mark.engine, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def es_node() -> Iterator[Any]:
    from tools.engines import EngineError, start_node

    node = None
    try:
        node = start_node("elasticsearch", cluster_name="rasid-faults", heap="512m")
        node.wait_ready(300)
    except EngineError as exc:
        if node is not None:
            node.cleanup()
        pytest.fail(f"elasticsearch could not start: {exc}", pytrace=False)
    yield node
    node.cleanup()


def _engine_state(url: str) -> tuple[list[Any], set[str]]:
    from store.factory import open_store

    store = open_store(url)
    try:
        return list(store.iter_articles()), {a.id for a in store.recent_alerts(10_000)}
    finally:
        store.close()


def _up(node: Any) -> None:
    if not node.is_running():
        node.restart(300)


def test_engine_killed_mid_cycle_spool_then_exactly_once(
    make_site, items, es_node, tmp_path
) -> None:
    _up(es_node)
    prefix = "faults-kill"
    url = (
        f"{es_node.url}?prefix={prefix}&spool={tmp_path / 'spool'}&retries=1&backoff=0.1&timeout=5"
    )
    # One outlet answers at once, the others slowly: the engine dies once the first page is
    # served, while the polled feeds still wait for the rest, so the cycle's batch meets a
    # dead engine. (Not "the fast outlet's first page": under load its feed's first state
    # read can time out, and then it fetches nothing.)
    fast = sorted({f.source for f in build_corpus(items).feeds})[0]
    site: Site = make_site(items, page_delay=1.0, delays={fast: 0.0}, store_url=url)
    proc = site.popen()
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        # a copy: the server's threads add paths while this looks
        if any(p.endswith(".html") for p in list(site.server.hits)):
            es_node.kill()
            break
        time.sleep(0.05)
    killed_while_running = proc.poll() is None
    out, err = proc.communicate(timeout=240)
    assert killed_while_running, (
        f"the cycle ended (exit {proc.returncode}) before the engine was killed; pages served:"
        f" {sorted(site.server.hits)[:20]}\nstdout:\n{out[-2000:]}\nstderr:\n{err[-2000:]}"
    )
    # Batches that reached the index wait in the spool; those whose dedup state (in the
    # engine too) was unreachable wait, not deduplicated, in spool/undeduplicated.
    spooled = list((tmp_path / "spool").rglob("*.jsonl"))
    assert spooled, f"nothing was spooled while the engine was down; stderr:\n{err[-3000:]}"

    es_node.restart(300)
    site.server.page_delay = 0.0
    assert_no_feed_failed(site.run())  # replays the spool first, then polls again
    assert not list((tmp_path / "spool").rglob("*.jsonl")), "the spool was not drained"
    deliver_later(site, hours=1)
    stored, alert_ids = _engine_state(url)
    assert_articles_exactly_once(stored, site.corpus)
    assert_alerts_exactly_once(alert_ids, {"file": site.jsonl_alert_ids()})


def test_spool_quota_full_is_loud_and_loses_nothing(make_site, items, es_node, tmp_path) -> None:
    _up(es_node)
    prefix = "faults-quota"
    spool = tmp_path / "spool"
    # A 512-byte quota holds no batch: an indexed article is ~7 kB of JSON, and one waiting
    # for its dedup state (not enriched) still more than 1 kB; a 4 kB quota let a one-article
    # held batch fit, and then nothing was refused. Every batch that reaches the dead engine
    # must be refused by the spool, and the feed retried next cycle.
    quota = 512
    url = (
        f"{es_node.url}?prefix={prefix}&spool={spool}&spool_quota_mb={quota / 2**20}"
        "&retries=1&backoff=0.1&timeout=5"
    )
    site: Site = make_site(items, page_delay=0.5, store_url=url)
    feeds = {f.path for f in site.corpus.feeds}
    proc = site.popen(json_report=False)
    # The engine dies after the first feeds were polled and at least one feed's new items
    # were looked up in it (its slow pages are being fetched), before those pages are in:
    # those batches can only go to the spool.
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        hits = dict(site.server.hits)
        polled = sum(1 for p in hits if p in feeds)
        if polled >= min(8, len(feeds)) and any(p.endswith(".html") for p in hits):
            time.sleep(0.3)
            es_node.kill()
            break
        time.sleep(0.02)
    _out, err = proc.communicate(timeout=240)
    # The spool stays under its one quota, whichever way the batches came.
    used = sum(f.stat().st_size for f in spool.rglob("*.jsonl"))
    assert used <= quota, f"the spool holds {used} bytes, over its {quota}-byte quota"

    es_node.restart(300)
    site.server.page_delay = 0.0
    assert_no_feed_failed(site.run())  # replays the spool; re-polls what did not fit
    deliver_later(site, hours=1)
    stored, alert_ids = _engine_state(url)
    assert_articles_exactly_once(stored, site.corpus)
    assert_alerts_exactly_once(alert_ids, {"file": site.jsonl_alert_ids()})
    # Nothing was lost; and the operator was told why those feeds failed. The progress
    # lines (one per feed, errors included) must name the full spool and its quota.
    full = [ln for ln in err.splitlines() if "spool is full" in ln]
    assert full, f"a full spool must be reported by name; stderr of the cycle:\n{err[-3000:]}"
    assert "quota" in full[0], full[0]
