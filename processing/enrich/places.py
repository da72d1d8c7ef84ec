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
# A named country only chooses between places of comparable size: Tripoli, Lebanon is
# 1/5.7 of Tripoli, Libya, and wins when Lebanon is named. A town a tenth the size or
# smaller won on it only by accident: one mention of «الولايات المتحدة» made «لبنان»
# Lebanon, Tennessee, and «جنيف» Geneva, Illinois (held-out places set, 2015-07-25).
_COMPARABLE = 7


@dataclass(slots=True, frozen=True)
class PlaceMention:
    start: int  # token index
    end: int
    key: tuple[str, ...]  # gazetteer key (normalised words, proclitic removed)
    entry: GeoEntry
    # A locality the gazetteer lacks (a district, a village): ``entry`` is then the place of
    # the article it lies in or near, so it still lands on the map, marked approximate.
    local: bool = False


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
    first = words[0]
    for form in readings(first):
        if first.endswith(form) and first[: len(first) - len(form)].endswith("ال"):
            # Place names keep their article: «الهاربين» (the fugitives) is not Harbin,
            # «إلينا» (to us) is not Jena.
            continue
        key = (form, *rest)
        if gz.names.get(key):
            return key
    return None


def candidates_in(
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    dateline: range = range(0),
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
    org_starts = {m.start for m in mentions if m.type == "ORG"}
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
        if _told_to(words, h.start, h.end):
            continue  # «قال لـ«الشرق الأوسط»»: a newspaper, not the region
        if h.start in dateline and _by_dash(words, h.start, h.end) and name not in lx.not_places:
            # «واس- الرياض:», «عين اليوم – المنامة»: the dateline names where it happened,
            # whatever the tagger made of the agency beside it.
            out[(h.start, h.end)] = key
            continue
        if (
            name in lx.never_places
            or span_owner & {"PER", "MISC"}
            or ("ORG" in span_owner and (h.start in org_starts or name in lx.not_places))
        ):
            # «حكومة الوفاق», «القاهرة للأسمنت»: part of another name. A city inside an
            # organisation's name («جامعة تبوك», «بنك أبوظبي») still tells where it is.
            continue
        evidence = "LOC" in span_owner or h.start in after_trigger
        w = words[h.start]
        if not evidence and w.startswith("ك") and key[0] == w[1:]:
            continue  # «كسرت» is a verb far more often than «ك» + «سرت»
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


_DASHES = frozenset({"-", "–", "—"})
_DATELINE_TOKENS = 8  # how far into the body a dateline may end


def _told_to(words: Sequence[str], a: int, b: int) -> bool:
    """A quoted name right after a detached «لـ» («قال لـ«الشرق الأوسط»») is the outlet
    someone spoke to; a place would not be quoted there."""
    return (
        a >= 2
        and words[a - 1] in _QUOTES
        and words[a - 2] == "ل"
        and b < len(words)
        and words[b] in _QUOTES
    )


def _by_dash(words: Sequence[str], a: int, b: int) -> bool:
    return (a > 0 and words[a - 1] in _DASHES) or (b < len(words) and words[b] in _DASHES)


def resolve(
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    body_start: int = 0,
) -> list[PlaceMention]:
    """Place mentions and their GeoNames entries. ``body_start``: the body's first token
    (after the title), where a dateline may stand."""
    gz = gazetteer()
    dateline = range(body_start, body_start + _DATELINE_TOKENS)
    spans = candidates_in(words, hits, mentions, dateline)
    cands = [[gz.entries[g] for g in gz.names.get(k)] for _, _, k in spans]
    countries: Counter[str] = Counter()  # named countries and nationality adjectives
    via_city: Counter[str] = Counter()  # countries of unambiguous places
    anchors: list[GeoEntry] = []
    own: Counter[tuple[str, tuple[str, ...]]] = Counter()  # (country, name) -> its mentions
    for (_, _, key), cs in zip(spans, cands, strict=True):
        ccs = {c.country for c in cs}
        if len(ccs) == 1 and "" not in ccs:
            iso = next(iter(ccs))
            own[(iso, key)] += 1
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
    foreign: list[tuple[int, int]] = []
    demonyms = {h.start for h in hits if h.list == "demonym"}
    for (a, b, key), cs in zip(spans, cands, strict=True):
        if _after_city_noun(words, a, demonyms) and any(c.kind == "country" for c in cs):
            # «مطار تونس», «العاصمة التونسية تونس»: the capital, not the country.
            cs = [c for c in cs if c.kind == "city"] or cs
        best = max(cs, key=lambda c: _score(c, cs, countries, via_city, anchors))
        if (
            dominant
            and dominant[1] >= 3
            and best.kind == "city"
            and best.population < 100_000
            and context.get(best.country, 0) == own.get((best.country, key), 0)
        ):
            # «سوق الخميس» in a Libyan story is not the Yemeni village of that name; it
            # may be a local one («العزيزية» in a Medina story is a district of Medina).
            # A name does not vouch for its own country: «ملعب شهداء بنينا في بنغازي» is
            # Benina, not «نينا» (Nenagh, Ireland) after «ب».
            foreign.append((a, b))
            continue
        out.append(PlaceMention(a, b, key, best))
    return sorted(out + _localities(words, hits, mentions, out, foreign), key=_start)


_CITY_NOUNS = frozenset({"مدينه", "العاصمه", "عاصمه", "مطار", "ميناء"})


def _after_city_noun(words: Sequence[str], a: int, demonyms: set[int]) -> bool:
    """A city noun stands right before the name, or before a nationality adjective that
    stands before it («العاصمة التونسية تونس»)."""
    k = a - 1
    if k >= 0 and k in demonyms:
        k -= 1
    return k >= 0 and any(f in _CITY_NOUNS for f in readings(words[k]))


def _start(p: PlaceMention) -> int:
    return p.start


# Nouns that introduce a locality inside a city or a region («حي النشوة», «منطقتي أبوشيبة
# والهيرة», «مخططات شوران»). Normalised. The dual and plural ones introduce a list.
_LOCAL_ONE = frozenset({"حي", "منطقه", "بلده", "قريه", "مخطط", "وادي", "مخيم"})
_LOCAL_MANY = frozenset(
    {"منطقتي", "احياء", "مخططات", "بلدات", "قري", "مخيمات", "قريتي", "بلدتي", "حيي"}
)
# After these, a name needs the tagger's word for it or quotes: they are followed by a
# description as often as by a name («منطقة جميلة», «منطقة الحفل»).
_WEAK = frozenset({"منطقه", "مخطط", "مخططات"})  # «مخططات التقسيم»: partition plans
_QUOTES = frozenset("\"«»'“”")
_SEPARATORS = frozenset({"،", ","})
_ANCHOR_TOKENS = 80  # how far (in tokens) a locality looks for the city it belongs to
_MAX_LIST = 6


def _localities(
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    resolved: Sequence[PlaceMention],
    foreign: Sequence[tuple[int, int]],
) -> list[PlaceMention]:
    """Localities the gazetteer lacks, placed at the nearest city the article names.

    Three kinds of evidence, each specific enough on its own:
    - a locality noun introduces the name («حي الشقة», «قريتي الفوعة وكفريا»);
    - the name is an item of a comma list that names at least two of the article's cities
      («المنصورة، والشيخ عثمان، والبريقة، ودار سعد»: Aden's districts);
    - the gazetteer knows the name only in another country than the article's, and the
      tagger marks it LOC or a trigger precedes it («العزيزية» in a Medina story).
    A name the tagger marks LOC is not enough by itself: regions, states and clubs
    («الشرق الأوسط», «كاليفورنيا», «سان جيرمان») are LOC too, and a city's coordinates
    would be wrong for them. The locality gets the coordinates of the nearest city named
    within ``_ANCHOR_TOKENS`` tokens (before it on a tie), and is dropped when there is
    none: a country's centre would be hundreds of km off."""
    cities = [p for p in resolved if p.entry.kind == "city"]
    if not cities:
        return []
    lx = lexicon()
    taken = {k for p in resolved for k in range(p.start, p.end)}
    mention_at = {m.start: m for m in mentions if m.type != "ORG"}
    listed = {h.start for h in hits if h.list in ("country", "continent", "demonym", "title")}
    spans: dict[tuple[int, int], None] = dict.fromkeys(foreign)
    n = len(words)

    def name_at(j: int, weak: bool) -> int | None:
        """The end of the name starting at token j, or None if no name starts there."""
        quoted = j > 0 and words[j - 1] in _QUOTES
        m = mention_at.get(j)
        if j >= n or not words[j].isalpha() or j in listed:
            return None
        if weak and m is not None and m.type != "LOC":
            m = None  # «منطقة جميلة تكسوها الخضرة» tagged MISC is still a description
        if m is None and not quoted and (weak or not words[j].startswith("ال")):
            # «منطقة صحراوية», «قرية هادئة»: a description. Names after these nouns are
            # definite («حي الشقة») unless the tagger or quotes say otherwise.
            return None
        end = m.end if m is not None and m.end - j <= 3 else j + 1
        if quoted and m is None:  # «منطقة "دار سعد"»: the name runs to the closing quote
            close = next((k for k in range(j + 1, min(n, j + 4)) if words[k] in _QUOTES), None)
            if close is not None and all(words[k].isalpha() for k in range(j, close)):
                end = close
        if end < n and words[end].startswith("ال") and any(c.isdigit() for c in words[end]):
            end += 1  # «منطقة جسر الـ27»
        return end

    for i, w in enumerate(words):
        noun = _locality_noun(w)
        if noun is None:
            continue
        j = i + 1
        for k in range(_MAX_LIST if noun in _LOCAL_MANY else 1):
            while j < n and words[j] in _QUOTES:
                j += 1
            if k and not (j < n and words[j].startswith("و")):
                break
            if k and words[j] == "و":
                j += 1
                while j < n and words[j] in _QUOTES:
                    j += 1
            end = name_at(j, noun in _WEAK)
            if end is None:
                break
            spans[(j, end)] = None
            j = end
    for span in _list_items(words, cities, mention_at):
        spans[span] = None
    out: list[PlaceMention] = []
    for a, b in sorted(spans):
        if any(k in taken for k in range(a, b)):
            continue
        bare = words[a][1:] if words[a].startswith("و") and len(words[a]) > 3 else words[a]
        name = " ".join((bare, *words[a + 1 : b]))
        if (
            len(bare) < 3
            or bare in lx.never_places
            or bare in lx.not_places  # «الشرق الأوسط», «الخليج العربي»: regions
            or name in lx.not_places
            or not bare.isalpha()
        ):
            continue
        anchor = _nearest(cities, a)
        if anchor is None:
            continue
        out.append(PlaceMention(a, b, tuple(name.split()), anchor.entry, local=True))
        taken.update(range(a, b))
    return out


def _list_items(
    words: Sequence[str], cities: Sequence[PlaceMention], mention_at: dict[int, Mention]
) -> list[tuple[int, int]]:
    """Unresolved items of comma lists that name at least two of the article's cities. An
    item after the first starts with «و» and is one or two words; it must look like a name:
    definite («والمعلا»), closed by the next comma («وكريتر،»), or marked by the tagger.
    That keeps «..، وقال» out."""
    n = len(words)
    at = {p.start: p for p in cities}
    seen: set[int] = set()
    out: list[tuple[int, int]] = []
    for p in cities:
        if p.start in seen:
            continue
        items = [(p.start, p.end, True)]
        pos = p.end
        while pos + 1 < n and words[pos] in _SEPARATORS:
            j = pos + 1
            w = words[j]
            if not (w.startswith("و") and len(w) > 2 and w.isalpha()):
                break
            if j in at:
                seen.add(j)
                items.append((j, at[j].end, True))
                pos = at[j].end
                continue
            two = j + 2 < n and words[j + 1].isalpha() and words[j + 2] in _SEPARATORS
            end = j + 2 if two else j + 1
            closed = end < n and words[end] in _SEPARATORS | {".", "؛"}
            if not (w.startswith("وال") or closed or j in mention_at):
                break
            items.append((j, end, False))
            pos = end
        known = sum(1 for *_, ok in items if ok)
        if known >= 2 and 3 * known >= len(items):
            out += [(a, b) for a, b, ok in items if not ok]
    return out


# Every written form of a locality noun with a conjunction or preposition before it
# («ومنطقتي», «بحي»), but not with the article: «المنطقة الغربية» describes a region.
_NOUN_OF = {
    p + noun: noun
    for noun in _LOCAL_ONE | _LOCAL_MANY
    for p in ("", "و", "ب", "ف", "ل", "وب", "فب", "ول")
}


def _locality_noun(word: str) -> str | None:
    return _NOUN_OF.get(word)


def _nearest(cities: Sequence[PlaceMention], at: int) -> PlaceMention | None:
    best = min(cities, key=lambda p: (abs(p.start - at), p.start > at))
    return best if abs(best.start - at) <= _ANCHOR_TOKENS else None


def _score(
    c: GeoEntry,
    cs: Sequence[GeoEntry],
    countries: Counter[str],
    via_city: Counter[str],
    anchors: Sequence[GeoEntry],
) -> tuple[float, int]:
    s = math.log10(c.population + 10)
    if len(cs) > 1:
        # GeoNames gives many districts no population (0): unknown, not small.
        if not c.population or c.population * _COMPARABLE >= max(x.population for x in cs):
            if countries.get(c.country, 0) > 0:
                s += _COUNTRY_BONUS
            elif via_city.get(c.country, 0) > 0:
                s += _CITY_COUNTRY_BONUS
        # Nearness to a place the article names is specific evidence, whatever the size:
        # «المنصورة» beside «عدن» is Aden's district, not the Egyptian city.
        if c.kind == "city" and any(a is not c and km(a, c) <= _NEAR_KM for a in anchors):
            s += _NEAR_BONUS
    return s, c.population
