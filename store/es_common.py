"""What the Elasticsearch and OpenSearch backends share, as pure functions: index layout,
analysis, mappings and the index template, document shape, query building, error causes
and store URLs.

The two backends differ only in their client (``store.elastic`` / ``store.opensearch``
each bring an adapter for ``store.es_store.EngineStore``); everything else lives here, so
both index and search the same way.

Index layout (``prefix`` defaults to ``rasid``):

- ``rasid-articles`` — the write alias over monthly backing indices ``rasid-articles-YYYY.MM``
  (an index template gives each its settings and mappings; the alias rolls over when the
  month changes). A document stays in the backing index it was first written to: a rerun
  looks the id up and overwrites it there, so ``Article.id`` is never duplicated.
- ``rasid-alerts`` — alert history; ``rasid-feeds`` — feed state; ``rasid-meta`` — watermarks.

Text is analysed three ways: ``title``/``body``/``summary`` with the built-in ``arabic``
analyzer (stemming), a ``.folded`` multi-field with ``rasid_fold`` (the spelling folds of
``processing.normalize`` done in the engine: alef forms, ى/ي, ة/ه, harakat, tatweel), and
the ``*_norm`` fields written by Python (``alerts.es_query.norm_text``), whose whitespace
tokens are exactly ``processing.normalize.tokens``: alert rules and the clitic-aware search
query run on those.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.es_query import NORM_ANALYSIS, NORM_FIELD_MAPPING, norm_text, variants
from processing.normalize import _BIDI, _DIACRITICS, _FOLD, _TATWEEL, tokens
from rasid.records import (
    ARTICLE_DATES,
    MARK_END,
    MARK_START,
    Alert,
    Article,
    Claim,
    Entity,
    FeedState,
    Hit,
    Place,
    SearchQuery,
)
from store.base import StoreError
from store.highlight import fragments, highlight
from store.spool import Spool

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "rasid"
HIGHLIGHT_TAGS = (MARK_START, MARK_END)  # the embedded store's markers: every backend the same


# --- names ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexNames:
    prefix: str = DEFAULT_PREFIX

    @property
    def articles(self) -> str:
        """The write alias (and the name to read all articles through)."""
        return f"{self.prefix}-articles"

    @property
    def articles_pattern(self) -> str:
        return f"{self.prefix}-articles-*"

    def articles_month(self, when: datetime) -> str:
        when = when.astimezone(UTC) if when.tzinfo else when
        return f"{self.prefix}-articles-{when:%Y.%m}"

    @property
    def template(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def feeds(self) -> str:
        return f"{self.prefix}-feeds"

    @property
    def meta(self) -> str:
        return f"{self.prefix}-meta"


# --- analysis and mappings (pure) -----------------------------------------------------------


def fold_char_mappings() -> list[str]:
    """``mapping`` char-filter rules generated from ``processing.normalize``'s fold table."""
    return [f"{chr(src)} => {dst}" for src, dst in sorted(_FOLD.items())]


def strip_marks_pattern() -> str:
    """Everything ``processing.normalize`` deletes: harakat and marks, tatweel, bidi controls."""
    inner = _DIACRITICS.pattern.strip("[]") + _BIDI.pattern.strip("[]") + _TATWEEL
    return f"[{inner}]"


def analysis_settings() -> dict[str, Any]:
    return {
        "char_filter": {
            "rasid_strip_marks": {
                "type": "pattern_replace",
                "pattern": strip_marks_pattern(),
                "replacement": "",
            },
            "rasid_fold_chars": {"type": "mapping", "mappings": fold_char_mappings()},
        },
        "analyzer": {
            "rasid_fold": {
                "type": "custom",
                "char_filter": ["rasid_strip_marks", "rasid_fold_chars"],
                "tokenizer": "standard",
                # arabic_normalization repeats the Arabic folds (harmless) and keeps the
                # analyzer honest if a character filter is ever edited.
                "filter": ["lowercase", "arabic_normalization"],
            },
            **NORM_ANALYSIS["analyzer"],
        },
    }


