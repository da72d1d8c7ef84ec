"""Feeds: safe parsing (RSS 0.9x/1.0/2.0, RDF, Atom) and polling with conditional GET.

Order of work in ``parse_feed``: decide the encoding ourselves (Arabic-aware, see
``ingest.encoding``), refuse entity declarations with defusedxml before any other XML parser
sees the document, then let feedparser parse (and salvage what it can from broken feeds).
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin

import feedparser
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET

from ingest.dates import feed_zone, parse_date
from ingest.encoding import decode_bytes
from ingest.http import FetchError, HttpClient, host_key
from rasid.records import Feed, FeedItem, FeedState


class FeedError(Exception):
    """The document cannot be used as a feed; the message is one readable line."""


@dataclass
class FeedPoll:
    feed_id: str
    status: str  # 'ok' | 'not-modified' | 'error'
    items: list[FeedItem] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    bozo_warning: str | None = None  # the feed was broken but (partly) salvaged
    websub_hub: str | None = None
    elapsed_s: float = 0.0
    retry_after_s: float | None = None  # from Retry-After (429/503): back off at least this
    http_status: int | None = None
    final_url: str | None = None
    encoding: str | None = None


@dataclass
class ParsedFeed:
    items: list[FeedItem]
    title: str = ""
    bozo_warning: str | None = None
    websub_hub: str | None = None
    encoding: str = "utf-8"


# -- text helpers -------------------------------------------------------------------------

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_PROLOG_ENTITY = re.compile(rb"<!ENTITY", re.I)
_BLOCK_END = re.compile(
    r"(?i)<\s*(?:br|/?(?:p|div|li|h[1-6]|tr|blockquote|ul|ol|table|section|article))\b[^>]*>"
)
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
_LEFTOVER_ENTITY = re.compile(r"&(?:quot|amp|lt|gt|apos|nbsp|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
_LINK_HUB = re.compile(r"""<\s*([^>]+)\s*>\s*;[^,]*?\brel\s*=\s*"?hub"?""", re.I)


_ENTITY_REFUSAL = "refused: XML declares entities (possible entity-expansion bomb or XXE)"
_EXPAT_POS = re.compile(r"^<unknown>:(\d+):(\d+):\s*")


def _readable(exc: BaseException | None) -> str:
    """One line from a parser exception: «line 1, column 1258: no element found»."""
    if exc is None:
        return "malformed"
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    text = _EXPAT_POS.sub(lambda m: f"line {m.group(1)}, column {m.group(2)}: ", text)
    return text[:200]


def unescape_twice(text: str) -> str:
    """Decode entities; once more if the feed double-escaped them (&amp;quot; is common)."""
    text = html.unescape(text)
    if _LEFTOVER_ENTITY.search(text):
        text = html.unescape(text)
    return text


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per line."""
    if not fragment:
        return ""
    text = _SCRIPT.sub(" ", fragment)
    text = _BLOCK_END.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = unescape_twice(text).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _clean_title(text: str) -> str:
    return " ".join(html_to_text(text).split())


# -- parsing ------------------------------------------------------------------------------


