"""``rasid eval alerts``: recall and precision of rule matching on the built-in corpus.

The corpus (alerts/matching_corpus.yaml) holds Arabic sentences with every proclitic form,
spelling variants and near-miss words. Homographs (same letters, another meaning) are
reported on their own: no string matcher can separate them, so they are not in the goal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from alerts.rules import Rule, match_text

CORPUS = Path(__file__).with_name("matching_corpus.yaml")
GOAL = {"recall": 1.0, "precision": 0.99}
EXCLUDED_KINDS = frozenset({"homograph"})


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    rule: Rule
    match: list[str] = []
    no_match: list[str] = []


class Corpus(BaseModel):
    groups: list[Group]


def load_corpus(path: str | Path = CORPUS) -> list[Group]:
    from rasid.yamlconf import read_yaml, validate

    return validate(Corpus, {"groups": read_yaml(path)}, path).groups


def _scores(tp: int, fp: int, fn: int, tn: int) -> dict[str, Any]:
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
    }  # fmt: skip


def evaluate_matching(path: str | Path | None = None) -> dict[str, Any]:
    """Run every rule of the corpus on its sentences; return counts, scores and failures."""
    groups = load_corpus(path or CORPUS)
    counts: dict[str, list[int]] = {}
    failures: list[dict[str, Any]] = []
    for g in groups:
        c = counts.setdefault(g.kind, [0, 0, 0, 0])  # tp fp fn tn
        for text, expected in [*((t, True) for t in g.match), *((t, False) for t in g.no_match)]:
            got = match_text(g.rule, text) is not None
            c[(0 if got else 2) if expected else (1 if got else 3)] += 1
            if got != expected:
                failures.append(
                    {"rule": g.rule.id, "kind": g.kind, "text": text, "expected": expected}
                )
    main = [sum(c[i] for k, c in counts.items() if k not in EXCLUDED_KINDS) for i in range(4)]
    result = _scores(*main)
    result.update(
        {
            "cases": sum(sum(c) for c in counts.values()),
            "goal": GOAL,
            "meets_goal": result["recall"] >= GOAL["recall"]
            and result["precision"] >= GOAL["precision"],
            "excluded_kinds": sorted(EXCLUDED_KINDS),
            "by_kind": {k: _scores(*c) for k, c in sorted(counts.items())},
            "failures": failures,
        }
    )
    return result


__all__ = ["CORPUS", "evaluate_matching", "load_corpus"]
