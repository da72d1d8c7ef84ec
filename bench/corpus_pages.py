# ruff: noqa: E501  (HTML templates read better on one line each)
"""SaudiNewsNet articles as a small web: realistic news pages and RSS feeds on loopback.

Used by the pipeline benchmark and the reliability suite. Three page templates imitate
what Arab news CMSs serve: a modern HTML5 portal (JSON-LD, Open Graph, mega-menu), a
legacy table/``<br>`` CMS, and a WordPress theme with reader comments. Every page carries
the furniture an extractor has to discard: menus, breaking-news ticker, breadcrumbs,
share bars, "read also" inserts, related and most-read lists, newsletter box, comments,
footers, inline scripts and styles.

Each outlet is served on its own loopback port (so per-host politeness limits apply per
outlet, as on the real web). Absolute URLs are written with the ``{{BASE}}`` placeholder
and filled in by the server with the base URL of the port that answers.

    python -m bench.corpus_pages build DIR --limit 300      # render to a folder
    python -m bench.corpus_pages serve DIR [--page-delay 0.2] # serve it; prints feeds.yaml path
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE = "{{BASE}}"
_BASE_BYTES = BASE.encode()
RIYADH = timezone(timedelta(hours=3))

OUTLET_NAMES = {
    "aawsat": "الشرق الأوسط",
    "alweeam": "الوئام",
    "sabq": "سبق",
    "aleqtisadiya": "الاقتصادية",
    "almadina": "المدينة",
    "okaz": "عكاظ",
    "alyaum": "اليوم",
    "aljazirah": "الجزيرة",
    "arreyadi": "الرياضي",
    "alwatan": "الوطن",
    "alriyadh": "الرياض",
    "3alyoum": "عين اليوم",
    "alsharq": "الشرق",
    "albiladdaily": "البلاد",
}
SECTIONS = ("محليات", "سياسة", "اقتصاد", "رياضة", "ثقافة وفنون", "منوعات", "تقنية", "صحة",
            "رأي", "العالم", "الخليج", "تحقيقات", "فيديو", "صور", "كاريكاتير")  # fmt: skip
TEMPLATES = ("portal", "legacy", "wordpress")


# --- the articles -------------------------------------------------------------------------
@dataclass
class NewsItem:
    source: str
    url: str  # the original URL (kept for reference; never fetched)
    published: datetime
    title: str
    author: str
    content: str

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.content.split("\n") if p.strip()]

    @property
    def summary(self) -> str:
        first = self.paragraphs[0] if self.paragraphs else ""
        return first if len(first) <= 240 else first[:240].rsplit(" ", 1)[0] + "…"


def load_saudinewsnet(
    data_dir: Path, limit: int | None = None, *, min_chars: int = 300
) -> list[NewsItem]:
    """Articles from the day files (JSON arrays in zips), in file order; with ``limit``,
    an even stride over all days and outlets. Items with less than ``min_chars`` of text
    are left out: below the pipeline's ``min_body_chars`` it takes a different path."""
    items: list[NewsItem] = []
    seen: set[str] = set()
    for path in sorted(data_dir.glob("*.zip")):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                for raw in json.loads(zf.read(name)):
                    content = (raw.get("content") or "").strip()
                    title = (raw.get("title") or "").strip()
                    if len(content) < min_chars or not title or raw["url"] in seen:
                        continue
                    seen.add(raw["url"])
                    items.append(
                        NewsItem(
                            source=raw["source"],
                            url=raw["url"],
                            published=datetime.fromisoformat(raw["date_extracted"]).replace(
                                tzinfo=RIYADH
                            ),
                            title=title,
                            author=(raw.get("author") or "").strip(),
                            content=content,
                        )
                    )
    if limit is not None and limit < len(items):
        step = len(items) / limit
        items = [items[int(i * step)] for i in range(limit)]
    return items


