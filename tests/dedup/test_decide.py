"""The pair decision below the Jaccard threshold: re-worded copies are linked by coverage,
template texts about another subject or day are not (processing/dedup/decide.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np

from processing.dedup import DedupConfig, InMemoryDedupState, NearDuplicateIndex
from processing.dedup.decide import (
    PairVerdict,
    is_copy,
    recurring,
    residual_jaccard,
    token_coverage,
)
from processing.dedup.text import jaccard, shingle_hashes
from processing.normalize import tokens

from .conftest import BACKGROUND, CORONA_OTHER, FOOTBALL, T0

CABLE = (
    "بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز برقية تهنئة للرئيس {name} رئيس "
    "جمهورية {country} بمناسبة ذكرى {occasion} لبلاده. وأعرب الملك باسمه واسم شعب وحكومة "
    "المملكة عن أصدق التهاني وأطيب التمنيات بالصحة والسعادة للرئيس {name} ولحكومة وشعب "
    "جمهورية {country} الشقيق اطراد التقدم والازدهار، مشيدا بهذه المناسبة بتميز العلاقات "
    "الأخوية التي تربط بين البلدين والشعبين الشقيقين. كما بعث ولي العهد برقية تهنئة مماثلة "
    "للرئيس {name} بمناسبة ذكرى {occasion} في جمهورية {country}."
)
TUNISIA = ("الباجي قايد السبسي", "تونس", "إعلان الجمهورية")
OTHERS = [
    ("عبدالله يامين", "المالديف", "الاستقلال"),
    ("خوان مانويل سانتوس", "كولومبيا", "الاستقلال"),
    ("عبدالفتاح السيسي", "مصر", "ثورة يوليو"),
]
# Another outlet's copy of the Tunisia cable: the honorifics and a few words changed.
TUNISIA_REPRINT = (
    "بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز آل سعود برقية تهنئة للرئيس الباجي "
    "قايد السبسي رئيس جمهورية تونس بمناسبة ذكرى إعلان الجمهورية لبلاده. وأعرب خادم الحرمين "
    "الشريفين باسمه واسم شعب وحكومة المملكة العربية السعودية عن أصدق التهاني وأطيب التمنيات "
    "بالصحة والسعادة للرئيس الباجي قايد السبسي ولحكومة وشعب جمهورية تونس الشقيق دوام التقدم "
    "والازدهار، منوها بتميز العلاقات الأخوية التي تربط بين البلدين والشعبين الشقيقين. كما بعث "
    "ولي العهد الأمير محمد بن نايف برقية مماثلة للرئيس الباجي قايد السبسي بمناسبة ذكرى إعلان "
    "الجمهورية في جمهورية تونس."
)

RELEASE = (
    "أوضحت إدارة مستشفى الدوادمي العام في بيان لها اليوم أنه تم تشكيل لجنة عاجلة للتحقيق "
    "والوقوف على ملابسات تسليم جثة متوفى لغير ذويه، والرفع بنتائج التحقيق إلى صحة الرياض "
    "لمحاسبة المقصرين حتى لا تتكرر مثل هذه الأخطاء. وأكدت الإدارة أنه تم تدارك الأمر وتسليم "
    "الجثة لذويها، مشيرة إلى أنه سيتم محاسبة أي مقصر وفق الإجراءات النظامية المتبعة، وأنها "
    "ستعلن نتائج التحقيق فور الانتهاء منها. وتعود تفاصيل الواقعة إلى تسليم ثلاجة المستشفى "
    "جثة شخص ستيني بالخطأ لغير ذويه، فيما بقيت جثة شاب عشريني لدى عائلة أخرى، وكان الشخصان "
    "قد توفيا نتيجة حادث مروري على طريق المحافظة."
)
# The same release as another outlet prints it: a word changed every few words.
REWORDED = (
    "أوضحت إدارة مستشفى الدوادمي العام في بيان صحفي أمس أنه جرى تشكيل لجنة عاجلة للتحقيق "
    "والوقوف على ملابسات تسليم جثة متوفى إلى غير ذويه، والرفع بنتائج التحقيق لصحة الرياض "
    "لمحاسبة المقصرين كي لا تتكرر مثل هذه الأخطاء. وأكدت الإدارة أنه قد تم تدارك الأمر وتسليم "
    "الجثة إلى ذويها، لافتة إلى أنه ستتم محاسبة أي مقصر وفق الإجراءات النظامية المتبعة، وأنها "
    "سوف تعلن نتائج التحقيق فور الانتهاء منها. وتعود تفاصيل الحادثة إلى تسليم ثلاجة المستشفى "
    "جثة رجل ستيني بالخطأ لغير ذويه، بينما بقيت جثة شاب عشريني لدى أسرة أخرى، وكان الشخصان "
    "قد توفيا إثر حادث مروري على طريق المحافظة."
)

MARKET = (
    "أغلق مؤشر سوق الأسهم السعودية تعاملات اليوم {d} عند مستوى {a} نقطة {move} {b} نقطة، "
    "وبلغت قيمة التداولات {c} مليار ريال، فيما بلغ عدد الأسهم المتداولة {e} مليون سهم "
    "توزعت على {f} صفقة. وسجلت أسهم {g} شركة ارتفاعا في أسعارها، بينما تراجعت أسهم {h} "
    "شركة. وكان سهم مصرف الإنماء الأكثر نشاطا من حيث الكمية، وسهم سابك الأكثر نشاطا من "
    "حيث القيمة، فيما تصدر قطاع التأمين قائمة القطاعات {move2}."
)
DAYS = [
    dict(d="الأحد", a="9120", move="مرتفعا", b="45", c="6.2", e="210", f="112500", g="120",
         h="42", move2="الرابحة"),
    dict(d="الاثنين", a="9074", move="منخفضا", b="46", c="5.8", e="198", f="108300", g="37",
         h="128", move2="الخاسرة"),
    dict(d="الثلاثاء", a="9155", move="مرتفعا", b="81", c="7.1", e="240", f="131200", g="141",
         h="22", move2="الرابحة"),
    dict(d="الأربعاء", a="9168", move="مرتفعا", b="13", c="6.6", e="221", f="119800", g="96",
         h="61", move2="الرابحة"),
]  # fmt: skip


def _cable(subject: tuple[str, str, str]) -> str:
    name, country, occasion = subject
    return CABLE.format(name=name, country=country, occasion=occasion)


def _sim(a: str, b: str) -> float:
    return jaccard(shingle_hashes(tokens(a)), shingle_hashes(tokens(b)))


def _index(config: DedupConfig | None = None) -> NearDuplicateIndex:
    index = NearDuplicateIndex(InMemoryDedupState(), config)
    for i, text in enumerate((FOOTBALL, *BACKGROUND)):
        index.add(f"bg{i}", index.fingerprint(text), T0 - timedelta(days=3), None, f"s-bg{i}")
    return index


def _cables_index(config: DedupConfig | None = None) -> NearDuplicateIndex:
    """The cables to other countries, one a day over the three days before T0."""
    index = _index(config)
    for i, subject in enumerate(OTHERS):
        at = T0 - timedelta(days=3 - i)
        index.add(f"cable-{i}", index.fingerprint(_cable(subject)), at, None, f"s{i}")
    return index


def test_cables_to_other_countries_are_not_copies() -> None:
    tunisia = _cable(TUNISIA)
    sims = [_sim(tunisia, _cable(s)) for s in OTHERS]
    assert all(0.4 < s < DedupConfig().template_max_jaccard for s in sims)  # the hard band
    assert _cables_index().query("tunisia", tunisia, at=T0) is None
    # It is the template check that keeps them apart: without it, coverage would link them.
    unchecked = _cables_index(replace(DedupConfig(), template_max_jaccard=0.0))
    assert unchecked.query("tunisia", tunisia, at=T0) is not None


def test_a_reprint_of_a_template_text_is_still_a_copy() -> None:
    index = _cables_index()
    original = _cable(TUNISIA)
    index.add("tunisia", index.fingerprint(original), T0, None, "s-tn")
    at = T0 + timedelta(hours=5)
    fp = index.fingerprint(TUNISIA_REPRINT)
    # Every stored cable as a candidate (LSH may not offer the other countries' ones).
    docs = index.state.docs  # type: ignore[attr-defined]
    scored = sorted(
        ((jaccard(fp.shingles, d.shingles), i, d) for i, d in docs.items()),
        key=lambda t: (-t[0], t[1]),
    )
    v = index.judge(fp, at, "tunisia", docs["tunisia"], scored)
    assert v.jaccard < DedupConfig().template_max_jaccard  # the template check runs
    assert v.template_share >= DedupConfig().template_share  # most shared text is template
    assert v.residual >= DedupConfig().template_residual and v.copy  # the subject matches
    match = index.query("tunisia-2", TUNISIA_REPRINT, at=at)
    assert match is not None and match.original_id == "tunisia"


def test_a_reworded_release_is_a_copy() -> None:
    assert _sim(RELEASE, REWORDED) < DedupConfig().near_threshold  # plain Jaccard misses it
    index = _index()
    index.add("release", index.fingerprint(RELEASE), T0, None, "s-release")
    match = index.query("reworded", REWORDED, at=T0 + timedelta(hours=3))
    assert match is not None and match.original_id == "release"
    assert match.similarity < DedupConfig().near_threshold
    # Coverage is what links it: without the re-word rule it is missed.
    strict = _index(
        replace(DedupConfig(), reword_min_jaccard=1.0, unigram_containment=1.01, both_coverage=1.01)
    )
    strict.add("release", strict.fingerprint(RELEASE), T0, None, "s-release")
    assert strict.query("reworded", REWORDED, at=T0 + timedelta(hours=3)) is None


def test_the_same_event_written_separately_is_still_not_a_copy() -> None:
    from .conftest import CORONA

    index = _index()
    index.add("orig", index.fingerprint(CORONA), T0, None, "s")
    assert index.query("other", CORONA_OTHER, at=T0) is None


def test_market_reports_of_other_days_are_not_copies() -> None:
    """The same report with other figures, day after day: a template, not a reprint."""
    reports = [MARKET.format(**d) for d in DAYS]
    index = _index()
    for i, text in enumerate(reports[:-1]):
        index.add(f"day{i}", index.fingerprint(text), T0 + timedelta(days=i), None, f"s{i}")
    today = T0 + timedelta(days=len(reports) - 1)
    assert all(_sim(reports[-1], r) < 0.5 for r in reports[:-1])
    assert index.query("today", reports[-1], at=today) is None
    # The figures alone do not tell them apart (coverage is high): the recurrence does.
    unchecked = _index(replace(DedupConfig(), template_max_jaccard=0.0))
    for i, text in enumerate(reports[:-1]):
        unchecked.add(f"day{i}", unchecked.fingerprint(text), T0 + timedelta(days=i), None, "s")
    assert unchecked.query("today", reports[-1], at=today) is not None
    # A reprint of today's report that corrects one figure is a copy.
    index.add("today", index.fingerprint(reports[-1]), today, None, "s-today")
    corrected = reports[-1].replace("119800", "119850")
    match = index.query("corrected", corrected, at=today + timedelta(hours=1))
    assert match is not None and match.original_id == "today"


def test_token_coverage_counts_tokens_inside_shared_shingles() -> None:
    seq = np.array([1, 2, 3, 4, 5], dtype=np.uint32)  # 7 tokens
    assert token_coverage(seq, np.array([1], dtype=np.uint32)).tolist() == [1, 1, 1, 0, 0, 0, 0]
    cov = token_coverage(seq, np.array([1, 5], dtype=np.uint32))
    assert cov.tolist() == [1, 1, 1, 0, 1, 1, 1]


def test_recurring_needs_enough_distinct_days() -> None:
    d0 = T0.date()
    shared = np.array([10, 20, 30], dtype=np.uint32)
    others = [
        (d0 + timedelta(days=1), np.array([10, 20], dtype=np.uint32)),
        (d0 + timedelta(days=2), np.array([10], dtype=np.uint32)),
        (d0, np.array([30], dtype=np.uint32)),  # the pair's own day adds nothing
    ]
    assert recurring(shared, others, {d0}, 3).tolist() == [True, False, False]
    assert recurring(shared, others, {d0}, 2).tolist() == [True, True, False]
    assert recurring(shared, others, {d0, d0 + timedelta(days=5)}, 2).all()
    assert not recurring(shared, others[:1], {d0}, 3).any()


def test_residual_jaccard_drops_the_template_wording() -> None:
    a = np.array([1, 2, 3, 4], dtype=np.uint32)
    b = np.array([1, 2, 3, 5], dtype=np.uint32)
    shared = np.array([1, 2, 3], dtype=np.uint32)
    assert residual_jaccard(a, b, shared, np.zeros(3, dtype=bool)) == 3 / 5
    assert residual_jaccard(a, b, shared, np.array([True, True, False])) == 1 / 3
    assert residual_jaccard(a, b, shared, np.ones(3, dtype=bool)) == 0.0


def test_is_copy_thresholds() -> None:
    c = DedupConfig()
    high = PairVerdict(0.7, 0.0, 0.0, 0.0, 1.0, 0.0, False)
    assert is_copy(high, c)  # above template_max_jaccard, Jaccard alone decides
    reword = PairVerdict(0.4, 0.8, 0.7, 0.9, 0.0, 0.4, False)
    assert is_copy(reword, c)
    # the lead was rewritten and one text is covered less than both_coverage: a separate report
    assert not is_copy(replace(reword, lead_coverage=0.3, coverage_other=0.6), c)
    # ... but a rewritten lead over a body that covers both texts almost whole is a reprint
    assert is_copy(replace(reword, lead_coverage=0.3), c)
    assert not is_copy(replace(reword, lead_coverage=0.3), replace(c, both_coverage=1.01))
    assert not is_copy(replace(reword, coverage_other=0.3), c)  # a small part of the other
    assert not is_copy(replace(reword, jaccard=0.2, coverage_other=0.6), c)
    assert not is_copy(replace(reword, jaccard=0.19), c)  # below every path's floor
    template = replace(reword, template_share=0.9, residual=0.1)
    assert not is_copy(template, c)
    assert is_copy(replace(template, residual=0.5), c)  # the same subject beyond the template


def test_a_template_pair_above_the_jaccard_threshold_must_cover_like_a_copy() -> None:
    """Template wording inflates J: the next day's weather report (J 0.57, most of the shared
    text template wording, a residual of 0.33) with another lead is not a copy."""
    c = DedupConfig()
    weather = PairVerdict(0.57, 0.81, 0.89, 0.53, 0.64, 0.33, False)
    assert c.near_threshold <= weather.jaccard < c.template_max_jaccard
    assert weather.residual >= c.template_residual
    assert not is_copy(weather, c)  # the lead is not covered
    assert is_copy(replace(weather, lead_coverage=0.8), c)
    # without template wording, J >= near_threshold alone decides, as before
    assert is_copy(replace(weather, template_share=0.0), c)


def _padded(text: str, every: int) -> str:
    """Another outlet's copy with a connective word inserted every ``every`` words: all of
    the original's words are kept, but each insertion breaks three shingles."""
    fill = ["كذلك", "أيضا", "بدوره", "حينها"]
    out = []
    for i, w in enumerate(text.split()):
        out.append(w)
        if i % every == every - 1:
            out.append(fill[(i // every) % len(fill)])
    return " ".join(out)


def test_a_lightly_reworded_copy_below_the_reword_jaccard_is_linked_by_its_words() -> None:
    c = DedupConfig()
    padded = _padded(RELEASE, 4)
    at = T0 + timedelta(hours=3)
    index = _index()
    index.add("release", index.fingerprint(RELEASE), T0, None, "s-release")
    fp = index.fingerprint(padded)
    doc = index.state.get_doc("release")
    assert doc is not None and doc.words is not None
    v = index.judge(fp, at, "release", doc, index.candidates("padded", fp))
    # Below the re-word rule's Jaccard, though the shared runs cover both texts.
    assert c.unigram_min_jaccard <= v.jaccard < c.reword_min_jaccard
    assert v.unigram == 1.0 and v.copy
    match = index.query("padded", padded, at=at)
    assert match is not None and match.original_id == "release"
    # Without the feature (containment off, and both_coverage, which links it by its shingle
    # runs alone), the rule misses it.
    off = _index(replace(c, unigram_containment=1.01, both_coverage=1.01))
    off.add("release", off.fingerprint(RELEASE), T0, None, "s-release")
    assert off.query("padded", padded, at=at) is None


def test_an_entry_without_a_word_set_is_decided_by_the_rule_without_it() -> None:
    padded = _padded(RELEASE, 4)
    at = T0 + timedelta(hours=3)
    # (both_coverage off: it would link this copy by its shingle runs alone)
    index = _index(replace(DedupConfig(), both_coverage=1.01))
    fp = index.fingerprint(RELEASE)
    index.add("release", fp, T0, None, "s-release")
    # As stored before the word sets were kept (an old SQLite row or engine document).
    index.state.docs["release"].words = None  # type: ignore[attr-defined]
    new = index.fingerprint(padded)
    v = index.judge(new, at, "release", index.state.get_doc("release"), [])
    assert v.unigram is None and not v.copy
    assert index.query("padded", padded, at=at) is None
    # ... and a pair the rule links without the feature is still linked.
    match = index.query("reworded", REWORDED, at=at)
    assert match is not None and match.original_id == "release"


def test_containment_needs_the_coverage_of_both_texts() -> None:
    """A short text contained in a long one (an excerpt, labelled S) is no copy, however
    high its unigram containment."""
    c = DedupConfig()
    v = PairVerdict(0.25, 0.9, 0.3, 0.9, 0.0, 0.25, False, unigram=0.95)
    assert not is_copy(v, c)
    assert is_copy(replace(v, coverage_other=0.6), c)
    assert not is_copy(replace(v, coverage_other=0.6, unigram=None), c)
    assert not is_copy(replace(v, coverage_other=0.6, unigram=0.7), c)
    assert not is_copy(replace(v, coverage_other=0.6, lead_coverage=0.5), c)
    assert not is_copy(replace(v, coverage_other=0.6, jaccard=0.19), c)


# Another outlet's first paragraph, written afresh, over the release's body.
_NEW_LEAD = (
    "قال مصدر مسؤول في المديرية العامة للشؤون الصحية بمنطقة الرياض لمراسل الصحيفة "
    "مساء أمس إن الوزارة تتابع عن كثب قضية الجثة التي سلمت خطأ في محافظة الدوادمي "
    "وإن النتائج ستعلن قريبا"
)


def test_a_reprint_under_a_rewritten_lead_is_a_copy_when_it_covers_both_texts() -> None:
    """The lead test guards against a separate report that reuses background paragraphs;
    when the shared runs cover both whole texts but the first paragraph, it is a reprint
    (15 labelled D pairs of 905, one N: docs/dedup.md)."""
    c = DedupConfig()
    copy = _NEW_LEAD + " " + " ".join(RELEASE.split()[28:])
    at = T0 + timedelta(hours=3)
    index = _index()
    index.add("release", index.fingerprint(RELEASE), T0, None, "s-release")
    fp = index.fingerprint(copy)
    doc = index.state.get_doc("release")
    assert doc is not None
    v = index.judge(fp, at, "release", doc, index.candidates("copy", fp))
    assert c.reword_min_jaccard <= v.jaccard < c.near_threshold
    assert v.lead_coverage < c.reword_lead_coverage  # the re-word rule alone says no
    assert min(v.coverage, v.coverage_other) >= c.both_coverage and v.copy
    match = index.query("copy", copy, at=at)
    assert match is not None and match.original_id == "release"
    off = _index(replace(c, both_coverage=1.01))
    off.add("release", off.fingerprint(RELEASE), T0, None, "s-release")
    assert off.query("copy", copy, at=at) is None
