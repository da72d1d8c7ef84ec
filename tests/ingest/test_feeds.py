# ruff: noqa: E501  (Arabic fixture text reads better unwrapped)
from datetime import UTC, datetime

import pytest

from ingest.feeds import FeedError, html_to_text, parse_feed, parse_feed_full
from rasid.records import Feed

FEED = Feed(id="f1", name="Test", url="http://example.com/rss", source="outlet")
BASE = "http://example.com/feeds/rss.xml"


def test_rss2_items_entities_relative_links_and_arabic_dates():
    body = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>موقع</title><link>http://example.com/</link>
<item><title>طرابلس &amp;quot;اشتباكات&amp;quot; &amp;amp; حفتر</title><link>/news/1</link>
<guid isPermaLink="false">g1</guid>
<pubDate>الأحد ٧ نيسان/أبريل ٢٠١٩ - ٠٣:٤٥ م</pubDate>
<description>&lt;p&gt;ملخص &amp;nbsp;الخبر&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>فقرة أولى</p><script>x()</script><p>فقرة &eacute; ثانية</p>]]></content:encoded>
<dc:creator>مراسل</dc:creator></item>
<item><title>Second</title><link>http://example.com/2</link>
<pubDate>Sun, 07 Apr 2019 03:45:00 +0200</pubDate></item>
<item></item>
</channel></rss>""".encode()
    items = parse_feed(body, FEED, BASE)
    assert len(items) == 2  # the empty <item/> is skipped
    first, second = items
    assert first.guid == "g1"  # opaque GUIDs are kept as written, not resolved
    assert first.url == "http://example.com/news/1"
    assert first.title == 'طرابلس "اشتباكات" & حفتر'
    assert first.summary == "ملخص الخبر"
    assert first.content == "فقرة أولى\nفقرة é ثانية"
    assert first.published_at == datetime(2019, 4, 7, 15, 45, tzinfo=UTC)
    assert first.author == "مراسل" and first.feed_id == "f1" and first.source == "outlet"
    assert second.guid == "http://example.com/2"  # no guid: the link stands in
    assert second.published_at == datetime(2019, 4, 7, 1, 45, tzinfo=UTC)


def test_rss091_with_netscape_doctype_and_latin1():
    body = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>T</title><link>http://e.com/</link><description>d</description>
<item><title>Caf\xe9 &amp; news</title><link>http://e.com/1</link><description>one</description>
</item></channel></rss>"""
    (item,) = parse_feed(body, FEED, BASE)
    assert item.title == "Café & news" and item.url == "http://e.com/1"


def test_rss10_rdf():
    body = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://e.com/"><title>R</title><link>http://e.com/</link>
<description>d</description></channel>
<item rdf:about="http://e.com/a"><title>خبر</title><link>http://e.com/a</link>
<dc:date>2020-08-24T10:15:00+03:00</dc:date><dc:creator>Ali</dc:creator></item>
</rdf:RDF>""".encode()
    (item,) = parse_feed(body, FEED, BASE)
    assert item.title == "خبر" and item.author == "Ali"
    assert item.published_at == datetime(2020, 8, 24, 7, 15, tzinfo=UTC)


def test_atom_xml_base_html_title_and_hub():
    body = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://e.com/ar/">
<title>A</title><link rel="hub" href="https://hub.example/"/><link rel="self" href="/atom"/>
<entry><id>tag:e.com,2020:1</id><title type="html">&lt;b&gt;عنوان&lt;/b&gt; آخر</title>
<link href="news/1"/><updated>2020-08-24T10:15:00Z</updated>
<author><name>كاتب</name></author>
<content type="html">&lt;p&gt;نص &lt;a href="/x"&gt;رابط&lt;/a&gt;&lt;/p&gt;</content></entry></feed>""".encode()
    parsed = parse_feed_full(body, FEED, BASE)
    (item,) = parsed.items
    assert parsed.websub_hub == "https://hub.example/"
    assert item.url == "http://e.com/ar/news/1" and item.guid == "tag:e.com,2020:1"
    assert item.title == "عنوان آخر" and item.content == "نص رابط" and item.author == "كاتب"


def test_hub_from_link_header():
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    headers = {"Link": '<https://hub.example/>; rel="hub", <http://e.com/rss>; rel="self"'}
    parsed = parse_feed_full(body, FEED, BASE, headers)
    assert parsed.items == [] and parsed.websub_hub == "https://hub.example/"


def test_windows_1256_feed_without_declaration():
    text = '<rss version="2.0"><channel><item><title>اشتباكات في طرابلس</title><link>http://e.com/1</link></item></channel></rss>'
    parsed = parse_feed_full(text.encode("windows-1256"), FEED, BASE, {"content-type": "text/xml"})
    assert parsed.encoding == "windows-1256" and parsed.items[0].title == "اشتباكات في طرابلس"


def test_windows_1256_feed_declared_as_utf8():
    text = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><item><title>اشتباكات في طرابلس</title><link>http://e.com/1</link></item></channel></rss>'
    items = parse_feed(text.encode("windows-1256"), FEED, BASE)
    assert items[0].title == "اشتباكات في طرابلس"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><item><title>&lol3;</title></item></channel></rss>"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (BILLION_LAUGHS, "entity-expansion"),
        # The same bomb in a document that is otherwise broken must not slip through.
        (BILLION_LAUGHS.replace(b"</channel></rss>", b""), "entity-expansion"),
        (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>',
            "XXE",
        ),
        (b"", "empty response"),
        (b"<!DOCTYPE html><html><body>hello</body></html>", "not a feed"),
        (b"\x00\x01\x02 not xml at all <<<", "unparseable feed"),
    ],
)
def test_unusable_input_raises_feed_error(body, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(body, FEED, BASE)


def test_truncated_feed_is_salvaged_with_a_warning():
    items = "".join(
        f"<item><title>خبر {i}</title><link>http://e.com/{i}</link></item>" for i in range(10)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
    parsed = parse_feed_full(body[: len(body) // 2], FEED, BASE)
    assert parsed.bozo_warning and "line 1" in parsed.bozo_warning
    assert 3 <= len(parsed.items) < 10


def test_html_to_text():
    assert html_to_text("<p>a&amp;b</p><br/>c<div>d</div>") == "a&b\nc\nd"
    assert html_to_text("&amp;quot;x&amp;quot;") == '"x"'
    assert html_to_text("") == ""
