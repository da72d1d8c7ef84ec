"""`rasid demo` as a user runs it: a subprocess in a fresh folder, JSON report checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_rasid_demo_delivers_to_real_receivers(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rasid.cli", "demo", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["feeds_failed"] == 1  # the feed answering 500, reported, not fatal
    assert report["near_duplicates"] == 3 and report["exact_duplicates"] == 1
    assert report["encodings"].get("windows-1256") == 1
    assert report["alerts_fired"] >= 2
    rec = report["receivers"]
    assert rec["webhook"] == rec["webhook_verified"] == report["alerts_fired"]
    assert rec["smtp"] == report["alerts_fired"]
    assert (tmp_path / "data" / "rasid.db").exists()
    # The project's `tripoli` rule asks for Libya: Tripoli, Lebanon's port story matches the
    # word and is not alerted; the Libyan stories are.
    sent = [json.loads(x) for x in (tmp_path / "data/demo/alerts.jsonl").read_text().splitlines()]
    tripoli = [a["alert"]["url"] for a in sent if a["alert"]["rule_id"] == "tripoli"]
    assert len(tripoli) == 7 and not any("tripoli-port" in u for u in tripoli)
    # its own files sit beside the store it fills
    assert {f.name for f in (tmp_path / "data" / "demo").iterdir()} >= {
        "feeds.yaml", "alerts.yaml", "alerts.jsonl", "rasid.outbox.db"
    }  # fmt: skip
    # The store the demo filled answers `rasid search` from the same folder.
    hits = subprocess.run(
        [sys.executable, "-m", "rasid.cli", "search", "طرابلس", "--json", "--no-body"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert hits.returncode == 0, hits.stderr
    titles = [json.loads(line)["title"] for line in hits.stdout.splitlines()]
    assert len(titles) == 11


def test_rasid_demo_into_another_store_leaves_data_alone(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rasid.cli", "demo", "--json", "--store", "sqlite:///elsewhere/r.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (tmp_path / "data").exists()
    assert (tmp_path / "elsewhere" / "demo" / "feeds.yaml").exists()
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["receivers"]["webhook"] == report["alerts_fired"] >= 2  # delivered, not "sent"
    # A second store in that folder delivers its own alerts: they have the same ids (same
    # rules, same stories), which a shared demo/outbox.db took for sent (audit 3, finding 1).
    proc = subprocess.run(
        [sys.executable, "-m", "rasid.cli", "demo", "--json", "--store", "sqlite:///elsewhere/b.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    second = json.loads(proc.stdout.strip().splitlines()[-1])
    assert second["alerts_fired"] == report["alerts_fired"]
    assert second["receivers"]["smtp"] == second["alerts_fired"]
    assert (second["alerts_already_sent"], second["alert_errors"]) == (0, [])
    assert second["outbox"].endswith("elsewhere/demo/b.outbox.db")
