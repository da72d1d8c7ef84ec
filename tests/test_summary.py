"""The cycle summary is rich markup: third-party text in it must print verbatim."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from types import SimpleNamespace

from rich.console import Console

from rasid.demo import _receiver_lines
from rasid.pipeline import CycleReport, FeedOutcome
from rasid.summary import summary_lines


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
    assert "--store sqlite:////tmp/[video]/r.db" in text


def test_demo_email_subject_keeps_its_rule_tag() -> None:
    msg = EmailMessage()
    msg["Subject"] = "\u200f[tripoli] اشتباكات [/عاجل]"
    msg.set_content("[video] نص الخبر\nالرابط: https://x.example/[b]\n")
    smtp = SimpleNamespace(messages=[msg])
    webhook = SimpleNamespace(received=[], verified=0)
    text = _render(_receiver_lines(webhook, smtp))
    assert "Subject: \u200f[tripoli] اشتباكات [/عاجل]" in text
    assert "[video] نص الخبر" in text and "https://x.example/[b]" in text
