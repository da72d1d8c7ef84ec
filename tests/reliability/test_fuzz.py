"""Fuzzing the three parsers that read bytes from the open web.

Contract under test (from the functions' docstrings):
- ``ingest.feeds.parse_feed`` returns items or raises ``FeedError``; nothing else.
- ``ingest.extract.extract_article`` never raises for bad HTML.
- ``ingest.encoding.decode_html`` always returns ``(str, codec)``.
And none of them may hang: each example has a deadline, each test a hard timeout.

Inputs are random bytes, and structured documents (RSS, Atom, HTML with Arabic text)
that hypothesis then damages: truncation, injected bytes, wrong charset labels, deep
nesting, entity tricks. Bounded: ~200 examples per property, no example database on disk.
"""

from __future__ import annotations

import codecs
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.encoding import decode_html
from ingest.extract import Extracted, extract_article
from ingest.feeds import FeedError, parse_feed
from rasid.records import Feed, FeedItem, FetchedPage

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

FUZZ = settings(
    max_examples=200,
    deadline=timedelta(seconds=3),  # one example; the slowest honest input takes ~50 ms
    database=None,  # leave no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FEED = Feed(id="fuzz", name="fuzz", url="http://127.0.0.1/feed.xml", source="fuzz")
BASE = "http://127.0.0.1/feed.xml"

# Text that exercises what Arabic feeds carry: Arabic letters and digits, tatweel,
# diacritics, bidi marks, markup-significant characters, entities, CDATA terminators.
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئةى"  # all encodable in windows-1256
ARABIC = LETTERS + "٠١٢٣٤٥٦٧٨٩ـًٌٍَُِّْ"
SPECIAL = "<>&\"' \n\t\u200f\u200e\u202b\ufeff\x00\x0b]]>;#"
text = st.text(alphabet=st.sampled_from(ARABIC + SPECIAL + "abcXYZ0129"), max_size=300)
TRICKS = ["&amp;", "&lt;b&gt;", "&amp;quot;", "&#1591;", "&#x637;", "&nbsp;", "&unknown;",
          "<![CDATA[x]]>", "]]>", "<b>", "</p>", "<!--", "-->"]  # fmt: skip
markup_text = st.one_of(text, st.sampled_from(TRICKS))
CHARSETS = ["utf-8", "UTF-8", "windows-1256", "cp1256", "iso-8859-6", "iso-8859-1", "latin1",
            "utf-16", "ascii", "x-user-defined", "bogus-charset", "", "utf8;;"]  # fmt: skip


@st.composite
def damaged(draw: st.DrawFn, doc: bytes) -> bytes:
    """A document hurt the way the network and CMSs hurt them."""
    how = draw(st.sampled_from(["none", "truncate", "inject", "bom", "nul", "double"]))
    if how == "truncate" and doc:
        return doc[: draw(st.integers(0, len(doc)))]
    if how == "inject" and doc:
        at = draw(st.integers(0, len(doc)))
        return doc[:at] + draw(st.binary(min_size=1, max_size=64)) + doc[at:]
    if how == "bom":
        return draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\xff"])) + doc
    if how == "nul":
        return doc.replace(b">", b">\x00", draw(st.integers(1, 5)))
    if how == "double":
        return doc + doc
    return doc


@st.composite
def rss_docs(draw: st.DrawFn) -> bytes:
    items = []
    for _ in range(draw(st.integers(0, 6))):
        link = draw(st.one_of(st.just("http://127.0.0.1/a"), st.just("/rel/path"), st.just(""),
                              st.just("javascript:alert(1)"), text))  # fmt: skip
        date = draw(st.one_of(st.sampled_from(["Sun, 07 Apr 2019 03:40:00 +0200", "٢٠١٩-٠٤-٠٧",
                                               "2019-13-45T99:99"]), text))  # fmt: skip
        parts = [f"<title>{draw(markup_text)}</title>", f"<link>{link}</link>",
                 f"<guid>{draw(markup_text)}</guid>", f"<pubDate>{date}</pubDate>",
                 f"<description>{draw(markup_text)}</description>"]  # fmt: skip
        if draw(st.booleans()):
            parts.append(f"<content:encoded><![CDATA[{draw(markup_text)}]]></content:encoded>")
        items.append("<item>" + "".join(draw(st.permutations(parts))) + "</item>")
    atom = draw(st.booleans())
    declared = draw(st.sampled_from(CHARSETS))
    decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    if atom:
        entries = "".join(
            f'<entry><title>{draw(markup_text)}</title><link href="{draw(text)}"/>'
            f"<id>{draw(text)}</id><updated>{draw(text)}</updated>"
            f'<content type="html">{draw(markup_text)}</content></entry>'
            for _ in range(draw(st.integers(0, 4)))
        )
        body = f'{decl}<feed xmlns="http://www.w3.org/2005/Atom"><title>{draw(text)}</title>{entries}</feed>'
    else:
        body = (
            f'{decl}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{draw(markup_text)}</title>{''.join(items)}</channel></rss>"
        )
    encoding = draw(st.sampled_from(["utf-8", "windows-1256", "utf-16"]))
    raw = body.encode(encoding, errors="replace")
    return draw(damaged(raw))


@st.composite
def html_docs(draw: st.DrawFn) -> bytes:
    tags = ["p", "div", "article", "span", "h1", "li", "table", "td", "script", "style", "nav",
            "footer", "br", "img", "a", "main", "section", "iframe", "svg", "math",
            "template"]  # fmt: skip
    depth = draw(st.integers(0, 400))  # deep nesting: lxml and trafilatura recursion
    nested = "".join(f"<{draw(st.sampled_from(tags))}>" for _ in range(depth))
    paras = "".join(f"<p>{draw(markup_text)}</p>" for _ in range(draw(st.integers(0, 8))))
    charset = draw(st.sampled_from(CHARSETS))
    head = draw(st.sampled_from([
        f'<meta charset="{charset}">',
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        "",
        '<link rel="canonical" href="javascript:void(0)"><meta property="og:url" content="//x">',
        '<script type="application/ld+json">{"datePublished": [1, {"datePublished": 2}]</script>',
        '<meta property="article:published_time" content="٢٠١٩-٠٤-٠٥T١٠:٠٠">',
    ]))  # fmt: skip
    doc = (
        f'<!DOCTYPE html><html lang="{draw(text)[:10]}" dir="rtl"><head>{head}'
        f"<title>{draw(markup_text)}</title></head><body>{nested}<article>"
        f"<h1>{draw(markup_text)}</h1>{paras}</article></body></html>"
    )
    encoding = draw(st.sampled_from(["utf-8", "windows-1256", "iso-8859-6", "utf-16-le"]))
    return draw(damaged(doc.encode(encoding, errors="replace")))


def _headers(charset: str | None) -> dict[str, str]:
    return {} if charset is None else {"content-type": f"text/html; charset={charset}"}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Lazy imports and caches (trafilatura, feedparser, charset tables) are paid once
    here, not by the first example against its deadline."""
    parse_feed(
        b'<rss version="2.0"><channel><item><title>x</title></item></channel></rss>', FEED, BASE
    )
    extract_article(FetchedPage(BASE, BASE, 200, b"<html><body><p>\xd8\xa7</p></body></html>"))
    decode_html("نص".encode("windows-1256"))


# --- parse_feed ---------------------------------------------------------------------------
def _parse_feed_contract(body: bytes, headers: dict[str, str] | None) -> None:
    try:
        items = parse_feed(body, FEED, BASE, headers)
    except FeedError as exc:
        assert str(exc).strip(), "FeedError must carry a readable reason"
        return
    for it in items:
        assert isinstance(it, FeedItem)
        assert it.guid, "every item gets a guid (or a synthesised one)"
        assert isinstance(it.title, str) and isinstance(it.url, str)


@FUZZ
@given(body=st.binary(max_size=4096), charset=st.one_of(st.none(), st.sampled_from(CHARSETS)))
def test_parse_feed_random_bytes(body: bytes, charset: str | None) -> None:
    _parse_feed_contract(body, _headers(charset))


@FUZZ
@given(body=rss_docs(), charset=st.one_of(st.none(), st.sampled_from(CHARSETS)))
def test_parse_feed_damaged_feeds(body: bytes, charset: str | None) -> None:
    _parse_feed_contract(body, _headers(charset))


@FUZZ
@given(n=st.integers(1, 12), payload=st.sampled_from(["&lol;", "&xxe;", "%pe;"]))
def test_parse_feed_entity_tricks_are_refused(n: int, payload: str) -> None:
    """Entity declarations anywhere before the root are refused, not expanded."""
    decls = "".join(f'<!ENTITY lol{i} "{"&lol;" * n}">' for i in range(n))
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">{decls}'
        '<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % pe SYSTEM "http://127.0.0.1/x">]>'
        f'<rss version="2.0"><channel><item><title>{payload}</title></item></channel></rss>'
    ).encode()
    with pytest.raises(FeedError):
        parse_feed(doc, FEED, BASE)


# --- extract_article ----------------------------------------------------------------------
def _extract_contract(body: bytes, headers: dict[str, str], with_item: bool) -> None:
    item = (
        FeedItem("fuzz", "fuzz", "g", BASE, title="عنوان", summary="ملخص الخبر " * 30)
        if with_item
        else None
    )
    out = extract_article(FetchedPage(BASE, BASE, 200, body, headers), item)
    assert isinstance(out, Extracted)
    assert isinstance(out.title, str) and isinstance(out.body, str)
    assert out.method in {"trafilatura", "feed-content", "feed-summary"}
    if with_item:
        assert out.body, "the feed's summary stands in when the page yields nothing"


@FUZZ
@given(body=st.binary(max_size=8192), charset=st.one_of(st.none(), st.sampled_from(CHARSETS)),
       with_item=st.booleans())  # fmt: skip
def test_extract_article_random_bytes(body: bytes, charset: str | None, with_item: bool) -> None:
    _extract_contract(body, _headers(charset), with_item)


@FUZZ
@given(body=html_docs(), charset=st.one_of(st.none(), st.sampled_from(CHARSETS)),
       with_item=st.booleans())  # fmt: skip
def test_extract_article_damaged_pages(body: bytes, charset: str | None, with_item: bool) -> None:
    _extract_contract(body, _headers(charset), with_item)


# --- decode_html --------------------------------------------------------------------------
@FUZZ
@given(
    body=st.binary(max_size=16384), charset=st.one_of(st.none(), st.sampled_from(CHARSETS), text)
)
def test_decode_html_always_decodes(body: bytes, charset: str | None) -> None:
    decoded, codec = decode_html(body, _headers(charset))
    assert isinstance(decoded, str) and isinstance(codec, str) and codec


@FUZZ
@given(arabic=st.text(alphabet=st.sampled_from(LETTERS + " .،"), min_size=20, max_size=400),
       encoding=st.sampled_from(["utf-8", "windows-1256"]),
       declared=st.one_of(st.none(), st.sampled_from(CHARSETS)))  # fmt: skip
def test_decode_html_recovers_arabic_despite_false_labels(
    arabic: str, encoding: str, declared: str | None
) -> None:
    """Real Arabic text comes back as itself whatever the header claims."""
    letters = sum(ch in LETTERS for ch in arabic)
    if letters < 10:
        return  # too little signal to hold the detector to it
    body = f"<html><body><p>{arabic}</p></body></html>".encode(encoding)
    decoded, _ = decode_html(body, _headers(declared))
    assert arabic in decoded
