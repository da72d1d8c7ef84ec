"""Synthetic edits of real articles: the known-answer half of the evaluation.

Each edit mimics what an outlet does to wire copy it reprints. Generated at evaluation
time from the corpus with a fixed seed; nothing derived from the corpus is stored.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

EDITS: tuple[str, ...] = ("headline", "para_drop", "para_reorder", "sentence_add", "trim20")

_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")
_HEADLINE_PREFIXES = ("عاجل:", "بالتفاصيل..", "شاهد:", "متابعة:", "")


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs; single-block bodies are cut into runs of two sentences."""
    paras = [p.strip() for p in re.split(r"\n+", body) if p.strip()]
    if len(paras) >= 3:
        return paras
    sents = [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]
    return [" ".join(sents[i : i + 2]) for i in range(0, len(sents), 2)]


def sentences(body: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]


def editable(body: str) -> bool:
    """Long enough that each edit means what it says (a paragraph is not half the text)."""
    return len(body) >= 600 and len(paragraphs(body)) >= 3


def edit(kind: str, title: str, body: str, rng: random.Random, donor: str) -> tuple[str, str]:
    """Apply one edit; ``donor`` is another article that lends a sentence."""
    return _EDITORS[kind](title, body, rng, donor)


def _headline(title: str, body: str, rng: random.Random, donor: str) -> tuple[str, str]:
    words = title.split()
    if len(words) > 3:
        cut = rng.randrange(1, len(words) - 1)
        words = words[cut:] + words[:cut]  # the same facts, reordered: «X: Y» -> «Y .. X»
    return f"{rng.choice(_HEADLINE_PREFIXES)} {' '.join(words)}".strip(), body


def _para_drop(title: str, body: str, rng: random.Random, donor: str) -> tuple[str, str]:
    paras = paragraphs(body)
    del paras[rng.randrange(1, len(paras))]  # editors keep the lead
    return title, "\n".join(paras)


def _para_reorder(title: str, body: str, rng: random.Random, donor: str) -> tuple[str, str]:
    paras = paragraphs(body)
    i = rng.randrange(1, len(paras) - 1)
    paras[i], paras[i + 1] = paras[i + 1], paras[i]
    return title, "\n".join(paras)


def _sentence_add(title: str, body: str, rng: random.Random, donor: str) -> tuple[str, str]:
    paras = paragraphs(body)
    extra = sentences(donor) or [donor]
    paras.insert(rng.randrange(1, len(paras) + 1), rng.choice(extra))
    return title, "\n".join(paras)


def _trim20(title: str, body: str, rng: random.Random, donor: str) -> tuple[str, str]:
    cut = int(len(body) * 0.8)
    space = body.rfind(" ", 0, cut)
    return title, body[: space if space > 0 else cut]


_EDITORS: dict[str, Callable[[str, str, random.Random, str], tuple[str, str]]] = {
    "headline": _headline,
    "para_drop": _para_drop,
    "para_reorder": _para_reorder,
    "sentence_add": _sentence_add,
    "trim20": _trim20,
}


def pick_originals(bodies: Sequence[str], n: int, rng: random.Random) -> list[int]:
    """Indices of ``n`` editable bodies, chosen with ``rng``."""
    pool = [i for i, b in enumerate(bodies) if editable(b)]
    return sorted(rng.sample(pool, min(n, len(pool))))
