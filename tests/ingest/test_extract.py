# ruff: noqa: E501  (Arabic fixture text reads better unwrapped)
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.extract import compress_html, decompress_html, extract_article, trim_boilerplate
from rasid.records import FeedItem, FetchedPage

PARAS = [
    "أكدت مصادر ميدانية أن اشتباكات عنيفة اندلعت صباح اليوم جنوب العاصمة الليبية طرابلس بين قوات حكومة الوفاق الوطني والقوات التابعة للمشير خليفة حفتر.",
    "وقال المتحدث باسم قوات الوفاق إن قواته صدت هجوما على محور عين زارة واستعادت السيطرة على عدد من المواقع قرب مطار طرابلس الدولي القديم.",
    "من جهتها دعت بعثة الأمم المتحدة للدعم في ليبيا إلى هدنة إنسانية لمدة ساعتين للسماح بإجلاء المدنيين والجرحى من مناطق الاشتباكات.",
]

PAGE = f"""<!DOCTYPE html><html lang="ar-LY"><head><meta charset="windows-1256">
<title>اشتباكات جنوب طرابلس | موقع الأخبار</title>
<link rel="canonical" href="/2019/04/07/tripoli">
<meta property="og:title" content="اشتباكات جنوب طرابلس">
<meta property="og:image" content="/img/tripoli.jpg">
<meta property="article:published_time" content="2019-04-07T15:45:00+02:00">
<meta name="author" content="مراسل الموقع">
</head><body>
<nav><a href="/">الرئيسية</a> <a href="/world">العالم</a></nav>
<article><h1>اشتباكات جنوب طرابلس</h1>
{"".join(f"<p>{p}</p>" for p in PARAS)}
<p>جميع الحقوق محفوظة لموقع الأخبار. يرجى مراجعة سياسة الخصوصية وشروط الاستخدام.</p>
</article>
<footer>© 2019 موقع الأخبار</footer>
</body></html>"""


def page(body: bytes, headers=None, url="https://news.example/a?id=1") -> FetchedPage:
    return FetchedPage(url=url, final_url=url, status=200, body=body, headers=headers or {})


def test_full_extraction_from_windows_1256_page():
    out = extract_article(page(PAGE.encode("windows-1256")))
    assert out.method == "trafilatura" and out.encoding == "windows-1256"
    for p in PARAS:
        assert p in out.body
    assert "جميع الحقوق محفوظة" not in out.body  # trailing boilerplate trimmed
    assert out.title == "اشتباكات جنوب طرابلس"
    assert out.canonical_url == "https://news.example/2019/04/07/tripoli"
    assert out.image == "https://news.example/img/tripoli.jpg"
    assert out.published_at == datetime(2019, 4, 7, 13, 45, tzinfo=UTC)
    assert out.author == "مراسل الموقع" and out.lang_hint == "ar"


ITEM = FeedItem(
    feed_id="f",
    source="s",
    guid="g",
    url="https://news.example/a",
    title="عنوان من الخلاصة",
    summary="ملخص قصير",
    content=" ".join(PARAS),
    published_at=datetime(2019, 4, 7, 10, 0, tzinfo=UTC),
    author="كاتب الخلاصة",
)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body><div id='app'></div><script>render()</script></body></html>",
        b"\x00\xff\xfe garbage",
    ],
)
def test_falls_back_to_feed_content(body):
    out = extract_article(page(body), ITEM)
    assert out.method == "feed-content" and out.body == ITEM.content
    assert out.title == ITEM.title and out.published_at == ITEM.published_at
    assert out.author == ITEM.author


def test_falls_back_to_summary_when_no_content():
    item = FeedItem(feed_id="f", source="s", guid="g", url="u", title="t", summary="ملخص الخبر")
    out = extract_article(page(b"<html><body></body></html>"), item)
    assert out.method == "feed-summary" and out.body == "ملخص الخبر"


def test_short_page_without_item_keeps_what_it_has():
    out = extract_article(page("<html><body><p>سطر قصير</p></body></html>".encode()))
    assert out.method == "trafilatura" and len(out.body) < 200


def test_trim_boilerplate_only_at_edges():
    body = (
        "تابعونا على تويتر\nنص الخبر الأول\nذكر التعليقات في وسط النص\nنص أخير\nجميع الحقوق محفوظة"
    )
    assert trim_boilerplate(body) == "نص الخبر الأول\nذكر التعليقات في وسط النص\nنص أخير"
    assert trim_boilerplate("جميع الحقوق محفوظة") == "جميع الحقوق محفوظة"  # never empties


def test_compress_roundtrip():
    raw = PAGE.encode()
    blob = compress_html(raw)
    assert len(blob) < len(raw) and decompress_html(blob) == raw


DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "extraction"


@pytest.mark.skipif(not DATA.exists(), reason=f"real extraction data not found at {DATA}")
def test_quality_on_real_gold_pages():
    from ingest.evaluate import evaluate_extraction

    report = evaluate_extraction(DATA)
    pages = report["pages"]
    assert pages["cnn_arabic"]["f1"] >= 0.95 and pages["lbc"]["f1"] >= 0.95
    assert pages["assabah"]["without_leaked"].startswith("0/")
    assert pages["cnn_arabic"]["canonical_ok"] and pages["cnn_arabic"]["image_ok"]
    assert report["dates"]["local_date_accuracy"] >= 0.85
