"""A separate process deduplicating batches on a shared SQLite file (used by test_processes).

    python dedup_worker.py SPEC.json OUT.json

SPEC: {"db": path, "cache": null|true|false, "window_hours": h, "ready": path this worker
creates once imported, "start": path of a file to wait for (so that the workers start
together), "batches": [{"now": iso, "articles": [...]}]}.
OUT: one record per batch, in this worker's order: the generation its transaction committed
(the global commit order), the batch and its verdicts.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import datetime
from pathlib import Path

from processing.dedup import DedupConfig, deduplicate
from rasid.records import Article
from store.dedup_sqlite import SqliteDedupState, connect


def main(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    config = DedupConfig(window_hours=spec["window_hours"])
    Path(spec["ready"]).touch()
    go = Path(spec["start"])
    while not go.exists():  # start together with the other worker
        time.sleep(0.005)
    rng = random.Random(spec.get("seed", 0))
    out = []
    for batch in spec["batches"]:
        articles = [Article.from_dict(a) for a in batch["articles"]]
        conn = connect(spec["db"])  # a connection per batch, as rasid.pipeline does
        state = SqliteDedupState(conn, cache=spec["cache"])
        result = deduplicate(articles, state, datetime.fromisoformat(batch["now"]), config)
        conn.close()
        out.append(
            {
                "generation": state.generation,
                "mode": state.mode,
                "now": batch["now"],
                "articles": batch["articles"],
                "verdicts": [
                    [v.article_id, v.kind, v.duplicate_of, v.similarity, v.story_id]
                    for v in result.verdicts
                ],
            }
        )
        time.sleep(rng.random() * 0.02)  # let the other worker in now and then
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
