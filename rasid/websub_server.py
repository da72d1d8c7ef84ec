"""WebSub callback endpoint and subscription upkeep: pushed feeds go into the pipeline.

``CallbackServer`` answers hubs on ``/websub/<subscription id>``:

- GET: intent verification (``ingest.websub.answer_verification``): echo ``hub.challenge``
  for a subscription we want, 404 otherwise;
- POST: content distribution. The ``X-Hub-Signature`` is checked against the
  subscription's secret; a bad or missing signature is ignored (logged and counted) but
  still answered 202, as the spec allows, so a forger learns nothing. A good one is
  committed to the inbox (SQLite) *before* the 202, and a single worker thread hands it to
  ``handle_push``: the hub is never kept waiting on extraction and enrichment.

``maintain`` renews leases and retries requests; ``sync_subscriptions`` subscribes feeds
that advertise a hub; ``serve`` runs all of it (``rasid websub serve``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ingest.feeds import FeedError, FeedPoll, parse_feed_full
from ingest.http import FetchError, HttpClient
from ingest.netguard import is_public_address
from ingest.websub import (
    PUSH_OK,
    UNSUBSCRIBED,
    UNSUBSCRIBING,
    UNWANTED,
    Discovery,
    HubClient,
    LeasePolicy,
    Subscription,
    SubscriptionStore,
    answer_verification,
    callback_id,
    check_signature,
    discover_feed,
    new_subscription,
    next_action,
    plan_feed,
    send_request,
    settle,
)
from rasid.config import Settings
from store.base import Store

log = logging.getLogger("rasid.websub")

PushHandler = Callable[[Subscription, bytes, dict[str, str]], dict[str, Any]]
DEFAULT_DB = Path("data/websub.db")
_KEPT_HEADERS = ("content-type", "link")
_MAX_INBOX_ATTEMPTS = 3


def _now() -> datetime:
    return datetime.now(UTC)


def websub_db_path(settings: Settings) -> Path:
    """``RASID_WEBSUB_DB`` (the environment overrides files, as for every setting), else
    ``settings.websub_path``: ``websub_db`` from the config file, else beside the embedded
    store's file, else data/websub.db (a search-engine store)."""
    configured = os.environ.get("RASID_WEBSUB_DB")
    if configured:
        return Path(configured)
    resolved = getattr(settings, "websub_path", None)
    return Path(resolved) if resolved else DEFAULT_DB


def pushed_feed_ids(settings: Settings, now: datetime | None = None) -> set[str]:
    """Feeds a live push subscription covers (for the poller to defer them); empty when
    WebSub was never used (no database file: nothing is created)."""
    db = websub_db_path(settings)
    if not db.exists():
        return set()
    with SubscriptionStore(db) as subs:
        return subs.live_feed_ids(now or _now())


# -- pushed content -> pipeline -------------------------------------------------------------


