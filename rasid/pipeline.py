"""One ingestion cycle: poll -> fetch -> extract -> language -> dedup -> enrich -> index -> alerts.

This module only wires stages together; each stage is a function in ingest/, processing/,
store/ or alerts/. The CLI and the Airflow DAGs call the functions below and nothing else.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.extract import extract_article
from ingest.feeds import FeedPoll, poll_feed
from ingest.http import FetchError, HttpClient, HttpSettings
from ingest.revisions import (
    Revision,
    item_key,
    note_listed,
    note_refetched,
    note_stored,
    revised_items,
)
from ingest.schedule import (
    SEEN_GUIDS_KEPT,
    ItemFailure,
    ItemRetryPolicy,
    apply_poll,
    is_due,
    record_item_failures,
)
from ingest.state_merge import merge_feed_state, snapshot
from ingest.websub import poll_deferred_by_push
from processing.assemble import assemble_article
from processing.corrections import apply_correction, lost_page
from processing.dedup import DedupConfig, DedupResult, DedupState, deduplicate
from processing.enrich import enrich
from processing.enrich import warm_up as warm_up_enrichment
from processing.language import detect_language
from processing.urls import canonical_url
from rasid import site_templates
from rasid.config import Settings, load_settings
from rasid.records import Alert, Article, Feed, FeedItem, FeedState, FetchedPage, article_id
from store.base import Store, StoreError
from store.dedup_sqlite import SqliteDedupState
from store.dedup_sqlite import connect as dedup_connect
from store.spool import Spool, SpoolFull

__all__ = [
    "CycleReport",
    "Settings",
    "evaluate_and_deliver",
    "load_settings",
    "maintenance",
    "poll_feed_task",
    "process_feed_batch",
    "run_cycle",
]

Progress = Callable[[str, dict[str, Any]], None]
ALERT_LOOKBACK = timedelta(minutes=15)
# Sent outbox rows older than this are forgotten by maintenance. A sent row is what stops
# an alert handed to deliver() again from going out twice, and alerts are handed again
# only within ALERT_LOOKBACK of their article (a rerun, a run that died before queueing):
# 30 days is far beyond that, and short enough that the file does not grow for ever.
# Given-up (dead) rows are not pruned: they wait for `rasid alerts outbox --retry/--purge`.
OUTBOX_SENT_KEPT = timedelta(days=30)


def _quiet(event: str, data: dict[str, Any]) -> None:
    return None


@dataclass
class FeedOutcome:
    feed_id: str
    status: str  # ok | not-modified | error
    error: str | None = None
    new: int = 0
    unchanged: int = 0
    failed: int = 0
    indexed: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    held: int = 0  # kept for the next run: the dedup state was unreachable
    item_errors: list[str] = field(default_factory=list)
    # Items given up this poll after their attempts (ingest.schedule.ItemRetryPolicy).
    given_up: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    # Corrections: stored items fetched again because the feed says they changed, and how
    # many of them changed and were updated in place (ingest/revisions.py).
    rechecked: int = 0
    corrected: int = 0
    corrected_ids: list[str] = field(default_factory=list)  # documents updated in place


@dataclass
class CycleReport:
    started_at: datetime
    feeds: list[FeedOutcome] = field(default_factory=list)
    articles_indexed: int = 0
    entities: int = 0
    places: int = 0
    claims: int = 0
    stories: int = 0  # distinct stories the cycle's articles joined or opened
    alerts_fired: int = 0
    alerts_delivered: int = 0
    alerts_failed: int = 0  # deliveries that failed in this cycle and will be retried
    alerts_dead: int = 0  # deliveries given up in this cycle (kept in the outbox as dead)
    alerts_dead_total: int = 0  # dead deliveries in the outbox (`rasid alerts outbox`)
    # new alerts the outbox already recorded as sent (an outbox shared with another store)
    alerts_already_sent: int = 0
    alerts_pending: int = 0  # deliveries still waiting in the outbox (held or failed)
    outbox: str = ""  # the outbox file this cycle delivered through
    alert_errors: list[str] = field(default_factory=list)
    encodings: dict[str, int] = field(default_factory=dict)
    extraction_methods: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    held_finished: int = 0  # articles held by an earlier run, finished by this one
    articles_corrected: int = 0  # stored articles updated in place (same id) by a correction
    elapsed_s: float = 0.0
    # A story covered by several feeds is one story.
    _story_ids: set[str] = field(default_factory=set, repr=False)

    @property
    def feeds_failed(self) -> list[FeedOutcome]:
        return [f for f in self.feeds if f.status == "error"]

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.feeds)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["_story_ids"]
        d["started_at"] = self.started_at.isoformat()
        for key in ("new", "unchanged", "failed", "exact_duplicates", "near_duplicates"):
            d[f"items_{key}" if key in {"new", "unchanged", "failed"} else key] = self.total(key)
        d["feeds_polled"] = len(self.feeds)
        d["feeds_failed"] = len(self.feeds_failed)
        return d


def http_settings(settings: Settings) -> HttpSettings:
    cfg = settings.http
    kwargs: dict[str, Any] = {
        "connect_timeout": cfg.connect_timeout,
        "read_timeout": cfg.read_timeout,
        "total_timeout": cfg.total_timeout,
        "max_bytes": cfg.max_bytes,
        "max_redirects": cfg.max_redirects,
        "allow_private_networks": settings.allow_private_networks,
        "per_host_concurrency": cfg.per_host_concurrency,
        "politeness_delay": cfg.politeness_delay,
    }
    if cfg.user_agent:
        kwargs["user_agent"] = cfg.user_agent
    return HttpSettings(**kwargs)


@contextmanager
def _resources(
    settings: Settings, store: Store | None = None
) -> Iterator[tuple[HttpClient, Store]]:
    own_store = store is None
    st = store or settings.open_store()
    templates_file = site_templates.file_for(settings, st) if settings.site_templates else None
    if templates_file:
        site_templates.load_once(templates_file)
    try:
        with HttpClient(http_settings(settings)) as client:
            yield client, st
    finally:
        if templates_file:
            site_templates.save(templates_file)
        if own_store:
            st.close()


# --- stage 1: poll ------------------------------------------------------------------------
def _new_items(poll: FeedPoll, state: FeedState, store: Store) -> tuple[list[FeedItem], int]:
    """Drop items seen before (by GUID, then by canonical-URL id); count them as unchanged."""
    seen = set(state.seen_guids)
    fresh = [it for it in poll.items if it.guid not in seen]
    by_id = {article_id(canonical_url(it.url or it.guid)): it for it in fresh}
    known = store.known_ids(by_id)
    new = [it for aid, it in by_id.items() if aid not in known]
    return new, len(poll.items) - len(new)


def _mark_seen(state: FeedState, guids: list[str]) -> None:
    merged = list(dict.fromkeys([*state.seen_guids, *guids]))
    state.seen_guids = merged[-SEEN_GUIDS_KEPT:]


# --- stage 2: fetch + extract + language (I/O bound, runs in threads) ---------------------
@dataclass
class _Built:
    item: FeedItem
    article: Article | None
    error: str | None = None
    encoding: str = ""
    status: int | None = None  # HTTP status of a failed article page (404/410 count faster)


# Set while a cycle is being stopped (Ctrl-C, SIGTERM): page fetches not yet started end at
# once. Nothing of that cycle is saved, so the next run fetches them again.
_STOP = threading.Event()


def _build(client: HttpClient, item: FeedItem, settings: Settings) -> _Built:
    if _STOP.is_set():
        return _Built(item, None, f"{item.url or item.guid}: stopped")
    fetched_at = datetime.now(UTC)
    try:
        if not item.url:
            raise FetchError(item.guid, "the feed item has no link")
        page = client.get(item.url)
    except FetchError as exc:
        # The feed's own text keeps the item alive when the page cannot be had.
        if len(item.content or item.summary) < 40:
            return _Built(item, None, f"{item.url or item.guid}: {exc.reason}", status=exc.status)
        page = FetchedPage(url=item.url, final_url=item.url, status=0, body=b"")
    with _CPU_LOCK:
        try:
            extracted = extract_article(
                page,
                item,
                min_chars=settings.min_body_chars,
                templates=site_templates.REGISTRY if settings.site_templates else None,
            )
        except Exception as exc:  # one broken page must not stop the batch
            reason = f"extraction failed: {type(exc).__name__}: {exc}"
            return _Built(item, None, f"{item.url}: {reason}")
        if not extracted.body.strip() and not extracted.title.strip():
            return _Built(item, None, f"{item.url}: no text found on the page or in the feed")
        lang = detect_language(extracted.title, extracted.body)
        art = assemble_article(item, extracted, lang=lang, fetched_at=fetched_at)
    return _Built(item, art, encoding=extracted.encoding or "")


def _settle_items(
    state: FeedState, built: list[_Built], now: datetime, policy: ItemRetryPolicy
) -> tuple[FeedState, list[str], list[str]]:
    """Record this poll's items in the feed state: stored ones and given-up ones as seen,
    failed ones counted towards their bound. Returns (state, item errors, given-up lines).

    Only items that made it into the store, or were given up, count as seen: failures are
    retried next poll, and for that the caller keeps the feed's validators back while
    ``state.failing_items`` is not empty (the next poll must get the whole feed, not a 304).
    """
    failures = [
        ItemFailure(b.item.url or b.item.guid, b.item.guid, b.error, b.status)
        for b in built
        if b.error
    ]
    state, gave_up = record_item_failures(state, failures, now, policy)
    _mark_seen(
        state, [b.item.guid for b in built if b.article is not None] + [g["guid"] for g in gave_up]
    )
    given_up = {g["item"]: g["attempts"] for g in gave_up}
    errors, lines = [], []
    for f in failures:
        if f.key in given_up:
            n = given_up[f.key]
            lines.append(f"{f.error} (given up after {n} attempt{'s' * (n != 1)})")
            errors.append(lines[-1])
        else:
            n = state.failing_items[f.key]["attempts"]
            errors.append(f"{f.error} (attempt {n}; retried on the next poll)")
    return state, errors, lines


# --- stage 3: dedup + enrich + index (serial, so dedup sees every earlier article) --------
_DEDUP_LOCK = threading.Lock()  # one batch at a time in this process; SQLite locks across processes
# CPU-bound stages (extraction, language, enrichment) run one at a time in a process while
# other threads keep fetching. The GIL allows no more anyway, and letting 8 threads fight
# over it cost 1.5x the CPU per article (bench_pipeline: 32.8 vs 50.6 articles/CPU-s with
# 8 workers vs 1). The tagger's caches are not thread-safe either.
_CPU_LOCK = threading.Lock()


def dedup_db_path(settings: Settings, store: Store) -> Path | None:
    """The SQLite file of the dedup state: ``dedup_db`` when set, else the embedded store's
    own file. None beside a search engine: the state then lives in the engine
    (``store.dedup_engine``), shared by every process and machine using it. Setting
    ``dedup_db`` keeps it in that file instead, shared only by processes that can open it."""
    if settings.dedup_db:
        Path(settings.dedup_db).parent.mkdir(parents=True, exist_ok=True)
        return Path(settings.dedup_db)
    if callable(getattr(store, "dedup_state", None)):
        return None
    path = getattr(store, "path", None)
    db = Path(path) if path else Path("data/dedup-state.db")
    db.parent.mkdir(parents=True, exist_ok=True)
    return db


@contextmanager
def _dedup_state(settings: Settings, store: Store) -> Iterator[DedupState]:
    """The batch's dedup state: in the engine, or on a SQLite connection closed afterwards."""
    path = dedup_db_path(settings, store)
    if path is None:
        yield store.dedup_state()  # type: ignore[attr-defined]
        return
    with closing(dedup_connect(path)) as conn:
        yield SqliteDedupState(conn)


