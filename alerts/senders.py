"""One function per channel type: send a rendered message or raise.

Each send carries the message's idempotency key where the channel allows it (HTTP header
``Idempotency-Key``, e-mail ``Message-ID``, the JSONL line's ``key``), so a receiver can
drop a repeat even in the one case the outbox cannot rule out (a crash after the receiver
accepted the message but before the outbox recorded it as sent).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx

from alerts import render
from alerts.channels import (
    ConsoleChannel,
    EmailChannel,
    JsonlChannel,
    SlackChannel,
    TelegramChannel,
    WebhookChannel,
    secret,
)
from rasid.records import Alert
from rasid.terminal import bidi_mode, rtl_line

SIGNATURE_HEADER = "X-Rasid-Signature"


@dataclass(slots=True)
class Message:
    key: str  # idempotency key of the message (one alert, or a bundle)
    channel_id: str
    alerts: list[Alert]
    reason: str = ""  # "" for a single alert; else digest/quiet hours/throttle
    owner: str | None = None
    recipients: list[str] = field(default_factory=list)
    tz: str = "UTC"
    # Parts already accepted (Telegram): an in-process retry resumes after them.
    parts_sent: int = 0
    # Rule id -> rule name, for the rules that have one: readers see names, not ids.
    rule_names: dict[str, str] = field(default_factory=dict)

    def subject(self) -> str:
        return render.subject(self.alerts, self.reason, self.rule_names)

    @property
    def single(self) -> bool:
        return len(self.alerts) == 1 and not self.reason

    def text(self) -> str:
        if self.single:
            a = self.alerts[0]
            return render.render_text(
                a, tz=self.tz, rule=render.rule_label(a.rule_id, self.rule_names)
            )
        return render.render_digest_text(self.alerts, self.reason, tz=self.tz)

    def html(self) -> str:
        if self.single:
            a = self.alerts[0]
            return render.render_html(
                a, tz=self.tz, rule=render.rule_label(a.rule_id, self.rule_names)
            )
        return render.render_digest_html(self.alerts, self.reason, tz=self.tz)


class PermanentError(Exception):
    """The receiver refused the message (4xx other than 408/429): retrying now will not help."""


def sign(secret_value: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret_value.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret_value: str, body: bytes, header: str | None) -> bool:
    """For receivers: constant-time check of ``X-Rasid-Signature``."""
    return bool(header) and hmac.compare_digest(sign(secret_value, body), header or "")


# --- local ---------------------------------------------------------------------------------------


def send_console(ch: ConsoleChannel, msg: Message, console: Any = None) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    # stderr by default: `rasid run --json` keeps stdout for machine-readable output.
    out = console or Console(stderr=True)
    # The same bidi handling as `search`, `stories` and `alerts` (rasid.terminal), decided
    # for the stream this console writes to. Rich gives the controls no width.
    mode = bidi_mode(tty=out.is_terminal)
    body = "\n".join(_console_line(line, mode) for line in msg.text().split("\n"))
    # Text objects, not markup strings: «[tripoli]» in a title must not be read as a style tag.
    out.print(
        Panel(
            Text(body),
            title=Text(_console_line(msg.subject(), mode)),
            title_align="right",
            expand=False,
        )
    )


_BIDI_CONTROLS = str.maketrans("", "", "\u200f\u2066\u2067\u2068\u2069")


def _console_line(line: str, mode: str) -> str:
    """One line of a plain-text message for a terminal. ``isolate`` keeps the renderer's
    isolates around names, times and URLs inside the line (only its leading RLM goes, as
    rtl_line adds its own); ``visual`` and ``off`` get the bare text, as the other views."""
    if mode == "isolate":
        return rtl_line(line.removeprefix(render.RLM), mode)
    return rtl_line(line.translate(_BIDI_CONTROLS), mode)


def send_jsonl(ch: JsonlChannel, msg: Message, console: Any = None) -> None:
    path = Path(ch.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).isoformat()
    lines = [
        json.dumps(
            {
                "key": f"{a.id}:{ch.id}",
                "message_key": msg.key,
                "reason": msg.reason or None,
                "delivered_at": now,
                "alert": a.to_dict(),
            },
            ensure_ascii=False,
        )
        for a in msg.alerts
    ]
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()


# --- HTTP ----------------------------------------------------------------------------------------


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
    resp = httpx.post(url, content=body, headers=headers, timeout=timeout)
    if resp.status_code >= 300:
        detail = resp.text[:200]
        err = f"HTTP {resp.status_code} from {url}: {detail}"
        if 400 <= resp.status_code < 500 and resp.status_code not in (408, 425, 429):
            raise PermanentError(err)
        raise httpx.HTTPStatusError(err, request=resp.request, response=resp)
    return resp


def send_webhook(ch: WebhookChannel, msg: Message, console: Any = None) -> None:
    payload = render.webhook_payload(msg.alerts, msg.key, msg.reason, tz=msg.tz)
    payload["channel"] = ch.id
    payload["sent_at"] = datetime.now(UTC).isoformat()
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": msg.key}
    headers.update(ch.headers)
    key = secret(ch.secret, ch.secret_env, f"webhook {ch.id}")
    if key:
        headers[SIGNATURE_HEADER] = sign(key, body)
    _post(ch.url, body, headers, ch.timeout_s)


def send_slack(ch: SlackChannel, msg: Message, console: Any = None) -> None:
    url = secret(ch.url, ch.url_env, f"slack {ch.id}")
    if not url:
        raise PermanentError(f"slack {ch.id}: no url or url_env")
    body = json.dumps(render.render_slack(msg.alerts, msg.reason, tz=msg.tz), ensure_ascii=False)
    _post(
        url, body.encode("utf-8"), {"Content-Type": "application/json; charset=utf-8"}, ch.timeout_s
    )


def send_telegram(ch: TelegramChannel, msg: Message, console: Any = None) -> None:
    """sendMessage per chunk (each < 4,096 characters). An in-process retry resumes at the
    chunk that failed; a retry in a later run starts again (Telegram has no idempotency key)."""
    token = secret(ch.token, ch.token_env, f"telegram {ch.id}")
    if not token:
        raise PermanentError(f"telegram {ch.id}: no token or token_env")
    url = f"{ch.base_url.rstrip('/')}/bot{token}/sendMessage"
    chunks = render.render_telegram(msg.alerts, msg.reason, tz=msg.tz)
    for chunk in chunks[msg.parts_sent :]:
        body = {"chat_id": ch.chat_id, "text": chunk, "disable_web_page_preview": True}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        _post(url, data, {"Content-Type": "application/json; charset=utf-8"}, ch.timeout_s)
        msg.parts_sent += 1


# --- e-mail --------------------------------------------------------------------------------------


# An RFC 2047 encoded-word may be at most 75 characters, and a header line should stay within
# 78: «Subject: » (9) + «=?utf-8?b?…?=» (12) leave 57 for base64, i.e. 42 bytes of UTF-8.
_EW_BYTES = 42
_WORDS = re.compile(r"\S+\s*|\s+")


def _subject_words(value: str) -> list[str]:
    """Cut ``value`` into pieces of at most _EW_BYTES UTF-8 bytes, at spaces where possible,
    each piece keeping the space that follows it, so no space ever sits *between* two
    encoded-words (where RFC 2047 decoders must drop it)."""
    pieces: list[str] = []
    cur = ""
    for token in _WORDS.findall(value):
        if len((cur + token).encode()) <= _EW_BYTES:
            cur += token
            continue
        if cur:
            pieces.append(cur)
        cur = ""
        for char in token:  # a word longer than one encoded-word: cut between characters
            if len((cur + char).encode()) > _EW_BYTES:
                pieces.append(cur)
                cur = ""
            cur += char
    if cur:
        pieces.append(cur)
    return pieces


def fold_subject(name: str, value: str, linesep: str = "\r\n") -> str:
    """``Name: =?utf-8?b?…?=`` with one encoded-word per line, every line < 78 characters."""
    words = [f"=?utf-8?b?{base64.b64encode(p.encode()).decode()}?=" for p in _subject_words(value)]
    return f"{name}: " + f"{linesep} ".join(words) + linesep


class _MailPolicy(EmailPolicy):
    """The default SMTP policy, except for the Subject. Python's folder (3.11 at least) cuts
    a long non-ASCII subject into encoded-words with the space between two words falling
    *between* two encoded-words, where decoders must ignore it: «الثانية وسقوط» arrived as
    «الثانيةوسقوط». We fold the subject ourselves, keeping every space inside a word."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() == "subject" and not str(value).isascii():
            return fold_subject(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() == "subject" and not str(value).isascii():
            return fold_subject(name, str(value), self.linesep).encode("ascii")
        return super().fold_binary(name, value)


MAIL_POLICY = _MailPolicy()  # linesep "\n"; smtplib flattens with "\r\n"


def build_email(ch: EmailChannel, msg: Message) -> EmailMessage:
    em = EmailMessage(policy=MAIL_POLICY)
    em["Subject"] = msg.subject()
    em["From"] = ch.sender
    em["To"] = ", ".join(dict.fromkeys([*ch.to, *msg.recipients]))
    # format_datetime of an aware UTC time gives «+0000»; formatdate(localtime=False) gave
    # «-0000», which RFC 5322 reserves for "zone unknown".
    em["Date"] = format_datetime(datetime.now(UTC))
    # A stable Message-ID from the idempotency key lets mail systems drop a resend.
    digest = hashlib.sha1(msg.key.encode()).hexdigest()[:24]
    em["Message-ID"] = f"<{digest}@rasid>"
    em["X-Rasid-Key"] = msg.key
    em.set_content(msg.text(), subtype="plain", charset="utf-8")
    em.add_alternative(msg.html(), subtype="html", charset="utf-8")
    # set_content gives every part its own MIME-Version; RFC 2045 wants it on the top only.
    for part in em.iter_parts():
        del part["MIME-Version"]
    return em


def _tls_context(ch: EmailChannel) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ch.ca_file)
    if not ch.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def send_email(ch: EmailChannel, msg: Message, console: Any = None) -> None:
    em = build_email(ch, msg)
    if not em["To"]:
        raise PermanentError(f"email {ch.id}: no recipients (set 'to' or the rule's recipients)")
    password = secret(ch.password, ch.password_env, f"email {ch.id}")
    if ch.ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            ch.host, ch.port, timeout=ch.timeout_s, context=_tls_context(ch)
        )
    else:
        smtp = smtplib.SMTP(ch.host, ch.port, timeout=ch.timeout_s)
    with smtp:
        smtp.ehlo()
        if ch.starttls and not ch.ssl:
            smtp.starttls(context=_tls_context(ch))
            smtp.ehlo()
        if ch.username:
            smtp.login(ch.username, password or "")
        try:
            smtp.send_message(em)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"email {ch.id}: recipients refused: {exc.recipients}") from exc


SENDERS: dict[str, Callable[[Any, Message, Any], None]] = {
    "console": send_console,
    "jsonl": send_jsonl,
    "webhook": send_webhook,
    "slack": send_slack,
    "telegram": send_telegram,
    "email": send_email,
}
