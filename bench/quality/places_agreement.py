"""How far two annotators agree on place mentions, against the system's recall.

The goal (90 % of place mentions within 161 km) is measured against one annotator's labels.
A second annotator, blind to the first and to the system, labelled the same documents again
(`bench/quality/places_second/places_testNNN.json`). Scored by the rule the system is scored
by, the second annotator's recall against the first is what a careful human reaches on
this convention: the ceiling the system's figure should be read against.

    .venv/bin/python bench/quality/places_agreement.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from processing.enrich.evaluate import evaluate_places, label_agreement  # noqa: E402

QUALITY = ROOT / "bench" / "quality"
SECOND = QUALITY / "places_second"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _system_on(gold_path: Path, keep: set[tuple[int, int]] | None = None) -> tuple[int, int]:
    """(mentions, resolved within 161 km) of the system against a label file, on the gold
    mentions in ``keep`` (document index, start) only, if given."""
    res = evaluate_places(gold_path)
    missed = {(e["doc"], e["start"]) for e in res["errors"]}
    gold = _load(gold_path)
    starts = [(d["index"], m["start"]) for d in gold["documents"] for m in d["mentions"]]
    if keep is not None:
        starts = [s for s in starts if s in keep]
    return len(starts), sum(1 for s in starts if s not in missed)


def measure() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    tot = dict.fromkeys(("a", "b", "b_ok_a", "a_ok_b", "sys_a", "sys_b", "agreed", "sys_agreed"), 0)
    for second_path in sorted(SECOND.glob("places_test*.json")):
        first_path = QUALITY / second_path.name
        first, second = _load(first_path), _load(second_path)
        ab = label_agreement(first, second)
        ba = label_agreement(second, first)
        agreed = {(m[1], m[2]) for m in ab["mentions"] if m[4]}
        n_a, sys_a = _system_on(first_path)
        n_b, sys_b = _system_on(second_path)
        n_agreed, sys_agreed = _system_on(first_path, agreed)
        name = second_path.stem.removeprefix("places_")
        rows[name] = {
            "documents": ab["documents"],
            "first_mentions": ab["first_mentions"],
            "second_mentions": ab["second_mentions"],
            "second_vs_first_recall": ab["recall"],
            "first_vs_second_recall": ba["recall"],
            "system_vs_first_recall": round(sys_a / n_a, 4) if n_a else 0.0,
            "system_vs_second_recall": round(sys_b / n_b, 4) if n_b else 0.0,
            "agreed_mentions": n_agreed,
            "system_on_agreed_recall": round(sys_agreed / n_agreed, 4) if n_agreed else 0.0,
        }
        for k, v in (("a", n_a), ("b", n_b), ("sys_a", sys_a), ("sys_b", sys_b),
                     ("agreed", n_agreed), ("sys_agreed", sys_agreed),
                     ("b_ok_a", round(ab["recall"] * n_a)),
                     ("a_ok_b", round(ba["recall"] * n_b))):  # fmt: skip
            tot[k] += v

    def r(x: int, n: int) -> float:
        return round(x / n, 4) if n else 0.0

    rows["all"] = {
        "first_mentions": tot["a"],
        "second_mentions": tot["b"],
        "second_vs_first_recall": r(tot["b_ok_a"], tot["a"]),
        "first_vs_second_recall": r(tot["a_ok_b"], tot["b"]),
        "system_vs_first_recall": r(tot["sys_a"], tot["a"]),
        "system_vs_second_recall": r(tot["sys_b"], tot["b"]),
        "agreed_mentions": tot["agreed"],
        "system_on_agreed_recall": r(tot["sys_agreed"], tot["agreed"]),
    }
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = measure()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'set':<8} {'first':>6} {'second':>7} {'2nd vs 1st':>11} {'1st vs 2nd':>11}"
          f" {'system vs 1st':>14} {'vs 2nd':>7} {'agreed':>7}"
          f" {'system on agreed':>17}")  # fmt: skip
    for name, x in rows.items():
        print(f"{name:<8} {x['first_mentions']:>6} {x['second_mentions']:>7}"
              f" {x['second_vs_first_recall']:>11.3f} {x['first_vs_second_recall']:>11.3f}"
              f" {x['system_vs_first_recall']:>14.3f} {x['system_vs_second_recall']:>7.3f}"
              f" {x['agreed_mentions']:>7} {x['system_on_agreed_recall']:>17.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
