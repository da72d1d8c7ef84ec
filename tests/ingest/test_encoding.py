# ruff: noqa: E501  (Arabic fixture text reads better unwrapped)
from ingest.encoding import arabic_score, declared_charsets, decode_html, repair_mojibake

ARABIC = "<html><head><title>طرابلس</title></head><body><p>اشتباكات عنيفة جنوب طرابلس بين قوات حكومة الوفاق وقوات حفتر</p></body></html>"


def test_utf8():
    assert decode_html(ARABIC.encode()) == (ARABIC, "utf-8")


def test_utf8_bom_is_dropped():
    text, enc = decode_html(b"\xef\xbb\xbf" + ARABIC.encode())
    assert text == ARABIC and enc == "utf-8"


def test_undeclared_windows_1256():
    text, enc = decode_html(ARABIC.encode("windows-1256"))
    assert text == ARABIC and enc == "windows-1256"


def test_windows_1256_declared_as_utf8_in_header_and_meta():
    page = ARABIC.replace("<head>", '<head><meta charset="utf-8">').encode("windows-1256")
    text, enc = decode_html(page, {"Content-Type": "text/html; charset=UTF-8"})
    assert "اشتباكات عنيفة" in text and enc == "windows-1256"


def test_windows_1256_declared_as_latin1():
    page = ARABIC.replace("<head>", '<head><meta charset="iso-8859-1">').encode("windows-1256")
    text, enc = decode_html(page, {"content-type": "text/html; charset=ISO-8859-1"})
    assert "اشتباكات عنيفة" in text and enc == "windows-1256"


def test_iso_8859_6_declared():
    page = "<p>خبر عاجل من بنغازي</p>".encode("iso-8859-6")
    text, enc = decode_html(page, {"content-type": "text/html; charset=iso-8859-6"})
    assert "خبر عاجل من بنغازي" in text and enc == "iso-8859-6"


def test_double_encoded_utf8_is_repaired():
    mojibake = "اشتباكات عنيفة جنوب طرابلس".encode().decode("latin-1")
    assert "Ø" in mojibake
    text, enc = decode_html(f"<p>{mojibake}</p>".encode())
    assert "اشتباكات عنيفة جنوب طرابلس" in text and enc == "utf-8+mojibake-repaired"


def test_repair_leaves_clean_text_alone():
    assert repair_mojibake("Café crème, déjà vu") == "Café crème, déjà vu"
    assert repair_mojibake("طرابلس") == "طرابلس"


def test_declared_charsets_order():
    body = b'<?xml version="1.0" encoding="windows-1256"?><rss/>'
    assert declared_charsets(body, {"Content-Type": "text/xml; charset=utf-8"}) == [
        "utf-8",
        "windows-1256",
    ]


def test_score_prefers_arabic():
    assert arabic_score("طرابلس") > arabic_score("Ø·Ø±Ø§Ø¨Ù„Ø³")


def test_empty_and_binary_do_not_raise():
    assert decode_html(b"") == ("", "utf-8")
    text, _ = decode_html(bytes(range(256)))
    assert isinstance(text, str)


TEXT = "اشتباكات في طرابلس\nقال المتحدث باسم الحكومة إن الوضع مستقر.\n"


def test_decode_text_reads_legacy_and_wide_encodings():
    from ingest.encoding import decode_text

    for codec in (
        "utf-8",
        "utf-8-sig",
        "windows-1256",
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
    ):
        got = decode_text(TEXT.encode(codec))
        assert got is not None and got[0] == TEXT, codec
    # UTF-16 without a BOM is ASCII-range pairs: "valid" UTF-8 full of NULs
    assert decode_text(TEXT.encode("utf-16-le")) == (TEXT, "utf-16-le")
    assert decode_text("plain English\n".encode("utf-16-le")) == ("plain English\n", "utf-16-le")


def test_decode_text_refuses_binary():
    import random

    from ingest.encoding import decode_text

    rng = random.Random(7)
    noise = bytes(rng.randrange(256) for _ in range(4000))
    assert decode_text(noise) is None
    assert decode_text(noise.replace(b"\x00", b"")) is None  # no NUL: control characters
    assert decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") is None
