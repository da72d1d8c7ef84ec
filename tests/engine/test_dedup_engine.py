"""Dedup state in a real Elasticsearch and OpenSearch node (``store.dedup_engine``): the same
verdicts as ``InMemoryDedupState`` across restarts, other writers, other processes, crashes
at each step of a commit, held and expired leases, a dead engine, and inside the pipeline.
The reference is always ``InMemoryDedupState`` fed the same batches."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

import rasid.pipeline as pl
import store.dedup_engine as de
from processing.dedup import DedupConfig, DedupResult, InMemoryDedupState, deduplicate
from rasid.config import load_settings
from rasid.records import Article
from store.base import StoreError
from store.dedup_engine import EngineDedupState, drop_caches
from store.es_store import EngineStore
from store.factory import open_store
from tests.dedup.conftest import CORONA, T0, article_stream, fresh, make_article
from tests.ingest.test_site_templates import site_feed
from tests.workers import run_together
from tools.engines import free_port

pytestmark = pytest.mark.engine

KINDS = ["elasticsearch", "opensearch"]
WORKER = Path(__file__).with_name("dedup_engine_worker.py")


@dataclass
class Engine:
    kind: str
    base: str  # scheme://[user:password@]host:port of a store URL
    http: httpx.Client
    prefix: str

    def url(self, **params: Any) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"prefix": self.prefix, **params}.items())
        return f"{self.base}?{query}"


@pytest.fixture(params=KINDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    short = "es" if request.param == "elasticsearch" else "opensearch"
    node_url: str = request.getfixturevalue(f"{short}_url")
    http: httpx.Client = request.getfixturevalue(f"{short}_http")
    prefix = f"d{uuid4().hex[:10]}"
    yield Engine(request.param, f"{request.param}://{node_url.split('://', 1)[1]}", http, prefix)
    http.delete(f"/{prefix}-*")
    for template in ("dedup", "articles"):
        http.delete(f"/_index_template/{prefix}-{template}")


@pytest.fixture
def make_store(engine: Engine, tmp_path: Path) -> Iterator[Callable[..., EngineStore]]:
    """An engine store on the test's prefix. Different parameters make a different store URL,
    so a different process cache: that is how one test plays two processes."""
    made: list[EngineStore] = []

    def make(**params: Any) -> EngineStore:
        params.setdefault("spool", "off")
        st = open_store(engine.url(**params))
        assert isinstance(st, EngineStore)
        made.append(st)
        return st

    yield make
    for st in made:
        st.close()


@pytest.fixture(autouse=True)
def _no_shared_cache() -> Iterator[None]:
    drop_caches()
    yield
    drop_caches()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts full loads of a cache from the engine (each entry: documents loaded)."""
    calls: list[int] = []
    real = de._load

    def counting(state: EngineDedupState, **kwargs: Any) -> InMemoryDedupState:
        mem = real(state, **kwargs)
        calls.append(len(mem.docs))
        return mem

    monkeypatch.setattr(de, "_load", counting)
    return calls


def _batches(articles: list[Article], size: int) -> list[list[Article]]:
    return [articles[i : i + size] for i in range(0, len(articles), size)]


def _now(batch: list[Article]) -> datetime:
    return max(a.fetched_at for a in batch) + timedelta(minutes=1)


def _verdicts(result: DedupResult) -> list[tuple]:
    return [
        (v.article_id, v.kind, v.duplicate_of, v.similarity, v.story_id) for v in result.verdicts
    ]


def _memory_run(batches: list[list[Article]], config: DedupConfig) -> tuple[list[tuple], dict]:
    state, out = InMemoryDedupState(), []
    for b in batches:
        out += _verdicts(deduplicate(fresh(b), state, _now(b), config))
    return out, state.stats()


def _meta(st: EngineStore) -> dict[str, Any]:
    raw = st.adapter.get(f"{st.names.prefix}-dedup", "meta")
    assert raw is not None
    return raw["_source"]["p"]