_TEXT = (
    "أعلنت وزارة الصحة اليوم عن خطة جديدة لتطوير المستشفيات في المناطق الشمالية والجنوبية "
    "وقال المتحدث الرسمي إن المشروع يشمل بناء مراكز طبية حديثة وتدريب الكوادر الوطنية "
    "وأكد مجلس الوزراء في جلسته الأسبوعية أهمية دعم القطاع الخاص وتنويع مصادر الدخل "
    "وشهدت الأسواق المالية ارتفاعا ملحوظا في أسعار الأسهم بعد صدور نتائج الربع الثاني "
    "وبحث الجانبان سبل تعزيز التعاون الاقتصادي والتجاري بين البلدين الشقيقين في مختلف المجالات "
    "وأوضح التقرير أن معدلات النمو تجاوزت التوقعات بفضل ارتفاع الصادرات غير النفطية"
)
_WORDS = tuple(_TEXT.split())
_PLACES = ("الرياض", "جدة", "الدمام", "مكة المكرمة", "المدينة المنورة", "أبها", "تبوك", "القاهرة",
           "دبي", "عمّان", "بيروت", "طرابلس", "الكويت", "المنامة", "مسقط", "الدوحة")  # fmt: skip


def synthetic_items(n: int, *, seed: int = 0, sources: int = 4) -> list[NewsItem]:
    """Distinct Arabic articles for tests that must not depend on ../shared."""
    rng = random.Random(seed)
    start = datetime(2015, 7, 21, 8, 0, tzinfo=RIYADH)
    names = list(OUTLET_NAMES)[:sources]
    out = []
    for i in range(n):
        place = _PLACES[i % len(_PLACES)]
        paras = []
        for _ in range(rng.randint(4, 7)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(25, 45))]
            words.insert(rng.randrange(len(words)), place)
            paras.append(" ".join(words) + ".")
        out.append(
            NewsItem(
                source=names[i % len(names)],
                url=f"synthetic://{i}",
                published=start + timedelta(minutes=7 * i),
                title=f"{place}: {' '.join(rng.choice(_WORDS) for _ in range(6))} ({i})",
                author=rng.choice(["", "محمد العتيبي", "سارة القحطاني", "واس"]),
                content="\n".join(paras),
            )
        )
    return out


# --- pages --------------------------------------------------------------------------------
def template_of(source: str) -> str:
    return TEMPLATES[int(hashlib.md5(source.encode()).hexdigest(), 16) % len(TEMPLATES)]


def _filler_script(source: str) -> str:
    # Inline analytics/ads bootstrap, as every real page has; sized like the real thing.
    cfg = ",".join(f'"slot_{i}":{{"id":"div-gpt-ad-{source}-{i}","sizes":[[300,250],[728,90]]}}'
                   for i in range(24))  # fmt: skip
    return (
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
        "gtag('js',new Date());gtag('config','G-XXXXXXX');"
        f"var adSlots={{{cfg}}};"
        "(function(d,s){var t=d.createElement(s);t.async=1;t.src='/static/ads.js';"
        "d.getElementsByTagName('head')[0].appendChild(t);})(document,'script');</script>"
        + _APP_STATE
    )


# Client-side app state (a __NEXT_DATA__-style blob): the bulk of a modern news page's bytes.
def _app_state() -> str:
    menu = []
    for i in range(60):
        children = ",".join(f'{{"id":{i * 100 + j},"path":"/s/{i}/{j}"}}' for j in range(12))
        menu.append(
            f'{{"id":{i},"slug":"section-{i}","title":"{SECTIONS[i % len(SECTIONS)]}","children":[{children}]}}'
        )
    return (
        '<script id="__APP_STATE__" type="application/json">{"props":{"menu":['
        + ",".join(menu)
        + "]}}</script>"
    )


_APP_STATE = _app_state()


_CSS = (
    "<style>"
    + "".join(
        f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 37 % 4096:03x};font-size:{12 + i % 6}px}}"
        for i in range(160)
    )
    + "</style>"
)


