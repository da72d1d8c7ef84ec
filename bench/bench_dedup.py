"""Throughput of deduplication + story clustering on a 9,000-article day of SaudiNewsNet.

Times are CPU seconds of this process (``time.process_time``): the machine may be shared,
and the goal is stated for one core. The articles (the first 9,000 of the corpus, in
order) are spread evenly over one day and fed to ``deduplicate`` in 24 hourly batches, as
the pipeline would. Two baselines are measured in the same run, on the same machine:

* ``hash only``: content_hash of every article (the floor: normalising text once);
* ``pairwise Jaccard``: exact Jaccard between all pairs of a sample, scaled by n^2 to the
  whole day: what near-duplicate detection would cost without LSH.

With ``--sqlite``, the persistent state (a WAL file in a temporary folder) is timed too:

* ``sqlite``: one connection and one ``SqliteDedupState`` for the day (the default
  policy: the process-wide cache, validated against the file's generation per batch);
* ``sqlite_per_batch``: a new connection and state per batch, as ``rasid.pipeline`` does;
* ``sqlite_sql_only``: ``cache=False``, every read a query (a process that only ever
  handles a few small batches, such as one Airflow task, reads this way);
* ``sqlite_alternating``: two writers taking turns, one cached and one SQL-only (a second
  process on the same file): the cached one replays the other's writes every batch;
* ``sqlite_load``: after a restart, loading the stored day into the cache.

Every SQLite run must give the in-memory verdict counts (``sqlite_verdicts_match``). Each
timed run starts with empty token caches.

With ``--engine``, an OpenSearch node is started from Maven Central (``tools/engines.py``,
as the engine tests do) and the day is cut into pipeline-sized batches (``--batch``, 100
articles), each with a state of its own, as ``rasid.pipeline`` does:

* ``sqlite_batched``: ``SqliteDedupState`` on a WAL file (the baseline);
* ``engine``: ``EngineDedupState`` (``store/dedup_engine.py``): this process's CPU and wall
  seconds, the engine's CPU seconds (its process group), requests per batch;
* ``engine_alternating``: two writers with caches of their own (two processes) take
  turns, each replaying the other's batch from the log;
* ``engine_load``: after a restart, loading the stored day from the engine.

With ``--cold`` (implies an engine node), one fresh process per small batch (``--cold-batch``,
20 articles), as an Airflow task, against a window of one day and of three days (9,000
articles a day; the corpus has 11,427, so days two and three reuse it as edited reprints):

* ``cold``: the default policy (``cache=None``): no cache, a small batch: read cold;
* ``load``: ``cache=True``: the same kind of batch after loading the whole window;
* ``warm``: one process whose cache is current (the floor).

Each is ``--cold-batches`` batches (8) of new articles after the window; wall and CPU
seconds and requests per batch (with the index check a new process makes). Every verdict
is compared with ``InMemoryDedupState`` fed the same batches (``cold_verdicts_match``).

    .venv/bin/python -m bench.bench_dedup [--articles 9000] [--sqlite] [--engine] [--json]
    .venv/bin/python -m bench.bench_dedup --cold [--cold-days 1,3] [--cold-batch 20]
    .venv/bin/python -m bench.bench_dedup --cold-prune 6 [--cold-batch 20]

With ``--cold-prune HOURS``, a three-day window is filled and then one cold batch an hour
runs across the midnight where the first day leaves the window: that batch's prune also
drops the day's term counts. Each batch's wall and CPU time, requests and pruned rows are
listed, with the verdicts compared with memory.
    .venv/bin/python -m bench --only dedup [--quick]      # as part of `make bench`
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import Result, Skip, ratio_result
from processing.dedup import DedupConfig, InMemoryDedupState, content_hash, deduplicate, text
from processing.dedup.corpus import find_data_dir, load_saudinewsnet, to_article
from processing.dedup.text import jaccard, shingle_hashes
from processing.normalize import tokens

if TYPE_CHECKING:
    from store.es_store import EngineStore

GOAL_SECONDS = 10.0


def _day(docs: list, start: datetime) -> list:
    step = timedelta(days=1) / max(1, len(docs))
    return [to_article(d, start + i * step) for i, d in enumerate(docs)]


def _hourly(articles: list, start: datetime) -> list[tuple[datetime, list]]:
    batches: dict[int, list] = {}
    for a in articles:
        batches.setdefault(int((a.fetched_at - start).total_seconds() // 3600), []).append(a)
    return [(start + timedelta(hours=h + 1), batches[h]) for h in sorted(batches)]


def _cold() -> None:
    """Empty the process-wide token cache, so that every scenario starts cold (the first
    would otherwise pay for the warm-up of the others)."""
    text._term_cache.clear()


def run_dedup(
    articles: list, state, start: datetime, config: DedupConfig
) -> tuple[float, float, dict]:
    """Wall and CPU seconds for the day, from cold token caches; ``state`` is a state, or
    a callable returning the state for each batch (and closing the previous connection)."""
    _cold()
    counts: dict[str, int] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for now, batch in _hourly(articles, start):
        st = state() if callable(state) else state
        result = deduplicate(batch, st, now, config)
        for k, n in result.counts().items():
            counts[k] = counts.get(k, 0) + n
    return time.perf_counter() - t0, time.process_time() - c0, counts


def run_hash_only(articles: list) -> float:
    """CPU seconds to content-hash every article."""
    c0 = time.process_time()
    for a in articles:
        content_hash(a.title, a.body)
    return time.process_time() - c0


def run_pairwise(articles: list, sample: int) -> tuple[float, float]:
    """CPU seconds for all pairs of ``sample`` articles, and that scaled to all articles."""
    sub = articles[:sample]
    t0 = time.process_time()
    sets = [shingle_hashes(tokens(a.body)) for a in sub]
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            jaccard(sets[i], sets[j])
    took = time.process_time() - t0
    n = len(articles)
    return took, took * (n * (n - 1)) / max(1, sample * (sample - 1))


def measure_sqlite(docs: list, start: datetime, config: DedupConfig, counts: dict) -> dict:
    """The SQLite scenarios (see the module docstring), each on a fresh file."""
    from store.dedup_sqlite import SqliteDedupState, _load, connect, drop_caches

    out: dict = {}
    n = len(docs)
    match = True
    with tempfile.TemporaryDirectory() as tmp:
        # one connection for the day
        drop_caches()
        conn = connect(Path(tmp) / "one.db")
        _, cpu, got = run_dedup(_day(docs, start), SqliteDedupState(conn), start, config)
        conn.close()
        out["sqlite_dedup_cpu_seconds"] = round(cpu, 3)
        out["sqlite_ms_per_article"] = round(1000 * cpu / n, 3)
        match &= got == counts

        # a connection and a state per batch, as rasid.pipeline._dedup does
        drop_caches()
        conns: list = []

        def per_batch() -> SqliteDedupState:
            for c in conns:
                c.close()
            conns[:] = [connect(Path(tmp) / "per-batch.db")]
            return SqliteDedupState(conns[0])

        _, cpu, got = run_dedup(_day(docs, start), per_batch, start, config)
        conns[0].close()
        out["sqlite_per_batch_cpu_seconds"] = round(cpu, 3)
        match &= got == counts

        # every read a query
        conn = connect(Path(tmp) / "sql.db")
        state = SqliteDedupState(conn, cache=False)
        _, cpu, got = run_dedup(_day(docs, start), state, start, config)
        conn.close()
        out["sqlite_sql_only_cpu_seconds"] = round(cpu, 3)
        match &= got == counts

        # two writers taking turns on one file: a cached one and an SQL-only one
        drop_caches()
        a, b = connect(Path(tmp) / "two.db"), connect(Path(tmp) / "two.db")
        states = [SqliteDedupState(a, cache=True), SqliteDedupState(b, cache=False)]
        turn = iter(range(10**9))
        _, cpu, got = run_dedup(_day(docs, start), lambda: states[next(turn) % 2], start, config)
        a.close()
        b.close()
        out["sqlite_alternating_cpu_seconds"] = round(cpu, 3)
        match &= got == counts

        # a restart: load the stored day into a fresh cache
        conn = connect(Path(tmp) / "one.db")
        conn.execute("BEGIN")
        c0 = time.process_time()
        mem = _load(conn)
        out["sqlite_load_cpu_seconds"] = round(time.process_time() - c0, 3)
        out["sqlite_load_documents"] = len(mem.docs)
        conn.rollback()
        conn.close()
        drop_caches()
    out["sqlite_verdicts_match"] = match
    return out


def _counting_store(url: str, requests: list[int]) -> EngineStore:
    """An engine store whose every HTTP request adds one to ``requests[0]``."""
    from store.es_store import EngineStore
    from store.factory import open_store

    st = open_store(url)
    assert isinstance(st, EngineStore)
    transport = st.adapter.client.transport
    real = transport.perform_request

    def counting(*args: Any, **kwargs: Any) -> Any:
        requests[0] += 1
        return real(*args, **kwargs)

    transport.perform_request = counting
    return st


def _batched(articles: list, size: int) -> list[tuple[datetime, list]]:
    """Consecutive batches of ``size`` articles, each run a minute after its last article."""
    out = []
    for i in range(0, len(articles), size):
        batch = articles[i : i + size]
        out.append((max(a.fetched_at for a in batch) + timedelta(minutes=1), batch))
    return out


def _run_batches(batches: list, state_for: Callable[[int], Any], config: DedupConfig) -> dict:
    _cold()
    counts: dict[str, int] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for i, (now, batch) in enumerate(batches):
        result = deduplicate(batch, state_for(i), now, config)
        for k, n in result.counts().items():
            counts[k] = counts.get(k, 0) + n
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "counts": counts}


def _group_cpu(pgid: int) -> float:
    """CPU seconds of every process in a process group (the engine's JVM and launcher)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def measure_engine(
    docs: list, start: datetime, config: DedupConfig, counts: dict, batch: int
) -> dict:
    """SQLite and the engine state on the same pipeline-sized batches (module docstring)."""
    from store.dedup_engine import drop_caches
    from store.dedup_sqlite import SqliteDedupState, connect
    from store.dedup_sqlite import drop_caches as drop_sqlite_caches
    from tools.engines import start_node

    out: dict = {"engine_batch_articles": batch}
    batches = _batched(_day(docs, start), batch)
    out["engine_batches"] = len(batches)
    with tempfile.TemporaryDirectory() as tmp:
        drop_sqlite_caches()
        conns: list = []

        def sqlite_state(_: int) -> SqliteDedupState:
            for c in conns:
                c.close()
            conns[:] = [connect(Path(tmp) / "batched.db")]
            return SqliteDedupState(conns[0])

        base = _run_batches(_batched(_day(docs, start), batch), sqlite_state, config)
        conns[0].close()
        drop_sqlite_caches()
    out["sqlite_batched_cpu_seconds"] = round(base["cpu"], 3)
    out["sqlite_batched_wall_seconds"] = round(base["wall"], 3)
    match = base["counts"] == counts

    node = start_node("opensearch", cluster_name="rasid-bench-dedup", heap="512m")
    try:
        node.wait_ready(240)
        requests = [0]

        def store(tag: str) -> EngineStore:
            url = f"opensearch://127.0.0.1:{node.http_port}?prefix=bench&spool=off&t={tag}"
            return _counting_store(url, requests)

        # A fresh JVM compiles as it goes: warm it up on another index first.
        warm = store("w")
        sample = _batched(_day(docs[:1000], start), batch)
        _run_batches(sample, lambda _: warm.dedup_state(index="bench-warm-up"), config)
        drop_caches()
        one = store("a")
        one.dedup_state().stats()  # the index exists: creating it is not part of the day
        requests[0], jvm0 = 0, _group_cpu(node.pid)
        run = _run_batches(_batched(_day(docs, start), batch), lambda _: one.dedup_state(), config)
        out["engine_cpu_seconds"] = round(run["cpu"], 3)
        out["engine_wall_seconds"] = round(run["wall"], 3)
        out["engine_server_cpu_seconds"] = round(_group_cpu(node.pid) - jvm0, 3)
        out["engine_requests_per_batch"] = round(requests[0] / len(batches), 2)
        match &= run["counts"] == counts
        one.adapter.client.indices.refresh(index="bench-dedup")
        size = one.adapter.client.indices.stats(index="bench-dedup", metric="store,docs")
        total = size["indices"]["bench-dedup"]["primaries"]
        out["engine_index_documents"] = total["docs"]["count"]
        out["engine_index_mb"] = round(total["store"]["size_in_bytes"] / 2**20, 1)

        # a restart: load the stored day (forced: a lone read would be answered cold)
        drop_caches()
        c0, t0 = time.process_time(), time.perf_counter()
        state = one.dedup_state(cache=True)
        loaded = state.stats()
        out["engine_load_cpu_seconds"] = round(time.process_time() - c0, 3)
        out["engine_load_wall_seconds"] = round(time.perf_counter() - t0, 3)
        out["engine_load_documents"] = loaded["docs"]

        # two writers with caches of their own, taking turns on another index
        drop_caches()
        pair = [store("b"), store("c")]
        pair[0].dedup_state(index="bench-dedup2").stats()
        run = _run_batches(
            _batched(_day(docs, start), batch),
            lambda i: pair[i % 2].dedup_state(index="bench-dedup2"),
            config,
        )
        out["engine_alternating_cpu_seconds"] = round(run["cpu"], 3)
        out["engine_alternating_wall_seconds"] = round(run["wall"], 3)
        match &= run["counts"] == counts
        for st in [warm, one, *pair]:
            st.close()
        drop_caches()
    finally:
        node.cleanup()
    out["engine_verdicts_match"] = match
    out["engine_to_sqlite_cpu_ratio"] = round(out["engine_cpu_seconds"] / base["cpu"], 2)
    out["engine_to_sqlite_wall_ratio"] = round(out["engine_wall_seconds"] / base["wall"], 2)
    return out


