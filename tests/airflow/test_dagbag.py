"""The DAG files import cleanly in real Airflow 3, without cycles, with the expected shape."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rasid import airflow_support as af

pytestmark = pytest.mark.airflow

DAGS = Path(__file__).resolve().parents[2] / "dags"

EXPECTED_TASKS = {
    "rasid_ingest": {"list_feeds", "feed.poll", "feed.process", "publish"},
    "rasid_alerts": {"evaluate_and_deliver"},
    "rasid_maintenance": {"maintenance"},
    "rasid_deliver": {"deliver_due"},
}


def test_no_import_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == set(EXPECTED_TASKS)


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_TASKS))
def test_expected_tasks_and_no_cycles(dagbag: Any, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    dag.check_cycle()  # raises on a cycle
    assert set(dag.task_ids) == EXPECTED_TASKS[dag_id]
    assert "rasid" in dag.tags
    assert dag.max_active_runs == 1
    for t in dag.tasks:
        if t.task_id != "publish":
            assert t.retries >= 1, t.task_id
            assert t.retry_exponential_backoff > 0, t.task_id
            assert t.max_retry_delay == af.MAX_RETRY_DELAY


def test_ingest_maps_over_feeds_in_the_pool_and_publishes_the_asset(dagbag: Any) -> None:
    dag = dagbag.dags["rasid_ingest"]
    poll, process, publish = (dag.get_task(t) for t in ("feed.poll", "feed.process", "publish"))
    # The group is expanded per feed (.expand), so its tasks are mapped; the pool caps them.
    assert type(poll.task_group).__name__ == "MappedTaskGroup"
    assert poll.task_group is process.task_group
    assert poll.pool == af.POOL and process.pool == af.POOL
    assert poll.upstream_task_ids == {"list_feeds"}
    assert process.upstream_task_ids == {"feed.poll"}
    assert publish.upstream_task_ids == {"feed.process"}
    assert publish.trigger_rule == "all_done"
    assert [o.uri for o in publish.outlets] == ["rasid://articles/"]
    assert dag.catchup is False
    assert dag.timetable.expression == "*/5 * * * *"  # the default: every 5 minutes


def test_alerts_are_scheduled_on_the_articles_asset(dagbag: Any) -> None:
    from airflow.sdk import Asset

    dag = dagbag.dags["rasid_alerts"]
    assets = list(dag.timetable.asset_condition.objects)
    assert [a.uri for a in assets] == ["rasid://articles/"]
    assert isinstance(assets[0], Asset)


def test_maintenance_runs_daily(dagbag: Any) -> None:
    assert dagbag.dags["rasid_maintenance"].timetable.expression == "0 0 * * *"


def test_due_deliveries_are_sent_every_five_minutes(dagbag: Any) -> None:
    # rasid_alerts runs only when articles arrive: a retry or a digest must not wait for one
    assert dagbag.dags["rasid_deliver"].timetable.expression == "*/5 * * * *"


def test_ingest_schedule_comes_from_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variable rasid_ingest_schedule (here through AIRFLOW_VAR_*) sets the schedule at parse."""
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW_VAR_RASID_INGEST_SCHEDULE", "30s")
    bag = DagBag(dag_folder=str(DAGS / "rasid_ingest.py"))
    assert bag.import_errors == {}
    assert bag.dags["rasid_ingest"].timetable.delta == timedelta(seconds=30)
