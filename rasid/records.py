"""Plain typed records that flow one way: ingest -> processing -> store -> alerts.

Every stage takes and returns these; nothing else crosses a stage boundary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any, Literal

EntityType = Literal["PER", "ORG", "LOC"]


def plain(obj: Any) -> Any:
    """``dataclasses.asdict`` without its deep copy of every leaf: new dicts and lists,
    the same (immutable) strings, numbers and datetimes. asdict spent most of its time
    copying datetimes (copyreg), a quarter of alert delivery in bench_pipeline."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, list | tuple):
        return type(obj)(plain(v) for v in obj)
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


@dataclass(slots=True)
class Feed:
    id: str
    name: str
    url: str
    source: str = ""  # outlet id; several feeds may belong to one outlet
    lang: str | None = None  # a hint only; detection decides
    timezone: str | None = None  # IANA zone of dates the outlet writes with no zone

    def __post_init__(self) -> None:
        if not self.source:
            self.source = self.id


@dataclass(slots=True)
class FeedState:
    """What we remember of a feed between polls (conditional GET, seen items, health)."""

    feed_id: str
    etag: str | None = None
    last_modified: str | None = None
    seen_guids: list[str] = field(default_factory=list)
    failures: int = 0
    last_error: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_at: datetime | None = None
    disabled: bool = False
    interval_s: float | None = None
    next_poll_at: datetime | None = None  # earliest next poll (interval, backoff, Retry-After)
    websub_hub: str | None = None  # hub the feed advertises (rel="hub"), if any
    last_poll_s: float | None = None  # how long the last poll took (feed health: slow)
    # Items whose article could not be had, by item (its link, else its GUID):
    # {"attempts", "first_failed_at" (ISO), "error"}. While one is here the feed's validators
    # stay back, so the next poll gets the whole feed and the item again (ingest/schedule.py).
    failing_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Items given up after their attempts, newest last (bounded):
    # {"item", "guid", "attempts", "error", "given_up_at" (ISO)}.
    given_up_items: list[dict[str, Any]] = field(default_factory=list)
    # The last version seen of each stored item the feed still lists, keyed by the article
    # id of its link: {"updated" (ISO or None), "sig" (hash of its feed title and text),
    # "refetches" (re-fetches spent on corrections), "id" (the stored document's id when
    # known)}. A newer ``updated`` or another signature means the outlet corrected the
    # article (ingest/revisions.py). Only items in the current feed are kept: bounded.
    item_versions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO strings (every store keeps feed state this way)."""
        d = plain(self)
        for key in _FEED_STATE_DATES:
            if d[key] is not None:
                d[key] = d[key].isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeedState:
        d = dict(d)
        for key in _FEED_STATE_DATES:
            if isinstance(d.get(key), str):
                d[key] = datetime.fromisoformat(d[key])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


_FEED_STATE_DATES = tuple(
    name for name, f in FeedState.__dataclass_fields__.items() if "datetime" in str(f.type)
)


@dataclass(slots=True)
class FeedItem:
    feed_id: str
    source: str
    guid: str
    url: str
    title: str = ""
    summary: str = ""
    content: str = ""  # full content when the feed carries it (content:encoded, atom:content)
    published_at: datetime | None = None
    author: str = ""
    timezone: str | None = None  # the feed's: how to read the page's zone-less dates
    # The feed's own "last modified" date (Atom <updated>, atom:updated or dcterms:modified
    # in RSS), never the publication date: a newer one says the article was corrected.
    updated_at: datetime | None = None


@dataclass(slots=True)
class FetchedPage:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Entity:
    type: EntityType
    name: str  # canonical
    mentions: list[str] = field(default_factory=list)  # surface forms as written


@dataclass(slots=True)
class Place:
    name: str  # as written (canonical surface)
    lat: float
    lon: float
    country: str  # ISO 3166-1 alpha-2
    geonameid: int | None = None  # None for a locality GeoNames (cities500) lacks
    mentions: list[str] = field(default_factory=list)
    # For such a locality: the place whose coordinates it was given (the nearest city the
    # article names), so the map shows it approximately instead of not at all.
    near: str = ""
    # What the point stands for: city | country | continent | region | area | sea | macro
    # (the project's curated regions) | locality (placed at ``near``); "" in older records.
    kind: str = ""


@dataclass(slots=True)
class Claim:
    speaker: str
    cue: str
    quote: str
    sentence: str


@dataclass(slots=True)
class Enrichment:
    entities: list[Entity] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)


@dataclass(slots=True)
class Article:
    """One news article, as indexed. Text fields keep the original; normalised forms are
    derived by the store at index time (normalise for matching, never for display)."""

    id: str  # stable hash of the canonical URL
    url: str
    canonical_url: str
    source: str
    feed_id: str
    title: str
    body: str
    lang: str
    fetched_at: datetime
    published_at: datetime | None = None
    guid: str = ""
    summary: str = ""
    author: str = ""
    extraction: str = "trafilatura"  # which path produced the body
    content_hash: str = ""
    duplicate_of: str | None = None  # id of the original when a near-duplicate
    similarity: float | None = None
    story_id: str | None = None
    entities: list[Entity] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    ingested_at: datetime | None = None  # set by the store when written
    # When a correction last changed the stored title or body (None: as first fetched), and
    # how many corrections were applied. ``ingested_at`` stays the first ingest time.
    updated_at: datetime | None = None
    revision: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = plain(self)
        for key in ARTICLE_DATES:
            if d[key] is not None:
                d[key] = d[key].isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        d = dict(d)
        for key in ARTICLE_DATES:
            if isinstance(d.get(key), str):
                d[key] = datetime.fromisoformat(d[key])
        d["entities"] = [Entity(**e) for e in d.get("entities") or []]
        d["places"] = [Place(**p) for p in d.get("places") or []]
        d["claims"] = [Claim(**c) for c in d.get("claims") or []]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


ARTICLE_DATES = ("fetched_at", "published_at", "ingested_at", "updated_at")


def article_id(canonical_url: str) -> str:
    """Stable document id: a rerun overwrites instead of duplicating."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:20]


