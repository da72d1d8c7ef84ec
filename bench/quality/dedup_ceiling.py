"""How far word overlap can go on the labelled near-duplicate pairs: a cross-validated
precision-recall curve of learned models over every pair measurement tried.

Every labelled pair (the five files in ``processing/dedup/``) is measured as
``dedup_pair_features.py`` does: streamed, decided when its later article arrives, with
the Jaccard, coverages, lead coverage, template share, residual and unigram containment the
rule sees, and whether the earlier article was offered at all. On top of that come
measurements the window does not keep (the full texts are read):

* **sentence alignment**: each sentence of the later text is matched to the earlier text's
  sentence with the highest Dice of clitic-free stems (if >= 0.5, or >= 0.7); the longest
  chain of matches in the same order in both texts is kept, and its share of each text's
  tokens is the measurement (smaller and larger of the two);
* the two lengths' ratio;
* and, as a third group, what else the texts say: character 4-gram Jaccard, title word
  Jaccard, the share of the shorter text's numbers found in the other, the cosine of
  stem counts, and the overlap of named entities and of places found by enrichment
  (``processing.enrich``), which is where template texts about different subjects
  differ.

A logistic regression and a gradient-boosted tree model (depth 3) are scored by 5 x
repeated stratified 5-fold cross-validation. Models see features no deployed decision
could use cheaply and are fitted to the labels' own boundary, so the curve is an optimistic
bound for decisions built on these measurements, not a product.

Needs scikit-learn, which is not a project dependency:

    uv pip install --python .venv/bin/python scikit-learn
    .venv/bin/python bench/quality/dedup_ceiling.py [--data DIR] [--json]
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from processing.dedup.config import DedupConfig
from processing.dedup.corpus import find_data_dir, load_saudinewsnet
from processing.dedup.evaluate import FRESH_SETS, LABELS_PATH, load_labels
from processing.dedup.text import stem
from processing.normalize import tokens

sys.path.insert(0, str(Path(__file__).parent))
from dedup_pair_features import measure, predict

_SENTENCE_END = re.compile(r"[.!?\u061f\u061b\n]+")
MEASURED = (
    "jaccard",
    "coverage",
    "coverage_other",
    "lead_coverage",
    "template_share",
    "residual",
    "unigram",
)


def sentences(body: str) -> list[list[str]]:
    out = []
    for piece in _SENTENCE_END.split(body):
        toks = [stem(t) for t in tokens(piece)]
        if len(toks) >= 3:
            out.append(toks)
    return out


def alignment(a: list[list[str]], b: list[list[str]], similarity: float) -> tuple[float, float]:
    """Shares of a's and b's tokens in the longest same-order chain of matched sentences."""
    sa, sb = [set(s) for s in a], [set(s) for s in b]
    na, nb = sum(map(len, a)), sum(map(len, b))
    if not na or not nb:
        return 0.0, 0.0
    matches = []
    for i, s in enumerate(sa):
        best, best_j = 0.0, -1
        for j, t in enumerate(sb):
            d = 2 * len(s & t) / (len(s) + len(t))
            if d > best:
                best, best_j = d, j
        if best >= similarity:
            matches.append((best_j, i))
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(matches)
    for k, (j, _) in enumerate(matches):
        p = bisect.bisect_left(tails, j)
        if p == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[p], tail_at[p] = j, k
        back[k] = tail_at[p - 1] if p else -1
    ca = cb = 0
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        j, i = matches[k]
        ca += len(a[i])
        cb += len(b[j])
        k = back[k]
    return ca / na, cb / nb


_NUMBER = re.compile(r"\d+")


def _jaccard(a: set[Any], b: set[Any]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _overlap(a: set[Any], b: set[Any]) -> float:
    """Share of the smaller set found in the other (1.0 when both are empty)."""
    return len(a & b) / min(len(a), len(b)) if a and b else float(not a and not b)


def text_signals(title_a: str, body_a: str, title_b: str, body_b: str) -> list[float]:
    """The third group: character 4-grams, titles, numbers, stem cosine, entities, places."""
    from collections import Counter

    from processing.enrich import enrich

    na, nb = " ".join(tokens(body_a)), " ".join(tokens(body_b))
    c4a = {na[i : i + 4] for i in range(len(na) - 3)}
    c4b = {nb[i : i + 4] for i in range(len(nb) - 3)}
    ta, tb = set(tokens(title_a)), set(tokens(title_b))
    nums_a, nums_b = set(_NUMBER.findall(na)), set(_NUMBER.findall(nb))
    sa, sb = Counter(map(stem, tokens(body_a))), Counter(map(stem, tokens(body_b)))
    dot = sum(v * sb[k] for k, v in sa.items())
    norm = (sum(v * v for v in sa.values()) * sum(v * v for v in sb.values())) ** 0.5
    ea, eb = enrich(title_a, body_a), enrich(title_b, body_b)
    ents_a = {(e.type, e.name) for e in ea.entities}
    ents_b = {(e.type, e.name) for e in eb.entities}
    places_a = {p.geonameid or p.name for p in ea.places}
    places_b = {p.geonameid or p.name for p in eb.places}
    return [
        _jaccard(c4a, c4b),
        _jaccard(ta, tb),
        _overlap(nums_a, nums_b),
        dot / norm if norm else 0.0,
        _jaccard(ents_a, ents_b),
        _overlap(ents_a, ents_b),
        _jaccard(places_a, places_b),
    ]


def features(data: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features, is D, the rule's per-pair decision, offered) of every labelled pair."""
    pairs: list[dict[str, Any]] = []
    seen: set[frozenset[str]] = set()
    for path in (LABELS_PATH, *FRESH_SETS.values()):
        for p in load_labels(path)["pairs"]:
            if frozenset((p["a"], p["b"])) not in seen:
                seen.add(frozenset((p["a"], p["b"])))
                pairs.append(p)
    config = DedupConfig()
    rows = measure({"pairs": pairs}, data, config)
    path = find_data_dir(data)
    assert path is not None
    docs = {d.key: d for d in load_saudinewsnet(path)}
    x, y, rule, offered = [], [], [], []
    for r in rows:
        a, b = docs[r["a"]], docs[r["b"]]
        later, earlier = (a, b) if a.at >= b.at else (b, a)
        sl, se = sentences(later.body), sentences(earlier.body)
        f = [float(r.get(k) or 0.0) for k in MEASURED]
        for similarity in (0.5, 0.7):
            s1, s2 = alignment(sl, se, similarity)
            f += [min(s1, s2), max(s1, s2)]
        n1, n2 = len(tokens(later.body)), len(tokens(earlier.body))
        f.append(min(n1, n2) / max(n1, n2, 1))
        f += text_signals(later.title, later.body, earlier.title, earlier.body)
        x.append(f)
        y.append(r["label"] == "D")
        rule.append(predict(r, config))
        offered.append(bool(r["candidate"] or r.get("story")))
    return np.array(x), np.array(y), np.array(rule), np.array(offered)


