"""The cycle summary is rich markup: third-party text in it must print verbatim."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from rasid.demo import _receiver_lines
from rasid.pipeline import CycleReport, FeedOutcome
from rasid.summary import all_feeds_failed, summary_lines


def _render(lines: list[str]) -> str:
    console = Console(record=True, width=400, force_terminal=False)
    for line in lines:
        console.print(line)
    return console.export_text()


def test_summary_prints_bracketed_errors_and_urls_verbatim() -> None:
    report = CycleReport(started_at=datetime.now(UTC))
    failing = FeedOutcome("feed[b]", "error", error="https://x.example/[/x]: HTTP 404")
    ok = FeedOutcome("ok-feed", "ok", new=2, failed=1)
    ok.item_errors = ["https://x.example/a[/عاجل] [video]: HTTP 404"]
    report.feeds = [failing, ok]
    report.alert_errors = ["email: SMTPError: [/x] rejected «[update]»"]
    report.encodings = {"[b]": 1}
    text = _render(summary_lines(report, "sqlite:////tmp/[video]/r.db"))
    assert "feed feed[b] failed: https://x.example/[/x]: HTTP 404" in text
    assert "item failed (ok-feed): https://x.example/a[/عاجل] [video]: HTTP 404" in text
    assert "delivery: email: SMTPError: [/x] rejected «[update]»" in text
    assert "[b]: 1" in text
    assert "--store 'sqlite:////tmp/[video]/r.db'" in text  # quoted for the shell


def test_demo_email_subject_keeps_its_rule_tag() -> None:
    msg = EmailMessage()
    msg["Subject"] = "\u200f[tripoli] اشتباكات [/عاجل]"
    msg.set_content("[video] نص الخبر\nالرابط: https://x.example/[b]\n")
    smtp = SimpleNamespace(messages=[msg])
    webhook = SimpleNamespace(received=[], verified=0)
    text = _render(_receiver_lines(webhook, smtp))
    assert "Subject: \u200f[tripoli] اشتباكات [/عاجل]" in text
    assert "[video] نص الخبر" in text and "https://x.example/[b]" in text


def _report(*statuses: str) -> CycleReport:
    report = CycleReport(started_at=datetime.now(UTC))
    report.feeds = [
        FeedOutcome(f"f{i}", s, error="connection refused" if s == "error" else None)
        for i, s in enumerate(statuses)
    ]
    return report


def test_all_feeds_failed_only_when_no_feed_answered() -> None:
    assert all_feeds_failed(_report("error", "error"))
    assert all_feeds_failed(_report("error", "disabled"))
    assert all_feeds_failed(_report("error", "not-due"))  # skipped feeds do not count
    assert not all_feeds_failed(_report("error", "ok"))
    assert not all_feeds_failed(_report("error", "not-modified"))
    assert not all_feeds_failed(_report("not-due", "pushed"))  # nothing was tried
    assert not all_feeds_failed(_report())
    text = _render(summary_lines(_report("error", "error"), "sqlite:///data/rasid.db"))
    assert "no feed answered" in text and "exit status 4" in text
    assert "the other feeds went on" not in text
    text = _render(summary_lines(_report("error", "ok"), "sqlite:///data/rasid.db"))
    assert "no feed answered" not in text and "the other feeds went on" in text


def test_search_hints_keep_store_unless_it_is_the_default_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store elsewhere whose path merely ends in data/rasid.db used to lose its --store.
    monkeypatch.chdir(tmp_path)
    report = CycleReport(started_at=datetime.now(UTC))
    other = _render(summary_lines(report, "sqlite:////srv/other/data/rasid.db"))
    assert "rasid search طرابلس --store sqlite:////srv/other/data/rasid.db" in other
    here = _render(summary_lines(report, "sqlite:///data/rasid.db"))
    assert "rasid search طرابلس\n" in here
    spaced = _render(summary_lines(report, "/tmp/my stores/r.db"))
    assert "--store '/tmp/my stores/r.db'" in spaced


def test_delivery_errors_counted_capped_and_counts_unambiguous() -> None:
    """Audit 3, finding 13: 22 failures showed 5 lines, some identical, with no "more"; and
    "22 deliveries, 22 failed" read as all failing when 22 were sent and 22 failed."""
    report = CycleReport(started_at=datetime.now(UTC))
    report.alerts_fired, report.alerts_delivered, report.alerts_failed = 11, 22, 11
    report.alerts_dead, report.alerts_dead_total, report.alerts_pending = 11, 11, 11
    report.alerts_already_sent = 2
    report.alert_errors = (
        ["s: PermanentError: slack s: no url or url_env (given up)"] * 11
        + [f"w{i}: ConnectError: refused" for i in range(6)]
        + ["w0: ConnectError: refused"] * 4
    )
    text = _render(summary_lines(report, "sqlite:////tmp/x/r.db"))
    assert (
        "alerts             11 fired; deliveries 22 sent, 11 failed (retried later),"
        " 11 given up, 2 alerts skipped as already sent"
    ) in text
    assert "11 waiting (held or to retry), 11 given up; `rasid alerts outbox` lists them" in text
    delivery = [x.strip() for x in text.splitlines() if x.strip().startswith("delivery:")]
    assert delivery == [
        "delivery: s: PermanentError: slack s: no url or url_env (given up) (×11)",
        "delivery: w0: ConnectError: refused (×5)",
        "delivery: w1: ConnectError: refused",
        "delivery: w2: ConnectError: refused",
        "delivery: w3: ConnectError: refused",
        "delivery: … and 2 more",
    ]


def test_quiet_delivery_summary() -> None:
    report = CycleReport(started_at=datetime.now(UTC))
    report.alerts_fired, report.alerts_delivered = 3, 6
    text = _render(summary_lines(report, "sqlite:////tmp/x/r.db"))
    assert "alerts             3 fired; deliveries 6 sent\n" in text
    assert "outbox " not in text and "delivery:" not in text
