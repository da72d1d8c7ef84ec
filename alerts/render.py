"""Alert messages that read right to left: plain text, HTML, Slack and Telegram forms.

Pure functions. Plain text starts every line with RLM (so clients that guess a paragraph's
direction from its first strong character choose right-to-left) and wraps Latin runs —
URLs, source ids, times — in LRI…PDI isolates and Arabic text in RLI…PDI, so numbers and
Latin words inside Arabic keep their order. HTML uses dir="rtl" with <bdi> for the same job.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rasid.records import Alert
from store.highlight import Phrase, highlight, term_phrases

RLM = "\u200f"
LRI = "\u2066"
RLI = "\u2067"
FSI = "\u2068"
PDI = "\u2069"

# Sentinels for highlighting before escaping (they never occur in news text).
_HS, _HE = "\x02", "\x03"

LABELS = {
    "source": "المصدر",
    "time": "الوقت",
    "published": "النشر",
    "terms": "الكلمات المطابقة",
    "places": "الأماكن",
    "others": "مصادر أخرى",
    "link": "الرابط",
    "rule": "القاعدة",
    "owner": "المسؤول",
    "digest": "ملخص التنبيهات",
    "quiet hours": "بعد ساعات الهدوء",
    "throttle": "تنبيهات مؤجلة (تجاوز الحد)",
    "hourly": "ملخص كل ساعة",
    "daily": "ملخص يومي",
}
_AR_SEP = "، "
_LATIN = re.compile(r"[A-Za-z]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def ltr(value: str) -> str:
    return f"{LRI}{value}{PDI}"


def rtl(value: str) -> str:
    return f"{RLI}{value}{PDI}"


def isolate(value: str) -> str:
    """Isolate a value of either direction: Arabic → RLI, anything else → LRI."""
    return rtl(value) if _ARABIC.search(value) else ltr(value)


def phrases_of(alert: Alert) -> frozenset[Phrase]:
    return term_phrases(alert.matched_terms)


def format_time(value: datetime | None, tz: str | ZoneInfo | None = None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or UTC)
    local = value.astimezone(zone)
    name = local.tzname() or ""
    return local.strftime("%Y-%m-%d %H:%M") + (f" {name}" if name else "")


def _mark(text: str, alert: Alert, start: str, end: str) -> str:
    # A phrase rule marks where the phrase occurs, as one run: its words elsewhere (a lone
    # «والمركزي» in the title for «مصرف ليبيا المركزي») are not what the rule matched.
    return highlight(text, set(), phrases=phrases_of(alert), start=start, end=end)


# --- plain text ------------------------------------------------------------------------------


def _lines_text(alert: Alert, tz: str | ZoneInfo | None, rule: str = "") -> list[str]:
    title = _mark(alert.title, alert, "«", "»")
    when = format_time(alert.published_at or alert.fired_at, tz)
    lines = [rtl(title) if _ARABIC.search(title) else ltr(title)]
    lines.append(f"{LABELS['source']}: {isolate(alert.source)} · {LABELS['time']}: {ltr(when)}")
    if rule:  # a single alert's body otherwise never says which rule fired
        lines.append(f"{LABELS['rule']}: {isolate(rule)}")
    lines.append(
        f"{LABELS['terms']}: " + _AR_SEP.join(isolate(f"«{t}»") for t in alert.matched_terms)
    )
    if alert.places:
        lines.append(f"{LABELS['places']}: " + _AR_SEP.join(isolate(p) for p in alert.places))
    if alert.other_sources:
        lines.append(
            f"{LABELS['others']}: " + _AR_SEP.join(isolate(s) for s in alert.other_sources)
        )
    if alert.snippet:
        lines.append(isolate(_mark(alert.snippet, alert, "«", "»")))
    lines.append(f"{LABELS['link']}: {ltr(alert.url)}")
    return lines


def _rtl_lines(lines: Sequence[str]) -> str:
    return "\n".join(f"{RLM}{line}" if line else "" for line in lines)


def render_text(alert: Alert, *, tz: str | ZoneInfo | None = None, rule: str = "") -> str:
    """``rule``: the rule's display name (or id), shown on its own line when given."""
    return _rtl_lines(_lines_text(alert, tz, rule))


