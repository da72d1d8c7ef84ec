"""A real scheduled run: Airflow's api-server, scheduler, dag-processor and triggerer as separate
processes (SQLite, LocalExecutor, parallelism 4), rasid_ingest every 30 s. The first scheduled
rasid_ingest run must succeed and the asset-triggered rasid_alerts run must follow and deliver.
Each component is stopped by its pid afterwards (SIGTERM each, SIGKILL only what remains)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.airflow

DAGS = Path(__file__).resolve().parents[2] / "dags"
DEADLINE_S = 180


def _alerting_feeds(corpus: Any, n: int = 2) -> list[str]:
    """The ``n`` healthy feeds with the most articles that the test rules (طرابلس, حفتر) match."""
    healthy = {f["id"] for f in corpus.manifest["feeds"] if f["status"] == 200}
    hits = dict.fromkeys(sorted(healthy), 0)
    for art in corpus.manifest["articles"]:
        text = (Path(corpus.corpus_dir) / art["file"]).read_text(encoding="utf-8", errors="replace")
        if "طرابلس" in text or "حفتر" in text:
            for feed_id in set(art.get("feeds") or []) & healthy:
                hits[feed_id] += 1
    return sorted(hits, key=lambda f: -hits[f])[:n]


def test_scheduled_ingest_triggers_alerts(
    airflow_stack: Any, corpus: Any, rasid_setup: dict[str, Path], tmp_path: Path
) -> None:
    from store.factory import open_store

    # Only the two DAGs under test (rasid_maintenance would also start at once and compete for
    # the 2 cores), and two healthy feeds: this test is about scheduling, not throughput.
    dags = tmp_path / "dags"
    dags.mkdir()
    for name in ("rasid_ingest.py", "rasid_alerts.py"):
        shutil.copyfile(DAGS / name, dags / name)
    feeds = tmp_path / "two-feeds.yaml"
    chosen = _alerting_feeds(corpus)
    healthy = [f for f in corpus.feeds() if f.id in chosen]
    feeds.write_text(
        "feeds:\n"
        + "".join(f"  - {{id: {f.id}, name: {f.id}, url: '{f.url}'}}\n" for f in healthy),
        encoding="utf-8",
    )
    stack = airflow_stack(
        {
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW_VAR_RASID_INGEST_SCHEDULE": "30s",
            "AIRFLOW_VAR_RASID_FEEDS_FILE": str(feeds),
        }
    )
    marks: dict[str, float] = {}
    t0 = time.monotonic()
    stack.start()
    store = open_store(f"sqlite:///{rasid_setup['store']}")
    try:
        while time.monotonic() - t0 < DEADLINE_S:
            runs = stack.dag_runs()
            now = time.monotonic() - t0
            ingest = [r for r in runs if r[0] == "rasid_ingest" and r[1] == "scheduled"]
            alerts = [r for r in runs if r[0] == "rasid_alerts" and r[1] == "asset_triggered"]
            if ingest and "ingest_started" not in marks:
                marks["ingest_started"] = now
            if any(r[2] == "success" for r in ingest):
                marks.setdefault("ingest_success", now)
            if any(r[2] == "failed" for r in ingest + alerts):
                pytest.fail(f"a run failed: {runs}\n{stack.tail('scheduler')}")
            if "first_alert" not in marks and store.recent_alerts(limit=1):
                marks["first_alert"] = now
            if any(r[2] == "success" for r in alerts):
                marks.setdefault("alerts_success", now)
            if "alerts_success" in marks and "first_alert" in marks:
                break
            dead = [name for name, up in stack.alive().items() if not up]
            assert not dead, f"{dead} exited:\n" + "\n".join(stack.tail(n) for n in dead)
            time.sleep(1)
        else:
            pytest.fail(
                f"no scheduled ingest + alerts within {DEADLINE_S}s: {marks} {stack.dag_runs()}\n"
                + stack.tail("scheduler")
            )
        assert store.count() > 0
    finally:
        store.close()
        t_stop = time.monotonic()
        killed = stack.stop()
        marks["stop_s"] = time.monotonic() - t_stop
        marks["api_ready"] = stack.api_ready_s or 0.0
    print("\n[timing] scheduled run, seconds from start: " + ", ".join(
        f"{k}={v:.1f}" for k, v in marks.items()
    ))  # fmt: skip
    assert killed == [], "processes that ignored SIGTERM:\n" + "\n".join(killed)
