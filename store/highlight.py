"""Highlight query terms in the original text (matching runs on the normalised form).

Pure functions: the embedded store and the alert renderer both use them, so a term is
highlighted exactly where it matched, clitics and spelling variants included.
"""

from __future__ import annotations

import re
from functools import lru_cache

from processing.normalize import DIACRITICS, match_forms, normalize, tokens

# A word of the original text: Python's \w has letters, digits and tatweel but not the
# Arabic combining marks (tanween, shadda, damma, sukun…), so \w+ alone cut «مهاجرًا» into
# «مهاجر» + «ا» and «محمّد» into «محم» + «د», and neither half matched. The marks (and the
# invisible joiners ZWNJ/ZWJ, which `normalize` also drops) belong to the word; each run is
# then normalised, so matching sees what `tokens` sees and the highlight keeps the marks.
_WORD = re.compile(f"[\\w{DIACRITICS}\u200c\u200d]+")


def query_terms(query: str) -> set[str]:
    return set(tokens(query))


@lru_cache(maxsize=100_000)
def _forms(word: str) -> tuple[str, ...]:
    return match_forms(normalize(word))


def _matches(word: str, terms: set[str]) -> bool:
    return any(form in terms for form in _forms(word))


def highlight(text: str, terms: set[str], *, start: str = "«", end: str = "»") -> str:
    """Wrap every word whose normalised, clitic-stripped reading is a query term."""
    if not terms:
        return text
    return _WORD.sub(
        lambda m: f"{start}{m.group(0)}{end}" if _matches(m.group(0), terms) else m.group(0), text
    )


def matched_words(text: str, terms: set[str]) -> list[str]:
    """Surface forms in ``text`` that match ``terms``, in order of first appearance."""
    seen: dict[str, None] = {}
    for m in _WORD.finditer(text):
        if _matches(m.group(0), terms):
            seen.setdefault(m.group(0))
    return list(seen)


def fragments(
    text: str, terms: set[str], *, width: int = 80, limit: int = 3, start: str = "«", end: str = "»"
) -> list[str]:
    """Up to ``limit`` windows of about ``width`` characters around matches, highlighted."""
    if not terms:
        return []
    out: list[str] = []
    last_end = -1
    for m in _WORD.finditer(text):
        if m.start() < last_end or not _matches(m.group(0), terms):
            continue
        lo = max(0, m.start() - width // 2)
        hi = min(len(text), m.end() + width // 2)
        # Widen to word boundaries so Arabic words are never cut in half.
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        # One line per fragment: a paragraph break inside would split an RTL run in two.
        frag = highlight(" ".join(text[lo:hi].split()), terms, start=start, end=end)
        out.append(("… " if lo > 0 else "") + frag + (" …" if hi < len(text) else ""))
        last_end = hi
        if len(out) >= limit:
            break
    return out
