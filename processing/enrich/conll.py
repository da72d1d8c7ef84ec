"""CoNLL reading and BIO span helpers shared by training and evaluation."""

from __future__ import annotations

from pathlib import Path

# ANERcorp spells persons PERS; Rasid's records say PER.
TAG_MAP = {"PERS": "PER", "PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"}


def read_conll(path: str | Path) -> list[list[tuple[str, str]]]:
    """Sentences of (token, tag). Blank lines end a sentence; so does a lone «.» token,
    because the ANERcorp training file has no blank lines at all."""
    sents: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                # Blank line, or a token lost to whitespace (one RLM mark in ANERcorp).
                if not line.strip() and cur:
                    sents.append(cur)
                    cur = []
                continue
            tok, tag = parts[0], parts[-1]
            if tag != "O":
                pre, _, typ = tag.partition("-")
                tag = f"{pre}-{TAG_MAP.get(typ, typ)}"
            cur.append((tok, tag))
            if tok == "." and tag == "O":
                sents.append(cur)
                cur = []
    if cur:
        sents.append(cur)
    return sents


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """CoNLL-style chunks: (start, end, type); an I- without a matching B- opens a chunk,
    as conlleval does."""
    out: set[tuple[int, int, str]] = set()
    start, typ = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        pre, _, t = tag.partition("-")
        if typ and (pre in ("B", "O") or t != typ):
            out.add((start, i, typ))
            typ = ""
        if pre == "B" or (pre == "I" and t != typ):
            start, typ = i, t
    return out