# Where a highlighted word starts and ends inside ``Hit.highlights``. Private-use characters,
# because any printable mark is also text: «» are Arabic quotation marks, and a search result
# showing «طرابلس» could not say whether the article quoted the word or the query matched it.
MARK_START = "\ue000"
MARK_END = "\ue001"


@dataclass(slots=True)
class Hit:
    article: Article
    score: float
    # field -> fragments, each matched word between MARK_START and MARK_END
    highlights: dict[str, list[str]] = field(default_factory=dict)

    def marked(self, start: str = "«", end: str = "»") -> dict[str, list[str]]:
        """The highlights with printable marks (``rasid search --json`` uses «»)."""
        return {
            name: [with_marks(f, start, end) for f in frags]
            for name, frags in self.highlights.items()
        }


def with_marks(fragment: str, start: str, end: str) -> str:
    """A highlighted fragment with its match markers replaced; a marker without its pair
    (an article stored before private-use characters were dropped at ingest) is dropped."""
    out: list[str] = []
    open_ = False
    for ch in fragment:
        if ch == MARK_START:
            if not open_:
                out.append(start)
            open_ = True
        elif ch == MARK_END:
            if open_:
                out.append(end)
            open_ = False
        else:
            out.append(ch)
    if open_:
        out.append(end)
    return "".join(out)


@dataclass(slots=True)
class SearchQuery:
    text: str = ""
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    entity: str | None = None
    place: str | None = None
    # ISO 3166-1 alpha-2, upper case: only articles with a place resolved in that country
    # («طرابلس» with LY is Tripoli, Libya; Tripoli, Lebanon resolves to LB).
    country: str | None = None
    lang: str | None = None
    sort: Literal["relevance", "recency"] = "relevance"
    limit: int = 20
    include_duplicates: bool = True


@dataclass(slots=True)
class Alert:
    """One alert: a rule matched a story. Later articles of the same story attach to it."""

    id: str  # stable: hash(rule_id, story key)
    rule_id: str
    article_id: str
    title: str
    source: str
    url: str
    matched_terms: list[str]
    fired_at: datetime
    published_at: datetime | None = None
    story_id: str | None = None
    places: list[str] = field(default_factory=list)
    other_sources: list[str] = field(default_factory=list)
    snippet: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = plain(self)
        for key in ("fired_at", "published_at"):
            if d[key] is not None:
                d[key] = d[key].isoformat()
        return d
