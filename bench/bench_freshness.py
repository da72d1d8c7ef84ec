"""End-to-end alert freshness: an item appears in a loopback feed -> the alert reaches a
loopback webhook receiver, through the real ``rasid watch`` (feed poll, page fetch,
extraction, dedup, enrichment, index, rule evaluation, outbox, signed POST).

Items are published at random moments relative to the polling cycle, so the figure covers
the whole range from "just before a poll" to "just after one". Goal: p95 <= 30 s with
15 s polling. ``--quick`` uses 3 s polling and a few items (goal scaled to 2 x interval).

    python -m bench --only freshness
    python bench/bench_freshness.py [--quick] [--items N] [--every S]
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.senders import SIGNATURE_HEADER, verify_signature
from bench.common import Result, Skip
from ingest.testserver import LoopbackServer, send

SECRET = "bench-secret"
_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_LETTERS) for _ in range(rng.randint(4, 7)))


def _story(n: int, rng: random.Random) -> tuple[str, bytes]:
    """A distinct story per item: the pipeline groups similar articles into one story (and
    one alert per story), so each item gets its own vocabulary of Arabic-letter words."""
    vocab = [_word(rng) for _ in range(60)]
    title = f"{vocab[0]} {vocab[1]} في طرابلس {vocab[2]}"
    paras = ["<p>" + " ".join(rng.choice(vocab) for _ in range(40)) + ".</p>" for _ in range(5)]
    html = (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><header><nav>الرئيسية | أخبار | رياضة</nav>"
        f"</header><main><article><h1>{title}</h1>"
        f"<p>أفادت تقارير بوقوع أحداث جديدة في طرابلس اليوم، الحدث رقم {n}.</p>"
        f"{''.join(paras)}</article></main><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    return title, html.encode("utf-8")


class _Feed:
    """A feed that grows while the watcher polls it."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.items: list[tuple[int, str, float]] = []  # (n, title, published epoch)
        self.lock = threading.Lock()
        server.routes["/feed.xml"] = self._feed

    def _feed(self, h: BaseHTTPRequestHandler) -> None:
        with self.lock:
            items = list(self.items)
        entries = "".join(
            f"<item><title>{title}</title><link>{self.server.url(f'/a/{n}')}</link>"
            f"<guid>bench-{n}</guid><pubDate>{formatdate(ts, usegmt=True)}</pubDate></item>"
            for n, title, ts in reversed(items)
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>مصدر تجريبي</title><link>{self.server.url('/')}</link>"
            f"<description>bench</description>{entries}</channel></rss>"
        ).encode()
        send(h, 200, body)

    def publish(self, n: int, rng: random.Random) -> float:
        title, page = _story(n, rng)
        self.server.routes[f"/a/{n}"] = lambda h: send(h, 200, page, "text/html; charset=utf-8")
        t = time.time()
        with self.lock:
            self.items.append((n, title, t))
        return t


class _Receiver:
    """The webhook end: records when each item's alert arrived (signature checked)."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        self.bad_signatures = 0
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not verify_signature(SECRET, body, self.headers.get(SIGNATURE_HEADER)):
                    recv.bad_signatures += 1
                for alert in json.loads(body).get("alerts", []):
                    try:
                        n = int(str(alert.get("url", "")).rstrip("/").rsplit("/", 1)[-1])
                    except ValueError:
                        continue
                    recv.arrivals.setdefault(n, now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _write_config(root: Path, feed_url: str, hook_url: str) -> Path:
    (root / "feeds.yaml").write_text(
        f"feeds:\n  - id: bench\n    name: bench\n    url: {feed_url}\n    lang: ar\n",
        encoding="utf-8",
    )
    (root / "alerts.yaml").write_text(
        "channels:\n"
        f"  - id: hook\n    type: webhook\n    url: {hook_url}\n    secret: {SECRET}\n"
        "    retry_wait_s: 0.2\n"
        "rules:\n  - id: tripoli\n    keywords: [طرابلس]\n",
        encoding="utf-8",
    )
    cfg = root / "rasid.yaml"
    cfg.write_text(
        f"feeds_file: {root / 'feeds.yaml'}\nrules_file: {root / 'alerts.yaml'}\n"
        f"store: sqlite:///{root / 'rasid.db'}\noutbox: {root / 'outbox.db'}\n"
        f"spool_dir: {root / 'spool'}\nallow_private_networks: true\nworkers: 2\n",
        encoding="utf-8",
    )
    return cfg


def _pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with few samples, report a real one)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 1)) - 1))
    return ordered[k]


def measure(items: int, every: float, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    receiver = _Receiver()
    with tempfile.TemporaryDirectory(prefix="rasid-fresh-") as tmp, LoopbackServer() as server:
        root = Path(tmp)
        feed = _Feed(server)
        cfg = _write_config(root, server.url("/feed.xml"), receiver.url)
        log = (root / "watch.log").open("w")
        cmd = [sys.executable, "-c", "from rasid.cli import main; raise SystemExit(main())",
               "--config", str(cfg), "watch", "--every", str(every)]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT)
        published: dict[int, float] = {}
        try:
            time.sleep(every * 1.5)  # let the first poll see the (empty) feed
            for n in range(items):
                # A random phase relative to the poll cycle.
                time.sleep(rng.uniform(0.2, 1.3) * every)
                published[n] = feed.publish(n, rng)
            deadline = time.time() + every * 3 + 30
            while time.time() < deadline and len(receiver.arrivals) < items:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            tail = (root / "watch.log").read_text(encoding="utf-8", errors="replace")[-2000:]
            receiver.close()
    latencies = [receiver.arrivals[n] - published[n] for n in published if n in receiver.arrivals]
    return {
        "every_s": every,
        "items": items,
        "received": len(latencies),
        "missing": items - len(latencies),
        "bad_signatures": receiver.bad_signatures,
        "latencies_s": [round(x, 2) for x in latencies],
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p95_s": round(_pct(latencies, 0.95), 2) if latencies else None,
        "max_s": round(max(latencies), 2) if latencies else None,
        "log_tail": tail if len(latencies) < items else "",
    }


def run(quick: bool) -> list[Result]:
    try:
        import rasid.pipeline  # noqa: F401 - the watcher subprocess needs the whole pipeline
    except ImportError as exc:
        raise Skip(f"the pipeline cannot be imported yet: {exc}") from exc
    every, items = (3.0, 4) if quick else (15.0, 12)
    m = measure(items, every)
    goal = 2 * every if quick else 30.0
    p95 = m["p95_s"] if m["p95_s"] is not None else float("inf")
    extra = {k: v for k, v in m.items() if k != "log_tail" or v}
    return [
        Result(
            f"alert freshness p95 ({every:g} s polling)", p95, "s", goal=f"<={goal:g}",
            notes=f"{m['received']}/{items} alerts; p50 {m['p50_s']} s, max {m['max_s']} s",
            extra=extra,
        ),
        Result("alerts missing", m["missing"], "alerts", goal="<=0"),
    ]  # fmt: skip


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--items", type=int)
    ap.add_argument("--every", type=float)
    a = ap.parse_args()
    if a.items or a.every:
        every = a.every or (3.0 if a.quick else 15.0)
        print(json.dumps(measure(a.items or 4, every), ensure_ascii=False, indent=1))
    else:
        for r in run(a.quick):
            print(r.name, r.value, r.unit, r.goal, r.notes)
