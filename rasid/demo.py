"""`rasid demo`: the whole pipeline on the bundled corpus, served from loopback, with alerts
delivered to a real webhook receiver and a real SMTP server that the demo starts."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from rasid.config import DEFAULT_RULES, load_settings, outbox_name
from rasid.terminal import rtl_markup
from store.factory import embedded_path

DEMO_DIR = Path("data/demo")
# Article ids hash the canonical URL, port included: serving the demo on one port every
# time is what makes a second `make demo` update the same documents instead of adding more.
DEMO_PORT = 8765
_FALLBACK_RULES = [
    {"id": "tripoli", "keywords": ["طرابلس"], "countries": ["LY"]},
    {"id": "haftar", "keywords": ["حفتر"]},
]


def _demo_rules_file(demo_dir: Path, webhook_url: str, smtp_port: int) -> Path:
    """The project's rules, with channels pointed at the demo's own receivers."""
    rules: list[Any] = _FALLBACK_RULES
    if DEFAULT_RULES.exists():
        rules = (yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8")) or {}).get(
            "rules", rules
        )
    doc = {
        "channels": [
            {"id": "file", "type": "jsonl", "path": str(demo_dir / "alerts.jsonl")},
            {
                "id": "webhook",
                "type": "webhook",
                "url": webhook_url,
                "secret_env": "RASID_DEMO_WEBHOOK_SECRET",
            },
            {
                "id": "email",
                "type": "email",
                "host": "127.0.0.1",
                "port": smtp_port,
                "starttls": False,
                "sender": "rasid@localhost",
                "to": ["desk@localhost"],
            },
        ],
        "rules": rules,
    }
    path = demo_dir / "alerts.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _serve_on_fixed_port(serve: Any, console: Console) -> Any:
    try:
        return serve(port=DEMO_PORT)
    except OSError:
        console.print(
            f"[yellow]port {DEMO_PORT} is busy: serving on another port, so this run's"
            " articles get new ids (their URLs differ) and sit beside the earlier ones[/yellow]"
        )
        return serve(port=0)


def run_demo(
    store_url: str | None = None, *, keep_serving: bool = False, json_out: bool = False
) -> int:
    from demo.receivers import SmtpReceiver, WebhookReceiver
    from demo.server import serve_corpus
    from rasid.cli import _print_summary, _progress
    from rasid.pipeline import run_cycle

    console = Console(stderr=True, highlight=False)
    # The sample server listens on 127.0.0.1; the SSRF guard must let the demo reach it.
    os.environ["RASID_ALLOW_PRIVATE_NETWORKS"] = "1"
    secret = secrets.token_hex(16)
    os.environ["RASID_DEMO_WEBHOOK_SECRET"] = secret
    settings = load_settings(store=store_url)
    # The demo's own files (feeds, rules, alert log, its outbox) sit beside the store it
    # fills (data/demo for the default one), so `--store` elsewhere leaves ./data alone and
    # a demo into a fresh store delivers its alerts instead of finding them "sent".
    store_file = embedded_path(settings.store_url)
    demo_dir = store_file.parent / "demo" if store_file else DEMO_DIR
    demo_dir.mkdir(parents=True, exist_ok=True)
    webhook, smtp = WebhookReceiver(secret), SmtpReceiver()
    try:
        with _serve_on_fixed_port(serve_corpus, console) as server:
            settings.feeds_path = server.write_feeds_yaml(demo_dir / "feeds.yaml")
            settings.rules_path = _demo_rules_file(demo_dir, webhook.url, smtp.port)
            console.print(f"[bold]Sample corpus served at {server.base_url}[/bold]")
            console.print(f"  webhook receiver {webhook.url} · SMTP server 127.0.0.1:{smtp.port}")
            # Named after the store, as outside the demo: two stores in one directory share
            # demo/, and a shared outbox would take the second one's alerts for sent ones.
            settings.outbox_path = demo_dir / outbox_name(store_file, settings.store_url)
            report = run_cycle(settings, progress=(lambda e, d: None) if json_out else _progress)
            if json_out:
                doc = report.to_dict()
                doc["receivers"] = {
                    "webhook": len(webhook.received),
                    "webhook_verified": webhook.verified,
                    "smtp": len(smtp.messages),
                }
                sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")
            else:
                _print_summary(report, settings, _receiver_lines(webhook, smtp))
            if keep_serving:
                console.print(f"serving {server.base_url} — Ctrl-C to stop")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    finally:
        webhook.stop()
        smtp.stop()
    return 0


def _receiver_lines(webhook: Any, smtp: Any) -> list[str]:
    lines = [
        f"  receivers          webhook got {len(webhook.received)} signed POSTs"
        f" ({webhook.verified} with a valid HMAC), SMTP server got {len(smtp.messages)} e-mails"
    ]
    if smtp.messages:
        msg = smtp.messages[0]
        part = msg.get_body(preferencelist=("plain",))
        text = part.get_content() if part is not None else ""
        lines += ["", 'First e-mail received (text part; its HTML part is dir="rtl"):']
        # Summary lines are rich markup: «[tripoli]» in the subject is text, not a style.
        lines.append(f"  Subject: {rtl_markup(str(msg['Subject']))}")
        lines += ["  " + rtl_markup(x) for x in text.strip().splitlines()[:8]]
    return lines