def _text(analyzer: str = "arabic", *, keyword: bool = False) -> dict[str, Any]:
    fields: dict[str, Any] = {"folded": {"type": "text", "analyzer": "rasid_fold"}}
    if keyword:
        fields["keyword"] = {"type": "keyword", "ignore_above": 512}
    return {"type": "text", "analyzer": analyzer, "fields": fields}


KEYWORD = {"type": "keyword"}
DATE = {"type": "date"}


def article_mappings() -> dict[str, Any]:
    norm = dict(NORM_FIELD_MAPPING)
    return {
        # New Article fields land in _source without breaking indexing; map them here first.
        "dynamic": False,
        "properties": {
            "id": KEYWORD,
            "url": KEYWORD,
            "canonical_url": KEYWORD,
            "guid": KEYWORD,
            "source": KEYWORD,
            "feed_id": KEYWORD,
            "lang": KEYWORD,
            "author": KEYWORD,
            "extraction": KEYWORD,
            "content_hash": KEYWORD,
            "duplicate_of": KEYWORD,
            "story_id": KEYWORD,
            "similarity": {"type": "float"},
            "title": _text(keyword=True),
            "summary": _text(),
            "body": _text(),
            "title_norm": norm,
            "summary_norm": norm,
            "body_norm": norm,
            "entities_norm": norm,
            "places_norm": norm,
            "published_at": DATE,
            "fetched_at": DATE,
            "ingested_at": DATE,
            "updated_at": DATE,  # when a correction last changed the text (alerts judge it)
            "revision": {"type": "integer"},
            "dated_at": DATE,  # published_at, else fetched_at: date filters and recency sort
            "entities": {
                "type": "nested",
                "properties": {"type": KEYWORD, "name": KEYWORD, "mentions": KEYWORD},
            },
            # Flat copies for aggregations (Kibana cannot aggregate nested fields).
            "persons": KEYWORD,
            "organizations": KEYWORD,
            "locations": KEYWORD,
            "entity_names": KEYWORD,
            "places": {
                "type": "nested",
                "include_in_parent": True,  # `places.country` works in top-level queries too
                "properties": {
                    "name": KEYWORD,
                    "mentions": KEYWORD,
                    "country": KEYWORD,
                    "geonameid": {"type": "long"},
                    "lat": {"type": "float"},
                    "lon": {"type": "float"},
                    "location": {"type": "geo_point"},
                },
            },
            "place_names": KEYWORD,
            "place_points": {"type": "geo_point"},
            "claims": {
                "type": "nested",
                "properties": {
                    "speaker": KEYWORD,
                    "cue": KEYWORD,
                    "quote": _text(),
                    "sentence": _text(),
                },
            },
        },
    }


def alert_mappings() -> dict[str, Any]:
    return {
        "dynamic": False,
        "properties": {
            "id": KEYWORD,
            "rule_id": KEYWORD,
            "article_id": KEYWORD,
            "article_ids": KEYWORD,
            "title": _text(keyword=True),
            "source": KEYWORD,
            "url": KEYWORD,
            "matched_terms": KEYWORD,
            "fired_at": DATE,
            "published_at": DATE,
            "story_id": KEYWORD,
            "places": KEYWORD,
            "other_sources": KEYWORD,
            "snippet": _text(),
        },
    }


FEED_MAPPINGS: dict[str, Any] = {"dynamic": False, "properties": {"feed_id": KEYWORD}}
META_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {"name": KEYWORD, "value": DATE},
}


