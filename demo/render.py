"""Pure rendering of the demo corpus: article pages and feed XML.

Shared by ``demo.build_corpus`` (which writes the committed files) and ``demo.server``
(which renders items published at run time), so both produce the same markup.
Every absolute URL is written with the ``{{BASE}}`` placeholder; the server replaces it
with its real base URL when it serves the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from typing import Any
from urllib.parse import quote

BASE = "{{BASE}}"

_EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
WEEKDAYS = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
# Egypt/Gulf/Maghreb names, and the Levantine (Syriac) names used in Lebanon, Syria, Iraq.
MONTHS_EG = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip
MONTHS_LEV = (
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
)  # fmt: skip

# Spelled out so the English page does not depend on the process locale.
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

Article = Mapping[str, Any]
Outlet = Mapping[str, Any]


# ----------------------------------------------------------------------------- dates


def eastern_digits(text: str) -> str:
    return text.translate(_EASTERN)


def parse_dt(value: str | datetime) -> datetime:
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if dt.tzinfo is None:  # the spec always gives an offset; be safe for run-time items
        dt = dt.replace(tzinfo=UTC)
    return dt


def arabic_date(
    dt: datetime, months: str = "eg", digits: str = "western", time: bool = True
) -> str:
    """«الجمعة ٥ أبريل/نيسان ٢٠١٩ - ١٠:٣٠» in the outlet's local time as given."""
    if months == "lev":
        month = MONTHS_LEV[dt.month - 1]
    elif months == "both":
        month = f"{MONTHS_EG[dt.month - 1]}/{MONTHS_LEV[dt.month - 1]}"
    else:
        month = MONTHS_EG[dt.month - 1]
    text = f"{WEEKDAYS[dt.weekday()]} {dt.day} {month} {dt.year}"
    if time:
        text += f" - {dt:%H:%M}"
    return eastern_digits(text) if digits == "eastern" else text


def rfc822(dt: datetime, gmt: bool = False) -> str:
    if gmt:
        return format_datetime(dt.astimezone(UTC), usegmt=True)
    return format_datetime(dt)


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def feed_date(dt: datetime, style: str) -> str:
    """A date as the feed writes it: rfc822, rfc822-gmt, iso or arabic (Eastern digits)."""
    if style == "arabic":
        return arabic_date(dt, months="both", digits="eastern", time=True).replace(" - ", " ")
    if style == "rfc822-gmt":
        return rfc822(dt, gmt=True)
    if style == "iso":
        return iso(dt)
    return rfc822(dt)


# ----------------------------------------------------------------------------- pages


def article_url(article: Article) -> str:
    return f"{BASE}/{article['path']}"


def _menu(outlet: Outlet) -> str:
    home = f"/{outlet['id']}/"
    items = "".join(
        f'<li><a href="{home}section/{i}">{escape(name)}</a></li>'
        for i, name in enumerate(outlet["sections"])
    )
    return (
        '<nav class="main-menu" aria-label="القائمة الرئيسية">'
        f'<ul><li><a href="{home}">الرئيسية</a></li>{items}</ul></nav>'
    )


def _link_list(title: str, css: str, articles: Iterable[Article]) -> str:
    lis = "".join(
        f'<li><a href="/{escape(a["path"])}">{escape(a["title"])}</a></li>' for a in articles
    )
    return f'<section class="{css}"><h3>{escape(title)}</h3><ul>{lis}</ul></section>'


def _json_ld(article: Article, outlet: Outlet, published: datetime) -> str:
    import json

    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article["title"],
        "datePublished": iso(published),
        "author": {"@type": "Person", "name": article["author"]},
        "publisher": {"@type": "Organization", "name": outlet["name"]},
        "mainEntityOfPage": article_url(article),
        "inLanguage": article.get("lang", "ar"),
    }
    body = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return f'<script type="application/ld+json">{body}</script>'


def _body_html(paragraphs: Iterable[str]) -> str:
    out = []
    for p in paragraphs:
        if p.startswith("## "):
            out.append(f"<h2>{escape(p[3:])}</h2>")
        else:
            out.append(f"<p>{escape(p, quote=False)}</p>")
    return "\n".join(out)


