import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ingest import testserver as ts
from ingest.http import FetchError, HttpClient, HttpSettings, parse_retry_after
from ingest.netguard import is_public_address

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture
def server():
    routes = {
        "/feed": ts.conditional(RSS, etag='"v7"'),
        "/gz": ts.gzipped(RSS),
        "/a": ts.redirect("/b", 301),
        "/b": ts.redirect("http://127.0.0.1:{port}/feed", 307),
        "/404": ts.static(b"no", "text/plain", status=404),
        "/429": ts.static(b"", "text/plain", status=429, headers={"Retry-After": "30"}),
    }
    for i in range(6):
        routes[f"/chain/{i}"] = ts.redirect(f"/chain/{i + 1}")
    routes["/chain/6"] = ts.static(RSS)
    with ts.LoopbackServer(routes) as srv:
        routes["/b"] = ts.redirect(srv.url("/feed"), 307)
        yield srv


@pytest.fixture
def client(server):
    with HttpClient(HttpSettings(allowed_hosts=frozenset({server.hostport}))) as c:
        yield c


def test_conditional_get_and_user_agent(client, server):
    page = client.get(server.url("/feed"))
    assert page.status == 200 and page.body == RSS and page.headers["etag"] == '"v7"'
    again = client.get(server.url("/feed"), etag=page.headers["etag"])
    assert again.status == 304 and again.body == b""
    by_date = client.get(server.url("/feed"), last_modified=page.headers["last-modified"])
    assert by_date.status == 304
    _, headers = server.requests[1]
    assert headers["If-None-Match"] == '"v7"'
    assert headers["User-Agent"].startswith("Rasid/0.1 (+https://github.com/rasid-news/rasid")


def test_gzip_is_decoded(client, server):
    page = client.get(server.url("/gz"))
    assert page.body == RSS and "content-encoding" not in page.headers


def test_redirects_are_followed_by_hand(client, server):
    page = client.get(server.url("/a"))
    assert page.status == 200 and page.url == server.url("/a")
    assert page.final_url == server.url("/feed")


def test_redirect_limit(server):
    settings = HttpSettings(allowed_hosts=frozenset({server.hostport}), max_redirects=6)
    with HttpClient(settings) as c:
        assert c.get(server.url("/chain/0")).status == 200  # exactly 6 hops
    settings.max_redirects = 5
    with HttpClient(settings) as c, pytest.raises(FetchError, match=r"more than 5"):
        c.get(server.url("/chain/0"))


def test_http_errors_carry_status_and_retry_after(client, server):
    with pytest.raises(FetchError) as info:
        client.get(server.url("/404"))
    assert info.value.reason == "HTTP 404" and info.value.status == 404
    with pytest.raises(FetchError) as info:
        client.get(server.url("/429"))
    assert info.value.retry_after == 30


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "refused: scheme 'file' not allowed"),
        ("ftp://example.com/x", "refused: scheme 'ftp' not allowed"),
        ("http://10.1.2.3/", "refused: private address 10.1.2.3"),
        ("http://192.168.0.1/", "refused: private address 192.168.0.1"),
        ("http://[::1]:9/", "refused: private address ::1"),
        ("http://[::ffff:127.0.0.1]/", "refused: private address ::ffff:127.0.0.1"),
        ("http://0.0.0.0/", "refused: private address 0.0.0.0"),
        ("http://224.0.0.1/", "refused: private address 224.0.0.1"),
        ("http:///nohost", "invalid URL: no host"),
    ],
)
def test_guard_refuses(url, reason):
    with HttpClient() as c, pytest.raises(FetchError) as info:
        c.get(url)
    assert info.value.reason == reason


def test_connect_time_guard_catches_what_the_precheck_missed(server, monkeypatch):
    # Simulates DNS rebinding: the pre-check saw a public address, the connect sees loopback.
    with HttpClient() as c:
        monkeypatch.setattr(c, "_check_target", lambda url, current: None)
        with pytest.raises(FetchError, match=r"private address 127\.0\.0\.1"):
            c.get(server.url("/feed"))
    assert server.hits == {}


def test_is_public_address():
    assert is_public_address("8.8.8.8") and is_public_address("2001:4860:4860::8888")
    for ip in (
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "169.254.169.254",
        "100.64.0.1",
        "fe80::1%eth0",
        "fc00::1",
    ):
        assert not is_public_address(ip), ip


def test_parse_retry_after():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_per_host_concurrency_and_politeness():
    active = 0
    peak = 0
    starts: list[float] = []
    lock = threading.Lock()

    def slow(h):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            starts.append(time.monotonic())
        time.sleep(0.15)
        with lock:
            active -= 1
        ts.send(h, 200, RSS)

    with ts.LoopbackServer({"/slow": slow}) as srv:
        settings = HttpSettings(allowed_hosts=frozenset({srv.hostport}), per_host_concurrency=2)
        with HttpClient(settings) as c, ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda _: c.get(srv.url("/slow")), range(6)))
        assert peak == 2
        starts.clear()
        settings = HttpSettings(
            allowed_hosts=frozenset({srv.hostport}), per_host_concurrency=4, politeness_delay=0.1
        )
        with HttpClient(settings) as c, ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda _: c.get(srv.url("/slow")), range(3)))
        gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
        # Gaps are seen by the server, after thread and socket jitter on a loaded machine.
        assert min(gaps) >= 0.07
