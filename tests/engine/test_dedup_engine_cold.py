"""The engine dedup state's cold read path (``store.dedup_engine._Cold``): a process without
a usable cache answers a small batch's reads with targeted requests instead of loading the
window. Its verdicts, prunes and written rows must be exactly those of the cached path and
of ``InMemoryDedupState``; a cold batch must not load the window; an index written by an
older version (rows without the candidate fields) is loaded and migrated first."""

# ruff: noqa: F811  (the fixtures imported from test_dedup_engine are parameters here)
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

import store.dedup_engine as de
from processing.dedup import DedupConfig, InMemoryDedupState, deduplicate
from store.dedup_engine import EngineDedupState, drop_caches
from store.es_store import EngineStore
from tests.dedup.conftest import CORONA, T0, article_stream, fresh, make_article
from tests.engine.test_dedup_engine import (  # noqa: F401  (fixtures)
    _batches,
    _meta,
    _no_shared_cache,
    _now,
    _verdicts,
    engine,
    loads,
    make_store,
)

pytestmark = pytest.mark.engine


def _memory(batches: list, config: DedupConfig) -> tuple[list[tuple], list[int], dict]:
    state, out, pruned = InMemoryDedupState(), [], []
    for b in batches:
        r = deduplicate(fresh(b), state, _now(b), config)
        out += _verdicts(r)
        pruned.append(r.pruned)
    return out, pruned, state.stats()


def _counting(st: EngineStore) -> Counter[str]:
    """Requests this store sends, by method and target (the index named ``I``)."""
    seen: Counter[str] = Counter()
    transport = st.adapter.client.transport
    real = transport.perform_request
    index = f"{st.names.prefix}-dedup"

    def counting(method: str, target: str, *args: Any, **kwargs: Any) -> Any:
        seen[f"{method} {target.replace(index, 'I')}"] += 1
        return real(method, target, *args, **kwargs)

    transport.perform_request = counting
    return seen


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the policy choose cold on the tests' small windows (unless empty)."""
    monkeypatch.setattr(de, "LOAD_SMALL", 0)
    monkeypatch.setattr(de, "LOAD_RATIO", 0)


@pytest.mark.parametrize("story_hits", [de._STORY_HITS, 1])
def test_cold_verdicts_match_memory_across_restarts_and_prunes(
    make_store, loads, monkeypatch, story_hits: int
) -> None:  # type: ignore[no-untyped-def]
    """Every batch cold (``cache=False``): the 48-hour stream with a 12-hour window (prunes
    along the way) gives the in-memory verdicts and prune counts, and the rows the cold
    commits wrote (absolute term counts among them) load to the in-memory window. With
    ``story_hits`` 1, story candidates come as ids first, then the best in full."""
    monkeypatch.setattr(de, "_STORY_HITS", story_hits)
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 4)
    expected, pruned, expected_stats = _memory(batches, config)
    st = make_store()
    got, got_pruned, syncs = [], [], []
    for b in batches:
        state = st.dedup_state(cache=False)
        r = deduplicate(fresh(b), state, _now(b), config)
        got += _verdicts(r)
        got_pruned.append(r.pruned)
        syncs.append((state.sync, state.mode))
    assert got == expected
    assert got_pruned == pruned and sum(pruned) > 0
    # the first batch loads an empty index once (fresh meta: rows to mark), then all cold
    assert syncs[0] == ("reload", "cache")
    assert set(syncs[1:]) == {("cold", "query")}
    assert loads == [0]
    drop_caches()
    assert st.dedup_state().stats() == expected_stats
    meta = _meta(st)
    assert meta["gen"] == meta["applied"] and meta["rows"] == de.ROWS_VERSION