# Dedup state in a dead search engine must not lose the batch: it waits, not deduplicated,
# in a spool of its own beside the store's (``<spool>/undeduplicated``), and the next run
# finishes it first thing (dedup, enrichment, index), before it polls again.
_HELD_DIR = "undeduplicated"
_log = logging.getLogger(__name__)


def _held_spool(store: Store) -> Spool | None:
    spool = getattr(store, "spool", None)
    if spool is None or not callable(getattr(store, "dedup_state", None)):
        return None
    held = Spool(Path(spool.directory) / _HELD_DIR)
    # One quota for both: what the index spool holds leaves that much less for this one
    # (the index spool's used_bytes counts this sub-spool too).
    held.quota_bytes = spool.quota_bytes - (spool.used_bytes() - held.used_bytes())
    return held


def _hold(articles: list[Article], store: Store, settings: Settings, exc: StoreError) -> bool:
    """Keep a batch whose dedup state is unreachable; False if it cannot be kept here."""
    held = _held_spool(store) if dedup_db_path(settings, store) is None else None
    if held is None or exc.cause not in ("unreachable", "read-only", "locked", "error"):
        return False
    try:
        held.append([a.to_dict() for a in articles])
    except SpoolFull as full:
        raise StoreError(f"{exc} — and the spool is full: {full}", cause=exc.cause) from exc
    _log.warning(
        "dedup state unreachable (%s): %d articles held in %s for the next run",
        exc,
        len(articles),
        held.directory,
    )
    return True


