"""The SQLite state's process-wide cache stays coherent with the file: across connections,
other writers (threads and processes), prunes, rollbacks, replaced files and the caller's
own transactions. The reference is always ``InMemoryDedupState`` fed the same batches."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

import store.dedup_sqlite as ds
from processing.dedup import DedupConfig, InMemoryDedupState, deduplicate
from rasid.records import Article
from store.dedup_sqlite import SqliteDedupState, connect, drop_caches
from tests.workers import run_together

from .conftest import CORONA, FOOTBALL, T0, article_stream, fresh, make_article

WORKER = Path(__file__).with_name("dedup_worker.py")


def _batches(articles: list[Article], size: int) -> list[list[Article]]:
    return [articles[i : i + size] for i in range(0, len(articles), size)]


def _now(batch: list[Article]) -> datetime:
    return max(a.fetched_at for a in batch) + timedelta(minutes=1)


def _verdicts(result) -> list[tuple]:
    return [
        (v.article_id, v.kind, v.duplicate_of, v.similarity, v.story_id) for v in result.verdicts
    ]


def _memory_run(batches: list[list[Article]], config: DedupConfig) -> list[tuple]:
    state, out = InMemoryDedupState(), []
    for b in batches:
        out += _verdicts(deduplicate(fresh(b), state, _now(b), config))
    return out


@pytest.fixture(autouse=True)
def _no_shared_cache():
    drop_caches()
    yield
    drop_caches()


@pytest.fixture
def loads(monkeypatch) -> list[int]:
    """Counts full loads of the cache (each entry: documents loaded)."""
    calls: list[int] = []
    real = ds._load

    def counting(conn):
        mem = real(conn)
        calls.append(len(mem.docs))
        return mem

    monkeypatch.setattr(ds, "_load", counting)
    return calls


@pytest.mark.parametrize("cache", [None, True, False])
def test_every_read_mode_matches_memory_across_restarts(cache, tmp_path: Path) -> None:
    config = DedupConfig(window_hours=12)  # prunes happen along the 48-hour stream
    batches = _batches(article_stream(), 4)
    expected = _memory_run(batches, config)
    got, db = [], tmp_path / "s.db"
    for i, b in enumerate(batches):
        if i % 5 == 0:
            drop_caches()  # a process restart now and then
        conn = connect(db)  # a connection per batch, as rasid.pipeline does
        state = SqliteDedupState(conn, cache=cache)
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
        assert state.mode == ("sql" if cache is False else "cache")
        conn.close()
    assert got == expected


def test_alternating_writers_are_replayed_not_reloaded(tmp_path: Path, loads) -> None:
    """A cached writer and an SQL-only one (standing for another process) take turns: the
    cached one applies the other's rows and prunes from the generation log."""
    config = DedupConfig(window_hours=12)
    batches = _batches(article_stream(), 3)
    expected = _memory_run(batches, config)
    db = tmp_path / "two.db"
    cached = SqliteDedupState(connect(db), cache=True)
    other = SqliteDedupState(connect(db), cache=False)
    got = []
    for i, b in enumerate(batches):
        state = (cached, other)[i % 2]
        got += _verdicts(deduplicate(fresh(b), state, _now(b), config))
    assert got == expected
    assert loads == [0]  # loaded once (empty), then only replays
    assert {cached.generation, other.generation} == {len(batches), len(batches) - 1}