def index_settings(*, shards: int = 1, replicas: int | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {"number_of_shards": shards, "analysis": analysis_settings()}
    if replicas is None:
        settings["auto_expand_replicas"] = "0-1"  # green on one node, one copy on a cluster
    else:
        settings["number_of_replicas"] = replicas
    return settings


def articles_template(
    names: IndexNames, *, shards: int = 1, replicas: int | None = None
) -> dict[str, Any]:
    """Body of the composable index template for the monthly article indices.

    No alias here: the rollover alias must not be in a template (both engines refuse it).
    """
    return {
        "index_patterns": [names.articles_pattern],
        "priority": 200,
        "template": {
            "settings": index_settings(shards=shards, replicas=replicas),
            "mappings": article_mappings(),
        },
        "_meta": {"managed_by": "rasid", "description": "Rasid articles, one index a month"},
    }


# Fields whose type a conflicting older index must not change (checked at start-up).
CHECKED_FIELDS = {
    "published_at": "date",
    "ingested_at": "date",
    "dated_at": "date",
    "source": "keyword",
    "id": "keyword",
    "title": "text",
    "body": "text",
    "body_norm": "text",
    "place_points": "geo_point",
}


# Fields added to the article mapping after indices may have been created: ``setup`` adds
# them to an existing index that lacks them (adding a field is allowed; ``dynamic: false``
# would otherwise keep it in _source but unsearchable, and corrections made to last
# month's articles would never reach the alerts).
ADDED_FIELDS = ("updated_at", "revision")


def missing_fields(properties: dict[str, Any]) -> dict[str, Any]:
    """The ``ADDED_FIELDS`` an index's mapping lacks, as a put-mapping ``properties``."""
    wanted = article_mappings()["properties"]
    return {f: wanted[f] for f in ADDED_FIELDS if f not in properties}


def mapping_conflicts(properties: dict[str, Any]) -> list[str]:
    """Human-readable differences between an index's mapping and what Rasid writes."""
    out = []
    for field, expected in CHECKED_FIELDS.items():
        actual = properties.get(field, {}).get("type", "object" if field in properties else None)
        if actual is not None and actual != expected:
            out.append(f"field [{field}] is mapped as [{actual}], Rasid needs [{expected}]")
    return out


# --- documents (pure) -------------------------------------------------------------------------


def to_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _plain(obj: Any) -> dict[str, Any]:
    """A dataclass as a dict, one level deep (``asdict`` deep-copies: 4x slower here)."""
    out = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, list):
            value = [_plain(v) if is_dataclass(v) else v for v in value]
        out[f.name] = value
    return out


def article_to_doc(art: Article) -> dict[str, Any]:
    """The indexed document: the article as written plus fields derived for search/Kibana."""
    doc = _plain(art)
    for key in ARTICLE_DATES:
        doc[key] = to_iso(getattr(art, key))
    doc["dated_at"] = doc["published_at"] or doc["fetched_at"]
    doc["title_norm"] = norm_text(art.title)
    doc["summary_norm"] = norm_text(art.summary)
    doc["body_norm"] = norm_text(art.body)
    doc["entities_norm"] = [
        norm_text(n) for e in art.entities for n in dict.fromkeys([e.name, *e.mentions])
    ]
    doc["places_norm"] = [
        norm_text(n) for p in art.places for n in dict.fromkeys([p.name, *p.mentions])
    ]
    by_type = {"PER": "persons", "ORG": "organizations", "LOC": "locations"}
    for field in by_type.values():
        doc[field] = []
    for e in art.entities:
        doc[by_type[e.type]].append(e.name)
    doc["entity_names"] = list(dict.fromkeys(e.name for e in art.entities))
    for place, p in zip(doc["places"], art.places, strict=True):
        place["location"] = {"lat": p.lat, "lon": p.lon}
    doc["place_names"] = list(dict.fromkeys(p.name for p in art.places))
    doc["place_points"] = [{"lat": p.lat, "lon": p.lon} for p in art.places]
    return doc


_PLACE_FIELDS = set(Place.__dataclass_fields__)
_ENTITY_FIELDS = set(Entity.__dataclass_fields__)
_CLAIM_FIELDS = set(Claim.__dataclass_fields__)