def curve(
    model_fn: Any, x: np.ndarray, y: np.ndarray, positives: int, reps: int = 5
) -> list[dict[str, float]]:
    """Mean precision and recall over ``reps`` repetitions of stratified 5-fold CV, by
    threshold; recall is over ``positives`` (the D pairs offered or not)."""
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((reps, len(y)))
    for rep in range(reps):
        for train, test in StratifiedKFold(5, shuffle=True, random_state=rep).split(x, y):
            m = model_fn()
            m.fit(x[train], y[train])
            probs[rep, test] = m.predict_proba(x[test])[:, 1]
    out = []
    for t in np.round(np.arange(0.05, 1.0, 0.025), 3):
        pred = probs >= t
        tp, fp = (pred & y).sum(1), (pred & ~y).sum(1)
        precision = float(np.mean(tp / np.maximum(tp + fp, 1)))
        recall = float(np.mean(tp) / positives)
        out.append({"threshold": float(t), "precision": precision, "recall": recall})
    return out


def summary(points: list[dict[str, float]], rule_precision: float) -> dict[str, float]:
    def best(key: str, other: str, floor: float) -> float:
        return max((p[key] for p in points if p[other] >= floor), default=0.0)

    return {
        "precision_at_recall_0.95": round(best("precision", "recall", 0.95), 3),
        "recall_at_precision_0.98": round(best("recall", "precision", 0.98), 3),
        "recall_at_the_rules_precision": round(best("recall", "precision", rule_precision), 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default=None, help="SaudiNewsNet folder (default ../shared/...)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("needs scikit-learn (uv pip install --python .venv/bin/python scikit-learn)")
        return 2
    if find_data_dir(args.data) is None:
        print("skipped: SaudiNewsNet not found", file=sys.stderr)
        return 2
    x, y, rule, offered = features(args.data)
    tp = int((rule & y).sum())
    rule_p, rule_r = tp / max(1, int(rule.sum())), tp / int(y.sum())
    models = {
        "logistic regression": lambda: LogisticRegression(C=1.0, max_iter=5000),
        "gradient-boosted trees, depth 3": lambda: HistGradientBoostingClassifier(
            max_depth=3, max_iter=200, learning_rate=0.05, random_state=0
        ),
    }
    report: dict[str, Any] = {
        "pairs": len(y),
        "positives": int(y.sum()),
        "offered": int(offered.sum()),
        "positives_never_offered": int((y & ~offered).sum()),
        "rule_per_pair": {"precision": round(rule_p, 3), "recall": round(rule_r, 3)},
    }
    columns = {
        "the window's measurements": list(range(len(MEASURED))),
        "+ sentence alignment and length ratio": list(range(len(MEASURED) + 5)),
        "+ characters, titles, numbers, stems, entities and places": list(
            range(len(MEASURED) + 12)
        ),
    }
    for name, fn in models.items():
        for cols_name, cols in columns.items():
            points = curve(fn, x[offered][:, cols], y[offered], int(y.sum()))
            report[f"{name}, {cols_name}"] = summary(points, rule_p) | {"curve": points}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(
        f"{report['pairs']} labelled pairs, {report['positives']} D;"
        f" {report['offered']} offered, {report['positives_never_offered']} D never offered"
    )
    print(f"the rule, per pair: P {rule_p:.3f} R {rule_r:.3f}")
    for name, s in report.items():
        if not isinstance(s, dict) or "curve" not in s:
            continue
        print(
            f"{name}:\n  P at R >= 0.95: {s['precision_at_recall_0.95']:.3f};"
            f" R at P >= 0.98: {s['recall_at_precision_0.98']:.3f};"
            f" R at the rule's P: {s['recall_at_the_rules_precision']:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
