"""The Store protocol over Elasticsearch or OpenSearch: one class for both engines.

``EngineStore`` holds the logic (write alias and monthly indices, bulk writes with retries
and the spool, searches, alerts, feed state); an ``EngineAdapter`` from ``store.elastic`` or
``store.opensearch`` makes the client calls. Index layout, mappings, documents, queries and
error causes are the pure functions of ``store.es_common``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from rasid.records import Alert, Article, FeedState, Hit, SearchQuery
from store.base import StoreError
from store.es_common import (
    DERIVED_FIELDS,
    FEED_MAPPINGS,
    META_MAPPINGS,
    EngineOptions,
    IndexNames,
    alert_mappings,
    alert_to_doc,
    article_to_doc,
    articles_template,
    classify,
    doc_to_alert,
    doc_to_article,
    doc_to_feed_state,
    feed_state_to_doc,
    hit_from_response,
    index_settings,
    mapping_conflicts,
    missing_fields,
    parse_store_url,
    retriable,
    search_body,
    spool_for,
    store_error,
    to_iso,
)
from store.spool import Spool, SpoolFull

if TYPE_CHECKING:
    from store.dedup_engine import EngineDedupState

log = logging.getLogger(__name__)
_STORY_PAGE = 500  # story members fetched in one request


# --- the client seam ------------------------------------------------------------------------


class EngineAdapter:
    """The client operations the store needs; one subclass per client library.

    Both clients spell most calls the same way, so those live here; a subclass supplies
    ``client``, ``not_found`` (its 404 exception) and the calls that differ. Methods raise
    the client's own exceptions; ``error_info`` turns one into ``(status, error_type,
    reason)`` (status None when no answer came back).
    """

    kind = "engine"
    client: Any
    not_found: type[Exception]

    def error_info(self, exc: Exception) -> tuple[int | None, str, str] | None:
        raise NotImplementedError

    def health(self) -> dict[str, Any]:
        return dict(self.client.cluster.health())

    def put_index_template(self, name: str, body: dict[str, Any]) -> None:
        self.client.indices.put_index_template(name=name, body=body)

    def create_index(self, name: str, body: dict[str, Any]) -> None:
        self.client.indices.create(index=name, body=body)

    def index_exists(self, name: str) -> bool:
        return bool(self.client.indices.exists(index=name))

    def alias_indices(self, alias: str) -> dict[str, bool]:
        """{backing index: is write index} ({} when the alias does not exist)."""
        try:
            res = self.client.indices.get_alias(name=alias)
        except self.not_found:
            return {}
        return {
            index: bool(v["aliases"][alias].get("is_write_index", False))
            for index, v in res.items()
        }

    def rollover(self, alias: str, new_index: str) -> None:
        self.client.indices.rollover(alias=alias, new_index=new_index)

    def put_mapping(self, index: str, properties: dict[str, Any]) -> None:
        """Add fields to an existing index's mapping."""
        self.client.indices.put_mapping(index=index, body={"properties": properties})

    def get_mapping(self, index: str) -> dict[str, Any]:
        """{index: properties}."""
        res = self.client.indices.get_mapping(index=index)
        return {i: v["mappings"].get("properties", {}) for i, v in res.items()}

    def refresh(self, index: str) -> None:
        self.client.indices.refresh(index=index)

    def search(self, index: str | None, body: dict[str, Any]) -> dict[str, Any]:
        if index is None:  # a point-in-time search names no index
            return dict(self.client.search(body=body))
        return dict(self.client.search(index=index, body=body))

    def count(self, index: str) -> int:
        return int(self.client.count(index=index)["count"])

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """The raw GET answer (with _source, _seq_no, _primary_term) or None if absent."""
        try:
            return dict(self.client.get(index=index, id=doc_id))
        except self.not_found:
            return None

    def mget_sources(
        self, index: str, ids: list[str], fields: list[str]
    ) -> dict[str, dict[str, Any]]:
        """{id: partial _source} of the ids found; realtime (no refresh needed)."""
        raise NotImplementedError

    def index(
        self,
        index: str,
        doc_id: str,
        doc: dict[str, Any] | str,
        *,
        create: bool = False,
        if_seq_no: int | None = None,
        if_primary_term: int | None = None,
        refresh: bool = False,
    ) -> dict[str, Any]:
        """The answer (``_seq_no`` and ``_primary_term`` of the written version among it)."""
        raise NotImplementedError

    def delete(
        self, index: str, doc_id: str, *, if_seq_no: int | None = None,
        if_primary_term: int | None = None,
    ) -> None:  # fmt: skip
        """Delete one document (only that version of it, with ``if_seq_no``)."""
        raise NotImplementedError

    def bulk_ndjson(self, index: str, body: str, filter_path: str) -> dict[str, Any]:
        """One bulk request from a body already in NDJSON (the caller built each line: no
        per-action serialisation); the answer trimmed to ``filter_path``."""
        raise NotImplementedError

    def scan(self, index: str, body: dict[str, Any], size: int) -> Iterator[dict[str, Any]]:
        """Every hit of ``body`` in no particular order (scroll, consistent snapshot)."""
        raise NotImplementedError

    def is_conflict(self, exc: Exception) -> bool:
        info = self.error_info(exc)
        return info is not None and info[0] == 409

    def streaming_bulk(
        self, actions: list[dict[str, Any]], *, chunk_size: int, max_chunk_bytes: int
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        """``helpers.streaming_bulk`` without raising on item errors or ApiErrors."""
        raise NotImplementedError

    def open_pit(self, index: str, keep_alive: str) -> str:
        raise NotImplementedError

    def close_pit(self, pit_id: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.client.close()


# --- the store ------------------------------------------------------------------------------


def _writers(raw: dict[str, Any] | None) -> list[str]:
    """The tokens of a feed-state document's last writers (``update_feed_state``)."""
    return list((raw or {}).get("_source", {}).get("write_ids") or [])


class EngineStore:
    """The Store protocol over Elasticsearch or OpenSearch (through an adapter)."""

    def __init__(
        self,
        adapter: EngineAdapter,
        *,
        url: str,
        options: EngineOptions | None = None,
        spool: Spool | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.adapter = adapter
        self.url = url  # already redacted by the factory
        self.options = options or EngineOptions()
        self.names = IndexNames(self.options.prefix)
        self.spool = spool
        self._sleep = sleep
        self.clock = clock  # month of the write index, ingest times
        self._set_up = False
        self._write_index: str | None = None
        self._older: list[str] = []  # backing indices before the write index (read-only months)

    # --- error translation ---------------------------------------------------------------
    def _fail(self, action: str, exc: Exception) -> StoreError:
        info = self.adapter.error_info(exc)
        if info is None:
            return StoreError(f"{action} failed on {self.url}: {exc}")
        status, etype, reason = info
        cause = classify(status, etype, reason)
        detail = f"HTTP {status} {etype}: {reason}" if status else f"no answer ({reason or etype})"
        return store_error(action, cause, detail, self.url)

    def _call(self, action: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except StoreError:
            raise
        except Exception as exc:
            if self.adapter.error_info(exc) is None:
                raise
            raise self._fail(action, exc) from exc

    # --- set-up -------------------------------------------------------------------------
    def setup(self) -> None:
        """Template, write alias and side indices; idempotent (safe from several processes)."""
        if self._set_up:
            return
        o = self.options
        self._call(
            "put index template",
            lambda: self.adapter.put_index_template(
                self.names.template,
                articles_template(self.names, shards=o.shards, replicas=o.replicas),
            ),
        )
        side = {
            self.names.alerts: alert_mappings(),
            self.names.feeds: FEED_MAPPINGS,
            self.names.meta: META_MAPPINGS,
        }
        for name, mappings in side.items():
            if not self._call("check index", lambda n=name: self.adapter.index_exists(n)):
                body = {
                    "settings": index_settings(shards=1, replicas=o.replicas),
                    "mappings": mappings,
                }
                self._create_quietly(name, body)
        self._ensure_write_index(self.clock())
        self._check_mappings()
        self._set_up = True

    def _create_quietly(self, name: str, body: dict[str, Any]) -> None:
        try:
            self.adapter.create_index(name, body)
        except Exception as exc:
            info = self.adapter.error_info(exc)
            if info and "resource_already_exists" in info[1]:
                return  # another process won the race
            if info is None:
                raise
            raise self._fail(f"create index {name}", exc) from exc

    def _ensure_write_index(self, now: datetime) -> str:
        """The month's backing index behind the write alias (created or rolled over)."""
        wanted = self.names.articles_month(now)
        if self._write_index == wanted:
            return wanted
        alias = self.names.articles
        backing = self._call("read alias", lambda: self.adapter.alias_indices(alias))
        current = next((i for i, w in backing.items() if w), None)
        if current is None and len(backing) == 1:
            current = next(iter(backing))
        if not backing:
            self._create_quietly(wanted, {"aliases": {alias: {"is_write_index": True}}})
        elif current != wanted and (current is None or current < wanted):
            try:
                self.adapter.rollover(alias, wanted)
            except Exception as exc:
                info = self.adapter.error_info(exc)
                if not (info and "resource_already_exists" in info[1]):
                    raise self._fail("roll over the articles alias", exc) from exc
        else:
            wanted = current or wanted  # a clock behind the alias: keep writing where it points
        self._write_index = wanted
        self._older = sorted(i for i in backing if i != wanted)
        return wanted

    def _check_mappings(self) -> None:
        mappings = self._call(
            "read mappings", lambda: self.adapter.get_mapping(self.names.articles)
        )
        problems = [
            f"{index}: {p}" for index, props in mappings.items() for p in mapping_conflicts(props)
        ]
        if problems:
            raise store_error("check mappings", "mapping", "; ".join(problems), self.url)
        for index, props in mappings.items():
            extra = missing_fields(props)
            if not extra:
                continue
            try:
                self.adapter.put_mapping(index, extra)
            except Exception as exc:
                # Not fatal: only corrections to this index's articles go unalerted.
                log.warning("%s: cannot add %s to %s: %s", self.url, sorted(extra), index, exc)

    # --- articles -------------------------------------------------------------------------
    def upsert_articles(self, articles: Iterable[Article]) -> int:
        """Write (or overwrite by id) the articles; returns how many the store accepted.

        With the engine down (or answering 5xx past the retries) the not-yet-written
        articles go to the on-disk spool and are replayed first thing on a later call.
        """
        arts = list(articles)
        self.replay_spool()
        if not arts:
            return 0
        preset = {a.id for a in arts if a.ingested_at is not None}
        try:
            self.setup()
            return self._write(arts, preset)
        except _Unwritten as pending:
            return len(arts) - len(pending.articles) + self._spool_or_raise(pending)
        except StoreError as exc:
            if exc.cause != "unreachable":
                raise
            return self._spool_or_raise(_Unwritten(arts, exc, preset))

    def _spool_or_raise(self, pending: _Unwritten) -> int:
        if self.spool is None:
            raise pending.error
        records = [pending.spool_record(a) for a in pending.articles]
        try:
            self.spool.append(records)
        except SpoolFull as exc:
            raise StoreError(
                f"{pending.error} — and the spool is full: {exc}", cause=pending.error.cause
            ) from exc
        log.warning(
            "%s: %d articles kept in the spool at %s (%s)",
            self.url,
            len(records),
            self.spool.directory,
            pending.error,
        )
        return len(records)

    def replay_spool(self) -> int:
        """Write spooled articles (oldest first); returns how many were replayed."""
        if self.spool is None or not self.spool.has_pending():
            return 0

        def write(records: list[dict[str, Any]]) -> None:
            arts = [Article.from_dict(r["article"]) for r in records]
            landed = datetime.now(UTC)
            for art in arts:
                if art.revision and art.updated_at is not None:
                    # A correction counts from when it lands, as an ingest does: the alerts
                    # watermark may have moved past its correction time while it waited.
                    art.updated_at = landed
            self.setup()
            try:
                self._write(
                    arts,
                    preset={a.id for a, r in zip(arts, records, strict=True) if r.get("preset")},
                )
            except _Unwritten as pending:
                raise pending.error from None

        try:
            return self.spool.drain(write)
        except StoreError as exc:
            if exc.cause != "unreachable":
                raise
            log.warning("%s: spool not replayed yet: %s", self.url, exc)
            return 0

    def _write(self, arts: list[Article], preset: set[str] | None = None) -> int:
        """Bulk-write in chunks; raise _Unwritten with what is left when the engine is gone."""
        preset = {a.id for a in arts if a.ingested_at is not None} if preset is None else preset
        written = 0
        size = self.options.chunk_size
        try:
            index = self._ensure_write_index(self.clock())
        except StoreError as exc:
            if exc.cause != "unreachable":
                raise
            raise _Unwritten(arts, exc, preset) from exc
        chunks = [arts[i : i + size] for i in range(0, len(arts), size)]
        # Documents for chunk k+1 are built (CPU: normalisation, JSON-ready dicts) while
        # chunk k is in flight; the socket wait releases the GIL.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rasid-docs") as pool:
            upcoming = pool.submit(_build_docs, chunks[0]) if chunks else None
            for k, chunk in enumerate(chunks):
                assert upcoming is not None
                docs = upcoming.result()
                if k + 1 < len(chunks):
                    upcoming = pool.submit(_build_docs, chunks[k + 1])
                try:
                    written += self._write_chunk(chunk, docs, index)
                except StoreError as exc:
                    if exc.cause != "unreachable":
                        raise
                    raise _Unwritten(arts[k * size :], exc, preset) from exc
        if self.options.refresh:
            try:
                self.adapter.refresh(self.names.articles)
            except Exception as exc:
                log.warning("%s: refresh after bulk failed: %s", self.url, exc)
        return written

    def _in_older_months(self, ids: list[str]) -> dict[str, tuple[str, str | None]]:
        """{id: (backing index, ingested_at)} for ids stored in an earlier month's index.

        Only the read-only months are searched: a search on the index being written would
        keep its shards from going search-idle and force a refresh every second of a load.
        """
        if not self._older:
            return {}
        body = {"query": {"ids": {"values": ids}}, "size": len(ids), "_source": ["ingested_at"]}
        res = self._call(
            "look up existing articles", lambda: self.adapter.search(",".join(self._older), body)
        )
        return {
            h["_id"]: (h["_index"], h["_source"].get("ingested_at")) for h in res["hits"]["hits"]
        }

    def _write_chunk(
        self, chunk: list[Article], docs: dict[str, dict[str, Any]], write_index: str
    ) -> int:
        """New articles are *created* in the write index; an id that is already there (409)
        is read back (realtime mget) and overwritten keeping its first ingest time, and one
        from an earlier month is overwritten in that month's index. No id is ever written
        twice."""
        now = self.clock()
        latest = {a.id: a for a in chunk}  # a repeated id in one batch: the last version wins
        older = self._in_older_months(list(latest))
        actions = []
        for art in latest.values():
            if art.id in older:
                index, first = older[art.id]
                if first:
                    # Keep the first ingest time: alerts read by ingest time must not refire.
                    art.ingested_at = datetime.fromisoformat(first)
                actions.append(_action("index", index, art, docs[art.id]))
            else:
                art.ingested_at = art.ingested_at or now
                actions.append(_action("create", write_index, art, docs[art.id]))
        written, conflicts = self._bulk_with_retry(actions)
        if conflicts:
            firsts = self._call(
                "read existing articles",
                lambda: self.adapter.mget_sources(write_index, conflicts, ["ingested_at"]),
            )
            again = []
            for doc_id in conflicts:
                art = latest[doc_id]
                first = (firsts.get(doc_id) or {}).get("ingested_at")
                if first:
                    art.ingested_at = datetime.fromisoformat(first)
                again.append(_action("index", write_index, art, docs[doc_id]))
            more, _ = self._bulk_with_retry(again)
            written += more
        return written

    def _bulk_with_retry(self, actions: list[dict[str, Any]]) -> tuple[int, list[str]]:
        """(written, ids whose ``create`` found the id already there)."""
        o = self.options
        pending = actions
        written = 0
        conflicts: list[str] = []
        last = "no answer"
        last_status: int | None = None
        for attempt in range(o.retries + 1):
            if attempt:
                self._sleep(min(o.backoff_max_s, o.backoff_s * 2 ** (attempt - 1)))
            by_id = {a["_id"]: a for a in pending}
            done: set[str] = set()
            again: list[dict[str, Any]] = []
            fatal: list[tuple[str, int, str, str]] = []
            try:
                for ok, item in self.adapter.streaming_bulk(
                    pending, chunk_size=len(pending), max_chunk_bytes=o.max_chunk_bytes
                ):
                    op, info = next(iter(item.items()))
                    doc_id = str(info.get("_id"))
                    done.add(doc_id)
                    if ok:
                        written += 1
                        continue
                    status, etype, reason = _item_error(info, self.adapter)
                    if op == "create" and status == 409:
                        conflicts.append(doc_id)
                    elif retriable(status):
                        again.append(by_id[doc_id])
                        last, last_status = f"{etype}: {reason}", status
                    else:
                        fatal.append((doc_id, status or 0, etype, reason))
            except Exception as exc:
                info = self.adapter.error_info(exc)
                if info is None:
                    raise
                status, etype, reason = info
                if not retriable(status):
                    raise self._fail("bulk index", exc) from exc
                last, last_status = f"{etype}: {reason}", status
                again += [a for a in pending if a["_id"] not in done]
            if fatal:
                doc_id, status, etype, reason = fatal[0]
                cause = classify(status, etype, reason)
                detail = (
                    f"{len(fatal)} of {len(pending)} documents rejected; "
                    f"first [{doc_id}]: HTTP {status} {etype}: {reason}"
                )
                raise store_error("bulk index", cause, detail, self.url)
            if not again:
                return written, conflicts
            pending = again
        cause = classify(last_status, last, "")
        cause = "unreachable" if cause == "error" else cause
        raise store_error(
            "bulk index",
            cause,
            f"{len(pending)} documents still failing after {o.retries} retries ({last})",
            self.url,
        )

    def _search(self, action: str, index: str | None, body: dict[str, Any]) -> dict[str, Any]:
        self.setup()
        return self._call(action, lambda: self.adapter.search(index, body))

    def get_article(self, article_id: str) -> Article | None:
        res = self._search(
            "get article",
            self.names.articles,
            {
                "query": {"ids": {"values": [article_id]}},
                "size": 1,
                "_source": {"excludes": DERIVED_FIELDS},
            },
        )
        hits = res["hits"]["hits"]
        return doc_to_article(hits[0]["_source"]) if hits else None

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        found: set[str] = set()
        for i in range(0, len(ids), 1000):
            chunk = ids[i : i + 1000]
            res = self._search(
                "look up ids",
                self.names.articles,
                {"query": {"ids": {"values": chunk}}, "size": len(chunk), "_source": False},
            )
            found.update(h["_id"] for h in res["hits"]["hits"])
        return found

    def find_by_hash(self, content_hash: str) -> str | None:
        if not content_hash:
            return None
        res = self._search(
            "find by hash",
            self.names.articles,
            {
                "query": {"term": {"content_hash": content_hash}},
                "size": 1,
                "sort": [{"ingested_at": "asc"}, {"id": "asc"}],
                "_source": False,
            },
        )
        hits = res["hits"]["hits"]
        return hits[0]["_id"] if hits else None

    def search(self, query: SearchQuery) -> list[Hit]:
        res = self._search("search", self.names.articles, search_body(query))
        return [hit_from_response(h, query.text) for h in res["hits"]["hits"]]

    def search_raw(self, body: dict[str, Any]) -> dict[str, Any]:
        """Any query DSL against the articles (e.g. ``alerts.es_query.rule_to_query``)."""
        return self._search("search", self.names.articles, body)

    def _scan(
        self, action: str, query: dict[str, Any], page: int = 500
    ) -> Iterator[dict[str, Any]]:
        """Every matching article in ingest order, paged with a point in time + search_after."""
        self.setup()
        pit = self._call(action, lambda: self.adapter.open_pit(self.names.articles, "2m"))
        try:
            after: list[Any] | None = None
            while True:
                body: dict[str, Any] = {
                    "query": query,
                    "size": page,
                    # `id` is unique: a tiebreaker both engines accept (OpenSearch < 3.3 has
                    # no `_shard_doc`).
                    "sort": [{"ingested_at": "asc"}, {"id": "asc"}],
                    "pit": {"id": pit, "keep_alive": "2m"},
                    "_source": {"excludes": DERIVED_FIELDS},
                }
                if after is not None:
                    body["search_after"] = after
                res = self._call(action, lambda b=body: self.adapter.search(None, b))
                pit = res.get("pit_id", pit)
                hits = res["hits"]["hits"]
                yield from (h["_source"] for h in hits)
                if len(hits) < page:
                    return
                after = hits[-1]["sort"]
        finally:
            try:
                self.adapter.close_pit(pit)
            except Exception as exc:  # it expires anyway
                log.debug("closing point in time failed: %s", exc)

    def articles_ingested_since(
        self, since: datetime | None, until: datetime | None = None
    ) -> list[Article]:
        return self._articles_in("ingested_at", since, until, {"match_all": {}})

    def articles_updated_since(
        self, since: datetime | None, until: datetime | None = None
    ) -> list[Article]:
        # Only corrected articles carry updated_at.
        return self._articles_in("updated_at", since, until, {"exists": {"field": "updated_at"}})

    def _articles_in(
        self, field: str, since: datetime | None, until: datetime | None, unbounded: dict[str, Any]
    ) -> list[Article]:
        """Articles whose ``field`` lies in (since, until]; ``unbounded`` when neither is set."""
        rng: dict[str, Any] = {}
        if since is not None:
            rng["gt"] = to_iso(since)
        if until is not None:
            rng["lte"] = to_iso(until)
        query = {"range": {field: rng}} if rng else unbounded
        return [doc_to_article(s) for s in self._scan(f"articles by {field}", query)]

    def story_articles(self, key: str) -> list[Article]:
        """Stored articles of a story (``alerts.evaluate.story_key``: its story id, the
        original its copies name, or the article itself): what a ``min_story_size`` or
        ``spike`` rule counts across batches, not only in the batch at hand."""
        should = [{"term": {f: key}} for f in ("story_id", "duplicate_of", "id")]
        query = {"bool": {"should": should, "minimum_should_match": 1}}
        # One request for the usual story (an alert run asks once per story of the batch);
        # a point-in-time scan only for a story bigger than a page.
        body = {
            "query": query,
            "size": _STORY_PAGE,
            "sort": [{"ingested_at": "asc"}, {"id": "asc"}],
            "_source": {"excludes": DERIVED_FIELDS},
            "track_total_hits": True,
        }
        res = self._search("story articles", self.names.articles, body)
        hits = res["hits"]["hits"]
        if res["hits"]["total"]["value"] > len(hits):
            return [doc_to_article(s) for s in self._scan("story articles", query)]
        return [doc_to_article(h["_source"]) for h in hits]

    def iter_articles(self) -> Iterator[Article]:
        for src in self._scan("iterate articles", {"match_all": {}}):
            yield doc_to_article(src)

    def count(self) -> int:
        self.setup()
        return int(self._call("count", lambda: self.adapter.count(self.names.articles)))

    # --- feed state -----------------------------------------------------------------------
    def get_feed_state(self, feed_id: str) -> FeedState:
        self.setup()
        raw = self._call("get feed state", lambda: self.adapter.get(self.names.feeds, feed_id))
        return doc_to_feed_state(raw["_source"]) if raw else FeedState(feed_id=feed_id)

    def save_feed_state(self, state: FeedState) -> None:
        self.setup()
        doc = feed_state_to_doc(state)
        self._call(
            "save feed state",
            lambda: self.adapter.index(self.names.feeds, state.feed_id, doc, refresh=True),
        )

    def update_feed_state(
        self, feed_id: str, change: Callable[[FeedState], FeedState]
    ) -> FeedState:
        """Read-modify-write guarded by seq_no, as ``attach_to_alert``: a writer that saved
        between the read and the write makes this one read again and re-apply ``change``.

        Each write adds a token of its own to the last few writers' (``write_ids``, not
        mapped). The client retries a request that timed out; when the first attempt had
        landed, the retry meets a conflict with this very write, and the token, still there
        after another writer's save, shows it, so ``change`` (which counts attempts and
        failures) is not applied a second time."""
        self.setup()
        token = uuid4().hex
        raw = self._call("get feed state", lambda: self.adapter.get(self.names.feeds, feed_id))
        for _ in range(20):
            current = doc_to_feed_state(raw["_source"]) if raw else FeedState(feed_id=feed_id)
            new = change(current)
            try:
                self.adapter.index(
                    self.names.feeds,
                    feed_id,
                    feed_state_to_doc(new) | {"write_ids": [*_writers(raw)[-7:], token]},
                    create=raw is None,
                    if_seq_no=raw["_seq_no"] if raw else None,
                    if_primary_term=raw["_primary_term"] if raw else None,
                    refresh=True,
                )
                return new
            except Exception as exc:
                if not self.adapter.is_conflict(exc):
                    if self.adapter.error_info(exc) is None:
                        raise
                    raise self._fail("save feed state", exc) from exc
            raw = self._call("get feed state", lambda: self.adapter.get(self.names.feeds, feed_id))
            if token in _writers(raw):
                return new  # our own write, answered late and retried by the client
        raise StoreError(f"save feed state {feed_id}: too many concurrent updates")

    def all_feed_states(self) -> list[FeedState]:
        res = self._search(
            "list feed states",
            self.names.feeds,
            {"query": {"match_all": {}}, "size": 10_000, "sort": [{"feed_id": "asc"}]},
        )
        return [doc_to_feed_state(h["_source"]) for h in res["hits"]["hits"]]

    # --- alerts ---------------------------------------------------------------------------
    def record_alert(self, alert: Alert) -> bool:
        self.setup()
        doc = alert_to_doc(alert)
        try:
            self.adapter.index(self.names.alerts, alert.id, doc, create=True, refresh=True)
        except Exception as exc:
            if self.adapter.is_conflict(exc):
                return False  # one alert per rule and story
            if self.adapter.error_info(exc) is None:
                raise
            raise self._fail("record alert", exc) from exc
        return True

    def attach_to_alert(self, alert_id: str, article_id: str, source: str) -> None:
        """Read-modify-write guarded by seq_no (no scripts: the ES test node has no painless)."""
        self.setup()
        for _ in range(10):
            raw = self._call("read alert", lambda: self.adapter.get(self.names.alerts, alert_id))
            if raw is None:
                return
            doc = raw["_source"]
            ids = list(dict.fromkeys([*(doc.get("article_ids") or []), article_id]))
            others = set(doc.get("other_sources") or [])
            if source and source != doc.get("source"):
                others.add(source)
            if ids == doc.get("article_ids") and sorted(others) == sorted(
                doc.get("other_sources") or []
            ):
                return
            doc["article_ids"], doc["other_sources"] = ids, sorted(others)
            try:
                self.adapter.index(
                    self.names.alerts,
                    alert_id,
                    doc,
                    if_seq_no=raw["_seq_no"],
                    if_primary_term=raw["_primary_term"],
                    refresh=True,
                )
                return
            except Exception as exc:
                if not self.adapter.is_conflict(exc):
                    if self.adapter.error_info(exc) is None:
                        raise
                    raise self._fail("attach to alert", exc) from exc
        raise StoreError(f"attach to alert {alert_id}: too many concurrent updates")

    def recent_alerts(self, limit: int = 50, rule_id: str | None = None) -> list[Alert]:
        query = {"term": {"rule_id": rule_id}} if rule_id is not None else {"match_all": {}}
        res = self._search(
            "recent alerts",
            self.names.alerts,
            {
                "query": query,
                "size": limit,
                "sort": [{"fired_at": "desc"}, {"id": "asc"}],
            },
        )
        return [doc_to_alert(h["_source"]) for h in res["hits"]["hits"]]

    # --- bookkeeping ----------------------------------------------------------------------
    def get_watermark(self, name: str) -> datetime | None:
        self.setup()
        raw = self._call("get watermark", lambda: self.adapter.get(self.names.meta, name))
        return datetime.fromisoformat(raw["_source"]["value"]) if raw else None

    def set_watermark(self, name: str, value: datetime) -> None:
        self.setup()
        doc = {"name": name, "value": to_iso(value)}
        self._call(
            "set watermark", lambda: self.adapter.index(self.names.meta, name, doc, refresh=True)
        )

    def dedup_state(self, **kwargs: Any) -> EngineDedupState:
        """Deduplication state kept in this engine (``store.dedup_engine.EngineDedupState``),
        shared by every process using the same engine and prefix."""
        from store.dedup_engine import EngineDedupState

        return EngineDedupState(self, **kwargs)

    def close(self) -> None:
        self.adapter.close()


def _build_docs(chunk: list[Article]) -> dict[str, dict[str, Any]]:
    return {a.id: article_to_doc(a) for a in chunk}


def _action(op: str, index: str, art: Article, doc: dict[str, Any]) -> dict[str, Any]:
    """A bulk action; the ingest time is settled only now (first write or kept)."""
    doc["ingested_at"] = to_iso(art.ingested_at)
    return {"_op_type": op, "_index": index, "_id": art.id, "_source": doc}


class _Unwritten(Exception):
    """Articles left unwritten because the engine stopped answering (internal)."""

    def __init__(self, articles: list[Article], error: StoreError, preset: set[str]) -> None:
        super().__init__(str(error))
        self.articles = articles
        self.error = error
        self.preset = preset

    def spool_record(self, art: Article) -> dict[str, Any]:
        """The article as it will be replayed: ingest time is set when it really lands."""
        was_preset = art.id in self.preset
        d = art.to_dict()
        if not was_preset:
            d["ingested_at"] = None
        return {"article": d, "preset": was_preset}


def _item_error(info: dict[str, Any], adapter: EngineAdapter) -> tuple[int | None, str, str]:
    """(status, type, reason) of one failed bulk item."""
    exc = info.get("exception")
    if isinstance(exc, Exception):
        got = adapter.error_info(exc)
        if got is not None:
            return got
    status = info.get("status")
    status = status if isinstance(status, int) else None
    error = info.get("error")
    if isinstance(error, dict):
        return status, str(error.get("type", "")), str(error.get("reason", ""))
    return status, "", str(error or "")


def store_from_url(
    url: str,
    kind: str,
    make_adapter: Callable[..., EngineAdapter],
    auth_arg: str,
    spool_dir: str | Path | None = None,
) -> EngineStore:
    """An EngineStore for a parsed store URL; the clients differ only in the adapter class
    and in what they call the basic-auth argument (``basic_auth`` vs ``http_auth``)."""
    parsed = parse_store_url(url)
    options = parsed.options()
    auth = (parsed.username, parsed.password or "") if parsed.username else None
    adapter = make_adapter(
        list(parsed.hosts),
        verify_certs=parsed.flag("verify_certs", True),
        ca_certs=parsed.params.get("ca_certs"),
        timeout=float(parsed.params.get("timeout", 30)),
        **{auth_arg: auth},
    )
    return EngineStore(
        adapter,
        url=parsed.redacted,
        options=options,
        spool=spool_for(parsed, kind, options.prefix, spool_dir),
    )
