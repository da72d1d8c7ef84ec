"""`rasid demo`: the whole pipeline on the bundled corpus, served from loopback."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from rich.console import Console

from rasid.config import load_settings

DEMO_DIR = Path("data/demo")


def run_demo(
    store_url: str | None = None, *, keep_serving: bool = False, json_out: bool = False
) -> int:
    from demo.server import serve_corpus, write_feeds_yaml

    from rasid.cli import _print_summary, _progress
    from rasid.pipeline import run_cycle

    console = Console(stderr=True, highlight=False)
    # The sample server listens on 127.0.0.1; the SSRF guard must let the demo reach it.
    os.environ["RASID_ALLOW_PRIVATE_NETWORKS"] = "1"
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    with serve_corpus() as server:
        feeds_path = DEMO_DIR / "feeds.yaml"
        write_feeds_yaml(feeds_path, server.base_url)
        console.print(f"[bold]Sample corpus served at {server.base_url}[/bold] ({feeds_path})")
        settings = load_settings(feeds=feeds_path, store=store_url)
        settings.outbox_path = DEMO_DIR / "outbox.db"
        report = run_cycle(settings, progress=(lambda e, d: None) if json_out else _progress)
        if json_out:
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, default=str) + "\n")
        else:
            _print_summary(report, settings)
        if keep_serving:
            console.print(f"serving {server.base_url} — Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0
