"""The loopback server: every feed, 304s, the 500 feed, the windows-1256 page, publish()."""

from __future__ import annotations

import subprocess
import sys
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import charset_normalizer
import feedparser
import httpx
import pytest
import yaml

from demo import expected
from demo.server import CorpusServer, demo_feeds, serve_corpus, write_feeds_yaml
from rasid.records import Feed


def test_base_url_is_loopback_with_the_real_port(server):
    assert server.base_url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0


def test_refuses_non_loopback_hosts():
    with pytest.raises(ValueError):
        CorpusServer(host="0.0.0.0")


def test_every_feed_is_served_and_parses(server, client):
    for feed in server.feeds():
        r = client.get(feed.url)
        if feed.id == expected.FEED_HTTP_500:
            assert r.status_code == 500
            continue
        assert r.status_code == 200, feed.id
        assert r.headers["etag"] and r.headers["last-modified"]
        parsed = feedparser.parse(r.content)
        assert len(parsed.entries) == expected.FEED_ITEM_COUNTS[feed.id], feed.id
        if feed.id == expected.MALFORMED_FEED:
            assert parsed.bozo  # not well-formed, but every item is recovered
        else:
            assert not parsed.bozo, (feed.id, parsed.get("bozo_exception"))
        assert (
            parsed.version
            == {"rss2": "rss20", "atom": "atom10", "rdf": "rss10"}[expected.FEED_FORMATS[feed.id]]
        )
        # Links inside the served XML point at this very server.
        for entry in parsed.entries:
            if entry.get("link"):
                assert entry.link.startswith(server.base_url + "/"), entry.link


def test_every_item_link_resolves(server, client):
    seen = 0
    for feed in server.feeds():
        if feed.id == expected.FEED_HTTP_500:
            continue
        for entry in feedparser.parse(client.get(feed.url).content).entries:
            if not entry.get("link"):
                assert entry.id == expected.MALFORMED_ITEM_NO_LINK_GUID
                continue
            assert client.get(entry.link).status_code == 200, entry.link
            seen += 1
    assert seen == expected.N_ITEMS_WITH_LINK


def test_malformed_feed_keeps_the_ampersand_item(server, client):
    raw = client.get(server.feed_url(expected.MALFORMED_FEED)).content
    assert "» & «".encode() in raw
    titles = [e.title for e in feedparser.parse(raw).entries]
    assert any("نيلكوم" in t and "ساحل تل" in t for t in titles)


def test_arabic_pubdates_are_left_for_the_pipeline(server, client):
    parsed = feedparser.parse(client.get(server.feed_url(expected.ARABIC_DATE_FEED)).content)
    dates = [e.get("published") for e in parsed.entries]
    assert "الخميس ١٧ أكتوبر/تشرين الأول ٢٠٢٤ ٢٠:٠٥" in dates
    assert all(e.get("published_parsed") is None for e in parsed.entries)


def test_conditional_get_answers_304(server, client):
    url = server.feed_url("sahara-main")
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    r = client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2020), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get(url, headers=both).status_code == 200


def test_head_has_headers_and_no_body(server, client):
    r = client.head(server.feed_url("manara-main"))
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) > 1000


def test_cp1256_page_has_no_charset_anywhere(server, client):
    r = client.get(server.article_url(expected.CP1256_ARTICLE))
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html"
    raw = r.content
    assert b"charset" not in raw.lower()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("windows-1256")
    assert "صادرات الصمغ العربي تتراجع إلى النصف" in text
    assert charset_normalizer.from_bytes(raw).best().encoding == "cp1256"


def test_tracking_parameters_reach_the_same_page(server, client):
    key = expected.TRACKING_DUPLICATE_KEY
    plain = client.get(server.article_url(key))
    tracked = client.get(f"{server.article_url(key)}?{expected.TRACKING_QUERY}")
    assert tracked.status_code == 200 and tracked.content == plain.content
    canonical = f'<link rel="canonical" href="{server.article_url(key)}">'
    assert canonical in plain.text


def test_unknown_path_is_404_and_index_lists_feeds(server, client):
    assert client.get(server.url("nope/nothing.html")).status_code == 404
    home = client.get(server.base_url + "/")
    assert home.status_code == 200 and "mutawassit-breaking" in home.text
    assert client.get(server.url("sahara/")).status_code == 200


def test_set_feed_status_injects_a_fault(server, client):
    url = server.feed_url("madar-sport")
    server.set_feed_status("madar-sport", 503)
    try:
        assert client.get(url).status_code == 503
    finally:
        server.set_feed_status("madar-sport", None)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "feed_id", ["sahara-main", "manara-main", "khaleej-economy", "niletoday-main"]
)
def test_publish_adds_an_item_on_top(feed_id):
    with serve_corpus() as server, httpx.Client(timeout=10) as client:
        url = server.feed_url(feed_id)
        before = client.get(url)
        link = server.publish(
            feed_id, "خبر جديد عن طرابلس", "فقرة أولى. جملة ثانية.\n\nفقرة ثانية."
        )
        assert link.startswith(server.base_url + "/")
        after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        stale = client.get(url, headers={"If-Modified-Since": before.headers["last-modified"]})
        assert stale.status_code == 200
        parsed = feedparser.parse(after.content)
        assert not parsed.bozo
        assert len(parsed.entries) == expected.FEED_ITEM_COUNTS[feed_id] + 1
        top = parsed.entries[0]
        assert top.title == "خبر جديد عن طرابلس" and top.link == link
        page = client.get(link)
        assert page.status_code == 200 and "جملة ثانية" in page.text
        assert f'<link rel="canonical" href="{link}">' in page.text
        # A second item lands above the first.
        second = server.publish(feed_id, "خبر ثان", ["نص قصير."])
        assert feedparser.parse(client.get(url).content).entries[0].link == second


def test_publish_refuses_the_broken_feed(server):
    with pytest.raises(ValueError):
        server.publish(expected.FEED_HTTP_500, "x", "y")


def test_demo_feeds_and_yaml(tmp_path: Path):
    feeds = demo_feeds("http://127.0.0.1:9999/")
    assert all(isinstance(f, Feed) for f in feeds)
    assert [f.id for f in feeds] == list(expected.FEED_FORMATS)
    assert {f.source for f in feeds} == set(expected.OUTLETS)
    assert feeds[0].url == "http://127.0.0.1:9999/sahara/rss.xml"
    path = write_feeds_yaml(tmp_path / "feeds.yaml", "http://127.0.0.1:9999")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(doc) == ["feeds"]
    assert doc["feeds"][0] == {
        "id": "sahara-main",
        "name": "وكالة الصحراء للأنباء — آخر الأخبار",
        "url": "http://127.0.0.1:9999/sahara/rss.xml",
        "source": "sahara",
        "timezone": "Africa/Tripoli",  # its pages' zone-less times are Libyan time
    }


def test_cli_runs_in_the_foreground(tmp_path: Path):
    feeds_file = tmp_path / "feeds.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo.server", "--port", "0", "--feeds-yaml", str(feeds_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("demo corpus at http://127.0.0.1:")
        base = first.split(" at ", 1)[1].strip().rstrip("/")
        assert httpx.get(base + "/sahara/rss.xml", timeout=10).status_code == 200
        for _ in range(len(expected.FEED_FORMATS) + 1):
            proc.stdout.readline()
        assert base in feeds_file.read_text(encoding="utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
