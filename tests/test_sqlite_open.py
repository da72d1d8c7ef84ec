"""Two `rasid run` started together on a fresh store used to fail with "database is locked":
switching a new file to WAL is answered at once, not after the busy timeout."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import sys, time
from pathlib import Path
start, path = float(sys.argv[1]), sys.argv[2]
from store.dedup_sqlite import SqliteDedupState, connect
from store.sqlite import SqliteStore
time.sleep(max(0.0, start - time.time()))  # every process opens at the same instant
SqliteStore(Path(path)).close()
SqliteDedupState(connect(path))
print("ok")
"""


def test_many_processes_open_a_fresh_store_at_once(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    for attempt in range(3):
        path = str(tmp_path / f"fresh{attempt}.db")
        start = time.time() + 3.0
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT, str(start), path],
                cwd=repo,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(6)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        failures = [err[-500:] for (out, err) in results if out.strip() != "ok"]
        assert not failures, failures