def handle_push(
    settings: Settings,
    feed_id: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    store: Store | None = None,
    alerts: bool = True,
    base_url: str | None = None,
) -> dict[str, Any]:
    """Process one pushed feed document like a poll that returned it: parse, drop items
    seen before (by GUID, then by canonical-URL id, as the poller does), then fetch,
    extract, dedup, enrich and index the rest with ``process_feed_batch``; then alerts.

    Returns ``process_feed_batch``'s dict plus ``status`` ('ok' | 'error'), ``error``,
    ``items`` (in the document), ``new``, ``unchanged`` and ``alerts`` (fired)."""
    from ingest.revisions import item_key, revised_items
    from rasid.pipeline import (
        _item_to_dict,
        _new_items,
        _revision_to_dict,
        evaluate_and_deliver,
        process_feed_batch,
    )

    out: dict[str, Any] = {"feed_id": feed_id, "status": "ok", "error": None, "items": 0,
                           "new": 0, "unchanged": 0, "indexed": 0, "duplicates": 0,
                           "failed": 0, "article_ids": [], "errors": [], "alerts": 0}  # fmt: skip
    try:
        feed = settings.feed(feed_id)
    except KeyError as exc:
        return {**out, "status": "error", "error": str(exc.args[0])}
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        parsed = parse_feed_full(body, feed, base_url or feed.url, hdrs)
    except FeedError as exc:
        return {**out, "status": "error", "error": str(exc)}
    own = store is None
    st = store or settings.open_store()
    try:
        state = st.get_feed_state(feed.id)
        new, unchanged = _new_items(FeedPoll(feed.id, "ok", items=parsed.items), state, st)
        # A hub pushes corrected entries too. A push may carry only some of the feed's items,
        # so the versions of the others are left alone (only a poll prunes them).
        revised = revised_items(
            parsed.items, state, settings.correction_refetches, skip=[item_key(i) for i in new]
        )
        # `partial`: a push may carry a few of the feed's items, so the items a poll is
        # retrying stay counted (only a poll of the whole feed forgets them).
        batch = {"feed_id": feed.id, "new_items": [_item_to_dict(it) for it in new],
                 "revised_items": [_revision_to_dict(r) for r in revised],
                 "partial": True}  # fmt: skip
        result = process_feed_batch(settings, batch, store=st)
        out.update(result, items=len(parsed.items), new=len(new), unchanged=unchanged)
        if result["indexed"]:
            # Feed health judges staleness by last_new_at; a pushed feed is polled rarely.
            now = _now()
            st.update_feed_state(feed.id, lambda s: replace(s, last_new_at=now))
        if (result["indexed"] or result.get("corrected")) and alerts:
            out["alerts"] = evaluate_and_deliver(settings, store=st)["alerts"]
    finally:
        if own:
            st.close()
    return out


# -- the HTTP endpoint ----------------------------------------------------------------------


