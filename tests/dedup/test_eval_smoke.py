from __future__ import annotations

import json
from pathlib import Path

import pytest

from processing.dedup.evaluate import (
    FRESH_LABELS_PATH,
    FRESH_SETS,
    LABELS_PATH,
    evaluate_dedup,
    load_labels,
)


def test_labels_hold_ids_not_text() -> None:
    labels = load_labels()
    assert len(labels["pairs"]) >= 400
    for p in labels["pairs"]:
        assert set(p) == {"a", "b", "stratum", "label", "votes"}
        assert p["label"] in {"D", "S", "N"}
        # two or three passes; the label is their majority
        assert set(p["votes"]) <= {"D", "S", "N"} and len(p["votes"]) in (2, 3)
        assert p["votes"].count(p["label"]) >= 2
        assert len(p["a"]) == len(p["b"]) == 16 and int(p["a"], 16) >= 0
    assert LABELS_PATH.stat().st_size < 60_000


def test_the_fresh_set_holds_only_ids_and_new_pairs() -> None:
    fresh = load_labels(FRESH_LABELS_PATH)
    old = {frozenset((p["a"], p["b"])) for p in load_labels()["pairs"]}
    assert len(fresh["pairs"]) == 165
    for p in fresh["pairs"]:
        assert set(p) == {"a", "b", "stratum", "label", "votes"}
        assert frozenset((p["a"], p["b"])) not in old  # drawn excluding the labelled pairs
        assert len(p["votes"]) in (2, 3) and p["votes"].count(p["label"]) >= 2
    assert FRESH_LABELS_PATH.stat().st_size < 30_000


@pytest.mark.parametrize(("name", "positives"), [("fresh2", 78), ("fresh3", 77), ("fresh4", 82)])
def test_each_later_fresh_set_excludes_every_earlier_pair(name: str, positives: int) -> None:
    """Each later fresh set was drawn excluding every pair labelled before it."""
    names = list(FRESH_SETS)
    paths = (LABELS_PATH, *(FRESH_SETS[n] for n in names[: names.index(name)]))
    old = {frozenset((p["a"], p["b"])) for path in paths for p in load_labels(path)["pairs"]}
    fresh = load_labels(FRESH_SETS[name])
    assert len(fresh["pairs"]) == 165
    assert sum(p["label"] == "D" for p in fresh["pairs"]) == positives
    for p in fresh["pairs"]:
        assert set(p) == {"a", "b", "stratum", "label", "votes"}
        assert frozenset((p["a"], p["b"])) not in old
        assert len(p["votes"]) in (2, 3) and p["votes"].count(p["label"]) >= 2
    assert FRESH_SETS[name].stat().st_size < 30_000


def test_eval_smoke_on_a_sample(saudinewsnet: Path) -> None:
    report = evaluate_dedup(saudinewsnet, limit=1200, n_synthetic=10)
    json.dumps(report)  # what `rasid eval dedup --json` prints
    assert report["corpus"]["articles"] == 1200
    assert report["corpus"]["synthetic_copies"] == 50
    syn = report["synthetic"]["all"]
    assert syn["recall"] >= 0.9 and syn["precision"] >= 0.95
    near = report["near_duplicates"]["all"]
    assert near["pairs"] > 0 and near["precision"] >= 0.8
    assert 0 < report["stories"]["all"]["f1"] <= 1
    assert {"near", "new"} <= set(report["corpus"]["verdicts"])