def finish_held(store: Store, settings: Settings) -> int:
    """Deduplicate, enrich and index the batches held while the dedup state was down
    (oldest first); returns how many articles were finished. A failure keeps the rest."""
    held = _held_spool(store)
    if held is None or not held.has_pending():
        return 0

    def write(records: list[dict[str, Any]]) -> None:
        arts = [Article.from_dict(r) for r in records]
        _finish(arts, store, settings, datetime.now(UTC), hold=False)

    try:
        return held.drain(write)
    except StoreError as exc:
        _log.warning("held articles not finished yet: %s", exc)
        return 0


def _dedup(articles: list[Article], store: Store, settings: Settings, now: datetime) -> DedupResult:
    config = DedupConfig(window_hours=settings.dedup_window_hours)
    with _DEDUP_LOCK, _dedup_state(settings, store) as state:
        return deduplicate(articles, state, now, config)


_WARM = False


def _warm_once() -> None:
    """Load the gazetteers and the tagger, and freeze the heap (see warm_up). Called under
    _CPU_LOCK."""
    global _WARM
    if not _WARM:
        warm_up_enrichment(freeze_heap=True)
        _WARM = True


def _finish(
    articles: list[Article],
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    hold: bool = True,
) -> list[tuple[Article, str]]:
    """Dedup, enrich and index a batch; returns (article, verdict kind) for what was written.
    With ``hold``, a batch whose dedup state is unreachable is kept for the next run
    (``finish_held``) and reported as ``held``."""
    if not articles:
        return []
    try:
        result = _dedup(articles, store, settings, now)
    except StoreError as exc:
        if hold and _hold(articles, store, settings, exc):
            return [(a, "held") for a in articles]
        raise
    # A re-poll of a stored article is not written again. One that dedup saw but the store
    # lacks (a run killed between the two) is written, so nothing is lost.
    repolls = [a.id for a, v in result if v.kind == "same-url"]
    stored = store.known_ids(repolls) if repolls else set()
    keep = [(a, v.kind) for a, v in result if not (v.kind == "same-url" and a.id in stored)]
    originals: dict[str, Article] = {}
    for art, kind in keep:
        if kind == "exact" and art.duplicate_of:
            # An exact copy carries the same entities; reuse them instead of redoing the work.
            original = originals.get(art.duplicate_of) or store.get_article(art.duplicate_of)
            if original is not None:
                art.entities, art.places, art.claims = (
                    original.entities,
                    original.places,
                    original.claims,
                )
                continue
        _enrich(art)
        originals[art.id] = art
    store.upsert_articles([a for a, _ in keep])
    return keep


def _enrich(art: Article) -> None:
    """Entities, places and claims of an Arabic article (others get none), in place."""
    if art.lang == "ar":
        with _CPU_LOCK:
            _warm_once()
            enr = enrich(art.title, art.body)
        art.entities, art.places, art.claims = enr.entities, enr.places, enr.claims


# --- corrections: stored articles the feed says changed (ingest/revisions.py) -------------
# A re-fetch that settled the item: its new version becomes the baseline. "failed" (no page)
# and "error" (the store refused the write) keep the old one, to be tried on a later poll.
_SETTLED = frozenset({"corrected", "unchanged", "missing"})


@dataclass
class _Recheck:
    """A stored item fetched again, and what became of it: corrected | unchanged | missing
    (no stored document to correct) | failed (no page) | error (the write failed)."""

    revision: Revision
    built: _Built
    result: str = ""
    stored_id: str | None = None
    article: Article | None = None  # the corrected document, once written
    reason: str = ""  # why a re-fetch failed, for the report


def _correct(
    rechecks: list[_Recheck], store: Store, now: datetime, skip: set[str]
) -> list[Article]:
    """Update in place the stored documents whose re-fetched title or body changed, through
    the store's ordinary upsert (same id: a rerun never duplicates; the store keeps the
    first ingest time). An unchanged re-fetch writes nothing. ``skip``: ids this cycle wrote
    as new articles. Never raises: a failed correction is tried again on a later poll."""
    updates: dict[str, Article] = {}
    for rc in rechecks:
        fresh = rc.built.article
        if fresh is None:
            rc.result, rc.reason = "failed", rc.built.error or "no page"
            continue
        candidates = (rc.revision.stored_id, rc.revision.key, fresh.id)
        stored: Article | None = None
        try:
            for aid in dict.fromkeys(c for c in candidates if c):
                stored = updates.get(aid) or store.get_article(aid)
                if stored is not None:
                    break
        except Exception as exc:  # the store is unreachable: try again on a later poll
            _log.warning("correction of %s not applied: %s", fresh.url, exc)
            rc.result = "error"
            continue
        if stored is None:
            # Given up before it was ever stored, or dropped by retention: nothing to correct.
            rc.result = "missing"
            continue
        rc.stored_id = stored.id
        if stored.id not in skip and lost_page(stored, fresh):
            _log.warning("correction of %s not applied: the page fell back to %s", fresh.url,
                         fresh.extraction)  # fmt: skip
            rc.result = "failed"  # the page was not had: tried again on a later poll
            rc.reason = f"the page was not had (only the feed's {fresh.extraction})"
            continue
        corrected = None if stored.id in skip else apply_correction(stored, fresh, now)
        if corrected is None:
            rc.result = "unchanged"
            continue
        try:
            _enrich(corrected)
        except Exception as exc:  # one bad page must not cost the other corrections
            _log.warning("correction of %s not enriched: %s", fresh.url, exc)
            rc.result = "error"
            continue
        updates[stored.id] = corrected
        rc.result, rc.article = "corrected", corrected
    if not updates:
        return []
    try:
        store.upsert_articles(list(updates.values()))
    except Exception as exc:
        _log.warning("%d corrections not written: %s", len(updates), exc)
        for rc in rechecks:
            if rc.result == "corrected":
                rc.result = "error"
        return []
    return list(updates.values())