def _nav(source: str) -> str:
    entries = []
    for i, name in enumerate(SECTIONS):
        sub = "".join(
            f'<li><a href="/{source}/section/{i}/{j}">{escape(name)} {j}</a></li>'
            for j in range(1, 4)
        )
        entries.append(
            f'<li class="menu-item"><a href="/{source}/section/{i}">{escape(name)}</a>'
            f'<ul class="sub-menu">{sub}</ul></li>'
        )
    return (
        f'<nav class="main-nav" role="navigation"><ul class="menu">'
        f'<li><a href="/{source}/">الرئيسية</a></li>{"".join(entries)}</ul></nav>'
    )


def _links(items: Iterable[tuple[str, NewsItem]], teaser: bool = False) -> str:
    lis = []
    for path, it in items:
        extra = f'<p class="teaser">{escape(it.summary[:140])}</p>' if teaser else ""
        lis.append(f'<li><a href="{BASE}/{path}">{escape(it.title)}</a>{extra}</li>')
    return "".join(lis)


def _more_news(items: Iterable[tuple[str, NewsItem]], source: str) -> str:
    """The teaser grid under the article ("more news"): image, headline, section, date."""
    cards = "".join(
        f'<div class="card"><div class="card-media"><a href="{BASE}/{path}">'
        f'<img src="/{source}/img/{k}.jpg" alt="{escape(it.title)}" loading="lazy"></a></div>'
        f'<div class="card-body"><h3 class="card-title"><a href="{BASE}/{path}">{escape(it.title)}</a></h3>'
        f'<span class="card-cat"><a href="/{source}/section/{k % len(SECTIONS)}">{SECTIONS[k % len(SECTIONS)]}</a></span>'
        f'<span class="card-date">{it.published:%Y/%m/%d}</span></div></div>'
        for k, (path, it) in enumerate(items)
    )
    return f'<section class="more-news"><h2>المزيد من الأخبار</h2><div class="grid">{cards}</div></section>'


def _footer(source: str, site: str) -> str:
    cols = "".join(
        f'<div class="col"><h4>{escape(s)}</h4><ul>'
        + "".join(
            f'<li><a href="/{source}/section/{i}/{j}">{escape(s)} {j}</a></li>' for j in range(1, 5)
        )
        + "</ul></div>"
        for i, s in enumerate(SECTIONS[:8])
    )
    return (
        f'<footer class="site-footer"><div class="cols">{cols}</div>'
        '<ul class="legal"><li><a href="/about">من نحن</a></li><li><a href="/contact">اتصل بنا</a></li>'
        '<li><a href="/ads">أعلن معنا</a></li><li><a href="/terms">شروط الاستخدام</a></li>'
        '<li><a href="/privacy">سياسة الخصوصية</a></li></ul>'
        f"<p>جميع الحقوق محفوظة © {site} 2015 — تابعونا على تويتر وفيسبوك ويوتيوب</p>"
        f'<div class="apps">حمّل تطبيق {site} على الهواتف الذكية</div></footer>'
    )


def _comments(rng: random.Random, n: int) -> str:
    names = ("أبو محمد", "مواطن", "سعد", "نورة", "زائر", "خالد الشمري")
    texts = ("الله يوفقهم ويعينهم على ما فيه خير البلاد والعباد",
             "خبر جميل لكن نتمنى التطبيق على أرض الواقع وليس مجرد تصريحات",
             "أين الرقابة؟ هذا الكلام نسمعه كل سنة ولا شيء يتغير",
             "شكرا للكاتب على هذا الطرح المميز")  # fmt: skip
    items = "".join(
        f'<li class="comment"><div class="comment-author">{rng.choice(names)}</div>'
        f'<div class="comment-body"><p>{rng.choice(texts)}</p></div>'
        f'<a class="reply" href="#respond">رد</a></li>'
        for _ in range(n)
    )
    return (
        f'<div id="comments" class="comments-area"><h3 class="comments-title">{n} تعليقات</h3>'
        f'<ol class="comment-list">{items}</ol><div id="respond"><h3>أضف تعليقك</h3>'
        '<form><textarea name="comment"></textarea><button>إرسال</button></form></div></div>'
    )


