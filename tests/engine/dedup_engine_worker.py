"""A separate process deduplicating batches against dedup state in a search engine (used by
test_dedup_engine's two-process test).

    python dedup_engine_worker.py SPEC.json OUT.json

SPEC: {"store": store URL, "window_hours": h, "ready": path this worker creates once
imported, "start": path of a file to wait for (so that the workers start together),
"seed": n, "batches": [{"now": iso, "articles": [...]}]}.
OUT: one record per batch, in this worker's order: the generation its transaction committed
(the global commit order; a batch that wrote nothing, only re-polls, has the generation it
read), how its cache was brought up to date, the batch and its verdicts.
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
from store.es_store import EngineStore
from store.factory import open_store


def main(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    config = DedupConfig(window_hours=spec["window_hours"])
    store = open_store(spec["store"])
    assert isinstance(store, EngineStore)
    Path(spec["ready"]).touch()
    go = Path(spec["start"])
    while not go.exists():  # start together with the other worker
        time.sleep(0.005)
    rng = random.Random(spec.get("seed", 0))
    out = []
    for batch in spec["batches"]:
        articles = [Article.from_dict(a) for a in batch["articles"]]
        state = store.dedup_state()  # a state per batch, as rasid.pipeline does
        result = deduplicate(articles, state, datetime.fromisoformat(batch["now"]), config)
        out.append(
            {
                "generation": state.generation,
                "wrote": state.wrote,
                "sync": state.sync,
                "now": batch["now"],
                "articles": batch["articles"],
                "verdicts": [
                    [v.article_id, v.kind, v.duplicate_of, v.similarity, v.story_id]
                    for v in result.verdicts
                ],
            }
        )
        # Let the other worker in now and then: a waiter polls the lease at most every
        # 0.25 s (jittered), so a pause shorter than that rarely lets it take a turn.
        time.sleep(0.05 + rng.random() * 0.3)
    store.close()
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
