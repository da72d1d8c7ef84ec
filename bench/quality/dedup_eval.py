"""Deduplication and story-clustering quality on SaudiNewsNet (a table, or ``--json``).

The measurement itself is ``processing.dedup.evaluate.evaluate_dedup(data_dir)``, which the
CLI exposes as ``rasid eval dedup --json``.

    .venv/bin/python bench/quality/dedup_eval.py [--data DIR] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from processing.dedup.evaluate import FRESH_SETS, evaluate_dedup


def _row(name: str, m: dict[str, Any]) -> str:
    w = m.get("population_weighted", {})
    return (
        f"  {name:<6} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}"
        f"  (pairs {m['pairs']}, positives {m['positives']})"
        + (f"  weighted P={w['precision']:.3f} R={w['recall']:.3f}" if w else "")
    )


def render(r: dict[str, Any]) -> str:
    c = r["corpus"]
    lines = [
        f"SaudiNewsNet: {c['articles']} articles + {c['synthetic_copies']} synthetic copies,"
        f" {c['labelled_pairs']} labelled pairs;"
        f" {r['seconds']} s ({r['ms_per_article']} ms/article)",
        f"verdicts on the real articles: {c['verdicts']}; stories: {c['stories']}",
        "",
        "near-duplicates, labelled real pairs (positive = D):",
        *(
            _row(s, r["near_duplicates"][s])
            for s in ("all", "dev", "test", *FRESH_SETS)
            if s in r["near_duplicates"]
        ),
        "  pair classifier (exact Jaccard of word 3-shingles) by threshold:",
        *(
            f"    >= {t['threshold']:.2f}  P={t['precision']:.3f} R={t['recall']:.3f}"
            for t in r["near_duplicates"]["threshold_sweep"]
        ),
        "",
        "near-duplicates, synthetic edits (copy linked to its original):",
        *(
            f"  {k:<13} P={m['precision']:.3f} R={m['recall']:.3f}"
            f"  same story {m['same_story']:.3f}  (n={m['n']})"
            for k, m in r["synthetic"].items()
        ),
        "",
        "stories, labelled real pairs (positive = D or S, predicted = same story_id):",
        *(
            _row(s, r["stories"][s])
            for s in ("all", "dev", "test", *FRESH_SETS)
            if s in r["stories"]
        ),
        f"  share of pairs put in one story by label: {r['stories']['same_story_rate']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=None, help="SaudiNewsNet folder (default ../shared/...)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--synthetic", type=int, default=200, help="originals to edit (x5 edits)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        report = evaluate_dedup(args.data, limit=args.limit, n_synthetic=args.synthetic)
    except FileNotFoundError as e:
        print(f"skipped: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