def _copies(docs: list, n: int, start: datetime, step: timedelta, tag: str) -> list:
    """``n`` articles from ``docs`` (cycled), ``step`` apart from ``start``; each pass after
    the first is a set of edited reprints (another id, URL and first line), tagged ``tag``."""
    from dataclasses import replace

    out = []
    for i in range(n):
        a = to_article(docs[i % len(docs)], start + i * step)
        k = i // len(docs)
        if k or tag:
            key = f"{tag}{k}"
            a = replace(
                a,
                id=f"{a.id}~{key}",
                url=f"{a.url}?v={key}",
                canonical_url=f"{a.canonical_url}?v={key}",
                body=f"تحديث {key}: {a.body}",
            )
        out.append(a)
    return out


def measure_cold(
    docs: list, config: DedupConfig, days_list: list[int], batch: int, n_batches: int
) -> dict:
    """A fresh process per small batch against a filled window: cold reads vs a full load
    vs a warm cache (module docstring)."""
    from store.dedup_engine import LOAD_RATIO, LOAD_SMALL, drop_caches
    from tools.engines import start_node

    out: dict = {"cold_batch_articles": batch, "cold_batches": n_batches}
    out["cold_policy"] = f"LOAD_SMALL={LOAD_SMALL} LOAD_RATIO={LOAD_RATIO}"
    node = start_node("opensearch", cluster_name="rasid-bench-dedup-cold", heap="512m")
    try:
        node.wait_ready(240)
        requests = [0]
        url = f"opensearch://127.0.0.1:{node.http_port}?prefix=bench&spool=off"

        def store() -> EngineStore:
            return _counting_store(url, requests)

        # A fresh JVM compiles as it goes: warm it up on another index first, cold included.
        warm_up = store()
        start = datetime(2015, 7, 21)
        sample = _batched(_day(docs[:1000], start), 100)
        _run_batches(sample, lambda _: warm_up.dedup_state(index="bench-warm-up"), config)
        extra = _batched(_copies(docs[1000:1200], 200, start + timedelta(days=1),
                                 timedelta(seconds=10), "w"), batch)  # fmt: skip
        for now, b in extra:
            drop_caches()
            deduplicate(b, warm_up.dedup_state(index="bench-warm-up", cache=False), now, config)
        warm_up.close()

        for days in days_list:
            index = f"bench-cold{days}"
            window = _copies(docs, 9000 * days, start, timedelta(days=1) / 9000, "")
            tail_start = start + timedelta(days=days)
            fresh_docs = docs[9000:] if len(docs) > 9000 else docs
            tail = _copies(fresh_docs, 3 * batch * n_batches, tail_start,
                           timedelta(seconds=10), "n")  # fmt: skip
            fill = _batched(window, 500)
            runs = {
                "cold": _batched(tail[: batch * n_batches], batch),
                "load": _batched(tail[batch * n_batches : 2 * batch * n_batches], batch),
                "warm": _batched(tail[2 * batch * n_batches :], batch),
            }
            # the reference: the same batches through memory
            mem, expected = InMemoryDedupState(), {}
            for now, b in fill:
                deduplicate(_fresh(b), mem, now, config)
            for name, bs in runs.items():
                expected[name] = [_kinds(deduplicate(_fresh(b), mem, now, config)) for now, b in bs]
            _cold()
            drop_caches()
            one = store()
            t0 = time.perf_counter()
            for now, b in fill:  # one warm process fills the window
                deduplicate(_fresh(b), one.dedup_state(index=index), now, config)
            out[f"cold_{days}d_fill_wall_seconds"] = round(time.perf_counter() - t0, 1)
            out[f"cold_{days}d_window_documents"] = one.dedup_state(index=index).stats()["docs"]
            one.close()
            match = True
            for name, bs in runs.items():
                walls, cpus, reqs, syncs, got = [], [], [], [], []
                st = store()
                for now, b in bs:
                    if name != "warm":
                        drop_caches()  # a new process: no cache, and the index check again
                        _cold()
                    state = st.dedup_state(index=index, cache=True if name == "load" else None)
                    requests[0] = 0
                    t0, c0 = time.perf_counter(), time.process_time()
                    result = deduplicate(_fresh(b), state, now, config)
                    walls.append(time.perf_counter() - t0)
                    cpus.append(time.process_time() - c0)
                    reqs.append(requests[0])
                    syncs.append(state.sync)
                    got.append(_kinds(result))
                st.close()
                if name == "warm":  # the first batch loads: the floor is the others
                    walls, cpus, reqs, syncs = walls[1:], cpus[1:], reqs[1:], syncs[1:]
                match &= got == expected[name]
                key = f"cold_{days}d_{name}"
                out[f"{key}_wall_ms_per_batch"] = round(1000 * sum(walls) / len(walls), 1)
                out[f"{key}_wall_ms_min_max"] = (round(1000 * min(walls)), round(1000 * max(walls)))
                out[f"{key}_cpu_ms_per_batch"] = round(1000 * sum(cpus) / len(cpus), 1)
                out[f"{key}_requests_per_batch"] = round(sum(reqs) / len(reqs), 1)
                out[f"{key}_syncs"] = sorted(set(syncs))
            out[f"cold_{days}d_verdicts_match"] = match
        drop_caches()
    finally:
        node.cleanup()
    return out