def doc_to_article(src: dict[str, Any]) -> Article:
    d = dict(src)
    d["places"] = [
        {k: v for k, v in p.items() if k in _PLACE_FIELDS} for p in d.get("places") or []
    ]
    d["entities"] = [
        {k: v for k, v in e.items() if k in _ENTITY_FIELDS} for e in d.get("entities") or []
    ]
    d["claims"] = [
        {k: v for k, v in c.items() if k in _CLAIM_FIELDS} for c in d.get("claims") or []
    ]
    return Article.from_dict(d)


def alert_to_doc(alert: Alert) -> dict[str, Any]:
    doc = alert.to_dict()
    doc["fired_at"] = to_iso(alert.fired_at)
    doc["published_at"] = to_iso(alert.published_at)
    doc["article_ids"] = [alert.article_id]
    return doc


def doc_to_alert(src: dict[str, Any]) -> Alert:
    d = dict(src)
    for key in ("fired_at", "published_at"):
        if isinstance(d.get(key), str):
            d[key] = datetime.fromisoformat(d[key])
    known = set(Alert.__dataclass_fields__)
    return Alert(**{k: v for k, v in d.items() if k in known})


def feed_state_to_doc(state: FeedState) -> dict[str, Any]:
    return state.to_dict()


def doc_to_feed_state(src: dict[str, Any]) -> FeedState:
    return FeedState.from_dict(src)


# --- queries (pure) -------------------------------------------------------------------------

TEXT_NORM_FIELDS = ("title_norm", "body_norm")  # what the embedded store's text search covers
DERIVED_FIELDS = [
    "*_norm",
    "dated_at",
    "persons",
    "organizations",
    "locations",
    "entity_names",
    "place_names",
    "place_points",
    "places.location",
]


def token_clauses(text: str, fields: Sequence[str]) -> list[dict[str, Any]]:
    """Every query word must occur in one of ``fields``, in any proclitic form.

    The same reading as the embedded store and the alert matcher: «طرابلس» finds «وبطرابلس»
    but not «طرابلسي» (``alerts.es_query.variants`` lists the surface forms).
    """
    clauses = []
    for tok in dict.fromkeys(tokens(text)):
        terms = [{"terms": {f: variants(tok)}} for f in fields]
        clauses.append(
            terms[0] if len(terms) == 1 else {"bool": {"should": terms, "minimum_should_match": 1}}
        )
    return clauses


def relevance_query(text: str) -> dict[str, Any]:
    """Scores with the stemmed and the folded analyses of the original text."""
    return {
        "multi_match": {
            "query": text,
            "fields": [
                "title^3",
                "title.folded^3",
                "body",
                "body.folded",
                "summary",
                "summary.folded",
            ],
            "type": "most_fields",
        }
    }


def search_body(q: SearchQuery) -> dict[str, Any]:
    filters: list[dict[str, Any]] = []
    should: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    text = q.text.strip()
    if text:
        filters += token_clauses(text, TEXT_NORM_FIELDS)
        should.append(relevance_query(text))
    if q.entity:
        filters += token_clauses(q.entity, ["entities_norm"])
    if q.place:
        filters += token_clauses(q.place, ["places_norm"])
    if q.source:
        filters.append({"term": {"source": q.source}})
    if q.lang:
        filters.append({"term": {"lang": q.lang}})
    if q.country:  # `places` is nested with include_in_parent: the flat field answers
        filters.append({"term": {"places.country": q.country.upper()}})
    if q.since or q.until:
        rng: dict[str, Any] = {}
        if q.since:
            rng["gte"] = to_iso(q.since)
        if q.until:
            rng["lt"] = to_iso(q.until)
        filters.append({"range": {"dated_at": rng}})
    if not q.include_duplicates:
        must_not.append({"exists": {"field": "duplicate_of"}})
    query: dict[str, Any] = {"bool": {"filter": filters, "should": should, "must_not": must_not}}
    if q.sort == "recency" or not text:
        sort: list[Any] = [{"dated_at": {"order": "desc"}}, {"id": "asc"}]
    else:
        sort = ["_score", {"dated_at": {"order": "desc"}}, {"id": "asc"}]
    body: dict[str, Any] = {
        "query": query,
        "sort": sort,
        "size": q.limit,
        "track_scores": True,
        "_source": {"excludes": DERIVED_FIELDS},
    }
    if text:
        pre, post = HIGHLIGHT_TAGS
        body["highlight"] = {
            "pre_tags": [pre],
            "post_tags": [post],
            "highlight_query": relevance_query(text),
            "fields": {
                # `.folded` highlights the parent's original text with the folding analyzer.
                "title": {"number_of_fragments": 0},
                "title.folded": {"number_of_fragments": 0},
                "body": {"fragment_size": 160, "number_of_fragments": 3},
                "body.folded": {"fragment_size": 160, "number_of_fragments": 3},
            },
        }
    return body


