"""Harness of the reliability suite: a loopback news web, `rasid run` as a real subprocess,
alert receivers that can be taken down, and the end-of-scenario checks.

Every scenario ends with the same two checks (``assert_articles_exactly_once`` and
``assert_alerts_exactly_once``): every article that reached a feed is stored exactly once,
and every alert the store knows was delivered exactly once to every channel.

Articles: 40 SaudiNewsNet articles when ../shared is present, else generated Arabic ones
(the scenarios test recovery, not language, so they never skip for lack of data).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is a repo folder, not an installed package
    sys.path.insert(0, str(REPO))

from bench.corpus_pages import (  # noqa: E402
    Corpus,
    CorpusServer,
    NewsItem,
    build_corpus,
    load_saudinewsnet,
    synthetic_items,
)

SHARED = Path(os.environ.get("RASID_SHARED_DIR", REPO.parent / "shared"))
N_ARTICLES = 40
RULES = """\
rules:
  - {id: riyadh, keywords: [الرياض]}
  - {id: jeddah, keywords: [جدة]}
  - {id: tripoli, keywords: [طرابلس]}
  - {id: ministry, keywords: [وزارة]}
"""


def fault_items(n: int = N_ARTICLES) -> list[NewsItem]:
    data = SHARED / "data" / "saudinewsnet"
    if data.is_dir() and any(data.glob("*.zip")):
        return load_saudinewsnet(data, n)
    return synthetic_items(n)


def rasid_command() -> list[str]:
    script = Path(sys.executable).with_name("rasid")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from rasid.cli import main; sys.exit(main())"]


# --- alert receivers ----------------------------------------------------------------------
class WebhookReceiver:
    """A loopback webhook endpoint that records deliveries; ``down`` answers 503, and
    ``stop()``/``start()`` close and reopen the port (connection refused in between)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.down = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if outer.down:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with outer._lock:
                    outer.received.append(
                        {"key": self.headers.get("Idempotency-Key"), "body": json.loads(body)}
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def alert_ids(self) -> list[str]:
        with self._lock:
            return [a["id"] for r in self.received for a in r["body"]["alerts"]]


class SmtpReceiver:
    """aiosmtpd on loopback, recording every message's alert keys (X-Rasid-Key)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes

                outer.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self._controller_cls = Controller
        self._handler = Handler()
        self.port = _free_port()
        self._controller: Any = None
        self.start()

    def start(self) -> None:
        self._controller = self._controller_cls(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def delivery_keys(self) -> list[str]:
        return [str(m["X-Rasid-Key"]) for m in self.messages]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a site and a workdir -----------------------------------------------------------------
@dataclass
class Site:
    """One scenario's world: the served corpus, the config files, the store."""

    corpus: Corpus
    server: CorpusServer
    workdir: Path
    channels: list[dict[str, Any]] = field(default_factory=list)

    @property
    def store_path(self) -> Path:
        return self.workdir / "rasid.db"

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.store_path}"

    @property
    def jsonl_path(self) -> Path:
        return self.workdir / "alerts.jsonl"

    def write_config(self, store_url: str | None = None) -> None:
        (self.workdir / "feeds.yaml").write_text(self.corpus.feeds_yaml(self.server.bases))
        channels = [{"id": "file", "type": "jsonl", "path": str(self.jsonl_path)}, *self.channels]
        text = RULES + "channels:\n" + "".join(f"  - {json.dumps(c)}\n" for c in channels)
        (self.workdir / "alerts.yaml").write_text(text, encoding="utf-8")
        # A settings file of our own: cwd is the workdir, so relative paths stay inside it.
        store_url = store_url or self.store_url
        # Beside an engine, dedup state lives in the engine (the default): a dead engine
        # makes the batch wait in <spool>/undeduplicated, finished first by the next run.
        (self.workdir / "rasid.yaml").write_text(
            "feeds_file: feeds.yaml\nrules_file: alerts.yaml\n"
            f"store: '{store_url}'\noutbox: outbox.db\nspool_dir: spool\n"
            "allow_private_networks: true\nworkers: 8\n"
            "http: {connect_timeout: 2, read_timeout: 5, total_timeout: 10}\n"
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RASID_")}
        env["RASID_CONFIG"] = str(self.workdir / "rasid.yaml")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        return env

    def popen(self, *args: str, json_report: bool = True) -> subprocess.Popen[str]:
        """Start `rasid run`: with ``json_report`` the cycle report comes as JSON on stdout,
        else the progress lines (one per feed, errors included) on stderr."""
        return subprocess.Popen(
            [*rasid_command(), "run", *(["--json"] if json_report else []), *args],
            cwd=self.workdir,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def run(self, *args: str, timeout: float = 180) -> dict[str, Any]:
        """One complete `rasid run`; its JSON cycle report."""
        proc = self.popen(*args)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise AssertionError(
                f"rasid run did not finish in {timeout}s; stderr:\n{err[-3000:]}"
            ) from None
        assert proc.returncode == 0, f"rasid run exited {proc.returncode}; stderr:\n{err[-3000:]}"
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        assert lines, f"no JSON report on stdout; stderr:\n{err[-3000:]}"
        return json.loads(lines[-1])

    # -- reading the store from outside the pipeline process --------------------------
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if not self.store_path.exists():
            return []
        db = sqlite3.connect(f"file:{self.store_path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # schema not created yet
            return []
        finally:
            db.close()

    def stored_count(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM articles")
        return int(rows[0][0]) if rows else 0

    def alert_count(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM alerts")
        return int(rows[0][0]) if rows else 0

    def jsonl_alert_ids(self) -> list[str]:
        if not self.jsonl_path.exists():
            return []
        lines = self.jsonl_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(ln)["alert"]["id"] for ln in lines if ln.strip()]


def assert_no_feed_failed(report: dict[str, Any]) -> None:
    """Every feed of the cycle was processed; name the failures if not."""
    failed = {f["feed_id"]: f["error"] for f in report["feeds"] if f["status"] == "error"}
    assert not failed, f"{len(failed)} feeds failed in the cycle: {failed}"


def kill_when(
    proc: subprocess.Popen[str], condition: Callable[[], bool], timeout: float = 120
) -> bool:
    """SIGKILL ``proc`` (and its process group) as soon as ``condition()`` holds.
    False if the process ended by itself first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if condition():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    raise AssertionError(f"kill condition not reached within {timeout}s")


# --- the checks every scenario ends with --------------------------------------------------
def assert_articles_exactly_once(stored: list[Any], corpus: Corpus) -> None:
    """Every article that reached a feed is stored exactly once (by its page path)."""
    paths = Counter(urlsplit(a.url).path.lstrip("/") for a in stored)
    twice = {p: n for p, n in paths.items() if n > 1}
    assert not twice, f"articles stored more than once: {twice}"
    ids = Counter(a.id for a in stored)
    assert max(ids.values(), default=1) == 1, "one id stored twice"
    missing = set(corpus.articles) - set(paths)
    assert not missing, f"{len(missing)} articles never indexed, e.g. {sorted(missing)[:3]}"
    extra = set(paths) - set(corpus.articles)
    assert not extra, f"stored articles that no feed carried: {sorted(extra)[:3]}"


def assert_alerts_exactly_once(
    alert_ids: set[str], receipts: dict[str, list[str]], *, in_flight: int = 0
) -> None:
    """Each channel received each alert exactly once (``receipts``: channel -> alert ids).

    ``in_flight``: how many messages per channel a crash may have caught between "sent"
    and "recorded as sent". Those are sent again after the crash with the same idempotency
    key (receivers drop the copy); nothing else may repeat.
    """
    assert alert_ids, "no alert fired: the scenario would check nothing"
    for channel, got in receipts.items():
        counts = Counter(got)
        repeats = sum(n - 1 for n in counts.values())
        assert repeats <= in_flight, (
            f"{channel}: {repeats} repeated deliveries (at most {in_flight} allowed): "
            f"{ {a: n for a, n in counts.items() if n > 1} }"
        )
        missing = alert_ids - set(counts)
        assert not missing, f"{channel}: {len(missing)} of {len(alert_ids)} alerts never delivered"
        unknown = set(counts) - alert_ids
        assert not unknown, f"{channel}: delivered alerts the store does not know: {unknown}"


def deliver_later(site: Site, hours: float) -> dict[str, int]:
    """The delivery run a later cycle makes, its clock ``hours`` ahead: past outbox backoffs
    and past the lease a killed run held on the deliveries it was sending."""
    from alerts.deliver import deliver
    from alerts.rules import load_channels, load_rules

    report = deliver(
        [],
        load_channels(site.workdir / "alerts.yaml"),
        site.workdir / "outbox.db",
        rules=load_rules(site.workdir / "alerts.yaml"),
        now=datetime.now(UTC) + timedelta(hours=hours),
    )
    return {"sent": report.sent, "failed": report.failed, "pending": report.pending}


def stored_state(site: Site) -> tuple[list[Any], set[str]]:
    from store.sqlite import SqliteStore

    store = SqliteStore(site.store_path)
    try:
        return list(store.iter_articles()), {a.id for a in store.recent_alerts(1_000_000)}
    finally:
        store.close()


# --- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def items() -> list[NewsItem]:
    return fault_items()


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """``make_site(items, page_delay=0.0, delays={outlet: s}, per_feed=4, channels=[...],
    store_url=None)`` -> a served Site with its config written."""
    servers: list[CorpusServer] = []

    def make(
        items: list[NewsItem],
        *,
        page_delay: float = 0.0,
        delays: dict[str, float] | None = None,
        per_feed: int = 4,
        channels: list[dict[str, Any]] | None = None,
        store_url: str | None = None,
    ) -> Site:
        corpus = build_corpus(items, per_feed=per_feed)
        server = CorpusServer(
            corpus.routes, corpus.sources, page_delay=page_delay, delays=delays
        ).start()
        servers.append(server)
        site = Site(corpus, server, tmp_path, channels or [])
        site.write_config(store_url)
        return site

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    rx = WebhookReceiver()
    yield rx
    rx.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    rx = SmtpReceiver()
    yield rx
    rx.stop()
