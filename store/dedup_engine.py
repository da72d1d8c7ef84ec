"""``DedupState`` in Elasticsearch/OpenSearch: dedup state shared by processes on any machine.

The SQLite state (``store.dedup_sqlite``) is shared by the processes that can open its
file; beside a search engine that file is a sidecar on one machine. This keeps the same
protocol in the engine, in one index (``<prefix>-dedup``, one shard), so Airflow workers
on different machines deduplicate against one window.

Two ways to read, as ``SqliteDedupState``:

- **Warm (cached).** Each process keeps the window of each (engine, index) in an
  ``InMemoryDedupState``; a batch's reads never go to the engine.
- **Cold (queries).** A process without a usable cache and a batch too small to pay for
  loading the window (an Airflow task) answers each read with a targeted request: exact
  keys, documents, stories and term counts by id (multi-get), LSH and story candidates
  by a terms query on the indexed ``b`` (band keys) and ``st`` (hashed index terms)
  fields. The batch's writes go to a small ``InMemoryDedupState`` of their own, which
  the reads overlay on the stored rows; the commit is the same. Loading is chosen
  ski-rental style (``LOAD_SMALL``, ``LOAD_RATIO``); ``cache=True``/``False`` forces either.

The engine holds the durable, shared copy, as four kinds of documents:

- ``lock``: a lease ``{owner, since, expires}``; one writer at a time.
- ``meta``: ``{uuid, gen, token, applied, recent}``. Updating it (``if_seq_no``) is the commit
  point of a batch.
- ``log:<gen>:<token>``: one per committed batch, every row it wrote (final values), its
  prunes, and the token of the previous generation, so a replay can check the chain.
- materialised rows (``k:``, ``d:``, ``s:``, ``t:``, ``n:`` ids), one document per row of
  the window, written after the commit point with ``version = gen`` (external): what a
  process with no cache (or one too far behind) loads.

A batch: take the lease; read meta (finish materialising a batch whose writer died after
its commit point); bring the cache up to date (current, replay the missed logs, or reload
the rows) or read cold; run, buffering writes; write the log, commit meta, write the rows,
mark them applied, release the lease. Only write these documents through this class.

Rows written before ``b``/``st`` existed: meta's ``rows`` (``ROWS_VERSION``) says whether
every document and story row carries them. Without it (an older index, or an older writer
committed since, its meta lacking the key) a batch loads, and that load adds the fields
to the mapping, rewrites the rows with them and sets ``rows``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import random
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from processing.dedup.state import DocEntry, InMemoryDedupState, KeyKind, Story
from store.base import StoreError
from store.es_common import classify, retriable, store_error
from store.process_caches import ProcessCaches

if TYPE_CHECKING:
    from store.es_store import EngineStore

_log = logging.getLogger(__name__)

LEASE_TTL_S = 120.0  # a batch takes well under a second to a few seconds; a reload, tens
LEASE_TIMEOUT_S = 60.0  # how long a writer waits for a live lease before giving up
# Machines' clocks disagree. A lease counts as expired by its holder's clock only this share
# of its TTL after its stated expiry (a holder renews a third through the TTL, so a clock up
# to 1/2 + 2/3 of the TTL ahead, 140 s by default, cannot take a live lease), or once the
# waiter itself has watched it unchanged for a whole TTL, which needs no clock but its own.
SKEW_SHARE = 0.5
# Generations whose log ids meta lists: a cache at most this far behind replays the logs
# (one multi-get), further behind it reloads. Logs carry every row a batch wrote (~5 KB an
# article), so only a few hundred are kept, not SQLite's 10,000 generation stamps.
RECENT = 128
LOG_KEEP = 256  # log documents kept (trimmed every TRIM_EVERY generations)
TRIM_EVERY = 64
ROW_KINDS = ("key", "doc", "story", "term", "day")
LOCK_ID = "lock"
META_ID = "meta"
_REGISTRY_SIZE = 4  # (engine, index) windows a process keeps
_SCAN_PAGE = 2_000
_BULK_CHUNK = 5_000  # actions per bulk request (byte-capped by the store's max_chunk_bytes)
_MGET_CHUNK = 32  # log documents per multi-get
# Only failures are worth reading back; statuses keep the items aligned with the actions.
_BULK_FILTER = "errors,items.*.status,items.*.error"
# A JSON string literal, non-ASCII kept as is (as ensure_ascii=False): ids, keys, terms.
_q: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]

# kind, at, payload JSON, document id, and the indexed fields of a document or story row
# as a JSON fragment (``,"b":[...]``; empty for other rows)
_Row = tuple[str, str, str, str, str]

# Only what queries need is indexed; the rest is an opaque object the engine does not parse
# (terms and keys are arbitrary text, unfit as field names). ``b``: a document's LSH band
# keys; ``st``: 64-bit hashes of a story's index terms (the cold read path's lookups).
CANDIDATE_FIELDS: dict[str, Any] = {"b": {"type": "long"}, "st": {"type": "long"}}
MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "kind": {"type": "keyword"},
        "at": {"type": "date"},
        "gen": {"type": "long"},
        "p": {"type": "object", "enabled": False},
        **CANDIDATE_FIELDS,
    },
}
# Meta's ``rows``: 2 once every document and story row carries ``b``/``st`` (written by
# this version). An index whose meta lacks it (older rows, or an older writer committed
# since) is read by loading; that load rewrites the rows with the fields and sets it.
ROWS_VERSION = 2

# The cold read path (``cache`` None): a process with no usable cache answers a batch's
# reads with targeted requests (~6 an article) instead of loading the window, unless
# loading pays. Loading costs 0.33-0.5 ms wall per window document (3-4.6 s for a
# 9,000-article day, 9.7 s for three days); a cold article costs 29-40 ms more than a warm
# one: the break-even is 80-120 documents per article (bench/bench_dedup.py --cold, 20-article
# batches, two busy cores, 2026-11).
LOAD_SMALL = 1_000  # a window this small (documents) is always worth loading (~0.4 s)
LOAD_RATIO = 100  # window documents worth loading per article read cold (the break-even)
_HITS = 10_000  # hits per candidate search (the engine's default result window)
_MGET_IDS = 1_000  # ids per multi-get of rows
_STORY_HITS = 200  # story candidates read in full by the candidate search; more: ids first
_PREFETCH_STORIES = 16  # then the best-ranked of them fetched in full (one multi-get)


def index_body(replicas: int | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {"number_of_shards": 1}
    if replicas is None:
        settings["auto_expand_replicas"] = "0-1"
    else:
        settings["number_of_replicas"] = replicas
    return {"settings": settings, "mappings": MAPPINGS}


def drop_caches() -> None:
    """Forget every cached window in this process (tests, benchmarks: a simulated restart)."""
    _REGISTRY.clear()


# --- the per-process cache ------------------------------------------------------------------
@dataclass(eq=False)
class _Cache:
    """The window of one (engine, index) as this process last saw it."""

    mem: InMemoryDedupState | None = None
    uuid: str = ""
    gen: int = -1
    token: str = ""
    ready: bool = False  # the index and its template exist (checked once per process)
    loads: int = 0  # full reloads (tests, benchmarks)
    replays: int = 0  # generations replayed from the log
    cold_articles: int = 0  # articles decided cold since the cache was dropped (ski rental)
    lock: threading.Lock = field(default_factory=threading.Lock)


_REGISTRY: ProcessCaches[tuple[str, str], _Cache] = ProcessCaches(_REGISTRY_SIZE, _Cache)


def _cache_for(key: tuple[str, str]) -> _Cache:
    return _REGISTRY.get(key)


# --- one transaction --------------------------------------------------------------------------
@dataclass
class _Lease:
    seq_no: int
    primary_term: int
    taken: float  # time.time() when taken or renewed
    released: bool = False


@dataclass
class _Meta:
    uuid: str
    gen: int
    token: str
    applied: int  # the last generation whose rows are materialised
    recent: dict[int, str]  # gen -> token of the last RECENT generations
    seq_no: int
    primary_term: int
    rows: int = 1  # ROWS_VERSION once the rows carry the candidate fields


class _Buffer:
    """What the transaction wrote (row identities; values are read from the cache at commit)."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, str]] = set()
        self.docs: dict[str, DocEntry] = {}
        self.stories: dict[str, tuple[Story, tuple[str, ...]]] = {}
        self.terms: dict[date, set[str]] = {}
        self.days: set[date] = set()

    @property
    def written(self) -> bool:
        return bool(self.keys or self.docs or self.stories or self.days)

    def drop_pruned(self, mem: InMemoryDedupState) -> list[str]:
        """Forget buffered rows a prune just removed from the cache; their ids."""
        ids: list[str] = []
        for k in [k for k in self.keys if k not in mem.keys]:
            self.keys.discard(k)
            ids.append(_key_id(*k))
        for aid in [a for a in self.docs if a not in mem.docs]:
            del self.docs[aid]
            ids.append(_doc_id(aid))
        for sid in [s for s in self.stories if s not in mem.stories]:
            del self.stories[sid]
            ids.append(_story_id(sid))
        for d in [d for d in self.terms if d not in mem.term_days]:
            day = d.isoformat()
            ids += [_term_id(day, t) for t in self.terms.pop(d)]
        for d in [d for d in self.days if d not in mem.term_days]:
            self.days.discard(d)
            ids.append(_day_id(d.isoformat()))
        return ids


