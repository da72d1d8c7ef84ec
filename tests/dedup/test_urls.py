from __future__ import annotations

import pytest

from processing.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host case, default port, fragment, trailing slash
        ("HTTP://Example.COM:80/News/Story/#top", "http://example.com/News/Story"),
        ("https://example.com:443/a/", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        # tracking parameters go, the rest is sorted
        (
            "https://example.com/a?utm_source=tw&utm_medium=social&id=7&fbclid=X&b=2",
            "https://example.com/a?b=2&id=7",
        ),
        ("https://example.com/a?gclid=1&ref=home&cmpid=rss&at_medium=x", "https://example.com/a"),
        ("https://example.com/a?z=1&a=2&m=", "https://example.com/a?a=2&m=&z=1"),
        # AMP and mobile variants
        ("https://example.com/news/123/amp", "https://example.com/news/123"),
        ("https://example.com/amp/news/123", "https://example.com/news/123"),
        ("https://amp.example.com/news/123?amp=1", "https://example.com/news/123"),
        ("https://example.com/news/123?amp", "https://example.com/news/123"),
        ("https://example.com/news/123?output=amp", "https://example.com/news/123"),
        ("https://example.com/news/123?output=json", "https://example.com/news/123?output=json"),
        ("https://example.com/story.amp.html", "https://example.com/story.html"),
        ("https://m.example.com/news/123", "https://example.com/news/123"),
        ("https://www.example.com/news/123", "https://example.com/news/123"),
        (
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/9/amp",
            "https://example.com/news/9",
        ),
        # dot segments and doubled slashes
        ("https://example.com/a/./b/../c//d", "https://example.com/a/c/d"),
        ("https://example.com", "https://example.com/"),
        # a hashbang route names the content: kept
        ("https://example.com/#!/story/1", "https://example.com/#!/story/1"),
        # credentials never belong in an identity key
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("mailto:desk@example.com", "mailto:desk@example.com"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_arabic_path_spellings_meet() -> None:
    raw = "http://aawsat.com/home/article/410826/بريطانيا-أربعة-محاور"
    encoded = (
        "http://aawsat.com/home/article/410826/"
        "%d8%a8%d8%b1%d9%8a%d8%b7%d8%a7%d9%86%d9%8a%d8%a7-%D8%A3%D8%B1%D8%A8%D8%B9%D8%A9-"
        "%D9%85%D8%AD%D8%A7%D9%88%D8%B1"
    )
    assert canonical_url(raw) == canonical_url(encoded)
    assert canonical_url(raw).isascii()


def test_encoded_slash_stays_data() -> None:
    assert canonical_url("https://example.com/a%2Fb") == "https://example.com/a%2Fb"


def test_idempotent() -> None:
    for url in (
        "https://m.example.com/amp/x/?utm_source=a&b=1#f",
        "http://aawsat.com/home/article/1/عنوان-الخبر",
    ):
        once = canonical_url(url)
        assert canonical_url(once) == once


def test_html_canonical_followed_on_same_site() -> None:
    assert (
        canonical_url("https://m.example.com/story?id=5", "https://www.example.com/news/5")
        == "https://example.com/news/5"
    )
    # relative hrefs resolve against the page
    assert canonical_url("https://example.com/a/b?x=1", "/news/5/") == "https://example.com/news/5"


@pytest.mark.parametrize(
    "foreign",
    ["https://evil.example.org/news/5", "https://notexample.com/x", "javascript:alert(1)", "  "],
)
def test_html_canonical_to_another_site_is_ignored(foreign: str) -> None:
    # Otherwise any page could claim another outlet's URL and overwrite its article.
    assert canonical_url("https://example.com/a?id=5", foreign) == "https://example.com/a?id=5"


def test_subdomain_is_another_site() -> None:
    # blogs.example.com pages must not claim example.com articles (multi-tenant hosts)
    assert (
        canonical_url("https://blogs.example.com/p/1", "https://example.com/news/1")
        == "https://blogs.example.com/p/1"
    )
