"""Polling throughput: one full cycle over many feeds, most of which answer 304.

A loopback server (a separate process, asyncio, many ports = many "hosts") serves N feeds.
Every tenth feed changes on every request (200 with 20 fresh items, a new ETag); the others
answer 304 to a matching If-None-Match. After an untimed priming cycle that collects ETags,
the same cycle is timed twice in this run:

* baseline: sequential ``poll_feed`` (one feed after another, same client);
* concurrent: ``poll_many`` (host-aware thread pool).

``--latency-ms`` adds a server-side delay per response to stand in for network round trips
(on loopback without it, the cycle is CPU-bound and concurrency buys little).

    .venv/bin/python bench/bench_poll.py [--feeds 2000] [--hosts 100] [--workers 32]
                                         [--latency-ms 20] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# -- server (runs in a child process) -----------------------------------------------------


def _feed_body(i: int, version: int) -> bytes:
    items = "".join(
        f"<item><title>خبر {i}-{version}-{k} عن اشتباكات طرابلس</title>"
        f"<link>http://news.example/{i}/{version}/{k}</link><guid>{i}-{version}-{k}</guid>"
        f"<pubDate>Sun, 07 Apr 2019 03:45:00 +0200</pubDate>"
        f"<description>&lt;p&gt;ملخص الخبر رقم {k} من الخلاصة {i}&lt;/p&gt;</description></item>"
        for k in range(20)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>خلاصة {i}</title><link>http://news.example/</link>{items}</channel></rss>"
    ).encode()


async def _serve(hosts: int, latency: float) -> None:
    versions: dict[int, int] = {}
    stats = {"200": 0, "304": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                path = line.split()[1].decode()
                headers: dict[bytes, bytes] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.partition(b":")
                    headers[k.strip().lower()] = v.strip()
                if latency:
                    await asyncio.sleep(latency)
                i = int(path.rsplit("/", 1)[1])
                changing = i % 10 == 0
                if changing:
                    versions[i] = versions.get(i, 0) + 1
                version = versions.get(i, 0)
                etag = f'"{i}-{version}"'.encode()
                if not changing and headers.get(b"if-none-match") == etag:
                    stats["304"] += 1
                    writer.write(b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\n\r\n")
                else:
                    stats["200"] += 1
                    body = _feed_body(i, version)
                    head = (
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
                        f"ETag: {etag.decode()}\r\nContent-Length: {len(body)}\r\n\r\n"
                    )
                    writer.write(head.encode() + body)
                await writer.drain()
        except (ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0) for _ in range(hosts)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(json.dumps(ports), flush=True)
    loop = asyncio.get_running_loop()
    # Stop when the parent closes our stdin.
    await loop.run_in_executor(None, sys.stdin.read)


# -- client -------------------------------------------------------------------------------


def _cycle_sequential(client, feeds, states):
    from ingest.feeds import poll_feed

    return [poll_feed(client, f, states[f.id]) for f in feeds]


def _cycle_concurrent(client, feeds, states, workers):
    from ingest.feeds import poll_many

    return list(poll_many(client, feeds, states, max_workers=workers))


def _summarise(polls, seconds):
    by_status: dict[str, int] = {}
    for p in polls:
        by_status[p.status] = by_status.get(p.status, 0) + 1
    return {
        "seconds": round(seconds, 3),
        "feeds_per_s": round(len(polls) / seconds, 1),
        "status": by_status,
        "items": sum(len(p.items) for p in polls),
        "errors": [p.error for p in polls if p.status == "error"][:3],
    }


def measure(
    n_feeds: int = 2000,
    hosts: int = 100,
    workers: int = 32,
    latency_ms: float = 20.0,
    baseline: bool = True,
) -> dict:
    """Start the loopback server, prime, time the sequential and the concurrent cycle."""
    from ingest.http import HttpClient, HttpSettings
    from rasid.records import Feed, FeedState

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", f"--hosts={hosts}", f"--latency-ms={latency_ms}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        ports = json.loads(server.stdout.readline())
        feeds = [
            Feed(id=f"f{i}", name=f"f{i}", url=f"http://127.0.0.1:{ports[i % len(ports)]}/feed/{i}")
            for i in range(n_feeds)
        ]
        # The guard stays on; only the benchmark's own loopback host is allowlisted.
        settings = HttpSettings(allowed_hosts=frozenset({"127.0.0.1"}))
        report: dict = {
            "feeds": n_feeds,
            "hosts": hosts,
            "workers": workers,
            "latency_ms": latency_ms,
            "per_host_concurrency": settings.per_host_concurrency,
            "cpus": os.cpu_count(),
        }
        with HttpClient(settings) as client:
            states = {f.id: FeedState(feed_id=f.id) for f in feeds}
            t0 = time.perf_counter()
            primed = _cycle_concurrent(client, feeds, states, workers)
            report["priming_s"] = round(time.perf_counter() - t0, 3)
            for p in primed:
                states[p.feed_id].etag = p.etag
            if baseline:
                t0 = time.perf_counter()
                polls = _cycle_sequential(client, feeds, states)
                report["baseline_sequential"] = _summarise(polls, time.perf_counter() - t0)
            t0 = time.perf_counter()
            polls = _cycle_concurrent(client, feeds, states, workers)
            report["concurrent"] = _summarise(polls, time.perf_counter() - t0)
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    if "baseline_sequential" in report:
        report["speedup_vs_sequential"] = round(
            report["baseline_sequential"]["seconds"] / report["concurrent"]["seconds"], 2
        )
    report["goal_cycle_le_30s"] = report["concurrent"]["seconds"] <= 30
    return report


def run(quick: bool) -> list:
    """``python -m bench`` entry point (see bench/README.md)."""
    from bench.common import Result, ratio_result

    n = 300 if quick else 2000
    r = measure(n_feeds=n, hosts=20 if quick else 100)
    c, b = r["concurrent"], r["baseline_sequential"]
    extra = {k: v for k, v in r.items() if k not in ("concurrent", "baseline_sequential")}
    return [
        Result(
            f"poll cycle, {n:,} feeds (90% 304), {r['latency_ms']:g} ms RTT",
            c["seconds"],
            "s",
            goal="<=30",
            notes=f"{c['feeds_per_s']} feeds/s, {r['workers']} workers",
            extra={**extra, "concurrent": c},
        ),
        ratio_result(
            "poll cycle vs sequential polling",
            c["seconds"],
            "s",
            "sequential poll_feed",
            b["seconds"],
            lower_is_better=True,
            goal=">=3",
            baseline=b,
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--workers", type=int, default=32)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--no-baseline", action="store_true", help="skip the sequential cycle")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve:
        asyncio.run(_serve(args.hosts, args.latency_ms / 1000))
        return

    report = measure(args.feeds, args.hosts, args.workers, args.latency_ms, not args.no_baseline)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    c = report["concurrent"]
    print(f"{args.feeds} feeds on {args.hosts} loopback hosts, latency {args.latency_ms} ms")
    print(f"concurrent ({args.workers} workers): {c['seconds']} s, {c['feeds_per_s']} feeds/s, "
          f"{c['status']}, {c['items']} items")  # fmt: skip
    if "baseline_sequential" in report:
        b = report["baseline_sequential"]
        print(f"baseline (sequential):     {b['seconds']} s, {b['feeds_per_s']} feeds/s")
        print(f"speedup: {report['speedup_vs_sequential']}x")
    print(f"goal (cycle <= 30 s): {'met' if report['goal_cycle_le_30s'] else 'NOT met'}")


if __name__ == "__main__":
    main()