# --- one process -------------------------------------------------------------------------------
def test_same_verdicts_as_memory_across_restarts(make_store, loads) -> None:  # type: ignore[no-untyped-def]
    config = DedupConfig(window_hours=12)  # prunes happen along the 48-hour stream
    batches = _batches(article_stream(), 4)
    expected, expected_stats = _memory_run(batches, config)
    st = make_store()
    got, syncs = [], []
    for i, b in enumerate(batches):
        if i % 5 == 0:
            drop_caches()  # a process restart now and then
        state = st.dedup_state()  # a state per batch, as rasid.pipeline does
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        syncs.append(state.sync)
    assert got == expected
    assert syncs == ["reload" if i % 5 == 0 else "current" for i in range(len(batches))]
    drop_caches()
    assert st.dedup_state().stats() == expected_stats  # the rows in the engine are the window
    meta = _meta(st)
    assert meta["gen"] == meta["applied"] == len(batches)


def test_alternating_writers_are_replayed_not_reloaded(make_store, loads) -> None:  # type: ignore[no-untyped-def]
    """Two writers with caches of their own (two processes) take turns: each applies the
    other's batches from the log instead of reloading the window."""
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 3)
    expected, _ = _memory_run(batches, config)
    stores = [make_store(), make_store(timeout=31)]  # another URL: another process cache
    got, syncs = [], []
    for i, b in enumerate(batches):
        state = stores[i % 2].dedup_state()
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        syncs.append(state.sync)
        assert state.generation == i + 1
    assert got == expected
    assert len(loads) == 2  # each loaded once, at its first batch
    assert syncs[:2] == ["reload", "reload"]
    assert set(syncs[2:]) == {"replay"}


def test_a_prune_by_another_writer_is_replayed(make_store, loads) -> None:  # type: ignore[no-untyped-def]
    """The maintenance prune (another process) runs ahead of a batch of older articles: the
    cache must forget what the engine forgot, though the batch's own prune would not."""

    def late() -> list[str]:
        copy = make_article(CORONA, key="copy", source="other", at=T0 + timedelta(minutes=10))
        return [v.kind for v in deduplicate([copy], cached, T0 + timedelta(hours=2)).verdicts]

    cached, maintenance = make_store().dedup_state(), make_store(timeout=31).dedup_state()
    deduplicate([make_article(CORONA, key="a", at=T0)], cached, T0)
    with maintenance.transaction():
        assert maintenance.prune(T0 + timedelta(hours=1)) > 0  # "a" goes
    assert late() == ["new"]  # not "exact": "a" left the window
    assert cached.sync == "replay"
    assert len(loads) == 2  # the two first loads; the prune was replayed

    # A prune after writes in one transaction cannot be replayed: the other cache reloads.
    with maintenance.transaction():
        maintenance.put_key("url", "https://x.example/late", "late", T0 + timedelta(hours=3))
        maintenance.prune(T0 + timedelta(hours=2))  # "copy" goes, after a write
    with cached.transaction():
        assert cached.get_key("url", "https://x.example/late") == "late"
        assert cached.get_doc("copy") is None
    assert cached.sync == "reload"
    drop_caches()
    with cached.transaction():  # the engine's rows say the same
        assert cached.get_key("url", "https://x.example/late") == "late"
        assert cached.get_doc("copy") is None and cached.get_doc("a") is None


def test_a_recreated_index_is_not_mistaken_for_the_cached_one(make_store, engine) -> None:  # type: ignore[no-untyped-def]
    """The index is deleted under a running process: the next lease write recreates it
    (from the template: the same mapping) and the new meta's uuid makes the cache reload."""
    st = make_store()
    articles = [make_article(CORONA, key="a")]
    for attempt in range(2):
        state = st.dedup_state()
        assert [v.kind for v in deduplicate(fresh(articles), state, T0).verdicts] == ["new"]
        assert state.sync == "reload"
        if not attempt:
            engine.http.delete(f"/{engine.prefix}-dedup")
    props = st.adapter.get_mapping(f"{engine.prefix}-dedup")[f"{engine.prefix}-dedup"]
    assert props["p"] == {"type": "object", "enabled": False}


