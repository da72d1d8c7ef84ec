"""Merge the mentions of one entity within an article.

«حفتر», «خليفة حفتر» and «المشير حفتر» are one person: a mention joins an entity when its
words are a contiguous part of the entity's longest name (surname, first+last, an
organisation's short form «مجلس الأمن» of «مجلس الأمن الدولي»), or when the curated lists
map both to the same canonical name. The canonical name is the longest full name seen,
without titles; mentions keep their surface forms (proclitics removed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from processing.normalize import normalize
from processing.normalize import tokens as _tokens


@lru_cache(maxsize=100_000)
def tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokens(text))


@dataclass(slots=True)
class Surface:
    type: str
    text: str  # as written, proclitic removed
    curated: str = ""  # canonical name from the curated lists, if any


@dataclass(slots=True)
class Group:
    type: str
    key: tuple[str, ...]  # normalised words of the longest name
    surfaces: list[str] = field(default_factory=list)
    curated: str = ""
    display: str = ""


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def merge(mentions: Sequence[Surface]) -> list[Group]:
    """Groups in order of first mention; longest names first decide the groups."""
    order = {id(m): i for i, m in enumerate(mentions)}
    ranked = sorted(mentions, key=lambda m: (-len(tokens(m.text)), order[id(m)]))
    groups: list[Group] = []
    first_seen: dict[int, int] = {}
    for m in ranked:
        key = tokens(m.text)
        if not key:
            continue
        target = _find(groups, m, key)
        if target is None:
            target = Group(m.type, key, curated=m.curated, display=m.text)
            first_seen[id(target)] = order[id(m)]
            groups.append(target)
        target.surfaces.append(m.text)
        first_seen[id(target)] = min(first_seen[id(target)], order[id(m)])
        target.curated = target.curated or m.curated
    groups.sort(key=lambda g: first_seen[id(g)])
    for g in groups:
        g.display = _canonical(g)
    return groups


def _find(groups: list[Group], m: Surface, key: tuple[str, ...]) -> Group | None:
    same_type = [g for g in groups if g.type == m.type]
    if m.curated:
        for g in same_type:
            if g.curated == m.curated:
                return g
    exact = [g for g in same_type if g.key == key]
    if exact:
        return exact[0]
    # A single word that is part of several names («صالح» in two persons) joins the one
    # mentioned most; a PER short form must be a name word, not a title.
    cands = [g for g in same_type if _contains(g.key, key)]
    if not cands:
        return None
    return max(cands, key=lambda g: len(g.surfaces))


def _canonical(g: Group) -> str:
    counts = Counter(g.surfaces)
    best = max(counts, key=lambda s: (len(tokens(s)), counts[s], -_marks(s)))
    cur = g.curated
    if cur and len(tokens(cur)) > len(tokens(best)) and _contains(tokens(cur), g.key):
        return cur
    return best


def _marks(s: str) -> int:
    """Diacritics and tatweel: prefer the plain spelling for display."""
    return len(s) - len(normalize(s))
