"""Features for the statistical tagger.

Two kinds, kept apart so that decoding can cache:
- word features depend on one word and its offset from the current position (-2..+2); the
  decoder caches their summed weight vector per (offset, word), so a word seen before costs
  one dict lookup;
- context features depend on the whole sentence (gazetteer and title matches); there are
  few of them per position.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache, lru_cache

from processing.enrich.lexicon.lists import Hit, lexicon
from processing.normalize import match_forms

OFFSETS = (-2, -1, 0, 1, 2)
# Word clusters of the loaded model (see distsim.py); one model per process.
_CLUSTERS: dict[str, tuple[int, ...]] = {}


def set_clusters(clusters: dict[str, tuple[int, ...]]) -> None:
    if clusters is _CLUSTERS or clusters == _CLUSTERS:
        return
    _CLUSTERS.clear()
    _CLUSTERS.update(clusters)
    word_feature_block.cache_clear()


def _cluster_feats(prefix: str, ids: tuple[int, ...] | None) -> tuple[str, ...]:
    if ids is None:
        return (f"{prefix}k=none",)
    return tuple([f"{prefix}k{n}={c}" for n, c in enumerate(ids)])


def _shape(w: str) -> str:
    if w.isdigit():
        return "D"
    if not w[:1].isalnum():
        return "P"
    if w.isascii():
        return "L"
    return "A" if len(w) > 3 else "a"


def word_features(w: str, off: int) -> tuple[str, ...]:
    return word_feature_block(w)[OFFSETS.index(off)]


# Training and the reference decoder ask for each word five times per position, so they go
# through this cache; its size covers the training vocabulary (ANERcorp: about 30,000 words).
# The article decoder calls feature_block directly: it keeps each word's summed weights
# (CRFModel._rows) and never asks twice. (This cache once held 300,000 words at about 4 kB
# each, 360 MB after 3,000 articles: the largest part of the pipeline's memory.)
@lru_cache(maxsize=50_000)
def word_feature_block(w: str) -> tuple[tuple[str, ...], ...]:
    return feature_block(w)


def feature_block(w: str) -> tuple[tuple[str, ...], ...]:
    """Feature strings of one word at each offset of OFFSETS (-2, -1, 0, 1, 2): the word,
    its clitic-free core, affixes, shape, word clusters."""
    forms = match_forms(w)
    core = forms[-1]
    shape = _shape(w)
    ids = _CLUSTERS.get(w) or _CLUSTERS.get(core)
    # Each string is built whole, offset first: this runs for every new word of a stream.
    p2, x2, x3 = w[:2], w[-2:], w[-3:]

    def near(o: str) -> tuple[str, ...]:
        return (f"{o}w={w}", f"{o}c={core}", f"{o}p2={p2}", f"{o}x2={x2}", f"{o}x3={x3}",
                f"{o}sh={shape}", *_cluster_feats(o, ids))  # fmt: skip

    centre = (
        f"0w={w}", f"0c={core}", f"0sh={shape}", f"0p1={w[:1]}", f"0p2={p2}", f"0p3={w[:3]}",
        f"0p4={w[:4]}", f"0x1={w[-1:]}", f"0x2={x2}", f"0x3={x3}", f"0x4={w[-4:]}",
        f"0cx2={core[-2:]}", f"0cx3={core[-3:]}", f"0cp2={core[:2]}", f"0cp3={core[:3]}",
        f"0len={min(len(core), 8)}", *_cluster_feats("0", ids),
    )  # fmt: skip
    if len(forms) > 1:
        centre = (*centre, f"0cl={w[: len(w) - len(core)]}")
    return (
        (f"-2w={w}", f"-2c={core}"),
        near("-1"),
        centre,
        near("1"),
        (f"2w={w}", f"2c={core}"),
    )


# The same word features as (kind, value) pairs, for the decoder: it keeps, per pair, the
# weights of the kind's strings at every offset summed into one block, so a new word costs
# about twenty short lookups instead of fifty feature strings built and hashed (the stream's
# new words were a seventh of enrichment time). Which offsets each kind is used at:
_ALL_OFFSETS = OFFSETS
_NEAR_OFFSETS = (-1, 0, 1)
_CENTRE = (0,)
KIND_OFFSETS: dict[str, tuple[int, ...]] = {
    "w": _ALL_OFFSETS, "c": _ALL_OFFSETS,
    "p2": _NEAR_OFFSETS, "x2": _NEAR_OFFSETS, "x3": _NEAR_OFFSETS, "sh": _NEAR_OFFSETS,
    "p1": _CENTRE, "p3": _CENTRE, "p4": _CENTRE, "x1": _CENTRE, "x4": _CENTRE,
    "cx2": _CENTRE, "cx3": _CENTRE, "cp2": _CENTRE, "cp3": _CENTRE, "len": _CENTRE,
    "cl": _CENTRE,
}  # fmt: skip
CLUSTER_OFFSETS = _NEAR_OFFSETS  # kinds "k" (value "none") and "k0", "k1", …


def kind_offsets(kind: str) -> tuple[int, ...]:
    """The offsets a word-feature kind is used at; none for what is not a word feature."""
    return CLUSTER_OFFSETS if kind[:1] == "k" else KIND_OFFSETS.get(kind, ())


# The kinds every word has, in the order of word_values.
WORD_KINDS = (
    "w", "c", "sh", "p1", "p2", "p3", "p4", "x1", "x2", "x3", "x4", "cx2", "cx3", "cp2", "cp3",
    "len",
)  # fmt: skip


def word_values(w: str) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """The features of :func:`feature_block` as (kind, value) pairs: at each offset of
    ``kind_offsets(kind)``, a pair is the string f"{offset}{kind}={value}". The kinds every
    word has come as values in the order of WORD_KINDS (no pair built: this runs for every
    new word of a stream); the word clusters and the clitic come as pairs."""
    forms = match_forms(w)
    core = forms[-1]
    values = (
        w, core, _shape(w), w[:1], w[:2], w[:3], w[:4], w[-1:], w[-2:], w[-3:], w[-4:],
        core[-2:], core[-3:], core[:2], core[:3], _LEN[min(len(core), 8)],
    )  # fmt: skip
    ids = _CLUSTERS.get(w) or _CLUSTERS.get(core)
    extra = [("k", "none")] if ids is None else [(f"k{n}", str(c)) for n, c in enumerate(ids)]
    if len(forms) > 1:
        extra.append(("cl", w[: len(w) - len(core)]))
    return values, extra


_LEN = [str(n) for n in range(9)]


_NOT_FEATURES = frozenset({"cue"})  # cue verbs serve the claim rules only


def context_features(
    n: int, hits: Sequence[Hit], sents: Sequence[tuple[int, int]] | None = None
) -> list[tuple[str, ...]]:
    """Per-position lexicon features: list matches as B/I, and their neighbours (within the
    match's sentence). Most positions have none: they share one empty tuple."""
    rows: defaultdict[int, list[str]] = defaultdict(list)
    sid = [0] * n
    for k, (a, b) in enumerate(sents or ()):
        sid[a:b] = [k] * (b - a)
    for h in hits:
        name = h.list
        if name in _NOT_FEATURES or h.end > n or sid[h.start] != sid[h.end - 1]:
            continue
        first, inner, follows, precedes = _context_names(name)
        rows[h.start].append(first)
        for k in range(h.start + 1, h.end):
            rows[k].append(inner)
        if h.end < n and sid[h.end] == sid[h.start]:
            rows[h.end].append(follows)  # follows a match (a name after a title)
        if h.start > 0 and sid[h.start - 1] == sid[h.start]:
            rows[h.start - 1].append(precedes)
    out: list[tuple[str, ...]] = [()] * n
    for i, row in rows.items():
        out[i] = tuple(row)  # in hit order, repeats kept: see canonical_context
    return out


def canonical_context(feats: Sequence[str]) -> list[str]:
    """A position's list features as the model saw them in training: each once, sorted.
    (The decoder caches by the raw tuple and canonicalises only what it has not seen.)"""
    return sorted(set(feats))


@cache
def _context_names(name: str) -> tuple[str, str, str, str]:
    return f"g{name}B", f"g{name}I", f"g{name}>", f"g{name}<"


def sentence_features(words: Sequence[str], hits: Sequence[Hit] | None = None) -> list[list[str]]:
    """Every feature string of every position (training, and the reference decoder)."""
    n = len(words)
    ctx = context_features(n, lexicon().scan(words) if hits is None else hits)
    rows: list[list[str]] = []
    for i in range(n):
        row = ["b"]
        for off in OFFSETS:
            j = i + off
            if 0 <= j < n:
                row.extend(word_features(words[j], off))
            elif off in (-1, 1):
                row.append(f"{off}bound")
        row.extend(canonical_context(ctx[i]))
        rows.append(row)
    return rows
