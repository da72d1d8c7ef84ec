"""Messages read right to left: RLM/isolates in text, dir="rtl" in HTML, highlights."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from alerts.render import (
    LRI,
    PDI,
    RLI,
    RLM,
    render_digest_html,
    render_digest_text,
    render_html,
    render_text,
    subject,
)
from rasid.records import Alert

ALERT = Alert(
    id="x", rule_id="tripoli", article_id="a",
    title="اشتباكات في طرابلس: 12 قتيلاً حسب BBC <عاجل>", source="bbc-arabic",
    url="https://news.example/a?b=1&c=2", matched_terms=["طرابلس"],
    fired_at=datetime(2024, 5, 12, 10, 0, tzinfo=UTC), places=["طرابلس", "ليبيا"],
    other_sources=["الوسط", "aljazeera"], snippet="قالت وكالة Reuters إن 12 شخصاً قتلوا في وطرابلس.",
)  # fmt: skip


def balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in (LRI, RLI, "\u2068"):
            depth += 1
        elif ch == PDI:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def test_text_lines_start_rtl_and_isolate_ltr_runs() -> None:
    text = render_text(ALERT, tz="Africa/Tripoli")
    lines = text.splitlines()
    assert all(line.startswith(RLM) for line in lines if line)
    assert all(balanced(line) for line in lines)
    assert f"{LRI}https://news.example/a?b=1&c=2{PDI}" in text
    assert f"{LRI}bbc-arabic{PDI}" in text and f"{RLI}الوسط{PDI}" in text
    # Local time of the rule's zone, isolated left to right so digits and zone keep their order.
    assert f"{LRI}2024-05-12 12:00 EET{PDI}" in text
    # Matched words highlighted where they occur, clitic forms included.
    assert "«طرابلس»" in lines[0] and "«وطرابلس»" in text
    for label in ("المصدر", "الوقت", "الأماكن", "مصادر أخرى", "الرابط"):
        assert label in text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.dirs: dict[str, list[str]] = {}
        self.marks: list[str] = []
        self._in_mark = False
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "dir" in a:
            self.dirs.setdefault(tag, []).append(a["dir"] or "")
        if tag == "mark":
            self._in_mark = True
        if tag == "a":
            self.links.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._in_mark = False

    def handle_data(self, data: str) -> None:
        if self._in_mark:
            self.marks.append(data)


def test_html_is_rtl_escaped_and_highlighted() -> None:
    page = render_html(ALERT)
    p = _Collect()
    p.feed(page)
    assert p.dirs["html"] == ["rtl"] and p.dirs["body"] == ["rtl"]
    assert p.dirs["time"] == ["ltr"]
    assert "طرابلس" in p.marks and "وطرابلس" in p.marks
    assert p.links[0] == "https://news.example/a?b=1&c=2"
    assert "&lt;عاجل&gt;" in page and "<عاجل>" not in page  # escaped, not markup
    assert "<bdi>bbc-arabic</bdi>" in page


def test_digest_forms() -> None:
    alerts = [ALERT, ALERT]
    text = render_digest_text(alerts, "hourly")
    assert text.splitlines()[0].startswith(RLM + "ملخص كل ساعة")
    assert f"{LRI}1{PDI}. " in text and f"{LRI}2{PDI}. " in text
    html = render_digest_html(alerts, "daily")
    assert html.count("<article") == 2 and 'dir="rtl"' in html
    assert subject(alerts, "quiet hours").startswith(RLM + "بعد ساعات الهدوء (2)")
    assert subject([ALERT]) == RLM + "[tripoli] " + ALERT.title


_WORDS = ["طرابلس", "حفتر", "BBC", "2024", "https://news.example/a?b=1", "«عاجل»", "🔔", "و"]


def test_split_message_property() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from alerts.render import split_message, utf16_len

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(st.sampled_from(_WORDS), min_size=1, max_size=400),
        st.sampled_from([" ", "\n", "  "]),
        st.integers(min_value=40, max_value=400),
    )
    def check(words: list[str], sep: str, limit: int) -> None:
        text = sep.join(words)
        parts = split_message(text, limit=limit)
        assert all(utf16_len(p) <= limit for p in parts)
        assert [w for p in parts for w in p.replace(RLM, "").split()] == text.split()

    check()
