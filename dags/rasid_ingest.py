"""rasid_ingest: poll every feed of the registry and index what is new.

A mapped task group runs once per feed: ``feed.poll`` polls it and ``feed.process`` processes
its batch (fetch, extract, language, dedup, enrich, index), both in the ``rasid_feeds`` pool that
caps concurrency, both retried with exponential backoff. A feed that still fails only stops its
own branch. ``publish`` emits an event on the ``rasid://articles`` asset when the run indexed
anything, which schedules ``rasid_alerts``.

Schedule: Airflow Variable ``rasid_ingest_schedule`` (cron, preset or duration such as ``30s``),
default every 5 minutes. All logic lives in ``rasid.pipeline`` and ``rasid.airflow_support``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow.sdk import TriggerRule, dag, task, task_group

from rasid import airflow_support as af

ARTICLES = af.articles_asset()


@dag(
    dag_id="rasid_ingest",
    schedule=af.ingest_schedule(),
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=af.task_defaults(),
    tags=["rasid"],
    doc_md=__doc__,
)
def rasid_ingest() -> None:
    @task
    def list_feeds() -> list[str]:
        return af.feed_ids(af.airflow_settings())

    @task(pool=af.POOL)
    def poll(feed_id: str) -> dict[str, Any]:
        from rasid.pipeline import poll_feed_task

        return af.raise_on_poll_error(poll_feed_task(af.airflow_settings(), feed_id))

    @task(pool=af.POOL)
    def process(poll_result: dict[str, Any]) -> dict[str, Any]:
        from rasid.pipeline import process_feed_batch

        return process_feed_batch(af.airflow_settings(), poll_result)

    # A mapped group, not two mapped tasks: a failed poll then stops only its own feed's
    # process (mapping one task over another's output would fail the whole second map).
    @task_group
    def feed(feed_id: str) -> Any:
        return process(poll(feed_id))

    # all_done: one dead feed must not hold back the articles of the others.
    @task(outlets=[ARTICLES], trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def publish(results: list[dict[str, Any]], outlet_events: Any = None) -> dict[str, Any]:
        return af.publish_articles(results, outlet_events, ARTICLES)

    publish(feed.expand(feed_id=list_feeds()))


rasid_ingest()