def render_page(
    article: Article,
    outlet: Outlet,
    related: Iterable[Article] = (),
    popular: Iterable[Article] = (),
) -> str:
    """A whole news page: the body sits among menus, banners, sidebars and footers."""
    page = outlet["page"]
    lang = article.get("lang", "ar")
    rtl = lang == "ar"
    published = parse_dt(article["published"])
    url = article_url(article)
    title = escape(article["title"])
    summary = escape(article["summary"])
    site = escape(outlet["name"])
    visible_date = escape(
        arabic_date(
            published,
            months=page.get("months", "eg"),
            digits=page.get("digits", "western"),
            time=page.get("show_time", True),
        )
        if rtl
        else f"{published.day} {_MONTHS_EN[published.month - 1]} {published:%Y, %H:%M}"
    )
    if page.get("time_tag", True):
        date_html = f'<time datetime="{iso(published)}" class="pub-date">{visible_date}</time>'
    else:  # some CMSs only print the date for people
        date_html = f'<span class="pub-date">{visible_date}</span>'

    head = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}" dir="{"rtl" if rtl else "ltr"}">',
        "<head>",
    ]
    # A page stored in a legacy encoding says nothing about it (the server doesn't either).
    if page.get("meta_charset", True) and article.get("encoding", "utf-8") == "utf-8":
        head.append('<meta charset="utf-8">')
    else:  # an old CMS that relies on the server to say the charset (and it doesn't)
        head.append(f'<meta http-equiv="Content-Language" content="{lang}">')
    head += [
        f"<title>{title} | {site}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="description" content="{summary}">',
        f'<meta name="author" content="{escape(article["author"])}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{title}">',
        f'<meta property="og:description" content="{summary}">',
        f'<meta property="og:url" content="{url}">',
        f'<meta property="og:site_name" content="{site}">',
        f'<meta property="og:locale" content="{"ar_AR" if rtl else "en_US"}">',
        f'<meta property="article:published_time" content="{iso(published)}">',
        f'<meta property="article:section" content="{escape(article["section"])}">',
        f'<link rel="canonical" href="{url}">',
    ]
    for feed_path in outlet.get("feed_paths", []):
        head.append(
            f'<link rel="alternate" type="application/rss+xml" title="{site}" '
            f'href="{BASE}/{feed_path}">'
        )
    if page.get("json_ld", True):
        head.append(_json_ld(article, outlet, published))
    head.append(
        "<style>.cookie-banner{position:fixed;bottom:0}.sidebar{float:left;width:30%}</style>"
    )
    head.append("</head>")

    tags = "".join(
        f'<a class="tag" href="/{outlet["id"]}/tag/{quote(t)}">{escape(t)}</a>'
        for t in article.get("tags", [])
    )
    body = [
        "<body>",
        '<div class="cookie-banner" role="dialog" aria-live="polite">'
        f"<p>{escape(outlet['cookie_text'])}</p>"
        '<button type="button" class="accept">موافق</button>'
        '<a href="#privacy">سياسة الخصوصية</a></div>',
        '<header class="site-header">'
        f'<a class="logo" href="/{outlet["id"]}/">{site}</a>'
        f'<p class="tagline">{escape(outlet["tagline"])}</p>'
        '<form class="search" action="#"><input type="search" name="q" placeholder="بحث"></form>'
        "</header>",
        _menu(outlet),
    ]
    if outlet.get("ticker"):
        body.append(f'<div class="ticker"><strong>عاجل</strong> {escape(outlet["ticker"])}</div>')
    body += [
        '<div class="layout">',
        '<main id="content">',
        '<article class="news-article">',
        '<nav class="breadcrumb">'
        f'<a href="/{outlet["id"]}/">الرئيسية</a> › <a href="#">{escape(article["section"])}</a>'
        "</nav>",
        f'<h1 class="headline">{title}</h1>',
        f'<div class="byline"><span class="author">{escape(article["author"])}</span> '
        f"{date_html}</div>",
        '<div class="article-body">',
        _body_html(article["paragraphs"]),
        "</div>",
    ]
    if tags:
        body.append(f'<div class="tags"><span>وسوم:</span> {tags}</div>')
    body += [
        '<div class="share">شارك: <a href="#">فيسبوك</a> <a href="#">إكس</a> '
        '<a href="#">واتساب</a> <a href="#">تيليغرام</a></div>',
        "</article>",
        '<section class="newsletter"><h3>النشرة البريدية</h3>'
        "<p>اشترك ليصلك ملخص أهم الأخبار صباح كل يوم.</p>"
        '<form action="#"><input type="email" placeholder="بريدك الإلكتروني">'
        "<button>اشترك</button></form></section>",
        '<section class="comments-teaser" id="comments">'
        f"<h3>التعليقات ({article.get('comments', 0)})</h3>"
        "<p>شاركنا رأيك في هذا الخبر. يجب تسجيل الدخول لإضافة تعليق، "
        "وتخضع التعليقات للمراجعة قبل نشرها.</p>"
        '<a class="more" href="#comments">عرض كل التعليقات</a></section>',
        "</main>",
        '<aside class="sidebar">',
        _link_list("اقرأ أيضًا", "related", related),
        _link_list("الأكثر قراءة", "most-read", popular),
        '<div class="ad" data-slot="sidebar-1">إعلان</div>',
        "</aside>",
        "</div>",
        '<footer class="site-footer">'
        f"<p>{site} — {escape(outlet['footer'])}</p>"
        '<ul><li><a href="#">من نحن</a></li><li><a href="#">اتصل بنا</a></li>'
        '<li><a href="#">شروط الاستخدام</a></li><li><a href="#privacy">سياسة الخصوصية</a></li></ul>'
        f"<p>© {outlet['domain']} — موقع تجريبي لمشروع راصد؛ كل ما فيه من أخبار وأسماء خيالي.</p>"
        "</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(head + body) + "\n"


# ----------------------------------------------------------------------------- feeds


def _x(text: str) -> str:
    return escape(text, quote=False)


def _content_html(paragraphs: Iterable[str]) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs if not p.startswith("## "))