@dataclass(eq=False)
class _Tx:
    cache: _Cache
    mem: InMemoryDedupState
    meta: _Meta
    lease: _Lease
    buf: _Buffer = field(default_factory=_Buffer)
    prunes: list[datetime] = field(default_factory=list)  # those that removed something
    deletes: dict[str, None] = field(default_factory=dict)  # row ids the prunes removed
    dropped: list[str] = field(default_factory=list)  # ids of this batch's rows pruned again
    reload: bool = False  # a prune after writes: other caches cannot replay this generation
    committed: bool = False
    cold: _Cold | None = None  # reads go to the engine (``mem`` holds only this batch's writes)
    size_hint: int = 0


_READS = (
    "get_key",
    "get_doc",
    "lsh_candidates",
    "get_story",
    "story_candidates",
    "term_counts",
    "stats",
)


class EngineDedupState:
    """Implements ``processing.dedup.state.DedupState`` in the store's search engine.

    ``index`` defaults to ``<prefix>-dedup``. ``lease_ttl``: how long a writer's lease lasts
    unless renewed (a crashed writer blocks others that long at most); ``lease_timeout``:
    how long to wait for a live lease before raising ``StoreError``. ``cache``: None
    (default) loads the process-wide cache of the window when it pays off and otherwise
    reads a batch cold (targeted requests), True always loads, False never keeps a cache."""

    def __init__(
        self,
        store: EngineStore,
        *,
        index: str | None = None,
        lease_ttl: float = LEASE_TTL_S,
        lease_timeout: float = LEASE_TIMEOUT_S,
        owner: str | None = None,
        cache: bool | None = None,
    ) -> None:
        self.store = store
        self.adapter = store.adapter
        self.index = index or f"{store.names.prefix}-dedup"
        self.lease_ttl = lease_ttl
        self.lease_timeout = lease_timeout
        self.cache_mode = cache
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        # After the last transaction: the generation it committed, or (``wrote`` False) the
        # one it read and decided its verdicts on.
        self.generation: int | None = None
        self.wrote = False
        # "current" | "replay" | "reload" | "cold": how the last transaction started
        self.sync: str = ""
        self.mode: str = ""  # "cache" | "query": where the last transaction's reads went
        self._tx: _Tx | None = None
        self._depth = 0

    # --- transactions ------------------------------------------------------------------
    @contextmanager
    def transaction(self, size_hint: int = 0) -> Iterator[None]:
        """Take the lease, bring the cache up to date, run the batch, commit a new
        generation; on any failure before the commit point drop the cache (it may hold half
        a batch) and release the lease. Nested calls join the open transaction."""
        if self._tx is not None:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        cache = _cache_for((self.store.url, self.index))
        with cache.lock:
            tx = self._begin(cache, size_hint)
            self._tx, self._depth = tx, 1
            # Reads go straight to the cache (or the cold reader): no per-call dispatch.
            reads = tx.cold if tx.cold is not None else tx.mem
            for name in _READS:
                setattr(self, name, getattr(reads, name))
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

    def _begin(self, cache: _Cache, size_hint: int = 0) -> _Tx:
        if not cache.ready:
            self._ensure_index()
            cache.ready = True
        lease = self._take_lease()
        try:
            meta = self._read_meta()
            if meta.applied < meta.gen:
                meta = self._repair(meta)
            try:
                mem = self._sync(cache, meta, size_hint)
            except BaseException:
                cache.mem = None  # a replay may have stopped half-way
                raise
            self._renew_if_old(lease)
        except BaseException:
            self._release(lease)
            raise
        if mem is None:  # cold: the batch's own writes in a state of their own
            # The cache (if any) is left as it is: it can replay this batch's log later.
            tx = _Tx(cache, InMemoryDedupState(), meta, lease, size_hint=size_hint)
            tx.cold = _Cold(self, tx)
            self.mode = "query"
            return tx
        cache.gen = -1  # invalid until this transaction commits or ends without writing
        self.mode = "cache"
        return _Tx(cache, mem, meta, lease, size_hint=size_hint)

    def _sync(self, cache: _Cache, meta: _Meta, size_hint: int = 0) -> InMemoryDedupState | None:
        """Make the cache match the engine (we hold the lease), or None: read cold."""
        cold = meta.rows >= ROWS_VERSION
        if self.cache_mode is False and cold:
            self._refresh()
            self.sync = "cold"
            return None
        if cache.mem is not None and cache.uuid == meta.uuid and cache.gen >= 0:
            if cache.gen == meta.gen and cache.token == meta.token:
                self.sync = "current"
                return cache.mem
            if cache.gen < meta.gen and self._replay(cache, meta):
                cache.gen, cache.token = meta.gen, meta.token
                self.sync = "replay"
                return cache.mem
        cache.mem = None
        refreshed = False
        if cold and self.cache_mode is None:
            # Ski rental, as SQLite's: load once the articles read cold (with this batch)
            # are worth as much as loading the window, or when the window is small. A
            # transaction of unknown size (0: a prune, a lookup) reads cold too.
            self._refresh()
            refreshed = True
            docs = self._count("doc")
            work = cache.cold_articles + size_hint
            if docs > LOAD_SMALL and docs > LOAD_RATIO * work:
                self.sync = "cold"
                return None
        mem = _load(self, refresh=not refreshed)
        if meta.rows < ROWS_VERSION:
            self._migrate(mem, meta)
        if self.cache_mode is False:  # loaded only to migrate: read it, do not keep it
            self.sync = "reload"
            return mem
        cache.mem, cache.uuid, cache.gen, cache.token = mem, meta.uuid, meta.gen, meta.token
        cache.loads += 1
        cache.cold_articles = 0
        self.sync = "reload"
        return mem

    def _replay(self, cache: _Cache, meta: _Meta) -> bool:
        """Apply the logs of the generations after the cache's; False if they are not all
        there with an unbroken token chain, or one of them cannot be replayed."""
        gens = list(range(cache.gen + 1, meta.gen + 1))
        if any(g not in meta.recent for g in gens):
            return False  # too far behind: the log ids are no longer listed
        logs = self._get_logs(meta, gens)
        prev = cache.token
        for g in gens:
            p = logs.get(g)
            if p is None or p["prev"] != prev or p["reload"]:
                return False
            prev = p["token"]
        if prev != meta.token:
            return False
        mem = cache.mem
        assert mem is not None
        for g in gens:
            _apply_log(mem, logs[g])
        cache.replays += len(gens)
        return True

    def _commit(self, tx: _Tx) -> None:
        cold = tx.cold is not None
        if cold:
            tx.cache.cold_articles += max(tx.size_hint, len(tx.buf.docs))
        if not (tx.buf.written or tx.prunes):
            # Nothing written: the generation (and the cache) stay where they were.
            if not cold:
                tx.cache.gen, tx.cache.token = tx.meta.gen, tx.meta.token
            self.generation, self.wrote = tx.meta.gen, False
            self._release(tx.lease)
            return
        meta, g, token = tx.meta, tx.meta.gen + 1, secrets.token_hex(8)
        rows = _rows(tx, tx.cold)
        self._renew_if_old(tx.lease)
        head = {
            "token": token,
            "prev": meta.token,
            "prunes": [t.isoformat() for t in tx.prunes],
            "reload": tx.reload,
            "deletes": tx.dropped,
        }
        log_doc = _log_body(g, head, rows)
        log_id = _log_id(g, token)
        self._call("write the dedup log", lambda: self.adapter.index(self.index, log_id, log_doc))
        seq = self._commit_meta(meta, g, token)
        # Committed: the cache is the state of generation g, whatever happens next (a cold
        # batch's is not: it replays generation g from the log, or reloads).
        tx.committed = True
        if not cold:
            tx.cache.gen, tx.cache.token = g, token
        self.generation, self.wrote = g, True
        try:
            self._materialise(g, tx.deletes, rows)
            self._set_applied(meta, seq)
            if g % TRIM_EVERY == 0:
                self._trim(g)
        except Exception as exc:
            # The batch stands (meta says so); the next writer materialises it from the log.
            _log.warning(
                "dedup state %s on %s: generation %d committed, rows not yet written (%s);"
                " the next batch writes them",
                self.index,
                self.store.url,
                g,
                exc,
            )
        finally:
            self._release(tx.lease)

    def _abort(self, tx: _Tx) -> None:
        if not tx.committed and tx.cold is None:
            tx.cache.mem = None  # it holds half a batch
        self._release(tx.lease)

    # --- the engine's documents ------------------------------------------------------------
    def _call(self, action: str, fn: Callable[[], Any]) -> Any:
        """``fn()``; an engine error becomes a ``StoreError`` naming the action."""
        return self.store._call(f"{action} ({self.index})", fn)

    def _try(self, action: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, or None when the engine answers 409 (a conditional write lost)."""
        try:
            return fn()
        except Exception as exc:
            if self.adapter.is_conflict(exc):
                return None
            if isinstance(exc, StoreError) or self.adapter.error_info(exc) is None:
                raise
            raise self.store._fail(f"{action} ({self.index})", exc) from exc

    def _try_write(
        self, action: str, doc_id: str, doc: dict[str, Any], fn: Callable[[], Any]
    ) -> Any:
        """``_try`` of a conditional write of ``doc``. The client retries a request that
        timed out; when the first attempt had landed, the retry meets a 409 from it. If the
        stored document is ``doc`` itself (each carries its owner or generation token), the
        write is ours and stands: the stored version is returned instead of None."""
        res = self._try(action, fn)
        if res is not None:
            return res
        held = self._call(f"re-read after: {action}", lambda: self.adapter.get(self.index, doc_id))
        if held is not None and held["_source"] == json.loads(json.dumps(doc)):
            return held
        return None

    def _ensure_index(self) -> None:
        """The index, and a template with the same mapping: a document written to a deleted
        index (the lease) would otherwise auto-create it with dynamic mappings."""
        body = index_body(self.store.options.replicas)
        self._call(
            "put the dedup index template",
            lambda: self.adapter.put_index_template(
                self.index,
                {"index_patterns": [self.index], "priority": 210, "template": body,
                 "_meta": {"managed_by": "rasid", "description": "Rasid dedup state"}},
            ),
        )  # fmt: skip
        if not self._call("check the dedup index", lambda: self.adapter.index_exists(self.index)):
            self.store._create_quietly(self.index, body)

    def _take_lease(self) -> _Lease:
        """Create the lock document; if it exists and has expired, take it over (guarded by
        its seq_no); otherwise wait with jittered backoff until ``lease_timeout``."""
        deadline = time.monotonic() + self.lease_timeout
        delay = 0.02
        seen: tuple[int, int] | None = None  # the held lease's version, and since when
        seen_at = 0.0
        while True:
            now = time.time()
            doc = {
                "kind": "lock",
                "at": datetime.fromtimestamp(now, UTC).isoformat(),
                "p": {
                    "owner": self.owner,
                    "since": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
                    "expires": now + self.lease_ttl,
                    "ttl": self.lease_ttl,
                },
            }
            res = self._try(
                "take the dedup lease",
                lambda d=doc: self.adapter.index(self.index, LOCK_ID, d, create=True),
            )
            if res is not None:
                return _Lease(int(res["_seq_no"]), int(res["_primary_term"]), now)
            held = self._call("read the dedup lease", lambda: self.adapter.get(self.index, LOCK_ID))
            if held is None:
                continue  # released meanwhile
            p = held["_source"].get("p", {})
            if p.get("owner") == self.owner:
                # Ours: the client retried a create whose answer was lost, or a release of
                # ours failed. Owners are unique per state object, used by one thread.
                return _Lease(int(held["_seq_no"]), int(held["_primary_term"]), now)
            version = (int(held["_seq_no"]), int(held["_primary_term"]))
            if version != seen:
                seen, seen_at = version, time.monotonic()
            ttl = float(p.get("ttl", self.lease_ttl))  # older writers: assume ours
            left = float(p.get("expires", 0)) - time.time()
            watched = time.monotonic() - seen_at
            if left < -SKEW_SHARE * ttl or watched >= ttl or _dead_here(str(p.get("owner", ""))):
                res = self._try_write(
                    "take over the dedup lease",
                    LOCK_ID,
                    doc,
                    lambda d=doc, h=held: self.adapter.index(
                        self.index, LOCK_ID, d, if_seq_no=h["_seq_no"],
                        if_primary_term=h["_primary_term"],
                    ),
                )  # fmt: skip
                if res is None:
                    continue  # someone else took it over first
                _log.warning(
                    "dedup state %s: took over the lease of %s (since %s; %s)",
                    self.index,
                    p.get("owner"),
                    p.get("since"),
                    f"expired {-left:.0f} s ago by its clock"
                    if left < -SKEW_SHARE * ttl
                    else f"unchanged for {watched:.0f} s"
                    if watched >= ttl
                    else "that process is gone",
                )
                return _Lease(int(res["_seq_no"]), int(res["_primary_term"]), now)
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"dedup state {self.index} on {self.store.url} is locked by"
                    f" {p.get('owner')} since {p.get('since')} (lease expires in {left:.0f} s);"
                    f" gave up after waiting {self.lease_timeout:g} s",
                    cause="locked",
                )
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())) * random.uniform(0.5, 1.5))
            # Capped low: a lease is held for a fraction of a second, and a waiter that
            # sleeps long lets a busy writer take it again and again (no queue).
            delay = min(delay * 1.5, 0.25)

    def _renew_if_old(self, lease: _Lease) -> None:
        """Extend a lease a third through its life (a reload of a large window is slow)."""
        now = time.time()
        if now - lease.taken < self.lease_ttl / 3:
            return
        doc = {
            "kind": "lock",
            "at": datetime.fromtimestamp(now, UTC).isoformat(),
            "p": {
                "owner": self.owner,
                "since": datetime.fromtimestamp(lease.taken, UTC).isoformat(timespec="seconds"),
                "expires": now + self.lease_ttl,
                "ttl": self.lease_ttl,
            },
        }
        res = self._try_write(
            "renew the dedup lease",
            LOCK_ID,
            doc,
            lambda: self.adapter.index(
                self.index, LOCK_ID, doc, if_seq_no=lease.seq_no,
                if_primary_term=lease.primary_term,
            ),
        )  # fmt: skip
        if res is None:
            lease.released = True  # it is someone else's now
            raise self._lost_lease()
        lease.seq_no, lease.primary_term, lease.taken = (
            int(res["_seq_no"]), int(res["_primary_term"]), now,
        )  # fmt: skip

    def _release(self, lease: _Lease) -> None:
        if lease.released:
            return
        lease.released = True
        try:
            self.adapter.delete(
                self.index, LOCK_ID, if_seq_no=lease.seq_no, if_primary_term=lease.primary_term
            )
        except Exception as exc:
            info = self.adapter.error_info(exc)
            if info is not None and info[0] in (404, 409):
                _log.warning("dedup state %s: our lease had been taken over", self.index)
            else:  # it expires by itself
                _log.warning("dedup state %s: lease not released (%s)", self.index, exc)

    def _lost_lease(self) -> StoreError:
        return StoreError(
            f"dedup state {self.index} on {self.store.url}: lost the lease (it expired and"
            " another writer took it over); batch not committed",
            cause="locked",
        )

    def _read_meta(self) -> _Meta:
        raw = self._call("read dedup meta", lambda: self.adapter.get(self.index, META_ID))
        if raw is not None:
            return _meta_from(raw)
        token = secrets.token_hex(8)
        # rows 0: the first batch loads (an empty or stray window) and sets ROWS_VERSION
        doc = _meta_doc(secrets.token_hex(16), 0, token, 0, {0: token}, 0)
        res = self._try(
            "create dedup meta", lambda: self.adapter.index(self.index, META_ID, doc, create=True)
        )
        if res is None:
            return self._read_meta()
        return _meta_from({"_source": doc, **res})

    def _commit_meta(self, meta: _Meta, g: int, token: str) -> tuple[int, int]:
        """The commit point: meta moves to generation g, guarded by the seq_no we read."""
        recent = {k: v for k, v in meta.recent.items() if k > g - RECENT}
        recent[g] = token
        doc = _meta_doc(meta.uuid, g, token, meta.applied, recent, meta.rows)
        res = self._try_write(
            "commit dedup meta",
            META_ID,
            doc,
            lambda: self.adapter.index(
                self.index, META_ID, doc, if_seq_no=meta.seq_no, if_primary_term=meta.primary_term
            ),
        )
        if res is None:
            raise self._lost_lease()
        meta.gen, meta.token, meta.recent = g, token, recent
        return int(res["_seq_no"]), int(res["_primary_term"])

    def _set_applied(self, meta: _Meta, seq: tuple[int, int]) -> tuple[int, int]:
        """Record that the rows of ``meta.gen`` are written (``seq``: meta's current seq_no)."""
        doc = _meta_doc(meta.uuid, meta.gen, meta.token, meta.gen, meta.recent, meta.rows)
        res = self._try_write(
            "mark dedup rows applied",
            META_ID,
            doc,
            lambda: self.adapter.index(
                self.index, META_ID, doc, if_seq_no=seq[0], if_primary_term=seq[1]
            ),
        )
        if res is None:
            raise self._lost_lease()
        meta.applied = meta.gen
        return int(res["_seq_no"]), int(res["_primary_term"])

    def _get_logs(self, meta: _Meta, gens: Sequence[int]) -> dict[int, dict[str, Any]]:
        """{gen: log payload} of the listed generations found (multi-get: realtime)."""
        ids = {_log_id(g, meta.recent[g]): g for g in gens if g in meta.recent}
        out: dict[int, dict[str, Any]] = {}
        chunks = list(ids)
        for i in range(0, len(chunks), _MGET_CHUNK):
            part = chunks[i : i + _MGET_CHUNK]
            found = self._call(
                "read the dedup log", lambda p=part: self.adapter.mget_sources(self.index, p, ["p"])
            )
            for doc_id, src in found.items():
                out[ids[doc_id]] = src["p"]
        return out

    def _repair(self, meta: _Meta) -> _Meta:
        """A writer died between its commit point and the end of writing its rows: write
        them from its log (idempotent: versions are generations), then mark them applied."""
        gens = list(range(meta.applied + 1, meta.gen + 1))
        logs = self._get_logs(meta, gens)
        for g in gens:
            p = logs.get(g)
            if p is None:
                _log.error(
                    "dedup state %s: the log of generation %d is gone; its rows were never"
                    " written (a reload will miss them)",
                    self.index,
                    g,
                )
                continue
            for t in p["prunes"]:
                self._delete_older(datetime.fromisoformat(t), g)
            rows = [
                (k, at, _dumps(r), _row_id(k, at, r), _row_fields(k, r)) for k, at, r in p["rows"]
            ]
            self._materialise(g, dict.fromkeys(p["deletes"]), rows)
        meta.seq_no, meta.primary_term = self._set_applied(meta, (meta.seq_no, meta.primary_term))
        _log.warning("dedup state %s: finished writing generation(s) %s", self.index, gens)
        return meta

    def _materialise(self, g: int, deletes: Iterable[str], rows: list[_Row]) -> None:
        """Deletes, then rows, versioned by generation: a late write of an older generation
        (a writer that lost its lease) is refused instead of overwriting newer rows."""
        version = f',"version":{g},"version_type":"external_gte"}}}}'
        lines: list[tuple[str, str | None]] = [
            (f'{{"delete":{{"_id":{_q(i)}{version}', None) for i in deletes
        ]
        lines += [
            (f'{{"index":{{"_id":{_q(rid)}{version}',
             f'{{"kind":"{kind}","at":{_q(at)},"gen":{g},"p":{pj}{fields}}}')
            for kind, at, pj, rid, fields in rows
        ]  # fmt: skip
        self._bulk(lines, "write dedup rows")

    def _bulk(self, lines: list[tuple[str, str | None]], what: str) -> None:
        """Bulk requests from prepared NDJSON lines (action, source or None), with retries on
        429/5xx/no answer. A version conflict (a newer generation is there) and deleting
        what is not there are fine."""
        o = self.store.options
        pending, last, last_status = lines, "no answer", None
        for attempt in range(o.retries + 1):
            if not pending:
                return
            if attempt:
                time.sleep(min(o.backoff_max_s, o.backoff_s * 2 ** (attempt - 1)))
            again: list[tuple[str, str | None]] = []
            for chunk in _chunks(pending, o.max_chunk_bytes // 2):  # // 2: UTF-8 Arabic
                body = "\n".join(x for line in chunk for x in line if x is not None) + "\n"
                try:
                    res = self.adapter.bulk_ndjson(self.index, body, _BULK_FILTER)
                except Exception as exc:
                    info = self.adapter.error_info(exc)
                    if info is None:
                        raise
                    if not retriable(info[0]):
                        raise self.store._fail(f"{what} ({self.index})", exc) from exc
                    last, last_status = f"{info[1]}: {info[2]}", info[0]
                    again += chunk  # re-sending is harmless: every write is versioned
                    continue
                if not res.get("errors"):
                    continue
                for line, item in zip(chunk, res["items"], strict=True):
                    op, info = next(iter(item.items()))
                    status = int(info.get("status", 500))
                    if status < 300 or status == 409 or (op == "delete" and status == 404):
                        continue
                    err = info.get("error")
                    etype, reason = (
                        (str(err.get("type", "")), str(err.get("reason", "")))
                        if isinstance(err, dict) else ("", str(err or ""))
                    )  # fmt: skip
                    if retriable(status):
                        again.append(line)
                        last, last_status = f"{etype}: {reason}", status
                        continue
                    raise store_error(
                        f"{what} ({self.index})", classify(status, etype, reason),
                        f"{line[0]}: HTTP {status} {etype}: {reason}", self.store.url,
                    )  # fmt: skip
            pending = again
        if pending:
            cause = classify(last_status, last, "")
            raise store_error(
                f"{what} ({self.index})",
                "unreachable" if cause == "error" else cause,
                f"{len(pending)} actions still failing after {o.retries} retries ({last})",
                self.store.url,
            )

    def _scan(self, what: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        try:
            yield from self.adapter.scan(self.index, body, _SCAN_PAGE)
        except StoreError:
            raise
        except Exception as exc:
            if self.adapter.error_info(exc) is None:
                raise
            raise self.store._fail(f"{what} ({self.index})", exc) from exc

    def _delete_older(self, before: datetime, g: int) -> None:
        """Delete the rows a prune removed (repair only: a live batch knows their ids)."""
        self._refresh()
        self._materialise(g, [i for i, _, _ in self._older(before)], [])

    def _older(self, before: datetime) -> Iterator[tuple[str, str, str]]:
        """(id, kind, at) of every row ``prune(before)`` removes (refreshed index)."""
        day = before.date().isoformat()
        # The engine keeps milliseconds: ask for a superset, decide exactly here.
        loose = (before + timedelta(seconds=1)).isoformat()
        body = {
            "query": {"bool": {"should": [
                {"bool": {"filter": [{"terms": {"kind": ["key", "doc", "story"]}},
                                     {"range": {"at": {"lt": loose}}}]}},
                {"bool": {"filter": [{"terms": {"kind": ["term", "day"]}},
                                     {"range": {"at": {"lt": day}}}]}},
            ], "minimum_should_match": 1}},
            "_source": ["kind", "at"],
        }  # fmt: skip
        for hit in self._search("find pruned dedup rows", body):
            src = hit["_source"]
            kind, at = src["kind"], src["at"]
            if kind in ("term", "day") or datetime.fromisoformat(at) < before:
                yield hit["_id"], kind, at

    def _refresh(self) -> None:
        self._call("refresh the dedup index", lambda: self.adapter.refresh(self.index))

    def _search(self, what: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Every hit of ``body`` (one request; a scroll when there are more than _HITS)."""
        res = self._call(what, lambda: self.adapter.search(self.index, {**body, "size": _HITS}))
        hits = res["hits"]["hits"]
        if len(hits) < _HITS:
            return list(hits)
        return list(self._scan(what, body))

    def _count(self, kind: str) -> int:
        body = {"query": {"term": {"kind": kind}}, "size": 0, "track_total_hits": True}
        res = self._call("count dedup rows", lambda: self.adapter.search(self.index, body))
        return int(res["hits"]["total"]["value"])

    def _mget(self, what: str, ids: list[str], fields: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), _MGET_IDS):
            part = ids[i : i + _MGET_IDS]
            out.update(
                self._call(what, lambda p=part: self.adapter.mget_sources(self.index, p, fields))
            )
        return out

    def _migrate(self, mem: InMemoryDedupState, meta: _Meta) -> None:
        """Give an older index the candidate fields: the mapping, every document and story
        row rewritten with them (from the window just loaded, at meta's generation: rows are
        never newer), then meta's ``rows``. Under the lease, after a full load."""
        self._call(
            "add the dedup candidate fields",
            lambda: self.adapter.client.indices.put_mapping(
                index=self.index, body={"properties": CANDIDATE_FIELDS}
            ),
        )
        rows: list[_Row] = []
        for d in mem.docs.values():
            pj = _dumps(_doc_payload(d))
            rows.append(("doc", d.seen_at.isoformat(), pj, _doc_id(d.article_id),
                         _doc_fields(d.bands)))  # fmt: skip
        for sid, story in mem.stories.items():
            terms = mem._story_terms.get(sid, ())
            pj = _dumps(_story_payload(story, terms))
            rows.append(("story", story.last_seen.isoformat(), pj, _story_id(sid),
                         _story_fields(terms)))  # fmt: skip
        if rows:
            self._materialise(meta.gen, [], rows)
        meta.rows = ROWS_VERSION
        doc = _meta_doc(meta.uuid, meta.gen, meta.token, meta.applied, meta.recent, meta.rows)
        res = self._try_write(
            "mark dedup rows indexed",
            META_ID,
            doc,
            lambda: self.adapter.index(
                self.index, META_ID, doc, if_seq_no=meta.seq_no, if_primary_term=meta.primary_term
            ),
        )
        if res is None:
            raise self._lost_lease()
        meta.seq_no, meta.primary_term = int(res["_seq_no"]), int(res["_primary_term"])
        _log.info("dedup state %s: rows indexed for cold reads (%d rewritten)", self.index,
                  len(rows))  # fmt: skip

    def _cold_stats(self) -> dict[str, int]:
        """``stats()`` of a cold transaction: the committed rows (this batch's own writes not
        counted); ``buckets`` and ``story_terms`` are the engine's (near-exact) estimates."""
        body = {
            "size": 0,
            "query": {"terms": {"kind": list(ROW_KINDS)}},
            "aggs": {
                "kinds": {"terms": {"field": "kind", "size": 10}},
                "buckets": {"cardinality": {"field": "b", "precision_threshold": 40000}},
                "story_terms": {"cardinality": {"field": "st", "precision_threshold": 40000}},
            },
        }
        res = self._call("count dedup rows", lambda: self.adapter.search(self.index, body))
        aggs = res["aggregations"]
        n = {b["key"]: int(b["doc_count"]) for b in aggs["kinds"]["buckets"]}
        return {
            "keys": n.get("key", 0),
            "docs": n.get("doc", 0),
            "buckets": int(aggs["buckets"]["value"]),
            "stories": n.get("story", 0),
            "story_terms": int(aggs["story_terms"]["value"]),
            "term_days": n.get("day", 0),
            "terms": n.get("term", 0),
        }

    def _trim(self, g: int) -> None:
        """Delete log documents older than LOG_KEEP generations (and orphans among them)."""
        self._call("refresh the dedup index", lambda: self.adapter.refresh(self.index))
        body = {
            "query": {"bool": {"filter": [
                {"term": {"kind": "log"}}, {"range": {"gen": {"lte": g - LOG_KEEP}}},
            ]}},
            "_source": False,
        }  # fmt: skip
        ids = [h["_id"] for h in self._scan("find old dedup logs", body)]
        self._bulk([(f'{{"delete":{{"_id":{_q(i)}}}}}', None) for i in ids], "trim the dedup log")

    # --- the protocol: reads outside a transaction run in one of their own --------------
    def get_key(self, kind: KeyKind, key: str) -> str | None:
        with self.transaction():
            return self.get_key(kind, key)

    def get_doc(self, article_id: str) -> DocEntry | None:
        with self.transaction():
            return self.get_doc(article_id)

    def lsh_candidates(self, bands: Sequence[int]) -> dict[str, int]:
        with self.transaction():
            return self.lsh_candidates(bands)

    def get_story(self, story_id: str) -> Story | None:
        with self.transaction():
            return self.get_story(story_id)

    def story_candidates(self, terms: Sequence[str], active_since: datetime) -> dict[str, int]:
        with self.transaction():
            return self.story_candidates(terms, active_since)

    def term_counts(self, terms: Iterable[str], since: datetime) -> tuple[dict[str, int], int]:
        with self.transaction():
            return self.term_counts(terms, since)

    def stats(self) -> dict[str, int]:
        with self.transaction():
            return self.stats()

    # --- writes: to the cache and the buffer (a write outside a transaction runs in one) --
    def put_key(self, kind: KeyKind, key: str, article_id: str, seen_at: datetime) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.put_key(kind, key, article_id, seen_at)
        tx.mem.put_key(kind, key, article_id, seen_at)
        tx.buf.keys.add((kind, key))
        if tx.cold is not None:
            tx.cold.t_keys.add((kind, key))

    def put_doc(self, doc: DocEntry) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.put_doc(doc)
        tx.mem.put_doc(doc)
        tx.buf.docs[doc.article_id] = doc
        if tx.cold is not None:
            tx.cold.t_docs.add(doc.article_id)

    def put_story(self, story: Story, index_terms: Sequence[str]) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.put_story(story, index_terms)
        terms = tuple(index_terms)
        tx.mem.put_story(story, terms)
        tx.buf.stories[story.id] = (story, terms)
        if tx.cold is not None:
            tx.cold.t_stories.add(story.id)

    def add_terms(self, day: date, terms: Iterable[str]) -> None:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.add_terms(day, terms)
        terms = list(terms)
        tx.mem.add_terms(day, terms)
        tx.buf.terms.setdefault(day, set()).update(terms)
        tx.buf.days.add(day)

    def prune(self, before: datetime) -> int:
        tx = self._tx
        if tx is None:
            with self.transaction():
                return self.prune(before)
        if tx.cold is not None:
            return tx.cold.prune(before)
        gone = _doomed(tx.mem, before)
        if not gone:
            return 0  # nothing to forget: nothing to log either
        removed = tx.mem.prune(before)
        tx.prunes.append(before)
        tx.deletes.update(dict.fromkeys(gone))
        if tx.buf.written:
            # Rows of this generation were written before this prune: a cache replaying the
            # log (prunes, then rows) could not tell which of them the prune removed.
            tx.reload = True
            tx.dropped += tx.buf.drop_pruned(tx.mem)
        return removed


# --- the cold read path ------------------------------------------------------------------------
class _Cold:
    """The reads of a cold transaction: targeted requests to the engine's rows, as they
    were when the transaction began (we hold the lease; the index was refreshed), under
    the batch's own writes (``tx.mem``, which holds only those and is authoritative for
    every row the batch wrote). Each stored row is fetched at most once per transaction.
    A prune hides the stored rows it removes (``cut``); they are deleted at commit."""

    def __init__(self, state: EngineDedupState, tx: _Tx) -> None:
        self.state, self.tx, self.local = state, tx, tx.mem
        self.cut: datetime | None = None  # the latest prune of this transaction
        self.cut_day: date | None = None
        # rows the batch wrote (even if a prune removed them again)
        self.t_keys: set[tuple[str, str]] = set()
        self.t_docs: set[str] = set()
        self.t_stories: set[str] = set()
        # stored rows read so far (None: not there)
        self.keys: dict[tuple[str, str], tuple[str, datetime] | None] = {}
        self.docs: dict[str, DocEntry | None] = {}
        self.stories: dict[str, Story | None] = {}
        self.raw_stories: dict[str, dict[str, Any]] = {}  # found by a search, not yet parsed
        self.term_n: dict[tuple[date, str], int] = {}
        self.day_n: dict[date, int] | None = None

    # --- exact keys and documents --------------------------------------------------------
    def get_key(self, kind: KeyKind, key: str) -> str | None:
        k = (kind, key)
        if k in self.t_keys:
            return self.local.get_key(kind, key)
        if k not in self.keys:
            rid = _key_id(kind, key)
            src = self.state._mget("read dedup keys", [rid], ["at", "p"]).get(rid)
            hit = None
            if src is not None and src["p"]["k"] == kind and src["p"]["key"] == key:
                hit = (src["p"]["a"], datetime.fromisoformat(src["at"]))
            self.keys[k] = hit
        hit = self.keys[k]
        if hit is None or (self.cut is not None and hit[1] < self.cut):
            return None
        return hit[0]

    def get_doc(self, article_id: str) -> DocEntry | None:
        if article_id in self.t_docs:
            return self.local.get_doc(article_id)
        if article_id not in self.docs:
            ids = {_doc_id(article_id): article_id}
            found = self.state._mget("read dedup documents", list(ids), ["at", "p"])
            for rid, aid in ids.items():
                src = found.get(rid)
                ok = src is not None and src["p"]["a"] == aid
                self.docs[aid] = _doc_entry(src["at"], src["p"]) if ok else None  # type: ignore[index]
        d = self.docs[article_id]
        if d is None or (self.cut is not None and d.seen_at < self.cut):
            return None
        return d

    def lsh_candidates(self, bands: Sequence[int]) -> dict[str, int]:
        keys = [int(b) for b in bands]
        if not keys:
            return {}
        body = {
            "query": {"bool": {"filter": [
                {"term": {"kind": "doc"}}, {"terms": {"b": sorted(set(keys))}},
            ]}},
            "_source": ["at", "p"],
        }  # fmt: skip
        hits: dict[str, int] = {}
        docs, cut = self.docs, self.cut
        for hit in self.state._search("find dedup candidates", body):
            src = hit["_source"]
            aid = src["p"]["a"]
            if aid in self.t_docs:
                continue  # the batch rewrote it: counted from its own writes below
            d = docs.get(aid)
            if d is None:
                d = docs[aid] = _doc_entry(src["at"], src["p"])  # get_doc will not ask again
            if cut is not None and d.seen_at < cut:
                continue
            own = set(d.bands.tolist())
            n = sum(1 for b in keys if b in own)
            if n:
                hits[aid] = hits.get(aid, 0) + n
        for aid, n in self.local.lsh_candidates(keys).items():
            hits[aid] = hits.get(aid, 0) + n
        return hits

    # --- stories ---------------------------------------------------------------------------
    def get_story(self, story_id: str) -> Story | None:
        if story_id in self.t_stories:
            return self.local.get_story(story_id)
        if story_id not in self.stories:
            raw = self.raw_stories.pop(story_id, None)
            if raw is not None:
                self.stories[story_id] = _story(raw)
            else:
                self._fetch_stories([story_id])
        story = self.stories[story_id]
        if story is None or (self.cut is not None and story.last_seen < self.cut):
            return None
        return story

    def _fetch_stories(self, sids: list[str]) -> None:
        ids = {_story_id(sid): sid for sid in sids}
        found = self.state._mget("read dedup stories", list(ids), ["p"])
        for rid, sid in ids.items():
            src = found.get(rid)
            ok = src is not None and src["p"]["d"]["id"] == sid
            self.stories[sid] = _story(src["p"]) if ok else None  # type: ignore[index]

    def story_candidates(self, terms: Sequence[str], active_since: datetime) -> dict[str, int]:
        query = list(terms)
        if not query:
            return {}
        what = "find dedup story candidates"
        body: dict[str, Any] = {
            "query": {"bool": {"filter": [
                {"term": {"kind": "story"}},
                {"terms": {"st": sorted({_term_key(t) for t in query})}},
            ]}},
            "_source": ["at", "p"],
            "size": _STORY_HITS,
        }  # fmt: skip
        # Usually few: read them whole (the caller compares the best ones in full).
        state = self.state
        hits = state._call(what, lambda: state.adapter.search(state.index, body))["hits"]["hits"]
        full = len(hits) < _STORY_HITS
        if not full:  # many: their ids and terms, then the best-ranked in full below
            del body["size"]
            hits = state._search(what, {**body, "_source": ["at", "p.d.id", "p.t"]})
        out: dict[str, int] = {}
        cut = self.cut
        for hit in hits:
            src = hit["_source"]
            sid = src["p"]["d"]["id"]
            if sid in self.t_stories:
                continue
            if full and sid not in self.stories:
                self.raw_stories[sid] = src["p"]
            last_seen = datetime.fromisoformat(src["at"])  # a story row's ``at``
            if (cut is not None and last_seen < cut) or last_seen < active_since:
                continue
            own = set(src["p"]["t"])
            n = sum(1 for t in query if t in own)
            if n:
                out[sid] = n
        out.update(self.local.story_candidates(query, active_since))
        if not full:  # the caller compares the best-ranked in full: fetch them at once
            ranked = sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))[:_PREFETCH_STORIES]
            want = [s for s, _ in ranked if s not in self.t_stories and s not in self.stories]
            if want:
                self._fetch_stories(want)
        return out

    # --- term statistics -------------------------------------------------------------------
    def _days(self) -> dict[date, int]:
        """Documents per stored day (read once), without the days pruned here."""
        if self.day_n is None:
            body = {"query": {"term": {"kind": "day"}}, "_source": ["at", "p"]}
            self.day_n = {
                date.fromisoformat(h["_source"]["at"]): int(h["_source"]["p"]["n"])
                for h in self.state._search("read dedup days", body)
            }
        if self.cut_day is None:
            return self.day_n
        return {d: n for d, n in self.day_n.items() if d >= self.cut_day}

    def _fetch_terms(self, days: Iterable[date], terms: Sequence[str]) -> None:
        have = self.term_n
        ids: dict[str, tuple[date, str]] = {}
        for d in days:
            day = d.isoformat()
            for t in terms:
                if (d, t) not in have:
                    ids[_term_id(day, t)] = (d, t)
        if not ids:
            return
        found = self.state._mget("read dedup term counts", list(ids), ["p"])
        for rid, (d, t) in ids.items():
            src = found.get(rid)
            have[(d, t)] = int(src["p"]["n"]) if src is not None and src["p"]["t"] == t else 0

    def term_counts(self, terms: Iterable[str], since: datetime) -> tuple[dict[str, int], int]:
        terms = list(terms)
        first = since.date()
        stored = {d: n for d, n in self._days().items() if d >= first}
        local = self.local
        own = [local.term_days[d] for d in local.term_days if d >= first]
        self._fetch_terms(stored, terms)
        have = self.term_n
        df = {t: sum(have[(d, t)] for d in stored) + sum(c.get(t, 0) for c in own) for t in terms}
        n_docs = sum(stored.values()) + sum(
            local.day_docs[d] for d in local.term_days if d >= first
        )
        return df, n_docs

    # What the commit adds this batch's counts to (absolute rows).
    def terms(self, day: date, terms: Iterable[str]) -> dict[str, int]:
        terms = list(terms)
        if self.cut_day is not None and day < self.cut_day:
            return dict.fromkeys(terms, 0)
        self._fetch_terms([day], terms)
        return {t: self.term_n[(day, t)] for t in terms}

    def day(self, day: date) -> int:
        return self._days().get(day, 0)

    # --- the window ------------------------------------------------------------------------
    def prune(self, before: datetime) -> int:
        """What ``InMemoryDedupState.prune`` would remove from the stored rows under the
        batch's writes: found by one search, hidden now, deleted at commit."""
        tx, local, cut, cut_day = self.tx, self.local, self.cut, self.cut_day
        touched = {_key_id(*k) for k in self.t_keys}
        touched.update(_doc_id(a) for a in self.t_docs)
        touched.update(_story_id(s) for s in self.t_stories)
        found = list(self.state._older(before))
        rows, days = 0, set()
        for rid, kind, at in found:
            if kind in ("term", "day"):
                d = date.fromisoformat(at)
                if cut_day is None or d >= cut_day:
                    days.add(d)
            elif rid not in touched and (cut is None or datetime.fromisoformat(at) >= cut):
                rows += 1
        mine = _doomed(local, before)
        if not rows and not days and not mine:
            return 0  # nothing to forget: nothing to log either
        rows += sum(1 for _, at in local.keys.values() if at < before)
        rows += sum(1 for d in local.docs.values() if d.seen_at < before)
        rows += sum(1 for st in local.stories.values() if st.last_seen < before)
        days.update(d for d in local.term_days if d < before.date())
        local.prune(before)
        tx.prunes.append(before)
        tx.deletes.update(dict.fromkeys(rid for rid, _, _ in found))
        tx.deletes.update(dict.fromkeys(mine))
        if tx.buf.written:
            tx.reload = True  # as in a cached transaction: a replay could not order it
            tx.dropped += tx.buf.drop_pruned(local)
        if cut is None or before > cut:
            self.cut, self.cut_day = before, before.date()
        return rows + len(days)

    def stats(self) -> dict[str, int]:
        return self.state._cold_stats()


# --- loading and replaying ------------------------------------------------------------------
def _load(state: EngineDedupState, refresh: bool = True) -> InMemoryDedupState:
    """The whole window from the materialised rows (we hold the lease: nothing changes)."""
    if refresh:
        state._refresh()
    mem = InMemoryDedupState()
    body = {"query": {"terms": {"kind": list(ROW_KINDS)}}, "_source": ["kind", "at", "p"]}
    apply = _Applier(mem)
    for hit in state._scan("load the dedup window", body):
        src = hit["_source"]
        apply(src["kind"], src["at"], src["p"])
    return mem


def _apply_log(mem: InMemoryDedupState, p: dict[str, Any]) -> None:
    """One generation: its prunes, then its rows (their values after the batch)."""
    for t in p["prunes"]:
        mem.prune(datetime.fromisoformat(t))
    apply = _Applier(mem)
    for kind, at, payload in p["rows"]:
        apply(kind, at, payload)


class _Applier:
    """Upserts rows into a cache; terms are interned (one string per term, as live)."""

    def __init__(self, mem: InMemoryDedupState) -> None:
        self.mem = mem
        self.days: dict[str, date] = {}

    def _day(self, at: str) -> date:
        d = self.days.get(at)
        if d is None:
            d = self.days[at] = date.fromisoformat(at)
        return d

    def __call__(self, kind: str, at: str, p: dict[str, Any]) -> None:
        mem = self.mem
        if kind == "term":
            mem.set_term_count(self._day(at), sys.intern(p["t"]), int(p["n"]))
        elif kind == "key":
            mem.put_key(p["k"], p["key"], p["a"], datetime.fromisoformat(at))
        elif kind == "doc":
            mem.put_doc(_doc_entry(at, p))
        elif kind == "story":
            mem.put_story(_story(p), tuple(map(sys.intern, p["t"])))
        elif kind == "day":
            mem.set_day_docs(self._day(at), int(p["n"]))


# --- rows -------------------------------------------------------------------------------------
def _dead_here(owner: str) -> bool:
    """The lease holder ran on this host and its process is gone: a writer killed mid-batch
    (or with the engine) need not block this host's next run for the rest of the TTL. A
    holder on another host can only be judged by its expiry."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another state object of this process: alive by definition
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def _hash(text: str, size: int = 16) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()


def _text_id(text: str) -> str:
    # Article and story ids are short hashes; anything near the engine's 512-byte id limit
    # is hashed.
    return text if len(text) <= 200 else "#" + _hash(text)


def _key_id(kind: str, key: str) -> str:
    return f"k:{kind}:{_hash(key)}"


def _doc_id(article_id: str) -> str:
    return "d:" + _text_id(article_id)


def _story_id(story_id: str) -> str:
    return "s:" + _text_id(story_id)


def _term_id(day: str, term: str) -> str:
    return f"t:{day}:{_hash(term, 8)}"


def _day_id(day: str) -> str:
    return f"n:{day}"


def _log_id(gen: int, token: str) -> str:
    # The token makes each attempt's log its own document: a writer that lost its lease
    # can never overwrite the log of the batch that did commit.
    return f"log:{gen}:{token}"


def _row_id(kind: str, at: str, p: dict[str, Any]) -> str:
    if kind == "term":
        return _term_id(at, p["t"])
    if kind == "key":
        return _key_id(p["k"], p["key"])
    if kind == "doc":
        return _doc_id(p["a"])
    if kind == "story":
        return _story_id(p["d"]["id"])
    return _day_id(at)


def _row_fields(kind: str, p: dict[str, Any]) -> str:
    if kind == "doc":
        return _doc_fields(_unarr(p["b"]))
    if kind == "story":
        return _story_fields(p["t"])
    return ""


def _rows(tx: _Tx, base: _Cold | None = None) -> list[_Row]:
    """(kind, at, payload JSON, id, indexed fields) of every row the transaction touched,
    as the cache now holds it (absolute values: writing them twice is harmless). The
    payload is serialised once, for the log and the bulk request both; the small ones by
    hand (most are terms). ``base``: a cold transaction's stored counts, to which its own
    (``mem`` holds only the batch) are added."""
    mem, b = tx.mem, tx.buf
    rows: list[_Row] = []
    for k, key in b.keys:
        aid, at = mem.keys[(k, key)]
        pj = f'{{"k":{_q(k)},"key":{_q(key)},"a":{_q(aid)}}}'
        rows.append(("key", at.isoformat(), pj, _key_id(k, key), ""))
    for d in b.docs.values():
        pj = _dumps(_doc_payload(d))
        rows.append(("doc", d.seen_at.isoformat(), pj, _doc_id(d.article_id), _doc_fields(d.bands)))
    for story, terms in b.stories.values():
        pj = _dumps(_story_payload(story, terms))
        sid = _story_id(story.id)
        rows.append(("story", story.last_seen.isoformat(), pj, sid, _story_fields(terms)))
    for day, terms in b.terms.items():
        counts, d = mem.term_days[day], day.isoformat()
        if base is None:
            rows += [
                ("term", d, f'{{"t":{_q(t)},"n":{counts[t]}}}', _term_id(d, t), "") for t in terms
            ]
        else:
            stored = base.terms(day, terms)
            rows += [
                ("term", d, f'{{"t":{_q(t)},"n":{counts[t] + stored[t]}}}', _term_id(d, t), "")
                for t in terms
            ]
    for day in b.days:
        d, n = day.isoformat(), mem.day_docs[day]
        if base is not None:
            n += base.day(day)
        rows.append(("day", d, f'{{"n":{n}}}', _day_id(d), ""))
    return rows


def _doc_fields(bands: np.ndarray) -> str:
    return f',"b":{_dumps(np.asarray(bands, dtype=np.int64).tolist())}'


def _story_fields(terms: Iterable[str]) -> str:
    return f',"st":{_dumps([_term_key(t) for t in terms])}'


def _term_key(term: str) -> int:
    """A story index term as an indexed long (the engine compares numbers; we compare terms)."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "big",
                          signed=True)  # fmt: skip


def _log_body(g: int, head: dict[str, Any], rows: list[_Row]) -> str:
    """The log document as JSON text, around the rows' payloads already serialised."""
    parts = ",".join(f'["{kind}",{_q(at)},{pj}]' for kind, at, pj, _, _ in rows)
    p = _dumps(head)[:-1] + f',"rows":[{parts}]}}'
    return f'{{"kind":"log","gen":{g},"at":{_q(datetime.now(UTC).isoformat())},"p":{p}}}'


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _chunks(
    lines: list[tuple[str, str | None]], max_chars: int
) -> Iterator[list[tuple[str, str | None]]]:
    chunk: list[tuple[str, str | None]] = []
    size = 0
    for line in lines:
        n = len(line[0]) + (len(line[1]) if line[1] is not None else 0) + 2
        if chunk and (len(chunk) >= _BULK_CHUNK or size + n > max_chars):
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += n
    if chunk:
        yield chunk


def _doomed(mem: InMemoryDedupState, before: datetime) -> list[str]:
    """Ids of the rows ``mem.prune(before)`` would remove."""
    ids = [_key_id(k, key) for (k, key), (_, at) in mem.keys.items() if at < before]
    ids += [_doc_id(a) for a, d in mem.docs.items() if d.seen_at < before]
    ids += [_story_id(s) for s, st in mem.stories.items() if st.last_seen < before]
    cut = before.date()
    for d, counts in mem.term_days.items():
        if d < cut:
            day = d.isoformat()
            ids.append(_day_id(day))
            ids += [_term_id(day, t) for t in counts]
    return ids


def _arr(a: np.ndarray) -> list[str]:
    return [a.dtype.str, base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")]


def _unarr(v: list[str]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(v[1]), dtype=np.dtype(v[0]))


def _doc_payload(d: DocEntry) -> dict[str, Any]:
    p = {"a": d.article_id, "sh": _arr(d.shingles), "b": _arr(d.bands), "r": d.root,
         "s": d.story_id, "src": d.source, "sim": d.similarity}  # fmt: skip
    if d.words is not None:  # the word set (unigram containment); older documents lack it
        p["w"] = _arr(np.asarray(d.words, dtype=np.uint32))
    return p


def _doc_entry(at: str, p: dict[str, Any]) -> DocEntry:
    return DocEntry(
        article_id=p["a"],
        seen_at=datetime.fromisoformat(at),
        shingles=_unarr(p["sh"]),
        bands=_unarr(p["b"]),
        root=p["r"],
        story_id=p["s"],
        source=p.get("src") or "",
        similarity=p.get("sim"),
        words=_unarr(p["w"]) if p.get("w") is not None else None,
    )


def _story_payload(s: Story, terms: tuple[str, ...]) -> dict[str, Any]:
    # The centroid as float64 bytes: exact, and its term order kept (the norm sums in it).
    d = s.to_dict()
    centroid = d.pop("centroid")
    weights = np.fromiter(centroid.values(), dtype=np.float64, count=len(centroid))
    return {"d": d, "ct": list(centroid), "cw": _arr(weights), "t": list(terms)}


def _story(p: dict[str, Any]) -> Story:
    d = dict(p["d"])
    d["centroid"] = dict(zip(map(sys.intern, p["ct"]), _unarr(p["cw"]).tolist(), strict=True))
    return Story.from_dict(d)


def _meta_doc(
    uuid: str, gen: int, token: str, applied: int, recent: dict[int, str], rows: int
) -> dict[str, Any]:
    return {
        "kind": "meta",
        "gen": gen,
        "p": {"uuid": uuid, "gen": gen, "token": token, "applied": applied,
              "recent": [[g, t] for g, t in sorted(recent.items())], "rows": rows},
    }  # fmt: skip


def _meta_from(raw: dict[str, Any]) -> _Meta:
    p = raw["_source"]["p"]
    return _Meta(
        uuid=p["uuid"],
        gen=int(p["gen"]),
        token=p["token"],
        applied=int(p["applied"]),
        recent={int(g): t for g, t in p["recent"]},
        seq_no=int(raw["_seq_no"]),
        primary_term=int(raw["_primary_term"]),
        rows=int(p.get("rows", 1)),  # an older writer's meta: rows without the fields
    )
