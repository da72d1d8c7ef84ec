"""Pure WebSub pieces: discovery, signatures, verification answers, lease scheduling."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ingest.websub import (
    ACTIVE,
    DENIED,
    EXPIRED,
    FAILED,
    NEW,
    RENEWING,
    SUBSCRIBING,
    UNSUBSCRIBED,
    UNSUBSCRIBING,
    Discovery,
    LeasePolicy,
    Subscription,
    answer_verification,
    callback_id,
    callback_url,
    check_signature,
    discover,
    feed_links,
    hub_candidates,
    links_by_rel,
    mark_request_failed,
    mark_requested,
    new_subscription,
    next_action,
    next_action_at,
    parse_link_header,
    plan_feed,
    poll_deferred_by_push,
    renew_at,
    settle,
    sign,
    subscription_form,
)
from rasid.records import FeedState

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PUBLIC = "https://rasid.example.org/hooks"


def _sub(**kw: object) -> Subscription:
    base = new_subscription("f1", "https://news.example/feed", "https://hub.example/", PUBLIC,
                            token="t" * 24, secret="s3cret")  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


# -- discovery --------------------------------------------------------------------------


def test_link_header_parsing_handles_joined_headers_quotes_and_commas() -> None:
    value = (
        '<https://hub.example/a,b>; rel="hub", </feed?x=1>; rel=self; title="a, b; c", '
        '<https://hub2.example/>; rel="alternate hub"'
    )
    links = parse_link_header(value)
    assert [u for u, _ in links] == [
        "https://hub.example/a,b",
        "/feed?x=1",
        "https://hub2.example/",
    ]
    assert links[1][1] == {"rel": "self", "title": "a, b; c"}
    rels = links_by_rel(value, "https://news.example/rss")
    assert rels["hub"] == ["https://hub.example/a,b", "https://hub2.example/"]
    assert rels["self"] == ["https://news.example/feed?x=1"]
    assert parse_link_header(None) == [] and parse_link_header("garbage") == []


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<link rel="hub" href="https://hub.example/"/><link rel="self" href="/atom.xml"/>
<entry><id>1</id><link rel="self" href="https://evil.example/entry"/>
<link rel="hub" href="https://evil.example/hub"/></entry></feed>"""

RSS = """<?xml version="1.0" encoding="windows-1256"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>أخبار</title>
<link>https://news.example/</link>
<atom:link rel="hub" href="http://pubsubhubbub.appspot.com/"/>
<atom:link rel="self" type="application/rss+xml" href="https://news.example/rss"/>
<item><title>خبر</title></item></channel></rss>""".encode("cp1256")


def test_feed_links_reads_feed_level_atom_links_only() -> None:
    links = feed_links(ATOM, "https://news.example/x")
    assert links == {"hub": ["https://hub.example/"], "self": ["https://news.example/atom.xml"]}
    rss = feed_links(RSS, "https://news.example/rss2")
    assert rss["hub"] == ["http://pubsubhubbub.appspot.com/"]
    assert rss["self"] == ["https://news.example/rss"]


def test_feed_links_refuses_entity_declarations_and_garbage() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://h/"/></feed>'
    )
    assert feed_links(bomb, "https://x/") == {}
    assert feed_links(b"\x00\xff not xml", "https://x/") == {}


def test_discovery_prefers_headers_and_uses_self_as_topic() -> None:
    headers = {
        "Link": '<https://hub.one/>; rel="hub", <https://news.example/canonical>; rel="self"'
    }
    d = discover(headers, ATOM, "https://news.example/atom?utm=1")
    assert d == Discovery(("https://hub.one/",), "https://news.example/canonical",
                          "https://news.example/canonical", "headers")  # fmt: skip
    body_only = discover({}, ATOM, "https://news.example/x")
    assert body_only.hub == "https://hub.example/" and body_only.source == "body"
    assert body_only.topic == "https://news.example/atom.xml"
    # no rel=self anywhere: the fetched URL is the topic
    d = discover({"link": '<https://hub.one/>; rel="hub"'}, b"", "https://news.example/f")
    assert d.topic == "https://news.example/f" and d.self_url is None
    # no hub: nothing to subscribe to; non-http hubs are dropped
    none = discover({"link": '<ftp://hub/>; rel="hub"'}, b"<rss/>", "https://news.example/f")
    assert none.hubs == () and none.hub is None and none.source == "none"