def _correct_all(fetched: list[_Fetched], store: Store, skip: set[str]) -> None:
    rechecks = [rc for f in fetched for rc in f.rechecks]
    if rechecks:
        _correct(rechecks, store, datetime.now(UTC), skip)


def _note_versions(
    state: FeedState, listed: list[FeedItem], built: list[_Built], rechecks: list[_Recheck]
) -> None:
    """Record in the feed state the versions this poll saw: listed items (baselines), new
    items stored, and the re-fetches spent on revised ones."""
    note_listed(state, listed, skip=[item_key(b.item) for b in built])
    _note_results(state, built, rechecks)


def _note_results(state: FeedState, built: list[_Built], rechecks: list[_Recheck]) -> None:
    """New items stored become baselines; each re-fetch is spent (a store error is not the
    outlet's doing and costs none), and a settled one makes its new version the baseline."""
    for b in built:
        if b.article is not None:
            note_stored(state, b.item, b.article.id)
    for rc in rechecks:
        note_refetched(
            state,
            rc.revision,
            done=rc.result in _SETTLED,
            stored_id=rc.stored_id,
            spent=rc.result != "error",
        )


def _recheck_errors(rechecks: list[_Recheck]) -> list[str]:
    return [
        f"{rc.revision.item.url}: correction not fetched, tried again next poll: {rc.reason}"
        for rc in rechecks
        if rc.result == "failed"
    ]


@dataclass
class _Fetched:
    """A polled feed whose new items are fetched and extracted, waiting for the cycle's
    dedup batch; its state is saved only once that batch is written."""

    feed: Feed
    outcome: FeedOutcome
    state: FeedState
    previous: FeedState
    built: list[_Built]
    retry: ItemRetryPolicy = field(default_factory=ItemRetryPolicy)
    listed: list[FeedItem] = field(default_factory=list)  # every item of the poll
    rechecks: list[_Recheck] = field(default_factory=list)  # stored items fetched again

    @property
    def articles(self) -> list[Article]:
        return [b.article for b in self.built if b.article is not None]


def _enable_command(feed_id: str, settings: Settings) -> str:
    """The command that re-enables a feed, with the files this run used when they are not the
    defaults, so it can be pasted as it is."""
    from rasid.config import DEFAULT_FEEDS, DEFAULT_STORE

    cmd = f"rasid feeds --enable {feed_id}"
    if settings.feeds_path != DEFAULT_FEEDS:
        cmd += f" --feeds {settings.feeds_path}"
    if settings.store_url != DEFAULT_STORE:
        cmd += f" --store {settings.store_url}"
    return cmd


def _fetch_feed(
    feed: Feed,
    client: HttpClient,
    store: Store,
    pool: ThreadPoolExecutor,
    settings: Settings,
    progress: Progress,
    only_due: bool = False,
    pushed: bool = False,
    adaptive: bool = False,
) -> FeedOutcome | _Fetched:
    """Poll one feed and fetch its new items. A feed with nothing to process comes back as
    its final outcome, its state saved."""
    now = datetime.now(UTC)
    state = store.get_feed_state(feed.id)
    if state.disabled:
        reason = (
            f"disabled after {state.failures} failures (last: {state.last_error});"
            f" re-enable with `{_enable_command(feed.id, settings)}`"
        )
        progress("feed", {"feed": feed.id, "status": "disabled", "error": reason})
        return FeedOutcome(feed_id=feed.id, status="disabled", error=reason)
    # Backoff and Retry-After always hold; the adaptive interval only when asked for, so
    # `rasid watch --every 15` polls a healthy feed every 15 s.
    if only_due and not is_due(state, now) and (adaptive or state.failures):
        if state.failures:  # a feed in backoff says so; one resting on its interval need not
            progress("feed", {"feed": feed.id, "status": "backoff", "failures": state.failures,
                              "until": state.next_poll_at, "error": state.last_error})  # fmt: skip
        return FeedOutcome(feed_id=feed.id, status="not-due")
    if only_due and poll_deferred_by_push(state, now, pushed):
        # Its hub pushes new entries to `rasid websub serve`; a safety poll still runs (6 h).
        return FeedOutcome(feed_id=feed.id, status="pushed")
    poll = poll_feed(client, feed, state)
    outcome = FeedOutcome(feed_id=feed.id, status=poll.status, error=poll.error)
    items: list[FeedItem] = []
    if poll.status == "ok":
        items, outcome.unchanged = _new_items(poll, state, store)
    # Backoff, Retry-After, disabling after repeated failures and the adaptive interval.
    # `previous` is the merge base when the state is saved: a copy, so no later in-place
    # change to the new state's lists and tables can reach it.
    previous, state = snapshot(state), apply_poll(state, poll, now, new_items=len(items))
    state.last_poll_s = poll.elapsed_s
    if poll.status != "ok":
        _save_state(store, previous, state)
        progress("feed", {"feed": feed.id, "status": poll.status, "error": poll.error})
        return outcome
    outcome.new = len(items)
    revisions = revised_items(
        poll.items, state, settings.correction_refetches, skip=[item_key(it) for it in items]
    )
    # New items and revised ones are fetched together, on the same pool and host limits.
    todo = [*items, *(r.item for r in revisions)]
    built = list(pool.map(lambda it: _build(client, it, settings), todo))
    rechecks = [_Recheck(r, b) for r, b in zip(revisions, built[len(items) :], strict=True)]
    built = built[: len(items)]
    outcome.failed = sum(1 for b in built if b.error)  # _account words them, with attempts
    return _Fetched(
        feed, outcome, state, previous, built, settings.item_retry, poll.items, rechecks
    )


