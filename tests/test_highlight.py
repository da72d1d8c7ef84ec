"""Highlighting keeps words written with Arabic diacritics whole (store/highlight.py).

Python's ``\\w`` does not include the Arabic combining marks, so a word such as «مهاجرًا»
used to split into «مهاجر» + «ا»: search found the article but showed no highlight and no
snippet, and alert snippets fell back to the start of the body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from alerts.evaluate import build_alert
from alerts.render import render_html
from alerts.rules import Rule
from processing.normalize import tokens
from rasid.records import MARK_END, MARK_START, Article, SearchQuery
from rasid.terminal import marked_markup, rtl_line
from store.highlight import fragments, highlight, matched_words
from store.sqlite import SqliteStore


def _terms(query: str) -> set[str]:
    return set(tokens(query))


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        ("وصل مهاجرًا إلى الشاطئ", "مهاجرا", "«مهاجرًا»"),  # tanween
        ("قال محمّد إن", "محمد", "«محمّد»"),  # shadda
        ("عاد المُهَاجِرُونَ أمس", "المهاجرون", "«المُهَاجِرُونَ»"),  # several marks
        ("زار بنغازي وطرابلسَ أمس", "طرابلس", "«وطرابلسَ»"),  # clitic + fatha
        ("في طرابلـــس اليوم", "طرابلس", "«طرابلـــس»"),  # tatweel
    ],
)
def test_word_with_marks_is_highlighted_whole(text: str, query: str, marked: str) -> None:
    out = highlight(text, _terms(query))
    assert marked in out
    # The original text, marks included, is what is shown: only the guillemets are added.
    assert out.replace("«", "").replace("»", "") == text
    assert matched_words(text, _terms(query)) == [marked.strip("«»")]


def test_near_miss_with_marks_stays_unmarked() -> None:
    text = "مطبخ طرابلسيّ وطرابلسيٌّ آخر"
    assert highlight(text, _terms("طرابلس")) == text
    assert fragments(text, _terms("طرابلس")) == []


def test_fragment_is_built_around_a_word_with_marks() -> None:
    body = "كلام " * 60 + "ثم وصل مهاجرًا إلى الشاطئ." + " كلام" * 60
    (frag,) = fragments(body, _terms("مهاجرا"), limit=3)
    assert "«مهاجرًا»" in frag and frag.startswith("… ") and frag.endswith(" …")


def test_search_shows_highlight_and_snippet_for_marked_word(tmp_path: Path) -> None:
    st = SqliteStore(tmp_path / "r.db")
    now = datetime(2024, 5, 12, tzinfo=UTC)
    st.upsert_articles(
        [
            Article(
                id="a1", url="http://x/1", canonical_url="http://x/1", source="s", feed_id="f",
                title="قارب يقلّ مهاجرًا", body="أنقذ خفر السواحل مهاجرًا قرب طرابلسَ.",
                lang="ar", fetched_at=now,
            )
        ]
    )  # fmt: skip
    (hit,) = st.search(SearchQuery(text="مهاجرا"))
    assert hit.marked()["title"] == ["قارب يقلّ «مهاجرًا»"]
    assert "«مهاجرًا»" in hit.marked()["body"][0]


def test_alert_snippet_and_html_mark_keep_the_marks() -> None:
    now = datetime(2024, 5, 12, tzinfo=UTC)
    body = "مقدمة طويلة " * 40 + "وأعلن محمّد الحاضر نتائج الاجتماع." + " ختام" * 40
    art = Article(
        id="a1", url="http://x/1", canonical_url="http://x/1", source="s", feed_id="f",
        title="لقاء مع محمّد", body=body, lang="ar", fetched_at=now,
    )  # fmt: skip
    alert = build_alert(Rule(id="m", keywords=["محمد"]), art, ["محمد"], now)
    # The snippet is the window around the match, not the start of the body.
    assert "محمّد الحاضر" in alert.snippet
    html = render_html(alert)
    assert "<mark>محمّد</mark>" in html


def test_a_terminal_shows_matches_in_reverse_video_not_as_quotation_marks() -> None:
    # The article quotes a word itself; a «» mark for the match would look the same.
    frag = highlight("قال «الوفاق» إن طرابلس هادئة", {"طرابلس"}, start=MARK_START, end=MARK_END)
    console = Console(force_terminal=True, color_system="standard", width=200, highlight=False)
    with console.capture() as cap:
        console.print(marked_markup(frag, styled=True, mode="isolate"))
    shown = cap.get()
    assert "\x1b[7mطرابلس\x1b[0m" in shown
    assert "«الوفاق»" in shown and "«طرابلس»" not in shown
    assert MARK_START not in shown and MARK_END not in shown
    # Pipes and terminals that need visual reordering keep printable marks.
    assert "«طرابلس»" in marked_markup(frag, styled=False, mode="off")
    assert MARK_START not in marked_markup(frag, styled=True, mode="visual")


def test_third_party_brackets_stay_text_around_a_reverse_video_match() -> None:
    frag = highlight("[عاجل] طرابلس", {"طرابلس"}, start=MARK_START, end=MARK_END)
    console = Console(force_terminal=True, color_system="standard", width=200, highlight=False)
    with console.capture() as cap:
        console.print(marked_markup(frag, styled=True, mode="isolate"))
    assert "[عاجل]" in cap.get()


def test_visual_mode_shapes_letters_and_mirrors_brackets() -> None:
    # For terminals without bidi: joined letter forms, (…) and «…» facing the right way, and
    # no short vowel moved onto the wrong letter by the reordering.
    shown = rtl_line("في (الصحراء) «طرابلس» يوميًا", "visual")
    assert shown == "ﺎﻴﻣﻮﻳ «ﺲﻠﺑﺍﺮﻃ» (ﺀﺍﺮﺤﺼﻟﺍ) ﻲﻓ"


def test_private_use_characters_in_an_article_cannot_unbalance_the_marks() -> None:
    # «نص \ue001 فيه» from an icon font: rich raised MarkupError on a lone [/reverse].
    frag = "نص \ue001 فيه \ue000طرابلس\ue001 و\ue000"
    console = Console(force_terminal=True, color_system="standard", width=200, highlight=False)
    with console.capture() as cap:
        console.print(marked_markup(frag, styled=True, mode="isolate"))
    assert "\x1b[7mطرابلس\x1b[0m" in cap.get()
    assert marked_markup(frag, styled=False, mode="off") == "نص  فيه «طرابلس» و«»"
    # And ingest drops them from the text altogether.
    from processing.assemble import _text

    assert _text(" عاجل\ue000\uf8ff ") == "عاجل"


def test_an_unknown_bidi_mode_is_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rasid.terminal import bidi_mode

    monkeypatch.setenv("RASID_BIDI", "visaul")
    assert bidi_mode(tty=False) == "off"
    assert "RASID_BIDI='visaul' is not one of isolate, visual, off" in capsys.readouterr().err
