"""Highlight query terms in the original text (matching runs on the normalised form).

Pure functions: the embedded store and the alert renderer both use them, so a term is
highlighted exactly where it matched, clitics and spelling variants included. A phrase
(an alert rule's «مصرف ليبيا المركزي») is marked where its words stand together, as one run,
the way the rule matcher reads it; a search's words are marked one by one.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from functools import lru_cache

from processing.normalize import DIACRITICS, match_forms, normalize, tokens

# A word of the original text: Python's \w has letters, digits and tatweel but not the
# Arabic combining marks (tanween, shadda, damma, sukun…), so \w+ alone cut «مهاجرًا» into
# «مهاجر» + «ا» and «محمّد» into «محم» + «د», and neither half matched. The marks (and the
# invisible joiners ZWNJ/ZWJ, which `normalize` also drops) belong to the word; each run is
# then normalised, so matching sees what `tokens` sees and the highlight keeps the marks.
_WORD = re.compile(f"[\\w{DIACRITICS}\u200c\u200d]+")


# A phrase: normalised tokens that must appear as consecutive words («مصرف ليبيا المركزي»).
# A token ending in «*» matches any word whose reading starts with it (an alert rule's
# derived forms: «طرابلس*» marks «الطرابلسية» where the rule matched it).
Phrase = tuple[str, ...]


def query_terms(query: str) -> set[str]:
    return set(tokens(query))


def term_phrases(terms: Iterable[str]) -> frozenset[Phrase]:
    """Terms as a rule writes them (``Alert.matched_terms``) as phrases; a one-word term is a
    one-token phrase. A trailing «*» (derived forms) marks each token as a prefix, as the
    rule matcher reads it."""
    out = set()
    for t in terms:
        star = "*" if t.rstrip().endswith("*") else ""
        if p := tuple(tok + star for tok in tokens(t.rstrip().rstrip("*"))):
            out.add(p)
    return frozenset(out)


@lru_cache(maxsize=100_000)
def _forms(word: str) -> tuple[str, ...]:
    return match_forms(normalize(word))


def _matches(word: str, terms: set[str] | frozenset[str]) -> bool:
    return any(form in terms for form in _forms(word))


def _token_ok(q: str, forms: tuple[str, ...]) -> bool:
    if q.endswith("*"):
        return any(f.startswith(q[:-1]) for f in forms)
    return q in forms


def _split(
    terms: set[str], phrases: Collection[Phrase]
) -> tuple[frozenset[str], dict[str, list[Phrase]], list[Phrase]]:
    """Single words, the longer phrases by first token, and the phrases whose first token
    is a prefix («*»), each longest first (so a rule with both «مصرف ليبيا» and «مصرف ليبيا
    المركزي» marks the longer run)."""
    singles = set(terms)
    by_first: dict[str, list[Phrase]] = {}
    by_prefix: list[Phrase] = []
    for p in sorted(phrases, key=len, reverse=True):
        if len(p) == 1 and not p[0].endswith("*"):
            singles.add(p[0])
        elif p and p[0].endswith("*"):
            by_prefix.append(p)
        elif p:
            by_first.setdefault(p[0], []).append(p)
    return frozenset(singles), by_first, by_prefix


def spans(
    text: str, terms: set[str], phrases: Collection[Phrase] = ()
) -> Iterator[tuple[int, int]]:
    """Character spans of ``text`` to highlight, in order and never overlapping: each word
    whose reading is one of ``terms``, and each run of consecutive words whose readings are
    a phrase's tokens, as one span with the spaces and commas between them. A phrase's
    words found apart are not marked: only ``terms`` mark single words."""
    singles, by_first, by_prefix = _split(terms, phrases)
    if not by_first and not by_prefix:  # the common case (search, one-word rules): one pass
        for m in _WORD.finditer(text):
            if _matches(m.group(0), singles):
                yield m.span()
        return
    # A word that normalises to nothing (a stray mark) is no token for the matcher either,
    # so it must not break a run. Read lazily, a phrase's length ahead at most: the alert
    # snippet needs only the first match, usually well before the end of the body.
    words = ((m, f) for m in _WORD.finditer(text) if (f := _forms(m.group(0)))[0])
    ahead: deque[tuple[re.Match[str], tuple[str, ...]]] = deque()

    def fill(n: int) -> bool:
        while len(ahead) < n:
            nxt = next(words, None)
            if nxt is None:
                return False
            ahead.append(nxt)
        return True

    while fill(1):
        forms = ahead[0][1]
        run = 0
        for form in forms:
            for p in by_first.get(form, ()):
                if len(p) <= run:
                    break  # longest first: nothing longer left for this reading
                if fill(len(p)) and all(_token_ok(q, ahead[k][1]) for k, q in enumerate(p[1:], 1)):
                    run = len(p)
                    break
        for p in by_prefix:
            if (
                len(p) > run
                and fill(len(p))
                and all(_token_ok(q, ahead[k][1]) for k, q in enumerate(p))
            ):
                run = len(p)
        if run:
            yield ahead[0][0].start(), ahead[run - 1][0].end()
            for _ in range(run):
                ahead.popleft()
            continue
        if any(form in singles for form in forms):
            yield ahead[0][0].span()
        ahead.popleft()


def highlight(
    text: str,
    terms: set[str],
    *,
    phrases: Collection[Phrase] = (),
    start: str = "«",
    end: str = "»",
) -> str:
    """Wrap every word whose normalised, clitic-stripped reading is a query term, and every
    occurrence of a phrase as one run."""
    if not terms and not phrases:
        return text
    out: list[str] = []
    pos = 0
    for lo, hi in spans(text, terms, phrases):
        out.append(f"{text[pos:lo]}{start}{text[lo:hi]}{end}")
        pos = hi
    out.append(text[pos:])
    return "".join(out)


def matched_words(text: str, terms: set[str], phrases: Collection[Phrase] = ()) -> list[str]:
    """Surface forms in ``text`` that match ``terms`` (or phrases), in order of first
    appearance."""
    seen: dict[str, None] = {}
    for lo, hi in spans(text, terms, phrases):
        seen.setdefault(text[lo:hi])
    return list(seen)


def fragments(
    text: str,
    terms: set[str],
    *,
    phrases: Collection[Phrase] = (),
    width: int = 80,
    limit: int = 3,
    start: str = "«",
    end: str = "»",
) -> list[str]:
    """Up to ``limit`` windows of about ``width`` characters around matches, highlighted."""
    if not terms and not phrases:
        return []
    out: list[str] = []
    last_end = -1
    for m_start, m_end in spans(text, terms, phrases):
        if m_start < last_end:
            continue
        lo = max(0, m_start - width // 2)
        hi = min(len(text), m_end + width // 2)
        # Widen to word boundaries so Arabic words are never cut in half.
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        # One line per fragment: a paragraph break inside would split an RTL run in two.
        frag = highlight(
            " ".join(text[lo:hi].split()), terms, phrases=phrases, start=start, end=end
        )
        out.append(("… " if lo > 0 else "") + frag + (" …" if hi < len(text) else ""))
        last_end = hi
        if len(out) >= limit:
            break
    return out