def _check_xml_safety(utf8: bytes) -> str | None:
    """Refuse entity declarations; return a parse-error note for malformed XML (which
    feedparser may still salvage), None when the XML is well-formed and safe."""
    # A declared entity anywhere in the prolog is refused even if the XML is malformed
    # (a broken document must not reach a lenient parser with a bomb inside).
    root_at = re.search(rb"<(?![?!])", utf8)
    prolog = utf8[: root_at.start()] if root_at else utf8
    if _PROLOG_ENTITY.search(prolog):
        raise FeedError(_ENTITY_REFUSAL)
    try:
        SafeET.fromstring(utf8, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        raise FeedError(_ENTITY_REFUSAL) from exc
    except (ExternalReferenceForbidden, DTDForbidden) as exc:
        raise FeedError("refused: XML references external entities") from exc
    except SafeET.ParseError as exc:
        return f"not well-formed XML ({_readable(exc)})"
    return None


def _to_utf8(body: bytes, headers: dict | None) -> tuple[bytes, str]:
    """Re-encode the feed as UTF-8 with a matching XML declaration, so that feedparser and
    defusedxml see one encoding we chose, not the (possibly false) declared one."""
    text, encoding = decode_bytes(body, headers)
    text = text.lstrip("\ufeff")
    m = _XML_DECL.match(text)
    if m:
        text = '<?xml version="1.0" encoding="utf-8"?>' + text[m.end() :]
    return text.encode("utf-8"), encoding


def _hub_from_headers(headers: dict | None) -> str | None:
    if not headers:
        return None
    link = next((v for k, v in headers.items() if k.lower() == "link"), "")
    m = _LINK_HUB.search(link or "")
    return m.group(1).strip() if m else None


def _entry_date(entry: Mapping, zone: tzinfo | None = None) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date", "date"):
        raw = entry.get(key)
        if raw:
            found = parse_date(str(raw), default_tz=zone)
            if found:
                return found
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _entry_updated(entry: Mapping, zone: tzinfo | None = None) -> datetime | None:
    """The entry's own modification date (Atom <updated>, atom:updated or dcterms:modified
    in RSS), or None. Read with ``dict.get``: feedparser's ``entry.get("updated")`` falls
    back to the publication date, which would make every item look modified."""
    raw = dict.get(entry, "updated") if isinstance(entry, dict) else None
    if raw:
        found = parse_date(str(raw), default_tz=zone)
        if found:
            return found
    parsed = dict.get(entry, "updated_parsed") if isinstance(entry, dict) else None
    if parsed:
        try:
            return datetime(*parsed[:6], tzinfo=UTC)
        except (TypeError, ValueError):
            return None
    return None


def _entry_to_item(entry: Mapping, feed: Feed, base_url: str) -> FeedItem | None:
    link = (entry.get("link") or "").strip()
    guid = (entry.get("id") or "").strip()
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link and guid.startswith(("http://", "https://")):
        link = guid
    url = urljoin(base_url, link) if link else ""
    title = _clean_title(entry.get("title", ""))
    summary = html_to_text(entry.get("summary", ""))
    content = "\n".join(
        html_to_text(c.get("value", "")) for c in entry.get("content") or [] if c.get("value")
    )
    if not (url or title or summary):
        return None  # an empty <item/>
    if not guid:
        guid = url or hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
    return FeedItem(
        feed_id=feed.id,
        source=feed.source,
        guid=guid,
        url=url,
        title=title,
        summary=summary,
        content=content,
        published_at=_entry_date(entry, feed_zone(feed.timezone)),
        author=_clean_title(entry.get("author", "")),
        timezone=feed.timezone,
        updated_at=_entry_updated(entry, feed_zone(feed.timezone)),
    )


def parse_feed_full(
    body: bytes, feed: Feed, base_url: str, headers: dict | None = None
) -> ParsedFeed:
    """Parse a feed document; raises ``FeedError`` when nothing usable is in it."""
    if not body or not body.strip():
        raise FeedError("empty response")
    utf8, encoding = _to_utf8(body, headers)
    xml_problem = _check_xml_safety(utf8)
    parsed = feedparser.parse(
        utf8,
        # No content-location: feedparser would then "resolve" opaque GUIDs such as
        # "g1" against the feed URL, and a moved feed would re-announce every item.
        # Links are resolved below with urljoin instead (xml:base is still honoured).
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    entries = parsed.get("entries") or []
    bozo: str | None = None
    if parsed.get("bozo"):
        bozo = _readable(parsed.get("bozo_exception"))
    elif xml_problem:
        bozo = xml_problem
    if not entries:
        head = utf8[:512].lstrip().lower()
        if not parsed.get("version") and (head.startswith((b"<!doctype html", b"<html"))):
            raise FeedError("not a feed (an HTML page)")
        if bozo and not parsed.get("version"):
            raise FeedError(f"unparseable feed: {bozo}")
    items = [it for e in entries if (it := _entry_to_item(e, feed, base_url)) is not None]
    hub = None
    for link in parsed.get("feed", {}).get("links") or []:
        if link.get("rel") == "hub" and link.get("href"):
            hub = urljoin(base_url, link["href"])
            break
    hub = hub or _hub_from_headers(headers)
    return ParsedFeed(
        items=items,
        title=_clean_title(parsed.get("feed", {}).get("title", "")),
        bozo_warning=bozo,
        websub_hub=hub,
        encoding=encoding,
    )


def parse_feed(
    body: bytes, feed: Feed, base_url: str, headers: dict | None = None
) -> list[FeedItem]:
    """Items of a feed document (pure); raises ``FeedError`` on unusable input."""
    return parse_feed_full(body, feed, base_url, headers).items


# -- polling ------------------------------------------------------------------------------


def poll_feed(client: HttpClient, feed: Feed, state: FeedState) -> FeedPoll:
    """Fetch (conditionally) and parse one feed. Never raises for feed problems: failures
    come back as ``status='error'`` with a readable ``error``. ``state`` is not modified;
    apply the result with ``ingest.schedule.record_success/record_failure``."""
    t0 = time.monotonic()
    try:
        page = client.get(feed.url, etag=state.etag, last_modified=state.last_modified)
    except FetchError as exc:
        return FeedPoll(
            feed.id,
            "error",
            etag=state.etag,
            last_modified=state.last_modified,
            error=exc.reason,
            elapsed_s=time.monotonic() - t0,
            retry_after_s=exc.retry_after,
            http_status=exc.status,
        )
    except Exception as exc:  # a bug or an unexpected library error: isolate it
        return FeedPoll(
            feed.id,
            "error",
            etag=state.etag,
            last_modified=state.last_modified,
            error=f"fetch failed: {type(exc).__name__}: {str(exc)[:160]}",
            elapsed_s=time.monotonic() - t0,
        )
    etag = page.headers.get("etag")
    last_modified = page.headers.get("last-modified")
    if page.status == 304:
        return FeedPoll(
            feed.id,
            "not-modified",
            etag=etag or state.etag,
            last_modified=last_modified or state.last_modified,
            elapsed_s=time.monotonic() - t0,
            http_status=304,
            final_url=page.final_url,
            websub_hub=_hub_from_headers(page.headers),
        )
    try:
        parsed = parse_feed_full(page.body, feed, page.final_url, page.headers)
    except FeedError as exc:
        error: str | None = str(exc)
    except Exception as exc:  # feedparser or lxml blew up on something odd
        error = f"parser failed: {type(exc).__name__}: {str(exc)[:160]}"
    else:
        return FeedPoll(
            feed.id,
            "ok",
            items=parsed.items,
            etag=etag,
            last_modified=last_modified,
            bozo_warning=parsed.bozo_warning,
            websub_hub=parsed.websub_hub,
            elapsed_s=time.monotonic() - t0,
            http_status=page.status,
            final_url=page.final_url,
            encoding=parsed.encoding,
        )
    return FeedPoll(
        feed.id,
        "error",
        etag=state.etag,
        last_modified=state.last_modified,
        error=error,
        elapsed_s=time.monotonic() - t0,
        http_status=page.status,
        final_url=page.final_url,
    )


def _safe_host(url: str) -> str:
    try:
        return host_key(url)
    except ValueError:
        return url


def poll_many(
    client: HttpClient,
    feeds: Iterable[Feed],
    states: Mapping[str, FeedState],
    max_workers: int = 8,
    *,
    skip_disabled: bool = True,
) -> Iterator[FeedPoll]:
    """Poll many feeds on a thread pool; yield each ``FeedPoll`` as soon as it is done.

    Scheduling is host-aware: at most ``client.settings.per_host_concurrency`` feeds of one
    host are in flight, and a worker is only handed a feed whose host has a free slot, so a
    slow host never ties up workers that other hosts could use. A slow or failing feed
    costs at most its own timeouts and one worker.
    """
    per_host = max(1, client.settings.per_host_concurrency)
    queues: dict[str, deque[Feed]] = {}
    for feed in feeds:
        state = states.get(feed.id)
        if skip_disabled and state is not None and state.disabled:
            continue
        queues.setdefault(_safe_host(feed.url), deque()).append(feed)
    # `ready` holds one entry per (host, free slot) that has work; round-robin over hosts.
    ready: deque[str] = deque()
    in_ready: dict[str, int] = {}
    for round_ in range(per_host):
        for host, q in queues.items():
            if len(q) > round_:
                ready.append(host)
                in_ready[host] = in_ready.get(host, 0) + 1

    def run(feed: Feed) -> FeedPoll:
        state = states.get(feed.id) or FeedState(feed_id=feed.id)
        try:
            return poll_feed(client, feed, state)
        except Exception as exc:  # poll_feed should not raise; belt and braces
            return FeedPoll(feed.id, "error", error=f"{type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="poll") as pool:
        pending: dict[Future[FeedPoll], str] = {}

        def fill() -> None:
            while ready and len(pending) < max_workers:
                host = ready.popleft()
                in_ready[host] -= 1
                pending[pool.submit(run, queues[host].popleft())] = host

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                host = pending.pop(fut)
                if len(queues[host]) > in_ready[host]:
                    ready.append(host)
                    in_ready[host] += 1
                yield fut.result()
            fill()