def _body_paragraphs(item: NewsItem, read_also: tuple[str, NewsItem] | None, legacy: bool) -> str:
    paras = item.paragraphs
    parts = []
    for i, p in enumerate(paras):
        parts.append(f"{escape(p)}<br><br>" if legacy else f"<p>{escape(p)}</p>")
        if i == 1 and read_also is not None and len(paras) > 3:
            path, other = read_also
            parts.append(
                f'<div class="read-also"><strong>اقرأ أيضا:</strong> '
                f'<a href="{BASE}/{path}">{escape(other.title)}</a></div>'
            )
        if i == 2 and len(paras) > 4:
            parts.append('<div class="ad-inline" data-slot="in-article">إعلان</div>')
    return "\n".join(parts)


def render_page(
    item: NewsItem,
    path: str,
    related: list[tuple[str, NewsItem]],
    popular: list[tuple[str, NewsItem]],
    more: list[tuple[str, NewsItem]] = (),  # type: ignore[assignment]
) -> str:
    """One article page of ``item`` in its outlet's template; deterministic per path."""
    rng = random.Random(path)
    source = item.source
    site = escape(OUTLET_NAMES.get(source, source))
    title = escape(item.title)
    url = f"{BASE}/{path}"
    iso = item.published.isoformat()
    visible_date = f"{item.published:%Y/%m/%d} - {item.published:%H:%M}"
    author = escape(item.author)
    section = SECTIONS[rng.randrange(len(SECTIONS))]
    kind = template_of(source)
    read_also = related[0] if related else None
    head = (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{title} | {site}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="description" content="{escape(item.summary)}">'
        + (f'<meta name="author" content="{author}">' if author else "")
        + f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="og:url" content="{url}"><meta property="og:site_name" content="{site}">'
        f'<meta property="article:published_time" content="{iso}">'
        f'<link rel="canonical" href="{url}">'
        f'<link rel="alternate" type="application/rss+xml" href="{BASE}/{source}/rss-0.xml">'
    )
    if kind == "portal":
        ld = json.dumps(
            {"@context": "https://schema.org", "@type": "NewsArticle", "headline": item.title,
             "datePublished": iso, "author": {"@type": "Person", "name": item.author or site},
             "publisher": {"@type": "Organization", "name": OUTLET_NAMES.get(source, source)},
             "mainEntityOfPage": url},
            ensure_ascii=False,
        )  # fmt: skip
        head += f'<script type="application/ld+json">{ld}</script>'
    head += _CSS + _filler_script(source) + "</head>"
    ticker = (
        '<div class="breaking"><span>عاجل</span><ul>'
        + "".join(f"<li>{escape(it.title)}</li>" for _, it in popular[:3])
        + "</ul></div>"
    )
    share = ('<div class="share"><span>شارك:</span><a href="#">تويتر</a><a href="#">فيسبوك</a>'
             '<a href="#">واتساب</a><a href="#">تيليجرام</a><a href="#">طباعة</a>'
             '<a href="#">أرسل لصديق</a></div>')  # fmt: skip
    tags = "".join(f'<a rel="tag" href="/{source}/tag/{j}">{escape(w)}</a>'
                   for j, w in enumerate(item.title.split()[:5]))  # fmt: skip
    body_html = _body_paragraphs(item, read_also, legacy=kind == "legacy")
    side = (
        f'<aside class="sidebar"><section class="most-read"><h3>الأكثر قراءة</h3><ol>{_links(popular)}</ol></section>'
        '<div class="ad" data-slot="sidebar-1">إعلان</div>'
        '<section class="newsletter"><h3>النشرة البريدية</h3><p>اشترك في نشرتنا ليصلك أهم الأخبار يوميا</p>'
        '<form><input type="email"><button>اشترك</button></form></section></aside>'
    )
    related_html = f'<section class="related"><h3>أخبار ذات صلة</h3><ul>{_links(related, teaser=True)}</ul></section>'
    header = (
        f'<header class="site-header"><a class="logo" href="/{source}/">{site}</a>'
        '<form class="search"><input type="search" name="s" placeholder="بحث"></form>'
        '<div class="social"><a href="#">تويتر</a> <a href="#">فيسبوك</a> <a href="#">يوتيوب</a></div>'
        f"</header>{_nav(source)}{ticker}"
    )
    if kind == "legacy":
        main = (
            '<table width="100%" cellpadding="0" cellspacing="0"><tr><td valign="top" width="70%">'
            f'<div class="path"><a href="/{source}/">الرئيسية</a> &gt; {escape(section)}</div>'
            f'<div class="news_title"><font size="5"><b>{title}</b></font></div>'
            f'<div class="news_date">{visible_date} {author}</div>'
            f'<div id="news_body" class="news_text">{body_html}</div>{share}'
            f'<div class="tags">الكلمات الدلالية: {tags}</div>{related_html}</td>'
            f'<td valign="top">{side}</td></tr></table>'
        )
    elif kind == "wordpress":
        main = (
            '<div id="content" class="site-content"><div id="primary" class="content-area">'
            f'<article id="post-{rng.randrange(10**6)}" class="post type-post status-publish">'
            f'<header class="entry-header"><span class="cat-links">{escape(section)}</span>'
            f'<h1 class="entry-title">{title}</h1><div class="entry-meta">'
            f'<span class="byline">{author}</span> <time class="entry-date published" datetime="{iso}">{visible_date}</time>'
            f"</div></header>{share}"
            f'<div class="entry-content">{body_html}</div>'
            f'<footer class="entry-footer"><span class="tags-links">{tags}</span></footer></article>'
            f"{related_html}{_comments(rng, rng.randint(2, 8))}</div>{side}</div>"
        )
    else:
        main = (
            '<div class="container"><main id="main">'
            f'<nav class="breadcrumb"><a href="/{source}/">الرئيسية</a> › <a href="#">{escape(section)}</a></nav>'
            f'<article class="article"><h1 class="article-title">{title}</h1>'
            f'<div class="article-meta"><span class="author">{author}</span>'
            f'<time datetime="{iso}">{visible_date}</time></div>{share}'
            f'<div class="article-body" itemprop="articleBody">{body_html}</div>'
            f'<div class="tags">{tags}</div></article>{related_html}</main>{side}</div>'
        )
    more_html = _more_news(more, source) if more else ""
    return f"{head}<body>{header}{main}{more_html}{_footer(source, site)}</body></html>\n"


