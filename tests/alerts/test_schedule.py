"""Throttle, quiet hours and digests: held alerts are delivered later, never lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alerts.channels import JsonlChannel
from alerts.deliver import deliver
from alerts.rules import Rule
from alerts.schedule import plan, quiet_until
from rasid.records import Alert

T0 = datetime(2024, 5, 12, 10, 0, tzinfo=UTC)  # 12:00 in Tripoli (UTC+2)


def alert(i: int, rule_id: str = "r", at: datetime = T0) -> Alert:
    return Alert(
        id=f"al{i:03d}", rule_id=rule_id, article_id=f"a{i}", title=f"خبر رقم {i} عن طرابلس",
        source="aljazeera", url=f"https://news.example/{i}", matched_terms=["طرابلس"], fired_at=at,
    )  # fmt: skip


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_plan_immediate_without_policy() -> None:
    p = plan(Rule(id="r", keywords=["x1x"]), "c", T0)
    assert p.due_at == T0 and p.bundle is None


def test_quiet_hours_wrap_midnight_in_local_time() -> None:
    rule = Rule(
        id="r", keywords=["x1x"], timezone="Africa/Tripoli",
        quiet_hours={"start": "23:00", "end": "07:00"},
    )  # fmt: skip
    # 23:30 local = 21:30 UTC: quiet until 07:00 local = 05:00 UTC next day.
    at = datetime(2024, 5, 12, 21, 30, tzinfo=UTC)
    p = plan(rule, "c", at)
    assert p.reason == "quiet hours" and p.due_at == datetime(2024, 5, 13, 5, 0, tzinfo=UTC)
    # 06:59 local: still quiet, same end.
    assert plan(rule, "c", datetime(2024, 5, 13, 4, 59, tzinfo=UTC)).due_at == p.due_at
    # 07:00 local: not quiet.
    assert plan(rule, "c", datetime(2024, 5, 13, 5, 0, tzinfo=UTC)).bundle is None
    assert (
        quiet_until(rule.quiet_hours, T0, __import__("zoneinfo").ZoneInfo("Africa/Tripoli")) is None
    )


def test_digest_boundaries() -> None:
    hourly = Rule(id="h", keywords=["x1x"], digest="hourly", timezone="UTC")
    assert plan(hourly, "c", T0 + timedelta(minutes=17)).due_at == T0 + timedelta(hours=1)
    daily = Rule(
        id="d", keywords=["x1x"], digest="daily", digest_at="08:00", timezone="Africa/Tripoli"
    )
    # 12:00 local -> tomorrow 08:00 local = 06:00 UTC.
    assert plan(daily, "c", T0).due_at == datetime(2024, 5, 13, 6, 0, tzinfo=UTC)


def test_throttle_overflow_goes_out_as_one_summary(tmp_path: Path) -> None:
    rule = Rule(id="r", keywords=["x1x"], throttle={"max": 2, "per": "1h"})
    ch = JsonlChannel(id="file", type="jsonl", path=str(tmp_path / "out.jsonl"))
    outbox = tmp_path / "outbox.db"
    report = deliver([alert(i) for i in range(5)], [ch], outbox, rules=[rule], now=T0)
    assert (report.sent, report.held, report.pending) == (2, 3, 3)
    # Later in the same window: one more alert is held too.
    r2 = deliver([alert(5)], [ch], outbox, rules=[rule], now=T0 + timedelta(minutes=30))
    assert (r2.sent, r2.held, r2.pending) == (0, 1, 4)
    # Window over: the four held alerts go out as one message; the next two are single again.
    r3 = deliver([alert(6), alert(7)], [ch], outbox, rules=[rule], now=T0 + timedelta(hours=1))
    assert r3.sent == 6 and r3.pending == 0 and r3.messages == 3
    out = lines(tmp_path / "out.jsonl")
    assert sorted(x["alert"]["id"] for x in out) == [f"al{i:03d}" for i in range(8)]
    assert sum(1 for x in out if x["reason"] == "throttle") == 4
    assert len({x["message_key"] for x in out if x["reason"] == "throttle"}) == 1


def test_quiet_hours_hold_and_release(tmp_path: Path) -> None:
    rule = Rule(
        id="r", keywords=["x1x"], timezone="Africa/Tripoli",
        quiet_hours={"start": "23:00", "end": "07:00"},
    )  # fmt: skip
    ch = JsonlChannel(id="file", type="jsonl", path=str(tmp_path / "out.jsonl"))
    night = datetime(2024, 5, 12, 22, 0, tzinfo=UTC)  # 00:00 local
    r1 = deliver(
        [alert(1, at=night), alert(2, at=night)], [ch], tmp_path / "o.db", rules=[rule], now=night
    )
    assert (r1.sent, r1.pending) == (0, 2) and lines(tmp_path / "out.jsonl") == []
    # A run during quiet hours sends nothing.
    r2 = deliver([], [ch], tmp_path / "o.db", rules=[rule], now=night + timedelta(hours=3))
    assert r2.sent == 0 and r2.pending == 2
    # First run after 07:00 local delivers both, as one summary.
    r3 = deliver(
        [], [ch], tmp_path / "o.db", rules=[rule], now=datetime(2024, 5, 13, 5, 1, tzinfo=UTC)
    )
    assert (r3.sent, r3.messages, r3.pending) == (2, 1, 0)
    assert {x["reason"] for x in lines(tmp_path / "out.jsonl")} == {"quiet hours"}


def test_hourly_digest(tmp_path: Path) -> None:
    rule = Rule(id="r", keywords=["x1x"], digest="hourly", timezone="UTC")
    ch = JsonlChannel(id="file", type="jsonl", path=str(tmp_path / "out.jsonl"))
    box = tmp_path / "o.db"
    for i in range(3):
        deliver([alert(i)], [ch], box, rules=[rule], now=T0 + timedelta(minutes=10 * i))
    assert lines(tmp_path / "out.jsonl") == []
    r = deliver([], [ch], box, rules=[rule], now=T0 + timedelta(hours=1))
    assert (r.sent, r.messages) == (3, 1)
    # An alert in the next hour belongs to the next digest.
    r = deliver([alert(9)], [ch], box, rules=[rule], now=T0 + timedelta(hours=1, minutes=1))
    assert r.sent == 0 and r.pending == 1
