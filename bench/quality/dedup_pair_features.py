"""The near-duplicate pair decision on labelled SaudiNewsNet pairs, and threshold sweeps.

For every labelled pair (a file laid out like processing/dedup/eval_pairs.json: "pairs"
with "a", "b", "label" D/S/N; another labelling of the same or other pairs works too), the
corpus is streamed through deduplication one article at a time, in time order. When the
later article of a pair arrives, the pair is measured against the earlier one with the
window and the LSH candidates of that moment: Jaccard, coverage, lead coverage, template
share and residual (``processing/dedup/decide.py``). The pair counts as predicted D when
the earlier article is offered to the decision (an LSH candidate, or one of the recent
members of the story the later article joins: ``DedupConfig.story_candidates``) and
``decide.is_copy`` says so.

This is the pair-classifier view: no grouping, so a pair linked only through a third
article is not counted (``dedup_eval.py`` measures the end-to-end grouping). Because the
measurements are kept, the sweeps re-decide every pair without streaming again.

    .venv/bin/python bench/quality/dedup_pair_features.py [--labels PATH] [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from processing.dedup.config import DedupConfig
from processing.dedup.corpus import find_data_dir, load_saudinewsnet, to_article
from processing.dedup.decide import PairVerdict, is_copy
from processing.dedup.engine import _Run
from processing.dedup.evaluate import LABELS_PATH, load_labels, split_of
from processing.dedup.near import Fingerprint, Match, NearDuplicateIndex
from processing.dedup.state import DedupState, InMemoryDedupState

JACCARD_SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
NEAR_SWEEP = (0.5, 0.55, 0.6)
LEAD_SWEEP = (0.5, 0.6, 0.65, 0.7, 0.8)


class _StoryProbe(NearDuplicateIndex):
    """The engine's index, noting which earlier articles of labelled pairs the story of a
    later article would offer (whether or not LSH already found a copy). An earlier article
    whose group LSH offered through another member is not offered again (as in ``query``)."""

    def __init__(
        self, state: DedupState, config: DedupConfig, later: dict[str, list[tuple[str, dict]]]
    ) -> None:
        super().__init__(state, config)
        self.later = later
        self.offered: dict[tuple[str, str], bool] = {}

    def query(
        self,
        article_id: str,
        text: str | None = None,
        fp: Fingerprint | None = None,
        at: datetime | None = None,
        story: Callable[[], str | None] | None = None,
    ) -> Match | None:
        fp = fp or self.fingerprint(text)
        if article_id in self.later and story is not None and fp.comparable:
            story_id = story() if self.config.story_candidates else None
            offered = {doc.root for _, _, doc in self.candidates(article_id, fp)}
            limit = self.config.story_candidates
            members = (
                {cid for cid, _ in self.story_members(story_id, article_id, offered, limit)}
                if story_id
                else set()
            )
            for first, _ in self.later[article_id]:
                self.offered[(first, article_id)] = first in members
        return super().query(article_id, text, fp, at, story)


def measure(
    labels: dict[str, Any], data_dir: str | Path | None, config: DedupConfig
) -> list[dict[str, Any]]:
    """One row per labelled pair found in the corpus: label, split, candidate or not (LSH;
    story: offered by the story only), and the ``PairVerdict`` fields measured when the
    later article arrived."""
    path = find_data_dir(data_dir)
    if path is None:
        raise FileNotFoundError(f"SaudiNewsNet not found at {data_dir or 'the default path'}")
    docs = sorted(load_saudinewsnet(path), key=lambda d: (d.at, d.key))
    order = {d.key: i for i, d in enumerate(docs)}
    pairs = [p for p in labels["pairs"] if p["a"] in order and p["b"] in order]
    later: dict[str, list[tuple[str, dict]]] = {}
    for p in pairs:
        first, second = sorted((p["a"], p["b"]), key=order.__getitem__)
        later.setdefault(second, []).append((first, p))

    state = InMemoryDedupState()
    run = _Run(state, config, max(d.at for d in docs))
    index = run.near = _StoryProbe(state, config, later)
    pending: list[tuple[str, str, dict[str, Any]]] = []
    pruned_to: datetime | None = None
    for d in docs:
        horizon = d.at - config.window
        if pruned_to is None or horizon - pruned_to >= (config.window / 72):
            state.prune(horizon)  # about hourly, like the pipeline's batches
            pruned_to = horizon
        if d.key in later:
            fp = index.fingerprint(d.body)
            scored = index.candidates(d.key, fp)
            by_id = {cid for _, cid, _ in scored}
            for first, p in later[d.key]:
                row = {"a": p["a"], "b": p["b"], "label": p["label"]}
                row["split"] = split_of(p["a"], p["b"])
                doc = state.get_doc(first)
                row["candidate"] = first in by_id
                pending.append((first, d.key, row))
                if doc is None or not fp.comparable:
                    row["measured"] = False  # too short to compare, or out of the window
                    continue
                v = index.judge(fp, d.at, first, doc, scored, measure_all=True)
                row.update({"measured": True} | asdict(v))
        run.process(to_article(d))
    rows = []
    for first, second, row in pending:
        row["story"] = not row["candidate"] and index.offered.get((first, second), False)
        rows.append(row)
    return rows


def predict(row: dict[str, Any], config: DedupConfig, story: bool = True) -> bool:
    if not row["measured"] or not (row["candidate"] or (story and row.get("story"))):
        return False
    fields = {k: row[k] for k in PairVerdict.__dataclass_fields__}
    return is_copy(PairVerdict(**fields), config)


def scores(rows: list[dict[str, Any]], pred: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("dev", "test", "all"):
        sub = [r for r in rows if name == "all" or r["split"] == name]
        tp = sum(pred(r) and r["label"] == "D" for r in sub)
        fp = sum(pred(r) and r["label"] != "D" for r in sub)
        fn = sum(not pred(r) and r["label"] == "D" for r in sub)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out[name] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }
    return out


def report(rows: list[dict[str, Any]], config: DedupConfig) -> dict[str, Any]:
    d_rows = [r for r in rows if r["label"] == "D"]
    return {
        "pairs": len(rows),
        "positives": len(d_rows),
        "positives_not_candidates": sum(not r["candidate"] for r in d_rows),
        "positives_not_offered": sum(not (r["candidate"] or r.get("story")) for r in d_rows),
        "rule": scores(rows, lambda r: predict(r, config)),
        "rule_lsh_only": scores(rows, lambda r: predict(r, config, story=False)),
        "jaccard_sweep": [
            {"threshold": t}
            | scores(rows, lambda r, t=t: r["measured"] and r["candidate"] and r["jaccard"] >= t)
            for t in JACCARD_SWEEP
        ],
        "rule_sweep": [
            {"near_threshold": nt, "reword_lead_coverage": lc}
            | scores(
                rows,
                lambda r, nt=nt, lc=lc: predict(
                    r, replace(config, near_threshold=nt, reword_lead_coverage=lc)
                ),
            )
            for nt in NEAR_SWEEP
            for lc in LEAD_SWEEP
        ],
        "no_template_check": scores(
            rows, lambda r: predict(r, replace(config, template_max_jaccard=0.0))
        ),
    }


def _line(name: str, s: dict[str, Any]) -> str:
    return f"  {name:<34}" + "  ".join(
        f"{k} P={s[k]['precision']:.3f} R={s[k]['recall']:.3f} F1={s[k]['f1']:.3f}"
        for k in ("dev", "test")
    )


def render(r: dict[str, Any]) -> str:
    lines = [
        f"{r['pairs']} labelled pairs, {r['positives']} D"
        f" ({r['positives_not_candidates']} D never LSH candidates,"
        f" {r['positives_not_offered']} never offered by LSH or the story: counted as missed)",
        "decision rule (DedupConfig defaults):",
        _line("rule", r["rule"]),
        _line("rule, LSH candidates only", r["rule_lsh_only"]),
        _line("rule without the template check", r["no_template_check"]),
        "plain shingle Jaccard >= threshold:",
        *(_line(f"J >= {s['threshold']:.2f}", s) for s in r["jaccard_sweep"]),
        "rule, by near_threshold / reword_lead_coverage:",
        *(
            _line(f"near {s['near_threshold']:.2f} lead {s['reword_lead_coverage']:.2f}", s)
            for s in r["rule_sweep"]
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--labels", default=str(LABELS_PATH), help="labelled pairs (JSON)")
    ap.add_argument("--data", default=None, help="SaudiNewsNet folder (default ../shared/...)")
    ap.add_argument("--json", action="store_true", help="the report, and every pair's row")
    args = ap.parse_args(argv)
    config = DedupConfig()
    try:
        rows = measure(load_labels(Path(args.labels)), args.data, config)
    except FileNotFoundError as e:
        print(f"skipped: {e}", file=sys.stderr)
        return 2
    out = report(rows, config)
    if args.json:
        print(json.dumps(out | {"rows": rows}, indent=1, ensure_ascii=False))
    else:
        print(render(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
