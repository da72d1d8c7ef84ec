"""Quality of deduplication and story clustering on SaudiNewsNet: ``evaluate_dedup``.

Two kinds of evidence:

* **Labelled real pairs** (``eval_pairs.json``): 410 article pairs read and labelled
  D (near-duplicate), S (same event, not a copy) or N (different event), sampled by
  similarity band so that the hard cases are well represented. Each pair belongs to a
  fixed half, ``dev`` (where thresholds were tuned) or ``test`` (never looked at while
  tuning), by a hash of its ids.
* **Synthetic edits** of real articles (``synthetic.py``), made now with a fixed seed:
  each copy must be linked to its original and land in its story.

The whole corpus (plus the copies) is streamed through ``deduplicate`` in hourly batches,
exactly as the pipeline would, with a fresh in-memory state.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from processing.dedup.config import DedupConfig
from processing.dedup.corpus import CorpusDoc, find_data_dir, load_saudinewsnet, to_article
from processing.dedup.engine import deduplicate
from processing.dedup.near import NearDuplicateIndex
from processing.dedup.state import InMemoryDedupState
from processing.dedup.synthetic import EDITS, edit, pick_originals
from processing.dedup.text import jaccard

LABELS_PATH = Path(__file__).with_name("eval_pairs.json")
# Drawn later, with the rule already chosen (see each description): test sets, each judged
# once. fresh2 was drawn after fresh had been used to judge a change, fresh3 after fresh2,
# fresh4 after fresh3.
FRESH_LABELS_PATH = Path(__file__).with_name("eval_pairs_fresh.json")
FRESH_SETS = {
    "fresh": FRESH_LABELS_PATH,
    "fresh2": Path(__file__).with_name("eval_pairs_fresh2.json"),
    "fresh3": Path(__file__).with_name("eval_pairs_fresh3.json"),
    "fresh4": Path(__file__).with_name("eval_pairs_fresh4.json"),
}
SEED = 20150721
SWEEP = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def load_labels(path: Path = LABELS_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def split_of(a: str, b: str) -> str:
    return "dev" if int(hashlib.sha1(f"{a}|{b}".encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


def _prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _pair_scores(
    pairs: list[dict[str, Any]], predicted: Iterable[bool], positive: set[str], weights: list[float]
) -> dict[str, Any]:
    tp = fp = fn = wtp = wfp = wfn = 0.0
    for p, pred, w in zip(pairs, predicted, weights, strict=True):
        truth = p["label"] in positive
        tp += pred and truth
        fp += pred and not truth
        fn += truth and not pred
        wtp += w * (pred and truth)
        wfp += w * (pred and not truth)
        wfn += w * (truth and not pred)
    out = _prf(tp, fp, fn) | {"pairs": len(pairs), "positives": int(tp + fn)}
    out["population_weighted"] = _prf(wtp, wfp, wfn)
    return out


def _synthetic_docs(
    docs: list[CorpusDoc], n: int, rng: random.Random
) -> list[tuple[CorpusDoc, str, str]]:
    """(copy, original key, edit) for ``n`` originals x every edit."""
    sources = sorted({d.source for d in docs})
    out = []
    for idx in pick_originals([d.body for d in docs], n, rng):
        d = docs[idx]
        for kind in EDITS:
            donor = docs[rng.randrange(len(docs))].body
            title, body = edit(kind, d.title, d.body, rng, donor)
            copy = CorpusDoc(
                key=f"syn-{kind}-{d.key}",
                source=rng.choice([s for s in sources if s != d.source] or sources),
                url=f"{d.url}?reprint={kind}",
                at=d.at + timedelta(minutes=rng.randrange(5, 360)),
                title=title,
                body=body,
            )
            out.append((copy, d.key, kind))
    return out


def _stream(docs: list[CorpusDoc], config: DedupConfig) -> tuple[dict[str, Any], float]:
    """Run the corpus through ``deduplicate`` in hourly batches; verdicts by id."""
    state = InMemoryDedupState()
    batches: dict[datetime, list] = defaultdict(list)
    for d in docs:
        batches[d.at.replace(minute=0, second=0, microsecond=0)].append(to_article(d))
    verdicts: dict[str, Any] = {}
    started = time.perf_counter()
    for hour in sorted(batches):
        result = deduplicate(batches[hour], state, hour + timedelta(hours=1), config)
        verdicts.update({v.article_id: v for v in result.verdicts})
    return verdicts, time.perf_counter() - started


def evaluate_dedup(
    data_dir: str | Path | None = None,
    *,
    limit: int | None = None,
    n_synthetic: int = 200,
    config: DedupConfig | None = None,
    seed: int = SEED,
) -> dict[str, Any]:
    """Measure near-duplicate precision/recall and story pairwise F1 on SaudiNewsNet.

    ``data_dir`` defaults to ``../shared/data/saudinewsnet``; ``limit`` keeps the first N
    articles (a smoke run). Raises FileNotFoundError when the corpus is absent.
    """
    path = find_data_dir(data_dir)
    if path is None:
        raise FileNotFoundError(f"SaudiNewsNet not found at {data_dir or 'the default path'}")
    config = config or DedupConfig()
    docs = load_saudinewsnet(path, limit)
    by_key = {d.key: d for d in docs}
    rng = random.Random(seed)
    copies = _synthetic_docs(docs, n_synthetic, rng)
    stream = sorted(docs + [c for c, _, _ in copies], key=lambda d: (d.at, d.key))
    verdicts, elapsed = _stream(stream, config)

    def root(k: str) -> str:
        v = verdicts[k]
        return v.duplicate_of or k

    labels = load_labels()
    pairs = [p for p in labels["pairs"] if p["a"] in by_key and p["b"] in by_key]
    population = labels["population"]
    per_stratum = Counter(p["stratum"] for p in pairs)
    weights = [
        0.0 if p["stratum"] == "random" else population[p["stratum"]] / per_stratum[p["stratum"]]
        for p in pairs
    ]
    near_pred = [root(p["a"]) == root(p["b"]) for p in pairs]
    story_pred = [verdicts[p["a"]].story_id == verdicts[p["b"]].story_id for p in pairs]

    report: dict[str, Any] = {
        "corpus": {
            "articles": len(docs),
            "synthetic_copies": len(copies),
            "labelled_pairs": len(pairs),
            "verdicts": dict(Counter(verdicts[d.key].kind for d in docs)),
            "stories": len({verdicts[d.key].story_id for d in docs}),
        },
        "near_duplicates": {},
        "stories": {},
        "synthetic": {},
        "config": asdict(config),
        "seconds": round(elapsed, 2),
        "ms_per_article": round(1000 * elapsed / max(1, len(stream)), 3),
    }
    for name, keep in (("all", None), ("dev", "dev"), ("test", "test")):
        idx = [i for i, p in enumerate(pairs) if keep is None or split_of(p["a"], p["b"]) == keep]
        sub = [pairs[i] for i in idx]
        w = [weights[i] for i in idx]
        report["near_duplicates"][name] = _pair_scores(sub, [near_pred[i] for i in idx], {"D"}, w)
        report["stories"][name] = _pair_scores(sub, [story_pred[i] for i in idx], {"D", "S"}, w)
    # The fresh sets: pairs drawn after the rule was chosen on the labels above (tests of
    # the current rule on pairs nobody tuned on). Same stream, same verdicts.
    for name, fresh_path in FRESH_SETS.items():
        if not fresh_path.exists():
            continue
        fresh = load_labels(fresh_path)
        fp = [p for p in fresh["pairs"] if p["a"] in by_key and p["b"] in by_key]
        fper = Counter(p["stratum"] for p in fp)
        fw = [fresh["population"][p["stratum"]] / fper[p["stratum"]] for p in fp]
        fnear = [root(p["a"]) == root(p["b"]) for p in fp]
        fstory = [verdicts[p["a"]].story_id == verdicts[p["b"]].story_id for p in fp]
        report["near_duplicates"][name] = _pair_scores(fp, fnear, {"D"}, fw)
        report["stories"][name] = _pair_scores(fp, fstory, {"D", "S"}, fw)
    report["stories"]["same_story_rate"] = {
        lab: round(
            sum(s for p, s in zip(pairs, story_pred, strict=True) if p["label"] == lab)
            / max(1, sum(p["label"] == lab for p in pairs)),
            4,
        )
        for lab in "DSN"
    }
    report["near_duplicates"]["threshold_sweep"] = _sweep(pairs, by_key, config)
    report["synthetic"] = _synthetic_scores(copies, verdicts, root)
    sizes = Counter(verdicts[d.key].story_id for d in docs)
    report["corpus"]["largest_stories"] = [
        {"size": n, "sources": len({by_key[k].source for k in by_key if verdicts[k].story_id == s})}
        for s, n in sizes.most_common(5)
    ]
    return report


def _sweep(pairs: list[dict], by_key: dict[str, CorpusDoc], config: DedupConfig) -> list[dict]:
    """Pair-classifier view: exact shingle Jaccard of each labelled pair vs a threshold."""
    index = NearDuplicateIndex(InMemoryDedupState(), config)
    sims = []
    for p in pairs:
        fa = index.fingerprint(by_key[p["a"]].body)
        fb = index.fingerprint(by_key[p["b"]].body)
        ok = fa.comparable and fb.comparable
        sims.append(jaccard(fa.shingles, fb.shingles) if ok else 0.0)
    out = []
    for t in SWEEP:
        tp = sum(s >= t and p["label"] == "D" for s, p in zip(sims, pairs, strict=True))
        fp = sum(s >= t and p["label"] != "D" for s, p in zip(sims, pairs, strict=True))
        fn = sum(s < t and p["label"] == "D" for s, p in zip(sims, pairs, strict=True))
        out.append({"threshold": t} | _prf(tp, fp, fn))
    return out


def _synthetic_scores(copies: list, verdicts: dict[str, Any], root) -> dict[str, Any]:
    by_edit: dict[str, Counter] = defaultdict(Counter)
    for copy, orig, kind in copies:
        v = verdicts[copy.key]
        c = by_edit[kind]
        c["n"] += 1
        if v.kind in ("near", "exact") and root(copy.key) == root(orig):
            c["linked"] += 1
        elif v.kind in ("near", "exact"):
            c["wrong_link"] += 1
        else:
            c["missed"] += 1
        c["same_story"] += v.story_id == verdicts[orig].story_id
    total: Counter = sum(by_edit.values(), Counter())
    out = {
        kind: _prf(c["linked"], c["wrong_link"], c["missed"])
        | {"n": c["n"], "same_story": round(c["same_story"] / max(1, c["n"]), 4)}
        for kind, c in sorted(by_edit.items())
    }
    out["all"] = _prf(total["linked"], total["wrong_link"], total["missed"]) | {
        "n": total["n"],
        "same_story": round(total["same_story"] / max(1, total["n"]), 4),
    }
    return out