def hit_from_response(raw: dict[str, Any], query_text: str) -> Hit:
    """A Hit with engine highlights, falling back to the embedded highlighter.

    The engine highlights stems and spelling variants; words found only through a
    proclitic form («لحفتر» for «حفتر») are highlighted the embedded store's way.
    """
    art = doc_to_article(raw["_source"])
    hl: dict[str, list[str]] = {}
    engine = raw.get("highlight") or {}
    for field in ("title", "body"):
        frags = engine.get(field) or engine.get(f"{field}.folded")
        if frags:
            hl[field] = list(frags)
    terms = set(tokens(query_text))
    if terms:
        pre, post = HIGHLIGHT_TAGS
        if "title" not in hl:
            title = highlight(art.title, terms, start=pre, end=post)
            if title != art.title:
                hl["title"] = [title]
        if "body" not in hl:
            body = fragments(art.body, terms, start=pre, end=post)
            if body:
                hl["body"] = body
    return Hit(article=art, score=float(raw.get("_score") or 0.0), highlights=hl)


# --- errors (pure) --------------------------------------------------------------------------

_MAPPING_ERRORS = {
    "mapper_parsing_exception",
    "document_parsing_exception",
    "strict_dynamic_mapping_exception",
    "illegal_argument_exception",  # "mapper [x] cannot be changed from type [a] to [b]"
}


def classify(status: int | None, error_type: str = "", reason: str = "") -> str:
    """The StoreError cause for an engine answer (None status: no answer at all)."""
    text = f"{error_type} {reason}".lower()
    if status is None:
        return "unreachable"
    if status == 401 or ("security_exception" in text and status in (401, 403)):
        return "auth"
    if "cluster_block_exception" in text or "read-only" in text or "read_only" in text:
        return "read-only"
    if error_type in _MAPPING_ERRORS and ("mapp" in text or "field" in text or "parse" in text):
        return "mapping"
    if status in (502, 503, 504):
        return "unreachable"
    return "error"


_HINTS = {
    "unreachable": "is the engine running and the URL right?",
    "auth": "check the user and password in the store URL",
    "read-only": "the index is blocked for writes (disk flood stage or index.blocks.*)",
    "mapping": "an index has a mapping Rasid does not expect; see `rasid-articles` template",
}


def store_error(action: str, cause: str, detail: str, url: str) -> StoreError:
    hint = _HINTS.get(cause, "")
    message = f"{action} failed on {url}: {cause}: {detail}" + (f" ({hint})" if hint else "")
    return StoreError(message, cause=cause)


def retriable(status: int | None) -> bool:
    """429 (queue full), 5xx and no answer are worth another try; 4xx are not."""
    return status is None or status == 429 or status >= 500


# --- store options (pure) ---------------------------------------------------------------


@dataclass
class EngineOptions:
    prefix: str = DEFAULT_PREFIX
    shards: int = 1
    replicas: int | None = None
    chunk_size: int = 500
    max_chunk_bytes: int = 10 * 2**20
    retries: int = 5  # per chunk, on 429/5xx/no answer
    backoff_s: float = 0.5  # first wait; doubles each try, capped at backoff_max_s
    backoff_max_s: float = 8.0
    refresh: bool = True  # make a batch searchable before upsert_articles returns


