import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from processing.normalize import (
    _BIDI,
    _DIACRITICS,
    _FOLD,
    _TATWEEL,
    index_text,
    match_forms,
    normalize,
    tokens,
)


def test_folds_alef_yaa_taa_marbuta_diacritics_tatweel() -> None:
    assert normalize("أإآٱ") == "اااا"
    assert normalize("مصطفى") == "مصطفي"
    assert normalize("مدينة") == "مدينه"
    assert normalize("السّراج") == "السراج"
    assert normalize("الإرهابيّين") == "الارهابيين"
    assert normalize("طـــرابلس") == "طرابلس"


def test_eastern_digits_and_presentation_forms() -> None:
    assert normalize("٢٠١٩") == "2019"
    assert normalize("۲۷") == "27"
    assert normalize("ﻻ") == "لا"


def test_tokens_drop_punctuation() -> None:
    assert tokens("طرابلس، بنغازي.") == ["طرابلس", "بنغازي"]


def test_clitic_forms_match_but_derivations_do_not() -> None:
    for surface in ["وطرابلس", "بطرابلس", "لطرابلس", "فطرابلس", "وبطرابلس", "طرابلس"]:
        assert "طرابلس" in match_forms(normalize(surface)), surface
    assert "حفتر" in match_forms("لحفتر")
    assert "طرابلس" not in match_forms("طرابلسي")


def test_article_after_lam_lam() -> None:
    assert "الحكومه" in match_forms(normalize("للحكومة"))


def test_short_words_are_not_stripped_to_nothing() -> None:
    assert match_forms("ولد") == ("ولد",)


def test_index_text_contains_clitic_free_readings() -> None:
    assert "طرابلس" in index_text("وصل إلى بطرابلس").split()


def _reference(text: str) -> str:
    """The definition ``normalize`` implements faster (NFKC, bidi controls, diacritics,
    tatweel, one translate table, lower case)."""
    text = unicodedata.normalize("NFKC", text)
    text = _BIDI.sub("", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    return text.translate(_FOLD).lower()


# Arabic letters and marks, presentation forms (NFKC folds them), no-break and other spaces,
# Eastern and Persian digits, bidi controls, Latin with capitals and a combining accent.
_ALPHABET = st.sampled_from(
    [
        *"أإآٱاىيةهیکك ـًٌٍَُِّْٰ٠١٢٩۰۵۹طرابلسحفتر",
        *("\xa0", "\u202f", "\u200f", "\u202b", "\u2066", "\ufeff", "\u200c", "\u0301"),
        *"\ufef7\ufefb\ufe8e\ufef4\ufeb3\ufb50\u2026\u2033ABCabc .,،",
    ]
)


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(_ALPHABET, max_size=40))
def test_normalize_is_its_definition(text: str) -> None:
    assert normalize(text) == _reference(text)


def test_normalize_folds_no_break_spaces_and_presentation_forms_in_one_text() -> None:
    text = "ﻷن\xa0الرئيسة\u200f قالت ١٢ مرة… ﻻ"
    assert normalize(text) == _reference(text) == "لان الرئيسه قالت 12 مره... لا"
    assert re.fullmatch(r"[\w .]+", normalize(text))
