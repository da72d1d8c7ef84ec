"""WebSub (W3C Recommendation 2018, formerly PubSubHubbub 0.4): the subscriber side.

Three parts, each with one job:

- pure protocol pieces: discovery (``Link`` headers, then ``atom:link`` in the feed),
  ``X-Hub-Signature`` checks, and the subscription state machine (what to answer a hub's
  intent verification, when to renew a lease, when to retry a request);
- ``SubscriptionStore``: subscriptions and received pushes in a small SQLite file;
- ``HubClient`` / ``send_request``: the subscription POST to a hub, behind the same SSRF
  guard as polling (``ingest.netguard`` checks before each hop, ``GuardedBackend`` at
  connect time).

The callback HTTP endpoint (intent verification, content distribution) is
``rasid.websub_server``. Spec: https://www.w3.org/TR/websub/
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from defusedxml import ElementTree as SafeET

from ingest.encoding import decode_bytes
from ingest.http import FetchError, GuardedBackend, HttpClient, HttpSettings, hop_timeout
from ingest.netguard import ALLOWED_SCHEMES, BlockedTarget, check_addresses, host_allowed, resolve
from ingest.schedule import BackoffPolicy, backoff_delay
from rasid.records import FeedState

Mode = Literal["subscribe", "unsubscribe"]
ATOM_NS = "http://www.w3.org/2005/Atom"
CALLBACK_SEGMENT = "websub"  # callback URLs are {public_url}/websub/{subscription id}

# Subscription statuses (see next_action_at for what each one leads to).
NEW = "new"  # created, no request sent yet
SUBSCRIBING = "subscribing"  # asked the hub, waiting for its intent verification
ACTIVE = "active"  # verified; the lease runs until expires_at
RENEWING = "renewing"  # active, and a renewal request is waiting for verification
FAILED = "failed"  # the subscription request itself failed (HTTP error, network); retried
EXPIRED = "expired"  # the lease ran out before a renewal was verified; re-subscribed
DENIED = "denied"  # the hub refused (hub.mode=denied); not retried
UNSUBSCRIBING = "unsubscribing"  # we asked to stop, waiting for verification
UNSUBSCRIBED = "unsubscribed"  # verified (or given up); pushes are answered 410 Gone
# Requested and still wanted: a subscribe verification is confirmed, pushes are processed.
PUSH_OK = frozenset({SUBSCRIBING, ACTIVE, RENEWING, FAILED, EXPIRED})
UNWANTED = frozenset({UNSUBSCRIBING, UNSUBSCRIBED})  # an unsubscribe verification is confirmed


# -- discovery (pure) -----------------------------------------------------------------------

_LINK_VALUE = re.compile(
    r"""<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))?)*)"""
)
_LINK_PARAM = re.compile(r""";\s*([^;,=\s]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*))?""")


def parse_link_header(value: str | None) -> list[tuple[str, dict[str, str]]]:
    """RFC 8288 ``Link`` values as (uri-reference, params). Several headers arrive joined
    with commas (httpx does that), and a comma may sit inside ``<…>``, so split by pattern,
    not by comma."""
    links: list[tuple[str, dict[str, str]]] = []
    for m in _LINK_VALUE.finditer(value or ""):
        params: dict[str, str] = {}
        for p in _LINK_PARAM.finditer(m.group(2)):
            raw = p.group(2) or ""
            if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            params.setdefault(p.group(1).lower(), raw)  # the first occurrence wins (RFC 8288)
        links.append((m.group(1).strip(), params))
    return links


def links_by_rel(value: str | None, base_url: str) -> dict[str, list[str]]:
    """rel -> absolute URLs, in header order; ``rel="hub self"`` counts for both."""
    out: dict[str, list[str]] = {}
    for uri, params in parse_link_header(value):
        for rel in params.get("rel", "").lower().split():
            url = urljoin(base_url, uri)
            if url not in out.setdefault(rel, []):
                out[rel].append(url)
    return out


def feed_links(
    body: bytes, base_url: str, headers: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """rel -> URLs of the feed-level ``atom:link`` elements (Atom ``<feed>``, or RSS/RDF
    ``<channel>``). Entry-level links are ignored: an entry's rel=self is not the topic.
    Unsafe (entity declarations) or malformed XML gives no links."""
    try:
        text, _encoding = decode_bytes(body, dict(headers or {}))
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text.lstrip("\ufeff"), count=1)
        root = SafeET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except Exception:  # defusedxml refusals, ParseError, decoding: no discovery from the body
        return {}
    containers = [root, *(child for child in root if _local(child.tag) == "channel")]
    out: dict[str, list[str]] = {}
    for container in containers:
        for el in container:
            if el.tag != f"{{{ATOM_NS}}}link":
                continue
            href = (el.get("href") or "").strip()
            for rel in (el.get("rel") or "").lower().split():
                if href:
                    url = urljoin(base_url, href)
                    if url not in out.setdefault(rel, []):
                        out[rel].append(url)
    return out


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


@dataclass(frozen=True)
class Discovery:
    """What a topic advertises. ``topic`` is the rel=self URL (the spec requires
    subscribing to it), else the URL the document was fetched from."""

    hubs: tuple[str, ...]
    topic: str
    self_url: str | None = None
    source: Literal["headers", "body", "none"] = "none"

    @property
    def hub(self) -> str | None:
        return self.hubs[0] if self.hubs else None


def discover(headers: Mapping[str, str] | None, body: bytes, url: str) -> Discovery:
    """Spec order: HTTP ``Link`` headers first, embedded ``atom:link`` only when the headers
    name no hub. ``url`` is the final URL after redirects (relative links resolve to it)."""
    link = next((v for k, v in (headers or {}).items() if k.lower() == "link"), None)
    from_headers = links_by_rel(link, url)
    from_body = feed_links(body, url, headers) if body else {}
    if from_headers.get("hub"):
        hubs, source = from_headers["hub"], "headers"
        self_url = (from_headers.get("self") or from_body.get("self") or [None])[0]
    elif from_body.get("hub"):
        hubs, source = from_body["hub"], "body"
        self_url = (from_body.get("self") or from_headers.get("self") or [None])[0]
    else:
        hubs, source = [], "none"
        self_url = (from_headers.get("self") or from_body.get("self") or [None])[0]
    hubs = [h for h in hubs if urlsplit(h).scheme.lower() in ALLOWED_SCHEMES]
    return Discovery(tuple(hubs), self_url or url, self_url, source if hubs else "none")  # type: ignore[arg-type]


def discover_feed(client: HttpClient, url: str) -> Discovery:
    """GET the topic (guarded, unconditional: a 304 has no body) and discover. Raises
    ``FetchError``."""
    page = client.get(url)
    return discover(page.headers, page.body, page.final_url)


# -- signatures (pure) ----------------------------------------------------------------------

_ALGORITHMS: dict[str, Callable[..., object]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}
SignatureVerdict = Literal[
    "ok", "missing", "malformed", "unknown-method", "weak-method", "mismatch"
]


def sign(body: bytes, secret: str, method: str = "sha256") -> str:
    """The ``X-Hub-Signature`` value a hub sends: ``method=hex(HMAC(secret, body))``."""
    digest = hmac.new(secret.encode("utf-8"), body, _ALGORITHMS[method]).hexdigest()  # type: ignore[arg-type]
    return f"{method}={digest}"


def check_signature(
    body: bytes, secret: str, header: str | None, *, allow_sha1: bool = True
) -> SignatureVerdict:
    """Verify a content distribution against our secret for the subscription. Anything
    but ``"ok"`` means the message must be ignored (spec 7.1.2) — including a missing
    header when we gave the hub a secret. SHA-1 is accepted by default because most hubs
    still sign with it (spec 7.1.1); ``allow_sha1=False`` refuses it."""
    if not header:
        return "missing"
    method, sep, given = header.strip().partition("=")
    method = method.strip().lower()
    given = given.strip().lower()
    if not sep or not given or not re.fullmatch(r"[0-9a-f]+", given):
        return "malformed"
    if method not in _ALGORITHMS:
        return "unknown-method"
    if method == "sha1" and not allow_sha1:
        return "weak-method"
    expected = sign(body, secret, method).partition("=")[2]
    return "ok" if hmac.compare_digest(expected, given) else "mismatch"


# -- subscriptions (pure) -------------------------------------------------------------------


@dataclass(slots=True)
class Subscription:
    """One (feed, hub, topic) subscription. ``id`` is the unguessable last segment of the
    callback URL (a capability URL, spec 5.1.1): requests are matched to a subscription by
    it, never by the Link headers of a push (spec 7 forbids that)."""

    id: str
    feed_id: str
    topic: str
    hub: str
    callback: str
    secret: str
    status: str = NEW
    requested_at: datetime | None = None  # last (un)subscription request sent
    verified_at: datetime | None = None
    lease_seconds: int | None = None  # granted by the hub at verification
    expires_at: datetime | None = None
    attempts: int = 0  # failed requests in a row (backoff), reset by a verification
    last_error: str | None = None
    pushes: int = 0  # content distributions accepted
    rejected: int = 0  # ignored: bad or missing signature
    last_push_at: datetime | None = None

    def to_dict(self, *, with_secret: bool = False) -> dict[str, object]:
        d: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            d[f.name] = value.isoformat() if isinstance(value, datetime) else value
        if not with_secret:
            d["secret"] = "…"
        return d


@dataclass(frozen=True)
class LeasePolicy:
    lease_s: int = 10 * 86400  # asked for; the hub decides (10 days is the spec's hint)
    renew_fraction: float = 0.1  # renew this fraction of the lease before it ends …
    renew_min_margin_s: float = 3600.0  # … but at least this early (never before half-time)
    verify_timeout_s: float = 3600.0  # an unverified request is sent again after this
    backoff: BackoffPolicy = field(default_factory=lambda: BackoffPolicy(base_s=60, max_s=6 * 3600))
    max_unsubscribe_attempts: int = 3
    allow_sha1: bool = True


def callback_url(public_url: str, sub_id: str) -> str:
    return f"{public_url.rstrip('/')}/{CALLBACK_SEGMENT}/{sub_id}"


def callback_id(path: str) -> str | None:
    """Subscription id from a request path ``…/websub/<id>`` (any prefix, so a reverse
    proxy may or may not strip its own path)."""
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if (
        len(parts) >= 2
        and parts[-2] == CALLBACK_SEGMENT
        and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", parts[-1])
    ):
        return parts[-1]
    return None


def new_subscription(
    feed_id: str, topic: str, hub: str, public_url: str, *, token: str | None = None,
    secret: str | None = None,
) -> Subscription:  # fmt: skip
    """A fresh subscription with a random callback id and a random 64-hex-char secret
    (the spec requires < 200 bytes)."""
    sub_id = token or secrets.token_urlsafe(18)
    return Subscription(
        id=sub_id,
        feed_id=feed_id,
        topic=topic,
        hub=hub,
        callback=callback_url(public_url, sub_id),
        secret=secret or secrets.token_hex(32),
    )


def subscription_form(sub: Subscription, mode: Mode, lease_s: int | None) -> dict[str, str]:
    """Body of the (un)subscription POST (application/x-www-form-urlencoded, UTF-8)."""
    form = {"hub.mode": mode, "hub.topic": sub.topic, "hub.callback": sub.callback}
    if mode == "subscribe":
        if lease_s:
            form["hub.lease_seconds"] = str(int(lease_s))
        # Always sent, also to plain-http hubs (the spec says SHOULD only over HTTPS): without
        # it anyone who learns the callback URL can push, and the callback URL travels over
        # the same channel. Prefer HTTPS hubs (``hub_candidates``) to protect both.
        form["hub.secret"] = sub.secret
    return form


def hub_candidates(hub: str, prefer_https: bool = True) -> list[str]:
    """Spec 8.2: favour the HTTPS URL of a hub even when it is advertised as HTTP."""
    parts = urlsplit(hub)
    if prefer_https and parts.scheme.lower() == "http":
        return [urlunsplit(("https", *parts[1:])), hub]
    return [hub]


def mark_requested(sub: Subscription, mode: Mode, now: datetime) -> Subscription:
    """State to save *before* the POST: a hub may verify intent before it answers 202."""
    if mode == "unsubscribe":
        # Unsubscriptions count requests, not failures: a hub that accepts but never
        # verifies (our old callback may be gone) must not be asked forever.
        tries = (sub.attempts if sub.status == UNSUBSCRIBING else 0) + 1
        return replace(sub, status=UNSUBSCRIBING, requested_at=now, attempts=tries)
    status = RENEWING if sub.status in (ACTIVE, RENEWING) else SUBSCRIBING
    return replace(sub, status=status, requested_at=now)


def mark_request_failed(sub: Subscription, error: str, now: datetime) -> Subscription:
    """The hub refused the request or could not be reached. A renewal keeps the still-valid
    lease (status back to active); a first subscription becomes ``failed`` (retried with
    backoff); an unsubscription stays pending and is retried a few times."""
    if sub.status == UNSUBSCRIBING:
        return replace(sub, last_error=error[:300])  # attempts already counted the request
    if sub.status == RENEWING:
        status = ACTIVE if sub.expires_at and sub.expires_at > now else EXPIRED
    elif sub.status == SUBSCRIBING:
        status = FAILED
    else:
        status = sub.status
    return replace(sub, status=status, attempts=sub.attempts + 1, last_error=error[:300])


@dataclass(frozen=True)
class VerificationAnswer:
    status: int  # 200 with the challenge, or 404
    body: bytes
    sub: Subscription | None  # the new state to save; None when nothing changes
    note: str  # why, for the log


def _lease(params: Mapping[str, str], fallback: int) -> int:
    raw = (params.get("hub.lease_seconds") or "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else fallback


def answer_verification(
    sub: Subscription | None,
    params: Mapping[str, str],
    now: datetime,
    policy: LeasePolicy | None = None,
) -> VerificationAnswer:
    """Answer a hub's GET on a callback (spec 5.2, 5.3). Echo ``hub.challenge`` only when
    the topic is the subscription's and the mode is one we want:

    - ``subscribe``: once we have asked for the subscription and still want it (pending,
      renewing, active — hubs may re-confirm active ones —, failed or expired). Not before
      the first request, not after a denial, not after we asked to unsubscribe.
    - ``unsubscribe``: only after we asked for it (forged unsubscriptions are what this
      verification exists to stop).
    - ``denied``: the hub refused; recorded, answered 200.

    Anything else is 404 (spec 5.3.1), which tells the hub verification failed."""
    p = policy or LeasePolicy()
    mode = (params.get("hub.mode") or "").strip().lower()
    topic = params.get("hub.topic") or ""
    challenge = params.get("hub.challenge") or ""
    if sub is None:
        return VerificationAnswer(404, b"unknown subscription", None, "unknown callback")
    if topic != sub.topic:
        return VerificationAnswer(404, b"unknown topic", None, f"topic mismatch: {topic!r}")
    if mode == "denied":
        reason = (params.get("hub.reason") or "no reason given")[:300]
        new = replace(sub, status=DENIED, last_error=f"denied by hub: {reason}")
        return VerificationAnswer(200, b"", new, "denied")
    if not challenge:
        return VerificationAnswer(404, b"no challenge", None, "no hub.challenge")
    if mode == "subscribe" and sub.status in PUSH_OK:
        lease = _lease(params, p.lease_s)
        new = replace(
            sub,
            status=ACTIVE,
            verified_at=now,
            lease_seconds=lease,
            expires_at=now + timedelta(seconds=lease),
            attempts=0,
            last_error=None,
        )
        return VerificationAnswer(
            200, challenge.encode("utf-8"), new, f"subscribed, lease {lease}s"
        )
    if mode == "unsubscribe" and sub.status in UNWANTED:
        new = replace(
            sub, status=UNSUBSCRIBED, verified_at=now, expires_at=None, attempts=0, last_error=None
        )
        return VerificationAnswer(200, challenge.encode("utf-8"), new, "unsubscribed")
    return VerificationAnswer(
        404, b"not pending", None, f"refused {mode or '(no mode)'} in state {sub.status}"
    )


def renew_at(sub: Subscription, policy: LeasePolicy | None = None) -> datetime | None:
    """When to re-subscribe an active subscription: ``margin`` before the lease ends, where
    margin = max(min_margin, fraction × lease), but never earlier than half-way through the
    lease (a 10-day lease renews 1 day early; a 5-minute one at 2.5 minutes)."""
    p = policy or LeasePolicy()
    if sub.expires_at is None:
        return None
    lease = float(sub.lease_seconds or p.lease_s)
    margin = min(lease / 2, max(p.renew_min_margin_s, lease * p.renew_fraction))
    return sub.expires_at - timedelta(seconds=margin)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def next_action_at(
    sub: Subscription, policy: LeasePolicy | None = None
) -> tuple[Mode, datetime] | None:
    """The next request this subscription needs and from when; None when it needs none."""
    p = policy or LeasePolicy()
    since = sub.requested_at or _EPOCH
    if sub.status == ACTIVE:
        when = renew_at(sub, p)
        return ("subscribe", when) if when is not None else ("subscribe", since)
    if sub.status in (SUBSCRIBING, RENEWING):
        return "subscribe", since + timedelta(seconds=p.verify_timeout_s)
    if sub.status == FAILED:
        return "subscribe", since + timedelta(
            seconds=backoff_delay(max(1, sub.attempts), p.backoff)
        )
    if sub.status in (NEW, EXPIRED):
        return "subscribe", _EPOCH  # at once
    if sub.status == UNSUBSCRIBING:
        if sub.requested_at is None:
            return "unsubscribe", _EPOCH
        if sub.attempts >= p.max_unsubscribe_attempts:
            return None
        return "unsubscribe", since + timedelta(seconds=p.verify_timeout_s)
    return None  # denied, unsubscribed


def next_action(sub: Subscription, now: datetime, policy: LeasePolicy | None = None) -> Mode | None:
    """The request due at ``now`` ("subscribe" also means renew or retry), or None."""
    planned = next_action_at(sub, policy)
    return planned[0] if planned is not None and planned[1] <= now else None


def settle(sub: Subscription, now: datetime, policy: LeasePolicy | None = None) -> Subscription:
    """Time-driven transitions: an active or renewing subscription whose lease has ended is
    ``expired`` (and re-subscribed); an unsubscription the hub never confirmed after
    ``max_unsubscribe_attempts`` requests is given up (``unsubscribed``: pushes get 410)."""
    p = policy or LeasePolicy()
    if sub.status in (ACTIVE, RENEWING) and sub.expires_at is not None and sub.expires_at <= now:
        return replace(sub, status=EXPIRED)
    if (
        sub.status == UNSUBSCRIBING
        and sub.attempts >= p.max_unsubscribe_attempts
        and sub.requested_at is not None
        and sub.requested_at + timedelta(seconds=p.verify_timeout_s) <= now
    ):
        note = f"gave up after {sub.attempts} unverified unsubscription requests"
        return replace(sub, status=UNSUBSCRIBED, expires_at=None, last_error=note)
    return sub


def covers(sub: Subscription, now: datetime) -> bool:
    """Whether pushes can be expected now: verified and the lease still running."""
    return sub.status in (ACTIVE, RENEWING) and sub.expires_at is not None and sub.expires_at > now


def plan_feed(
    feed_id: str,
    discovery: Discovery | None,
    existing: Iterable[Subscription],
    public_url: str,
) -> tuple[tuple[str, str] | None, list[Subscription]]:
    """What to do for one feed: ((topic, hub) to subscribe to, or None; subscriptions to
    end). ``discovery=None`` means discovery failed: change nothing. A feed that no longer
    advertises a hub, moved topic or hub (spec 6.1), or whose subscription was made with
    another public callback base, has its old subscriptions ended (and a new one made)."""
    wanted = [s for s in existing if s.feed_id == feed_id and s.status not in UNWANTED]
    if discovery is None:
        return None, []
    if not discovery.hubs:
        return None, wanted
    base = callback_url(public_url, "")
    keep = [
        s
        for s in wanted
        if s.topic == discovery.topic
        and s.hub in discovery.hubs
        and s.callback.startswith(base)
        and s.status != DENIED
    ]
    drop = [s for s in wanted if s not in keep]
    if keep:
        return None, drop + keep[1:]
    return (discovery.topic, discovery.hubs[0]), drop


SAFETY_POLL_S = 6 * 3600.0


def poll_deferred_by_push(
    state: FeedState, now: datetime, pushed: bool, safety_poll_s: float = SAFETY_POLL_S
) -> bool:
    """True when a live push subscription covers the feed and the (rare) safety poll is not
    due yet: the poller then skips it. Polling stays the fallback, so a hub that silently
    stops pushing costs at most ``safety_poll_s`` of delay."""
    if not pushed or state.last_polled_at is None:
        return False
    return now - state.last_polled_at < timedelta(seconds=safety_poll_s)


# -- persistence ----------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS websub_subscriptions (
    id TEXT PRIMARY KEY,
    feed_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS websub_subscriptions_feed ON websub_subscriptions(feed_id);
CREATE TABLE IF NOT EXISTS websub_inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sub_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
"""
_DATES = ("requested_at", "verified_at", "expires_at", "last_push_at")