# --- crashes and failures ----------------------------------------------------------------------
class Crash(BaseException):
    """A process dying at this point (nothing after it runs, not even `except Exception`)."""


def _fail_once(monkeypatch: pytest.MonkeyPatch, name: str, exc: BaseException, at: int) -> None:
    """Make ``EngineDedupState.<name>`` raise ``exc`` on its ``at``-th call."""
    real = getattr(EngineDedupState, name)
    calls = []

    def failing(self: EngineDedupState, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == at:
            raise exc
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EngineDedupState, name, failing)


def test_a_crash_after_the_log_write_leaves_an_orphan_the_next_batch_ignores(
    make_store, monkeypatch, loads
) -> None:  # type: ignore[no-untyped-def]
    """The log of generation g+1 is written, meta is not: the batch never happened. The
    failed batch is then retried, as the pipeline's next cycle would."""
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 4)
    expected, expected_stats = _memory_run(batches, config)
    st, other = make_store(), make_store(timeout=31)
    _fail_once(monkeypatch, "_commit_meta", Crash(), at=2)
    got = _verdicts(deduplicate(fresh(batches[0]), st.dedup_state(), _now(batches[0]), config))
    with pytest.raises(Crash):
        deduplicate(fresh(batches[1]), st.dedup_state(), _now(batches[1]), config)
    assert _meta(st)["gen"] == 1
    cache = de._REGISTRY[(st.url, f"{st.names.prefix}-dedup")]
    assert cache.mem is None  # it held half a batch
    syncs = []
    for i, b in enumerate(batches[1:], start=1):
        state = (st, other)[i % 2].dedup_state()
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        syncs.append(state.sync)
    assert got == expected
    assert syncs[:2] == ["reload", "reload"] and set(syncs[2:]) == {"replay"}
    drop_caches()
    assert st.dedup_state().stats() == expected_stats


@pytest.mark.parametrize("failure", ["crash", "error"])
def test_a_failure_after_the_commit_point_is_finished_by_the_next_batch(
    make_store, monkeypatch, loads, failure: str
) -> None:  # type: ignore[no-untyped-def]
    """Meta says generation 2, but its rows were not written: a crash (the batch's caller
    never hears back) or an engine error (logged; the batch stands). The next writer writes
    them from the log before its own batch, so a fresh process loads the whole window."""
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 4)
    expected, expected_stats = _memory_run(batches, config)
    st = make_store()
    exc: BaseException = Crash() if failure == "crash" else StoreError("engine gone", cause="x")
    _fail_once(monkeypatch, "_materialise", exc, at=2)
    got = _verdicts(deduplicate(fresh(batches[0]), st.dedup_state(), _now(batches[0]), config))
    if failure == "crash":
        with pytest.raises(Crash):
            deduplicate(fresh(batches[1]), st.dedup_state(), _now(batches[1]), config)
        got += [v for v in expected[len(got) : len(got) + len(batches[1])]]  # lost to the caller
        drop_caches()  # the process died
    else:
        got += _verdicts(deduplicate(fresh(batches[1]), st.dedup_state(), _now(batches[1]), config))
    meta = _meta(st)
    assert (meta["gen"], meta["applied"]) == (2, 1)
    for b in batches[2:]:
        got += _verdicts(deduplicate(fresh(b), st.dedup_state(), _now(b), config))
    assert got == expected
    meta = _meta(st)
    assert meta["gen"] == meta["applied"] == len(batches)
    drop_caches()
    assert st.dedup_state().stats() == expected_stats


