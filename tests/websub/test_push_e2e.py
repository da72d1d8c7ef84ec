"""End to end over loopback: discover -> subscribe -> the hub verifies -> the hub pushes ->
the callback server hands the feed to the pipeline -> the article is indexed once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ingest.http import HttpClient, HttpSettings
from ingest.websub import (
    ACTIVE,
    UNSUBSCRIBED,
    HubClient,
    LeasePolicy,
    SubscriptionStore,
    discover_feed,
    new_subscription,
    send_request,
)
from rasid.websub_server import (
    CallbackServer,
    handle_push,
    maintain,
    pushed_feed_ids,
    request_unsubscribe,
    serve,
)
from store.sqlite import SqliteStore


@pytest.fixture
def subs(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SubscriptionStore(tmp_path / "websub.db") as s:
        yield s


@pytest.fixture
def callback(settings, subs):  # type: ignore[no-untyped-def]
    def on_push(sub, body, headers):  # type: ignore[no-untyped-def]
        return handle_push(settings, sub.feed_id, body, headers, base_url=sub.topic)

    with CallbackServer(subs, on_push) as srv:
        yield srv


def _client_settings(*hostports: str) -> HttpSettings:
    return HttpSettings(allowed_hosts=frozenset(hostports), total_timeout=10)


def _subscribe(hub, publisher, subs, callback, **kw):  # type: ignore[no-untyped-def]
    with HttpClient(_client_settings(publisher.server.hostport)) as http:
        disc = discover_feed(http, publisher.topic)
    assert disc.hub == hub.url and disc.topic == publisher.topic and disc.source == "headers"
    sub = new_subscription("pub", disc.topic, disc.hub, callback.url)
    subs.save(sub)
    with HubClient(_client_settings(hub.hostport)) as client:
        sent = send_request(client, subs, sub, "subscribe", datetime.now(UTC), **kw)
    assert sent.last_error is None, sent.last_error
    assert hub.wait(lambda: bool(hub.verifications)), "the hub never verified"
    return subs.get(sub.id)


def test_subscribe_push_index_once_ignore_forgery_unsubscribe(
    hub, publisher, settings, subs, callback
) -> None:  # type: ignore[no-untyped-def]
    sub = _subscribe(hub, publisher, subs, callback, prefer_https=False)
    assert hub.verifications[-1]["ok"], hub.verifications
    assert sub.status == ACTIVE and sub.lease_seconds == 3600
    assert hub.requests[0]["hub.secret"] == sub.secret
    assert hub.requests[0]["hub.lease_seconds"] == str(LeasePolicy().lease_s)

    # 1. a new entry is pushed: indexed, and it fires the alert rule
    assert hub.publish(publisher.topic, publisher.feed([1])) == [202]
    assert callback.wait_idle(15)
    first = callback.results[-1]
    assert first["status"] == "ok" and first["new"] == 1 and first["indexed"] == 1, first
    assert first["alerts"] == 1
    store = SqliteStore(settings.store_url.removeprefix("sqlite:///"))
    try:
        arts = list(store.iter_articles())
        assert [a.title for a in arts] == ["اشتباكات جديدة جنوب طرابلس"]
        assert "قوات حكومة الوفاق" in arts[0].body and arts[0].lang == "ar"
        assert store.get_feed_state("pub").seen_guids == ["urn:test:1"]
    finally:
        store.close()

    # 2. the same entry again (hubs resend the whole feed): nothing new
    assert hub.publish(publisher.topic, publisher.feed([1])) == [202]
    assert callback.wait_idle(15)
    again = callback.results[-1]
    assert again["new"] == 0 and again["indexed"] == 0 and again["unchanged"] == 1, again

    # 3. a forged push (wrong secret), then one without a signature: both ignored, 2xx
    forged_body = publisher.feed([1, 2])
    bad = hub.signature(forged_body, "not-the-secret")
    for headers in ({"X-Hub-Signature": bad}, {}):
        resp = hub.client.post(
            sub.callback, content=forged_body,
            headers={"Content-Type": "application/atom+xml", **headers},
        )  # fmt: skip
        assert resp.status_code == 202
    assert callback.wait_idle(5)
    assert len(callback.results) == 2  # nothing reached the pipeline
    assert subs.get(sub.id).rejected == 2
    assert callback.stats["ignored"] == 2

    # 4. a genuine push of the feed with one old and one new entry: only the new one
    assert hub.publish(publisher.topic, publisher.feed([1, 2])) == [202]
    assert callback.wait_idle(15)
    third = callback.results[-1]
    assert third["new"] == 1 and third["indexed"] == 1 and third["unchanged"] == 1, third
    assert subs.get(sub.id).pushes == 3

    # 5. verification for a topic we never asked for, or an unknown callback: refused
    for url, topic in ((sub.callback, "http://127.0.0.1:9/other.xml"),
                       (sub.callback[:-4] + "AAAA", sub.topic)):  # fmt: skip
        params = {"hub.mode": "subscribe", "hub.topic": topic, "hub.challenge": "c1",
                  "hub.lease_seconds": "60"}  # fmt: skip
        resp = httpx.get(url, params=params)
        assert resp.status_code == 404 and resp.text != "c1"
    # … and a forged unsubscribe (we never asked) is refused too: the subscription stays
    resp = httpx.get(sub.callback, params={"hub.mode": "unsubscribe", "hub.topic": sub.topic,
                                           "hub.challenge": "c2"})  # fmt: skip
    assert resp.status_code == 404
    assert subs.get(sub.id).status == ACTIVE

    # 6. we unsubscribe: the hub verifies with us, drops us; later pushes get 410 Gone
    request_unsubscribe(subs, sub.id)
    with HubClient(_client_settings(hub.hostport)) as client:
        done = maintain(subs, client, datetime.now(UTC), prefer_https=False)
    assert [d["action"] for d in done] == ["unsubscribe"]
    assert hub.wait(lambda: hub.verifications[-1]["mode"] == "unsubscribe")
    assert hub.verifications[-1]["ok"] and hub.callbacks(publisher.topic) == []
    assert subs.get(sub.id).status == UNSUBSCRIBED
    signed = {"X-Hub-Signature": hub.signature(b"<feed/>", sub.secret)}
    resp = hub.client.post(sub.callback, content=b"<feed/>", headers=signed)
    assert resp.status_code == 410


def test_renewal_through_the_hub_keeps_pushes_flowing(hub, publisher, subs, callback) -> None:  # type: ignore[no-untyped-def]
    sub = _subscribe(hub, publisher, subs, callback, prefer_https=False)
    first_expiry = sub.expires_at
    with HubClient(_client_settings(hub.hostport)) as client:
        assert maintain(subs, client, datetime.now(UTC), prefer_https=False) == []  # not due
        # 59 minutes into a one-hour lease the renewal is due (margin: half the lease at most)
        later = datetime.now(UTC) + timedelta(minutes=59)
        done = maintain(subs, client, later, prefer_https=False)
    assert [d["action"] for d in done] == ["subscribe"]
    assert hub.wait(lambda: len(hub.verifications) == 2)
    renewed = subs.get(sub.id)
    assert renewed.status == ACTIVE and renewed.expires_at > first_expiry
    assert len(hub.requests) == 2 and hub.requests[1]["hub.callback"] == sub.callback


def test_hub_that_verifies_before_answering(inline_hub, subs, callback) -> None:  # type: ignore[no-untyped-def]
    """Some hubs verify synchronously inside the subscription request: the pending state
    must already be saved when their GET arrives."""
    sub = new_subscription("pub", "http://127.0.0.1:9/feed.xml", inline_hub.url, callback.url)
    subs.save(sub)
    with HubClient(_client_settings(inline_hub.hostport)) as client:
        sent = send_request(client, subs, sub, "subscribe", datetime.now(UTC), prefer_https=False)
    assert inline_hub.verifications[0]["ok"]  # verified before the 202 came back
    assert sent.status == ACTIVE and subs.get(sub.id).status == ACTIVE


def test_https_first_falls_back_to_the_advertised_http_hub(hub, publisher, subs, callback) -> None:  # type: ignore[no-untyped-def]
    sub = _subscribe(hub, publisher, subs, callback)  # prefer_https=True (the default)
    assert sub.status == ACTIVE
    assert len(hub.requests) == 1  # the https attempt never reached the hub as a request


def test_serve_subscribes_a_feed_that_advertises_a_hub(hub, publisher, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``serve`` (the CLI command's body): discover, subscribe, answer verification, then
    process a push — with the settings' own guarded clients."""
    import socket

    with socket.socket() as s:  # a free port for the server
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stop = threading.Event()
    lines: list[str] = []
    t = threading.Thread(
        target=serve, args=(settings,),
        kwargs={"public_url": f"http://127.0.0.1:{port}", "port": port, "stop": stop,
                "tick_s": 0.2, "discover_all": True, "echo": lines.append},
        daemon=True,
    )  # fmt: skip
    t.start()
    try:
        assert hub.wait(lambda: any(v["ok"] for v in hub.verifications), 10), (
            lines,
            hub.verifications,
        )
        assert hub.publish(publisher.topic, publisher.feed([3])) == [202]
        db = SubscriptionStore(tmp_path / "websub.db")  # RASID_WEBSUB_DB, set by the fixture
        try:
            [sub] = db.all()
            assert sub.status == ACTIVE and sub.feed_id == "pub"
        finally:
            db.close()
        assert pushed_feed_ids(settings) == {"pub"}  # what the poller would defer
    finally:
        stop.set()
        t.join(30)
    assert not t.is_alive()
    store = SqliteStore(tmp_path / "rasid.db")
    try:
        assert [a.title for a in store.iter_articles()] == ["افتتاح معرض الكتاب في تونس"]
    finally:
        store.close()
    assert any("subscribe" in line for line in lines), lines
    assert json.dumps(lines, ensure_ascii=False)


def test_handle_push_reports_bad_input_without_raising(settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    unknown = handle_push(settings, "nope", b"<rss/>", {})
    assert unknown["status"] == "error" and "nope" in unknown["error"]
    html_page = handle_push(settings, "pub", b"<!doctype html><html><body>hi</body></html>", {})
    assert html_page == {**html_page, "status": "error", "error": "not a feed (an HTML page)"}
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><rss><channel/></rss>'
    assert handle_push(settings, "pub", bomb, {})["error"].startswith("refused: XML declares")
    monkeypatch.setenv("RASID_WEBSUB_DB", str(tmp_path / "absent" / "w.db"))
    assert pushed_feed_ids(settings) == set()
    assert not (tmp_path / "absent").exists()  # nothing created when WebSub is unused