# -- signatures -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signatures_match_an_independent_hmac(method: str) -> None:
    body = "<feed>خبر</feed>".encode()
    expected = hmac.new(b"k", body, getattr(hashlib, method)).hexdigest()
    assert sign(body, "k", method) == f"{method}={expected}"
    assert check_signature(body, "k", f"{method}={expected}") == "ok"
    assert check_signature(body, "k", f"{method.upper()}={expected.upper()}") == "ok"
    assert check_signature(body + b" ", "k", f"{method}={expected}") == "mismatch"
    assert check_signature(body, "other", f"{method}={expected}") == "mismatch"


def test_bad_signature_headers_are_named() -> None:
    body = b"x"
    assert check_signature(body, "k", None) == "missing"
    assert check_signature(body, "k", "") == "missing"
    assert check_signature(body, "k", "sha256") == "malformed"
    assert check_signature(body, "k", "sha256=zz") == "malformed"
    assert check_signature(body, "k", "md5=abcd") == "unknown-method"
    assert check_signature(body, "k", sign(body, "k", "sha1"), allow_sha1=False) == "weak-method"


# -- subscription requests --------------------------------------------------------------


def test_new_subscription_has_capability_callback_and_short_secret() -> None:
    a = new_subscription("f", "https://t/", "https://h/", PUBLIC + "/")
    b = new_subscription("f", "https://t/", "https://h/", PUBLIC)
    assert a.id != b.id and a.secret != b.secret
    assert a.callback == f"{PUBLIC}/websub/{a.id}" and len(a.id) >= 24
    assert len(a.secret.encode()) < 200  # spec 5.1
    assert callback_id(f"/hooks/websub/{a.id}") == a.id == callback_id(f"/websub/{a.id}?x=1")
    assert callback_id("/websub/short") is None and callback_id("/other/" + a.id) is None
    assert callback_url("https://x/", "id") == "https://x/websub/id"


def test_subscription_form() -> None:
    sub = _sub()
    form = subscription_form(sub, "subscribe", 864000)
    assert form == {"hub.mode": "subscribe", "hub.topic": sub.topic, "hub.callback": sub.callback,
                    "hub.lease_seconds": "864000", "hub.secret": "s3cret"}  # fmt: skip
    unsub = {"hub.mode": "unsubscribe", "hub.topic": sub.topic, "hub.callback": sub.callback}
    assert subscription_form(sub, "unsubscribe", 864000) == unsub


def test_hub_candidates_prefer_https() -> None:
    assert hub_candidates("http://hub.example:8080/p?q") == [
        "https://hub.example:8080/p?q", "http://hub.example:8080/p?q"]  # fmt: skip
    assert hub_candidates("http://h/", prefer_https=False) == ["http://h/"]
    assert hub_candidates("https://h/") == ["https://h/"]


def test_request_state_transitions() -> None:
    s = mark_requested(_sub(), "subscribe", T0)
    assert s.status == SUBSCRIBING and s.requested_at == T0
    assert mark_request_failed(s, "HTTP 500", T0).status == FAILED
    active = _sub(status=ACTIVE, expires_at=T0 + timedelta(days=1), lease_seconds=86400)
    renewing = mark_requested(active, "subscribe", T0)
    assert renewing.status == RENEWING
    back = mark_request_failed(renewing, "HTTP 500", T0)
    assert back.status == ACTIVE and back.attempts == 1 and back.last_error == "HTTP 500"
    assert mark_request_failed(renewing, "x", T0 + timedelta(days=2)).status == EXPIRED
    u1 = mark_requested(active, "unsubscribe", T0)
    u2 = mark_requested(mark_request_failed(u1, "down", T0), "unsubscribe", T0)
    assert (u1.status, u1.attempts, u2.attempts) == (UNSUBSCRIBING, 1, 2)