def render_item(feed: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """One <item>/<entry> for the feed's format.

    ``item`` keys: title, url (None = no link), guid, published, author, category,
    summary, paragraphs; ``raw_title`` writes the title unescaped (a broken CMS).
    """
    fmt = feed["format"]
    published = parse_dt(item["published"])
    title = item["title"] if item.get("raw_title") else _x(item["title"])
    url = item.get("url")
    summary = _x(item.get("summary", ""))
    full = feed.get("content") and item.get("paragraphs")
    if fmt == "atom":
        lines = ["<entry>", f"<title>{title}</title>"]
        if url:
            lines.append(f'<link rel="alternate" type="text/html" href="{_x(url)}"/>')
        lines += [
            f"<id>{_x(item['guid'])}</id>",
            f"<published>{iso(published)}</published>",
            f"<updated>{iso(published)}</updated>",
            f"<author><name>{_x(item.get('author', ''))}</name></author>",
            f'<category term="{escape(item.get("category", ""))}"/>',
            f'<summary type="text">{summary}</summary>',
        ]
        if full:
            lines.append(f'<content type="html">{_x(_content_html(item["paragraphs"]))}</content>')
        lines.append("</entry>")
        return "\n".join(lines)
    if fmt == "rdf":
        lines = [f'<item rdf:about="{_x(url or item["guid"])}">', f"<title>{title}</title>"]
        if url:
            lines.append(f"<link>{_x(url)}</link>")
        lines += [
            f"<description>{summary}</description>",
            f"<dc:date>{feed_date(published, 'iso')}</dc:date>",
            f"<dc:creator>{_x(item.get('author', ''))}</dc:creator>",
            f"<dc:subject>{_x(item.get('category', ''))}</dc:subject>",
            "</item>",
        ]
        return "\n".join(lines)
    # RSS 2.0
    lines = ["<item>", f"<title>{title}</title>"]
    if url:
        lines.append(f"<link>{_x(url)}</link>")
    permalink = "true" if url and item["guid"] == url else "false"
    lines += [
        f'<guid isPermaLink="{permalink}">{_x(item["guid"])}</guid>',
        f"<pubDate>{feed_date(published, feed.get('dates', 'rfc822'))}</pubDate>",
    ]
    if item.get("author"):
        lines.append(f"<dc:creator>{_x(item['author'])}</dc:creator>")
    if item.get("category"):
        lines.append(f"<category>{_x(item['category'])}</category>")
    lines.append(f"<description>{summary}</description>")
    if full:
        # CDATA as most CMSs write it; the paragraphs never contain "]]>".
        lines.append(
            f"<content:encoded><![CDATA[{_content_html(item['paragraphs'])}]]></content:encoded>"
        )
    lines.append("</item>")
    return "\n".join(lines)


def render_feed(
    feed: Mapping[str, Any], outlet: Outlet, items: list[Mapping[str, Any]], updated: datetime
) -> str:
    fmt = feed["format"]
    self_url = f"{BASE}/{feed['path']}"
    home = f"{BASE}/{outlet['id']}/"
    name = _x(feed["name"])
    desc = _x(outlet["tagline"])
    body = "\n".join(render_item(feed, it) for it in items)
    if fmt == "atom":
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar">\n'
            f"<title>{name}</title>\n<subtitle>{desc}</subtitle>\n"
            f"<id>tag:{outlet['domain']},2024:{feed['id']}</id>\n"
            f'<link rel="self" type="application/atom+xml" href="{self_url}"/>\n'
            f'<link rel="alternate" type="text/html" href="{home}"/>\n'
            f"<updated>{iso(updated)}</updated>\n"
            f"<generator>{_x(outlet.get('cms', 'NewsCMS 4.2'))}</generator>\n"
            f"{body}\n</feed>\n"
        )
    if fmt == "rdf":
        seq = "\n".join(
            f'<rdf:li rdf:resource="{_x(it.get("url") or it["guid"])}"/>' for it in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f'<channel rdf:about="{self_url}">\n'
            f"<title>{name}</title>\n<link>{home}</link>\n<description>{desc}</description>\n"
            f"<dc:language>ar</dc:language>\n<dc:date>{iso(updated)}</dc:date>\n"
            f"<items>\n<rdf:Seq>\n{seq}\n</rdf:Seq>\n</items>\n</channel>\n"
            f"{body}\n</rdf:RDF>\n"
        )
    build = ""
    if feed.get("dates", "rfc822") != "arabic":  # that CMS prints only item dates
        build = (
            f"<lastBuildDate>{feed_date(updated, feed.get('dates', 'rfc822'))}</lastBuildDate>\n"
        )
    content_ns = ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f"{content_ns if feed.get('content') else ''}>\n"
        "<channel>\n"
        f"<title>{name}</title>\n<link>{home}</link>\n<description>{desc}</description>\n"
        f"<language>ar</language>\n{build}"
        f'<atom:link href="{self_url}" rel="self" type="application/rss+xml"/>\n'
        f"{body}\n</channel>\n</rss>\n"
    )


def insert_item(feed_xml: str, feed: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    """Put a new item at the top of an already rendered feed (newest first)."""
    fragment = render_item(feed, item)
    fmt = feed["format"]
    marker = {"atom": "<entry>", "rdf": "<item rdf:about="}.get(fmt, "<item>")
    closing = {"atom": "</feed>", "rdf": "</rdf:RDF>"}.get(fmt, "</channel>")
    at = feed_xml.find(marker)
    if at < 0:
        at = feed_xml.rfind(closing)
    feed_xml = feed_xml[:at] + fragment + "\n" + feed_xml[at:]
    if fmt == "rdf":
        li = f'<rdf:li rdf:resource="{_x(item.get("url") or item["guid"])}"/>\n'
        seq = feed_xml.find("<rdf:Seq>\n") + len("<rdf:Seq>\n")
        feed_xml = feed_xml[:seq] + li + feed_xml[seq:]
    return feed_xml
