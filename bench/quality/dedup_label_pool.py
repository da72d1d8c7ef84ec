"""Build (and show) the pool of SaudiNewsNet article pairs that were labelled by reading.

How the labelled set in processing/dedup/eval_pairs.json was made:

1. ``pool``: every pair of articles extracted within 72 h of each other is scored with exact
   word-3-shingle Jaccard (J) and containment (C) on normalised bodies, and with unigram
   TF-IDF cosine; pairs are put into strata (J bands, low-J/high-C, high-cosine/low-J,
   random) and a fixed-seed sample is drawn from each. Identical normalised bodies are
   counted but not sampled (they are exact duplicates by definition).
2. ``show``: prints both titles and bodies of the sampled pairs to be read and labelled
   D (same copy, possibly edited: a reprint), S (same event, separately written) or
   N (different event). Only ids, strata and labels are stored in the repository.

This scoring is deliberately independent of the detector (exact sets, no MinHash) so the
labels do not inherit the detector's blind spots.

    .venv/bin/python bench/quality/dedup_label_pool.py pool --out /tmp/dedup_pool.json
    .venv/bin/python bench/quality/dedup_label_pool.py show --pool /tmp/dedup_pool.json 0 20
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import math
import random
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
from scipy import sparse

from processing.dedup.corpus import find_data_dir, load_saudinewsnet
from processing.normalize import match_forms, tokens

WINDOW = timedelta(hours=72)
J_BANDS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]
PER_STRATUM = {
    "J0.05": 20, "J0.1": 25, "J0.2": 40, "J0.3": 40, "J0.4": 40, "J0.5": 35, "J0.6": 30,
    "J0.7": 25, "J0.8": 20, "J0.9": 20, "lowJ_highC": 30, "cos0.25": 30, "cos0.4": 40, "random": 15,
}  # fmt: skip
SEED = 20150721


def _shingles(text: str, k: int = 3) -> set[int]:
    tk = tokens(text)
    return {hash(" ".join(tk[i : i + k])) for i in range(max(1, len(tk) - k + 1))} if tk else set()


def _stem(tok: str) -> str:
    return match_forms(tok)[-1]


def score_pairs(docs):  # -> dict[(i, j)] = (J, C, cos)
    sh = [_shingles(d.body) for d in docs]
    inv = collections.defaultdict(list)
    for i, s in enumerate(sh):
        for h in s:
            inv[h].append(i)
    shared = collections.Counter()
    for ids in inv.values():
        if 1 < len(ids) <= 60:  # shingles in >60 bodies are boilerplate, not evidence
            for p in range(len(ids)):
                for q in range(p + 1, len(ids)):
                    shared[(ids[p], ids[q])] += 1
    out = {}
    for (i, j), n in shared.items():
        if n < 3 or abs(docs[i].at - docs[j].at) > WINDOW:
            continue
        inter = len(sh[i] & sh[j])
        jac = inter / len(sh[i] | sh[j])
        con = inter / min(len(sh[i]), len(sh[j]))
        if jac >= 0.05 or con >= 0.2:
            out[(i, j)] = [jac, con, 0.0]
    # TF-IDF cosine on stems of title (twice) + body, for same-event pairs that share no text.
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        tf = collections.Counter(_stem(t) for t in tokens(d.title + " " + d.title + " " + d.body))
        for t, c in tf.items():
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
            vals.append(1 + math.log(c))
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)))
    df = np.bincount(x.indices, minlength=len(vocab))
    x = x.multiply(np.log(len(docs) / df)).tocsr()
    norms = np.sqrt(x.multiply(x).sum(axis=1)).A1
    x = sparse.diags(1 / np.maximum(norms, 1e-9)) @ x
    for start in range(0, len(docs), 1000):
        block = (x[start : start + 1000] @ x.T).tocoo()
        for i, j, v in zip(block.row + start, block.col, block.data, strict=True):
            if i < j and v >= 0.25 and abs(docs[i].at - docs[j].at) <= WINDOW:
                out.setdefault((int(i), int(j)), [0.0, 0.0, 0.0])[2] = float(v)
    return out, sh


def stratum(jac: float, con: float, cos: float) -> str | None:
    if jac < 0.05 and con < 0.2:
        return "cos0.4" if cos >= 0.4 else "cos0.25" if cos >= 0.25 else None
    if jac < 0.2 and con >= 0.5:
        return "lowJ_highC"
    for lo, hi in itertools.pairwise(J_BANDS):
        if lo <= jac < hi:
            return f"J{lo}"
    return None


def build_pool(
    data_dir: Path,
    seed: int = SEED,
    per_stratum: dict[str, int] | None = None,
    exclude: set[tuple[str, str]] | None = None,
) -> dict:
    """The sample. A fresh sample (another seed, the labelled pairs excluded, other stratum
    sizes) gives new pairs to test a change chosen on the existing labels."""
    per_stratum = per_stratum or PER_STRATUM
    exclude = exclude or set()
    docs = load_saudinewsnet(data_dir)
    scores, _ = score_pairs(docs)
    strata: dict[str, list] = collections.defaultdict(list)
    identical = 0
    for (i, j), (jac, con, cos) in scores.items():
        if tokens(docs[i].body) == tokens(docs[j].body):
            identical += 1
            continue
        s = stratum(jac, con, cos)
        if s:
            strata[s].append((i, j, jac, con, cos))
    rng = random.Random(seed)
    pairs = []
    for s, members in sorted(strata.items()):
        members.sort()
        free = [m for m in members if (docs[m[0]].key, docs[m[1]].key) not in exclude]
        for i, j, jac, con, cos in rng.sample(free, min(per_stratum.get(s, 0), len(free))):
            pairs.append(
                {"a": docs[i].key, "b": docs[j].key, "stratum": s,
                 "J": round(jac, 3), "C": round(con, 3), "cos": round(cos, 3)}
            )  # fmt: skip
    seen = {(p["a"], p["b"]) for p in pairs} | exclude
    while sum(p["stratum"] == "random" for p in pairs) < per_stratum.get("random", 0):
        i, j = sorted(rng.sample(range(len(docs)), 2))
        if (docs[i].key, docs[j].key) not in seen and abs(docs[i].at - docs[j].at) <= WINDOW:
            sc = scores.get((i, j), [0.0, 0.0, 0.0])
            pairs.append(
                {"a": docs[i].key, "b": docs[j].key, "stratum": "random",
                 "J": round(sc[0], 3), "C": round(sc[1], 3), "cos": round(sc[2], 3)}
            )  # fmt: skip
    n = len(docs)
    population = {s: len(m) for s, m in strata.items()}
    population["identical"] = identical
    population["random"] = n * (n - 1) // 2 - sum(population.values())  # upper bound
    return {"population": population, "pairs": pairs}


def show(
    pool: dict, start: int, stop: int, data_dir: Path, width: int, marked: bool, blind: bool = False
) -> None:
    docs = {d.key: d for d in load_saudinewsnet(data_dir)}
    for k, p in enumerate(pool["pairs"][start:stop], start):
        a, b = docs[p["a"]], docs[p["b"]]
        sa, sb = _shingles(a.body), _shingles(b.body)
        if blind:  # the second labelling pass: whole bodies, no scores, no stratum
            print(f"===== pair #{k}  a={p['a']} b={p['b']}")
            for name, d, other in (("A", a, sb), ("B", b, sa)):
                n_words = len(tokens(d.body))
                print(f"--- {name}: {d.source} {d.at:%m-%d %H:%M} words={n_words} | {d.title}")
                print(_marked(d.body, other)[:6000])
            print()
            continue
        inter = len(sa & sb)
        cover = inter / max(len(sa), len(sb), 1)  # how much of the longer one is shared
        print(f"#{k} [{p['stratum']}] J={p['J']} C={p['C']} Cmax={cover:.2f} cos={p['cos']}")
        for d, other in ((a, sb), (b, sa)):
            body = " ".join(d.body.split())
            print(f"  {d.source} {d.at:%m-%d %H:%M} len={len(body)} | {d.title}")
            print(f"    {_marked(d.body, other)[:width] if marked else body[:width]}")
        print()


def _marked(text: str, other: set[int], k: int = 3) -> str:
    """Normalised tokens with the runs not shared with the other text in ⟦ ⟧ (reading aid)."""
    tk = tokens(text)
    shared = [False] * len(tk)
    for i in range(max(0, len(tk) - k + 1)):
        if hash(" ".join(tk[i : i + k])) in other:
            for j in range(i, i + k):
                shared[j] = True
    out, run = [], []
    for t, s in zip(tk, shared, strict=True):
        if s:
            if run:
                out.append("⟦" + " ".join(run) + "⟧")
                run = []
            out.append(t)
        else:
            run.append(t)
    if run:
        out.append("⟦" + " ".join(run) + "⟧")
    return " ".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("cmd", choices=["pool", "show"])
    ap.add_argument("range", nargs="*", type=int)
    ap.add_argument("--data", default=None)
    ap.add_argument("--out", default="/tmp/dedup_pool.json")
    ap.add_argument("--pool", default="/tmp/dedup_pool.json")
    ap.add_argument("--width", type=int, default=600)
    ap.add_argument("--seed", type=int, default=SEED, help="pool: sampling seed")
    ap.add_argument(
        "--exclude", default=None, help="pool: a labels file whose pairs are not sampled again"
    )
    ap.add_argument(
        "--per-stratum", default=None, help='pool: JSON sizes, e.g. {"J0.3": 30, "J0.4": 25}'
    )
    ap.add_argument("--marked", action="store_true", help="mark unshared runs ⟦ ⟧")
    ap.add_argument(
        "--blind",
        action="store_true",
        help="whole bodies with unshared runs marked, no scores (how the second pass was read;"
        " guide: bench/quality/dedup_label_guide.md)",
    )
    args = ap.parse_args(argv)
    data_dir = find_data_dir(args.data)
    if data_dir is None:
        print("SaudiNewsNet not found (../shared/data/saudinewsnet)", file=sys.stderr)
        return 2
    if args.cmd == "pool":
        exclude: set[tuple[str, str]] = set()
        if args.exclude:
            labelled = json.loads(Path(args.exclude).read_text())["pairs"]
            exclude = {(q["a"], q["b"]) for q in labelled} | {(q["b"], q["a"]) for q in labelled}
        sizes = json.loads(args.per_stratum) if args.per_stratum else None
        pool = build_pool(data_dir, args.seed, sizes, exclude)
        Path(args.out).write_text(json.dumps(pool, ensure_ascii=False, indent=0))
        print(json.dumps(pool["population"], indent=1), len(pool["pairs"]))
    else:
        pool = json.loads(Path(args.pool).read_text())
        start, stop = [*args.range, 0, len(pool["pairs"])][:2]
        show(pool, start, stop, data_dir, args.width, args.marked, args.blind)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