def test_cold_and_cached_writers_take_turns(make_store, loads, small_window) -> None:  # type: ignore[no-untyped-def]
    """A cached writer and cold ones (a fresh process per batch, as Airflow tasks) take
    turns: the cached one replays the cold batches' logs; verdicts equal memory's and the
    full-load path's."""
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 3)
    expected, _, expected_stats = _memory(batches, config)
    cached, cold = make_store(), make_store(timeout=31)
    got, syncs = [], []
    for i, b in enumerate(batches):
        # the cold store has no cache: as a new process each time
        state = cold.dedup_state() if i % 2 else cached.dedup_state(cache=True)
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        syncs.append(state.sync)
    assert got == expected
    assert syncs[0] == "reload" and set(syncs[2::2]) == {"replay"}
    assert set(syncs[1::2]) == {"cold"}
    assert len(loads) == 1  # the cached writer's first batch; cold ones never load
    drop_caches()
    assert cached.dedup_state().stats() == expected_stats


def test_a_cold_process_decides_a_small_batch_without_loading(
    make_store, loads, small_window
) -> None:  # type: ignore[no-untyped-def]
    config = DedupConfig(window_hours=72)
    stream = article_stream()
    head, tail = stream[:-6], stream[-6:]
    st = make_store()
    for b in _batches(head, 10):
        deduplicate(fresh(b), st.dedup_state(), _now(b), config)  # warm: the window fills
    expected, _, _ = _memory([*_batches(head, 10), tail], config)
    window = st.dedup_state().stats()["docs"]
    drop_caches()
    loads.clear()
    seen = _counting(st)
    state = st.dedup_state()
    got = _verdicts(deduplicate(fresh(tail), state, _now(tail), config))
    assert got == expected[-len(tail) :]
    assert (state.sync, state.mode, loads) == ("cold", "query", [])
    assert not any("scroll" in k or "pit" in k for k in seen), seen  # no scan of the window
    # index check (a new process), lease, meta, refresh, count; lookups; the commit's five
    per_article = (sum(seen.values()) - 11) / len(tail)
    assert per_article <= 12, seen
    assert window > 40