def _encode(sub: Subscription) -> str:
    return json.dumps(sub.to_dict(with_secret=True), ensure_ascii=False, sort_keys=True)


def _decode(raw: str) -> Subscription:
    d = json.loads(raw)
    for key in _DATES:
        if d.get(key):
            d[key] = datetime.fromisoformat(d[key])
    known = {f.name for f in fields(Subscription)}
    return Subscription(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class InboxItem:
    seq: int
    sub_id: str
    received_at: datetime
    headers: dict[str, str]
    body: bytes
    attempts: int


class SubscriptionStore:
    """Subscriptions and the push inbox in one SQLite file (WAL; safe to share between the
    callback server's threads and a CLI process). A push is committed to the inbox before
    the hub gets its 2xx, so a crash after the answer loses nothing."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            self.path, timeout=30, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()

    def __enter__(self) -> SubscriptionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # subscriptions
    def get(self, sub_id: str) -> Subscription | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM websub_subscriptions WHERE id=?", (sub_id,)
            ).fetchone()
        return _decode(row[0]) if row else None

    def all(self) -> list[Subscription]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM websub_subscriptions ORDER BY feed_id, id"
            ).fetchall()
        return [_decode(r[0]) for r in rows]

    def for_feed(self, feed_id: str) -> list[Subscription]:
        return [s for s in self.all() if s.feed_id == feed_id]

    def save(self, sub: Subscription) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO websub_subscriptions(id, feed_id, data) VALUES (?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET feed_id=excluded.feed_id, data=excluded.data",
                (sub.id, sub.feed_id, _encode(sub)),
            )

    def update(
        self, sub_id: str, change: Callable[[Subscription], Subscription]
    ) -> Subscription | None:
        """Read-modify-write in one transaction (the server and the renewal loop race)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT data FROM websub_subscriptions WHERE id=?", (sub_id,)
            ).fetchone()
            if row is None:
                return None
            new = change(_decode(row[0]))
            db.execute("UPDATE websub_subscriptions SET data=? WHERE id=?", (_encode(new), sub_id))
            return new

    def live_feed_ids(self, now: datetime) -> set[str]:
        """Feeds with a verified subscription whose lease is running (see ``covers``)."""
        return {s.feed_id for s in self.all() if covers(s, now)}

    # inbox
    def enqueue(self, sub_id: str, body: bytes, headers: Mapping[str, str], now: datetime) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO websub_inbox(sub_id, received_at, headers, body) VALUES (?,?,?,?)",
                (sub_id, now.isoformat(), json.dumps(dict(headers)), body),
            )
            return int(cur.lastrowid or 0)

    def inbox_size(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM websub_inbox").fetchone()[0])

    def next_inbox(self) -> InboxItem | None:
        with self._lock:
            row = self._db.execute(
                "SELECT seq, sub_id, received_at, headers, body, attempts"
                " FROM websub_inbox ORDER BY seq LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return InboxItem(
            row[0],
            row[1],
            datetime.fromisoformat(row[2]),
            json.loads(row[3]),
            bytes(row[4]),
            row[5],
        )

    def inbox_done(self, seq: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM websub_inbox WHERE seq=?", (seq,))

    def inbox_failed(self, seq: int) -> int:
        with self._tx() as db:
            db.execute("UPDATE websub_inbox SET attempts=attempts+1 WHERE seq=?", (seq,))
            row = db.execute("SELECT attempts FROM websub_inbox WHERE seq=?", (seq,)).fetchone()
        return int(row[0]) if row else 0


# -- the hub client (I/O) -------------------------------------------------------------------


@dataclass(frozen=True)
class HubResponse:
    status: int
    text: str  # first 64 kB, for error messages
    url: str  # the hub URL that answered (after 307/308)


class HubClient:
    """POSTs subscription requests to hubs under the polling client's rules: http(s) only,
    every resolved address public (re-checked at connect time), unless the settings allow
    private networks or name the host. Follows only 307/308 (spec 5.1.2), re-checking each
    hop. Use as a context manager."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        s = self.settings
        transport = httpx.HTTPTransport(retries=0)
        pool = getattr(transport, "_pool", None)  # same swap as ingest.http.HttpClient
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = GuardedBackend(s.allow_private_networks, s.allowed_hosts)
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            trust_env=False,  # a proxy would bypass the address guard
            headers={"User-Agent": s.user_agent},
        )

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def check_target(self, url: str) -> None:
        """The pre-connect half of the SSRF guard; raises ``FetchError``."""
        s = self.settings
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(url, f"invalid URL: {exc}") from exc
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            raise FetchError(url, f"refused: scheme '{parts.scheme or '(none)'}' not allowed")
        if not parts.hostname:
            raise FetchError(url, "invalid URL: no host")
        if s.allow_private_networks or host_allowed(parts.hostname, port, s.allowed_hosts):
            return
        try:
            check_addresses(parts.hostname, resolve(parts.hostname, port))
        except BlockedTarget as exc:
            raise FetchError(url, str(exc)) from exc

    def post_form(self, url: str, form: Mapping[str, str]) -> HubResponse:
        s = self.settings
        deadline = time.monotonic() + s.total_timeout
        current = url
        for _hop in range(s.max_redirects + 1):
            self.check_target(current)
            timeout = hop_timeout(s, deadline, url)
            try:
                with self._client.stream("POST", current, data=dict(form), timeout=timeout) as resp:
                    text = self._read_text(resp)
                    status, location = resp.status_code, resp.headers.get("location")
            except BlockedTarget as exc:
                raise FetchError(url, str(exc)) from exc
            except httpx.HTTPError as exc:
                raise FetchError(url, _describe(exc)) from exc
            if status in (307, 308) and location:
                current = urljoin(current, location.strip())
                continue
            return HubResponse(status, text, current)
        raise FetchError(url, f"too many redirects (more than {s.max_redirects})")

    def post_form_any(self, urls: Iterable[str], form: Mapping[str, str]) -> HubResponse:
        """Try each URL (HTTPS variant first); fall to the next only when a URL could not
        be reached at all. An HTTP answer, even an error, is final."""
        last: FetchError | None = None
        for url in urls:
            try:
                return self.post_form(url, form)
            except FetchError as exc:
                if exc.reason.startswith("refused"):
                    raise
                last = exc
        assert last is not None
        raise last

    @staticmethod
    def _read_text(resp: httpx.Response, limit: int = 65_536) -> str:
        out = bytearray()
        for chunk in resp.iter_bytes():
            out += chunk
            if len(out) >= limit:
                break
        return bytes(out[:limit]).decode("utf-8", "replace")


def _describe(exc: httpx.HTTPError) -> str:
    text = (str(exc) or type(exc).__name__).splitlines()[0][:160]
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {text}"
    return f"{type(exc).__name__}: {text}"


def send_request(
    client: HubClient,
    store: SubscriptionStore,
    sub: Subscription,
    mode: Mode,
    now: datetime,
    policy: LeasePolicy | None = None,
    *,
    prefer_https: bool = True,
) -> Subscription:
    """Ask the hub to subscribe (also: renew, retry) or unsubscribe; returns the saved state.

    The pending state is saved before the POST, because a hub may verify intent before it
    even answers. A 2xx answer means "accepted, verification follows" (202 per spec; some
    hubs answer 204 after verifying synchronously). Any other answer or a network failure
    is recorded in ``last_error`` and retried later (``next_action_at``)."""
    p = policy or LeasePolicy()
    pending = mark_requested(sub, mode, now)
    store.save(pending)
    error: str
    try:
        resp = client.post_form_any(
            hub_candidates(sub.hub, prefer_https), subscription_form(pending, mode, p.lease_s)
        )
    except FetchError as exc:
        error = exc.reason
    else:
        if 200 <= resp.status < 300:
            return store.update(sub.id, lambda s: replace(s, last_error=None)) or pending
        first = (resp.text.strip().splitlines() or [""])[0][:160]
        error = f"hub answered HTTP {resp.status}" + (f": {first}" if first else "")

    def failed(current: Subscription) -> Subscription:
        # A verification may have arrived during the POST: then it stands.
        if current.status != pending.status or current.requested_at != pending.requested_at:
            return replace(current, last_error=error)
        return mark_request_failed(current, error, now)

    return store.update(sub.id, failed) or mark_request_failed(pending, error, now)