def test_client_retries_of_writes_that_had_landed_change_nothing(make_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The client retries a request that timed out. Every write to the dedup index is sent
    twice here, as such a retry would be after the first attempt had landed: the retries of
    conditional writes (lease, commit point, applied mark) meet a 409 from their own write,
    which must not read as a lost lease. Verdicts stay those of memory."""
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 4)[:6]
    expected, _ = _memory_run(batches, config)
    st = make_store()
    index = f"{st.names.prefix}-dedup"
    real_index = st.adapter.index
    retried = Counter()

    def index_then_retry(name: str, doc_id: str, *args: Any, **kwargs: Any) -> Any:
        result = real_index(name, doc_id, *args, **kwargs)
        if name != index:
            return result
        try:  # the first answer is lost; the caller gets the retry's
            return real_index(name, doc_id, *args, **kwargs)
        except Exception as exc:
            if st.adapter.is_conflict(exc):
                retried[doc_id] += 1
            raise

    monkeypatch.setattr(st.adapter, "index", index_then_retry)
    got = []
    for b in batches:
        got += _verdicts(deduplicate(fresh(b), st.dedup_state(), _now(b), config))
    assert got == expected
    assert retried["meta"] >= 2 * len(batches)  # each commit point and applied mark
    meta = _meta(st)
    assert meta["gen"] == meta["applied"] == len(batches)


def test_an_engine_error_before_the_commit_point_changes_nothing(make_store, engine) -> None:  # type: ignore[no-untyped-def]
    st = make_store()
    batches = _batches(article_stream(), 4)
    expected, _ = _memory_run(batches[:3], DedupConfig())
    got = _verdicts(deduplicate(fresh(batches[0]), st.dedup_state(), _now(batches[0])))
    before = st.dedup_state().stats()
    real = st.adapter.index
    if engine.kind == "elasticsearch":
        from elastic_transport import ConnectionError as Refused

        refused: Exception = Refused("Connection refused")
    else:
        from opensearchpy.exceptions import ConnectionError as Refused

        refused = Refused("N/A", "Connection refused", None)

    def refusing(index: str, doc_id: str, doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
        if doc_id.startswith("log:"):
            st.adapter.index = real  # type: ignore[method-assign]
            raise refused
        return real(index, doc_id, doc, **kw)

    st.adapter.index = refusing  # type: ignore[method-assign]
    with pytest.raises(StoreError) as err:
        deduplicate(fresh(batches[1]), st.dedup_state(), _now(batches[1]))
    assert err.value.cause == "unreachable" and "write the dedup log" in str(err.value)
    assert _meta(st)["gen"] == 1
    assert st.dedup_state().stats() == before  # reloaded: nothing of the failed batch
    for b in batches[1:3]:
        got += _verdicts(deduplicate(fresh(b), st.dedup_state(), _now(b)))
    assert got == expected


@pytest.mark.parametrize("scheme", KINDS)
def test_a_dead_engine_is_a_clear_store_error(scheme: str) -> None:
    port = free_port()  # nothing listens there
    st = open_store(f"{scheme}://127.0.0.1:{port}?spool=off&timeout=2")
    assert isinstance(st, EngineStore)
    articles = fresh(article_stream()[:3])
    with pytest.raises(StoreError) as err:
        deduplicate(articles, st.dedup_state(), T0)
    assert err.value.cause == "unreachable"
    assert f"127.0.0.1:{port}" in str(err.value) and "rasid-dedup" in str(err.value)
    cache = de._REGISTRY[(st.url, "rasid-dedup")]
    assert cache.mem is None and not cache.ready  # nothing half-applied, nothing assumed
    assert all(a.story_id is None for a in articles)  # no verdict was handed out


# --- the lease ---------------------------------------------------------------------------------
def _hold_lease(st: EngineStore, owner: str, expires_in: float, ttl: float | None = None) -> None:
    now = time.time()
    p = {"owner": owner, "since": "2024-05-01T08:00:00+00:00", "expires": now + expires_in}
    if ttl is not None:
        p["ttl"] = ttl
    st.adapter.index(f"{st.names.prefix}-dedup", "lock", {"kind": "lock", "p": p})


def test_an_expired_lease_is_taken_over(make_store, caplog) -> None:  # type: ignore[no-untyped-def]
    st = make_store()
    st.dedup_state().stats()  # creates the index
    # its writer died 185 s ago: expired by more than half a TTL even on a skewed clock
    _hold_lease(st, "crashed-host:41", expires_in=-65)
    state = st.dedup_state(lease_timeout=30)
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="store.dedup_engine"):
        kinds = [v.kind for v in deduplicate([make_article(CORONA, key="a")], state, T0).verdicts]
    assert kinds == ["new"] and time.monotonic() - t0 < 10
    assert "took over the lease of crashed-host:41" in caplog.text
    assert st.adapter.get(f"{st.names.prefix}-dedup", "lock") is None  # released after


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(make_store, caplog) -> None:  # type: ignore[no-untyped-def]
    import socket

    st = make_store()
    st.dedup_state().stats()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    owner = f"{socket.gethostname()}:{gone.stdout.strip()}:abcdef"
    _hold_lease(st, owner, expires_in=110)  # killed mid-batch a few seconds ago
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="store.dedup_engine"):
        state = st.dedup_state(lease_timeout=30)
        kinds = [v.kind for v in deduplicate([make_article(CORONA, key="a")], state, T0).verdicts]
    assert kinds == ["new"] and time.monotonic() - t0 < 10
    assert "that process is gone" in caplog.text


def test_a_lease_that_expired_seconds_ago_by_another_clock_is_not_taken(make_store) -> None:  # type: ignore[no-untyped-def]
    # A holder whose clock is a minute behind ours looks expired to us while it is alive.
    st = make_store()
    st.dedup_state().stats()
    _hold_lease(st, "slow-clock-host:43", expires_in=-5)
    with pytest.raises(StoreError) as err:
        deduplicate([make_article(CORONA, key="a")], st.dedup_state(lease_timeout=0.7), T0)
    assert err.value.cause == "locked"


def test_a_lease_watched_unchanged_for_its_ttl_is_taken_whatever_the_clocks(
    make_store, caplog
) -> None:  # type: ignore[no-untyped-def]
    # A holder whose clock is an hour ahead, which died: its stated expiry is far off, but
    # the waiter has seen the lease neither renewed nor released for a whole TTL.
    st = make_store()
    st.dedup_state().stats()
    _hold_lease(st, "fast-clock-host:44", expires_in=3600, ttl=1.5)
    t0 = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="store.dedup_engine"):
        state = st.dedup_state(lease_timeout=30)
        kinds = [v.kind for v in deduplicate([make_article(CORONA, key="a")], state, T0).verdicts]
    assert kinds == ["new"] and 1.5 <= time.monotonic() - t0 < 10
    assert "took over the lease of fast-clock-host:44" in caplog.text
    assert "unchanged for 2 s" in caplog.text or "unchanged for 1 s" in caplog.text


def test_a_live_lease_waits_then_names_its_holder(make_store) -> None:  # type: ignore[no-untyped-def]
    st = make_store()
    deduplicate([make_article(CORONA, key="a")], st.dedup_state(), T0)
    _hold_lease(st, "busy-host:42", expires_in=300)
    t0 = time.monotonic()
    with pytest.raises(StoreError) as err:
        deduplicate([make_article(CORONA, key="b")], st.dedup_state(lease_timeout=0.7), T0)
    assert 0.7 <= time.monotonic() - t0 < 10
    assert err.value.cause == "locked"
    message = str(err.value)
    assert "locked by busy-host:42 since 2024-05-01T08:00:00+00:00" in message
    assert "gave up after waiting 0.7 s" in message
    st.adapter.delete(f"{st.names.prefix}-dedup", "lock")  # the holder finishes
    again = deduplicate([make_article(CORONA, key="b")], st.dedup_state(), T0)
    assert [v.kind for v in again.verdicts] == ["exact"]  # "a" is still there, "b" was not kept


# --- two processes -----------------------------------------------------------------------------
def _two_processes(tmp_path: Path, url: str, window: float) -> list[list[dict]]:
    """Two worker processes deduplicate the same stream, cut into different batches,
    concurrently against one engine index. Returns the batch records of each."""
    stream = article_stream()
    specs = [
        {
            "store": url,
            "window_hours": window,
            "seed": n,
            "batches": [
                {"now": _now(b).isoformat(), "articles": [a.to_dict() for a in fresh(b)]}
                for b in _batches(stream, size)
            ],
        }
        for n, size in enumerate((3, 4))
    ]
    return run_together(tmp_path, WORKER, specs)


def test_two_processes_never_both_call_an_article_new(make_store, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    make_store().dedup_state().stats()  # the index exists before the race
    per_worker = _two_processes(tmp_path, engine.url(spool="off"), window=72)
    records = [r for recs in per_worker for r in recs]
    for w, recs in enumerate(per_worker):
        for r in recs:
            r["worker"] = w
    # Commit order; a batch that wrote nothing (only re-polls) saw the state of its generation.
    records.sort(key=lambda r: (r["generation"], not r["wrote"]))
    assert sum(a["worker"] != b["worker"] for a, b in pairwise(records)) >= 3  # took turns
    kinds: dict[str, Counter[str]] = {}
    for r in records:
        for aid, kind, *_ in r["verdicts"]:
            kinds.setdefault(aid, Counter())[kind] += 1
    for aid, k in kinds.items():
        assert k["new"] <= 1, aid
        assert sum(n for kind, n in k.items() if kind != "same-url") == 1, (aid, k)
    assert "replay" in {r["sync"] for r in records}
    # Replayed one by one in commit order (generations) through the in-memory reference,
    # the batches give exactly the verdicts the processes got.
    gens = [r["generation"] for r in records if r["wrote"]]
    assert gens == list(range(1, len(gens) + 1))
    state, config = InMemoryDedupState(), DedupConfig(window_hours=72)
    for r in records:
        batch = [Article.from_dict(a) for a in r["articles"]]
        result = deduplicate(batch, state, datetime.fromisoformat(r["now"]), config)
        assert [list(v) for v in _verdicts(result)] == r["verdicts"]


# --- the pipeline ------------------------------------------------------------------------------
def test_the_pipeline_keeps_dedup_state_in_the_engine(
    engine, loopback_server, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # where a sidecar (data/dedup-state.db) would appear
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: site, name: Site, url: '{site_feed(loopback_server, 0, 5)}'}}\n"
    )
    (tmp_path / "alerts.yaml").write_text("rules: []\n")
    monkeypatch.delenv("RASID_CONFIG", raising=False)
    settings = load_settings(
        feeds=tmp_path / "feeds.yaml",
        rules=tmp_path / "alerts.yaml",
        store=engine.url(spool=str(tmp_path / "spool")),
    )
    settings.outbox_path = tmp_path / "outbox.db"
    assert settings.dedup_db is None
    seen: list[str] = []
    real = pl._dedup

    def recording(articles, store, settings, now):  # type: ignore[no-untyped-def]
        result = real(articles, store, settings, now)
        seen.extend(v.kind for v in result.verdicts)
        return result

    monkeypatch.setattr(pl, "_dedup", recording)
    first = pl.run_cycle(settings)
    assert first.articles_indexed == 5 and not first.feeds_failed
    assert len(seen) == 5 and "same-url" not in seen
    assert not list(tmp_path.rglob("*dedup*"))  # no sidecar file anywhere

    # A new process on another machine would see the same: forget this one's cache, and
    # the stored articles and feed state too, so that the items reach dedup again.
    drop_caches()
    engine.http.delete(f"/{engine.prefix}-articles-*")
    engine.http.delete(f"/{engine.prefix}-feeds")
    seen.clear()
    again = pl.run_cycle(settings)
    assert seen == ["same-url"] * 5  # every article already seen, by the engine's state
    assert again.articles_indexed == 5  # and written again: the store had lost them
    upkeep = pl.maintenance(settings)
    assert upkeep["dedup_pruned"] == 0  # within the window
    assert not list(tmp_path.rglob("*dedup*"))