# --- store URLs (pure) ----------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_TLS_SCHEMES = {"https", "opensearchs", "elasticsearchs", "ess"}


@dataclass(frozen=True)
class StoreURL:
    """A parsed ``elasticsearch://``/``http(s)://``/``opensearch(s)://`` store URL.

    ``user:pass@`` carries credentials; several hosts are comma-separated
    (``elasticsearch://h1:9200,h2:9200``); query parameters tune the store: ``prefix`` (or
    ``index``: the articles alias, ``rasid-articles``), ``shards``, ``replicas``,
    ``chunk_size``, ``retries``, ``backoff``, ``refresh``, ``timeout``, ``verify_certs``,
    ``ca_certs``, ``spool`` (a folder, or ``off``) and ``spool_quota_mb``.
    """

    hosts: tuple[str, ...]
    username: str | None
    password: str | None
    params: dict[str, str]
    redacted: str

    def flag(self, name: str, default: bool) -> bool:
        value = self.params.get(name)
        return default if value is None else value.strip().lower() in _TRUE

    def options(self) -> EngineOptions:
        p = self.params
        prefix = p.get("prefix") or DEFAULT_PREFIX
        if p.get("index"):
            index = p["index"]
            prefix = index[: -len("-articles")] if index.endswith("-articles") else index
        replicas = p.get("replicas")
        return EngineOptions(
            prefix=prefix,
            shards=int(p.get("shards", 1)),
            replicas=int(replicas) if replicas not in (None, "", "auto") else None,
            chunk_size=int(p.get("chunk_size", 500)),
            retries=int(p.get("retries", 5)),
            backoff_s=float(p.get("backoff", 0.5)),
            refresh=self.flag("refresh", True),
        )


def parse_store_url(url: str) -> StoreURL:
    from urllib.parse import parse_qsl, unquote

    scheme, sep, rest = url.partition("://")
    if not sep:
        raise StoreError(f"not a search-engine store URL: {url!r}")
    rest, _, query = rest.partition("?")
    netloc = rest.split("/", 1)[0]
    userinfo, _, hostpart = netloc.rpartition("@")
    username = password = None
    if userinfo:
        user, _, pw = userinfo.partition(":")
        username, password = unquote(user), (unquote(pw) if pw else None)
    params = dict(parse_qsl(query, keep_blank_values=True))
    tls = scheme.lower() in _TLS_SCHEMES or params.get("tls", "").lower() in _TRUE
    http = "https" if tls else "http"
    hosts = []
    for h in filter(None, (x.strip() for x in hostpart.split(","))):
        hosts.append(f"{http}://{h}" if ":" in h.rsplit("]", 1)[-1] else f"{http}://{h}:9200")
    if not hosts:
        raise StoreError(f"store URL {url!r} names no host")
    safe_netloc = (
        f"{username}:***@{hostpart}"
        if password
        else (f"{username}@{hostpart}" if username else hostpart)
    )
    redacted = f"{scheme}://{safe_netloc}" + (f"?{query}" if query else "")
    return StoreURL(tuple(hosts), username, password, params, redacted)


def spool_for(
    parsed: StoreURL, kind: str, prefix: str, base_dir: str | Path | None = None
) -> Spool | None:
    """The URL's spool (``spool=off`` disables it), else ``<base>/<kind>-<prefix>``. The base
    is RASID_SPOOL_DIR, else the settings' ``spool_dir`` (``base_dir``), else data/spool."""
    import os

    where = parsed.params.get("spool")
    if where is not None and where.strip().lower() in {"off", "false", "no", "0", ""}:
        return None
    base = Path(os.environ.get("RASID_SPOOL_DIR") or base_dir or "data/spool")
    directory = Path(where) if where else base / f"{kind}-{prefix}"
    quota = int(float(parsed.params.get("spool_quota_mb", 512)) * 2**20)
    return Spool(directory, quota)
