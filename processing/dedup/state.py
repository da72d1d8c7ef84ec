"""What deduplication remembers between batches, behind one small protocol.

``InMemoryDedupState`` is the reference implementation (tests, benchmarks, a single
process). ``store.dedup_sqlite.SqliteDedupState`` persists the same protocol so state
survives restarts and is shared by concurrent runs. Everything is keyed by time so that
``prune`` keeps memory bounded to the dedup window.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import numpy as np

KeyKind = str  # "url" | "guid" | "hash"


def hour_key(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H")


@dataclass(slots=True)
class DocEntry:
    """One article as the near-duplicate index sees it."""

    article_id: str
    seen_at: datetime
    shingles: np.ndarray  # sorted unique uint32 word-shingle hashes (exact Jaccard)
    bands: np.ndarray  # int64 LSH band keys of its MinHash signature
    root: str  # id of the original of its duplicate group (itself when it is the original)
    story_id: str
    source: str = ""
    similarity: float | None = None  # to its original, when it is a duplicate
    # sorted unique uint32 crc32s of its distinct normalised word tokens (unigram
    # containment, decide.py); None for an entry stored before they were kept
    words: np.ndarray | None = None


@dataclass(slots=True)
class Story:
    """Articles about one event, across outlets, inside the dedup window."""

    id: str
    first_seen: datetime
    last_seen: datetime
    title: str  # the first article's title: a label for people, not used for matching
    lead_article_id: str
    article_count: int = 0
    sources: list[str] = field(default_factory=list)
    hourly: dict[str, int] = field(default_factory=dict)  # "YYYY-MM-DDTHH" -> articles
    centroid: dict[str, float] = field(default_factory=dict)  # summed TF-IDF of members
    # Cached L2 norm of the centroid (not persisted): every candidate comparison needs it.
    _norm: float | None = field(default=None, repr=False, compare=False)

    @property
    def source_count(self) -> int:
        return len(self.sources)

    def recent_count(self, now: datetime, hours: float = 1.0) -> int:
        """Articles in the hour buckets overlapping the last ``hours`` (so up to hours+1
        buckets): the number a spike rule compares with a threshold."""
        since = hour_key(now - timedelta(hours=hours))
        now_key = hour_key(now)
        return sum(n for h, n in self.hourly.items() if since <= h <= now_key)

    def growth(self) -> list[tuple[str, int]]:
        """Articles per hour, oldest first: the curve a spike detector looks at."""
        return sorted(self.hourly.items())

    def centroid_norm(self) -> float:
        if self._norm is None:
            self._norm = math.sqrt(sum(w * w for w in self.centroid.values()))
        return self._norm

    def add_vector(self, vec: dict[str, float]) -> None:
        """Add a member's vector to the centroid."""
        centroid = self.centroid
        for t, w in vec.items():
            centroid[t] = centroid.get(t, 0.0) + w
        self._norm = None

    def add(self, article_id: str, at: datetime, source: str) -> None:
        self.article_count += 1
        self.first_seen = min(self.first_seen, at)
        self.last_seen = max(self.last_seen, at)
        if source and source not in self.sources:
            self.sources.append(source)
        key = hour_key(at)
        self.hourly[key] = self.hourly.get(key, 0) + 1

    def trim(self, before: datetime, centroid_terms: int) -> None:
        """Drop hourly counts older than the window and the centroid's light tail."""
        cut = hour_key(before)
        self.hourly = {h: n for h, n in self.hourly.items() if h >= cut}
        if len(self.centroid) > centroid_terms:
            top = sorted(self.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:centroid_terms]
            self.centroid = dict(top)
            self._norm = None

    def copy(self) -> Story:
        """A detached snapshot (containers copied)."""
        return Story(
            self.id,
            self.first_seen,
            self.last_seen,
            self.title,
            self.lead_article_id,
            self.article_count,
            list(self.sources),
            dict(self.hourly),
            dict(self.centroid),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "title": self.title,
            "lead_article_id": self.lead_article_id,
            "article_count": self.article_count,
            "sources": list(self.sources),
            "hourly": dict(self.hourly),
            "centroid": dict(self.centroid),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Story:
        return cls(
            id=d["id"],
            first_seen=datetime.fromisoformat(d["first_seen"]),
            last_seen=datetime.fromisoformat(d["last_seen"]),
            title=d.get("title", ""),
            lead_article_id=d.get("lead_article_id", ""),
            article_count=int(d.get("article_count", 0)),
            sources=list(d.get("sources", [])),
            hourly={k: int(v) for k, v in d.get("hourly", {}).items()},
            centroid={k: float(v) for k, v in d.get("centroid", {}).items()},
        )


@runtime_checkable
class DedupState(Protocol):
    """Persistence for deduplication. One ``transaction()`` wraps one batch so that two
    concurrent runs never both call the same article new."""

    def transaction(self, size_hint: int = 0) -> Any:
        """A context manager: the batch's reads and writes happen atomically.
        ``size_hint`` is the number of articles about to be processed (a backend may use it
        to choose how to read)."""
        ...

    # exact keys: canonical URL, feed GUID, content hash -> article id
    def get_key(self, kind: KeyKind, key: str) -> str | None: ...

    def put_key(self, kind: KeyKind, key: str, article_id: str, seen_at: datetime) -> None: ...

    # near-duplicate index
    def get_doc(self, article_id: str) -> DocEntry | None: ...

    def put_doc(self, doc: DocEntry) -> None:
        """Store the entry and index it under each of its band keys."""
        ...

    def lsh_candidates(self, bands: Sequence[int]) -> dict[str, int]:
        """Ids sharing at least one band key, with how many bands they share."""
        ...

    # stories
    def get_story(self, story_id: str) -> Story | None: ...

    def put_story(self, story: Story, index_terms: Sequence[str]) -> None:
        """Store the story; it becomes a candidate for articles with any of ``index_terms``."""
        ...

    def story_candidates(self, terms: Sequence[str], active_since: datetime) -> dict[str, int]:
        """Stories indexed under any of ``terms``, with how many of them they share. Should
        leave out stories last seen before ``active_since``; may include a few (callers
        re-check ``last_seen``) when excluding them would cost a join."""
        ...

    # document frequencies for IDF, bucketed by day so that pruning is cheap
    def term_counts(self, terms: Iterable[str], since: datetime) -> tuple[dict[str, int], int]:
        """(document frequency of each term, number of documents) since ``since``."""
        ...

    def add_terms(self, day: date, terms: Iterable[str]) -> None:
        """Count one document containing these (distinct) terms."""
        ...

    # window
    def prune(self, before: datetime) -> int:
        """Forget everything last seen before ``before``; returns how many records went."""
        ...

    def stats(self) -> dict[str, int]: ...


class InMemoryDedupState:
    """Dicts and sets; thread-safe per transaction. The reference for other backends."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.keys: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.docs: dict[str, DocEntry] = {}
        # band key -> one id, or a set of ids when shared: most buckets hold a single
        # article, and a bare string costs a fifth of a one-element set.
        self.buckets: dict[int, str | set[str]] = {}
        self.stories: dict[str, Story] = {}
        self.story_index: dict[str, set[str]] = defaultdict(set)
        self._story_terms: dict[str, tuple[str, ...]] = {}
        self.term_days: dict[date, Counter[str]] = defaultdict(Counter)
        self.day_docs: Counter[date] = Counter()

    @contextmanager
    def transaction(self, size_hint: int = 0) -> Iterator[None]:
        with self._lock:
            yield

    def get_key(self, kind: KeyKind, key: str) -> str | None:
        hit = self.keys.get((kind, key))
        return hit[0] if hit else None

    def put_key(self, kind: KeyKind, key: str, article_id: str, seen_at: datetime) -> None:
        self.keys[(kind, key)] = (article_id, seen_at)

    def get_doc(self, article_id: str) -> DocEntry | None:
        return self.docs.get(article_id)

    def put_doc(self, doc: DocEntry) -> None:
        old = self.docs.get(doc.article_id)
        if old is not None:
            self._unindex(old)
        self.docs[doc.article_id] = doc
        buckets, aid = self.buckets, doc.article_id
        for b in doc.bands.tolist():
            ids = buckets.get(b)
            if ids is None:
                buckets[b] = aid
            elif isinstance(ids, str):
                if ids != aid:
                    buckets[b] = {ids, aid}
            else:
                ids.add(aid)

    def _unindex(self, doc: DocEntry) -> None:
        buckets, aid = self.buckets, doc.article_id
        for b in doc.bands.tolist():
            ids = buckets.get(b)
            if ids is None:
                continue
            if isinstance(ids, str):
                if ids == aid:
                    del buckets[b]
            else:
                ids.discard(aid)
                if len(ids) == 1:
                    buckets[b] = next(iter(ids))

    def lsh_candidates(self, bands: Sequence[int]) -> dict[str, int]:
        hits: Counter[str] = Counter()
        for b in bands:
            ids = self.buckets.get(int(b))
            if ids is None:
                continue
            if isinstance(ids, str):
                hits[ids] += 1
            else:
                hits.update(ids)
        return dict(hits)

    def get_story(self, story_id: str) -> Story | None:
        return self.stories.get(story_id)

    def put_story(self, story: Story, index_terms: Sequence[str]) -> None:
        self.stories[story.id] = story
        terms = tuple(index_terms)
        old = self._story_terms.get(story.id, ())
        for t in set(old) - set(terms):
            self._drop_index(t, story.id)
        for t in terms:
            self.story_index[t].add(story.id)
        self._story_terms[story.id] = terms

    def _drop_index(self, term: str, story_id: str) -> None:
        ids = self.story_index.get(term)
        if ids is not None:
            ids.discard(story_id)
            if not ids:
                del self.story_index[term]

    def story_candidates(self, terms: Sequence[str], active_since: datetime) -> dict[str, int]:
        hits: Counter[str] = Counter()
        for t in terms:
            hits.update(self.story_index.get(t, ()))
        return {s: n for s, n in hits.items() if self.stories[s].last_seen >= active_since}

    def term_counts(self, terms: Iterable[str], since: datetime) -> tuple[dict[str, int], int]:
        days = [d for d in self.term_days if d >= since.date()]
        df = {t: sum(self.term_days[d].get(t, 0) for d in days) for t in terms}
        return df, sum(self.day_docs[d] for d in days)

    def add_terms(self, day: date, terms: Iterable[str]) -> None:
        self.term_days[day].update(terms)
        self.day_docs[day] += 1

    # Loading from a persistent store (which holds the counts, not their history).
    def set_term_count(self, day: date, term: str, n: int) -> None:
        self.term_days[day][term] = n

    def set_day_docs(self, day: date, n: int) -> None:
        self.term_days[day]  # a day is counted through term_days, even with no terms
        self.day_docs[day] = n

    def prune(self, before: datetime) -> int:
        removed = 0
        for k in [k for k, (_, at) in self.keys.items() if at < before]:
            del self.keys[k]
            removed += 1
        for doc in [d for d in self.docs.values() if d.seen_at < before]:
            self._unindex(doc)
            del self.docs[doc.article_id]
            removed += 1
        for sid in [s.id for s in self.stories.values() if s.last_seen < before]:
            for t in self._story_terms.pop(sid, ()):
                self._drop_index(t, sid)
            del self.stories[sid]
            removed += 1
        for d in [d for d in self.term_days if d < before.date()]:
            del self.term_days[d]
            self.day_docs.pop(d, None)
            removed += 1
        return removed

    def stats(self) -> dict[str, int]:
        return {
            "keys": len(self.keys),
            "docs": len(self.docs),
            "buckets": len(self.buckets),
            "stories": len(self.stories),
            "story_terms": len(self.story_index),
            "term_days": len(self.term_days),
            "terms": sum(len(c) for c in self.term_days.values()),
        }