def _one_per_url(fetched: list[_Fetched]) -> list[Article]:
    """The cycle's articles, one per canonical URL. Two feeds can list the same page (an
    aggregator adds tracking parameters): the copy whose link is already canonical is the
    outlet's own and is kept, else the one of the feed listed first. Before, both were
    written under the one id and whichever thread wrote last won the source."""
    best: dict[str, Article] = {}
    for f in fetched:
        for art in f.articles:
            kept = best.get(art.id)
            if kept is None or (art.url == art.canonical_url and kept.url != kept.canonical_url):
                best[art.id] = art
    return list(best.values())


def _account(
    f: _Fetched, written: dict[int, str], store: Store, report: CycleReport, progress: Progress
) -> FeedOutcome:
    """One feed's share of the written batch: counts, report totals, and its saved state."""
    outcome = f.outcome
    for b in f.built:
        art = b.article
        if art is None:
            continue
        report.encodings[b.encoding] = report.encodings.get(b.encoding, 0) + 1
        kind = written.get(id(art))
        if kind is None:  # another feed's copy of the same page was kept
            outcome.unchanged += 1
            outcome.new -= 1
            continue
        if art.story_id:
            report._story_ids.add(art.story_id)
        if kind == "held":
            outcome.held += 1
            continue
        outcome.indexed += 1
        outcome.article_ids.append(art.id)
        if kind == "exact":
            outcome.exact_duplicates += 1
        elif kind == "near":
            outcome.near_duplicates += 1
        report.entities += len(art.entities)
        report.places += len(art.places)
        report.claims += len(art.claims)
        report.extraction_methods[art.extraction] = (
            report.extraction_methods.get(art.extraction, 0) + 1
        )
        report.languages[art.lang] = report.languages.get(art.lang, 0) + 1
    report.stories = len(report._story_ids)
    outcome.rechecked = len(f.rechecks)
    corrected = [rc.article for rc in f.rechecks if rc.result == "corrected" and rc.article]
    outcome.corrected = len(corrected)
    outcome.corrected_ids = [a.id for a in corrected]
    # A corrected item was listed before, so the poll counted it unchanged: it was not.
    outcome.unchanged = max(0, outcome.unchanged - outcome.corrected)
    report.articles_corrected += outcome.corrected
    for art in corrected:  # enriched again this run
        report.entities += len(art.entities)
        report.places += len(art.places)
        report.claims += len(art.claims)
    state, outcome.item_errors, outcome.given_up = _settle_items(
        f.state, f.built, datetime.now(UTC), f.retry
    )
    outcome.item_errors += _recheck_errors(f.rechecks)
    _note_versions(state, f.listed, f.built, f.rechecks)
    if state.failing_items or any(rc.result not in _SETTLED for rc in f.rechecks):
        # A re-fetch that failed is tried on the next full poll: a 304 would not list it.
        state = _keep_validators(state, f.previous)
    _save_state(store, f.previous, state)
    progress(
        "feed",
        {"feed": f.feed.id, "status": "ok", "new": outcome.new, "indexed": outcome.indexed,
         "failed": outcome.failed, "unchanged": outcome.unchanged, "held": outcome.held,
         "corrected": outcome.corrected},
    )  # fmt: skip
    return outcome


def _failed_feed(feed: Feed, exc: Exception, progress: Progress) -> FeedOutcome:
    reason = (
        f"store: {exc}"
        if isinstance(exc, StoreError)
        else f"internal error: {type(exc).__name__}: {exc}"
    )
    progress("feed", {"feed": feed.id, "status": "error", "error": reason})
    return FeedOutcome(feed.id, "error", reason)


def _finish_cycle(
    fetched: list[_Fetched],
    store: Store,
    settings: Settings,
    report: CycleReport,
    progress: Progress,
) -> dict[str, FeedOutcome]:
    """Dedup, enrich and index every fetched feed's articles as one batch, so the earliest
    published copy of a story is its original whichever feed answered first, and the story
    id is the same on every run. A store error fails every feed (none saves its state, so
    all are retried next run); any other failure is retried feed by feed, so one bad article
    costs only its own feed."""
    now = datetime.now(UTC)
    try:
        done = _finish(_one_per_url(fetched), store, settings, now)
    except StoreError as exc:  # the store is every feed's: each is retried next run
        return {f.feed.id: _failed_feed(f.feed, exc, progress) for f in fetched}
    except Exception:  # one feed's article must not cost the others theirs
        _log.warning("the cycle's batch failed; finishing feed by feed", exc_info=True)
    else:
        # Corrections after the new articles: a page that is new in this cycle is not
        # "corrected" by another feed's listing of it.
        _correct_all(fetched, store, {a.id for a, _ in done})
        return _account_all(fetched, {id(a): kind for a, kind in done}, store, report, progress)
    outcomes: dict[str, FeedOutcome] = {}
    for f in fetched:
        try:
            one = _finish(_one_per_url([f]), store, settings, now)
        except Exception as exc:  # one feed's failure must not end the cycle
            outcomes[f.feed.id] = _failed_feed(f.feed, exc, progress)
        else:
            _correct_all([f], store, {a.id for a, _ in one})
            written = {id(a): kind for a, kind in one}
            outcomes.update(_account_all([f], written, store, report, progress))
    return outcomes


