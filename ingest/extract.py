"""Article extraction: decoded HTML -> title, body and metadata, with a recorded fallback path.

trafilatura does the body; page metadata (canonical URL, og:image, publication time, author,
language) is read from the same parsed tree. When the page yields too little text (paywall,
JavaScript-only page, failed fetch of a feed-only item), the feed's own content or summary
stands in, and ``method`` says which path produced the body.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

import trafilatura
from trafilatura.utils import load_html

from ingest.dates import feed_zone, parse_date
from ingest.encoding import decode_html
from ingest.site_templates import SiteTemplates
from rasid.records import FeedItem, FetchedPage

# Options measured on the gold pages (see docs/ingestion.md): comments off, precision on.
TRAFILATURA_OPTIONS: dict = {
    "include_comments": False,
    "favor_precision": True,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
}


@dataclass
class Extracted:
    title: str
    body: str
    lang_hint: str | None
    published_at: datetime | None
    author: str
    canonical_url: str | None
    image: str | None
    method: str  # 'trafilatura' | 'feed-content' | 'feed-summary'
    encoding: str
    published_raw: str | None = None  # the date as the page wrote it (keeps its offset)


# -- boilerplate post-filter --------------------------------------------------------------

# Cues of site furniture that trafilatura sometimes keeps at the edges of the body: comment
# policies, disclaimers, copyright, "read also", app and social-media plugs.
_BOILERPLATE_CUES = re.compile(
    "|".join(
        [
            r"التعليقات",
            r"تعليقك",
            r"سياسة الخصوصية",
            r"شروط (?:ال)?استخدام",
            r"إرشادات الاستخدام",
            r"لا (?:تعبر|تعبّر) (?:بالضرورة )?عن رأي",
            r"الآراء الواردة",
            r"جميع الحقوق محفوظة",
            r"(?:إ|ا)قرأ (?:أ|ا)يضا",
            r"تابعونا على",
            r"تابعوا .{0,20} على",
            r"اشترك(?:وا)? في",
            r"حمّ?ل تطبيق",
            r"للمزيد من الأخبار",
            r"(?:أ|ا)رسل لصديق",
            r"all rights reserved",
            r"copyright",
            r"©",
            r"terms of (?:use|service)",
            r"privacy policy",
        ]
    ),
    re.I,
)


def _is_boilerplate(line: str) -> bool:
    cues = len(_BOILERPLATE_CUES.findall(line))
    # A long paragraph needs two cues: news text may mention "التعليقات" once.
    return cues >= (2 if len(line) > 200 else 1)


def trim_boilerplate(body: str, max_edge_lines: int = 4) -> str:
    """Drop boilerplate lines at the head and tail of a body (never in the middle, where a
    cue word is more likely to be news than furniture)."""
    lines = [ln for ln in body.splitlines() if ln.strip()]
    if len(lines) < 2:
        return body.strip()
    start, end = 0, len(lines)
    while start < min(max_edge_lines, end - 1) and _is_boilerplate(lines[start]):
        start += 1
    dropped = 0
    while end - 1 > start and dropped < max_edge_lines and _is_boilerplate(lines[end - 1]):
        end -= 1
        dropped += 1
    return "\n".join(lines[start:end])


# -- page metadata ------------------------------------------------------------------------

_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)


def _meta_index(tree) -> dict[str, str]:
    """``<meta>`` contents by lower-cased property, name or itemprop (the first non-empty
    one wins), read in one pass over the page."""
    index: dict[str, str] = {}
    for el in tree.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key:
                index.setdefault(key.strip().lower(), content)
    return index


def _meta(index: dict[str, str], *names: str) -> str | None:
    return next((index[n] for n in names if n in index), None)


def _json_ld_dates(tree) -> list[str]:
    out = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()")[:10]:
        try:
            data = json.loads(script)
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    out.append(node["datePublished"])
                stack.extend(v for v in node.values() if isinstance(v, dict | list))
            elif isinstance(node, list):
                stack.extend(node)
    return out


@dataclass
class PageMeta:
    canonical_url: str | None = None
    image: str | None = None
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    published_raw: str | None = None
    lang: str | None = None


def page_metadata(tree, base_url: str, zone: tzinfo | None = None) -> PageMeta:
    """Metadata a news page declares about itself (canonical link, Open Graph, JSON-LD).
    ``zone`` is how to read a date written with no zone (the feed's ``timezone:``)."""
    meta = PageMeta()
    metas = _meta_index(tree)
    canon = tree.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href")
    if canon and canon[0].strip():
        meta.canonical_url = urljoin(base_url, canon[0].strip())
    else:
        og_url = _meta(metas, "og:url")
        meta.canonical_url = urljoin(base_url, og_url) if og_url else None
    image = _meta(metas, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    meta.image = urljoin(base_url, image) if image else None
    meta.title = _meta(metas, "og:title", "twitter:title")
    meta.author = _meta(metas, "author", "article:author", "dc.creator", "sailthru.author")
    if meta.author and meta.author.startswith(("http://", "https://")):
        meta.author = None  # article:author is often a profile URL, not a name
    # JSON-LD first: it usually keeps the outlet's own UTC offset (the local calendar date).
    for raw in [*_json_ld_dates(tree), _meta(metas, *_DATE_META)]:
        found = parse_date(raw, default_tz=zone) if raw else None
        if found:
            meta.published_at, meta.published_raw = found, raw
            break
    langs = tree.xpath("/html/@lang") or tree.xpath("//html/@lang")
    lang = (langs[0] if langs else "") or (_meta(metas, "og:locale", "content-language") or "")
    meta.lang = (re.split(r"[-_]", lang.strip().lower())[0] or None) if lang.strip() else None
    return meta


# -- main entry ---------------------------------------------------------------------------


def _header(headers: dict, name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def _parse_tree(text: str):
    try:
        return load_html(text)
    except Exception:  # lxml refuses some pathological input; treat as no page
        return None


def extract_article(
    page: FetchedPage,
    item: FeedItem | None = None,
    min_chars: int = 200,
    templates: SiteTemplates | None = None,
) -> Extracted:
    """Extract one article (no I/O). Never raises for bad HTML; falls back to the feed
    item's content, then its summary, when the page gives less than ``min_chars``.

    With ``templates`` (state shared by the caller's process), a page of a host whose
    template has been learned is read by that template instead of trafilatura
    (``method`` 'site-template'), and trafilatura's results teach the registry."""
    text, encoding = decode_html(page.body or b"", page.headers)
    tree = _parse_tree(text) if text.strip() else None
    zone = feed_zone(item.timezone) if item is not None else None
    meta = page_metadata(tree, page.final_url, zone) if tree is not None else PageMeta()
    body, title, author, date_text = "", "", "", None
    method = "trafilatura"
    # host:port names a site (a port may be another site on one address)
    host = urlsplit(page.final_url).netloc.rpartition("@")[2].lower() if templates else ""
    fast = None
    if templates is not None and host and tree is not None:
        fast = templates.extract(host, tree, meta.title)
    if fast is not None and len(body := trim_boilerplate(fast.body)) >= min_chars:
        title, method = fast.title, "site-template"
    elif tree is not None:
        body = ""
        try:
            doc = trafilatura.bare_extraction(
                tree, url=page.final_url, with_metadata=True, **TRAFILATURA_OPTIONS
            )
        except Exception:  # trafilatura bugs on odd markup must not stop the pipeline
            doc = None
        if doc is not None:
            body = trim_boilerplate(doc.text or "")
            title = doc.title or ""
            author = doc.author or ""
            date_text = doc.date
            if templates is not None and host and doc.text:
                templates.observe(host, tree, doc.text, title, meta.title)

    if len(body) < min_chars and item is not None:
        # Prefer whichever is longest among page text, feed content, feed summary.
        candidates = [
            (len(item.content), "feed-content", item.content),
            (len(item.summary), "feed-summary", item.summary),
        ]
        best_len, best_method, best_text = max(candidates, key=lambda c: c[0])
        if best_len > len(body):
            body, method = best_text.strip(), best_method

    published, published_raw = meta.published_at, meta.published_raw
    if published is None and item is not None and item.published_at is not None:
        published, published_raw = item.published_at, item.published_at.isoformat()
    if published is None and date_text:
        published, published_raw = parse_date(date_text, default_tz=zone), date_text

    lang = meta.lang
    if not lang:
        header_lang = _header(page.headers, "content-language")
        lang = header_lang.split(",")[0].split("-")[0].strip().lower() if header_lang else None

    return Extracted(
        title=(title or meta.title or (item.title if item else "")).strip(),
        body=body,
        lang_hint=lang,
        published_at=published,
        author=(author or meta.author or (item.author if item else "") or "").strip(),
        canonical_url=meta.canonical_url,
        image=meta.image,
        method=method,
        encoding=encoding,
        published_raw=published_raw,
    )


# -- optional raw archive -----------------------------------------------------------------


def compress_html(body: bytes, level: int = 6) -> bytes:
    """Raw page bytes, gzip-compressed for archiving (Arabic news HTML shrinks ~5-8x)."""
    return gzip.compress(body, compresslevel=level, mtime=0)


def decompress_html(blob: bytes) -> bytes:
    return gzip.decompress(blob)