class _BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _read_body(h: BaseHTTPRequestHandler, limit: int) -> bytes:
    """Content-Length or chunked, at most ``limit`` bytes."""
    if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
        out = bytearray()
        while True:
            size_line = h.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as exc:
                raise _BodyError(400, "bad chunk size") from exc
            if size == 0:
                while h.rfile.readline(1024).strip():  # trailers
                    pass
                return bytes(out)
            if len(out) + size > limit:
                raise _BodyError(413, "body too large")
            out += h.rfile.read(size)
            h.rfile.readline(8)
    raw = h.headers.get("Content-Length")
    if raw is None or not raw.strip().isdigit():
        raise _BodyError(411, "Content-Length required")
    length = int(raw)
    if length > limit:
        raise _BodyError(413, "body too large")
    return h.rfile.read(length)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    timeout = 30  # a hub that stalls mid-request does not hold a thread forever

    def do_GET(self) -> None:
        self.server.owner._on_get(self)

    def do_POST(self) -> None:
        self.server.owner._on_post(self)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def reply(
        self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: CallbackServer


class CallbackServer:
    """The callback endpoint plus its inbox worker. ``with CallbackServer(...) as srv``.

    ``on_push(subscription, body, headers)`` runs on one worker thread, in arrival order;
    its results are kept in ``results`` (the last 100). A push whose handler raises is
    retried (up to 3 attempts, with a pause) and then dropped with an error logged: the
    next (safety) poll still catches its items."""

    def __init__(
        self,
        subs: SubscriptionStore,
        on_push: PushHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body: int = 10_000_000,
        max_inbox: int = 1000,
        policy: LeasePolicy | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.subs = subs
        self.on_push = on_push
        self.max_body = max_body
        self.max_inbox = max_inbox
        self.policy = policy or LeasePolicy()
        self.clock = clock
        self.results: deque[dict[str, Any]] = deque(maxlen=100)
        self.stats = {"verified": 0, "refused": 0, "accepted": 0, "ignored": 0, "gone": 0,
                      "processed": 0, "errors": 0}  # fmt: skip
        self._http = _HTTPServer((host, port), _Handler)
        self._http.owner = self
        self._stop = threading.Event()
        self._wakeup = threading.Event()
        self._idle = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(
                target=self._http.serve_forever, kwargs={"poll_interval": 0.1},
                name="websub-http", daemon=True,
            ),
            threading.Thread(target=self._work, name="websub-inbox", daemon=True),
        ]  # fmt: skip

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CallbackServer:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wakeup.set()
        self._http.shutdown()
        self._http.server_close()
        for t in self._threads:
            t.join(timeout=10)

    def __enter__(self) -> CallbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every received push has been handled (tests, graceful stop)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._idle.is_set() and self.subs.inbox_size() == 0:
                return True
            time.sleep(0.02)
        return False

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    # GET: intent verification
    def _on_get(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        sub_id = callback_id(parts.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        now = self.clock()
        answers = []

        def decide(sub: Subscription) -> Subscription:
            answer = answer_verification(sub, params, now, self.policy)
            answers.append(answer)
            return answer.sub or sub

        if sub_id is None or self.subs.update(sub_id, decide) is None:
            answers = [answer_verification(None, params, now, self.policy)]
        answer = answers[-1]
        self._count("verified" if answer.status == 200 else "refused")
        log.info("verification %s %s: %s -> %d", params.get("hub.mode"), sub_id, answer.note,
                 answer.status)  # fmt: skip
        h.reply(answer.status, answer.body)

    # POST: content distribution
    def _on_post(self, h: _Handler) -> None:
        sub_id = callback_id(urlsplit(h.path).path)
        sub = self.subs.get(sub_id) if sub_id else None
        if sub is None or sub.status not in PUSH_OK:
            # 410 tells the hub to drop a subscription we ended (spec 7); the body is not read.
            h.close_connection = True
            self._count("gone")
            h.reply(404 if sub is None else 410, b"no such subscription")
            return
        try:
            body = _read_body(h, self.max_body)
        except _BodyError as exc:
            h.close_connection = True
            h.reply(exc.status, str(exc).encode())
            return
        now = self.clock()
        verdict = check_signature(
            body, sub.secret, h.headers.get("X-Hub-Signature"), allow_sha1=self.policy.allow_sha1
        )
        if verdict != "ok":
            self.subs.update(sub.id, lambda s: replace(s, rejected=s.rejected + 1))
            self._count("ignored")
            log.warning("push for %s (%s) ignored: signature %s", sub.id, sub.feed_id, verdict)
            h.reply(202)  # spec 7.1.2: ignore it, but a 2xx gives a forger nothing to learn
            return
        if self.subs.inbox_size() >= self.max_inbox:
            h.reply(503, b"busy", {"Retry-After": "60"})  # the hub retries later
            return
        headers = {k.lower(): v for k, v in h.headers.items() if k.lower() in _KEPT_HEADERS}
        self.subs.enqueue(sub.id, body, headers, now)
        self.subs.update(sub.id, lambda s: replace(s, pushes=s.pushes + 1, last_push_at=now))
        self._count("accepted")
        self._wakeup.set()
        h.reply(202)

    # the inbox worker
    def _work(self) -> None:
        while not self._stop.is_set():
            item = self.subs.next_inbox()
            if item is None:
                self._idle.set()
                self._wakeup.wait(0.5)
                self._wakeup.clear()
                continue
            self._idle.clear()
            sub = self.subs.get(item.sub_id)
            if sub is None:
                self.subs.inbox_done(item.seq)
                continue
            try:
                result = self.on_push(sub, item.body, item.headers)
            except Exception as exc:  # the store may be down: keep the push, retry a little
                attempts = self.subs.inbox_failed(item.seq)
                log.error("push %d for %s failed (attempt %d): %s", item.seq, sub.feed_id,
                          attempts, exc)  # fmt: skip
                if attempts >= _MAX_INBOX_ATTEMPTS:
                    self.subs.inbox_done(item.seq)
                    self._count("errors")
                    self.results.append({"feed_id": sub.feed_id, "status": "error",
                                         "error": f"{type(exc).__name__}: {exc}"})  # fmt: skip
                else:
                    self._stop.wait(min(30.0, 2.0**attempts))
                continue
            self.subs.inbox_done(item.seq)
            self._count("processed")
            self.results.append(result)
            log.info("push for %s: %s", sub.feed_id, {k: result.get(k) for k in
                     ("status", "items", "new", "indexed", "error")})  # fmt: skip


# -- subscription upkeep --------------------------------------------------------------------


def maintain(
    subs: SubscriptionStore,
    client: HubClient,
    now: datetime,
    policy: LeasePolicy | None = None,
    *,
    prefer_https: bool = True,
) -> list[dict[str, Any]]:
    """Send every request that is due: lease renewals, retries of failed or unverified
    requests, pending unsubscriptions. Returns one record per request sent."""
    p = policy or LeasePolicy()
    done: list[dict[str, Any]] = []
    for sub in subs.all():
        settled = settle(sub, now, p)
        if settled != sub:
            sub = subs.update(sub.id, lambda s: settle(s, now, p)) or settled
        action = next_action(sub, now, p)
        if action is None:
            continue
        new = send_request(client, subs, sub, action, now, p, prefer_https=prefer_https)
        done.append({"id": sub.id, "feed_id": sub.feed_id, "action": action,
                     "status": new.status, "error": new.last_error})  # fmt: skip
    return done


def request_unsubscribe(subs: SubscriptionStore, sub_id: str) -> Subscription | None:
    """Mark a subscription for ending; ``maintain`` sends the request (so the running
    server is there to answer the hub's verification)."""
    if (sub := subs.get(sub_id)) is None or sub.status == UNSUBSCRIBED:
        return sub
    return subs.update(
        sub_id, lambda s: replace(s, status=UNSUBSCRIBING, requested_at=None, attempts=0)
    )


def sync_subscriptions(
    settings: Settings,
    subs: SubscriptionStore,
    http: HttpClient,
    hub: HubClient,
    public_url: str,
    now: datetime,
    *,
    hints: Mapping[str, str | None] | None = None,
    discover_all: bool = False,
    policy: LeasePolicy | None = None,
    prefer_https: bool = True,
) -> list[dict[str, Any]]:
    """Bring subscriptions in line with the feed registry. A feed is looked at when the
    poller recorded a hub for it (``FeedState.websub_hub``; ``hints`` overrides), when it
    already has a subscription, or with ``discover_all``; its topic is GET and discovered
    (rel=self is the topic). New hubs are subscribed; moved topics/hubs, feeds that stopped
    advertising a hub and feeds removed from the registry are unsubscribed."""
    if hints is None:
        st = settings.open_store()
        try:
            hints = {s.feed_id: s.websub_hub for s in st.all_feed_states()}
        finally:
            st.close()
    existing = subs.all()
    events: list[dict[str, Any]] = []
    configured = set()
    for feed in settings.feeds:
        configured.add(feed.id)
        has_sub = any(s.feed_id == feed.id and s.status not in UNWANTED for s in existing)
        if not (discover_all or has_sub or hints.get(feed.id)):
            continue
        discovery: Discovery | None
        try:
            discovery = discover_feed(http, feed.url)
        except FetchError as exc:
            discovery = None
            events.append({"feed_id": feed.id, "action": "discover", "error": exc.reason})
        target, drop = plan_feed(feed.id, discovery, existing, public_url)
        for old in drop:
            request_unsubscribe(subs, old.id)
            events.append({"feed_id": feed.id, "action": "unsubscribe", "id": old.id})
        if target is not None:
            topic, hub_url = target
            sub = new_subscription(feed.id, topic, hub_url, public_url)
            subs.save(sub)
            sub = send_request(hub, subs, sub, "subscribe", now, policy, prefer_https=prefer_https)
            events.append({"feed_id": feed.id, "action": "subscribe", "id": sub.id,
                           "hub": hub_url, "topic": topic, "status": sub.status,
                           "error": sub.last_error})  # fmt: skip
    for s in existing:
        if s.feed_id not in configured and s.status not in UNWANTED:
            request_unsubscribe(subs, s.id)
            events.append({"feed_id": s.feed_id, "action": "unsubscribe", "id": s.id})
    return events


def check_public_url(url: str, *, allow_private: bool = False) -> str:
    """The callback base hubs will call. It must be reachable from the internet: refuse
    loopback/private literals and ``localhost`` unless private networks are allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--public-url must be an http(s) URL with a host, not {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("--public-url must not carry a query or fragment")
    if not allow_private:
        host = parts.hostname
        try:
            private = not is_public_address(host)
        except ValueError:  # a name, not an address literal
            private = host == "localhost" or host.endswith(".localhost")
        if private:
            raise ValueError(
                f"--public-url host {host} is not reachable by a public hub"
                " (set RASID_ALLOW_PRIVATE_NETWORKS=1 for a local hub)"
            )
    return url.rstrip("/")


def serve(
    settings: Settings,
    *,
    public_url: str,
    port: int = 8090,
    host: str = "127.0.0.1",
    db_path: str | Path | None = None,
    policy: LeasePolicy | None = None,
    tick_s: float = 60.0,
    sync_every_s: float = 6 * 3600.0,
    discover_all: bool = False,
    stop: threading.Event | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Run the callback server, subscribe feeds that advertise a hub, renew leases, until
    ``stop`` is set or Ctrl-C. Subscriptions survive restarts (the hub keeps pushing; pushes
    that arrive while we are down are retried by the hub, and the safety poll covers the
    rest)."""
    from rasid.pipeline import http_settings

    base = check_public_url(public_url, allow_private=settings.allow_private_networks)
    if base.startswith("http://"):
        echo("warning: the callback is plain http; use https in production (spec 5.1.1)")
    p = policy or LeasePolicy()
    stop = stop or threading.Event()
    hs = http_settings(settings)

    def on_push(sub: Subscription, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        return handle_push(settings, sub.feed_id, body, headers, base_url=sub.topic)

    with (
        SubscriptionStore(db_path or websub_db_path(settings)) as subs,
        CallbackServer(subs, on_push, host=host, port=port, max_body=settings.http.max_bytes,
                       policy=p) as server,
        HttpClient(hs) as http,
        HubClient(hs) as hub,
    ):  # fmt: skip
        echo(f"WebSub callback listening on {server.url}, public base {base}")
        next_sync = 0.0
        try:
            while not stop.is_set():
                now = _now()
                if time.monotonic() >= next_sync:
                    for ev in sync_subscriptions(settings, subs, http, hub, base, now,
                                                 discover_all=discover_all, policy=p):  # fmt: skip
                        echo(f"  {ev}")
                    next_sync = time.monotonic() + sync_every_s
                for ev in maintain(subs, hub, now, p):
                    echo(f"  {ev}")
                stop.wait(tick_s)
        except KeyboardInterrupt:
            echo("stopped")
        server.wait_idle(timeout=30)
    return 0


def run_command(
    settings: Settings,
    action: str,
    *,
    public_url: str | None = None,
    port: int = 8090,
    host: str = "127.0.0.1",
    feed_id: str | None = None,
    discover_all: bool = False,
    echo: Callable[[str], None] = print,
) -> int:
    """``rasid websub serve|list|unsubscribe``; returns the exit code."""
    import json

    db = websub_db_path(settings)
    if action == "serve":
        if not public_url:
            echo("rasid websub serve needs --public-url (the https address hubs will call)")
            return 2
        try:
            return serve(settings, public_url=public_url, port=port, host=host,
                         discover_all=discover_all, echo=echo)  # fmt: skip
        except ValueError as exc:
            echo(str(exc))
            return 2
    with SubscriptionStore(db) as subs:
        if action == "list":
            for sub in subs.all():
                if feed_id in (None, sub.feed_id, sub.id):
                    echo(json.dumps(sub.to_dict(), ensure_ascii=False))
            return 0
        if action == "unsubscribe":
            targets = [s for s in subs.all() if feed_id in (None, s.feed_id, s.id)]
            for s in targets:
                request_unsubscribe(subs, s.id)
                echo(f"{s.feed_id}: unsubscription queued (sent by the running `serve`)")
            if not targets:
                echo(
                    f"no subscription for {feed_id!r} (`rasid websub list` shows them)"
                    if feed_id
                    else "no subscriptions"
                )
            return 0 if targets else 1
    echo(f"unknown action {action!r}")
    return 2
