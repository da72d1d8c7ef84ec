"""Arabic normalisation for matching (never for display).

One definition serves the embedded full-text index, the alert matcher and the search
engine's query side, so «وطرابلس» in an article and «طرابلس» in a rule meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Harakat, tanwin, shadda, sukun, dagger alef and Quranic marks.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        # Persian/Urdu look-alikes that appear in badly encoded Arabic text.
        "ی": "ي",
        "ک": "ك",
        # Eastern Arabic and Persian digits.
        **{chr(0x0660 + i): str(i) for i in range(10)},
        **{chr(0x06F0 + i): str(i) for i in range(10)},
    }
)
# Bidi controls carry no meaning for matching.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u200c\u200d\ufeff]")
_TOKEN = re.compile(r"\w+", re.UNICODE)

# Proclitics, longest first: conjunction (و ف), preposition (ب ل ك), article (ال).
_PROCLITICS: tuple[str, ...] = (
    "وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل",
    "ال", "وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك",
)  # fmt: skip
_MIN_STEM = 3
# By first letter: a word can only start with the proclitics that start with its letter (each
# new word of a stream is read here; most need no test at all).
_PROCLITICS_BY_LETTER: dict[str, tuple[str, ...]] = {
    c: tuple(p for p in _PROCLITICS if p[0] == c) for c in {p[0] for p in _PROCLITICS}
}


def normalize(text: str) -> str:
    """Fold the spellings that vary between outlets; keep word boundaries intact."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _BIDI.sub("", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    return text.translate(_FOLD).lower()


def tokens(text: str) -> list[str]:
    """Normalised word tokens; punctuation such as «طرابلس،» falls away here."""
    return _TOKEN.findall(normalize(text))


@lru_cache(maxsize=200_000)
def match_forms(token: str) -> tuple[str, ...]:
    """The token and every reading of it with a proclitic removed.

    Only prefixes are stripped: «وطرابلس» yields «طرابلس», but «طرابلسي» stays a
    different word. ``لل`` also restores the article it swallowed («للحكومة» → «الحكومة»).
    """
    forms = [token]
    for prefix in _PROCLITICS_BY_LETTER.get(token[:1], ()):
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            rest = token[len(prefix) :]
            if prefix.endswith("لل"):
                forms.append("ال" + rest)
            forms.append(rest)
    # Dedupe while keeping order (the surface form first).
    return tuple(dict.fromkeys(forms))


def index_text(text: str) -> str:
    """Text for a full-text index: each token followed by its clitic-free readings."""
    return " ".join(" ".join(match_forms(t)) for t in tokens(text))
