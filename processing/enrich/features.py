"""Features for the statistical tagger.

Two kinds, kept apart so that decoding can cache:
- word features depend on one word and its offset from the current position (-2..+2); the
  decoder caches their summed weight vector per (offset, word), so a word seen before costs
  one dict lookup;
- context features depend on the whole sentence (gazetteer and title matches); there are
  few of them per position.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

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


def _cluster_feats(w: str, core: str) -> list[str]:
    ids = _CLUSTERS.get(w) or _CLUSTERS.get(core)
    if ids is None:
        return ["k=none"]
    return [f"k{n}={c}" for n, c in enumerate(ids)]


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


@lru_cache(maxsize=300_000)
def word_feature_block(w: str) -> tuple[tuple[str, ...], ...]:
    """Feature strings of one word at each offset of OFFSETS (-2, -1, 0, 1, 2), built once:
    the word, its clitic-free core, affixes, shape, word clusters."""
    forms = match_forms(w)
    core = forms[-1]
    shape = _shape(w)
    clusters = _cluster_feats(w, core)
    x2 = w[-2:]
    near = ["w=" + w, "c=" + core, "p2=" + w[:2], "x2=" + x2, "x3=" + w[-3:], "sh=" + shape,
            *clusters]  # fmt: skip
    centre = [
        "w=" + w, "c=" + core, "sh=" + shape, "p1=" + w[:1], "p2=" + w[:2], "p3=" + w[:3],
        "p4=" + w[:4], "x1=" + w[-1:], "x2=" + x2, "x3=" + w[-3:], "x4=" + w[-4:],
        "cx2=" + core[-2:], "cx3=" + core[-3:], "cp2=" + core[:2], "cp3=" + core[:3],
        "len=" + str(min(len(core), 8)), *clusters,
    ]  # fmt: skip
    if len(forms) > 1:
        centre.append("cl=" + w[: len(w) - len(core)])
    far = ["w=" + w, "c=" + core]
    return (
        tuple(["-2" + f for f in far]),
        tuple(["-1" + f for f in near]),
        tuple(["0" + f for f in centre]),
        tuple(["1" + f for f in near]),
        tuple(["2" + f for f in far]),
    )


_NOT_FEATURES = frozenset({"cue"})  # cue verbs serve the claim rules only


def context_features(
    n: int, hits: Sequence[Hit], sents: Sequence[tuple[int, int]] | None = None
) -> list[list[str]]:
    """Per-position lexicon features: list matches as B/I, and their neighbours (within the
    match's sentence)."""
    out: list[list[str]] = [[] for _ in range(n)]
    sid = [0] * n
    for k, (a, b) in enumerate(sents or ()):
        sid[a:b] = [k] * (b - a)
    for h in hits:
        name = h.list
        if name in _NOT_FEATURES or h.end > n or sid[h.start] != sid[h.end - 1]:
            continue
        out[h.start].append(f"g{name}B")
        for k in range(h.start + 1, h.end):
            out[k].append(f"g{name}I")
        if h.end < n and sid[h.end] == sid[h.start]:
            out[h.end].append(f"g{name}>")  # follows a match (a name after a title)
        if h.start > 0 and sid[h.start - 1] == sid[h.start]:
            out[h.start - 1].append(f"g{name}<")
    for row in out:
        if len(row) > 1:
            row[:] = sorted(set(row))
    return out


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
        row.extend(ctx[i])
        rows.append(row)
    return rows