def measure_cold_prune(docs: list, config: DedupConfig, batch: int, hours: int) -> dict:
    """Hourly cold batches (a fresh process each) across the midnight where a day's term
    counts leave a three-day window: what that one batch's prune costs against its
    neighbours', with the verdicts compared with memory (module docstring)."""
    from processing.dedup.engine import article_time
    from store.dedup_engine import drop_caches
    from tools.engines import start_node

    start = datetime(2015, 7, 21)
    days = round(config.window_hours / 24)
    out: dict = {"prune_window_days": days, "prune_batch_articles": batch}
    node = start_node("opensearch", cluster_name="rasid-bench-dedup-prune", heap="512m")
    try:
        node.wait_ready(240)
        requests = [0]
        url = f"opensearch://127.0.0.1:{node.http_port}?prefix=bench&spool=off"
        window = _copies(docs, 9000 * days, start, timedelta(days=1) / 9000, "")
        fresh_docs = docs[9000:] if len(docs) > 9000 else docs
        # The batches start one hour after the window's last article and run past the
        # midnight where the first day's term rows fall out ("hours" batches, one an hour).
        first = start + timedelta(days=days, hours=24 - hours // 2)
        tail = _copies(fresh_docs, batch * hours, first, timedelta(hours=1) / batch, "p")
        runs = _batched(tail, batch)
        mem = InMemoryDedupState()
        fill = _batched(window, 500)
        for now, b in fill:
            deduplicate(_fresh(b), mem, now, config)
        # the window's last hours before the batches, so memory and engine hold the same
        gap = _copies(docs[:2000], 2000, start + timedelta(days=days),
                      (first - (start + timedelta(days=days))) / 2000, "g")  # fmt: skip
        # about an hour a batch, so the first timed batch prunes one hour, as the others do
        gap_batches = _batched(gap, 100)
        for now, b in gap_batches:
            deduplicate(_fresh(b), mem, now, config)
        expected = [_kinds(deduplicate(_fresh(b), mem, now, config)) for now, b in runs]
        _cold()
        drop_caches()
        one = _counting_store(url, requests)
        t0 = time.perf_counter()
        for now, b in fill + gap_batches:
            deduplicate(_fresh(b), one.dedup_state(index="bench-prune"), now, config)
        out["prune_fill_wall_seconds"] = round(time.perf_counter() - t0, 1)
        out["prune_window_documents"] = one.dedup_state(index="bench-prune").stats()["docs"]
        one.close()
        st = _counting_store(url, requests)
        rows = []
        for (now, b), want in zip(runs, expected, strict=True):
            drop_caches()  # a new process: no cache, and the index check again
            _cold()
            state = st.dedup_state(index="bench-prune")
            requests[0] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            result = deduplicate(_fresh(b), state, now, config)
            horizon = (min(article_time(a, now) for a in b) - config.window).date()
            rows.append({
                "at": now.isoformat(timespec="minutes"),
                "horizon_day": horizon.isoformat(),
                "wall_ms": round(1000 * (time.perf_counter() - t0)),
                "cpu_ms": round(1000 * (time.process_time() - c0)),
                "requests": requests[0],
                "pruned": result.pruned,
                "sync": state.sync,
                "match": _kinds(result) == want,
            })  # fmt: skip
        st.close()
        # the batch whose prune horizon enters a new day: it drops the old day's term rows
        boundary = next(r for r, q in zip(rows[1:], rows, strict=False)
                        if r["horizon_day"] != q["horizon_day"])  # fmt: skip
        others = sorted(r["wall_ms"] for r in rows if r is not boundary)
        out["prune_batches"] = rows
        out["prune_boundary_batch"] = boundary
        out["prune_other_batches_wall_ms_median"] = others[len(others) // 2]
        out["prune_verdicts_match"] = all(r["match"] for r in rows)
        drop_caches()
    finally:
        node.cleanup()
    return out


def _fresh(batch: list) -> list:
    from dataclasses import replace

    return [replace(a) for a in batch]


def _kinds(result: Any) -> list[tuple]:
    return [(v.article_id, v.kind, v.duplicate_of, v.similarity, v.story_id)
            for v in result.verdicts]  # fmt: skip


def measure(
    data: Path,
    n_articles: int,
    pairwise_sample: int,
    sqlite: bool,
    engine: bool = False,
    batch: int = 100,
) -> dict:
    start = datetime(2015, 7, 21)
    config = DedupConfig()
    docs = load_saudinewsnet(data, n_articles)
    articles = _day(docs, start)
    hash_s = run_hash_only(articles)
    pair_s, pair_scaled = run_pairwise(articles, pairwise_sample)
    wall_s, dedup_s, counts = run_dedup(_day(docs, start), InMemoryDedupState(), start, config)
    goal = GOAL_SECONDS * len(articles) / 9000
    out = {
        "articles": len(articles),
        "dedup_cpu_seconds": round(dedup_s, 3),
        "dedup_wall_seconds": round(wall_s, 3),
        "ms_per_article": round(1000 * dedup_s / len(articles), 3),
        "goal_seconds": round(goal, 2),
        "meets_goal": dedup_s <= goal,
        "verdicts": counts,
        "baseline_hash_only_seconds": round(hash_s, 3),
        "ratio_to_hash_only": round(dedup_s / hash_s, 2) if hash_s else None,
        "baseline_pairwise_sample": pairwise_sample,
        "baseline_pairwise_sample_seconds": round(pair_s, 3),
        "baseline_pairwise_scaled_seconds": round(pair_scaled, 1),
        "speedup_vs_pairwise": round(pair_scaled / dedup_s, 1) if dedup_s else None,
    }
    if sqlite:
        out.update(measure_sqlite(docs, start, config, counts))
        out["sqlite_meets_goal"] = out["sqlite_dedup_cpu_seconds"] <= goal
    if engine:
        out.update(measure_engine(docs, start, config, counts, batch))
    return out


def run(quick: bool) -> list[Result]:
    """The ``make bench`` contract: quick = 1,500 articles, full = 9,000 (+ SQLite)."""
    data = find_data_dir()
    if data is None:
        raise Skip("SaudiNewsNet is absent (../shared/data/saudinewsnet)")
    m = measure(data, 1500 if quick else 9000, 200 if quick else 400, sqlite=not quick)
    n = m["articles"]
    results = [
        Result(
            f"dedup + stories, {n:,}-article day (in-memory state)",
            m["dedup_cpu_seconds"],
            "s CPU",
            goal=f"<={m['goal_seconds']}",
            notes="goal: 9,000 articles in <= 10 s on one core",
            extra=m,
        ),
        ratio_result(
            "dedup vs exact pairwise Jaccard",
            m["dedup_cpu_seconds"],
            "s CPU",
            "all-pairs Jaccard (sample, scaled by n^2)",
            m["baseline_pairwise_scaled_seconds"],
            lower_is_better=True,
            goal="" if quick else ">=5",  # n^2 vs ~n: the gap only shows at full size
        ),
        ratio_result(
            "dedup vs content hash only",
            m["dedup_cpu_seconds"],
            "s CPU",
            "content_hash of every article",
            m["baseline_hash_only_seconds"],
            lower_is_better=True,
            notes="informational: the floor of normalising the text once",
        ),
    ]
    if "sqlite_dedup_cpu_seconds" in m:
        results += [
            Result(
                f"dedup + stories, {n:,}-article day (SQLite state)",
                m["sqlite_dedup_cpu_seconds"],
                "s CPU",
                goal=f"<={m['goal_seconds']}",
                notes="goal: 9,000 articles in <= 10 s on one core, state persisted",
            ),
            ratio_result(
                f"SQLite state vs in-memory state, {n:,} articles",
                m["sqlite_dedup_cpu_seconds"],
                "s CPU",
                "in-memory state",
                m["dedup_cpu_seconds"],
                lower_is_better=True,
                notes="persistence cost; informational",
            ),
        ]
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=None, help="SaudiNewsNet folder (default ../shared/...)")
    ap.add_argument("--articles", type=int, default=9000)
    ap.add_argument("--pairwise-sample", type=int, default=400)
    ap.add_argument("--sqlite", action="store_true", help="also time the SQLite state")
    ap.add_argument(
        "--engine", action="store_true", help="also time the engine state (starts OpenSearch)"
    )
    ap.add_argument("--batch", type=int, default=100, help="articles per batch with --engine")
    ap.add_argument(
        "--cold", action="store_true", help="a fresh process per small batch (starts OpenSearch)"
    )
    ap.add_argument("--cold-days", default="1,3", help="window sizes in days with --cold")
    ap.add_argument("--cold-batch", type=int, default=20, help="articles per batch with --cold")
    ap.add_argument("--cold-batches", type=int, default=8, help="batches per scenario (--cold)")
    ap.add_argument(
        "--cold-prune", type=int, default=0, metavar="HOURS",
        help="hourly cold batches across the midnight a day leaves the window (starts OpenSearch)",
    )  # fmt: skip
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    data = find_data_dir(args.data)
    if data is None:
        print("SaudiNewsNet not found (../shared/data/saudinewsnet): nothing to measure")
        return 2
    if args.cold_prune:
        docs = load_saudinewsnet(data, 100_000)
        out = measure_cold_prune(docs, DedupConfig(), args.cold_batch, args.cold_prune)
    elif args.cold:
        docs = load_saudinewsnet(data, 100_000)
        days = [int(x) for x in args.cold_days.split(",") if x]
        out = measure_cold(docs, DedupConfig(), days, args.cold_batch, args.cold_batches)
    else:
        out = measure(
            data, args.articles, args.pairwise_sample, args.sqlite, args.engine, args.batch
        )
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        width = max(len(k) for k in out)
        for k, v in out.items():
            print(f"{k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