def test_ski_rental_loads_once_cold_reads_have_cost_as_much(make_store, loads, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(de, "LOAD_SMALL", 0)
    monkeypatch.setattr(de, "LOAD_RATIO", 3)  # load once 3 x cold articles reach the window
    config = DedupConfig(window_hours=72)
    batches = _batches(article_stream(), 4)
    expected, _, _ = _memory(batches, config)
    st = make_store()
    got = []
    for b in batches[:6]:
        got += _verdicts(deduplicate(fresh(b), st.dedup_state(), _now(b), config))
    drop_caches()
    loads.clear()
    window = st.dedup_state(cache=False).stats()["docs"]  # cold stats: committed rows
    syncs = []
    for b in batches[6:]:
        state = st.dedup_state()
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        syncs.append(state.sync)
    assert got == expected
    first_load = syncs.index("reload")
    assert set(syncs[:first_load]) == {"cold"} and first_load >= 1
    assert set(syncs[first_load + 1 :]) <= {"current"}
    assert len(loads) == 1 and loads[0] >= window


def test_a_cold_prune_after_writes_makes_other_caches_reload(make_store, loads) -> None:  # type: ignore[no-untyped-def]
    cached = make_store().dedup_state(cache=True)
    cold = make_store(timeout=31).dedup_state(cache=False)
    deduplicate([make_article(CORONA, key="a", at=T0)], cached, T0)
    late = make_article(CORONA, key="copy", source="other", at=T0 + timedelta(minutes=10))
    deduplicate([late], cached, T0 + timedelta(minutes=11))
    with cold.transaction(size_hint=1):
        assert cold.get_doc("a") is not None and cold.get_doc("copy") is not None
        assert cold.prune(T0 + timedelta(minutes=5)) > 0  # "a" goes, before any write
        assert cold.get_doc("a") is None and cold.get_doc("copy") is not None
    assert cold.mode == "query"
    with cached.transaction():
        assert cached.get_doc("a") is None
    assert cached.sync == "replay"

    with cold.transaction(size_hint=1):
        cold.put_key("url", "https://x.example/late", "late", T0 + timedelta(hours=3))
        assert cold.prune(T0 + timedelta(hours=2)) > 0  # "copy" goes, after a write
        assert cold.get_doc("copy") is None
        assert cold.get_key("url", "https://x.example/late") == "late"
    with cached.transaction():
        assert cached.get_key("url", "https://x.example/late") == "late"
        assert cached.get_doc("copy") is None
    assert cached.sync == "reload"
    drop_caches()
    fresh_state = make_store(timeout=32).dedup_state(cache=True)
    with fresh_state.transaction():  # the engine's rows say the same
        assert fresh_state.get_key("url", "https://x.example/late") == "late"
        assert fresh_state.get_doc("copy") is None and fresh_state.get_doc("a") is None
        assert fresh_state.stats()["docs"] == 0


def test_an_index_of_an_older_version_is_loaded_and_migrated(
    make_store, loads, monkeypatch, engine, small_window
) -> None:  # type: ignore[no-untyped-def]
    """Rows written by a version without the candidate fields (and its meta without
    ``rows``): the first batch loads, rewrites the rows with the fields and marks meta;
    from then on a fresh process reads cold, with the same verdicts."""
    config = DedupConfig(window_hours=72)
    batches = _batches(article_stream(), 5)
    expected, _, _ = _memory(batches, config)
    old = dict(de.MAPPINGS, properties={
        k: v for k, v in de.MAPPINGS["properties"].items() if k not in de.CANDIDATE_FIELDS
    })  # fmt: skip
    with monkeypatch.context() as m:  # the older version
        m.setattr(de, "MAPPINGS", old)
        m.setattr(de, "_doc_fields", lambda bands: "")
        m.setattr(de, "_story_fields", lambda terms: "")
        m.setattr(EngineDedupState, "_migrate", lambda self, mem, meta: None)
        real_meta = de._meta_doc

        def old_meta(*args: Any) -> dict[str, Any]:
            doc = real_meta(*args)
            doc["p"].pop("rows")
            return doc

        m.setattr(de, "_meta_doc", old_meta)
        st = make_store()
        got = []
        for b in batches[:5]:
            got += _verdicts(deduplicate(fresh(b), st.dedup_state(), _now(b), config))
    index = f"{engine.prefix}-dedup"
    assert "b" not in st.adapter.get_mapping(index)[index]
    assert "rows" not in _meta(st)
    syncs = []
    for b in batches[5:]:
        drop_caches()  # a fresh process per batch
        state = st.dedup_state()
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        syncs.append(state.sync)
    assert got == expected
    assert syncs[0] == "reload" and set(syncs[1:]) == {"cold"}
    assert st.adapter.get_mapping(index)[index]["b"] == {"type": "long"}
    assert _meta(st)["rows"] == de.ROWS_VERSION


def test_a_maintenance_prune_in_a_fresh_process_reads_cold(make_store, loads, small_window) -> None:  # type: ignore[no-untyped-def]
    """``rasid maintenance`` prunes in a transaction of unknown size (0): a fresh process
    does it cold, and a cached writer replays that prune from the log."""
    config = DedupConfig(window_hours=72)
    stream = article_stream()
    cached = make_store()
    for b in _batches(stream[:20], 5):
        deduplicate(fresh(b), cached.dedup_state(), _now(b), config)
    before = cached.dedup_state(cache=True).stats()
    maintenance = make_store(timeout=31).dedup_state()
    horizon = stream[10].fetched_at
    with maintenance.transaction():
        removed = maintenance.prune(horizon)
    assert (maintenance.sync, maintenance.mode) == ("cold", "query")
    mem = InMemoryDedupState()
    for b in _batches(stream[:20], 5):
        deduplicate(fresh(b), mem, _now(b), config)
    assert removed == mem.prune(horizon) > 0
    state = cached.dedup_state()
    with state.transaction():
        assert state.stats() == mem.stats() != before
    assert state.sync == "replay" and len(loads) == 1
    drop_caches()
    assert cached.dedup_state(cache=True).stats() == mem.stats()
