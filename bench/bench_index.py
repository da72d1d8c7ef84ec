"""Indexing throughput through the search-engine backends, against raw ``_bulk`` of the same
documents measured in the same run on the same node.

Backend: ``EngineStore.upsert_articles`` — building the documents (normalised fields,
derived Kibana fields), looking existing ids up per chunk, ``helpers.streaming_bulk`` in
chunks of 500 with retries, and a refresh at the end. Baseline: the very same documents,
already built, serialised to NDJSON and POSTed to ``/_bulk`` with httpx in the same chunks
into an index made from the same template, then one refresh. Goal: ratio >= 0.8.

Rounds alternate (raw, backend, raw, backend) and the best of each is kept: the machine
is shared and noisy. Articles: SaudiNewsNet from ../shared when present, else a built-in
synthetic set. Engines are started from Maven Central by ``tools.engines`` (Skip without
Java or Maven).

    .venv/bin/python -m bench.bench_index [--quick] [--kinds elasticsearch,opensearch]
        [--articles 4000] [--out data/bench_index.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from bench.common import REPO, SHARED, Result, Skip, ratio_result, write_json

if str(REPO) not in sys.path:  # tools/ is a repo folder, not an installed package
    sys.path.insert(0, str(REPO))

from rasid.records import Article

CHUNK = 500
DEFAULT_OUT = REPO / "data" / "bench_index.json"
_SENTENCES = (
    "شهدت العاصمة الليبية طرابلس اشتباكات بين قوات حكومة الوفاق وقوات المشير خليفة حفتر.",
    "وأعلن مجلس الأمن الدولي عقد جلسة طارئة لبحث تطورات الوضع في البلاد.",
    "ودعت دول عربية وغربية إلى ضبط النفس ووقف القتال حول مطار طرابلس الدولي.",
    "وقال الناطق باسم الحكومة إن القوات تمكنت من صد هجوم جنوبي العاصمة.",
)


def load_articles(n: int) -> tuple[list[Article], str]:
    data = SHARED / "data" / "saudinewsnet"
    if data.is_dir() and any(data.glob("*.zip")):
        from processing.dedup.corpus import load_saudinewsnet, to_article

        seen: dict[str, Article] = {}
        for doc in load_saudinewsnet(data, n * 2):
            seen.setdefault(doc.key, to_article(doc))
            if len(seen) >= n:
                break
        return list(seen.values()), f"SaudiNewsNet ({len(seen)} articles)"
    t0 = datetime(2019, 4, 5, tzinfo=UTC)
    arts = [
        Article(
            id=f"syn{i:07d}",
            url=f"http://example.org/{i}",
            canonical_url=f"http://example.org/{i}",
            source=f"src{i % 9}",
            feed_id=f"src{i % 9}",
            title=f"{_SENTENCES[i % 4][:40]} {i}",
            body=" ".join(_SENTENCES[(i + k) % 4] for k in range(12)),
            lang="ar",
            fetched_at=t0,
            published_at=t0 + timedelta(minutes=i),
        )
        for i in range(n)
    ]
    return arts, f"synthetic ({n} articles)"


def _fresh(arts: list[Article]) -> list[Article]:
    """Copies with no ingest time, as the pipeline hands them over."""
    return [Article.from_dict({**a.to_dict(), "ingested_at": None}) for a in arts]


def raw_bulk_seconds(client: httpx.Client, index: str, docs: list[dict[str, Any]]) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(docs), CHUNK):
        lines = []
        for doc in docs[start : start + CHUNK]:
            lines.append(json.dumps({"index": {"_index": index, "_id": doc["id"]}}))
            lines.append(json.dumps(doc, ensure_ascii=False))
        r = client.post(
            "/_bulk",
            content=("\n".join(lines) + "\n").encode("utf-8"),
            headers={"content-type": "application/x-ndjson"},
        )
        r.raise_for_status()
        if r.json().get("errors"):
            raise RuntimeError(f"raw _bulk reported errors: {r.text[:500]}")
    client.post(f"/{index}/_refresh").raise_for_status()
    return time.perf_counter() - t0


def measure_kind(kind: str, arts: list[Article], rounds: int) -> dict[str, Any]:
    from store.es_common import article_to_doc
    from store.factory import open_store
    from tools.engines import start_node

    node = start_node(kind, cluster_name="rasid-bench", heap="512m")
    try:
        node.wait_ready(300)
        scheme = "elasticsearch" if kind == "elasticsearch" else "opensearch"
        raw_s: list[float] = []
        backend_s: list[float] = []
        docs = [article_to_doc(a) for a in _fresh(arts)]
        with httpx.Client(base_url=node.url, timeout=120) as client:
            # Warm the JVM up (JIT, first index creation) before anything is timed.
            warm = open_store(f"{scheme}://127.0.0.1:{node.http_port}?prefix=benchwarm&spool=off")
            warm.upsert_articles(_fresh(arts[:CHUNK]))
            warm.close()
            client.delete("/benchwarm-*")
            for _ in range(rounds):
                prefix = f"bench{uuid4().hex[:8]}"
                # Same template, analysis and shard count for the baseline: only the client differs.
                raw_store = open_store(
                    f"{scheme}://127.0.0.1:{node.http_port}?prefix={prefix}r&spool=off"
                )
                raw_store.setup()  # type: ignore[attr-defined]
                raw_index = raw_store._write_index  # type: ignore[attr-defined]
                raw_s.append(raw_bulk_seconds(client, raw_index, docs))
                raw_store.close()

                store = open_store(
                    f"{scheme}://127.0.0.1:{node.http_port}?prefix={prefix}b&spool=off"
                )
                store.setup()  # type: ignore[attr-defined]
                batch = _fresh(arts)
                t0 = time.perf_counter()
                written = store.upsert_articles(batch)
                backend_s.append(time.perf_counter() - t0)
                assert written == len(arts) and store.count() == len(arts)
                store.close()
                client.delete(f"/{prefix}*")
                client.delete(f"/_index_template/{prefix}r-articles")
                client.delete(f"/_index_template/{prefix}b-articles")
        n = len(arts)
        return {
            "kind": kind,
            "articles": n,
            "raw_docs_per_s": round(n / min(raw_s), 1),
            "backend_docs_per_s": round(n / min(backend_s), 1),
            "raw_s": [round(s, 2) for s in raw_s],
            "backend_s": [round(s, 2) for s in backend_s],
        }
    finally:
        node.cleanup()


def run(quick: bool) -> list[Result]:
    if not shutil.which("mvn"):
        raise Skip("Maven (mvn) is not installed: the engines come from Maven Central")
    kinds = ["elasticsearch"] if quick else ["elasticsearch", "opensearch"]
    arts, what = load_articles(1000 if quick else 4000)
    results = []
    for kind in kinds:
        m = measure_kind(kind, arts, rounds=1 if quick else 2)
        results.append(
            ratio_result(
                f"index_throughput_{kind}",
                m["backend_docs_per_s"],
                "docs/s",
                "raw _bulk of the same documents (httpx)",
                m["raw_docs_per_s"],
                goal=">=0.8",
                notes=f"{what}; chunks of {CHUNK}; best of {len(m['raw_s'])} rounds",
                **m,
            )
        )
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--kinds", default="elasticsearch,opensearch")
    ap.add_argument("--articles", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    arts, what = load_articles(args.articles)
    fragment = {
        "benchmark": "index",
        "articles": what,
        "at": datetime.now(UTC).isoformat(),
        "results": [],
    }
    for kind in args.kinds.split(","):
        m = measure_kind(kind.strip(), arts, args.rounds)
        m["ratio"] = round(m["backend_docs_per_s"] / m["raw_docs_per_s"], 3)
        m["goal_met"] = m["ratio"] >= 0.8
        fragment["results"].append(m)
        print(
            f"{kind}: backend {m['backend_docs_per_s']} docs/s, raw _bulk {m['raw_docs_per_s']} "
            f"docs/s, ratio {m['ratio']} (goal >= 0.8)"
        )
    write_json(args.out, fragment)
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
