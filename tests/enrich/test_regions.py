"""Curated regions, areas, seas and macro-regions (lexicon/regions.yaml): loaded into the
gazetteer with synthetic ids, found like countries, resolved with a plausible point."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from processing.enrich import analyse, enrich, ner
from processing.enrich import gazetteer as gaz
from processing.enrich.gazetteer import REGION_KINDS, gazetteer, region_id, regions
from processing.enrich.lexicon.lists import lexicon
from processing.normalize import normalize
from rasid.records import Place

LEXICON = Path(__file__).resolve().parents[2] / "processing" / "enrich" / "lexicon"


def _places(body: str) -> dict[str, Place]:
    return {p.name: p for p in enrich("", body).places}


def _synthetic(p: Place) -> bool:
    # A region has no GeoNames id: None in the record (or, before the record maps it, the
    # negative synthetic id, which no GeoNames id can be).
    return p.geonameid is None or p.geonameid < 0


def test_us_states(tagger: str) -> None:
    ps = _places("فيضانات في ولايتي تكساس وأوكلاهوما")
    for name in ("تكساس", "أوكلاهوما"):
        p = ps[name]
        assert p.country == "US" and _synthetic(p) and not p.near, p
        assert 25 < p.lat < 50 and -125 < p.lon < -66, p


def test_a_governorate_after_its_trigger(tagger: str) -> None:
    an = analyse("", "قتلى في هجوم بمحافظة الأنبار")
    (pm,) = an.places
    assert pm.entry.kind == "region" and pm.entry.country == "IQ" and not pm.local
    p = an.enrichment.places[0]
    assert p.name == "الأنبار" and p.country == "IQ" and _synthetic(p)


def test_a_sea(tagger: str) -> None:
    an = analyse("", "سفينة شحن تعبر البحر الأحمر باتجاه قناة السويس")
    kinds = {" ".join(p.key): p.entry.kind for p in an.places}
    assert kinds["البحر الاحمر"] == "sea"
    red = next(p for p in an.enrichment.places if p.name == "البحر الأحمر")
    assert red.country == "" and 12 < red.lat < 30 and 32 < red.lon < 44


def test_a_region_beats_a_distant_small_namesake(tagger: str) -> None:
    # GeoNames calls Florida, Uruguay and Ontario, California «فلوريدا» and «أونتاريو».
    ps = _places("إعصار يضرب فلوريدا، وأمطار غزيرة في أونتاريو بكندا")
    assert ps["فلوريدا"].country == "US" and ps["فلوريدا"].lon > -90
    assert ps["أونتاريو"].country == "CA"


def test_a_city_keeps_its_name_beside_its_region(tagger: str) -> None:
    # Lahij, the town (GeoNames), and Lahij, the governorate, 10 km apart: the town wins.
    ps = _places("اشتباكات في محافظة لحج جنوب اليمن")
    assert ps["لحج"].geonameid == 73560


def test_ordinary_sentences_gain_no_region(tagger: str) -> None:
    text = (
        "ذهب الطلاب إلى المدرسة في الصباح وعادوا إلى بيوتهم في المساء بعد يوم طويل، "
        "وقال المدير إن النتائج ستعلن في الجنوب والشمال والوسط خلال الأسبوع المقبل."
    )
    assert not [p for p in analyse("", text).places if p.entry.kind in REGION_KINDS]


def test_weak_names_need_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rules only: a trained tagger may mark these LOC where it sees fit.
    monkeypatch.setenv("RASID_NER_RULES_ONLY", "1")
    ner.reset_model()
    try:
        text = "وقال مصدر مطلع لـ«الشرق الأوسط» إن المصنع يحتاج إلى العمال المهرة."
        assert not analyse("", text).places
        text = "تراجع الاستثمار في منطقة الشرق الأوسط"
        assert [p.entry.kind for p in analyse("", text).places] == ["macro"]
    finally:
        monkeypatch.delenv("RASID_NER_RULES_ONLY")
        ner.reset_model()


def test_regions_are_listed_like_countries_and_continents() -> None:
    lx = lexicon()
    assert ("country", "") in lx.lookup(("تكساس",))
    assert ("continent", "") in lx.lookup(("البحر", "الاحمر"))
    assert normalize("الشرق الأوسط") in lx.not_places  # weak: the newspaper


# ---- the file ----------------------------------------------------------------------------
def test_the_file_loads_into_the_gazetteer() -> None:
    gz = gazetteer()
    rs = regions()
    assert len(rs) > 250
    ids = {region_id(r["en"], r["cc"]) for r in rs}
    assert len(ids) == len(rs) and all(i < 0 for i in ids)
    by_kind = {k: sum(r["kind"] == k for r in rs) for k in REGION_KINDS}
    assert all(by_kind.values()), by_kind
    assert sum(r["kind"] == "region" and r["cc"] == "US" for r in rs) == 50
    for r in rs:
        gid = region_id(r["en"], r["cc"])
        e = gz.entries[gid]
        assert (e.kind, e.country, e.population) == (r["kind"], r["cc"], 0)
        assert r["kind"] != "region" or r["cc"], r  # a first-level division has a country
        for name in r["ar"]:
            assert gid in gz.names.get(tuple(normalize(name).split())), name


def test_ids_are_stable() -> None:
    assert region_id("Texas", "US") == -27532536427711


def test_every_point_lies_in_its_country() -> None:
    """Coarse: inside the box of the country's own GeoNames towns, widened by 2.5°
    (cities500 has few towns in the Ogaden or the Yukon)."""
    gz = gazetteer()
    boxes: dict[str, list[float]] = {}
    for e in gz.entries.values():
        if e.kind == "city":
            b = boxes.setdefault(e.country, [e.lat, e.lat, e.lon, e.lon])
            b[:] = [min(b[0], e.lat), max(b[1], e.lat), min(b[2], e.lon), max(b[3], e.lon)]
    for r in regions():
        lat, lon = r["at"]
        assert -90 <= lat <= 90 and -180 <= lon <= 180, r
        assert round(lat, 2) == lat and round(lon, 2) == lon, r  # 2 decimals
        if r["cc"]:
            s, n, w, e = boxes[r["cc"]]
            assert s - 2.5 <= lat <= n + 2.5 and w - 2.5 <= lon <= e + 2.5, r


def test_malformed_entries_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {"regions": [{"en": "X", "cc": "US", "kind": "state", "at": [1, 2], "ar": ["س"]}]}
    monkeypatch.setattr(gaz, "load_yaml", lambda name: bad)
    with pytest.raises(ValueError, match="malformed"):
        gaz.regions()


def test_the_cache_key_follows_regions_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    real = gaz.resources.files("processing.enrich.lexicon")

    def files(extra: bytes) -> SimpleNamespace:
        def joinpath(name: str) -> SimpleNamespace:
            data = real.joinpath(name).read_bytes() + (extra if name == "regions.yaml" else b"")
            return SimpleNamespace(read_bytes=lambda: data)

        return SimpleNamespace(joinpath=joinpath)

    monkeypatch.setattr(gaz, "resources", SimpleNamespace(files=lambda _pkg: files(b"")))
    before = gaz._source_fingerprint()
    monkeypatch.setattr(gaz, "resources", SimpleNamespace(files=lambda _pkg: files(b"\n#")))
    assert gaz._source_fingerprint() != before


# ---- Saudi governorates ------------------------------------------------------------------
def _km(p: Place, lat: float, lon: float) -> float:
    from processing.enrich.places import haversine

    return haversine(p.lat, p.lon, lat, lon)


def test_saudi_governorates_not_named_after_a_town(tagger: str) -> None:
    ps = _places(
        "زار أمير منطقة الرياض محافظة الأفلاج ثم وادي الدواسر، فيما شيعت محايل عسير "
        "شهيدها، ووصلت القافلة إلى ظهران الجنوب."
    )
    for name, (lat, lon) in {
        "الأفلاج": (22.29, 46.72),  # Layla
        "وادي الدواسر": (20.47, 44.80),  # not El Oued, Algeria («وادي»)
        "محايل عسير": (18.55, 42.05),  # not the Asir region
        "ظهران الجنوب": (17.66, 43.51),  # not Dhahran
    }.items():
        p = ps[name]
        assert p.country == "SA" and p.kind == "area" and _km(p, lat, lon) < 30, p


def test_governorates_named_after_a_town_are_the_town(tagger: str) -> None:
    ps = _places("افتتح محافظ الدوادمي المشروع، وأقيم الحفل بمحافظة رابغ ومحافظة أبو عريش.")
    assert ps["الدوادمي"].geonameid == 110325
    assert ps["رابغ"].geonameid == 103035
    assert ps["أبو عريش"].geonameid == 110619
    # «عنيزة» is the Qassim city of 180,000, not a Qatari homonym.
    assert _places("زار الوفد مدينة عنيزة في منطقة القصيم")["عنيزة"].geonameid == 101732


def test_well_known_seats_need_no_trigger(tagger: str) -> None:
    ps = _places("وصل الوفد إلى القطيف أمس، ثم توجه إلى بيشة")
    assert ps["القطيف"].geonameid == 108927
    assert ps["بيشة"].geonameid == 103369


def test_common_word_governorates_need_their_trigger(tagger: str) -> None:
    text = (
        "اندلع الحريق في شقة سكنية، وأكد الدفاع المدني الدعم الكامل للأسر في القرى "
        "المتضررة، وقال إن البرك تجمعت في الطرق."
    )
    assert not [p for p in analyse("", text).places if p.entry.kind in REGION_KINDS]
    ps = _places("سقطت قذائف بمحافظة الطوال، وزار المسؤول محافظة الحريق ومحافظة القرى.")
    for name in ("محافظة الطوال", "محافظة الحريق", "محافظة القرى"):
        assert ps[name].country == "SA" and ps[name].kind == "area", ps
    assert ps["محافظة الحريق"].lat == pytest.approx(23.62)


def test_a_name_holding_its_trigger_is_a_place_whatever_the_tagger(tagger: str) -> None:
    # «الأمير محافظة الكامل» reads like a title and a person's name.
    ps = _places("زار الأمير محافظة الكامل أمس")
    assert ps["محافظة الكامل"].country == "SA"


def test_weak_governorates_need_evidence(tagger: str) -> None:
    assert _places("نقل المصاب إلى مستشفى بمحافظة الليث")["الليث"].geonameid == 109253
    assert not _places("زأر الليث في الغابة ثم نام")


def test_turabah_by_its_neighbours(tagger: str) -> None:
    # Makkah region's governorate, and a Ha'il village of the same name.
    near_khurmah = _places("هطلت أمطار على محافظة تربة ومحافظتي الخرمة ورنية")["تربة"]
    assert near_khurmah.geonameid == 101322
    near_hail = _places("اعتدى مواطن على طبيب في مدينة تربة، وأكدت صحة حائل ذلك")["تربة"]
    assert near_hail.geonameid == 393275


def test_a_duplicate_key_in_a_word_list_is_an_error_with_both_lines() -> None:
    from processing.enrich.lexicon import _no_duplicate_keys

    text = "aliases:\n  109223: [المدينة المنورة]\n  105343: [جدة]\n  109223: [عيد طيبة]\n"
    want = r"places.yaml:4: duplicate key '109223' \(first at line 2\)"
    with pytest.raises(ValueError, match=want):
        _no_duplicate_keys("places.yaml", text)
    _no_duplicate_keys("places.yaml", "a: {x: 1}\nb: {x: 2}\n")  # equal keys in two maps


def test_the_shipped_word_lists_have_no_duplicate_keys() -> None:
    from processing.enrich.lexicon import _no_duplicate_keys

    for name in ("places.yaml", "clubs.yaml", "regions.yaml", "titles.yaml"):
        _no_duplicate_keys(name, (LEXICON / name).read_text(encoding="utf-8"))
