"""``DedupState`` on SQLite: dedup state that survives restarts and is shared by processes.

Tables are prefixed ``dedup_`` so they can live in the main Rasid database. One batch is
one ``BEGIN IMMEDIATE`` transaction: a second process running ``deduplicate`` at the same
time waits for the first to commit (WAL keeps readers unblocked), so the two never both
call the same article new.

Two ways to read, one way to write:

* **Warm (cached).** The process keeps the window in an ``InMemoryDedupState`` per database
  file, shared by every connection and ``SqliteDedupState`` it opens on that file. Every
  committed batch bumps a generation number in ``dedup_meta`` and stamps the rows it
  wrote with it. A batch starts by taking the write lock and reading the generation: if
  it is the one the cache was left at, the cache is current (nobody else can write until
  we commit); if another process wrote meanwhile, the cache replays what changed (rows
  with a newer generation, and the prunes logged in ``dedup_gens``); if the history does
  not line up (log trimmed, database replaced, a prune after writes), it reloads.
* **Cold (SQL).** Without a cache, reads are queries. A process that only ever handles a
  few small batches (an Airflow task) should not load a 72-hour window for them, so the
  cache is loaded ski-rental style: once the SQL work this process did on the file (plus
  the batch about to run) is worth as much as loading the window, or when the window is
  small anyway. ``cache=True``/``False`` forces either.

Writes are buffered during the transaction and written in a few ``executemany`` calls at
commit, stamped with the new generation. Times are stored as ISO text: keep one timezone
convention. Only write these tables through this class: the generation log is what keeps
other processes' caches honest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sqlite3
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from processing.dedup.state import DocEntry, InMemoryDedupState, KeyKind, Story
from store.process_caches import ProcessCaches
from store.sqlite_open import open_shared

_log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
_V1_TABLES = (
    "dedup_keys",
    "dedup_docs",
    "dedup_bands",
    "dedup_stories",
    "dedup_story_terms",
    "dedup_terms",
    "dedup_days",
)
# Rows get increasing rowids, so a batch's new rows are appended (a few pages per commit)
# instead of scattered over the table by a hash; a small UNIQUE index on the 64-bit hash of
# the text id finds them. The band and story-term indexes refer to those rowids.
SCHEMA = """
CREATE TABLE IF NOT EXISTS dedup_meta (
    id INTEGER PRIMARY KEY CHECK (id = 0), version INTEGER NOT NULL, uuid TEXT NOT NULL,
    gen INTEGER NOT NULL, token INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dedup_gens (
    gen INTEGER PRIMARY KEY, token INTEGER NOT NULL, prunes TEXT NOT NULL,
    reload INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dedup_keys (
    id INTEGER PRIMARY KEY, kh INTEGER NOT NULL UNIQUE, kind TEXT NOT NULL, key TEXT NOT NULL,
    article_id TEXT NOT NULL, seen_at TEXT NOT NULL, gen INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS dedup_keys_seen ON dedup_keys(seen_at);
CREATE INDEX IF NOT EXISTS dedup_keys_gen ON dedup_keys(gen);
CREATE TABLE IF NOT EXISTS dedup_docs (
    doc INTEGER PRIMARY KEY, dh INTEGER NOT NULL UNIQUE, article_id TEXT NOT NULL,
    seen_at TEXT NOT NULL, shingles BLOB NOT NULL, bands BLOB NOT NULL, root TEXT NOT NULL,
    story_id TEXT NOT NULL, source TEXT NOT NULL, similarity REAL, gen INTEGER NOT NULL,
    words BLOB);
CREATE INDEX IF NOT EXISTS dedup_docs_seen ON dedup_docs(seen_at);
CREATE INDEX IF NOT EXISTS dedup_docs_gen ON dedup_docs(gen);
CREATE TABLE IF NOT EXISTS dedup_bands (
    band INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (band, doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_stories (
    sid INTEGER PRIMARY KEY, sh INTEGER NOT NULL UNIQUE, id TEXT NOT NULL,
    last_seen TEXT NOT NULL, data TEXT NOT NULL, cterms TEXT NOT NULL, cweights BLOB NOT NULL,
    terms TEXT NOT NULL, gen INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS dedup_stories_seen ON dedup_stories(last_seen);
CREATE INDEX IF NOT EXISTS dedup_stories_gen ON dedup_stories(gen);
CREATE TABLE IF NOT EXISTS dedup_story_terms (
    term TEXT NOT NULL, sid INTEGER NOT NULL, PRIMARY KEY (term, sid)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dedup_terms (
    day TEXT NOT NULL, term TEXT NOT NULL, n INTEGER NOT NULL, gen INTEGER NOT NULL,
    PRIMARY KEY (day, term)) WITHOUT ROWID;
-- no gen index on terms (see _apply_rows)
CREATE TABLE IF NOT EXISTS dedup_days (
    day TEXT PRIMARY KEY, docs INTEGER NOT NULL, gen INTEGER NOT NULL);
"""

LOG_KEEP = 10_000  # generations kept in dedup_gens; a cache older than that reloads
LOAD_SMALL = 2_000  # a window this small (documents) is always worth loading
# Window documents worth loading per article deduplicated through SQL (the break-even):
# loading costs ~42 us per document, the SQL path ~0.4 ms more per article than the cache
# (bench/bench_dedup.py, SaudiNewsNet day).
LOAD_RATIO = 10
_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
_REGISTRY_SIZE = 4  # database files whose cache a process keeps


def connect(path: str | Path, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection set up for sharing: WAL, a busy timeout, normal sync, a large page cache
    and memory-mapped reads (the band index is read at random)."""
    conn = open_shared(path, timeout)
    conn.execute("PRAGMA cache_size=-65536")  # KiB: 64 MB
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA mmap_size=268435456")
    return conn


def drop_caches() -> None:
    """Forget every cached window in this process (tests, benchmarks: a simulated restart)."""
    _REGISTRY.clear()


def _in(n: int) -> str:
    return ",".join("?" * n)


def _int_id(text: str) -> int:
    """A signed 64-bit key for an id (a collision is as likely as one of 64-bit ids)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _chunks(items: Sequence, n: int = _CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


# --- the per-process cache ----------------------------------------------------------------
@dataclass(eq=False)
class _Cache:
    """The window of one database file as this process last saw it."""

    mem: InMemoryDedupState | None = None
    uuid: str = ""
    gen: int = -1
    token: int = 0
    sql_articles: int = 0  # articles deduplicated through SQL since the cache was dropped
    lock: threading.Lock = field(default_factory=threading.Lock)


_REGISTRY: ProcessCaches[tuple[int, int], _Cache] = ProcessCaches(_REGISTRY_SIZE, _Cache)


def _cache_for(conn: sqlite3.Connection) -> _Cache | None:
    """The shared cache of the connection's database file (None for an in-memory database).
    Keyed by device and inode, so every path to the file finds it; the uuid in dedup_meta
    tells a recreated file apart."""
    row = next((r for r in conn.execute("PRAGMA database_list") if r[1] == "main"), None)
    if row is None or not row[2]:
        return None
    try:
        st = os.stat(row[2])
    except OSError:
        return None
    return _REGISTRY.get((st.st_dev, st.st_ino))


# --- one transaction ------------------------------------------------------------------------
class _Buffer:
    """What one transaction has written and not yet flushed, and its SQL-mode read caches."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.docs: dict[str, DocEntry] = {}
        self.bands: dict[int, list[str]] = defaultdict(list)  # SQL mode: buffered docs only
        self.stories: dict[str, Story] = {}  # SQL mode: read cache; both: dirty ones
        self.dirty: set[str] = set()
        self.story_terms: dict[str, tuple[str, ...]] = {}  # current index terms, touched ones
        self.stored_terms: dict[str, tuple[str, ...]] = {}  # SQL mode: what the tables hold
        self.term_index: dict[str, set[str]] = defaultdict(set)  # SQL mode: touched stories
        self.terms: defaultdict[str, Counter[str]] = defaultdict(Counter)  # day -> term -> docs
        self.days: Counter[str] = Counter()
        # SQL-mode read cache of stored document frequencies: unchanged until the flush.
        self.stored_df: dict[tuple[str, str], int] = {}  # (term, since-day) -> df
        self.stored_docs: dict[str, int] = {}  # since-day -> documents

    @property
    def written(self) -> bool:
        return bool(self.keys or self.docs or self.dirty or self.terms or self.days)


@dataclass(eq=False)
class _Tx:
    owns: bool  # we began it (and commit it), rather than joined the caller's
    base_gen: int  # the database's generation when the transaction began
    base_token: int
    gen: int  # the generation this transaction writes, if it writes anything
    token: int
    mem: InMemoryDedupState | None  # the cache, when reads go to it
    cache: _Cache | None
    buf: _Buffer = field(default_factory=_Buffer)
    prunes: list[str] = field(default_factory=list)
    reload: bool = False  # a prune after writes: other caches cannot replay this generation
    size_hint: int = 0


_READS = ("get_key", "get_doc", "lsh_candidates", "get_story", "story_candidates", "term_counts")


class SqliteDedupState:
    """Implements ``processing.dedup.state.DedupState`` on a connection given to it.

    ``cache``: None (default) loads the process-wide cache of the window when it pays off,
    True always uses it, False never (every read is a query)."""

    def __init__(self, conn: sqlite3.Connection, *, cache: bool | None = None) -> None:
        self.conn = conn
        self.cache_mode = cache
        self.generation: int | None = None  # of the last transaction this object committed
        self.mode: str = ""  # "cache" | "sql": how the last transaction read
        self._depth = 0
        self._tx: _Tx | None = None
        self._local: _Cache | None = None  # the cache of an in-memory database
        _ensure_schema(conn)

    # --- transactions ------------------------------------------------------------------
    @contextmanager
    def transaction(self, size_hint: int = 0) -> Iterator[None]:
        """Take the write lock (BEGIN IMMEDIATE), bring the cache up to date, run the
        batch, flush and commit with a new generation; or roll back and drop the cache.
        Joins the caller's transaction if one is already open (the caller commits; reads
        then go to SQL, as the caller may still roll back)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        tx = self._begin(size_hint)
        self._tx, self._depth = tx, 1
        if tx.mem is not None:
            # Reads go straight to the cache: no per-call dispatch on the hot path.
            for name in _READS:
                setattr(self, name, getattr(tx.mem, name))
        try:
            yield
            self._commit(tx)
        except BaseException:
            self._abort(tx)
            raise
        finally:
            for name in _READS:
                self.__dict__.pop(name, None)
            self._tx, self._depth = None, 0
            if tx.mem is not None and tx.cache is not None:
                tx.cache.lock.release()

    def _begin(self, size_hint: int) -> _Tx:
        c = self.conn
        owns = not c.in_transaction
        if owns:
            c.execute("BEGIN IMMEDIATE")
        else:
            # Take the write lock now (fails if the caller's snapshot is stale), so nobody
            # writes between our reads and our writes.
            c.execute("UPDATE dedup_meta SET gen = gen WHERE id = 0")
        try:
            uuid, gen, token = c.execute("SELECT uuid, gen, token FROM dedup_meta").fetchone()
            cache = self._cache()
            mem = None
            if owns and cache is not None and self.cache_mode is not False:
                cache.lock.acquire()
                try:
                    mem = self._sync(cache, uuid, gen, token, size_hint)
                finally:
                    if mem is None:
                        cache.lock.release()
        except BaseException:
            if owns:
                c.rollback()
            raise
        self.mode = "cache" if mem is not None else "sql"
        tx = _Tx(owns, gen, token, gen + 1, secrets.randbits(63), mem, cache, size_hint=size_hint)
        if mem is not None and cache is not None:
            cache.gen = -1  # invalid until this transaction commits
        return tx

    def _cache(self) -> _Cache | None:
        cache = _cache_for(self.conn)
        if cache is None:
            self._local = self._local or _Cache()
            cache = self._local
        return cache

    def _sync(
        self, cache: _Cache, uuid: str, gen: int, token: int, size_hint: int
    ) -> InMemoryDedupState | None:
        """Make the cache match the database (we hold the write lock), or say to use SQL."""
        if cache.mem is not None and cache.uuid == uuid:
            if cache.gen == gen and cache.token == token:
                return cache.mem
            if cache.gen >= 0 and cache.gen < gen and _replay(self.conn, cache, gen):
                cache.gen, cache.token = gen, token
                return cache.mem
        cache.mem = None
        if self.cache_mode is None:
            docs = self.conn.execute("SELECT COUNT(*) FROM dedup_docs").fetchone()[0]
            work = cache.sql_articles + size_hint
            if docs > LOAD_SMALL and docs > LOAD_RATIO * work:
                return None
        cache.mem = _load(self.conn)
        cache.uuid, cache.gen, cache.token, cache.sql_articles = uuid, gen, token, 0
        return cache.mem

    def _commit(self, tx: _Tx) -> None:
        c = self.conn
        wrote = tx.buf.written or bool(tx.prunes)
        if wrote:
            self._flush(tx)
            c.execute("UPDATE dedup_meta SET gen=?, token=? WHERE id=0", (tx.gen, tx.token))
            c.execute(
                "INSERT OR REPLACE INTO dedup_gens(gen, token, prunes, reload) VALUES (?,?,?,?)",
                (tx.gen, tx.token, json.dumps(tx.prunes), int(tx.reload)),
            )
            if tx.gen % 256 == 0:
                c.execute("DELETE FROM dedup_gens WHERE gen < ?", (tx.gen - LOG_KEEP,))
            self.generation = tx.gen
        if tx.owns:
            c.commit()
        if tx.cache is not None:
            if tx.mem is not None:
                # Nothing written: the generation (and the cache) stay where they were.
                tx.cache.gen, tx.cache.token = (
                    (tx.gen, tx.token) if wrote else (tx.base_gen, tx.base_token)
                )
            elif tx.owns and self.cache_mode is None:  # ski rental: SQL work paid so far
                tx.cache.sql_articles += max(tx.size_hint, len(tx.buf.docs))

    def _abort(self, tx: _Tx) -> None:
        if tx.mem is not None and tx.cache is not None:
            tx.cache.mem = None  # it holds half a batch
        if tx.owns:
            self.conn.rollback()

    def _buf(self) -> _Buffer:
        return self._tx.buf if self._tx is not None else _Buffer()

    def _mem(self) -> InMemoryDedupState | None:
        return self._tx.mem if self._tx is not None else None

    # --- flush -------------------------------------------------------------------------
    def _flush(self, tx: _Tx) -> None:
        b, c, g = tx.buf, self.conn, tx.gen
        if b.keys:
            c.executemany(
                "INSERT INTO dedup_keys(kh, kind, key, article_id, seen_at, gen)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(kh) DO UPDATE SET kind=excluded.kind,"
                " key=excluded.key, article_id=excluded.article_id,"
                " seen_at=excluded.seen_at, gen=excluded.gen",
                sorted(
                    (_key_id(k, key), k, key, aid, at.isoformat(), g)
                    for (k, key), (aid, at) in b.keys.items()
                ),
            )
        if b.docs:
            self._flush_docs(b.docs, g)
        if b.dirty:
            self._flush_stories([(b.stories[s], b.story_terms[s]) for s in b.dirty], g)
        if b.terms:
            c.executemany(
                "INSERT INTO dedup_terms(day, term, n, gen) VALUES (?,?,?,?)"
                " ON CONFLICT(day, term) DO UPDATE SET n = n + excluded.n, gen = excluded.gen",
                sorted((d, t, n, g) for d, counts in b.terms.items() for t, n in counts.items()),
            )
        if b.days:
            c.executemany(
                "INSERT INTO dedup_days(day, docs, gen) VALUES (?,?,?)"
                " ON CONFLICT(day) DO UPDATE SET docs = docs + excluded.docs, gen = excluded.gen",
                [(d, n, g) for d, n in b.days.items()],
            )

    def _flush_docs(self, docs: dict[str, DocEntry], g: int) -> None:
        c = self.conn
        hashes = {aid: _int_id(aid) for aid in docs}
        stored: dict[int, tuple[int, bytes]] = {}  # dh -> (doc, bands) of re-put documents
        for chunk in _chunks(list(hashes.values())):
            for dh, doc, blob in c.execute(
                f"SELECT dh, doc, bands FROM dedup_docs WHERE dh IN ({_in(len(chunk))})", chunk
            ):
                stored[dh] = (doc, blob)
        if stored:  # their old band rows go
            c.executemany(
                "DELETE FROM dedup_bands WHERE band=? AND doc=?",
                [(x, doc) for doc, blob in stored.values() for x in _bands(blob)],
            )
        nxt = c.execute("SELECT COALESCE(MAX(doc), 0) + 1 FROM dedup_docs").fetchone()[0]
        rows, ids = [], []
        for aid, d in docs.items():
            dh = hashes[aid]
            if dh in stored:
                doc = stored[dh][0]
            else:
                doc, nxt = nxt, nxt + 1
            rows.append(_doc_row(doc, dh, d, g))
            ids.append(doc)
        bands = [d.bands for d in docs.values()]
        band = np.concatenate(bands)
        doc_of = np.repeat(np.asarray(ids, dtype=np.int64), [len(x) for x in bands])
        # In key order: each B-tree page is visited once, in sequence. Two flat lists zipped
        # lazily rather than ~16k row lists a batch (cheaper to build, nothing for the
        # garbage collector to track).
        order = np.lexsort((doc_of, band))
        band_rows = zip(band[order].tolist(), doc_of[order].tolist(), strict=True)
        c.executemany(
            "INSERT OR REPLACE INTO dedup_docs(doc, dh, article_id, seen_at, shingles, bands,"
            " root, story_id, source, similarity, gen, words) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        c.executemany("INSERT OR IGNORE INTO dedup_bands(band, doc) VALUES (?,?)", band_rows)

    def _flush_stories(self, stories: list[tuple[Story, tuple[str, ...]]], g: int) -> None:
        c = self.conn
        stored: dict[int, tuple[int, str]] = {}  # sh -> (sid, terms) of stored stories
        hashes = [_int_id(s.id) for s, _ in stories]
        for chunk in _chunks(hashes):
            for sh, sid, terms in c.execute(
                f"SELECT sh, sid, terms FROM dedup_stories WHERE sh IN ({_in(len(chunk))})",
                chunk,
            ):
                stored[sh] = (sid, terms)
        nxt = c.execute("SELECT COALESCE(MAX(sid), 0) + 1 FROM dedup_stories").fetchone()[0]
        rows, gone, new = [], [], []
        for (story, terms), sh in zip(stories, hashes, strict=True):
            if sh in stored:
                sid, was = stored[sh][0], set(_split_terms(stored[sh][1]))
            else:
                sid, was, nxt = nxt, set(), nxt + 1
            rows.append(_story_row(sid, sh, story, terms, g))
            now_t = set(terms)
            gone += [(t, sid) for t in was - now_t]
            new += [(t, sid) for t in now_t - was]
        c.executemany(
            "INSERT OR REPLACE INTO dedup_stories(sid, sh, id, last_seen, data, cterms,"
            " cweights, terms, gen) VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
        c.executemany("DELETE FROM dedup_story_terms WHERE term=? AND sid=?", gone)
        c.executemany("INSERT OR IGNORE INTO dedup_story_terms(term, sid) VALUES (?,?)", new)

    # --- exact keys --------------------------------------------------------------------
    def get_key(self, kind: KeyKind, key: str) -> str | None:
        mem = self._mem()
        if mem is not None:
            return mem.get_key(kind, key)
        hit = self._buf().keys.get((kind, key))
        if hit is not None:
            return hit[0]
        row = self.conn.execute(
            "SELECT kind, key, article_id FROM dedup_keys WHERE kh=?", (_key_id(kind, key),)
        ).fetchone()
        return row[2] if row and row[0] == kind and row[1] == key else None

    # A write outside a transaction runs in one of its own.
    def put_key(self, kind: KeyKind, key: str, article_id: str, seen_at: datetime) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.put_key(kind, key, article_id, seen_at)
        tx.buf.keys[(kind, key)] = (article_id, seen_at)
        if tx.mem is not None:
            tx.mem.put_key(kind, key, article_id, seen_at)

    # --- near-duplicate index ----------------------------------------------------------
    def get_doc(self, article_id: str) -> DocEntry | None:
        mem = self._mem()
        if mem is not None:
            return mem.get_doc(article_id)
        hit = self._buf().docs.get(article_id)
        if hit is not None:
            return hit
        row = self.conn.execute(
            "SELECT article_id, seen_at, shingles, bands, root, story_id, source, similarity,"
            " words FROM dedup_docs WHERE dh=?",
            (_int_id(article_id),),
        ).fetchone()
        return _doc_entry(row) if row is not None and row[0] == article_id else None

    def put_doc(self, doc: DocEntry) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.put_doc(doc)
        b, aid = tx.buf, doc.article_id
        if tx.mem is not None:
            tx.mem.put_doc(doc)
        else:
            old = b.docs.get(aid)
            if old is not None:
                for x in old.bands.tolist():
                    b.bands[x].remove(aid)
            for x in doc.bands.tolist():
                b.bands[x].append(aid)
        b.docs[aid] = doc

    def lsh_candidates(self, bands: Sequence[int]) -> dict[str, int]:
        mem = self._mem()
        if mem is not None:
            return mem.lsh_candidates(bands)
        if not len(bands):
            return {}
        b = self._buf()
        keys = [int(x) for x in bands]
        rows = self.conn.execute(
            "SELECT d.article_id, COUNT(*) FROM dedup_bands AS b JOIN dedup_docs AS d"
            f" ON d.doc = b.doc WHERE b.band IN ({_in(len(keys))}) GROUP BY b.doc",
            keys,
        ).fetchall()
        # Stored rows are stale for documents this transaction re-put: the buffer has them.
        hits: Counter[str] = Counter({aid: n for aid, n in rows if aid not in b.docs})
        for x in keys:
            hits.update(b.bands.get(x, ()))
        return dict(hits)

    # --- stories ---------------------------------------------------------------------
    def get_story(self, story_id: str) -> Story | None:
        mem = self._mem()
        if mem is not None:
            return mem.get_story(story_id)
        b = self._buf()
        cached = b.stories.get(story_id)
        if cached is not None:
            return cached
        row = self.conn.execute(
            "SELECT id, data, cterms, cweights FROM dedup_stories WHERE sh=?",
            (_int_id(story_id),),
        ).fetchone()
        if row is None or row[0] != story_id:
            return None
        story = _story(*row[1:])
        b.stories[story_id] = story  # one object per story per transaction
        return story

    def put_story(self, story: Story, index_terms: Sequence[str]) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.put_story(story, index_terms)
        b, sid, terms = tx.buf, story.id, tuple(index_terms)
        if tx.mem is not None:
            tx.mem.put_story(story, terms)
        else:
            if sid not in b.stored_terms:
                row = self.conn.execute(
                    "SELECT id, terms FROM dedup_stories WHERE sh=?", (_int_id(sid),)
                ).fetchone()
                stored = _split_terms(row[1]) if row and row[0] == sid else ()
                b.stored_terms[sid] = b.story_terms[sid] = stored
                for t in stored:
                    b.term_index[t].add(sid)
            for t in b.story_terms[sid]:
                b.term_index[t].discard(sid)
            for t in terms:
                b.term_index[t].add(sid)
        b.story_terms[sid] = terms
        b.stories[sid] = story
        b.dirty.add(sid)

    def story_candidates(self, terms: Sequence[str], active_since: datetime) -> dict[str, int]:
        mem = self._mem()
        if mem is not None:
            return mem.story_candidates(terms, active_since)
        if not terms:
            return {}
        b = self._buf()
        # No filter on last_seen: prune keeps the table inside the window, and the
        # clusterer re-checks last_seen on the few stories it loads.
        rows = self.conn.execute(
            "SELECT s.id, COUNT(*) FROM dedup_story_terms AS t JOIN dedup_stories AS s"
            f" ON s.sid = t.sid WHERE t.term IN ({_in(len(terms))}) GROUP BY t.sid",
            list(terms),
        ).fetchall()
        # The table is stale for stories this transaction touched: count those from the buffer.
        out = {sid: n for sid, n in rows if sid not in b.story_terms}
        touched: Counter[str] = Counter()
        for t in terms:
            touched.update(b.term_index.get(t, ()))
        for sid, n in touched.items():
            if b.stories[sid].last_seen >= active_since:
                out[sid] = n
        return out

    # --- term statistics -------------------------------------------------------------
    def term_counts(self, terms: Iterable[str], since: datetime) -> tuple[dict[str, int], int]:
        mem = self._mem()
        if mem is not None:
            return mem.term_counts(terms, since)
        b = self._buf()
        terms = list(terms)
        day = since.date().isoformat()
        stored = b.stored_df
        missing = [t for t in terms if (t, day) not in stored]
        days = [
            r[0] for r in self.conn.execute("SELECT day FROM dedup_days WHERE day >= ?", (day,))
        ]
        for chunk in _chunks(missing):
            # (day, term) pairs: equality on both primary-key columns, no scan of the days
            found = dict(
                self.conn.execute(
                    f"SELECT term, SUM(n) FROM dedup_terms WHERE day IN ({_in(len(days))})"
                    f" AND term IN ({_in(len(chunk))}) GROUP BY term",
                    [*days, *chunk],
                ).fetchall()
            )
            for t in chunk:
                stored[(t, day)] = int(found.get(t, 0))
        df: dict[str, int] = {}
        for t in terms:
            n = stored[(t, day)] + sum(c.get(t, 0) for d, c in b.terms.items() if d >= day)
            if n:
                df[t] = n
        if day not in b.stored_docs:
            b.stored_docs[day] = int(
                self.conn.execute(
                    "SELECT COALESCE(SUM(docs), 0) FROM dedup_days WHERE day >= ?", (day,)
                ).fetchone()[0]
            )
        return df, b.stored_docs[day] + sum(k for d, k in b.days.items() if d >= day)

    def add_terms(self, day: date, terms: Iterable[str]) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.add_terms(day, terms)
        terms = list(terms)
        d = day.isoformat()
        tx.buf.terms[d].update(terms)
        tx.buf.days[d] += 1
        if tx.mem is not None:
            tx.mem.add_terms(day, terms)

    # --- window ----------------------------------------------------------------------
    def prune(self, before: datetime) -> int:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.prune(before)
        if tx.buf.written:
            # Rows of this generation were written before this prune: a cache replaying the
            # log could not tell which of them the prune removed, so it will reload.
            self._flush(tx)
            tx.buf = _Buffer()
            tx.reload = True
        t = before.isoformat()
        tx.prunes.append(t)
        if tx.mem is not None:
            tx.mem.prune(before)
        return _prune_sql(self.conn, t, before.date().isoformat())

    def stats(self) -> dict[str, int]:
        tables = {
            "keys": "dedup_keys",
            "docs": "dedup_docs",
            "buckets": "dedup_bands",
            "stories": "dedup_stories",
            "story_terms": "dedup_story_terms",
            "term_days": "dedup_days",
            "terms": "dedup_terms",
        }
        return {
            k: int(self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
            for k, t in tables.items()
        }


# --- schema, load, replay --------------------------------------------------------------------
def _ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the tables (or replace the version-1 layout, or add version 3's column to
    version 2's) once; a no-op afterwards."""
    if _version(conn) == SCHEMA_VERSION:
        return
    if conn.in_transaction:
        raise RuntimeError("dedup tables are missing: create them outside a transaction")
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn)
        if version != SCHEMA_VERSION:
            old = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if version is None and "dedup_docs" in old:
                # The version-1 layout (text band rows, no generations). Its window is
                # dropped: at worst, articles of the last window are matched again.
                _log.warning("dedup state: replacing the version-1 tables (window dropped)")
                for t in _V1_TABLES:
                    conn.execute(f"DROP TABLE IF EXISTS {t}")
            elif version == 2:
                # Version 3 adds the documents' word sets (unigram containment). Version-2
                # rows keep working without one: the decision falls back to the rule
                # without that feature for their pairs, until they leave the window.
                _log.info("dedup state: adding the word-set column (schema version 3)")
                conn.execute("ALTER TABLE dedup_docs ADD COLUMN words BLOB")
                conn.execute("UPDATE dedup_meta SET version=? WHERE id=0", (SCHEMA_VERSION,))
                conn.commit()
                return
            elif version is not None:
                raise RuntimeError(f"dedup state: schema version {version}, not {SCHEMA_VERSION}")
            for stmt in SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            token = secrets.randbits(63)
            conn.execute(
                "INSERT INTO dedup_meta(id, version, uuid, gen, token) VALUES (0,?,?,0,?)",
                (SCHEMA_VERSION, secrets.token_hex(16), token),
            )
            conn.execute(
                "INSERT INTO dedup_gens(gen, token, prunes, reload) VALUES (0,?,'[]',0)", (token,)
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _version(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute("SELECT version FROM dedup_meta WHERE id=0").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return int(row[0]) if row else None


def _load(conn: sqlite3.Connection) -> InMemoryDedupState:
    """The whole window, read inside the caller's transaction (a consistent snapshot)."""
    mem = InMemoryDedupState()
    _apply_rows(conn, mem, "")
    return mem


def _replay(conn: sqlite3.Connection, cache: _Cache, gen: int) -> bool:
    """Bring the cache from its generation to ``gen``: the logged prunes, in order, then
    every row stamped after it. Rows in the delta are the database's current ones (they
    outlived every later prune); rows not in it are untouched since the cache's generation
    except by the prunes, which the cache applies too. False if the log cannot tell."""
    log = conn.execute(
        "SELECT gen, token, prunes, reload FROM dedup_gens WHERE gen >= ? ORDER BY gen",
        (cache.gen,),
    ).fetchall()
    if not log or log[0][0] != cache.gen or log[0][1] != cache.token:
        return False  # trimmed, or another history (the file was replaced)
    if len(log) != gen - cache.gen + 1 or log[-1][0] != gen or any(r[3] for r in log[1:]):
        return False
    mem = cache.mem
    assert mem is not None
    for _, _, prunes, _ in log[1:]:
        for t in json.loads(prunes):
            mem.prune(datetime.fromisoformat(t))
    _apply_rows(conn, mem, f" WHERE gen > {int(cache.gen)}")
    return True


def _apply_rows(conn: sqlite3.Connection, mem: InMemoryDedupState, where: str) -> None:
    """Upsert the rows matching ``where`` (all of them, or a generation delta) into ``mem``."""
    fromiso = datetime.fromisoformat
    for kind, key, aid, at in conn.execute(
        f"SELECT kind, key, article_id, seen_at FROM dedup_keys{where}"
    ):
        mem.put_key(kind, key, aid, fromiso(at))
    for row in conn.execute(
        "SELECT article_id, seen_at, shingles, bands, root, story_id, source, similarity,"
        f" words FROM dedup_docs{where}"
    ):
        mem.put_doc(_doc_entry(row))
    for data, cterms, cweights, terms in conn.execute(
        f"SELECT data, cterms, cweights, terms FROM dedup_stories{where}"
    ):
        mem.put_story(_story(data, cterms, cweights), _split_terms(terms))
    fromday = date.fromisoformat
    for day, term, n in conn.execute(f"SELECT day, term, n FROM dedup_terms{where}"):
        mem.set_term_count(fromday(day), sys.intern(term), n)
    for day, n in conn.execute(f"SELECT day, docs FROM dedup_days{where}"):
        mem.set_day_docs(fromday(day), n)


def _prune_sql(c: sqlite3.Connection, t: str, day: str) -> int:
    expired = c.execute("SELECT doc, bands FROM dedup_docs WHERE seen_at < ?", (t,)).fetchall()
    c.executemany(
        "DELETE FROM dedup_bands WHERE band=? AND doc=?",
        [(x, doc) for doc, blob in expired for x in _bands(blob)],
    )
    removed = c.execute("DELETE FROM dedup_docs WHERE seen_at < ?", (t,)).rowcount
    removed += c.execute("DELETE FROM dedup_keys WHERE seen_at < ?", (t,)).rowcount
    old = c.execute("SELECT sid, terms FROM dedup_stories WHERE last_seen < ?", (t,)).fetchall()
    c.executemany(
        "DELETE FROM dedup_story_terms WHERE term=? AND sid=?",
        [(term, sid) for sid, terms in old for term in _split_terms(terms)],
    )
    removed += c.execute("DELETE FROM dedup_stories WHERE last_seen < ?", (t,)).rowcount
    c.execute("DELETE FROM dedup_terms WHERE day < ?", (day,))
    removed += c.execute("DELETE FROM dedup_days WHERE day < ?", (day,)).rowcount
    return removed


# --- rows ---------------------------------------------------------------------------------
def _split_terms(text: str) -> tuple[str, ...]:
    # Interned: a loaded window shares one string per term across stories and counts,
    # as the live state does (a third less memory).
    return tuple(map(sys.intern, json.loads(text)))


def _join_terms(terms: Iterable[str]) -> str:
    return json.dumps(list(terms), ensure_ascii=False, separators=(",", ":"))


def _key_id(kind: str, key: str) -> int:
    return _int_id(f"{kind}\x1f{key}")


def _bands(blob: bytes) -> list[int]:
    return np.frombuffer(blob, dtype=np.int64).tolist()


def _doc_row(doc: int, dh: int, d: DocEntry, gen: int) -> tuple:
    return (
        doc,
        dh,
        d.article_id,
        d.seen_at.isoformat(),
        np.ascontiguousarray(d.shingles, dtype=np.uint32).tobytes(),
        np.ascontiguousarray(d.bands, dtype=np.int64).tobytes(),
        d.root,
        d.story_id,
        d.source or "",
        d.similarity,
        gen,
        None if d.words is None else np.ascontiguousarray(d.words, dtype=np.uint32).tobytes(),
    )


def _doc_entry(row: tuple) -> DocEntry:
    return DocEntry(
        article_id=row[0],
        seen_at=datetime.fromisoformat(row[1]),
        shingles=np.frombuffer(row[2], dtype=np.uint32),
        bands=np.frombuffer(row[3], dtype=np.int64),
        root=row[4],
        story_id=row[5],
        source=row[6] or "",
        similarity=row[7],
        words=None if row[8] is None else np.frombuffer(row[8], dtype=np.uint32),
    )


def _story_row(sid: int, sh: int, s: Story, terms: tuple[str, ...], gen: int) -> tuple:
    # Story.to_dict without the centroid (and without copying it and the hourly counts): the
    # centroid goes as a float64 blob, exact, and a fifth of the cost of JSON floats.
    d = {
        "id": s.id,
        "first_seen": s.first_seen.isoformat(),
        "last_seen": s.last_seen.isoformat(),
        "title": s.title,
        "lead_article_id": s.lead_article_id,
        "article_count": s.article_count,
        "sources": s.sources,
        "hourly": s.hourly,
    }
    centroid = s.centroid
    weights = np.fromiter(centroid.values(), dtype=np.float64, count=len(centroid))
    data = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    cterms = _join_terms(centroid)
    return (sid, sh, s.id, s.last_seen.isoformat(), data, cterms, weights.tobytes(),
            _join_terms(terms), gen)  # fmt: skip


def _story(data: str, cterms: str, cweights: bytes) -> Story:
    d = json.loads(data)
    d["centroid"] = dict(zip(_split_terms(cterms), np.frombuffer(cweights).tolist(), strict=True))
    return Story.from_dict(d)
