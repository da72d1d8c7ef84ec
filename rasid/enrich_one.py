"""`rasid enrich`: run extraction and processing on one page, file or URL, without indexing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from ingest.encoding import decode_text
from ingest.extract import extract_article
from processing.assemble import assemble_article
from processing.enrich import enrich
from processing.language import detect_language
from rasid.config import Settings
from rasid.records import Article, FeedItem, FetchedPage

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
TEXT_SUFFIXES = {".txt", ".text"}
# Any element, comment or doctype: a file with none is plain text whatever its name
# (seed.md, a file without extension), which trafilatura would find nothing in.
_TAG = re.compile(r"<(?:[A-Za-z][\w:-]*|/[A-Za-z][\w:-]*|!--|!doctype)[\s/>]", re.I)


class EnrichError(Exception):
    """Why this file or URL cannot be enriched, in one line for the user."""


def _size(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n / 1000:g} kB"


def _text_page(text: str) -> tuple[str, str]:
    """A text article: first non-empty line is the title, the rest the body."""
    lines = text.strip().splitlines()
    return (lines[0].strip() if lines else ""), "\n".join(lines[1:]).strip()


def _read_local(target: str, max_bytes: int) -> bytes:
    path = Path(target)
    if not path.exists():
        raise EnrichError(f"no such file: {target}")
    if path.is_dir():
        raise EnrichError(f"{target} is a directory: give one HTML page or text file")
    try:
        with path.open("rb") as fh:
            # Read one byte past the cap rather than trust st_size (pipes, /dev files).
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise EnrichError(f"cannot read {target}: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        # Enrichment time grows faster than the text: an 18 MB file ran for over 10 minutes.
        raise EnrichError(
            f"{target} is larger than {_size(max_bytes)}, the limit on a page"
            " (http.max_bytes in config/rasid.yaml)"
        )
    return raw


def _fetch(target: str, settings: Settings) -> FetchedPage:
    from ingest.http import FetchError, HttpClient
    from rasid.pipeline import http_settings

    try:
        with HttpClient(http_settings(settings)) as client:
            return client.get(target)
    except FetchError as exc:
        hint = ""
        if "private address" in exc.reason:
            hint = (
                "; set RASID_ALLOW_PRIVATE_NETWORKS=1 to allow private, loopback and"
                " link-local addresses"
            )
        raise EnrichError(f"cannot fetch {target}: {exc.reason}{hint}") from exc


def enrich_path_or_url(target: str, settings: Settings) -> Article:
    """Raises EnrichError when the target cannot be read or holds no text."""
    now = datetime.now(UTC)
    if target.startswith(("http://", "https://")):
        page, url = _fetch(target, settings), target
    else:
        raw = _read_local(target, settings.http.max_bytes)
        decoded = decode_text(raw)
        if decoded is None:
            raise EnrichError(f"{target} is not a text or HTML file (binary data)")
        text = decoded[0]
        if not text.strip():
            raise EnrichError(f"{target} is empty")
        url = Path(target).resolve().as_uri()
        suffix = Path(target).suffix.lower()
        if suffix not in HTML_SUFFIXES and (suffix in TEXT_SUFFIXES or not _TAG.search(text)):
            title, body = _text_page(text)
            return _finish(FeedItem("local", "local", url, url, title=title), title, body, now)
        page = FetchedPage(url=url, final_url=url, status=200, body=raw)
    item = FeedItem(feed_id="local", source="local", guid=url, url=url)
    extracted = extract_article(page, item, min_chars=settings.min_body_chars)
    if not extracted.title.strip() and not extracted.body.strip():
        raise EnrichError(f"no text found in {target}")
    art = assemble_article(item, extracted, lang=detect_language(extracted.title, extracted.body),
                           fetched_at=now)  # fmt: skip
    return _enriched(art)


def _finish(item: FeedItem, title: str, body: str, now: datetime) -> Article:
    from processing.urls import canonical_url
    from rasid.records import article_id

    art = Article(
        id=article_id(canonical_url(item.url)), url=item.url, canonical_url=item.url,
        source="local", feed_id="local", title=title, body=body,
        lang=detect_language(title, body), fetched_at=now, extraction="text-file",
    )  # fmt: skip
    return _enriched(art)


def _enriched(art: Article) -> Article:
    if art.lang != "ar":
        # As in the pipeline: the tagger, gazetteers and claim cues are Arabic; on English
        # or French they turn whole sentences into organisations.
        return art
    enr = enrich(art.title, art.body)
    art.entities, art.places, art.claims = enr.entities, enr.places, enr.claims
    return art