def _account_all(
    fetched: list[_Fetched],
    written: dict[int, str],
    store: Store,
    report: CycleReport,
    progress: Progress,
) -> dict[str, FeedOutcome]:
    outcomes: dict[str, FeedOutcome] = {}
    for f in fetched:
        try:
            outcomes[f.feed.id] = _account(f, written, store, report, progress)
        except Exception as exc:  # its articles are written; its state is retried next run
            outcomes[f.feed.id] = _failed_feed(f.feed, exc, progress)
    return outcomes


def run_cycle(
    settings: Settings,
    *,
    store: Store | None = None,
    progress: Progress = _quiet,
    alerts: bool = True,
    only_due: bool = False,
    adaptive: bool = False,
) -> CycleReport:
    """Poll every feed once and process what is new; a bad feed never stops the others.

    ``only_due`` (used by ``rasid watch``) skips feeds in backoff (failures, Retry-After)
    and feeds a WebSub hub pushes; with ``adaptive`` also those whose adaptive interval
    has not elapsed. A single ``rasid run`` polls every enabled feed."""
    t0 = time.perf_counter()
    report = CycleReport(started_at=datetime.now(UTC))
    from rasid.websub_server import pushed_feed_ids

    _STOP.clear()  # a cycle stopped before this one left it set
    if alerts:
        # A broken rules file is found before anything is polled, not after indexing.
        from alerts.config import load_config

        load_config(settings.rules_path)

    feeds = settings.feeds
    pushed = pushed_feed_ids(settings) if only_due else set()
    progress("start", {"feeds": len(feeds)})
    outcomes: dict[str, FeedOutcome] = {}
    with _resources(settings, store) as (client, st), ThreadPoolExecutor(settings.workers) as pool:
        report.held_finished = finish_held(st, settings)
        # Feeds are polled and fetched concurrently; their articles are then finished as one
        # batch (`_finish_cycle`).
        polls = ThreadPoolExecutor(max(1, min(settings.workers, len(feeds) or 1)))
        fetched: list[_Fetched] = []
        try:
            futures = [
                polls.submit(
                    _fetch_feed,
                    f,
                    client,
                    st,
                    pool,
                    settings,
                    progress,
                    only_due,
                    f.id in pushed,
                    adaptive,
                )
                for f in feeds
            ]
            for fut, feed in zip(futures, feeds, strict=True):
                try:
                    got = fut.result()
                except Exception as exc:  # one feed's failure must not end the cycle
                    outcomes[feed.id] = _failed_feed(feed, exc, progress)
                    continue
                if isinstance(got, _Fetched):
                    fetched.append(got)
                else:
                    outcomes[feed.id] = got
        except BaseException:
            # Ctrl-C or SIGTERM: queued polls are dropped and queued page fetches end at once
            # (_STOP); requests under way end at their timeouts. Nothing is saved.
            _STOP.set()
            polls.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            polls.shutdown(wait=True)
        if fetched:
            progress("fetched", {"articles": sum(len(f.articles) for f in fetched)})
            outcomes.update(_finish_cycle(fetched, st, settings, report, progress))
        report.feeds = [outcomes[f.id] for f in feeds]
        report.articles_indexed = report.total("indexed")
        if alerts:
            try:
                res = evaluate_and_deliver(settings, store=st, progress=progress)
            except StoreError as exc:
                # The cycle's report still reaches the operator; the alert watermark did not
                # move, so the next run evaluates these articles again.
                report.alert_errors = [f"alerts not evaluated: {exc}"]
            else:
                report.alerts_fired = res["alerts"]
                report.alerts_delivered = res["delivered"]
                report.alerts_failed = res["failed"]
                report.alerts_dead = res["dead"]
                report.alerts_dead_total = res["dead_total"]
                report.alerts_already_sent = res["already_sent"]
                report.alerts_pending = res["pending"]
                report.outbox = res["outbox"]
                report.alert_errors = res["errors"]
    report.elapsed_s = time.perf_counter() - t0
    progress("end", {"elapsed_s": report.elapsed_s})
    return report


# --- Airflow-sized pieces -----------------------------------------------------------------
def poll_feed_task(
    settings: Settings, feed_id: str, *, store: Store | None = None
) -> dict[str, Any]:
    """Poll one feed and return its new items as JSON-able dicts (an XCom).

    Backoff and Retry-After hold as in ``rasid watch``: a feed in backoff comes back
    "not-due" with no items, unpolled and with no failure counted. Without this every
    scheduled run and every Airflow retry counted one more failure, and a feed was
    disabled after about ten minutes of outage. The adaptive interval does not apply:
    the DAG's schedule sets the pace of a healthy feed."""
    feed = settings.feed(feed_id)
    with _resources(settings, store) as (client, st):
        now = datetime.now(UTC)
        state = st.get_feed_state(feed.id)
        if state.disabled:
            return {"feed_id": feed_id, "status": "disabled", "error": state.last_error,
                    "new_items": []}  # fmt: skip
        if state.failures and not is_due(state, now):
            due = state.next_poll_at.isoformat() if state.next_poll_at else None
            n = state.failures
            why = (f"in backoff after {n} failure{'s' * (n != 1)} (last: {state.last_error});"
                   f" next poll at {due}")  # fmt: skip
            return {"feed_id": feed_id, "status": "not-due", "error": why,
                    "next_poll_at": due, "new_items": []}  # fmt: skip
        poll = poll_feed(client, feed, state)
        items: list[FeedItem] = []
        revisions: list[Revision] = []
        new_keys: list[str] = []
        if poll.status == "ok":
            items, _ = _new_items(poll, state, st)
            new_keys = [item_key(it) for it in items]
            revisions = revised_items(
                poll.items, state, settings.correction_refetches, skip=new_keys
            )
        new_state = apply_poll(snapshot(state), poll, now, new_items=len(items))
        new_state.last_poll_s = poll.elapsed_s
        if poll.status == "ok":
            # Baselines and pruning now; stored items and re-fetches in process_feed_batch.
            note_listed(new_state, poll.items, skip=new_keys)
        if items or revisions:
            # The validators move on only once the batch is indexed and the corrections
            # applied (process_feed_batch): if that task fails, the next poll gets the
            # full feed again, not a 304.
            new_state = _keep_validators(new_state, state)
        _save_state(st, state, new_state)
    return {
        "feed_id": feed_id,
        "status": poll.status,
        "error": poll.error,
        "etag": poll.etag,
        "last_modified": poll.last_modified,
        "new_items": [_item_to_dict(it) for it in items],
        # Stored items the feed says changed: fetched again by process_feed_batch.
        "revised_items": [_revision_to_dict(r) for r in revisions],
    }


