"""rasid_deliver, every 5 minutes: send what the alert outbox holds and is now due (retries of
failed sends whose backoff is over, throttle, quiet-hours and digest summaries).

``rasid_alerts`` runs only when new articles arrive, so without this a retry or a summary
would wait for the next article. Sending is idempotent: the outbox marks what went out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import dag, task

from rasid import airflow_support as af


@dag(
    dag_id="rasid_deliver",
    schedule="*/5 * * * *",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=af.task_defaults(),
    tags=["rasid"],
    doc_md=__doc__,
)
def rasid_deliver() -> None:
    @task
    def deliver_due() -> dict[str, Any]:
        from rasid.pipeline import deliver_due as run

        return run(af.airflow_settings())

    deliver_due()


rasid_deliver()
