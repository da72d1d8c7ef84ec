"""Resolve place mentions to GeoNames entries, using the rest of the article as context.

Candidates come from the gazetteer (a name can mean several places: طرابلس is in Libya and
in Lebanon, عمان is Amman or Oman). Each candidate is scored by
    log10(population) + 3 if its country is mentioned (a country name, a nationality
    adjective, or an unambiguous place in that country) + 2 if it lies within 400 km of an
    unambiguous place of the article,
so «طرابلس» next to «بنغازي» or «ليبيا» is Tripoli, Libya, and next to «بيروت» or
«لبنان» it is Tripoli, Lebanon; with no context the more populous place wins.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from processing.enrich.gazetteer import Gazetteer, GeoEntry, gazetteer
from processing.enrich.lexicon.lists import Hit, lexicon, longest
from processing.enrich.ner import Mention
from processing.enrich.phrases import readings
from processing.normalize import match_forms

_COUNTRY_BONUS = 3.0  # the country is named («لبنان») or its adjective used («اللبنانية»)
_CITY_COUNTRY_BONUS = 1.5  # only a place in that country is named
_NEAR_BONUS = 2.0
_NEAR_KM = 400.0
_STRONG = frozenset({"country", "continent", "bigcity"})


@dataclass(slots=True, frozen=True)
class PlaceMention:
    start: int  # token index
    end: int
    key: tuple[str, ...]  # gazetteer key (normalised words, proclitic removed)
    entry: GeoEntry


def km(a: GeoEntry, b: GeoEntry) -> float:
    return haversine(a.lat, a.lon, b.lat, b.lon)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _key(gz: Gazetteer, words: Sequence[str]) -> tuple[str, ...] | None:
    """The gazetteer key of a span: the whole span, first word with or without a clitic."""
    rest = tuple(words[1:])
    for form in readings(words[0]):
        key = (form, *rest)
        if gz.names.get(key):
            return key
    return None


def candidates_in(
    words: Sequence[str], hits: Sequence[Hit], mentions: Sequence[Mention]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Spans to resolve: gazetteer names inside LOC mentions; well-known names (countries,
    continents, cities over 100k) anywhere not claimed by a person or organisation; village
    names only when the tagger or a trigger word («مدينة», «بلدة») says it is a place."""
    gz = gazetteer()
    lx = lexicon()
    owner: dict[int, str] = {}
    for m in mentions:
        for k in range(m.start, m.end):
            owner[k] = m.type
    after_trigger = {h.end for h in hits if h.list == "loctrigger"}
    demonym_at = {h.start for h in hits if h.list == "demonym"}
    out: dict[tuple[int, int], tuple[str, ...]] = {}
    weak: list[tuple[int, int, tuple[str, ...]]] = []
    for h in longest(hits, {"country", "continent", "bigcity", "city"}):
        span_owner = {owner.get(k) for k in range(h.start, h.end)}
        key = _key(gz, words[h.start : h.end])
        if key is None or h.start in demonym_at:
            continue
        name = " ".join(key)
        if name in lx.never_places or span_owner & {"PER", "ORG", "MISC"}:
            # «حكومة الوفاق», «جامعة القاهرة»: part of another name.
            continue
        evidence = "LOC" in span_owner or h.start in after_trigger
        if evidence or (h.list in _STRONG and name not in lx.not_places):
            out[(h.start, h.end)] = key
        elif name not in lx.not_places:
            weak.append((h.start, h.end, key))
    # A village name counts when the article is about that village's country
    # («والعزيزية» in a story full of Libyan places).
    countries = Counter(
        c
        for k in out.values()
        for c in {gz.entries[g].country for g in gz.names.get(k)}
        if len({gz.entries[g].country for g in gz.names.get(k)}) == 1
    )
    for a, b, key in weak:
        if len("".join(key)) >= 5 and any(
            countries.get(gz.entries[g].country, 0) >= 2 for g in gz.names.get(key)
        ):
            out[(a, b)] = key
    return [(a, b, k) for (a, b), k in sorted(out.items())]


def resolve(
    words: Sequence[str], hits: Sequence[Hit], mentions: Sequence[Mention]
) -> list[PlaceMention]:
    gz = gazetteer()
    spans = candidates_in(words, hits, mentions)
    cands = [[gz.entries[g] for g in gz.names.get(k)] for _, _, k in spans]
    countries: Counter[str] = Counter()  # named countries and nationality adjectives
    via_city: Counter[str] = Counter()  # countries of unambiguous places
    anchors: list[GeoEntry] = []
    for cs in cands:
        ccs = {c.country for c in cs}
        if len(ccs) == 1 and "" not in ccs:
            iso = next(iter(ccs))
            if any(c.kind == "country" for c in cs):
                countries[iso] += 1
            else:
                via_city[iso] += 1
        if len(cs) == 1 and cs[0].kind == "city":
            anchors.append(cs[0])
    for h in hits:
        if h.list == "demonym":
            forms = match_forms(words[h.start])
            iso = next((gz.demonyms[f] for f in forms if f in gz.demonyms), None)
            if iso:
                countries[iso] += 1
    context = countries + via_city
    dominant = context.most_common(1)[0] if context else None
    out: list[PlaceMention] = []
    for (a, b, key), cs in zip(spans, cands, strict=True):
        best = max(cs, key=lambda c: _score(c, cs, countries, via_city, anchors))
        if (
            dominant
            and dominant[1] >= 3
            and best.kind == "city"
            and best.population < 100_000
            and context.get(best.country, 0) == 0
        ):
            # «سوق الخميس» in a Libyan story is not the Yemeni village of that name.
            continue
        out.append(PlaceMention(a, b, key, best))
    return out


def _score(
    c: GeoEntry,
    cs: Sequence[GeoEntry],
    countries: Counter[str],
    via_city: Counter[str],
    anchors: Sequence[GeoEntry],
) -> tuple[float, int]:
    s = math.log10(c.population + 10)
    if len(cs) > 1:
        if countries.get(c.country, 0) > 0:
            s += _COUNTRY_BONUS
        elif via_city.get(c.country, 0) > 0:
            s += _CITY_COUNTRY_BONUS
        if c.kind == "city" and any(a is not c and km(a, c) <= _NEAR_KM for a in anchors):
            s += _NEAR_BONUS
    return s, c.population
