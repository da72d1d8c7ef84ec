"""Serve the demo corpus on loopback, the way real news sites answer.

    with serve_corpus() as server:          # port 0: the OS picks a free port
        feeds = server.feeds()              # list[rasid.records.Feed]
        server.publish("sahara-main", "عنوان", "فقرة أولى.\\n\\nفقرة ثانية.")

    python -m demo.server --port 8765        # foreground, Ctrl-C to stop

Behaviour on purpose:
- feeds carry ETag and Last-Modified and answer 304 to If-None-Match / If-Modified-Since;
- ``mutawassit-breaking`` always answers 500;
- the windows-1256 page is sent as raw bytes with ``Content-Type: text/html`` (no charset);
- the query string is ignored when routing, so ``?utm_source=…`` reaches the same page.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from demo import render
from rasid.records import Feed

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


# ----------------------------------------------------------------------------- corpus


def load_manifest(corpus_dir: Path | None = None) -> dict[str, Any]:
    root = corpus_dir or CORPUS_DIR
    return json.loads((root / "manifest.json").read_text(encoding="utf-8"))


# The outlets' local zones: some pages print local time with no zone (feed `timezone:`).
_ZONES = {
    "LY": "Africa/Tripoli",
    "LB": "Asia/Beirut",
    "EG": "Africa/Cairo",
    "AE": "Asia/Dubai",
    "SD": "Africa/Khartoum",
    "QA": "Asia/Qatar",
    "TN": "Africa/Tunis",
}


def demo_feeds(base_url: str, corpus_dir: Path | None = None) -> list[Feed]:
    """Every demo feed as a Feed record, including the one that answers 500."""
    base = base_url.rstrip("/")
    manifest = load_manifest(corpus_dir)
    return [
        Feed(
            id=f["id"],
            name=f["name"],
            url=f"{base}/{f['path']}",
            source=f["outlet"],
            lang="ar",
            timezone=_ZONES.get(manifest["outlets"][f["outlet"]].get("country", "")),
        )
        for f in manifest["feeds"]
    ]


def feeds_yaml(base_url: str, corpus_dir: Path | None = None) -> str:
    """The feeds file Rasid reads: a top-level ``feeds:`` list of {id, name, url, source,
    timezone}."""
    rows = [
        {"id": f.id, "name": f.name, "url": f.url, "source": f.source, "timezone": f.timezone}
        for f in demo_feeds(base_url, corpus_dir)
    ]
    return yaml.safe_dump({"feeds": rows}, allow_unicode=True, sort_keys=False)


def write_feeds_yaml(path: str | Path, base_url: str, corpus_dir: Path | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(feeds_yaml(base_url, corpus_dir), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- server


@dataclass(slots=True)
class _Resource:
    content_type: str
    template: bytes  # with {{BASE}} placeholders
    last_modified: datetime
    status: int = 200
    body: bytes = b""  # template with the real base URL, computed once
    etag: str = ""


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip() for t in header.split(",")]
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CorpusServer:
    """The demo corpus behind a threaded stdlib HTTP server on a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, corpus_dir: Path | None = None):
        if not _is_loopback(host):
            raise ValueError(f"the demo server only binds loopback addresses, not {host!r}")
        self.corpus_dir = Path(corpus_dir) if corpus_dir else CORPUS_DIR
        self.manifest = load_manifest(self.corpus_dir)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.corpus = self  # type: ignore[attr-defined]
        self.host, self.port = self._httpd.server_address[:2]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._published = 0
        self._status_override: dict[str, int] = {}
        self.requests: deque[tuple[str, str, int]] = deque(maxlen=10_000)  # method, path, status
        self._resources: dict[str, _Resource] = {}
        self._feeds = {f["id"]: f for f in self.manifest["feeds"]}
        self._feed_templates: dict[str, str] = {}
        self._load()

    # -- setup

    def _load(self) -> None:
        for f in self.manifest["feeds"]:
            if f["status"] != 200:
                self._resources[f["path"]] = _Resource(
                    "text/plain; charset=utf-8",
                    b"Internal Server Error\n",
                    datetime(2024, 1, 1, tzinfo=UTC),
                    status=f["status"],
                )
                continue
            template = (self.corpus_dir / f["file"]).read_text(encoding="utf-8")
            self._feed_templates[f["id"]] = template
            lm = parsedate_to_datetime(f["last_modified"])
            self._put(f["path"], f["content_type"], template.encode("utf-8"), lm)
        for a in self.manifest["articles"]:
            raw = (self.corpus_dir / a["file"]).read_bytes()
            self._put(a["path"], a["content_type"], raw, render.parse_dt(a["published"]))

    def _put(self, path: str, content_type: str, template: bytes, last_modified: datetime) -> None:
        # {{BASE}} is ASCII, so the replacement is safe in any ASCII-compatible encoding.
        body = template.replace(render.BASE.encode("ascii"), self.base_url.encode("ascii"))
        self._resources[path] = _Resource(
            content_type, template, last_modified, body=body, etag=_etag(body)
        )

    # -- lifecycle

    def start(self) -> CorpusServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"demo-corpus-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> CorpusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what is served

    def feeds(self) -> list[Feed]:
        return demo_feeds(self.base_url, self.corpus_dir)

    def write_feeds_yaml(self, path: str | Path) -> Path:
        return write_feeds_yaml(path, self.base_url, self.corpus_dir)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def feed_url(self, feed_id: str) -> str:
        return self.url(self._feeds[feed_id]["path"])

    def article_url(self, key: str) -> str:
        for a in self.manifest["articles"]:
            if a["key"] == key:
                return self.url(a["path"])
        raise KeyError(key)

    def set_feed_status(self, feed_id: str, status: int | None) -> None:
        """Make a feed answer ``status`` (e.g. 503) until reset with ``None`` (fault tests)."""
        path = self._feeds[feed_id]["path"]
        with self._lock:
            if status is None:
                self._status_override.pop(path, None)
            else:
                self._status_override[path] = status

    def publish(
        self,
        feed_id: str,
        title: str,
        body: str | list[str],
        *,
        summary: str | None = None,
        author: str = "",
        category: str = "",
        published_at: datetime | None = None,
        lang: str = "ar",
    ) -> str:
        """Put a new article page on the server and its item at the top of the feed.

        ``body`` is a list of paragraphs or one string with blank lines between them.
        Returns the article URL. The feed's ETag and Last-Modified change at once.
        """
        feed = self._feeds[feed_id]
        if feed["status"] != 200:
            raise ValueError(f"feed {feed_id} is a broken-on-purpose feed; publish elsewhere")
        outlet = self.manifest["outlets"][feed["outlet"]]
        paragraphs = (
            [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
            if isinstance(body, str)
            else list(body)
        )
        now = datetime.now(UTC).replace(microsecond=0)
        published = published_at or now
        with self._lock:
            self._published += 1
            n = self._published
            path = f"{feed['outlet']}/live/{n}.html"
            article = {
                "key": f"{feed['outlet']}-live-{n}",
                "title": title,
                "summary": summary or re.split(r"(?<=[.!؟])\s+", paragraphs[0])[0],
                "author": author or outlet["name"],
                "section": category or outlet["sections"][0],
                "published": published.isoformat(),
                "paragraphs": paragraphs,
                "path": path,
                "lang": lang,
                "tags": [],
            }
            page = render.render_page(article, outlet)
            self._put(path, "text/html; charset=utf-8", page.encode("utf-8"), published)
            url = render.article_url(article)
            item = {
                "title": title,
                "url": url,
                "guid": url,
                "published": published,
                "author": article["author"],
                "category": article["section"],
                "summary": article["summary"],
                "paragraphs": paragraphs,
            }
            template = render.insert_item(self._feed_templates[feed_id], feed, item)
            self._feed_templates[feed_id] = template
            # Last-Modified must move forward even within the same second, or a client
            # that echoes it back in If-Modified-Since would get a 304 for new content.
            previous = self._resources[feed["path"]].last_modified
            modified = max(now, previous + timedelta(seconds=1))
            self._put(feed["path"], feed["content_type"], template.encode("utf-8"), modified)
        return self.url(path)

    # -- request handling (called from handler threads)

    def respond(self, method: str, target: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        path = unquote(urlsplit(target).path).lstrip("/")
        with self._lock:
            res = self._resources.get(path)
            override = self._status_override.get(path)
        if override is not None:
            return override, {"Content-Type": "text/plain; charset=utf-8"}, b"unavailable\n"
        if res is None:
            page = self._index(path)
            if page is None:
                return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        if res.status != 200:
            return res.status, {"Content-Type": res.content_type}, res.template
        out = {
            "Content-Type": res.content_type,
            "ETag": res.etag,
            "Last-Modified": render.http_date(res.last_modified),
            "Cache-Control": "max-age=0, must-revalidate",
        }
        inm = headers.get("If-None-Match")
        ims = headers.get("If-Modified-Since")
        if inm is not None:
            if _etag_matches(inm, res.etag):
                return 304, out, b""
        elif ims is not None:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                since = None
            if since is not None and since.tzinfo is not None and res.last_modified <= since:
                return 304, out, b""
        return 200, out, res.body

    def _index(self, path: str) -> bytes | None:
        """Small home pages for people browsing the demo (not used by the pipeline)."""
        outlets = self.manifest["outlets"]
        if path == "":
            rows = "".join(
                f'<li><a href="/{escape(f["path"])}">{escape(f["name"])}</a> '
                f"({f['format']}, {f['id']}"
                f"{'' if f['status'] == 200 else ', HTTP ' + str(f['status'])})</li>"
                for f in self.manifest["feeds"]
            )
            title = "راصد — المدونة التجريبية"
        elif path.rstrip("/") in outlets:
            outlet_id = path.rstrip("/")
            title = outlets[outlet_id]["name"]
            rows = "".join(
                f'<li><a href="/{escape(a["path"])}">{escape(a["title"])}</a></li>'
                for a in self.manifest["articles"]
                if a["outlet"] == outlet_id
            )
        else:
            return None
        html = (
            f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>"
            f"<ul>{rows}</ul></body></html>\n"
        )
        return html.encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RasidDemo/1.0"
    # Headers and body leave in two writes; with Nagle on, a keep-alive client waits ~40 ms
    # for the delayed ACK on every response, which would swamp freshness measurements.
    disable_nagle_algorithm = True

    def _serve(self, with_body: bool) -> None:
        corpus: CorpusServer = self.server.corpus  # type: ignore[attr-defined]
        status, headers, body = corpus.respond(self.command, self.path, self.headers)
        corpus.requests.append((self.command, self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet by default; CorpusServer.requests keeps a log


def serve_corpus(
    host: str = "127.0.0.1", port: int = 0, corpus_dir: Path | None = None
) -> CorpusServer:
    """Start serving the corpus in a background thread; use as a context manager or .stop()."""
    return CorpusServer(host, port, corpus_dir).start()


# ----------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Rasid demo corpus on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--feeds-yaml", type=Path, default=None, help="also write a feeds file")
    args = parser.parse_args(argv)
    server = serve_corpus(args.host, args.port, args.corpus)
    print(f"demo corpus at {server.base_url}/", flush=True)
    for feed in server.feeds():
        print(f"  {feed.id:22} {feed.url}", flush=True)
    if args.feeds_yaml:
        print(f"feeds file: {server.write_feeds_yaml(args.feeds_yaml)}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