# -- intent verification ----------------------------------------------------------------


def _params(mode: str, topic: str = "https://news.example/feed", **extra: str) -> dict[str, str]:
    return {"hub.mode": mode, "hub.topic": topic, "hub.challenge": "ch4ll", **extra}


@pytest.mark.parametrize("status", [SUBSCRIBING, RENEWING, ACTIVE, FAILED, EXPIRED])
def test_subscribe_verification_echoes_the_challenge_for_wanted_subscriptions(status: str) -> None:
    ans = answer_verification(
        _sub(status=status), _params("subscribe", **{"hub.lease_seconds": "600"}), T0
    )
    assert (ans.status, ans.body) == (200, b"ch4ll")
    assert ans.sub is not None and ans.sub.status == ACTIVE
    assert ans.sub.lease_seconds == 600 and ans.sub.expires_at == T0 + timedelta(seconds=600)


def test_missing_lease_falls_back_to_the_requested_one() -> None:
    ans = answer_verification(
        _sub(status=SUBSCRIBING), _params("subscribe"), T0, LeasePolicy(lease_s=99)
    )
    assert ans.sub is not None and ans.sub.lease_seconds == 99


@pytest.mark.parametrize(
    ("sub", "params"),
    [
        (None, _params("subscribe")),  # unknown callback
        (_sub(status=NEW), _params("subscribe")),  # never asked for yet
        (_sub(status=SUBSCRIBING), _params("subscribe", topic="https://evil.example/")),
        (_sub(status=UNSUBSCRIBING), _params("subscribe")),  # we asked to stop
        (_sub(status=UNSUBSCRIBED), _params("subscribe")),
        (_sub(status=DENIED), _params("subscribe")),
        (_sub(status=ACTIVE), _params("unsubscribe")),  # a forged unsubscription
        (_sub(status=SUBSCRIBING), _params("unsubscribe")),
        (
            _sub(status=SUBSCRIBING),
            {"hub.mode": "subscribe", "hub.topic": "https://news.example/feed"},
        ),
        (_sub(status=SUBSCRIBING), _params("publish")),
    ],
)
def test_verification_is_refused_with_404(sub: Subscription | None, params: dict[str, str]) -> None:
    ans = answer_verification(sub, params, T0)
    assert ans.status == 404 and ans.sub is None and b"ch4ll" not in ans.body


def test_unsubscribe_and_denied() -> None:
    ans = answer_verification(_sub(status=UNSUBSCRIBING), _params("unsubscribe"), T0)
    assert (ans.status, ans.body, ans.sub.status) == (200, b"ch4ll", UNSUBSCRIBED)  # type: ignore[union-attr]
    denied = answer_verification(
        _sub(status=SUBSCRIBING), {"hub.mode": "denied", "hub.topic": "https://news.example/feed",
                                   "hub.reason": "topic not allowed"}, T0)  # fmt: skip
    assert denied.status == 200 and denied.sub is not None and denied.sub.status == DENIED
    assert "topic not allowed" in (denied.sub.last_error or "")


# -- leases and renewal (pure scheduling) -----------------------------------------------


def _active(lease: int) -> Subscription:
    return _sub(status=ACTIVE, verified_at=T0, lease_seconds=lease,
                expires_at=T0 + timedelta(seconds=lease), requested_at=T0)  # fmt: skip