def _keep_validators(state: FeedState, previous: FeedState) -> FeedState:
    return replace(state, etag=previous.etag, last_modified=previous.last_modified)


def _save_state(store: Store, read: FeedState, state: FeedState) -> FeedState:
    """Save what this run made of the state it ``read``, keeping what other writers (a
    WebSub push, another DAG run, `rasid feeds --enable`) saved since."""
    return store.update_feed_state(
        state.feed_id, lambda current: merge_feed_state(read, state, current)
    )


def process_feed_batch(
    settings: Settings, poll_result: dict[str, Any], *, store: Store | None = None
) -> dict[str, Any]:
    """Fetch, extract, process and index one feed's new items (from ``poll_feed_task``),
    and apply the corrections of its revised items."""
    items = [_item_from_dict(d) for d in poll_result.get("new_items", [])]
    revisions = [
        Revision(_item_from_dict(d["item"]), d["key"], d.get("stored_id"), d.get("reason", ""))
        for d in poll_result.get("revised_items") or []
    ]
    out: dict[str, Any] = {"feed_id": poll_result.get("feed_id"), "indexed": 0, "duplicates": 0,
                           "failed": 0, "article_ids": [], "errors": [],
                           "given_up": [], "corrected": 0}  # fmt: skip
    if not items and not revisions:
        return out
    with _resources(settings, store) as (client, st), ThreadPoolExecutor(settings.workers) as pool:
        finish_held(st, settings)
        todo = [*items, *(r.item for r in revisions)]
        built = list(pool.map(lambda it: _build(client, it, settings), todo))
        rechecks = [_Recheck(r, b) for r, b in zip(revisions, built[len(items) :], strict=True)]
        built = built[: len(items)]
        ok = [b.article for b in built if b.article is not None]
        finished = _finish(ok, st, settings, datetime.now(UTC))
        articles = [a for a, kind in finished if kind != "held"]
        out["held"] = len(finished) - len(articles)
        corrected = _correct(rechecks, st, datetime.now(UTC), {a.id for a, _ in finished})

        batch_keys = {b.item.url or b.item.guid for b in built}

        def settle(state: FeedState) -> FeedState:
            # Applied to the state as stored at the write (it may run again if a concurrent
            # writer raced it), so nothing saved since the poll is lost.
            others = (
                {k: v for k, v in state.failing_items.items() if k not in batch_keys}
                if poll_result.get("partial")
                else {}
            )
            state, out["errors"], out["given_up"] = _settle_items(
                state, built, datetime.now(UTC), settings.item_retry
            )
            state.failing_items = {**others, **state.failing_items}
            out["errors"] += _recheck_errors(rechecks)
            _note_results(state, built, rechecks)
            if not state.failing_items and all(rc.result in _SETTLED for rc in rechecks):
                state.etag = poll_result.get("etag") or state.etag
                state.last_modified = poll_result.get("last_modified") or state.last_modified
            return state

        st.update_feed_state(str(poll_result.get("feed_id")), settle)
    out["indexed"] = len(articles)
    out["duplicates"] = sum(1 for a in articles if a.duplicate_of)
    # Corrected ids count as articles of the run, so the alerts DAG judges their new text.
    out["article_ids"] = list(
        dict.fromkeys([*(a.id for a in articles), *(a.id for a in corrected)])
    )
    out["corrected"] = len(corrected)
    out["failed"] = len(out["errors"])
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def evaluate_and_deliver(
    settings: Settings,
    *,
    store: Store | None = None,
    since: datetime | None = None,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Run the alert rules over articles ingested since the last evaluation, then deliver.

    Judged by ingest time, so an item published hours ago but fetched now still alerts.

    Corrected articles (``Article.updated_at`` since the last evaluation) are judged again,
    for new matches only: a rule their story already alerted for is neither fired nor queued
    again (one alert per story and rule; an outbox channel added since would otherwise get
    a days-old alert because an outlet fixed a typo). A rule the corrected text matches for
    the first time fires as usual.
    """
    from alerts.config import load_config
    from alerts.deliver import deliver
    from alerts.evaluate import evaluate

    cfg = load_config(settings.rules_path)
    own = store is None
    st = store or settings.open_store()
    try:
        now = datetime.now(UTC)
        mark = since if since is not None else st.get_watermark("alerts")
        if mark is not None and since is None:
            # A concurrent run may commit articles stamped a little before our watermark;
            # alert ids are stable (rule, story), so looking back again costs no duplicate.
            mark -= ALERT_LOOKBACK
        articles = st.articles_ingested_since(mark, now)
        fresh = {a.id for a in articles}
        revised = [a for a in _articles_updated_since(st, mark, now) if a.id not in fresh]
        # Resolved before this run records its alerts: an old shared outbox.db is adopted
        # only by a store whose earlier alerts it holds (rasid.config.store_outbox).
        outbox = settings.outbox_for(st)
        known: list[Alert] = []
        fired = evaluate(cfg.rules, articles, st, now, existing=known)
        # A story's older alert is not queued again for a corrected article (a channel
        # added since would get a days-old alert for a fixed typo), but one fired within
        # this evaluation's window is: a run killed between recording it and queueing it
        # would lose it otherwise. The outbox ignores a delivery it already holds.
        known_revised: list[Alert] = []
        fired += evaluate(cfg.rules, revised, st, now, existing=known_revised)
        known += [a for a in known_revised if mark is None or _aware(a.fired_at) >= mark]
        # Known alerts go to deliver() too: the outbox ignores a key it already holds, and
        # one recorded by a run that died before queueing it is queued now, not lost.
        # Every configured channel, enabled or not: deliver() tells a disabled channel
        # from one removed from the file.
        report = deliver(
            [*fired, *known], cfg.channels, outbox, rules=cfg.rules,
            timezone=cfg.timezone, now=now,
        )  # fmt: skip
        if articles or revised:
            newest = max(
                [a.ingested_at or now for a in articles] + [a.updated_at or now for a in revised]
            )
            st.set_watermark("alerts", newest)
    finally:
        if own:
            st.close()
    errors = list(report.errors)
    # Alert ids are stable per (rule, story): an alert this store has only now fired but the
    # outbox holds as sent was sent for another store sharing the outbox. It is not sent
    # again (that is the outbox's promise), but it must not vanish without a word.
    stale = {a.id for a in fired} & set(report.already_sent)
    if stale:
        errors.append(
            f"{len(stale)} new alerts not sent: the outbox {outbox} already records them as"
            " delivered (is it shared with another store? give each store its own outbox)"
        )
    progress("alerts", {"fired": len(fired), "delivered": report.sent, "failed": report.failed})
    return {
        "alerts": len(fired),
        "delivered": report.sent,
        "failed": report.failed,
        "dead": report.dead,
        "dead_total": report.dead_total,
        "already_sent": len(stale),
        "pending": report.pending,
        "outbox": str(outbox),
        "errors": errors,
        "alert_ids": [a.id for a in fired],
    }


def _articles_updated_since(store: Store, since: datetime | None, until: datetime) -> list[Article]:
    """Articles corrected in (since, until]; none from a store that cannot say (a third-party
    ``Store`` written before corrections existed). Without a watermark (the first
    evaluation) every article is judged as ingested anyway."""
    finder = getattr(store, "articles_updated_since", None)
    if since is None or not callable(finder):
        return []
    return list(finder(since, until))


def deliver_due(settings: Settings, outbox: Path | None = None) -> dict[str, Any]:
    """Send what the outbox holds and is now due: failed sends whose backoff is over, and
    throttle, quiet-hours and digest summaries whose time has come. evaluate_and_deliver does
    this too, but only runs when articles arrive (under Airflow, on the articles event), so
    without this pass a retry or a summary would wait for the next new article."""
    from alerts.config import load_config
    from alerts.deliver import deliver

    outbox = outbox or settings.outbox_for()
    out: dict[str, Any] = {
        "sent": 0, "messages": 0, "failed": 0, "dead": 0, "dead_total": 0, "pending": 0,
        "errors": [],
    }  # fmt: skip
    out["outbox"] = str(outbox)
    if not outbox.exists():  # nothing was ever queued: do not create an empty outbox
        return out
    try:
        cfg = load_config(settings.rules_path)
    except Exception as exc:  # a broken rules file must not stop the rest of maintenance
        out["errors"].append(f"alerts config: {exc}")
        return out
    report = deliver([], cfg.channels, outbox, rules=cfg.rules, timezone=cfg.timezone)
    out.update(
        sent=report.sent, messages=report.messages, failed=report.failed, dead=report.dead,
        dead_total=report.dead_total, pending=report.pending, errors=list(report.errors),
    )  # fmt: skip
    return out


def _prune_outbox(outbox: Path, now: datetime) -> int:
    """Sent rows older than OUTBOX_SENT_KEPT dropped from ``outbox`` (0 when there is none:
    looking must not create one)."""
    from alerts.outbox import Outbox

    if not outbox.exists():
        return 0
    with Outbox(outbox) as box:
        return box.prune_sent(now - OUTBOX_SENT_KEPT)


def maintenance(settings: Settings, *, store: Store | None = None) -> dict[str, Any]:
    """Daily housekeeping: feed health, dedup-window pruning, the store's own upkeep (for a
    search engine: spool replay, rollover and retention), delivery of what the alert
    outbox holds and is due (``alerts``: sent, failed, pending counts), and pruning of the
    outbox's sent rows older than OUTBOX_SENT_KEPT (``outbox_pruned``)."""
    from rasid.health import feed_health

    own = store is None
    st = store or settings.open_store()
    now = datetime.now(UTC)
    try:
        health = feed_health(settings.feeds, st.all_feed_states(), now)
        config = DedupConfig(window_hours=settings.dedup_window_hours)
        with _DEDUP_LOCK, _dedup_state(settings, st) as state, state.transaction():
            pruned = state.prune(now - config.window)
        housekeeping = getattr(st, "housekeeping", None)
        upkeep = housekeeping() if callable(housekeeping) else {}
        outbox = settings.outbox_for(st)
    finally:
        if own:
            st.close()
    # After the store is closed: slow receivers must not keep it open.
    delivery = deliver_due(settings, outbox)
    try:
        outbox_pruned = _prune_outbox(outbox, now)
    except sqlite3.Error as exc:  # housekeeping: reported, the rest of maintenance stands
        outbox_pruned = 0
        delivery["errors"].append(f"outbox pruning: {exc}")
    return {
        "feed_health": [h.to_dict() for h in health],
        "dedup_pruned": pruned,
        "outbox_pruned": outbox_pruned,
        "store": upkeep,
        "alerts": delivery,
    }


_ITEM_DATES = ("published_at", "updated_at")


def _revision_to_dict(revision: Revision) -> dict[str, Any]:
    """A revised item as JSON (an XCom, a WebSub batch) for ``process_feed_batch``."""
    r = revision
    return {"item": _item_to_dict(r.item), "key": r.key, "stored_id": r.stored_id,
            "reason": r.reason}  # fmt: skip


def _item_to_dict(item: FeedItem) -> dict[str, Any]:
    d = asdict(item)
    for key in _ITEM_DATES:
        value = getattr(item, key)
        d[key] = value.isoformat() if value else None
    return d


def _item_from_dict(d: dict[str, Any]) -> FeedItem:
    d = dict(d)
    for key in _ITEM_DATES:
        if d.get(key):
            d[key] = datetime.fromisoformat(d[key])
    return FeedItem(**d)
