"""Tokens with offsets into the original text, and sentence boundaries.

Words keep their clitics (as in ANERcorp): «وطرابلس» is one token whose normalised form is
«وطرابلس»; clitic readings come from :func:`processing.normalize.match_forms` where needed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

from processing.normalize import normalize

# Harakat, shadda and tatweel are inside words; \w alone would split «السّراج» at the shadda.
_WORD = r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640]+"
_TOKEN_RE = re.compile(rf"{_WORD}|[^\w\s]")
# A hashtag's words are joined by «_» (#شهيد_الإمارات_سيف_الفلاسي), which \w takes in: text
# that has one is split there too. (A separate pattern: the alternation is slower, and the
# underscore is rare.)
_TOKEN_RE_UNDERSCORE = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u0640])+|[^\w\s]")
# A sentence ends at . ! ? ؟ or a line break; the Arabic comma does not end one.
# (The leading lookahead lets the engine skip other characters fast: a third faster.)
_SENT_END = re.compile(r"(?=[.!?؟\n])(?:[.!?؟]+(?=\s|$|[\"»”])|\n+)")


class Token(NamedTuple):  # a tuple: thousands are made per article, creation must be cheap
    text: str  # as written
    norm: str  # processing.normalize.normalize(text)
    start: int
    end: int


@lru_cache(maxsize=200_000)
def norm_token(text: str) -> str:
    return normalize(text)


def tokenize(text: str, offset: int = 0) -> list[Token]:
    found = list((_TOKEN_RE_UNDERSCORE if "_" in text else _TOKEN_RE).finditer(text))
    words = list(map(re.Match.group, found))
    starts = map(re.Match.start, found)
    ends = map(re.Match.end, found)
    if offset:
        starts = (a + offset for a in starts)
        ends = (b + offset for b in ends)
    # Built by map, without a Python-level call per token: an article has hundreds of them.
    # tuple.__new__(Token, fields) is what Token(*fields) does, minus that call.
    fields = zip(words, map(norm_token, words), starts, ends, strict=True)
    return list(map(tuple.__new__, repeat(Token), fields))


_QUOTES = re.compile(r'[«»"“”]')


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty sentence, end exclusive, punctuation included.

    A full stop inside a quotation does not end the sentence («"…العسكرية. أؤكد…"» is one
    claim); a line break always does, so an unbalanced quote cannot swallow a paragraph.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        if m.group()[0] != "\n" and _inside_quote(text[start : m.start()]):
            continue
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _inside_quote(chunk: str) -> bool:
    depth = 0
    plain_open = False
    for q in _QUOTES.findall(chunk):
        if q in "«“":
            depth += 1
        elif q in "»”":
            depth = max(depth - 1, 0)
        else:
            plain_open = not plain_open
    return depth > 0 or plain_open


def is_word(tok: Token) -> bool:
    return tok.norm[:1].isalnum()
