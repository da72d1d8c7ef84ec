"""Shared helpers for the dedup tests: hand-written Arabic news texts and article builders."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from processing.dedup.corpus import find_data_dir
from processing.dedup.synthetic import EDITS, edit, editable
from processing.urls import canonical_url
from rasid.records import Article, article_id

T0 = datetime(2024, 5, 1, 8, 0)

CORONA = (
    "أعلنت وزارة الصحة اليوم تسجيل ثلاث حالات إصابة جديدة بفيروس كورونا في مدينة الرياض، "
    "مؤكدة أن جميع الحالات تتلقى العلاج اللازم في المستشفيات الحكومية وأن حالتها مستقرة.\n"
    "وأوضح المتحدث الرسمي باسم الوزارة أن الفرق الطبية باشرت فحص المخالطين للمصابين، وأن "
    "نتائج الفحوص الأولية جاءت سلبية لمعظمهم، داعيا المواطنين والمقيمين إلى الالتزام "
    "بالإجراءات الوقائية.\n"
    "وأضاف أن الوزارة رفعت جاهزية أقسام الطوارئ في مستشفيات المنطقة، وخصصت خطا هاتفيا "
    "للاستفسارات على مدار الساعة، مشيرا إلى أن الوضع الوبائي تحت السيطرة.\n"
    "وكانت الوزارة قد أطلقت حملة توعوية في المدارس والجامعات خلال الأسابيع الماضية للتعريف "
    "بطرق انتقال الفيروس وسبل الوقاية منه، بمشاركة عدد من الأطباء والمختصين."
)
# The same event, written independently by another outlet (shares facts, not sentences).
CORONA_OTHER = (
    "سجلت الرياض ثلاث إصابات جديدة بفيروس كورونا بحسب بيان لوزارة الصحة صدر صباح اليوم، "
    "فيما أكد مسؤولو الوزارة أن المصابين الثلاثة في وضع صحي مستقر داخل المستشفيات. "
    "وبدأت الفرق الطبية فحص كل من خالط المصابين، وطالبت الوزارة بالتقيد بالإجراءات "
    "الوقائية وعدم التهاون في النظافة الشخصية."
)
FOOTBALL = (
    "تغلب فريق الهلال على ضيفه النصر بهدفين مقابل هدف في المباراة التي جمعتهما مساء أمس "
    "على ملعب الملك فهد الدولي ضمن الجولة الخامسة من الدوري، وسجل للهلال مهاجمه البرازيلي "
    "في الشوط الأول قبل أن يضيف زميله الهدف الثاني من ركلة جزاء، بينما قلص النصر الفارق في "
    "الدقائق الأخيرة. وبهذا الفوز يعزز الهلال موقعه في صدارة الترتيب برصيد ثلاث عشرة نقطة، "
    "في حين تجمد رصيد النصر عند ثماني نقاط في المركز السادس."
)
BACKGROUND = (
    "ارتفع مؤشر سوق الأسهم السعودية في ختام تداولات اليوم بدعم من قطاع البنوك والبتروكيماويات "
    "وسط تداولات بلغت قيمتها أربعة مليارات ريال.",
    "توقعت الرئاسة العامة للأرصاد طقسا حارا على المنطقة الشرقية مع رياح نشطة مثيرة للأتربة "
    "والغبار على أجزاء من منطقة الرياض والقصيم.",
    "افتتح أمير منطقة عسير مهرجان أبها الصيفي بمشاركة فرق شعبية وفعاليات للأطفال والأسر في "
    "الحدائق العامة والمتنزهات.",
    "أعلنت وزارة التعليم موعد بدء العام الدراسي الجديد وأكدت جاهزية المدارس والمباني "
    "التعليمية واستكمال تعيين المعلمين الجدد.",
    "أغلقت إدارة المرور طريق الملك عبدالعزيز في مدينة الخبر لتنفيذ أعمال إنشاء جسر جديد "
    "وحددت مسارات بديلة للسائقين.",
    "وقعت شركة الكهرباء عقدا لإنشاء محطة توليد جديدة في منطقة جازان بطاقة إنتاجية تبلغ ألف "
    "ميجاواط لتلبية الطلب المتزايد في الصيف.",
)


def make_article(
    body: str,
    *,
    title: str = "خبر",
    source: str = "outlet",
    at: datetime = T0,
    url: str | None = None,
    guid: str = "",
    key: str | None = None,
) -> Article:
    url = url or f"https://{source}.example/news/{key or abs(hash((body, title, source, at)))}"
    curl = canonical_url(url)
    return Article(
        id=key or article_id(curl),
        url=url,
        canonical_url=curl,
        source=source,
        feed_id=source,
        title=title,
        body=body,
        lang="ar",
        fetched_at=at,
        published_at=at,
        guid=guid,
    )


def article_stream(seed: int = 7) -> list[Article]:
    """Two days of originals, reprints, edits and re-polls from the hand-written texts."""
    rng = random.Random(seed)
    texts = [CORONA, CORONA_OTHER, FOOTBALL, *BACKGROUND]
    out: list[Article] = []
    for i in range(48):
        at = T0 + timedelta(hours=i)
        base = texts[i % len(texts)]
        kind = EDITS[i % len(EDITS)]
        edited = i % 3 and editable(base)
        title, body = (
            edit(kind, f"عنوان {i}", base, rng, rng.choice(texts)) if edited else ("", base)
        )
        out.append(make_article(body, title=title or f"خبر {i}", source=f"o{i % 5}", at=at))
        if i % 7 == 0:  # a re-poll of the same URL
            out.append(make_article(body, title=title, source=f"o{i % 5}", at=at, url=out[-1].url))
    return out


def fresh(articles: list[Article]) -> list[Article]:
    """Copies without the dedup fields (deduplicate sets them in place)."""
    return [make_article(a.body, title=a.title, source=a.source, at=a.fetched_at, url=a.url,
                         guid=a.guid, key=a.id) for a in articles]  # fmt: skip


def background_articles(at: datetime = T0 - timedelta(hours=2)) -> list[Article]:
    return [
        make_article(b, title=b[:30], source=f"bg{i}", at=at + timedelta(minutes=i), key=f"bg{i}")
        for i, b in enumerate(BACKGROUND)
    ]


@pytest.fixture
def saudinewsnet() -> Path:
    path = find_data_dir()
    if path is None:
        pytest.skip("SaudiNewsNet not found at ../shared/data/saudinewsnet: real-data test skipped")
    return path