@pytest.mark.parametrize(
    ("lease", "renew_after"),
    [
        (10 * 86400, 9 * 86400),  # 10 days: renew one day (10 %) early
        (86400, 86400 - 8640),  # 1 day: 10 % = 2.4 h beats the 1 h minimum
        (4 * 3600, 3 * 3600),  # 4 h: the 1 h minimum margin
        (600, 300),  # 10 min: never before half-time
    ],
)
def test_renewal_time(lease: int, renew_after: int) -> None:
    sub = _active(lease)
    assert renew_at(sub) == T0 + timedelta(seconds=renew_after)
    assert next_action(sub, T0 + timedelta(seconds=renew_after - 1)) is None
    assert next_action(sub, T0 + timedelta(seconds=renew_after)) == "subscribe"


def test_retry_schedule_for_pending_failed_and_expired() -> None:
    pol = LeasePolicy(verify_timeout_s=3600)
    pending = _sub(status=SUBSCRIBING, requested_at=T0)
    assert next_action_at(pending, pol) == ("subscribe", T0 + timedelta(hours=1))
    failed = _sub(status=FAILED, requested_at=T0, attempts=3)  # backoff 60 s × 2² = 4 min
    assert next_action_at(failed, pol) == ("subscribe", T0 + timedelta(minutes=4))
    capped = _sub(status=FAILED, requested_at=T0, attempts=30)
    assert next_action_at(capped, pol) == ("subscribe", T0 + timedelta(hours=6))
    assert next_action(_sub(status=NEW), T0) == "subscribe"
    assert next_action(_sub(status=EXPIRED, requested_at=T0), T0) == "subscribe"
    assert next_action(_sub(status=DENIED), T0) is None
    assert next_action(_sub(status=UNSUBSCRIBED), T0) is None
    assert next_action(_sub(status=UNSUBSCRIBING), T0) == "unsubscribe"  # queued by the CLI


def test_settle_expires_lapsed_leases_and_gives_up_unsubscribing() -> None:
    sub = _active(600)
    assert settle(sub, T0 + timedelta(seconds=599)) == sub
    assert settle(sub, T0 + timedelta(seconds=600)).status == EXPIRED
    stuck = _sub(status=UNSUBSCRIBING, requested_at=T0, attempts=3)
    assert next_action(stuck, T0 + timedelta(days=1)) is None
    assert settle(stuck, T0 + timedelta(minutes=59)).status == UNSUBSCRIBING
    assert settle(stuck, T0 + timedelta(hours=1)).status == UNSUBSCRIBED


def test_plan_feed() -> None:
    disc = Discovery(("https://hub.example/",), "https://news.example/feed")
    current = _active(600)
    assert plan_feed("f1", disc, [current], PUBLIC) == (None, [])  # nothing to do
    assert plan_feed("f1", None, [current], PUBLIC) == (None, [])  # discovery failed
    assert plan_feed("f1", Discovery((), "https://news.example/feed"), [current], PUBLIC) == (
        None, [current])  # fmt: skip
    moved = Discovery(("https://newhub.example/",), "https://news.example/feed")
    assert plan_feed("f1", moved, [current], PUBLIC) == (
        ("https://news.example/feed", "https://newhub.example/"), [current])  # fmt: skip
    assert plan_feed("f1", disc, [current], "https://other.example") == (
        ("https://news.example/feed", "https://hub.example/"), [current])  # fmt: skip
    assert plan_feed("f1", disc, [], PUBLIC) == (
        ("https://news.example/feed", "https://hub.example/"),
        [],
    )


def test_poll_deferred_by_push() -> None:
    state = FeedState("f1", last_polled_at=T0)
    assert poll_deferred_by_push(state, T0 + timedelta(hours=5), pushed=True)
    assert not poll_deferred_by_push(state, T0 + timedelta(hours=6), pushed=True)  # safety poll
    assert not poll_deferred_by_push(state, T0 + timedelta(minutes=1), pushed=False)
    assert not poll_deferred_by_push(FeedState("f1"), T0, pushed=True)  # never polled yet
