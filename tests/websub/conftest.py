"""WebSub test peers: a real loopback hub, a publisher serving a feed and its articles.

The hub is deliberately independent of ``ingest.websub``: it parses forms, runs intent
verification against the callback and signs content with ``hmac`` itself, so the tests
check our subscriber against the spec, not against its own helpers.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest

from ingest.testserver import LoopbackServer, static
from rasid.config import Settings, load_settings

ARTICLES = {
    1: (
        "اشتباكات جديدة جنوب طرابلس",
        "اندلعت اشتباكات عنيفة صباح اليوم في الضواحي الجنوبية للعاصمة الليبية طرابلس بين "
        "قوات حكومة الوفاق الوطني وقوات الجيش الوطني، وفق ما أفاد به شهود عيان ومصادر محلية. "
        "وقال مصدر طبي إن المستشفيات استقبلت عدداً من الجرحى، فيما دعت الأمم المتحدة إلى "
        "وقف فوري لإطلاق النار وحماية المدنيين في المناطق المتضررة من القتال.",
    ),
    2: (
        "ارتفاع أسعار النفط في الأسواق العالمية",
        "ارتفعت أسعار النفط الخام في تعاملات اليوم بعد إعلان منظمة أوبك عن خفض جديد في "
        "الإنتاج، وسجل خام برنت مستوى هو الأعلى منذ أشهر. ويرى محللون أن الأسواق ستبقى "
        "متقلبة خلال الأسابيع المقبلة بسبب المخاوف من تباطؤ الاقتصاد العالمي وتراجع الطلب "
        "في عدد من الدول الصناعية الكبرى، إلى جانب التوترات السياسية في المنطقة.",
    ),
    3: (
        "افتتاح معرض الكتاب في تونس",
        "افتتح اليوم معرض تونس الدولي للكتاب بمشاركة مئات دور النشر العربية والأجنبية، "
        "ويستمر المعرض عشرة أيام تتخللها ندوات فكرية وأمسيات شعرية ولقاءات مع الكتاب. "
        "وقالت إدارة المعرض إنها تتوقع إقبالاً كبيراً من الزوار هذا العام بعد تحسن الظروف "
        "وعودة الفعاليات الثقافية إلى نسقها المعتاد في البلاد.",
    ),
}


def article_page(n: int) -> bytes:
    title, body = ARTICLES[n]
    sentences = [s.strip() for s in body.split("،") if s.strip()]
    paras = "\n".join(f"<p>{html.escape(s)}.</p>" for s in sentences)
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><link rel="canonical" href="/news/{n}"></head>
<body><nav><a href="/">الرئيسية</a></nav><main><article><h1>{html.escape(title)}</h1>
{paras}</article></main><footer>جميع الحقوق محفوظة</footer></body></html>""".encode()


