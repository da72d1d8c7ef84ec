"""A phrase rule's alert shows the phrase: the snippet is cut around where it occurs and the
highlight marks it as one run, not each of its words wherever they stand (audit 4, #2).

One-word rules keep their clitic-aware highlight: «وطرابلس», «بطرابلس» yes, «طرابلسي» no.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from alerts.evaluate import build_alert, evaluate
from alerts.render import render_html, render_text
from alerts.rules import Rule
from rasid.records import Alert, Article
from store.highlight import fragments, highlight, matched_words, spans, term_phrases
from store.sqlite import SqliteStore

CBL = Rule(id="cbl", keywords=["مصرف ليبيا المركزي"])
PHRASE = CBL.keywords[0]

# Five paragraphs; only the fifth holds the phrase, while its words stand alone earlier.
PARAGRAPHS = [
    "عقدت الحكومة في ليبيا صباح اليوم اجتماعاً لبحث أزمة انقطاع الكهرباء في المدن.",
    "وقال المتحدث إن المصرف الأهلي سيموّل صيانة المحطات خلال الأسابيع المقبلة.",
    "وأضاف أن التنسيق مع الجهات المعنية مستمر، وأن الأحمال ستخفّف تدريجياً.",
    "وشهدت العاصمة احتجاجات محدودة على طول ساعات الانقطاع في الأحياء الجنوبية.",
    "وفي وقت لاحق أعلن مصرف ليبيا المركزي تخصيص اعتمادات عاجلة لشركة الكهرباء.",
]
BODY = "\n\n".join(PARAGRAPHS)
TITLE = "تحديث: أزمة الكهرباء والمركزي يتدخل"


def _alert(mk: Callable[..., Article], now: datetime, rule: Rule = CBL, **kw: str) -> Alert:
    art = mk("a1", kw.get("title", TITLE), kw.get("body", BODY))
    return build_alert(rule, art, list(rule.keywords), now)


def test_phrase_in_fifth_paragraph_is_in_the_snippet(
    mk: Callable[..., Article], now: datetime
) -> None:
    alert = _alert(mk, now)
    assert PHRASE in alert.snippet
    # Cut around the match: the lead (where «ليبيا» stands alone) is not the window.
    assert not alert.snippet.startswith("عقدت")


def test_lone_word_of_the_phrase_is_not_highlighted(
    mk: Callable[..., Article], now: datetime
) -> None:
    alert = _alert(mk, now)
    text = render_text(alert)
    assert f"«{PHRASE}»" in text
    assert "«والمركزي»" not in text and "«ليبيا»" not in text and "«مصرف»" not in text
    html = render_html(alert)
    assert f"<mark>{PHRASE}</mark>" in html
    assert "<mark>والمركزي</mark>" not in html


def test_evaluate_gives_the_phrase_window(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    (alert,) = evaluate([CBL], [mk("a1", TITLE, BODY)], store, now)
    assert alert.matched_terms == [PHRASE]
    assert PHRASE in alert.snippet


def test_phrase_marked_as_one_run_through_clitics_marks_and_punctuation() -> None:
    phrases = term_phrases([PHRASE])
    text = "قال إن لمصرفِ ليبيا، المركزيّ دوراً، وإن المركزي وحده لا يكفي"
    out = highlight(text, set(), phrases=phrases)
    assert out == "قال إن «لمصرفِ ليبيا، المركزيّ» دوراً، وإن المركزي وحده لا يكفي"
    assert matched_words(text, set(), phrases) == ["لمصرفِ ليبيا، المركزيّ"]


def test_longer_phrase_wins_and_one_word_terms_still_mark_alone() -> None:
    phrases = term_phrases(["مصرف ليبيا", PHRASE, "الكهرباء"])
    out = highlight("مصرف ليبيا ثم مصرف ليبيا المركزي وشركة الكهرباء", set(), phrases=phrases)
    assert out == "«مصرف ليبيا» ثم «مصرف ليبيا المركزي» وشركة «الكهرباء»"


def test_single_word_rule_is_unchanged(mk: Callable[..., Article], now: datetime) -> None:
    rule = Rule(id="tripoli", keywords=["طرابلس"])
    body = "مقدمة " * 50 + "اشتباكات في وطرابلس وبطرابلس ثم بطرابلس ومطعم طرابلسي." + " ختام" * 50
    alert = build_alert(rule, mk("a1", "هدوء في طرابلس", body), ["طرابلس"], now)
    assert alert.snippet.startswith("… ") and "وطرابلس" in alert.snippet
    text = render_text(alert)
    assert "«طرابلس»" in text and "«وطرابلس»" in text and "«بطرابلس»" in text
    assert "«وبطرابلس»" in text and "«طرابلسي»" not in text and "طرابلسي" in text
    # The one-word phrase form and the plain term set mark exactly the same words.
    assert list(spans(body, {"طرابلس"})) == list(spans(body, set(), term_phrases(["طرابلس"])))


def test_title_only_match_keeps_the_lead(mk: Callable[..., Article], now: datetime) -> None:
    body = "نص لا يذكر شيئاً عن المصرف. " * 20
    alert = _alert(mk, now, title=f"{PHRASE} يتدخل", body=body)
    assert alert.snippet.startswith("نص لا يذكر")
    assert f"«{PHRASE}»" in render_text(alert)


def test_search_fragments_still_mark_each_word() -> None:
    # `rasid search` words are all-of, not a phrase: each occurrence is marked on its own.
    (frag,) = fragments("أعلن مصرف ليبيا المركزي", {"مصرف", "ليبيا", "المركزي"})
    assert frag == "أعلن «مصرف» «ليبيا» «المركزي»"


def test_derived_forms_are_marked_where_the_rule_matched_them(
    store: SqliteStore, mk: Callable[..., Article], now: datetime
) -> None:
    # `derived: true` and a trailing «*» match «الطرابلسية»; the alert used to mark only the
    # bare word, so an alert that fired on the derived form showed nothing marked.
    body = "مقدمة " * 40 + "فازت الفرق الطرابلسية بالكأس، وأشاد المدرب بالجمهور." + " ختام" * 40
    for rule in (
        Rule(id="flag", keywords=["طرابلس"], derived=True),
        Rule(id="star", keywords=["طرابلس*"]),
    ):
        (alert,) = evaluate([rule], [mk("a1", "نتائج الدوري", body)], store, now)
        assert alert.matched_terms == ["طرابلس*"]
        assert "الطرابلسية" in alert.snippet
        assert "«الطرابلسية»" in render_text(alert)
        assert "<mark>الطرابلسية</mark>" in render_html(alert)
    # A derived phrase: each word by prefix, as the matcher reads it; «طرابزون» is not one.
    phrases = term_phrases(["ليبي* طرابلس*"])
    out = highlight("الفرق الليبية الطرابلسية ثم ليبيا طرابزون", set(), phrases=phrases)
    assert out == "الفرق «الليبية الطرابلسية» ثم ليبيا طرابزون"
