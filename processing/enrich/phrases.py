"""Token-level trie for multi-word gazetteer lookup, clitic-aware on the first word.

Gazetteer keys are tuples of normalised words. Matching walks the text once, left to right,
and takes the longest entry at each position (one dict lookup per clitic reading of a word),
so cost is linear in the text and independent of gazetteer size: no regex loops.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from processing.normalize import match_forms, tokens

V = TypeVar("V", bound=Hashable)


class Match(NamedTuple):
    start: int  # token index, inclusive
    end: int  # token index, exclusive
    values: tuple[Any, ...]
    stripped: bool  # the first word matched only after removing a proclitic
    form: str = ""  # the reading of the first word that matched


@lru_cache(maxsize=200_000)
def readings(word: str) -> tuple[str, ...]:
    """The word, then its clitic-free readings, least stripped first («وباريس» is «باريس»
    before it is «اريس»)."""
    forms = match_forms(word)
    return (forms[0], *sorted(forms[1:], key=len, reverse=True))


def key_of(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


class PhraseIndex(Generic[V]):
    def __init__(self) -> None:
        # first word -> {rest-of-phrase: values}; rests are tried longest first.
        self._heads: dict[str, dict[tuple[str, ...], tuple[V, ...]]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._heads.values())

    def add(self, key: Sequence[str], value: V) -> None:
        if not key:
            return
        head, rest = key[0], tuple(key[1:])
        slot = self._heads.setdefault(head, {})
        old = slot.get(rest, ())
        if value not in old:
            slot[rest] = (*old, value)
        self._lengths[head] = tuple(sorted({len(r) for r in slot}, reverse=True))

    def add_phrase(self, phrase: str, value: V) -> None:
        self.add(key_of(phrase), value)

    def has_head(self, word: str) -> bool:
        return word in self._heads

    def get(self, key: Sequence[str]) -> tuple[V, ...]:
        if not key:
            return ()
        return self._heads.get(key[0], {}).get(tuple(key[1:]), ())

    def phrases(self) -> Iterable[tuple[str, ...]]:
        for head, slot in self._heads.items():
            for rest in slot:
                yield (head, *rest)

    def find_all(self, words: Sequence[str], strip: bool = True) -> list[Match]:
        """Every match at every position, overlapping ones included."""
        out: list[Match] = []
        heads, lengths = self._heads, self._lengths
        n = len(words)
        for i in range(n):
            forms = readings(words[i]) if strip else (words[i],)
            ends: set[int] = set()  # one reading per span: the least stripped one
            for k, form in enumerate(forms):
                slot = heads.get(form)
                if slot is None:
                    continue
                for length in lengths[form]:
                    end = i + 1 + length
                    if end > n or end in ends:
                        continue
                    vals = slot.get(tuple(words[i + 1 : end]) if length else ())
                    if vals is not None:
                        ends.add(end)
                        out.append(Match(i, end, vals, k > 0, form))
        return out

    def find(self, words: Sequence[str], strip: bool = True) -> list[Match]:
        """Longest non-overlapping matches over normalised words, left to right."""
        out: list[Match] = []
        heads, lengths = self._heads, self._lengths
        n = len(words)
        i = 0
        while i < n:
            best: Match | None = None
            forms = readings(words[i]) if strip else (words[i],)
            for k, form in enumerate(forms):
                slot = heads.get(form)
                if slot is None:
                    continue
                for length in lengths[form]:
                    if i + 1 + length > n or (best is not None and length + 1 <= best.end - i):
                        continue
                    rest = tuple(words[i + 1 : i + 1 + length])
                    vals = slot.get(rest)
                    if vals is not None:
                        best = Match(i, i + 1 + length, vals, k > 0, form)
                        break
            if best is not None:
                out.append(best)
                i = best.end
            else:
                i += 1
        return out
