"""rasid_alerts: run the alert rules on articles ingested since the last run, deliver, record.

Scheduled on the ``rasid://articles`` asset that ``rasid_ingest`` updates. "Since the last run"
is the store's ``alerts`` watermark on ingest time (not publication time), so a late-published
item still alerts and a rerun never alerts twice (alert ids are stable per rule and story).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import dag, task

from rasid import airflow_support as af


@dag(
    dag_id="rasid_alerts",
    schedule=[af.articles_asset()],
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,  # one watermark: evaluations must not interleave
    default_args=af.task_defaults(),
    tags=["rasid"],
    doc_md=__doc__,
)
def rasid_alerts() -> None:
    @task
    def evaluate_and_deliver() -> dict[str, Any]:
        from rasid.pipeline import evaluate_and_deliver as run

        return run(af.airflow_settings())

    evaluate_and_deliver()


rasid_alerts()
