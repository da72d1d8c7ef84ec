"""maintenance() sends what the outbox holds and is due, with no new article: under Airflow
the alerts DAG runs only when articles arrive, so retries and summaries would otherwise wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alerts.channels import WebhookChannel
from alerts.deliver import deliver
from alerts.outbox import Outbox
from rasid.config import load_settings
from rasid.pipeline import maintenance
from rasid.records import Alert
from store.sqlite import SqliteStore

T0 = datetime.now(UTC) - timedelta(hours=1)  # the failed send: its backoff is long over


def _alert() -> Alert:
    return Alert(
        id="al001", rule_id="tripoli", article_id="a1", title="اشتباكات في طرابلس",
        source="aljazeera", url="https://news.example/1", matched_terms=["طرابلس"], fired_at=T0,
    )  # fmt: skip


def _settings(tmp_path: Path, url: str) -> Any:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - {id: a, name: A, url: 'http://127.0.0.1:9/x'}\n")
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "channels:\n"
        f"  - {{id: hook, type: webhook, url: '{url}', retries: 1, retry_wait_s: 0}}\n"
        "rules:\n  - {id: tripoli, keywords: [طرابلس], channels: [hook]}\n",
        encoding="utf-8",
    )
    return load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'r.db'}")


def test_maintenance_sends_a_due_retry_without_new_articles(tmp_path: Path, receiver: Any) -> None:
    settings = _settings(tmp_path, receiver.url + "/hook")
    store = SqliteStore(tmp_path / "r.db")
    outbox = settings.outbox_for(store)
    hook = WebhookChannel(id="hook", type="webhook", url=receiver.url + "/hook", retries=1)
    # The receiver is down when the alert fires: the delivery stays pending.
    first = deliver([_alert()], [hook], outbox, now=T0)
    assert (first.sent, first.failed, first.pending) == (0, 1, 1)
    receiver.start()
    try:
        out = maintenance(settings, store=store)
    finally:
        store.close()
    assert out["alerts"]["sent"] == 1 and out["alerts"]["pending"] == 0, out["alerts"]
    assert out["alerts"]["failed"] == 0 and out["alerts"]["errors"] == []
    assert [r["headers"]["Idempotency-Key"] for r in receiver.requests] == ["al001:hook"]
    with Outbox(outbox) as box:
        assert box.sent_keys() == {"al001:hook"}


def test_maintenance_without_outbox_or_with_bad_rules_still_runs(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "http://127.0.0.1:9/hook")
    store = SqliteStore(tmp_path / "r.db")
    try:
        out = maintenance(settings, store=store)
        assert out["alerts"]["sent"] == 0 and not Path(out["alerts"]["outbox"]).exists()
        deliver([], [], settings.outbox_for(store))  # creates the outbox
        settings.rules_path.write_text("rules: [", encoding="utf-8")
        out = maintenance(settings, store=store)
    finally:
        store.close()
    assert out["feed_health"] and "alerts config" in out["alerts"]["errors"][0]


def test_maintenance_prunes_old_sent_rows_and_keeps_the_rest(tmp_path: Path) -> None:
    """Audit 4: nothing called prune_sent, so the outbox grew with every sent alert."""
    from rasid.pipeline import OUTBOX_SENT_KEPT

    settings = _settings(tmp_path, "http://127.0.0.1:9/hook")
    store = SqliteStore(tmp_path / "r.db")
    outbox = settings.outbox_for(store)
    now = datetime.now(UTC)
    old = now - OUTBOX_SENT_KEPT - timedelta(days=1)
    with Outbox(outbox) as box:
        for aid, status, when in [
            ("old-sent", "sent", old), ("new-sent", "sent", now - timedelta(days=1)),
            ("old-dead", "dead", old), ("old-pending", "pending", old),
        ]:  # fmt: skip
            alert = _alert()
            alert.id = aid
            box.enqueue(alert, "gone", now=when, due_at=now + timedelta(days=1))
            if status == "sent":
                box.mark_sent([f"{aid}:gone"], "m", when)
            elif status == "dead":
                box.mark_dead([f"{aid}:gone"], "HTTP 400")
    try:
        out = maintenance(settings, store=store)
    finally:
        store.close()
    assert out["outbox_pruned"] == 1
    with Outbox(outbox) as box:
        # Dead rows wait for --retry/--purge; pending ones for their channel.
        assert box.counts() == {"pending": 1, "sent": 1, "dead": 1}
        assert box.sent_keys() == {"new-sent:gone"}
