"""Fixtures for the ingestion fault-injection suite: two loopback servers.

``good`` serves healthy feeds; ``bad`` serves every failure mode. They listen on different
ports, so the poller treats them as different hosts (as two outlets would be).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest import testserver as ts
from ingest.http import HttpClient, HttpSettings

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://example.com/1</link></item></channel></rss>
"""


def rss(n: int, prefix: str = "خبر", encoding: str = "utf-8", declare: str | None = None) -> bytes:
    """An RSS 2.0 feed with ``n`` Arabic items, encoded as ``encoding`` and declaring
    ``declare`` (default: the true encoding) in its XML declaration."""
    items = "".join(
        f"<item><title>{prefix} رقم {i} عن طرابلس</title><link>/news/{i}</link>"
        f"<guid>{prefix}-{i}</guid><pubDate>Sun, 07 Apr 2019 03:4{i % 10}:00 +0200</pubDate>"
        f"<description>اشتباكات جنوب طرابلس وقوات حفتر {i}</description></item>"
        for i in range(n)
    )
    text = (
        f'<?xml version="1.0" encoding="{declare or encoding}"?>'
        f'<rss version="2.0"><channel><title>موقع {prefix}</title>'
        f"<link>http://example.com/</link>{items}</channel></rss>"
    )
    return text.encode(encoding)


@pytest.fixture
def settings() -> HttpSettings:
    # Short limits keep the suite fast; the behaviour is the same at production values.
    return HttpSettings(
        connect_timeout=1.0,
        read_timeout=0.5,
        total_timeout=1.5,
        max_bytes=2_000_000,
        max_redirects=3,
        per_host_concurrency=4,
    )


@pytest.fixture
def good_server() -> Iterator[ts.LoopbackServer]:
    routes = {
        f"/good/{i}": ts.conditional(rss(5, prefix=f"good{i}"), etag=f'"g{i}"') for i in range(5)
    }
    with ts.LoopbackServer(routes) as srv:
        yield srv


@pytest.fixture
def bad_server() -> Iterator[ts.LoopbackServer]:
    with ts.LoopbackServer({}) as srv:
        yield srv


@pytest.fixture
def allowlisted(settings, good_server, bad_server) -> HttpSettings:
    """The private-network guard stays ON; only the two test servers are allowlisted."""
    settings.allowed_hosts = frozenset({good_server.hostport, bad_server.hostport})
    return settings


@pytest.fixture
def client(allowlisted) -> Iterator[HttpClient]:
    with HttpClient(allowlisted) as c:
        yield c
