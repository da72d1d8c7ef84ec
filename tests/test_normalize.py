from processing.normalize import index_text, match_forms, normalize, tokens


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
