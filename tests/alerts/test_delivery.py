"""Delivery through real loopback receivers: outbox retry, HMAC webhook, Slack, Telegram,
SMTP with STARTTLS, console and JSONL."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import ssl
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.channels import (
    ConsoleChannel,
    EmailChannel,
    JsonlChannel,
    SlackChannel,
    TelegramChannel,
    WebhookChannel,
)
from alerts.deliver import deliver
from alerts.outbox import Outbox
from alerts.render import RLM, split_message, utf16_len
from alerts.rules import Rule
from alerts.senders import SIGNATURE_HEADER, verify_signature
from rasid.records import Alert
from rasid.terminal import rtl_line

T0 = datetime(2024, 5, 12, 10, 0, tzinfo=UTC)
SECRET = "s3cret-key"


def alert(i: int, title: str = "", rule_id: str = "tripoli") -> Alert:
    return Alert(
        id=f"al{i:03d}", rule_id=rule_id, article_id=f"a{i}",
        title=title or f"اشتباكات في طرابلس والحصيلة {i} قتلى حسب BBC",
        source="aljazeera", url=f"https://news.example/{i}?x=1&y=2", matched_terms=["طرابلس"],
        fired_at=T0, published_at=T0 - timedelta(minutes=3), places=["طرابلس"],
        other_sources=["bbc-arabic", "alwasat"], snippet=f"قالت مصادر إن الاشتباكات بطرابلس {i}",
    )  # fmt: skip


def hook(receiver: Any, **kw: Any) -> WebhookChannel:
    return WebhookChannel(
        id="hook", type="webhook", url=receiver.url + "/hook", secret=SECRET, retries=2,
        retry_wait_s=0, timeout_s=2, **kw,
    )  # fmt: skip


def test_webhook_signed_and_verified_by_receiver(tmp_path: Path, receiver: Any) -> None:
    verified: list[bool] = []
    receiver.on_request = lambda req: verified.append(
        verify_signature(SECRET, req["body"], req["headers"].get(SIGNATURE_HEADER))
    )
    receiver.start()
    report = deliver([alert(1)], [hook(receiver)], tmp_path / "o.db", now=T0)
    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    assert verified == [True]
    (req,) = receiver.requests
    assert req["headers"][SIGNATURE_HEADER].startswith("sha256=")
    assert req["headers"]["Idempotency-Key"] == "al001:hook"
    assert req["json"]["event"] == "rasid.alert"
    assert req["json"]["alerts"][0]["title"] == alert(1).title
    # Tampered body or wrong secret fails verification.
    assert not verify_signature(SECRET, req["body"] + b" ", req["headers"][SIGNATURE_HEADER])
    assert not verify_signature("other", req["body"], req["headers"][SIGNATURE_HEADER])


def test_receiver_down_then_up_no_loss_no_duplicate(tmp_path: Path, receiver: Any) -> None:
    ch, box = hook(receiver), tmp_path / "o.db"
    # Receiver down: both deliveries fail and stay in the outbox.
    r1 = deliver([alert(1), alert(2)], [ch], box, now=T0)
    assert (r1.sent, r1.failed, r1.pending) == (0, 2, 2)
    assert "hook" in r1.errors[0]
    # Before the backoff has elapsed nothing is retried.
    r2 = deliver([], [ch], box, now=T0 + timedelta(seconds=10))
    assert (r2.sent, r2.failed, r2.pending) == (0, 0, 2)
    receiver.start()
    # Up again; the pipeline also hands alert 1 again (a rerun): it must not be sent twice.
    r3 = deliver([alert(1), alert(3)], [ch], box, now=T0 + timedelta(seconds=45))
    assert (r3.sent, r3.failed, r3.pending) == (3, 0, 0)
    r4 = deliver([alert(1), alert(2), alert(3)], [ch], box, now=T0 + timedelta(minutes=5))
    assert r4.sent == 0
    keys = [r["headers"]["Idempotency-Key"] for r in receiver.requests]
    assert sorted(keys) == ["al001:hook", "al002:hook", "al003:hook"]
    with Outbox(box) as ob:
        assert ob.sent_keys() == {"al001:hook", "al002:hook", "al003:hook"}


def test_known_key_pending_is_retried_sent_is_reported_not_resent(
    tmp_path: Path, receiver: Any
) -> None:
    # A store that fires an alert the outbox already holds (alert ids are stable per rule and
    # story): a pending delivery is still owed, a sent one is not sent again but is reported.
    ch, box = hook(receiver), tmp_path / "o.db"
    assert deliver([alert(1)], [ch], box, now=T0).failed == 1  # receiver down: pending
    receiver.start()
    assert deliver([alert(2)], [ch], box, now=T0 + timedelta(minutes=1)).sent == 2
    with Outbox(box) as ob:
        ob.enqueue(alert(3), "hook", now=T0, due_at=T0)
        ob.mark_failed(["al003:hook"], "HTTP 503", T0 + timedelta(minutes=1))
    r = deliver([alert(1), alert(2), alert(3)], [ch], box, now=T0 + timedelta(minutes=2))
    assert (r.sent, r.failed, r.pending) == (1, 0, 0)
    assert sorted(r.already_sent) == ["al001", "al002"]
    keys = [req["headers"]["Idempotency-Key"] for req in receiver.requests]
    assert sorted(keys) == ["al001:hook", "al002:hook", "al003:hook"]


def test_transient_error_retried_in_process(tmp_path: Path, receiver: Any) -> None:
    def flaky(req: dict) -> None:
        receiver.status = 200 if len(receiver.requests) >= 2 else 503

    receiver.on_request = flaky
    receiver.start()
    report = deliver([alert(1)], [hook(receiver)], tmp_path / "o.db", now=T0)
    assert report.sent == 1 and len(receiver.requests) == 2
    with Outbox(tmp_path / "o.db") as ob:  # sends made, in-process retry included (audit 4)
        (row,) = ob.pending(("sent",))
        assert (row["attempts"], row["passes"]) == (2, 1)


def test_permanent_error_is_given_up_kept_and_can_be_retried(tmp_path: Path, receiver: Any) -> None:
    receiver.status = 400
    receiver.start()
    report = deliver([alert(1)], [hook(receiver)], tmp_path / "o.db", now=T0)
    # Not retried in the run, not left pending to be retried forever: dead, with its cause.
    assert (report.failed, report.dead, report.pending, report.dead_total) == (0, 1, 0, 1)
    assert len(receiver.requests) == 1 and "(given up)" in report.errors[0]
    with Outbox(tmp_path / "o.db") as ob:
        assert ob.pending() == []
        (row,) = ob.pending(("dead",))
        assert "HTTP 400" in str(row["error"]) and row["attempts"] == 1
    later = deliver([], [hook(receiver)], tmp_path / "o.db", now=T0 + timedelta(days=1))
    assert (later.sent, later.dead, later.dead_total) == (0, 0, 1)
    assert len(receiver.requests) == 1  # a later pass leaves it alone
    # Fixed: requeued by hand, then sent once.
    receiver.status = 200
    with Outbox(tmp_path / "o.db") as ob:
        assert ob.retry_dead(T0 + timedelta(days=1)) == 1
    fixed = deliver([], [hook(receiver)], tmp_path / "o.db", now=T0 + timedelta(days=1))
    assert (fixed.sent, fixed.dead_total) == (1, 0) and len(receiver.requests) == 2


def test_channel_without_url_is_given_up_and_purged(tmp_path: Path) -> None:
    # Config validation refuses such a channel now; built without it, it stands for any
    # failure retrying cannot fix (a 4xx, a refused recipient).
    slack = SlackChannel.model_construct(id="s", type="slack")
    report = deliver([alert(1), alert(2)], [slack], tmp_path / "o.db", now=T0)
    assert (report.dead, report.failed, report.pending) == (2, 0, 0)
    assert report.errors == ["s: PermanentError: slack s: no url or url_env (given up)"] * 2
    with Outbox(tmp_path / "o.db") as ob:
        assert ob.counts() == {"pending": 0, "sent": 0, "dead": 2}
        assert ob.purge() == 2 and ob.counts()["dead"] == 0


def test_unsendable_url_is_given_up(tmp_path: Path) -> None:
    ch = WebhookChannel.model_construct(id="w", type="webhook", url="not-a-url", retry_wait_s=0)
    report = deliver([alert(1)], [ch], tmp_path / "o.db", now=T0)
    assert (report.dead, report.failed) == (1, 0) and "UnsupportedProtocol" in report.errors[0]


def test_lease_stops_a_second_run_from_sending(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        ob.enqueue(alert(1), "hook", now=T0, due_at=T0)
        assert len(ob.claim_due(T0)) == 1
        assert ob.claim_due(T0 + timedelta(seconds=1)) == []  # leased by the first run
        assert len(ob.claim_due(T0 + timedelta(minutes=10))) == 1  # lease expired (crash)
        assert not ob.enqueue(alert(1), "hook", now=T0, due_at=T0)  # same key: ignored


def test_disabled_channel_keeps_deliveries(tmp_path: Path) -> None:
    ch = JsonlChannel(id="file", type="jsonl", path=str(tmp_path / "a.jsonl"))
    deliver([alert(1)], [ch], tmp_path / "o.db", now=T0, rules=[])
    off = JsonlChannel(id="other", type="jsonl", path=str(tmp_path / "b.jsonl"), enabled=False)
    r = deliver([alert(2)], [ch, off], tmp_path / "o.db", now=T0)
    assert r.sent == 1 and not (tmp_path / "b.jsonl").exists()


def test_parked_channel_is_one_line_worded_by_its_state(tmp_path: Path) -> None:
    ch = JsonlChannel(id="file", type="jsonl", path=str(tmp_path / "a.jsonl"))
    gone = JsonlChannel(id="gone", type="jsonl", path=str(tmp_path / "g.jsonl"))
    off = JsonlChannel(id="off", type="jsonl", path=str(tmp_path / "b.jsonl"))
    # Queued for three channels while they are all there, but not yet due (quiet hours).
    with Outbox(tmp_path / "o.db") as ob:
        for n in (1, 2, 3):
            for c in (ch, gone, off):
                ob.enqueue(alert(n), c.id, now=T0, due_at=T0)
    off.enabled = False
    r = deliver([], [ch, off], tmp_path / "o.db", now=T0)  # "gone" removed from the file
    assert r.sent == 3 and r.pending == 6 and r.parked == {"gone": 3, "off": 3}
    assert sorted(r.errors) == [
        "gone: channel no longer configured; 3 deliveries kept in the outbox in case it comes"
        " back (`rasid alerts outbox --purge --channel gone` drops them)",
        "off: channel disabled; 3 deliveries kept in the outbox until it is enabled again",
    ]


def test_rule_channels_and_jsonl_lines(tmp_path: Path, receiver: Any) -> None:
    receiver.start()
    file_ch = JsonlChannel(id="file", type="jsonl", path=str(tmp_path / "a.jsonl"))
    rules = [Rule(id="tripoli", keywords=["طرابلس"], channels=["file"])]
    r = deliver([alert(1)], [file_ch, hook(receiver)], tmp_path / "o.db", rules=rules, now=T0)
    assert r.sent == 1 and receiver.requests == []
    (line,) = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text("utf-8").splitlines()]
    assert line["key"] == "al001:file" and line["alert"]["title"] == alert(1).title


def test_console_channel(tmp_path: Path) -> None:
    from rich.console import Console

    console = Console(record=True, width=120, force_terminal=False)
    ch = ConsoleChannel(id="console", type="console")
    title = "[tripoli] عنوان [bold]مع أقواس"
    r = deliver([alert(1, title=title)], [ch], tmp_path / "o.db", now=T0, console=console)
    assert r.sent == 1
    out = console.export_text()
    assert "[bold]مع" in out and "https://news.example/1" in out


def _console_output(tmp_path: Path, *, terminal: bool) -> str:
    from rich.console import Console

    console = Console(record=True, width=120, force_terminal=terminal)
    ch = ConsoleChannel(id="console", type="console")
    a = alert(1, title="اشتباكات في طرابلس")
    assert deliver([a], [ch], tmp_path / "o.db", now=T0, console=console).sent == 1
    return console.export_text(styles=False)


def test_console_channel_isolates_arabic_lines_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasid.terminal import PDI, RLI

    monkeypatch.delenv("RASID_BIDI", raising=False)
    text = _console_output(tmp_path, terminal=True)
    # As `rasid search`: every Arabic line opens with RLM RLI and closes with PDI.
    assert f"{RLM}{RLI}" in text and PDI in text
    source_line = next(x for x in text.splitlines() if "المصدر" in x)
    assert f"{RLM}{RLI}المصدر" in source_line and "\u2066" in source_line  # LRI kept


def test_console_channel_follows_rasid_bidi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RASID_BIDI", raising=False)
    piped = _console_output(tmp_path / "a", terminal=False)
    assert not set(piped) & set("\u200f\u2066\u2067\u2068\u2069")
    assert "اشتباكات في طرابلس" in piped
    monkeypatch.setenv("RASID_BIDI", "visual")
    visual = _console_output(tmp_path / "b", terminal=True)
    # reordered (and shaped) for the display
    assert rtl_line("طرابلس", "visual") in visual and "\u2067" not in visual


def test_slack_payload(tmp_path: Path, receiver: Any) -> None:
    receiver.start()
    ch = SlackChannel(
        id="slack", type="slack", url=receiver.url + "/services/T/B/X", retry_wait_s=0
    )
    assert deliver([alert(1)], [ch], tmp_path / "o.db", now=T0).sent == 1
    body = receiver.requests[0]["json"]
    assert body["text"].startswith(RLM)
    section = body["blocks"][-1]["text"]["text"]
    assert "<https://news.example/1?x=1&y=2|" in section and "*طرابلس*" in section


def test_telegram_split_under_limit_without_breaking_words(tmp_path: Path, receiver: Any) -> None:
    receiver.start()
    ch = TelegramChannel(
        id="tg", type="telegram", token="123:ABC", chat_id="-100", base_url=receiver.url,
        retry_wait_s=0,
    )  # fmt: skip
    rule = Rule(id="tripoli", keywords=["طرابلس"], digest="hourly", timezone="UTC")
    long_snippet = " ".join(["الاشتباكات بطرابلس تتواصل منذ الصباح"] * 40)
    alerts = [alert(i) for i in range(30)]
    for a in alerts:
        a.snippet = long_snippet
    box = tmp_path / "o.db"
    deliver(alerts, [ch], box, rules=[rule], now=T0)
    r = deliver([], [ch], box, rules=[rule], now=T0 + timedelta(hours=1))
    assert (r.sent, r.messages) == (30, 1)
    texts = [req["json"]["text"] for req in receiver.requests]
    assert len(texts) > 3
    assert all(req["path"] == "/bot123:ABC/sendMessage" for req in receiver.requests)
    assert all(utf16_len(t) <= 4096 for t in texts)
    assert all(t.startswith(RLM) for t in texts)
    # No word was cut: every chunk boundary falls between words.
    from alerts.render import render_digest_text

    whole = render_digest_text(alerts, "hourly", tz="UTC")
    assert [w.lstrip(RLM) for t in texts for w in t.split()] == [
        w.lstrip(RLM) for w in whole.split()
    ]


def test_split_message_edge_cases() -> None:
    assert split_message("قصير") == ["قصير"]
    words = ("كلمة " * 3000).strip()
    parts = split_message(words, limit=100)
    assert all(utf16_len(p) <= 100 for p in parts)
    assert all(set(p.lstrip(RLM).split()) == {"كلمة"} for p in parts)
    giant = "ا" * 250  # one "word" longer than a message is the only thing ever cut
    assert [utf16_len(p) <= 100 for p in split_message(giant, limit=100)] == [True] * 3
    emoji = "🔔 " * 60  # 2 UTF-16 units each
    assert all(utf16_len(p) <= 50 for p in split_message(emoji, limit=50))


# --- e-mail over SMTP with STARTTLS --------------------------------------------------------------


class _Handler:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {
                "tls": session.ssl is not None,
                "auth": session.authenticated,
                "rcpt": list(envelope.rcpt_tos),
                "data": envelope.original_content or envelope.content,
            }
        )
        return "250 OK"


@pytest.fixture
def smtp_server(tls_cert: tuple[Path, Path], port: int) -> Any:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    cert, key = tls_cert
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    def auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = data.login == b"rasid" and data.password == b"pw"
        return AuthResult(success=ok, handled=False)

    handler = _Handler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
        authenticator=auth, auth_required=True, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler
    controller.stop()
    asyncio.set_event_loop(None)


def test_email_starttls_with_rtl_html_and_text(
    tmp_path: Path, smtp_server: Any, tls_cert: tuple[Path, Path]
) -> None:
    ch = EmailChannel(
        id="mail", type="email", host="127.0.0.1", port=smtp_server.port, starttls=True,
        ca_file=str(tls_cert[0]), username="rasid", password="pw", sender="rasid@localhost",
        to=["desk@example.org"], retry_wait_s=0,
    )  # fmt: skip
    rules = [
        Rule(
            id="tripoli", name="طرابلس الليبية", keywords=["طرابلس"],
            recipients=["owner@example.org"],
        )
    ]  # fmt: skip
    r = deliver([alert(1)], [ch], tmp_path / "o.db", rules=rules, now=T0)
    assert (r.sent, r.failed) == (1, 0), r.errors
    (got,) = smtp_server.messages
    assert got["tls"] and got["auth"]
    assert sorted(got["rcpt"]) == ["desk@example.org", "owner@example.org"]
    msg = email.message_from_bytes(got["data"], policy=email.policy.default)
    assert "طرابلس" in str(msg["Subject"])
    assert msg["X-Rasid-Key"] == "al001:mail" and msg["Message-ID"].endswith("@rasid>")
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert text.startswith(RLM) and "\u2066https://news.example/1?x=1&y=2\u2069" in text
    assert 'dir="rtl"' in html and "<mark>طرابلس</mark>" in html
    # The rule's name, not its id, in the subject; and the body says which rule fired.
    assert str(msg["Subject"]) == f"{RLM}[طرابلس الليبية] {alert(1).title}"
    assert "القاعدة: \u2067طرابلس الليبية\u2069" in text
    assert "القاعدة: <bdi>طرابلس الليبية</bdi>" in html
    # «+0000», not «-0000» (RFC 5322: zone unknown); MIME-Version on the top level only.
    assert msg["Date"].endswith(" +0000") and msg["Date"].datetime.utcoffset() == timedelta(0)
    assert [p.get("MIME-Version") for p in msg.walk()] == ["1.0", None, None]


def test_email_refuses_untrusted_certificate(tmp_path: Path, smtp_server: Any) -> None:
    ch = EmailChannel(
        id="mail", type="email", host="127.0.0.1", port=smtp_server.port, username="rasid",
        password="pw", to=["desk@example.org"], retries=1,
    )  # fmt: skip
    r = deliver([alert(1)], [ch], tmp_path / "o.db", now=T0)
    assert r.failed == 1 and r.pending == 1 and "CERTIFICATE" in r.errors[0].upper()
    assert smtp_server.messages == []


def test_prune_sent_keeps_pending(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as ob:
        ob.enqueue(alert(1), "c", now=T0, due_at=T0)
        ob.enqueue(alert(2), "c", now=T0, due_at=T0)
        ob.mark_sent(["al001:c"], "al001:c", T0)
        assert ob.prune_sent(T0 + timedelta(days=30)) == 1
        assert ob.pending_count() == 1 and ob.sent_keys() == set()


def test_telegram_retry_resumes_after_sent_parts(tmp_path: Path, receiver: Any) -> None:
    def fail_third(req: dict) -> None:
        receiver.status = 502 if len(receiver.requests) == 3 else 200

    receiver.on_request = fail_third
    receiver.start()
    ch = TelegramChannel(
        id="tg", type="telegram", token="1:A", chat_id="7", base_url=receiver.url, retry_wait_s=0
    )
    a = alert(1)
    a.snippet = " ".join(f"الاشتباكات بطرابلس {i}" for i in range(1200))
    r = deliver([a], [ch], tmp_path / "o.db", now=T0)
    assert r.sent == 1
    texts = [req["json"]["text"] for req in receiver.requests]
    # The third part failed once and was resent; no other part was repeated.
    assert texts[2] == texts[3] and len(texts) == len(set(texts)) + 1


# --- e-mail headers ----------------------------------------------------------------------------


def _mail(**kw: Any) -> EmailChannel:
    return EmailChannel(
        id="mail", type="email", host="127.0.0.1", sender="rasid@localhost", to=["d@x.org"], **kw
    )


def _wire(em: Any) -> bytes:
    # What smtplib.send_message puts on the wire.
    from email.generator import BytesGenerator
    from io import BytesIO

    buf = BytesIO()
    BytesGenerator(buf).flatten(em, linesep="\r\n")
    return buf.getvalue()


@pytest.mark.parametrize(
    "title",
    [
        "اشتباكات عنيفة في العاصمة طرابلس الليلة الثانية وسقوط عدد من القتلى والجرحى في الأحياء",
        " ".join(["الثانية وسقوط"] * 40),  # far past one line, and past 998 unfolded
        "كلمةطويلةجدابلامسافات" * 6 + " ثم كلمات قصيرة بعدها " + "BBC Arabic 2024",
        "عنوان  بمسافتين   وثلاث",
    ],
    ids=["one-fold", "past-998", "long-word", "double-spaces"],
)
def test_email_long_arabic_subject_round_trips_exactly(title: str) -> None:
    from alerts.senders import Message, build_email

    a = alert(1, title=title)
    em = build_email(_mail(), Message(key="k", channel_id="mail", alerts=[a]))
    data = _wire(em)
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert all(len(line) <= 78 for line in data.split(b"\r\n\r\n")[0].split(b"\r\n"))
    got = email.message_from_bytes(data, policy=email.policy.default)
    assert str(got["Subject"]) == str(em["Subject"]) and str(got["Subject"]).endswith(title)


def test_email_without_rule_name_uses_rule_id_in_subject_and_body() -> None:
    from alerts.senders import Message, build_email

    for names in ({}, {"other": "غير"}):
        msg = Message(key="k", channel_id="mail", alerts=[alert(1)], rule_names=names)
        em = email.message_from_bytes(_wire(build_email(_mail(), msg)), policy=email.policy.default)
        assert str(em["Subject"]).startswith(f"{RLM}[tripoli] ")
        text = em.get_body(preferencelist=("plain",)).get_content()
        assert "القاعدة: \u2066tripoli\u2069" in text


def test_digest_subject_names_rules() -> None:
    from alerts.render import subject

    got = subject([alert(1), alert(2, rule_id="gas")], "digest", {"tripoli": "طرابلس الليبية"})
    assert got.endswith("gas، طرابلس الليبية")


# --- a receiver that accepts and never answers ---------------------------------------------------


@pytest.fixture
def hanging() -> Any:
    """A loopback socket that accepts connections and never answers; counts connections."""
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.05)
    state: dict[str, Any] = {"port": srv.getsockname()[1], "conns": [], "stop": False}

    def loop() -> None:
        while not state["stop"]:
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            state["conns"].append(conn)  # held open, never read or answered

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield state
    state["stop"] = True
    t.join(2)
    for c in state["conns"]:
        c.close()
    srv.close()


def _hang_hook(port: int, timeout: float) -> WebhookChannel:
    return WebhookChannel(
        id="hook", type="webhook", url=f"http://127.0.0.1:{port}/hook", retries=3,
        retry_wait_s=0, timeout_s=timeout,
    )  # fmt: skip


def test_hanging_webhook_one_attempt_per_delivery_after_a_timeout(
    tmp_path: Path, hanging: Any
) -> None:
    ch = _hang_hook(hanging["port"], 0.3)
    started = time.monotonic()
    r = deliver([alert(i) for i in range(1, 5)], [ch], tmp_path / "o.db", now=T0, budget_s=30)
    elapsed = time.monotonic() - started
    # The first delivery gets its 3 attempts; once the channel has timed out, 1 each.
    assert len(hanging["conns"]) == 3 + 3
    assert (r.sent, r.failed, r.pending, r.deferred) == (0, 4, 4, 0)
    assert elapsed < 6 * 0.3 + 2, elapsed  # was 4 x 3 x 0.3 s
    assert all("Timeout" in e for e in r.errors)


def test_hanging_webhook_pass_stops_at_budget_and_leaves_the_rest_pending(
    tmp_path: Path, hanging: Any
) -> None:
    ch, box = _hang_hook(hanging["port"], 0.4), tmp_path / "o.db"
    started = time.monotonic()
    r = deliver([alert(i) for i in range(1, 7)], [ch], box, now=T0, budget_s=1.0)
    elapsed = time.monotonic() - started
    # No send starts after 1 s; the one under way may take its 0.4 s timeout.
    assert elapsed < 1.0 + 0.4 + 1.0, elapsed
    assert r.sent == 0 and r.failed >= 1 and r.failed + r.deferred == 6 and r.deferred >= 3
    assert r.pending == 6 and "left pending for the next pass" in r.errors[-1]
    # Left-over rows are not leased and have no failure counted: the next pass takes them.
    with Outbox(box) as ob:
        untried = [p for p in ob.pending() if p["attempts"] == 0]
        assert len(untried) == r.deferred
        assert {e.key for e in ob.claim_due(T0)} == {p["key"] for p in untried}
