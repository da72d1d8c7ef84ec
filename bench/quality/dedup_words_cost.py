"""What keeping each window document's word set costs (unigram containment, decide.py).

On the benchmark day (the first 9,000 SaudiNewsNet articles, as ``bench/bench_dedup.py``):
the word set's size per article (distinct normalised tokens, 4 bytes each, plus the numpy
array's own overhead in memory), against the shingle set it sits next to, and the SQLite
file of the day with and without the word column.

    .venv/bin/python bench/quality/dedup_words_cost.py [--articles 9000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from processing.dedup import DedupConfig, deduplicate
from processing.dedup.corpus import find_data_dir, load_saudinewsnet, to_article
from store.dedup_sqlite import SqliteDedupState, connect, drop_caches


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=9000)
    args = ap.parse_args(argv)
    path = find_data_dir(None)
    if path is None:
        print("skipped: SaudiNewsNet not found", file=sys.stderr)
        return 2
    docs = list(load_saudinewsnet(path))[: args.articles]
    start = datetime(2030, 1, 1)
    step = timedelta(days=1) / len(docs)
    articles = [to_article(d, start + i * step) for i, d in enumerate(docs)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "day.db"
        conn = connect(db)
        state = SqliteDedupState(conn)
        for h in range(24):
            batch = [a for a in articles if start + timedelta(hours=h) <= a.fetched_at]
            batch = [a for a in batch if a.fetched_at < start + timedelta(hours=h + 1)]
            deduplicate(batch, state, start + timedelta(hours=h + 1), DedupConfig())
        words, shingles = [], []
        for w, sh in conn.execute("SELECT words, shingles FROM dedup_docs"):
            words.append(len(w) if w is not None else 0)
            shingles.append(len(sh))
        n = len(words)
        per_obj = sys.getsizeof(np.empty(0, dtype=np.uint32))
        conn.execute("VACUUM")
        size_with = db.stat().st_size
        conn.execute("UPDATE dedup_docs SET words=NULL")
        conn.commit()
        conn.execute("VACUUM")
        size_without = db.stat().st_size
        conn.close()
        drop_caches()
    print(f"{n} documents in the window")
    print(
        f"word set: mean {np.mean(words):.0f} B ({np.mean(words) / 4:.0f} distinct tokens),"
        f" median {np.median(words):.0f} B, max {max(words)} B;"
        f" in memory + {per_obj} B numpy overhead per array"
    )
    print(f"shingle set next to it: mean {np.mean(shingles):.0f} B")
    print(
        f"SQLite file (vacuumed): {size_with / 1e6:.2f} MB with word sets,"
        f" {size_without / 1e6:.2f} MB without: {(size_with - size_without) / n:.0f} B/article"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