def digest_heading(alerts: Sequence[Alert], reason: str) -> str:
    label = LABELS.get(reason, LABELS["digest"])
    rules = sorted({a.rule_id for a in alerts})
    return f"{label}: {ltr(str(len(alerts)))} · {LABELS['rule']}: " + _AR_SEP.join(
        isolate(r) for r in rules
    )


def render_digest_text(
    alerts: Sequence[Alert], reason: str = "digest", *, tz: str | ZoneInfo | None = None
) -> str:
    lines = [digest_heading(alerts, reason), ""]
    for i, alert in enumerate(alerts, 1):
        block = _lines_text(alert, tz)
        block[0] = f"{ltr(str(i))}. {block[0]}"
        lines.extend([*block, ""])
    return _rtl_lines(lines).rstrip("\n")


def rule_label(rule_id: str, names: Mapping[str, str] | None = None) -> str:
    """A rule's ``name`` when it has one, else its id."""
    return (names or {}).get(rule_id) or rule_id


def subject(
    alerts: Sequence[Alert], reason: str = "", names: Mapping[str, str] | None = None
) -> str:
    """``names``: rule id -> rule name; a reader knows «طرابلس الليبية», not «tripoli»."""
    if len(alerts) == 1 and not reason:
        a = alerts[0]
        return f"{RLM}[{rule_label(a.rule_id, names)}] {a.title}"
    label = LABELS.get(reason, LABELS["digest"])
    rules = sorted({rule_label(a.rule_id, names) for a in alerts})
    return f"{RLM}{label} ({len(alerts)}) · " + _AR_SEP.join(rules)


# --- HTML ----------------------------------------------------------------------------------------


def _html_marked(text: str, alert: Alert) -> str:
    marked = html.escape(_mark(text, alert, _HS, _HE))
    return marked.replace(_HS, "<mark>").replace(_HE, "</mark>")


def _bdi(value: str) -> str:
    return f"<bdi>{html.escape(value)}</bdi>"


def _html_block(alert: Alert, tz: str | ZoneInfo | None, rule: str = "") -> str:
    url = html.escape(alert.url, quote=True)
    when_dt = alert.published_at or alert.fired_at
    when = html.escape(format_time(when_dt, tz))
    iso = html.escape(when_dt.isoformat()) if when_dt else ""
    parts = [
        '<article dir="rtl" style="margin-bottom:1.2em">',
        f'<h2 style="margin:0 0 .3em"><a href="{url}">{_html_marked(alert.title, alert)}</a></h2>',
        f"<p>{LABELS['source']}: {_bdi(alert.source)} · {LABELS['time']}: "
        f'<time datetime="{iso}" dir="ltr">{when}</time></p>',
        *([f"<p>{LABELS['rule']}: {_bdi(rule)}</p>"] if rule else []),
        f"<p>{LABELS['terms']}: "
        + _AR_SEP.join(f"<mark>{html.escape(t)}</mark>" for t in alert.matched_terms)
        + "</p>",
    ]
    if alert.places:
        parts.append(
            f"<p>{LABELS['places']}: " + _AR_SEP.join(_bdi(p) for p in alert.places) + "</p>"
        )
    if alert.other_sources:
        parts.append(
            f"<p>{LABELS['others']}: " + _AR_SEP.join(_bdi(s) for s in alert.other_sources) + "</p>"
        )
    if alert.snippet:
        parts.append(f"<blockquote>{_html_marked(alert.snippet, alert)}</blockquote>")
    parts.append(f'<p>{LABELS["link"]}: <a href="{url}" dir="ltr">{html.escape(alert.url)}</a></p>')
    parts.append("</article>")
    return "\n".join(parts)


def _html_page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        '<body dir="rtl" style="direction:rtl;text-align:right;'
        'font-family:Tahoma,Arial,sans-serif">\n'
        f"{body}\n</body>\n</html>\n"
    )


def render_html(alert: Alert, *, tz: str | ZoneInfo | None = None, rule: str = "") -> str:
    return _html_page(alert.title, _html_block(alert, tz, rule))


