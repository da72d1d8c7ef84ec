"""Translate an alert rule into an Elasticsearch/OpenSearch query, faithful to ``match_article``.

How clitics are handled: the index keeps, beside each text field, the Python-normalised
surface tokens (``norm_text``: ``processing.normalize.tokens`` joined by spaces, indexed with
a whitespace tokenizer, so positions are the words' real positions). Nothing is stripped at
index time. Instead, the query expands each rule word into every surface token that
``match_forms`` would read as it: «طرابلس» → طرابلس, وطرابلس, بطرابلس, لطرابلس, وبطرابلس…
(and «الحكومة» → للحكومة, وللحكومة…). Because only a fixed set of proclitics is stripped,
this set is finite (a couple of dozen tokens) and the match is exactly the embedded matcher's,
phrases and proximity included (span queries over true positions). Derived forms become
prefix queries over the same variants.

Not expressible per document and applied by the caller after the query: ``min_story_size``
and ``spike``.
"""

from __future__ import annotations

from typing import Any

from alerts.rules import CTerm, Rule, has_article
from processing.normalize import _PROCLITICS, tokens

_MIN_STEM = 3  # processing.normalize strips a proclitic only if this much remains

# Default field names: the ES store indexes these (see ``norm_text`` and ``NORM_ANALYSIS``).
FIELDS = {
    "title": "title_norm",
    "summary": "summary_norm",
    "body": "body_norm",
    "entities": "entities_norm",  # one value per entity name or mention
    "places": "places_norm",  # one value per place name or mention
    "country": "places.country",
    "source": "source",
    "feed_id": "feed_id",
    "lang": "lang",
}

# Index settings and mapping for the normalised fields: tokens are already normalised.
NORM_ANALYSIS: dict[str, Any] = {
    "analyzer": {"rasid_norm": {"type": "custom", "tokenizer": "whitespace"}},
}
NORM_FIELD_MAPPING: dict[str, Any] = {"type": "text", "analyzer": "rasid_norm"}


def norm_text(text: str) -> str:
    """What the store writes into a ``*_norm`` field for ``text``."""
    return " ".join(tokens(text))


def variants(q: str, article: bool = True) -> list[str]:
    """Every surface token ``t`` with ``q in match_forms(t)`` (the article guard applied)."""
    out = [q]
    if len(q) >= _MIN_STEM:
        out += [p + q for p in _PROCLITICS if article or not has_article(p)]
    if q.startswith("ال") and len(q) - 2 >= _MIN_STEM:
        # «لل» swallows the article: «للحكومة» reads as «الحكومة».
        out += [p + q[2:] for p in _PROCLITICS if p.endswith("لل")]
    return list(dict.fromkeys(out))


def _token_query(q: str, article: bool, derived: bool, field: str) -> dict[str, Any]:
    vs = variants(q, article=True if derived else article)
    if derived:
        return {
            "bool": {
                "should": [{"prefix": {field: {"value": v}}} for v in vs],
                "minimum_should_match": 1,
            }
        }
    return {"terms": {field: vs}}


def _span_token(q: str, article: bool, derived: bool, field: str) -> dict[str, Any]:
    vs = variants(q, article=True if derived else article)
    if derived:
        clauses = [{"span_multi": {"match": {"prefix": {field: {"value": v}}}}} for v in vs]
    else:
        clauses = [{"span_term": {field: v}} for v in vs]
    return clauses[0] if len(clauses) == 1 else {"span_or": {"clauses": clauses}}


def _span_term(term: CTerm, field: str) -> dict[str, Any]:
    parts = [_span_token(q, term.article[i], term.derived, field) for i, q in enumerate(term.toks)]
    if len(parts) == 1:
        return parts[0]
    return {"span_near": {"clauses": parts, "slop": 0, "in_order": True}}


def term_query(term: CTerm, field: str) -> dict[str, Any]:
    """A word or a phrase (clitics on every word, as in the embedded matcher) in one field."""
    if len(term.toks) == 1:
        return _token_query(term.toks[0], term.article[0], term.derived, field)
    return _span_term(term, field)


def _any_field(term: CTerm, fields: list[str]) -> dict[str, Any]:
    qs = [term_query(term, f) for f in fields]
    return qs[0] if len(qs) == 1 else {"bool": {"should": qs, "minimum_should_match": 1}}


def _should(queries: list[dict[str, Any]]) -> dict[str, Any]:
    return (
        queries[0]
        if len(queries) == 1
        else {"bool": {"should": queries, "minimum_should_match": 1}}
    )


def rule_to_query(rule: Rule, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The rule as an ES/OpenSearch ``query`` (pass it as ``body={"query": …}`` or ``query=``)."""
    f = {**FIELDS, **(fields or {})}
    c = rule.compiled()
    text_fields = [f[name] for name in c.fields]
    must: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    filters: list[dict[str, Any]] = []
    if c.any:
        must.append(_should([_any_field(t, text_fields) for t in c.any]))
    must.extend(_any_field(t, text_fields) for t in c.all)
    must_not.extend(_any_field(t, text_fields) for t in c.none)
    for clause in c.near:
        per_field = [
            {
                "span_near": {
                    "clauses": [_span_term(t, fld) for t in clause.terms],
                    "slop": clause.within,
                    "in_order": clause.ordered,
                }
            }
            for fld in text_fields
        ]
        must.append(_should(per_field))
    if c.places:
        must.append(_should([term_query(t, f["places"]) for t in c.places]))
    if c.entities:
        must.append(_should([term_query(t, f["entities"]) for t in c.entities]))
    if c.sources:
        srcs = sorted(c.sources)
        filters.append(_should([{"terms": {f["source"]: srcs}}, {"terms": {f["feed_id"]: srcs}}]))
    if c.exclude_sources:
        srcs = sorted(c.exclude_sources)
        must_not += [{"terms": {f["source"]: srcs}}, {"terms": {f["feed_id"]: srcs}}]
    if c.languages:
        filters.append({"terms": {f["lang"]: sorted(c.languages)}})
    if c.countries:
        filters.append({"terms": {f["country"]: sorted(c.countries)}})
    body: dict[str, Any] = {}
    if must:
        body["must"] = must
    if must_not:
        body["must_not"] = must_not
    if filters:
        body["filter"] = filters
    return {"bool": body}
