"""Worker processes released together (the two-process dedup tests): each worker touches
its spec's ``ready`` file once imported, then waits for the ``start`` file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def run_together(tmp_path: Path, worker: Path, specs: list[dict[str, Any]]) -> list[Any]:
    """Start ``worker SPEC OUT`` once per spec, release them together when all are ready,
    and return each one's OUT (JSON), in the order of ``specs``."""
    procs, outs = [], []
    for n, spec in enumerate(specs):
        spec = {**spec, "ready": str(tmp_path / f"ready{n}"), "start": str(tmp_path / "go")}
        spec_path, out = tmp_path / f"spec{n}.json", tmp_path / f"out{n}.json"
        spec_path.write_text(json.dumps(spec))
        procs.append(subprocess.Popen([sys.executable, str(worker), str(spec_path), str(out)]))
        outs.append(out)
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{n}").exists() for n in range(len(specs))):  # imported
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()  # ... released together
    for p in procs:
        assert p.wait(timeout=300) == 0
    return [json.loads(out.read_text()) for out in outs]
