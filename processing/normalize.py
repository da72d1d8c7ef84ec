"""Arabic normalisation for matching (never for display).

One definition serves the embedded full-text index, the alert matcher and the search
engine's query side, so «وطرابلس» in an article and «طرابلس» in a rule meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Harakat, tanwin, shadda, sukun, dagger alef and Quranic marks. Public as a character-class
# body so the highlighter (which works on the original text) treats the same marks as part
# of a word: Python's \w does not include these combining marks.
DIACRITICS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_DIACRITICS = re.compile(f"[{DIACRITICS}]")
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


# The same folds, applied faster: str.translate looks every character up in a dict (about
# 60 ns each, half the cost of tokenising a body), while the folds touch a few letters, so one
# str.replace per letter present (a C scan each) does the same work in a fifth of the time.
# Digits are rare in running text: only a text that has one is translated.
_FOLD_LETTERS = tuple((chr(k), v) for k, v in _FOLD.items() if not chr(k).isdigit())
_FOLD_DIGITS = {k: v for k, v in _FOLD.items() if chr(k).isdigit()}
_HAS_FOLD_DIGIT = re.compile("[" + "".join(map(chr, _FOLD_DIGITS)) + "]")


def normalize(text: str) -> str:
    """Fold the spellings that vary between outlets; keep word boundaries intact."""
    if not text:
        return ""
    # NFKC, skipped when the text already is (most are, once the no-break spaces that a
    # third of the articles carry are spaces: NFKC maps them to spaces too).
    if "\xa0" in text:
        text = text.replace("\xa0", " ")
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _BIDI.sub("", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    for src, dst in _FOLD_LETTERS:
        if src in text:
            text = text.replace(src, dst)
    if _HAS_FOLD_DIGIT.search(text):
        text = text.translate(_FOLD_DIGITS)
    return text.lower()


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
