"""Word lists and small readings that place resolution (places.py) and locality finding
(localities.py) share. Words are normalised, as the tokens they are compared with."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from processing.enrich.gazetteer import regions
from processing.enrich.phrases import key_of
from processing.normalize import normalize

# Prepositions after which a name is a noun, not an adjective: «إلى السعودية».
PREPS = frozenset(
    {"في", "الي", "من", "عن", "علي", "مع", "بين", "نحو", "حول", "داخل", "خارج", "عبر",
     "لدي", "تجاه", "ضد", "حتي", "وفي", "ومن", "والي", "وعلي", "وعن", "ومع", "وبين",
     # «غارات قرب الرمادي» (near; test275-282)
     "قرب", "وقرب"}
)  # fmt: skip
# Proclitics that are prepositions: «بالسعودية», «للشرقية», «وبسورية».
PREP_CLITICS = ("ب", "ل", "وب", "ول", "فب", "فل")
# Braces too: Asharq Al-Awsat's headlines quote the paper so («طاهي الرئيس لـ {الشرق الأوسط}»).
QUOTES = frozenset("\"«»'“”{}")
SEPARATORS = frozenset({"،", ","})
# A place's full name, and the short one that is also an ordinary word: «المدينة المنورة» and
# «المدينة» ("the city"), «الضفة الغربية» and «الضفة» ("the bank"). The short one is the
# place only in an article about its country (places.py, «المدينة») or after the full name
# (localities.py).
SHORT_NAMES = {
    ("المدينه", "المنوره"): "المدينه",
    ("المدينه", "النبويه"): "المدينه",
    ("الضفه", "الغربيه"): "الضفه",  # «الضفة» alone: the West Bank, in a story that names it
}


@cache
def weak_regions() -> frozenset[str]:
    """Region names that are also ordinary words (regions.yaml `weak`), as normalised text."""
    return frozenset(
        " ".join(k) for r in regions() for w in r.get("weak") or () if (k := _norm_key(w))
    )


def _norm_key(phrase: str) -> tuple[str, ...]:
    return key_of(normalize(phrase))


def bare_written(written: str) -> str:
    """A token as written, without its vowel marks and tatweel (hamzas and «ة» kept)."""
    return "".join(c for c in written if not "\u064b" <= c <= "\u0652" and c != "\u0640")


def prev_word(words: Sequence[str], a: int) -> str | None:
    """The word before token a, or None at the start or after punctuation."""
    if a == 0 or not words[a - 1].isalpha():
        return None
    return words[a - 1]


# «مستشفى السعيرة العام»: a general hospital is named after its town.
_HOSPITAL = frozenset(p + "مستشفي" for p in ("", "و", "ب", "ل", "وب", "ول", "فب", "فل"))
_GENERAL = "العام"
# Titles that open a person's name, after which a park or hospital is named for a person.
TITLES = frozenset({"الملك", "الامير", "الاميره", "الشيخ", "الرئيس", "الدكتور", "الامام"})


def general_hospital(words: Sequence[str], a: int, b: int) -> bool:
    """Whether words[a:b] (one to three words) stand between «مستشفى» and «العام», and do not
    start with a title («مستشفى الملك خالد العام» is named after a king)."""
    return (
        0 < a < b <= a + 3
        and b < len(words)
        and words[a - 1] in _HOSPITAL
        and words[b] == _GENERAL
        and words[a] not in TITLES
        and all(w.isalpha() for w in words[a:b])
    )


# «تعليم المجمعة», «بتعليم المخواة»: a Saudi education office is named after its town.
_EDUCATION = frozenset(p + "تعليم" for p in ("", "و", "ب", "ل", "وب", "ول"))


def education_office(words: Sequence[str], a: int) -> bool:
    """Whether token a is right after «تعليم» (the education office of a Saudi town)."""
    return 0 < a < len(words) and words[a - 1] in _EDUCATION and words[a] not in TITLES


def general_hospitals(words: Sequence[str]) -> list[tuple[int, int]]:
    """Every span that names a general hospital's town."""
    return [
        (i + 1, j)
        for i, w in enumerate(words)
        if w in _HOSPITAL
        for j in range(i + 2, min(i + 5, len(words)))
        if general_hospital(words, i + 1, j)
    ]
