from processing.language import detect_language

ARABIC = "غوتيريش يجتمع بحفتر مع تقدم قوات الجيش نحو طرابلس، وقال إن الحل سياسي. " * 6


def test_short_arabic_is_not_persian() -> None:
    assert detect_language("بنغازي") == "ar"


def test_long_arabic_shortcut_and_other_scripts() -> None:
    assert detect_language("عنوان", ARABIC) == "ar"
    assert detect_language("", "این یک متن فارسی است که برای آزمایش نوشته شده است. " * 6) == "fa"
    assert detect_language("", "یہ ایک اردو متن ہے جو جانچ کے لیے لکھا گیا ہے۔ " * 6) == "ur"
    assert detect_language("Markets", "Investors are rotating out of energy names. " * 6) == "en"
    assert detect_language("", "123 456") == "und"