def test_threads_share_one_cache(tmp_path: Path) -> None:
    import threading

    db = tmp_path / "t.db"
    SqliteDedupState(connect(db)).conn.close()
    batches = _batches(article_stream(), 3)
    kinds: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(order: list[list[Article]]) -> None:
        for b in order:
            conn = connect(db)
            result = deduplicate(fresh(b), SqliteDedupState(conn, cache=True), _now(b))
            conn.close()
            with lock:
                kinds.update(v.kind for v in result.verdicts)

    threads = [threading.Thread(target=worker, args=(o,)) for o in (batches, batches[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {a.id for b in batches for a in b}
    first_seen = sum(n for k, n in kinds.items() if k != "same-url")
    assert first_seen == len(ids)  # every article seen first exactly once, by one thread


def test_a_failed_batch_rolls_back_and_drops_the_cache(tmp_path: Path, loads) -> None:
    batches = _batches(article_stream(), 4)
    expected = _memory_run(batches[:3], DedupConfig())
    db = tmp_path / "f.db"
    state = SqliteDedupState(connect(db), cache=True)
    got = _verdicts(deduplicate(fresh(batches[0]), state, _now(batches[0])))
    before = state.stats()

    class Boom(Exception):
        pass

    calls = []

    def failing(story, terms):
        calls.append(1)
        if len(calls) == 3:
            raise Boom
        return SqliteDedupState.put_story(state, story, terms)

    state.put_story = failing  # type: ignore[method-assign]
    with pytest.raises(Boom):
        deduplicate(fresh(batches[1]), state, _now(batches[1]))
    del state.put_story
    assert state.stats() == before  # nothing of the failed batch was written
    assert next(iter(ds._REGISTRY.values())).mem is None  # the half-updated cache is gone
    for b in batches[1:3]:
        got += _verdicts(deduplicate(fresh(b), state, _now(b)))
    assert got == expected
    assert loads == [0, before["docs"]]  # reloaded after the failure


def test_a_prune_after_writes_makes_other_caches_reload(tmp_path: Path, loads) -> None:
    db = tmp_path / "p.db"
    cached = SqliteDedupState(connect(db), cache=True)
    deduplicate([make_article(CORONA, key="a")], cached, T0 + timedelta(minutes=1))
    other = SqliteDedupState(connect(db), cache=False)
    with other.transaction():
        other.put_key("url", "https://x.example/late", "late", T0 + timedelta(hours=1))
        other.prune(T0 + timedelta(minutes=30))  # removes "a", after a write: not replayable
    with cached.transaction():
        assert cached.get_key("url", "https://x.example/late") == "late"
        assert cached.get_doc("a") is None
    assert loads == [0, 0]


def test_a_prune_by_another_writer_is_replayed(tmp_path: Path, loads) -> None:
    """The maintenance prune (another process) runs ahead of a batch of older articles: the
    cache must forget what the file forgot, though the batch's own prune would not."""

    def ops(state) -> list[str]:
        deduplicate([make_article(CORONA, key="a", at=T0)], state, T0)
        with state.transaction():
            state.prune(T0 + timedelta(hours=1))  # "a" goes
        late = make_article(CORONA, key="copy", source="other", at=T0 + timedelta(minutes=10))
        return [v.kind for v in deduplicate([late], state, T0 + timedelta(hours=2)).verdicts]

    assert ops(InMemoryDedupState()) == ["new"]
    db = tmp_path / "m.db"
    cached = SqliteDedupState(connect(db), cache=True)
    maintenance = SqliteDedupState(connect(db), cache=False)
    deduplicate([make_article(CORONA, key="a", at=T0)], cached, T0)
    with maintenance.transaction():
        maintenance.prune(T0 + timedelta(hours=1))
    late = make_article(CORONA, key="copy", source="other", at=T0 + timedelta(minutes=10))
    kinds = [v.kind for v in deduplicate([late], cached, T0 + timedelta(hours=2)).verdicts]
    assert kinds == ["new"]  # not "exact": "a" left the window
    assert loads == [0]  # replayed, not reloaded


def test_a_replaced_file_is_not_mistaken_for_the_cached_one(tmp_path: Path, loads) -> None:
    db = tmp_path / "r.db"
    articles = [make_article(CORONA, key="a"), make_article(FOOTBALL, key="b")]
    for _ in range(2):
        conn = connect(db)
        kinds = [v.kind for v in deduplicate(fresh(articles), SqliteDedupState(conn), T0).verdicts]
        conn.close()
        assert kinds == ["new", "new"]  # a new file knows nothing, whatever this process cached
        for p in tmp_path.glob("r.db*"):
            p.unlink()
    assert len(loads) == 2


def test_joins_the_callers_transaction(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    conn = connect(db)
    state = SqliteDedupState(conn)
    conn.execute("BEGIN")
    assert deduplicate([make_article(CORONA, key="a")], state, T0).verdicts[0].kind == "new"
    assert state.mode == "sql"  # the caller may still roll back: the cache is not touched
    conn.rollback()
    result = deduplicate([make_article(CORONA, key="a")], state, T0)
    assert result.verdicts[0].kind == "new"  # the rolled-back batch left nothing
    conn.execute("BEGIN")
    deduplicate([make_article(FOOTBALL, key="b")], state, T0)
    conn.commit()
    conn2 = connect(db)
    kinds = [v.kind for v in deduplicate(
        [make_article(CORONA, key="a"), make_article(FOOTBALL, key="b")],
        SqliteDedupState(conn2), T0).verdicts]  # fmt: skip
    assert kinds == ["same-url", "same-url"]
    conn.close()
    conn2.close()


def test_the_cache_is_loaded_once_it_pays(tmp_path: Path, monkeypatch, loads) -> None:
    """Ski rental: small batches on a big window read through SQL until the SQL work done
    is worth one load; a small window is loaded straight away."""
    monkeypatch.setattr(ds, "LOAD_SMALL", 10)
    monkeypatch.setattr(ds, "LOAD_RATIO", 2)
    batches = _batches(article_stream(), 3)
    db = tmp_path / "k.db"
    writer = SqliteDedupState(connect(db), cache=False)
    for b in batches[:8]:
        deduplicate(fresh(b), writer, _now(b))
    stored = writer.stats()["docs"]
    assert stored > 10
    conn = connect(db)
    modes, expected, work = [], [], 0
    for b in batches[8:]:
        docs = writer.stats()["docs"]
        pays = docs <= 10 or docs <= 2 * (work + len(b))
        expected.append("cache" if pays or "cache" in expected else "sql")
        state = SqliteDedupState(conn)
        deduplicate(fresh(b), state, _now(b))
        modes.append(state.mode)
        work += len(b)
    assert modes == expected
    assert modes[0] == "sql" and modes[-1] == "cache"
    assert len(loads) == 1 and loads[0] > 10
    conn.close()


def test_version_1_tables_are_replaced(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE dedup_docs (article_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL,"
        " shingles BLOB NOT NULL, bands BLOB NOT NULL, root TEXT NOT NULL,"
        " story_id TEXT NOT NULL, source TEXT, similarity REAL);"
        "CREATE TABLE dedup_bands (band INTEGER NOT NULL, article_id TEXT NOT NULL,"
        " PRIMARY KEY (band, article_id)) WITHOUT ROWID;"
        "INSERT INTO dedup_bands VALUES (1, 'x');"
    )
    conn.commit()
    conn.close()
    conn = connect(db)
    state = SqliteDedupState(conn)
    assert conn.execute("SELECT version FROM dedup_meta").fetchone()[0] == ds.SCHEMA_VERSION
    assert state.stats()["buckets"] == 0
    assert deduplicate([make_article(CORONA, key="a")], state, T0).verdicts[0].kind == "new"
    conn.close()


def test_version_2_rows_without_word_sets_still_load_and_decide(tmp_path: Path) -> None:
    """A version-2 file (no word sets) gains the column in place; its documents load with
    ``words`` None and their pairs are decided by the rule without containment."""
    from processing.dedup.text import shingles_and_words  # noqa: F401 (the feature exists)

    db = tmp_path / "v2.db"
    conn = connect(db)
    state = SqliteDedupState(conn, cache=False)
    deduplicate([make_article(CORONA, key="a"), make_article(FOOTBALL, key="f")], state, T0)
    assert state.get_doc("a").words is not None  # type: ignore[union-attr]
    # Back to the version-2 layout: no words column.
    conn.execute("ALTER TABLE dedup_docs DROP COLUMN words")
    conn.execute("UPDATE dedup_meta SET version=2")
    conn.commit()
    conn.close()
    drop_caches()
    for cache in (False, True):
        conn = connect(db)
        state = SqliteDedupState(conn, cache=cache)
        assert conn.execute("SELECT version FROM dedup_meta").fetchone()[0] == ds.SCHEMA_VERSION
        doc = state.get_doc("a")
        assert doc is not None and doc.words is None and len(doc.shingles)
        conn.close()
        drop_caches()
    conn = connect(db)
    state = SqliteDedupState(conn)
    copy = make_article(CORONA, key="b")
    result = deduplicate([copy], state, T0 + timedelta(hours=1))
    assert result.verdicts[0].kind == "exact"
    reprint = make_article(CORONA + " وأضاف المصدر أن الحالات تحت المتابعة.", key="c")
    result = deduplicate([reprint], state, T0 + timedelta(hours=2))
    assert result.verdicts[0].kind == "near" and result.verdicts[0].duplicate_of == "a"
    assert state.get_doc("c").words is not None  # type: ignore[union-attr]
    conn.close()


# --- two processes ---------------------------------------------------------------------------
def _spec(batches: list[list[Article]], db: Path, cache, window: float, seed: int):
    return {
        "db": str(db),
        "cache": cache,
        "window_hours": window,
        "seed": seed,
        "batches": [
            {"now": _now(b).isoformat(), "articles": [a.to_dict() for a in fresh(b)]}
            for b in batches
        ],
    }


def _two_processes(tmp_path: Path, caches: tuple, window: float) -> list[dict]:
    """Two worker processes deduplicate the same stream, cut into different batches,
    concurrently on one file. Returns the batch records of each."""
    stream = article_stream()
    db = tmp_path / "shared.db"
    SqliteDedupState(connect(db)).conn.close()
    specs = [
        _spec(_batches(stream, size), db, cache, window, n)
        for n, (cache, size) in enumerate(zip(caches, (3, 4), strict=True))
    ]
    return run_together(tmp_path, WORKER, specs)


def _switches(per_worker: list[list[dict]]) -> int:
    """How often the commit order passes from one worker to the other."""
    order = sorted((r["generation"], w) for w, recs in enumerate(per_worker) for r in recs)
    return sum(a[1] != b[1] for a, b in pairwise(order))


def _replay_in_commit_order(records: list[dict], window: float) -> None:
    """The batches, replayed one by one in the order they committed (their generations)
    through the in-memory reference, give exactly the verdicts the processes got."""
    gens = [r["generation"] for r in records]
    assert None not in gens and len(set(gens)) == len(gens)
    state, config = InMemoryDedupState(), DedupConfig(window_hours=window)
    for r in sorted(records, key=lambda r: r["generation"]):
        batch = [Article.from_dict(a) for a in r["articles"]]
        result = deduplicate(batch, state, datetime.fromisoformat(r["now"]), config)
        assert [list(v) for v in _verdicts(result)] == r["verdicts"]


@pytest.mark.parametrize("caches", [(None, None), (True, False)], ids=["auto+auto", "cache+sql"])
def test_two_processes_never_both_call_an_article_new(tmp_path: Path, caches) -> None:
    per_worker = _two_processes(tmp_path, caches, window=72)
    assert _switches(per_worker) >= 3  # the two really took turns on the file
    records = [r for recs in per_worker for r in recs]
    kinds: dict[str, Counter[str]] = {}
    for r in records:
        for aid, kind, *_ in r["verdicts"]:
            kinds.setdefault(aid, Counter())[kind] += 1
    for aid, k in kinds.items():
        assert k["new"] <= 1, aid
        assert sum(n for kind, n in k.items() if kind != "same-url") == 1, (aid, k)
    if caches == (None, None):
        assert {r["mode"] for r in records} == {"cache"}
    _replay_in_commit_order(records, window=72)


def test_two_processes_with_pruning_match_the_serial_order(tmp_path: Path) -> None:
    per_worker = _two_processes(tmp_path, (None, None), window=12)
    _replay_in_commit_order([r for recs in per_worker for r in recs], window=12)
