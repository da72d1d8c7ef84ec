"""Subscription persistence, the push inbox, the hub client's SSRF guard and the callback
server's edge cases (sizes, unknown ids, a handler that fails, replay after a restart)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ingest.http import FetchError, HttpSettings
from ingest.websub import (
    ACTIVE,
    SUBSCRIBING,
    HubClient,
    SubscriptionStore,
    new_subscription,
    send_request,
    sign,
)
from rasid.websub_server import CallbackServer, check_public_url

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _active(public: str):  # type: ignore[no-untyped-def]
    sub = new_subscription("f1", "https://news.example/feed", "https://hub.example/", public)
    sub.status, sub.lease_seconds, sub.expires_at = ACTIVE, 600, T0 + timedelta(days=365 * 50)
    return sub


def test_store_round_trip_update_and_live_feeds(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    sub = _active("https://r.example")
    with SubscriptionStore(path) as store:
        store.save(sub)
        store.save(new_subscription("f2", "https://t2/", "https://h/", "https://r.example"))
    with SubscriptionStore(path) as store:  # survives reopening
        assert store.get(sub.id) == sub
        assert [s.feed_id for s in store.all()] == ["f1", "f2"]
        assert store.live_feed_ids(T0) == {"f1"}
        updated = store.update(sub.id, lambda s: replace(s, pushes=5))
        assert updated is not None and store.get(sub.id).pushes == 5  # type: ignore[union-attr]
        assert store.update("missing", lambda s: s) is None
        assert "secret" in sub.to_dict() and sub.to_dict()["secret"] == "…"  # not printed


def test_inbox_is_fifo_and_counts_attempts(tmp_path: Path) -> None:
    with SubscriptionStore(tmp_path / "w.db") as store:
        a = store.enqueue("s1", b"one", {"content-type": "application/rss+xml"}, T0)
        store.enqueue("s1", b"two", {}, T0)
        item = store.next_inbox()
        assert item is not None and (item.seq, item.body, item.headers["content-type"]) == (
            a, b"one", "application/rss+xml")  # fmt: skip
        assert store.inbox_failed(a) == 1 and store.inbox_failed(a) == 2
        store.inbox_done(a)
        assert store.next_inbox().body == b"two" and store.inbox_size() == 1  # type: ignore[union-attr]


# -- the hub client's guard -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hub", "refused: private address 127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "refused: private address 169.254.169.254"),
        ("http://10.0.0.1/hub", "refused: private address 10.0.0.1"),
        ("http://[::ffff:127.0.0.1]/hub", "refused: private address"),
        ("file:///etc/passwd", "refused: scheme 'file' not allowed"),
        ("gopher://hub.example/", "refused: scheme 'gopher' not allowed"),
    ],
)
def test_hub_client_refuses_private_and_odd_targets(url: str, reason: str) -> None:
    with HubClient(HttpSettings()) as client, pytest.raises(FetchError) as info:
        client.post_form_any([url], {"hub.mode": "subscribe"})
    assert info.value.reason.startswith(reason)


def test_hub_client_guard_applies_to_redirect_hops(post_servers) -> None:  # type: ignore[no-untyped-def]
    # An allowed loopback hub redirects (307, spec 5.1.2) to a loopback port that is not.
    srv, other = post_servers(), post_servers()
    other.routes["/other"] = (202, {}, b"")
    srv.routes["/hub"] = (307, {"Location": other.url("/other")}, b"")
    form = {"hub.mode": "subscribe"}
    with HubClient(HttpSettings(allowed_hosts=frozenset({srv.hostport}))) as client:
        with pytest.raises(FetchError) as info:
            client.post_form(srv.url("/hub"), form)
        assert info.value.reason == "refused: private address 127.0.0.1"
    assert other.hits == []
    with HubClient(HttpSettings(allowed_hosts=frozenset({srv.hostport, other.hostport}))) as c:
        resp = c.post_form(srv.url("/hub"), form)
    assert (resp.status, resp.url, other.hits) == (202, other.url("/other"), ["/other"])


def test_hub_errors_are_recorded_for_a_retry(post_servers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    srv = post_servers()
    srv.routes["/hub"] = (400, {"Content-Type": "text/plain"}, b"unsupported topic\nmore")
    with SubscriptionStore(tmp_path / "w.db") as store:
        sub = new_subscription("f1", "https://t/", srv.url("/hub"), "https://r.example")
        store.save(sub)
        with HubClient(HttpSettings(allowed_hosts=frozenset({srv.hostport}))) as client:
            out = send_request(client, store, sub, "subscribe", T0, prefer_https=False)
        assert out.status == "failed" and out.attempts == 1
        assert out.last_error == "hub answered HTTP 400: unsupported topic"
        assert store.get(sub.id) == out


def test_public_url_must_be_reachable() -> None:
    assert check_public_url("https://rasid.example.org/hooks/") == "https://rasid.example.org/hooks"
    bad_urls = [
        "http://127.0.0.1:8090",
        "http://localhost:8090",
        "http://10.1.2.3/",
        "ftp://rasid.example.org",
        "https://rasid.example.org/?x=1",
        "rasid.example.org",
    ]
    for bad in bad_urls:
        with pytest.raises(ValueError):
            check_public_url(bad)
    assert check_public_url("http://127.0.0.1:8090", allow_private=True) == "http://127.0.0.1:8090"


# -- the callback server's edges --------------------------------------------------------


def test_callback_server_edges_and_inbox_replay(tmp_path: Path) -> None:
    seen: list[bytes] = []
    fail = threading.Event()
    fail.set()

    def on_push(sub, body, headers):  # type: ignore[no-untyped-def]
        if fail.is_set():
            raise RuntimeError("store unreachable")
        seen.append(body)
        return {"status": "ok", "feed_id": sub.feed_id}

    with SubscriptionStore(tmp_path / "w.db") as store:
        # A first server stores the push, then its handler keeps failing: the push stays.
        srv = CallbackServer(store, on_push, max_body=1000)
        sub = _active(srv.url)
        store.save(sub)
        pending = new_subscription("f1", "https://news.example/feed", "https://hub/", srv.url)
        pending.status = SUBSCRIBING
        store.save(pending)
        with srv:
            sig = {"X-Hub-Signature": sign(b"<feed/>", sub.secret, "sha1")}
            assert httpx.post(sub.callback, content=b"<feed/>", headers=sig).status_code == 202
            assert httpx.post(srv.url + "/websub/" + "x" * 24, content=b"a").status_code == 404
            assert httpx.post(srv.url + "/nothing", content=b"a").status_code == 404
            big = b"x" * 1001
            resp = httpx.post(
                sub.callback, content=big, headers={"X-Hub-Signature": sign(big, sub.secret)}
            )
            assert resp.status_code == 413
            chunks = (c for c in (b"<feed", b"/>"))  # chunked transfer encoding
            sig = {"X-Hub-Signature": sign(b"<feed/>", pending.secret)}
            resp = httpx.post(pending.callback, content=chunks, headers=sig)
            assert resp.status_code == 202  # pushes before verification finishes are fine
            srv._stop.wait(0.3)
        assert store.inbox_size() == 2  # kept across the failure and the shutdown
        # A restarted server replays the inbox in order.
        fail.clear()
        with CallbackServer(store, on_push) as srv2:
            assert srv2.wait_idle(10)
        assert seen == [b"<feed/>", b"<feed/>"] and store.inbox_size() == 0
        assert store.get(sub.id).pushes == 1  # type: ignore[union-attr]