def atom_feed(
    base: str, entries: list[int], *, hub: str | None = None, self_url: str | None = None
) -> bytes:
    links = ""
    if hub:
        links += f'<link rel="hub" href="{html.escape(hub)}"/>'
    if self_url:
        links += f'<link rel="self" href="{html.escape(self_url)}"/>'
    items = ""
    for n in entries:
        title, body = ARTICLES[n]
        items += f"""<entry><id>urn:test:{n}</id><title>{html.escape(title)}</title>
<link rel="alternate" href="{base}/news/{n}"/><updated>2024-05-0{n}T10:00:00Z</updated>
<summary>{html.escape(body)}</summary></entry>"""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>ناشر الاختبار</title><id>urn:test:feed</id>
<updated>2024-05-03T10:00:00Z</updated>{links}{items}</feed>""".encode()


class TestHub:
    """A minimal WebSub hub: 202 to (un)subscription requests, then intent verification
    against the callback (in a thread, or before answering with ``verify_inline``), and
    signed content distribution to verified subscribers."""

    __test__ = False  # not a test class

    def __init__(self, *, lease_s: int = 3600, method: str = "sha256", verify_inline: bool = False):
        self.lease_s = lease_s
        self.method = method
        self.verify_inline = verify_inline
        self.subscribers: dict[tuple[str, str], dict[str, Any]] = {}  # (topic, callback) ->
        self.requests: list[dict[str, str]] = []
        self.verifications: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.client = httpx.Client(trust_env=False, timeout=10)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode("utf-8")
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                missing = [k for k in ("hub.mode", "hub.topic", "hub.callback") if not form.get(k)]
                ctype = self.headers.get("Content-Type", "")
                if missing or not ctype.startswith("application/x-www-form-urlencoded"):
                    body = f"bad request: missing {missing} or content type {ctype}".encode()
                    self._reply(400, body)
                    return
                with hub.lock:
                    hub.requests.append(form)
                if hub.verify_inline:
                    hub._verify(form)
                    self._reply(202, b"")
                else:
                    self._reply(202, b"")
                    threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self._http.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.hostport}/"

    def __enter__(self) -> TestHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self.client.close()

    def _verify(self, form: dict[str, str]) -> None:
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        challenge = secrets.token_urlsafe(12)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        lease = min(int(form.get("hub.lease_seconds") or self.lease_s), self.lease_s)
        if mode == "subscribe":
            params["hub.lease_seconds"] = str(lease)
        sep = "&" if "?" in callback else "?"
        try:
            resp = self.client.get(callback + sep + urlencode(params))
            status, ok = resp.status_code, resp.status_code // 100 == 2 and resp.text == challenge
        except httpx.HTTPError:
            status, ok = 0, False
        with self.lock:
            self.verifications.append(
                {"mode": mode, "topic": topic, "callback": callback, "status": status, "ok": ok}
            )
            if ok and mode == "subscribe":
                self.subscribers[(topic, callback)] = {
                    "secret": form.get("hub.secret"),
                    "lease": lease,
                }
            elif ok and mode == "unsubscribe":
                self.subscribers.pop((topic, callback), None)

    def wait(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate():
                    return True
            time.sleep(0.02)
        return False

    def signature(self, body: bytes, secret: str, method: str | None = None) -> str:
        method = method or self.method
        digest = hmac.new(secret.encode(), body, getattr(hashlib, method)).hexdigest()
        return f"{method}={digest}"

    def publish(
        self, topic: str, body: bytes, content_type: str = "application/atom+xml"
    ) -> list[int]:
        """Distribute ``body`` to every verified subscriber of ``topic``; their statuses."""
        with self.lock:
            targets = [(cb, info) for (t, cb), info in self.subscribers.items() if t == topic]
        statuses = []
        for callback, info in targets:
            headers = {
                "Content-Type": content_type,
                "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"',
            }
            if info["secret"]:
                headers["X-Hub-Signature"] = self.signature(body, info["secret"])
            resp = self.client.post(callback, content=body, headers=headers)
            statuses.append(resp.status_code)
            self.deliveries.append({"callback": callback, "status": resp.status_code})
        return statuses

    def callbacks(self, topic: str) -> list[str]:
        with self.lock:
            return [cb for (t, cb) in self.subscribers if t == topic]


class PostServer:
    """Loopback server answering POSTs from a table: path -> (status, headers, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[str] = []
        srv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                srv.hits.append(self.path)
                status, headers, body = srv.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self._http.server_address[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.hostport}{path}"

    def __enter__(self) -> PostServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def post_servers() -> Iterator[Callable[[], PostServer]]:
    """A factory: each call starts one more ``PostServer`` (stopped after the test)."""
    started: list[PostServer] = []

    def make() -> PostServer:
        started.append(PostServer().__enter__())
        return started[-1]

    yield make
    for srv in started:
        srv.__exit__()


@pytest.fixture
def hub() -> Iterator[TestHub]:
    with TestHub() as h:
        yield h


@pytest.fixture
def inline_hub() -> Iterator[TestHub]:
    with TestHub(verify_inline=True) as h:
        yield h


class Publisher:
    """The topic: a feed advertising the hub (Link headers and atom:link), and articles."""

    def __init__(self, server: LoopbackServer, hub_url: str) -> None:
        self.server = server
        self.hub_url = hub_url
        self.base = f"http://{server.hostport}"
        self.topic = self.base + "/feed.xml"
        for n in ARTICLES:
            server.routes[f"/news/{n}"] = static(article_page(n), "text/html; charset=utf-8")
        self.set_entries([1])

    def feed(self, entries: list[int]) -> bytes:
        return atom_feed(self.base, entries, hub=self.hub_url, self_url=self.topic)

    def set_entries(self, entries: list[int]) -> None:
        link = f'<{self.hub_url}>; rel="hub", <{self.topic}>; rel="self"'
        self.server.routes["/feed.xml"] = static(
            self.feed(entries), "application/atom+xml; charset=utf-8", headers={"Link": link}
        )


@pytest.fixture
def publisher(hub: TestHub) -> Iterator[Publisher]:
    with LoopbackServer() as srv:
        yield Publisher(srv, hub.url)


@pytest.fixture
def settings(publisher: Publisher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - {{id: pub, name: Publisher, url: '{publisher.topic}', source: pub}}\n"
    )
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "rules:\n  - {id: tripoli, keywords: [طرابلس]}\n"
        f"channels:\n  - {{id: file, type: jsonl, path: '{tmp_path / 'alerts.jsonl'}'}}\n",
        encoding="utf-8",
    )
    # Loopback hub, publisher and callback: the guard is relaxed for this test only.
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("RASID_WEBSUB_DB", str(tmp_path / "websub.db"))
    s = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'rasid.db'}")
    s.outbox_path = tmp_path / "outbox.db"
    return s