def render_digest_html(
    alerts: Sequence[Alert], reason: str = "digest", *, tz: str | ZoneInfo | None = None
) -> str:
    label = LABELS.get(reason, LABELS["digest"])
    head = f"<h1>{html.escape(label)} ({len(alerts)})</h1>"
    return _html_page(label, head + "\n" + "\n".join(_html_block(a, tz) for a in alerts))


# --- Slack ---------------------------------------------------------------------------------------


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_block(alert: Alert, tz: str | ZoneInfo | None) -> str:
    title = _slack_escape(_mark(alert.title, alert, _HS, _HE)).replace(_HS, "*").replace(_HE, "*")
    lines = [
        f"{RLM}<{alert.url}|{title}>",
        f"{RLM}{LABELS['source']}: {isolate(alert.source)} · {LABELS['time']}: "
        f"{ltr(format_time(alert.published_at or alert.fired_at, tz))}",
        f"{RLM}{LABELS['terms']}: "
        + _AR_SEP.join(f"*{_slack_escape(t)}*" for t in alert.matched_terms),
    ]
    if alert.places:
        lines.append(f"{RLM}{LABELS['places']}: " + _AR_SEP.join(map(_slack_escape, alert.places)))
    if alert.other_sources:
        lines.append(
            f"{RLM}{LABELS['others']}: " + _AR_SEP.join(map(_slack_escape, alert.other_sources))
        )
    return "\n".join(lines)


def render_slack(
    alerts: Sequence[Alert], reason: str = "", *, tz: str | ZoneInfo | None = None
) -> dict[str, object]:
    """A Slack incoming-webhook payload (``text`` fallback plus section blocks)."""
    blocks: list[dict[str, object]] = []
    if len(alerts) > 1 or reason:
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": subject(alerts, reason)}}
        )
    for alert in alerts[:45]:  # Slack allows 50 blocks per message
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_block(alert, tz)[:3000]}}
        )
    if len(alerts) > 45:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"+{len(alerts) - 45}"}]}
        )
    return {"text": subject(alerts, reason), "blocks": blocks}


# --- Telegram ------------------------------------------------------------------------------------

TELEGRAM_LIMIT = 4096


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Chunks of at most ``limit`` UTF-16 units, cut at whitespace, never inside a word
    (a single word longer than the limit is the only thing ever cut). Each chunk that
    does not begin a line gets an RLM so it still reads right to left."""
    budget = limit - 1  # room for the RLM added to a chunk that starts mid-line
    if utf16_len(text) <= limit:
        return [text]
    chunks: list[str] = []
    cur = ""
    for piece in re.split(r"(\s+)", text):
        if not piece:
            continue
        if utf16_len(cur + piece) <= budget:
            cur += piece
            continue
        if cur.strip():
            chunks.append(cur.rstrip())
        cur = "" if piece.isspace() else piece
        while utf16_len(cur) > budget:  # a "word" longer than a whole message
            cut = budget
            while utf16_len(cur[:cut]) > budget:
                cut -= 1
            chunks.append(cur[:cut])
            cur = cur[cut:]
    if cur.strip():
        chunks.append(cur.rstrip())
    return [c if c.startswith(RLM) else RLM + c.lstrip() for c in chunks]


def render_telegram(
    alerts: Sequence[Alert], reason: str = "", *, tz: str | ZoneInfo | None = None
) -> list[str]:
    if len(alerts) == 1 and not reason:
        text = render_text(alerts[0], tz=tz)
    else:
        text = render_digest_text(alerts, reason or "digest", tz=tz)
    return split_message(text)


# --- webhook -------------------------------------------------------------------------------------


def webhook_payload(
    alerts: Sequence[Alert], key: str, reason: str = "", *, tz: str | ZoneInfo | None = None
) -> dict[str, object]:
    single = len(alerts) == 1 and not reason
    return {
        "event": "rasid.alert" if single else "rasid.digest",
        "delivery_key": key,
        "reason": reason or None,
        "alerts": [a.to_dict() for a in alerts],
        "text": render_text(alerts[0], tz=tz)
        if single
        else render_digest_text(alerts, reason, tz=tz),
    }
