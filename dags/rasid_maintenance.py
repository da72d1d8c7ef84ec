"""rasid_maintenance, daily: feed health report (failing, stale), replay of spooled documents,
index housekeeping (rollover, retention), pruning of the dedup window, and a pass over the
alert outbox (rasid_deliver makes one every 5 minutes) and the pruning of its sent rows older
than 30 days."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import dag, task

from rasid import airflow_support as af


@dag(
    dag_id="rasid_maintenance",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=af.task_defaults(),
    tags=["rasid"],
    doc_md=__doc__,
)
def rasid_maintenance() -> None:
    @task
    def maintenance() -> dict[str, Any]:
        from rasid.pipeline import maintenance as run

        return af.maintenance_report(run(af.airflow_settings()))

    maintenance()


rasid_maintenance()