# --- feeds --------------------------------------------------------------------------------
def _x(text: str) -> str:
    return escape(text, quote=False)


def render_feed(source: str, feed_path: str, entries: list[tuple[str, NewsItem]]) -> str:
    """RSS 2.0 of ``entries`` (newest first), as outlets serve it: summary, no full text."""
    site = _x(OUTLET_NAMES.get(source, source))
    items = []
    for path, it in sorted(entries, key=lambda e: e[1].published, reverse=True):
        link = f"{BASE}/{path}"
        items.append(
            f"<item><title>{_x(it.title)}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid>'
            f"<pubDate>{format_datetime(it.published)}</pubDate>"
            + (f"<dc:creator>{_x(it.author)}</dc:creator>" if it.author else "")
            + f"<description>{_x(it.summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{site}</title><link>{BASE}/{source}/</link><description>{site}</description>"
        f'<language>ar</language><atom:link href="{BASE}/{feed_path}" rel="self" '
        'type="application/rss+xml"/>' + "".join(items) + "</channel></rss>\n"
    )


# --- a corpus: routes + feed list ---------------------------------------------------------
@dataclass
class FeedSpec:
    id: str
    source: str
    path: str


@dataclass
class Corpus:
    """Rendered routes (path -> bytes, ``{{BASE}}`` unresolved), feeds and the articles."""

    routes: dict[str, bytes] = field(default_factory=dict)
    feeds: list[FeedSpec] = field(default_factory=list)
    articles: dict[str, NewsItem] = field(default_factory=dict)  # page path -> item

    @property
    def sources(self) -> list[str]:
        return sorted({f.source for f in self.feeds})

    def pages(self) -> Iterator[tuple[str, bytes]]:
        """(path, page bytes with BASE resolved to a stable fake host) for offline use."""
        for path in self.articles:
            yield path, self.routes[path].replace(_BASE_BYTES, b"http://127.0.0.1")

    def write(self, root: Path) -> None:
        for path, body in self.routes.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        manifest = {
            "feeds": [asdict(f) for f in self.feeds],
            "articles": {p: {**asdict(it), "published": it.published.isoformat()}
                         for p, it in self.articles.items()},
        }  # fmt: skip
        (root / "corpus.json").write_text(
            json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def read(cls, root: Path) -> Corpus:
        manifest = json.loads((root / "corpus.json").read_text(encoding="utf-8"))
        corpus = cls(feeds=[FeedSpec(**f) for f in manifest["feeds"]])
        for path, d in manifest["articles"].items():
            d["published"] = datetime.fromisoformat(d["published"])
            corpus.articles[path] = NewsItem(**d)
        for p in root.rglob("*"):
            if p.is_file() and p.name != "corpus.json":
                corpus.routes[p.relative_to(root).as_posix()] = p.read_bytes()
        return corpus

    def feeds_yaml(self, bases: Mapping[str, str]) -> str:
        """A feeds.yaml for ``rasid run``: one entry per feed, on its outlet's port."""
        lines = ["feeds:"]
        for f in self.feeds:
            lines.append(
                f"  - {{id: {f.id}, name: '{OUTLET_NAMES.get(f.source, f.source)}', "
                f"url: '{bases[f.source]}/{f.path}', source: {f.source}}}"
            )
        return "\n".join(lines) + "\n"


def article_path(item: NewsItem, n: int) -> str:
    return f"{item.source}/{item.published:%Y/%m/%d}/{n}.html"


def build_corpus(items: list[NewsItem], *, per_feed: int = 40) -> Corpus:
    """Pages for every item, and per outlet RSS feeds of at most ``per_feed`` items."""
    corpus = Corpus()
    by_source: dict[str, list[tuple[str, NewsItem]]] = {}
    for n, it in enumerate(items):
        path = article_path(it, n)
        corpus.articles[path] = it
        by_source.setdefault(it.source, []).append((path, it))
    for source, entries in sorted(by_source.items()):
        for i, (path, it) in enumerate(entries):
            related = [entries[(i + k) % len(entries)] for k in (1, 2, 3, 4) if len(entries) > k]
            popular = [entries[(i * 7 + k * 3) % len(entries)] for k in range(1, 9)
                       if len(entries) > 1]  # fmt: skip
            more = [entries[(i * 5 + k * 2) % len(entries)] for k in range(1, 17)
                    if len(entries) > 1]  # fmt: skip
            corpus.routes[path] = render_page(it, path, related, popular, more).encode("utf-8")
        for k in range(0, len(entries), per_feed):
            feed_path = f"{source}/rss-{k // per_feed}.xml"
            chunk = entries[k : k + per_feed]
            corpus.routes[feed_path] = render_feed(source, feed_path, chunk).encode("utf-8")
            corpus.feeds.append(FeedSpec(f"{source}-{k // per_feed}", source, feed_path))
    return corpus


# --- serving ------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that goes away mid-response (a killed pipeline) is not a server error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class CorpusServer:
    """Serve ``routes`` (mutable: tests add and change routes while it runs) on one
    loopback port per outlet. ``page_delay`` slows every .html response (a slow site),
    ``delays`` some outlets differently; ``down`` makes every request fail with 503."""

    def __init__(
        self,
        routes: dict[str, bytes],
        sources: Iterable[str],
        *,
        page_delay: float = 0.0,
        delays: dict[str, float] | None = None,
    ) -> None:
        self.routes = routes
        self.page_delay = page_delay
        self.delays = dict(delays or {})  # outlet -> page delay, overriding page_delay
        self.down = False
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        for source in sources:
            self._servers[source] = _Server(("127.0.0.1", 0), self._handler())
        self.bases = {
            s: f"http://127.0.0.1:{srv.server_address[1]}" for s, srv in self._servers.items()
        }

    @property
    def hostports(self) -> frozenset[str]:
        return frozenset(b.removeprefix("http://") for b in self.bases.values())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real sites
            # Headers and body go out as two writes: with Nagle on, the client's delayed
            # ACK stalls each response by ~40 ms, which no real server suffers from.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0].lstrip("/")
                with outer._lock:
                    outer.hits[path] = outer.hits.get(path, 0) + 1
                body = outer.routes.get(path)
                if outer.down or body is None:
                    status, body, ctype = (503 if outer.down else 404), b"unavailable", "text/plain"
                else:
                    status = 200
                    base = f"http://{self.headers.get('Host') or self.server.server_address[0]}"
                    body = body.replace(_BASE_BYTES, base.encode())
                    ctype = ("application/rss+xml; charset=utf-8" if path.endswith(".xml")
                             else "text/html; charset=utf-8")  # fmt: skip
                    if path.endswith(".html"):
                        delay = outer.delays.get(path.split("/", 1)[0], outer.page_delay)
                        if delay:
                            time.sleep(delay)
                etag = '"' + hashlib.md5(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if status == 200:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(self) -> CorpusServer:
        for srv in self._servers.values():
            t = threading.Thread(
                target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()

    def __enter__(self) -> CorpusServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve_in_subprocess(root: Path, *, page_delay: float = 0.0) -> Iterator[dict[str, str]]:
    """Serve a written corpus folder from another process (its CPU time then stays out of
    the measuring process's rusage). Yields {outlet: base URL}."""
    cmd = [
        sys.executable,
        "-m",
        "bench.corpus_pages",
        "serve",
        str(root),
        "--page-delay",
        str(page_delay),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.strip():
            raise RuntimeError(f"corpus server did not start (exit {proc.poll()})")
        yield json.loads(line)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.corpus_pages")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="render SaudiNewsNet (or synthetic) articles to a folder")
    b.add_argument("root", type=Path)
    b.add_argument("--limit", type=int, default=300)
    b.add_argument("--data", type=Path, help="folder of SaudiNewsNet zips")
    b.add_argument("--synthetic", action="store_true")
    s = sub.add_parser("serve", help="serve a built folder; prints {outlet: base} as JSON")
    s.add_argument("root", type=Path)
    s.add_argument("--page-delay", type=float, default=0.0)
    args = p.parse_args(argv)
    if args.cmd == "build":
        if args.synthetic:
            items = synthetic_items(args.limit)
        else:
            from bench.common import shared_dir

            items = load_saudinewsnet(args.data or shared_dir("data", "saudinewsnet"), args.limit)
        build_corpus(items).write(args.root)
        print(f"{len(items)} articles written to {args.root}")
        return 0
    corpus = Corpus.read(args.root)
    with CorpusServer(corpus.routes, corpus.sources, page_delay=args.page_delay) as server:
        print(json.dumps(server.bases), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # until the parent closes our stdin or terminates us
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
