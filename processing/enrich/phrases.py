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


class _Start(NamedTuple):
    stripped: bool
    form: str
    slot: dict[tuple[str, ...], tuple[Any, ...]]
    lengths: tuple[int, ...]


_STARTS_MAX = 200_000


@lru_cache(maxsize=200_000)
def readings(word: str) -> tuple[str, ...]:
    """The word, then its clitic-free readings, least stripped first («وباريس» is «باريس»
    before it is «اريس»)."""
    forms = match_forms(word)
    short = word[:-2] in _SHORT_CLITICS and word[-2:] in _SHORT_HEADS
    return (forms[0], *sorted(forms[1:], key=len, reverse=True), *((word[-2:],) if short else ()))


# «بأم الدوم», «وأم قصر», «وتل أبيب»: a clitic on «أم» or «تل» leaves a two-letter stem,
# too short to be read off a word on its own (match_forms), but the head of a name of two
# words or more.
_SHORT_HEADS = frozenset({"ام", "تل"})
_SHORT_CLITICS = frozenset({"و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل"})


def _lengths_of(form: str, stripped: bool, lengths: tuple[int, ...]) -> tuple[int, ...]:
    """The name lengths a reading may start: a short stem only starts names of two words."""
    if stripped and form in _SHORT_HEADS:
        return tuple(n for n in lengths if n)
    return lengths


def key_of(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


class PhraseIndex(Generic[V]):
    def __init__(self) -> None:
        # first word -> {rest-of-phrase: values}; rests are tried longest first.
        self._heads: dict[str, dict[tuple[str, ...], tuple[V, ...]]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}
        # word -> the readings of it that start an entry, with their slots. Most words of a
        # text start none, and a text repeats its words, so this saves find_all the clitic
        # readings and head lookups of every word seen before. Cleared by add().
        self._starts: dict[str, tuple[_Start, ...]] = {}

    # The gazetteer is pickled: keep _starts (derived, per process) out of the file, and
    # give indexes read from a file, including ones written before it existed, an empty one.
    def __getstate__(self) -> dict[str, Any]:
        return {"_heads": self._heads, "_lengths": self._lengths}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._heads = state["_heads"]
        self._lengths = state["_lengths"]
        self._starts = {}

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
        self._starts.clear()

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

    def _starts_of(self, word: str, strip: bool = True) -> tuple[_Start, ...]:
        """The readings of ``word`` that start an entry, least stripped first (remembered
        for the next texts when ``strip``)."""
        out = []
        for k, form in enumerate(readings(word) if strip else (word,)):
            slot = self._heads.get(form)
            if slot is not None:
                out.append(_Start(k > 0, form, slot, _lengths_of(form, k > 0, self._lengths[form])))
        found = tuple(out)
        if strip:
            if len(self._starts) >= _STARTS_MAX:  # bound memory on endless streams
                self._starts.clear()
            self._starts[word] = found
        return found

    def find_all(self, words: Sequence[str], strip: bool = True) -> list[Match]:
        """Every match at every position, overlapping ones included."""
        return [Match(*m) for m in self.spans(words, strip)]

    def spans(
        self, words: Sequence[str], strip: bool = True
    ) -> list[tuple[int, int, tuple[V, ...], bool, str]]:
        """``find_all`` as plain tuples (start, end, values, stripped, form): the lexicon
        scan turns them into its own records, and building a Match first would cost as much
        as the search itself."""
        out: list[tuple[int, int, tuple[V, ...], bool, str]] = []
        known = self._starts
        n = len(words)
        for i, word in enumerate(words):
            if strip:
                starts = known.get(word)
                if starts is None:
                    starts = self._starts_of(word)
            else:
                starts = self._starts_of(word, strip=False)
            if not starts:
                continue
            ends: set[int] = set()  # one reading per span: the least stripped one
            for stripped, form, slot, lengths in starts:
                for length in lengths:
                    end = i + 1 + length
                    if end > n or end in ends:
                        continue
                    vals = slot.get(tuple(words[i + 1 : end]) if length else ())
                    if vals is not None:
                        ends.add(end)
                        out.append((i, end, vals, stripped, form))
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
                for length in _lengths_of(form, k > 0, lengths[form]):
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
