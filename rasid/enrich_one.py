"""`rasid enrich`: run extraction and processing on one page, file or URL, without indexing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ingest.extract import extract_article
from processing.assemble import assemble_article
from processing.enrich import enrich
from processing.language import detect_language
from rasid.config import Settings
from rasid.records import Article, FeedItem, FetchedPage


def _text_file_page(path: Path) -> tuple[str, str]:
    """A .txt article: first non-empty line is the title, the rest the body."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    return (lines[0].strip() if lines else ""), "\n".join(lines[1:]).strip()


def enrich_path_or_url(target: str, settings: Settings) -> Article:
    now = datetime.now(UTC)
    if target.startswith(("http://", "https://")):
        from ingest.http import HttpClient
        from rasid.pipeline import http_settings

        with HttpClient(http_settings(settings)) as client:
            page = client.get(target)
        url = target
    else:
        path = Path(target)
        if not path.exists():
            raise SystemExit(f"rasid enrich: no such file: {target}")
        url = path.resolve().as_uri()
        if path.suffix.lower() in {".txt", ".text"}:
            title, body = _text_file_page(path)
            return _finish(FeedItem("local", "local", url, url, title=title), title, body, now)
        page = FetchedPage(url=url, final_url=url, status=200, body=path.read_bytes())
    item = FeedItem(feed_id="local", source="local", guid=url, url=url)
    extracted = extract_article(page, item, min_chars=settings.min_body_chars)
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
    enr = enrich(art.title, art.body)
    art.entities, art.places, art.claims = enr.entities, enr.places, enr.claims
    return art
