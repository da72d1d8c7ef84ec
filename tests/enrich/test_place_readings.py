"""Readings of a name that the words around it decide (the classes of test5's errors): a
country name that is also an adjective, a governor's title, a festival, a club's suffix, a
clitic the writing marks, and ordinary words that GeoNames also lists. Each runs on both
taggers."""

from __future__ import annotations

import pytest

from processing.enrich import analyse, enrich
from processing.enrich.gazetteer import GeoEntry
from processing.enrich.places import haversine
from rasid.records import Place

_JEDDAH = 105343
_CANNES = 3028808
_BADR = 107744


def _places(title: str, body: str = "") -> dict[str, Place]:
    return {p.name: p for p in enrich(title, body).places}


def _named(body: str, title: str = "") -> list[tuple[str, str]]:
    """(first token as written, entry name) of each place, in order."""
    an = analyse(title, body)
    return [(an.tokens[p.start].text, p.entry.name) for p in an.places]


def _with_places(body: str, places: tuple[str, ...]) -> list[tuple[str, str]]:
    """``_named``, asserting that every one of ``places`` (entry names) is among them."""
    got = _named(body)
    names = [n for _, n in got]
    for place in places:
        assert place in names, got
    return got


def _entries(body: str, title: str = "", last: bool = False) -> dict[str, GeoEntry]:
    """Each place's gazetteer entry, keyed by its first (or last) token as written."""
    an = analyse(title, body)
    return {an.tokens[p.end - 1 if last else p.start].text: p.entry for p in an.places}


def test_an_indefinite_country_name_after_a_definite_word_is_the_country(tagger: str) -> None:
    ps = _places("", "وضربت موجات الطقس الحاد هايتي وكوبا لكن النتائج كانت مختلفة.")
    assert ps["هايتي"].country == "HT"


def test_a_country_adjective_after_its_own_city_is_an_attribute(tagger: str) -> None:
    ps = _places("", "يقام المهرجان في مدينة جدة السعودية خلال شهر رمضان.")
    assert ps["جدة"].geonameid == _JEDDAH
    assert "السعودية" not in ps


def test_a_governor_names_the_governorate(tagger: str) -> None:
    ps = _places("محافظ بدر يرعى حفل الأهالي", "رعى محافظ بدر الأستاذ مبارك حفل المعايدة.")
    assert ps and all(p.geonameid == _BADR for p in ps.values()), ps


def test_the_cannes_festival_is_cannes(tagger: str) -> None:
    ps = _places("", "وتم تقديم الفيلم في مهرجان كان العام الماضي.")
    assert [p.geonameid for p in ps.values()] == [_CANNES]


def test_a_club_with_a_british_suffix_names_its_town(tagger: str) -> None:
    ps = _places(
        "",
        "انضم اللاعب التشيلي إلى مانشستر يونايتد بعد أن لعب مع دندي يونايتد ضد دندي في مايو، "
        "وقالت صحف أمريكية إن الصفقة تمت.",
    )
    assert ps["مانشستر"].country == "GB"
    assert ps["دندي"].country == "GB"


def test_a_clitic_marked_by_its_hamza_is_no_village(tagger: str) -> None:
    # «لأمور» is «ل» + «أمور» (matters), not LaMoure, North Dakota, even in an American story.
    ps = _places(
        "",
        "انتقلت الطالبة من الولايات المتحدة إلى جامعة في الولايات المتحدة، وسألتها: ألن تشعري "
        "بافتقادك لأمور كثيرة؟",
    )
    assert all(p.country != "US" or p.name != "لامور" for p in ps.values())
    assert not [n for n in ps if "مور" in n], ps


def test_ordinary_words_the_gazetteer_lists(tagger: str) -> None:
    ps = _places(
        "",
        "تصنع فرحة العيد تباينا بين جيلين في المدينة، وقد ظهر ذلك في مشهد وصفه المنظمون بأنه جميل.",
    )
    assert "جيلين" not in ps  # two generations, not Jilin
    assert "مشهد" not in ps  # a scene, not Mashhad, in a story that names nothing in Iran


def test_and_jeddah_after_another_city(tagger: str) -> None:
    an = analyse(
        "", "وحضر الحفل مسؤولون من الرياض وجدة والدمام، وشكروا الأمير على ما وجده ومرافقوه."
    )
    got = [(an.tokens[p.start].text, p.entry.geonameid) for p in an.places]
    assert ("وجدة", _JEDDAH) in got
    assert not [t for t, _ in got if t == "وجده"], got  # «ما وجده»: what he found


def test_an_event_named_after_its_city_is_there(tagger: str) -> None:
    an = analyse("", "وجه الوزير الشكر للصحف التي غطت فعاليات مهرجان «جدة 36» هذا العام.")
    assert [p.entry.geonameid for p in an.places] == [_JEDDAH]


def test_a_derby_is_a_match(tagger: str) -> None:
    ps = _places("", "حقق ميلان الفوز في ديربي مدينة ميلانو أمام إنتر.")
    assert all(p.country == "IT" for p in ps.values()), ps


def test_a_quoted_newspaper_named_like_a_city_is_the_paper(tagger: str) -> None:
    an = analyse(
        "",
        'تلقت "الرياض" نسخة من التقرير، وعلمت «المدينة» أن الاجتماع سيعقد في الرياض غدا.',
    )
    got = [(an.tokens[p.start].text, p.entry.geonameid) for p in an.places]
    assert got == [("الرياض", 108410)], got  # only the last: the city


def test_a_place_word_inside_a_persons_or_hotels_name_is_not_the_place(tagger: str) -> None:
    ps = _places("", "نزل الضيوف في فندق الغزال وفندق أبو نيس، ثم زاروا مبنى عمائر بن صنعاء.")
    assert not [p for p in ps.values() if p.country in ("FR", "YE")], ps
    ps = _places("", "وقد وجد ابن الباحة في العمل التطوعي متعة كبيرة.")
    assert "الباحة" in ps  # «ابن الباحة»: a native of Al Bahah


def test_a_hamza_inside_the_word_rules_out_a_transliterated_name(tagger: str) -> None:
    an = analyse("", "أما في بابل وأثينا وروما قديما فكانت الحضارة، وسألتا عن الأمر.")
    got = {an.tokens[p.start].text: p.entry.country for p in an.places}
    # «و» + Athens, not Wathena, Kansas (the rules tagger never offers the small town)
    assert got.get("وأثينا") == ("GR" if tagger == "crf" else None)
    assert "وسألتا" not in got  # "and they asked", not Salta
    ps = _places("", "فاز منتخب الرأس الأخضر على منافسه.")
    assert [p.country for p in ps.values()] == ["CV"]  # a translated name keeps its hamza


def test_a_country_name_after_a_particle_or_a_governing_word_is_the_country(tagger: str) -> None:
    an = analyse(
        "", "انتشر الهتاف في كل أنحاء سورية. وعلى الخارطة الآن نجد أن سورية مقسومة بين النظام."
    )
    assert [p.entry.country for p in an.places] == ["SY", "SY"]


def test_former_states_and_parts_of_europe_are_places(tagger: str) -> None:
    ps = _places(
        "",
        "بعد سقوط الدولة العثمانية ثم الاتحاد السوفياتي تغيرت الخرائط، وتصدر المصانع إلى "
        "جنوب أوروبا وشرق المتوسط.",
    )
    names = {p.name: p for p in ps.values()}
    assert names["الدولة العثمانية"].geonameid is None and names["الدولة العثمانية"].lat > 36
    assert names["الاتحاد السوفياتي"].lon > 60
    assert 35 <= names["جنوب أوروبا"].lat <= 45  # Southern Europe, not Europe's centre
    assert "شرق المتوسط" in names


def test_more_ordinary_words_the_gazetteer_lists(tagger: str) -> None:
    ps = _places(
        "",
        "سيبقى قائدا بارا بدينه، وستكون إيران الراعي الرسمي لقيامها، على غرار الممارسات "
        "التركو - عثمانية.",
    )
    assert [p.country for p in ps.values()] == ["IR"], ps


def test_a_hard_g_written_jim_is_the_same_place(tagger: str) -> None:
    ps = _places(
        "", "أقام الفريق معسكره بمدينة سالزبورج النمساوية، ثم سافر إلى لوكسمبورج وسان بطرسبرج."
    )
    assert {p.country for p in ps.values()} == {"AT", "LU", "RU"}, ps
    assert not _places("", "خروج الزوج من الجيل الجديد")  # short variants are words


def test_greenwich_mean_time_names_greenwich_even_far_from_it(tagger: str) -> None:
    got = {
        k: e.country
        for k, e in _entries(
            "قال عمدة شنغهاي إن بنك التنمية في شنغهاي سيفتتح أبوابه، وبحلول الساعة 1020 بتوقيت "
            "جرينتش ارتفع مؤشر شنغهاي.",
        ).items()
    }
    assert got["جرينتش"] == "GB" and got["شنغهاي"] == "CN"


def test_mesopotamia_the_sunset_prayer_and_the_opera(tagger: str) -> None:
    an = analyse(
        "",
        "بدأ الحفل بعد صلاة المغرب مباشرة، وتحدث عن حضارة بلاد الرافدين، ثم عرض الفيلم في دار "
        "أوبرا فيينا. وسافر الوفد إلى المغرب.",
    )
    got = [(an.tokens[p.start].text, p.entry.country) for p in an.places]
    assert got == [("بلاد", "IQ"), ("فيينا", "AT"), ("المغرب", "MA")], got


def test_a_misspelt_state_after_wilaya(tagger: str) -> None:
    ps = _places("", "نشر تقرير عن طفل بولاية مسيسبي جرت السيطرة على الفيروس لديه.")
    assert [(p.country, p.kind) for p in ps.values()] == [("US", "region")]
    assert not _places("", "وفاز الرئيس بولاية رئاسية ثانية، وقال إن ولايته الثانية ستكون حاسمة.")


def test_the_first_of_a_list_of_places_is_the_country(tagger: str) -> None:
    an = analyse("", "فإن كلفة إعادة إعمار سورية والعراق وغزة تحتاج إلى مليارات الدولارات.")
    assert [p.entry.country for p in an.places][:2] == ["SY", "IQ"]


def test_the_city_is_medina_only_in_a_saudi_story(tagger: str) -> None:
    an = analyse(
        "",
        "فجرت انتحارية نفسها قرب نقطة تفتيش في جنوب غربي المدينة في مايدوغوري بنيجيريا، "
        "وقالت الشرطة النيجيرية إن الهجوم وقع في السوق الرئيسية في المدينة.",
    )
    assert not [p for p in an.places if p.entry.country == "SA"], an.places
    ps = _places("", "وصل الحجاج إلى المدينة المنورة، ثم زاروا المسجد النبوي في المدينة.")
    assert [p.geonameid for p in ps.values()] == [109223]


def test_a_village_name_after_a_given_name_or_mister_is_a_surname(tagger: str) -> None:
    an = analyse(
        "",
        "قال مستر ويليامز في الولايات المتحدة إن المحطة الأمريكية في الولايات المتحدة أوقفته.",
    )
    assert "ويليامز" not in {an.tokens[p.start].text for p in an.places}
    an = analyse(
        "",
        "في اليمن سيطرت القوات في عدن على التواهي وكريتر، وقال محافظ المحويت إن الوضع في "
        "اليمن هادئ.",
    )
    got = {an.tokens[p.start].text for p in an.places}
    assert "المحويت" in got, got  # after a governor: a place
    if tagger == "crf":  # after «على» (on), which normalises to the given name «علي»
        assert "التواهي" in got, got


def test_medina_named_in_full_then_the_city(tagger: str) -> None:
    an = analyse(
        "",
        "زارت لجنة صحة المدينة المنورة مستشفيات المدينة، وقالت إن سكان المدينة يحتاجون إلى "
        "المزيد، وفي المدينة الصناعية مستشفى جديد، وقال مسؤول لـ«المدينة» إن العمل مستمر.",
    )
    got = [(an.tokens[p.start].text, p.entry.geonameid) for p in an.places]
    # the full name, «مستشفيات المدينة», «سكان المدينة»; not «المدينة الصناعية» (another
    # city) nor the quoted «المدينة» (the newspaper)
    assert got.count(("المدينة", 109223)) == 3, got


def test_the_noun_city_and_good_fortune(tagger: str) -> None:
    ps = _places(
        "",
        "قتل جنود في اشتباكات بمدينة تعز اليمنية، وأعاده الله على الجميع باليمن والبركات، "
        "وقال رئيس نادي الزعيم إن سيول جدة لم تؤثر.",
    )
    assert {p.country for p in ps.values()} <= {"YE", "SA"}
    assert not [p for p in ps.values() if p.geonameid == 109223]  # «مدينة» is no Medina


def test_and_jeddah_written_with_ta_marbuta(tagger: str) -> None:
    an = analyse("", "وقع مديرا جامعتي الملك عبدالعزيز وجدة مذكرتي تفاهم مع وزارة الصحة.")
    got = [(an.tokens[p.start].text, p.entry.geonameid) for p in an.places]
    # The rules tagger reads «عبدالعزيز وجدة مذكرتي» as a person's name, which no place is in.
    assert got == ([("وجدة", _JEDDAH)] if tagger == "crf" else []), got


def test_ordinary_words_of_test11_and_test12(tagger: str) -> None:
    ps = _places(
        "",
        "وقعوا صيدا سهلا للجماعات، وقتل عدد من حماة الوطن، وخضع اللاعب لعملية في الرباط "
        "الصليبي، وبين فينة وأخرى يظهر إمام جديد، وهذا ليس عملا كماليا.",
    )
    assert not ps, ps


def test_the_capital_in_quotes_is_the_city_and_the_middle_east_paper_is_a_paper(
    tagger: str,
) -> None:
    an = analyse(
        "",
        'أسعدت الأمانة زوار العاصمة "الرياض"، وكشفت وثيقة حصلت عليها «الشرق الأوسط» أن '
        "السياحة تراجعت.",
    )
    got = [an.tokens[p.start].text for p in an.places]
    assert got == ["الرياض"], got


def test_the_alps_the_caribbean_dhahran_and_dakar(tagger: str) -> None:
    ps = _places(
        "",
        "صعد اللاعبون جبال الألب، وتأهل منتخب من اتحاد أمريكا الشمالية والوسطى والكاريبي، "
        "ودعت اللجنة الطلبة إلى معهد القوات الجوية بالظهران، ومثل أمام محكمة في العاصمة "
        "السنغالية دكار.",
    )
    names = {p.name: p for p in ps.values()}
    assert names["جبال الألب"].lat > 44 and "الكاريبي" in names
    assert names["الظهران"].geonameid == 107797 and names["دكار"].country == "SN"


def test_a_well_known_place_after_a_preposition_beats_the_taggers_person(tagger: str) -> None:
    got = {
        k: e.country
        for k, e in _entries(
            "نقل المصاب إلى مستشفى الملك خالد بحائل، ووصل الوفد إلى كوباني أمس، وقال اللواء علي "
            "الأحمدي إن الوضع هادئ، وشارك سكوت باكولا في الفيلم.",
        ).items()
    }
    assert got.get("بحائل") == "SA" and got.get("كوباني") == "SY", got
    if tagger == "crf":  # people the trained tagger knows; the rules know no persons here
        assert "الأحمدي" not in got and "باكولا" not in got, got


def test_a_place_name_the_tagger_cut_stays_whole(tagger: str) -> None:
    ps = _places("", "شيعت محايل عسير شهيدها أمس، وحضر الجنازة أمير منطقة عسير.")
    assert "محايل عسير" in ps, ps


# test13's and test14's classes


def test_a_district_that_shares_a_foreign_citys_name_is_the_articles_district(
    tagger: str,
) -> None:
    an = analyse(
        "معاناة أهالي محمدية جدة",
        "يعاني سكان حي المحمدية بمحافظة جدة من انقطاع الكهرباء، وقال أهالي المحمدية إنهم "
        "يعانون منذ أسابيع.",
    )
    got = {(an.tokens[p.start].text, p.entry.country) for p in an.places}
    assert all(country == "SA" for _, country in got), got
    assert ("المحمدية", "SA") in got and ("محمدية", "SA") in got, got


def test_a_dual_locality_noun_with_one_word_after_it_is_my_village(tagger: str) -> None:
    ps = _places("", "ما زلت أذكر كبار السن في قريتي الصغيرة النائية وأحببت قاسيون.")
    assert "الصغيرة" not in ps and "الصغيرة النائية" not in ps, ps
    assert ps["قاسيون"].country == "SY"


def test_a_dual_with_a_second_name_soon_after_still_names_two_places(tagger: str) -> None:
    got = [
        t
        for t, _ in _named(
            "استعادت القوات السيطرة على منطقتي الطاش الأول والطاش الثاني جنوب مدينة الرمادي.",
        )
    ]
    assert "الطاش" in got, got


def test_a_foreign_name_that_starts_like_kaf_and_asia_is_no_asia(tagger: str) -> None:
    ps = _places("", "يملك النادي 50 في المائة من حقوق عقد كاسيا، ما سهل عودته إلى مدريد.")
    assert all(p.country for p in ps.values()), ps  # no continent
    ps = _places("", "تحتاج دولة كإيران إلى سنوات قبل أن تعود إلى الأسواق.")
    assert ps["إيران"].country == "IR"


def test_fao_is_an_organisation_and_persia_a_name_of_iran(tagger: str) -> None:
    ps = _places(
        "",
        "وقالت الفاو إن محصول القمح تراجع. وتطالب الأقليات في الأحواز، مثل بقية مواطني بلاد "
        "فارس، بحقوقها، وتسعى طهران إلى إحياء الإمبراطورية الفارسية.",
    )
    assert all(p.country != "IQ" for p in ps.values()), ps
    assert ps["الأحواز"].country == "IR" and ps["بلاد فارس"].country == "IR"
    assert abs(ps["الإمبراطورية الفارسية"].lat - 32) < 3


def test_places_of_test14_a_crossing_a_town_and_a_club(tagger: str) -> None:
    ps = _places(
        "",
        "وصلت القافلة عبر منفذ الوديعة البري إلى مدينة سيئون، ولعب الحارس في قادش، ولعب "
        "اللاعب في أندية كل من: التعاون، هجر، النهضة، والرياض، ثم انتقل إلى ليفانتي في "
        "الدوري الإسباني بعد موسم في الدوري الممتاز.",
    )
    assert ps["منفذ الوديعة"].geonameid == 108753
    assert ps["سيئون"].country == "YE" and ps["قادش"].geonameid == 2520600
    assert ps["هجر"].country == "SA" and ps["ليفانتي"].geonameid == 2509954


# test15's and test16's classes


def test_medinas_festivals_and_the_town_against_the_village(tagger: str) -> None:
    an = analyse(
        "",
        "انطلقت احتفالات عيد طيبة 36 في المدينة المنورة، وتروي المسرحية قصة رجل نزل من "
        "القرية الى المدينة بغرض شراء سيارة، وقدمت الفرقة عروضا طيبة.",
    )
    got = [(an.tokens[p.start].text, p.entry.geonameid) for p in an.places]
    assert got[0] == ("عيد", 109223), got  # «عيد طيبة»
    assert [t for t, _ in got].count("المدينة") == 1, got  # «المدينة المنورة» only
    assert all(t != "طيبة" for t, _ in got), got


def test_ordinary_words_of_test15_and_test16(tagger: str) -> None:
    ps = _places("", "خصصت الشرطة بريدا إلكترونيا لتلقي البلاغات، فيصرخ الأب بصوت خفي في الرياض.")
    assert set(ps) == {"الرياض"}, ps


def test_air_france_is_france_and_the_agency_credit_is_not(tagger: str) -> None:
    an = analyse("", "ارتفعت أسعار تذاكر «إير فرانس 24» وقال مسؤول لوكالة فرانس برس إن الطلب زاد.")
    got = [(an.tokens[p.start].text, p.entry.country) for p in an.places]
    assert ("فرانس", "FR") not in got[1:], got  # not the credit
    assert all(country == "FR" for _, country in got), got  # never Reims's alias


def test_a_place_after_a_preposition_that_the_tagger_ran_into_an_organisation(
    tagger: str,
) -> None:
    ps = _places("", "تراجعت أسعار الليلة في فندق خمس نجوم بلاس فيجاس ولوس أنجلوس.")
    assert ps["لاس فيجاس"].country == "US", ps
    assert not _places("", "رفض الكشف عن هويته لوكالة فرانس: «نؤكد ذلك».")  # the credit


def test_places_of_test15_and_test16(tagger: str) -> None:
    ps = _places("", "فجرت انتحاريات انفسهن في داماتورو عاصمة ولاية يوبي، وفي مدينة غومبي.")
    assert ps["يوبي"].country == "NG" and ps["غومبي"].geonameid == 2340451
    ps = _places("", "افتتح مطعم في منطقة الجميرا في دبي يقدم أطباق البيرو.")
    assert ps["الجميرا"].geonameid == 291775 and ps["البيرو"].country == "PE"


# test17's and test18's classes


def test_a_shore_word_before_a_city_is_no_locality(tagger: str) -> None:
    got = [
        t
        for t, _ in _named(
            "وزعت الفرق في الدمام على الصالة الخضراء وكورنيش الخبر وكورنيش القطيف، وفرقة "
            "بكورنيش الخفجي، وأنقذت الفرق طفلة من الغرق بشاطئ العقير.",
        )
    ]
    assert not any("كورنيش" in w for w in got), got
    assert "العقير" in got, got


def test_an_administrative_centre_and_a_border_guard_sector_name_their_town(
    tagger: str,
) -> None:
    ps = _places(
        "",
        "رعى رئيس مركز ساجر حفل المعايدة، وحضر رئيس مركز الخبراء، وأنقذت فرق البحث بقطاع "
        "الخبر 13 حالة غرق، ونما الإقراض في قطاع الخدمات.",
    )
    if tagger == "crf":  # the rules tagger reads «رئيس» + the rest as a person
        assert ps["ساجر"].geonameid == 108121 and ps["الخبراء"].geonameid == 109391
    assert ps["الخبر"].country == "SA" and "الخدمات" not in ps, ps


def test_a_governorate_named_by_an_ordinary_word_in_a_story_of_its_region(tagger: str) -> None:
    ps = _places(
        "",
        "نظمت الكلية الجامعية بالقنفذة والكلية الجامعية بالليث دورة في مكة المكرمة وجدة، "
        "ويستثمر المشروع شواطئ جازان وفرسان.",
    )
    assert ps["الليث"].geonameid == 109253 and ps["فرسان"].geonameid == 106744, ps
    assert not _places("", "زأر الليث في الغابة وهرب الفرسان من المعركة.")


def test_places_of_test17_and_test18(tagger: str) -> None:
    ps = _places(
        "",
        "قال مسؤول في بنك بيريوس اليوناني إن الودائع تراجعت، وعثر عليها في حمام السباحة "
        "بمدينة بيفرلي هيلز.",
    )
    assert ps["بيريوس"].geonameid == 255274
    assert ps["بيفرلي هيلز"].geonameid == 5328041


# test19's and test20's classes


def test_ordinary_words_of_test19_and_test20(tagger: str) -> None:
    ps = _places(
        "",
        "والعزاء موصول لأبناء الفقيد في الرياض، وكان المدرب ينوي إرسالي إلى الفريق الرديف، "
        "وهنأ الجميع باليمن والخيرات، وقدمت الشركة مسحوقا من بولي كلوريد الفينيل.",
    )
    assert set(ps) == {"الرياض"}, ps


def test_a_direction_or_a_festival_after_a_locality_noun_is_no_locality(tagger: str) -> None:
    got = [
        t
        for t, _ in _named(
            "أتلفت بلدية الجنوب الفرعية في جدة خمسة أطنان من الحلويات، وتقدم قرية المهرجان "
            "للتسوق بالطائف برامج للعائلات.",
        )
    ]
    assert "الجنوب" not in got and "المهرجان" not in got, got


def test_fenerbahce_is_istanbul(tagger: str) -> None:
    ps = _places("", "أعلن فان بيرسي انتقاله من يونايتد إلى فنربغشه التركي لثلاثة مواسم.")
    assert ps["فنربغشه"].country == "TR", ps


def test_a_one_word_foreign_name_in_a_story_abroad_is_no_district(tagger: str) -> None:
    an = analyse(
        "باريس سان جيرمان يغلق صفقة دي ماريا",
        "أكدت تقارير فرنسية أن باريس سان جيرمان اتفق مع مانشستر يونايتد، وأن الرئيس التنفيذي "
        "للشياطين الحمر إد وودوارد عقد محادثات مع إدارة النادي الباريسي في باريس، ووقع "
        "اللاعب عقده في باريس أمس.",
    )
    got = [an.tokens[p.start].text for p in an.places]
    assert "وودوارد" not in got, got


# test21's and test22's classes


def test_a_saudi_towns_governor_and_a_quoted_name_after_a_trigger(tagger: str) -> None:
    ps = _places(
        "",
        'ألقى محافظ مرات كلمة في الحفل بالرياض، وتستقبل محافظتي "الوجه" و"ضباء" زوارها '
        "في منتصف شوال.",
    )
    assert ps["مرات"].geonameid == 104376, ps
    assert ps["الوجه"].geonameid == 108773 and ps["ضباء"].country == "SA", ps
    # not after a definite trigger: «بالمحافظة "الخضر لصور"» credits a news agency
    ps = _places("", 'وقالت وزارة الصحة بالمحافظة "الخضر لصور" إن الجرحى نقلوا في عدن.')
    assert "الخضر" not in ps, ps


def test_places_of_test21_and_test22(tagger: str) -> None:
    ps = _places(
        "",
        "أرسل الحوثيون تعزيزات الى جبهة عدن عبر محافظتي البيضاء وأبين، وتستمر معارك تحرير "
        "قاعدة العند، وتحاصر الفصائل بلدتي الفوعة وكفريا في إدلب.",
    )
    assert ps["البيضاء"].country == "YE" and ps["قاعدة العند"].country == "YE", ps
    assert ps["الفوعة"].country == "SY" and ps["كفريا"].country == "SY", ps


# test23's and test24's classes


def test_places_of_test23_and_test24(tagger: str) -> None:
    ps = _places(
        "",
        "وصل الوفد السعودي إلى إنشون للمشاركة في دورة الألعاب الآسيوية بعد دورة قوانزو في "
        "الصين، واندلع حريق في مقاطعة سان برناردينو بولاية كاليفورنيا.",
    )
    assert ps["إنشون"].geonameid == 1843564 and ps["قوانزو"].geonameid == 1809858, ps
    assert ps["سان برناردينو"].geonameid == 5391710, ps
    assert not _places("", "نبيها زرقاء.. تتجه الأنظار مساء اليوم إلى درة الملاعب.")


# test25's and test26's classes


def test_places_of_test25_and_test26(tagger: str) -> None:
    ps = _entries(
        "قال مدير فريق مرسيدس إن الرحلة إلى المجر ستأتي بقلوب مثقلة. وأسلم عشرات من الفلبين "
        "وسيرلانكا، وتقع الجامعة في مقاطعة كيبك ذات الأغلبية الفرنسية، وتنتشر المعالم بين مكة "
        "المكرمة وطيبة الطيبة، وسيطر معاوية على الشام أربعين سنة.",
        last=True,
    )
    assert ps["المجر"].country == "HU" and ps["وسيرلانكا"].country == "LK", ps
    assert ps["الطيبة"].geonameid == 109223, ps  # «طيبة الطيبة», Medina's epithet
    if tagger == "crf":  # weak («الشام» is also in names): it needs the tagger's LOC
        assert ps["الشام"].name == "Levant", ps
    quebec = ps["كيبك"]  # the province, at its populated core near Quebec City
    assert haversine(quebec.lat, quebec.lon, 46.81, -71.21) < 161, ps


def test_an_institution_between_places_in_a_list_is_no_locality(tagger: str) -> None:
    got = dict(
        _named(
            "وشارك في المعرض كل من جامعة الملك عبدالعزيز، وجامعة الباحة، والجامعة الإسلامية، "
            "وجامعة طيبة.",
        )
    )
    assert "والجامعة" not in got, got
    assert got.get("وجامعة") == "Madinah", got  # Taibah University is in Medina


# test27's and test28's classes


def test_places_of_test27_and_test28(tagger: str) -> None:
    ps = _entries(
        "عادت حركة الطيران بين كوريا والصين، وزادت الرحلات إلى جيجو مع أير تشاينا. وزار "
        "أمستردام عاصمة هولندا، ثم اندلعت الحرب بين الباراغواي وبوليفيا ومالي والباكستان. "
        "ويقصد السياح الإمارات الأخرى مثل أبو ظبي ورأس الخيمة.",
    )
    assert ps["كوريا"].country == "KR" and ps["جيجو"].country == "KR", ps
    assert ps["تشاينا"].country == "CN", ps
    assert ps["هولندا"].kind == "country", ps  # «عاصمة هولندا»: the capital of the country
    assert ps["الباراغواي"].country == "PY" and ps["والباكستان"].country == "PK", ps
    assert ps["أبو"].name == "Abu Dhabi", ps  # not a kunya
    assert "الإمارات" not in ps, ps  # «الإمارات الأخرى»: some emirates, not the country


def test_an_airlines_country_and_a_country_name_ending_in_ya(tagger: str) -> None:
    ps = {
        k: e.country
        for k, e in _entries(
            "وزادت الرحلات مع إير فرانس. وتعادل المنتخب أمام باراجواي (2-2) ثم فاز على أوروجواي.",
        ).items()
    }
    assert ps.get("فرانس") == "FR", ps  # the tagger reads «إير فرانس» as a person
    assert ps.get("باراجواي") == "PY", ps  # no nationality adjective of itself


def test_a_grandmother_a_virus_and_an_orca_are_no_places(tagger: str) -> None:
    an = analyse(
        "جدة أوباما: لو زارنا الرئيس فسنذبح له",
        "تأمل العائلة زيارته. جدة الرئيس سارة أوباما تأمل ذلك. وأعلنت الصحة انحسار فيروس كورونا، "
        "وتسعى جماعات لتحرير الحوت القاتل لوليتا. وقام من نومه باكرا.",
    )
    assert not an.places, [(an.tokens[p.start].text, p.entry.name) for p in an.places]
    # the governor's title after the city is no person's name
    ps = _places("", "دشن محافظ جدة الأمير مشعل بن ماجد فعاليات مهرجان جدة.")
    assert any(p.geonameid == _JEDDAH for p in ps.values()), ps


# test29's and test30's classes


def test_places_of_test29_and_test30(tagger: str) -> None:
    ps = _entries(
        "أكملت الإدارة العامة للتعليم بالخرج استعداداتها. وقصفت الطائرات مديرية سنحان وقصر "
        "المعاشيق في عدن، وعالجت العيادات لاجئين بمخيم الزعتري، ونفر الحجاج إلى مزدلفة بعد "
        "الوقوف بصعيد عرفات. وتبادل الجيشان النار قرب بلدة سيالكوت الباكستانية.",
    )
    assert ps["بالخرج"].name == "Al Kharj", ps  # not hidden by a noisy name-list entry
    assert ps["مديرية"].country == "YE" and ps["وقصر"].country == "YE", ps
    assert ps["بمخيم"].country == "JO", ps
    assert ps["مزدلفة"].country == "SA" and ps["بصعيد"].country == "SA", ps
    assert ps["سيالكوت"].country == "PK", ps


def test_a_place_hidden_by_a_name_list_entry() -> None:
    from processing.enrich.lexicon.lists import Lexicon, lexicon

    lx = Lexicon()
    lx.index = lexicon().index  # the place lists, shared read-only
    assert lx._hides_a_place("بالخرج") and lx._hides_a_place("والرياض")
    assert not lx._hides_a_place("باراك") and not lx._hides_a_place("بالتأكيد")


def test_the_writing_names_ibb(tagger: str) -> None:
    got = _named(
        "قصفت الطائرات مواقع في صنعاء والضالع وإب وتعز، وقصفت مواقع في إب. وهو أب لولدين، "
        "وزوج وأب لثلاثة. وحصل على شهادة «إي بي» الدولية.",
    )
    assert ("وإب", "Ibb") in got and ("إب", "Ibb") in got, got
    assert not any(t in ("أب", "وأب") for t, _ in got), got  # "a father"
    assert not any(t == "إي" for t, _ in got), got  # GeoNames' «إي بي» for Ibb


def test_a_dateline_names_a_big_city_that_is_also_a_word(tagger: str) -> None:
    an = analyse("رسالة من كوريا الشمالية", "سيول - «الشرق الأوسط»: ظهرت رسالة جديدة أمس.")
    got = [(an.tokens[p.start].text, p.entry.name) for p in an.places]
    assert ("سيول", "Seoul") in got, got
    # «سيول» in a sentence is still "floods"
    an = analyse("", "اجتاحت سيول جارفة عدة قرى في المنطقة.")
    assert not an.places, an.places


# test31's and test32's classes


def test_places_of_test31_and_test32(tagger: str) -> None:
    got = dict(
        _named(
            "تظاهر أهالي الفوعة في ضاحية السيدة زينب قرب دمشق، وتحاصر الفصائل بلدتي نبل والزهراء. "
            "وقد يطول توقف نفط المنطقة المحايدة بين الكويت والسعودية. وقارن العلماء الجبل بجبال "
            "روكي، وسار على امتداد شاطئ التيمس.",
        )
    )
    assert got.get("السيدة") == "Sayyida Zaynab", got  # the tagger reads «زينب» as a person
    assert got.get("نبل") == "Nubl", got  # after the dual «بلدتي»
    assert got.get("المنطقة") == "Neutral Zone (Saudi-Kuwaiti)", got
    assert got.get("التيمس") == "River Thames", got


# test33's and test34's classes


def test_a_town_the_article_calls_a_place_is_that_place_again(tagger: str) -> None:
    got = _named(
        "احتفل فرسان وخيالة محافظة رنية بالعيد، وطلب تخصيص الجهة الشمالية من متنزه رنية "
        "لفرسان رنية.",
        "الفرسان يشاركون الأهالي فرحة العيد بمسيرة لخيالة رنية",
    )
    assert got.count(("رنية", "Ranyah")) == 4, got
    assert not any(name == "Farasān" for _, name in got), got  # «لفرسان رنية»: its knights


def test_places_of_test33_and_test34_and_words_that_are_not(tagger: str) -> None:
    got = dict(
        _named(
            "أمطر الحوثيون ضاحية دار سعد بالصواريخ، واستمرت الاشتباكات في مدن ردفان والضالع. "
            "قم بالاستحمام قبل السباحة، وهو كابل مخصص لأجهزة أندرويد، وأنت يا وطني سالم.",
        )
    )
    assert got.get("دار") == "Dar Sa'd (Aden)" and got.get("ردفان") == "Radfan", got
    assert not {"قم", "كابل", "سالم"} & set(got), got


# Words, papers and idioms that earlier rounds read as places (test17 to test32).
_NOT_PLACES = [
    # test17/18: «بحري» (Khartoum North), «أمسك» (Omsk), «مينا», «للي», «الديوانية», «المهد»
    "نفذت الفرق عدة حالات إنقاذ بحري وساحلي، وقال إنه أمسك بيدها في الاستوديو، وقالت "
    "مينا: «للي بيعرفوا»، وفي الديوانية ضيافة للرجال، وماتت الطفلة في المهد.",
    # test21/22: the Copa, a comparative («أقصر», Luxor), a date
    "تأهل الفريق إلى نهائي كأس كوبا ليبرتادوريس، وكان ساعداه أقصر كثيرا من جسمه، وتقدمت "
    "الإدارة بالعرض في العاشر من رمضان الماضي.",
    # tanween: "an angel" (Malacca); a paper after «صحيفة»; the holy sites (Beqaa); «فريم»
    "وكما يملك كل إنسان ملاكاً حارساً تملك كل عائلة، وقد نشرت صحيفة الوطن وصحيفة الرياض "
    "الخبر، وأشاد بجهود خادم الحرمين الشريفين بالبقاع المقدسة، وأسس مشروع فريم استوديو.",
    # any paper after «صحيفة»; a border, not the Northern Borders; "I see you"; a sheikh
    "ونشرت صحيفة الشروق المصرية مقالا عن الاشتباكات على الحدود الشمالية بين البلدين. "
    "وقال لي: أراك دائما شديدا، فهل هو شيخ فعلا؟",
    # the paper before «الجريدة»; Alawite towns
    "والنجاحات القياسية حققتها الرياض الجريدة بقيادته، وتساقطت القذائف على بلدات علوية.",
    # test37-40: the agencies' credit («و+ك+الات», Alot); "inspired by" («من وحي», not
    # «و+حي» before a district's name); "they took charge" (Tuluá)
    "سبق- وكالات: صرح المحامي العام. حقيبة من وحي الجواهر، وهم من تولوا تقديم البرنامج.",
    # test41/42: the evening prayers; a company's brand; a clause after a definite trigger;
    # «قائد المنطقة الجنوبية» is not this after «الناحية» ("the side")
    "تقام الفعاليات فترتي المغرب والعشاء، وآخرها شركة فورد الأميركية. وقال رئيس مجلس "
    "التنمية السياحية في المنطقة وأشرف على تنظيم المهرجان، مع استثناء الناحية الشرقية.",
    # test43/44: a shield, the homeland's protectors, blame (Lomé), Bashar (Béchar)
    "سلم رئيس البلدية درعا تذكاريا للأمير. يا حماة الأوطان، هل تقوم بلوم الموظف؟ وعارضوا "
    "استمرار بشار.",
    # test46: "from my sleep" (Nome), the COX enzyme (Kukës), a player (Saint-Martin)
    "شكرا أيقظتني من نومي، وهي تثبط إنزيم (كوكس 2) فقط. وتدرب مع الفريق الروماني سان مارتن.",
    # test45: harming, not the Nile; Wadi Degla, the Egyptian club, not the Tigris
    "ولن يستطيعوا النيل من أمن الوطن، وفاز الفريق على وادي دجلة.",
    # test47/48: your heart (Lubbock), apart from (Donna), a singer (Rolla), kindergartens
    "فكيف زين لك لبك؟ يحرصون على السياح دونا عن غيرهم، وغنت رولا سعد، وتوسعت رياض الأطفال.",
    # test49/50: his grandfather («جده» with «ه»), the Holy Spirit, the Tsardom, a shield
    "وأورثه جده «هانيبال» ملامحه، وأوحت له علاقة جده الأكبر بالقيصر. والله والروح القدس، "
    "وتأريخا للقيصرية الروسية، وسلم المهندس درعا تكريميا للزميل.",
    # test51/52: the birthplace; Monster Beverage (Münster); a surname ("the Kurd")
    "وبقي التواصل مع مسقط الرأس مستمرا. وباعت حصة في مونستر للمشروبات، وقالت أمينة الكردي "
    "إن المشروع نجح.",
    # test55: a film («آنت مان»: Man, Côte d'Ivoire)
    "واحتل فيلم «آنت مان» صدارة الإيرادات، وتلاه فيلم «آيرون مان».",
    # test56-59: "mentioned above" (Anfa), good fortune (Yemen), "he insists" (Egypt), the
    # first fruits, a car (Neiva), the homeland's protectors, people (Evere, Avigdor, Paris)
    "كما ذكرت آنفا من أن الدعاة انشغلوا. أعاده الله عليكم باليمن والخير والبركات. وهو مصر "
    "على إقراره أمام نفسه. ويعد المعرض باكورة المعارض، وتعرض «لادا نيفا» بالألوان، وثبت رجال "
    "أمننا وحماة وطننا.",
    "وطالبت المندوبة سمانثا باور بالالتزام، ودفع ذلك أفيجدور ليبرمان إلى وصفه، وتظهر "
    "الوثيقة أن الممثلة باريس هيلتون لم تكن الخيار الأول.",
    # test60-62: a verb (Yanbu), a clearance (At-Taraf), "in my mind" (Bali), a university
    # (Hopkins), a marathon, forts; «ورصد» joined to one place is the next clause
    "ويقام السد على النهر الذي ينبع من الهضبة. لتسلم إخلاء الطرف والحصول على الوثائق. كانت "
    "أولى الأفكار التي خطرت ببالي، في جامعة جونز هوبكنز، بعد ماراثون طويل، والجبال والحصون "
    "المطلة.",
    # test64-67: a boy (Sabya), all places (Beqaa), the settled folk (Hatra), cotton (Al-Qatn),
    # he sailed (Obhur), operated (Siirt), and country names in «ـيا» as accusative
    # adjectives of people («مقاتلا بريطانيا», «مسؤولا ليبيا»)
    "الذي كان آنذاك صبيا، وتجذب المصورين من شتى البقاع، وسمعه أحد من البادية أو الحضر، فوق "
    "كوفية من القطن. ثم أبحر إلى الشمال، وسيرت الخطوط 84 رحلة. وأشارت الصحيفة إلى أن "
    "مقاتلا بريطانيا تعهد بالقتال، لكن مسؤولا ليبيا رفيعا قال إن جنديا تركيا قتل.",
    # test68-71: the frontier's reward (Rabat), Assad's forces (Béchar), the calendar
    # (Makkah), necks, ruin, housewives, "we refused", Wi-Fi, a UN official
    "فلهم أجر الرباط، ويقاتلون قوات بشار، حسب تقويم أم القرى. والهيمنة على رقاب الناس "
    "ونشر الفوضى والخراب، وربات البيوت، شئنا أم أبينا، ونقاط واي-فاي، وقالت فاليري آموس.",
    # test72-75: «للبنين» is «ل» + «البنين» (for the boys), never «لل» + Benin; a quoted noun
    # and its adjective («"العرضة" السعودية»); a leash (Rabat); a poet (Perm)
    'افتتحت كليات التميز للبنين والبنات، ثم بدأت "العرضة" السعودية بمشاركة الحضور. وفك '
    "رباط الوحش، وصدرت مذكرات الشاعر بيرم التونسي.",
    # test80-83: Minecraft's Pocket Edition (Phuket), tenderness (Raqqa), a lunar mansion
    "وتصدرت لعبة «ماينكرافت: بوكيت إيديشين» القائمة. والورد من معانيه الرقة واللطف، وتتوافق "
    "هذه الأيام مع بقية أيام المنزلة المعروفة بالهنعة.",
]


@pytest.mark.parametrize("text", _NOT_PLACES)
def test_words_and_papers_that_are_no_places(tagger: str, text: str) -> None:
    an = analyse("", text)
    assert not an.places, [(an.tokens[p.start].text, p.entry.name) for p in an.places]


def test_abhas_resorts_and_medina_before_an_adjective(tagger: str) -> None:
    got = _with_places(
        "تتوزع فعاليات مهرجان أبها بين منتجع السودة ومنتجع الحبلة وساحة المفتاحة وحديقة "
        "أبوخيال. ويضم مهرجان المدينة المنورة مهرجان التسوق، والمدينة الترفيهية، وتحدث عن "
        "العجز الصحي في المدينة اليوم.",
        ("Al-Soudah", "Al-Habala", "Al-Muftaha (Abha)", "Abu Khayal (Abha)"),
    )
    medina = [t for t, n in got if n == "Madinah"]
    assert "والمدينة" not in medina, got  # «المدينة الترفيهية»: the amusement park
    assert "المدينة" in medina, got  # «في المدينة اليوم»: Medina today


# test37's to test40's classes


def test_places_of_test37_to_test40(tagger: str) -> None:
    got = _with_places(
        "تبنى تنظيم القاعدة في بلاد المغرب الإسلامي الهجوم. وقال خطيب جامع بلدة الداخلة في "
        "سدير إن الغيوم تتشكل فوق سلسلة جبال الحجر، ورفعت العقوبات التي فرضتها أمريكا وأوربا. "
        "وتأهل 11 منتخبا من اوقيانيا.",
        ("Maghreb", "Sudair", "Hajar Mountains", "Europe", "Oceania"),
    )
    assert "Morocco" not in [n for _, n in got], got


def test_a_hashtag_is_split_at_its_underscores(tagger: str) -> None:
    got = _named("أطلق مغردون وسما يحمل اسم #شهيد_الإمارات_سيف_الفلاسي، وآخر #تحرش_بفتاتين_بجدة")
    assert ("الإمارات", "United Arab Emirates") in got and ("بجدة", "Jeddah") in got, got


def test_counted_people_and_a_quoted_airline_are_no_country(tagger: str) -> None:
    got = _named(
        "ودعي حوالي 3,8 ملايين بوروندي للتصويت، وحملت الأزمة 160 ألف بوروندي على اللجوء. "
        'وأكد مدير الخطوط الجوية العربية حرص "السعودية" على زيادة رحلاتها إلى أبها.'
    )
    assert not any(t in ("بوروندي", "السعودية") for t, _ in got), got
    got = _named('وأجريت الانتخابات في بوروندي، وعادت الطائرة إلى "السعودية" أمس.')
    assert [n for _, n in got] == ["Burundi", "Saudi Arabia"], got


def test_places_of_test41_and_test42(tagger: str) -> None:
    got = _named(
        "وصرح أمير عسير أن الملتقى هو الأول. وأكد أن مدينة حقل في حاجة إلى مشاريع، وجمع من "
        "أهالي تمير. وزار قائد المنطقة الجنوبية المصابين، والفارق الزمني بين السعودية ولندن "
        "ساعتان."
    )
    names = dict(got)
    assert names.get("عسير") == "Asir", got  # «أمير عسير» read as one person
    assert names.get("حقل") == "Ḩaql" and names.get("تمير") == "Tumayr", got
    assert names.get("المنطقة") == "Southern Region (Saudi Arabia)", got
    assert names.get("ولندن") == "London", got  # the tagger runs it into «ساعتان»
    got = _named("وتقدمت القوات العراقية نحو الرمادي، وانضم مقاتلون من أبناء قضاء حديثة.")
    assert ("حديثة", "Ḩadīthah") in got, got  # after Iraq's «قضاء» («حديثة»: "modern")


def test_places_of_test43_and_test44(tagger: str) -> None:
    got = dict(
        _named(
            "احتفل أهالي أشيقر بعيد الفطر بحضور محافظ شقراء، ثم حفل أقيم بفندق المريديان "
            "بالخبر. وزار الوفد الدمام والقطيف."
        )
    )
    assert got.get("أشيقر") == "Ushaiqir" and got.get("شقراء") == "Shaqra", got
    assert got.get("بالخبر") == "Khobar", got  # the hotel's name ran on into "in Khobar"
    assert "بالخبر" not in dict(_named("وفور إعلانها بالخبر، قالت ريتشاردسون إنها سعيدة."))


def test_places_of_test45_rivers_and_madinahs_sites(tagger: str) -> None:
    got = dict(
        _named(
            "غرق مركب في النيل بالقاهرة، وعبرت القوات الجسر على نهر الفرات قرب الرمادي. وصلى "
            "الزوار بمسجد قباء ثم بمسجد ميقات ذي الحليفة، وأقيمت المباراة على ملعب الملز، وقرب "
            "قاعدة الحبانية الجوية، وفي جبال حمرين."
        )
    )
    assert got.get("النيل") == "Nile" and got.get("نهر") == "Euphrates", got
    assert got.get("قباء") == "Quba (Madinah)" and got.get("ذي") == "Dhu al-Hulayfah", got
    assert got.get("الملز") == "Al-Malaz (Riyadh)", got
    assert got.get("الحبانية") == "Habbaniyah" and got.get("جبال") == "Hamrin Mountains", got
    # «وأدى» is "and he performed", not «وادي» before a district of the city nearby
    got = _named("زار الوفد المسجد الكبير في جدة، وأدى الصلاة فيه.")
    assert got == [("جدة", "Jeddah")], got


def test_news_and_khobar_and_jeddahs_briman(tagger: str) -> None:
    got = _named(
        "وأحرقت الحرائق تشليح بريمان بجدة. والخبر المنشور عن القضية نقلته الصحف في الرياض "
        "ومكة. ووصل الوفد إلى الدمام والخبر والقطيف."
    )
    assert ("بريمان", "Briman (Jeddah)") in got, got
    khobar = [t for t, n in got if n == "Khobar"]
    assert khobar == ["والخبر"] and got.index(("والخبر", "Khobar")) > 3, got  # only the list's


def test_places_of_test49_and_test50(tagger: str) -> None:
    got = dict(
        _named(
            "ارتفعت أسعار الذهب في المنطقة الغربية، وعقد المؤتمر في ضاحية البورجيه الباريسية. "
            "وعاش الشعراء في المشرق العربي، وبكى العرب سقوط الأندلس، وأكد الاتحاد الروسي سيادته. "
            "وزحمة طريق مكة – جده السريع."
        )
    )
    assert got.get("المنطقة") == "Western Region (Saudi Arabia)", got
    assert got.get("البورجيه") == "Le Bourget" and got.get("المشرق") == "Mashriq", got
    assert got.get("الاتحاد") == "Russia", got
    if tagger == "crf":  # a weak name: the tagger's LOC or a trigger word takes it
        assert got.get("الأندلس") == "Andalusia", got
    assert got.get("جده") == "Jeddah", got  # between two places: the city


def test_places_of_test51_and_test52(tagger: str) -> None:
    got = _named(
        "وقعت شركة طيران السعودية الخاص عقدا في السعودية. وانتقل الكاتب من بريدة إلى يثرب، "
        "ودعمت الأمانة أشياب الجوهرة بالحوية شمال الطائف. ويحارب قديروف مع المقاتلين الشيشان "
        "ضد القوات الروسية."
    )
    assert [t for t, n in got if n == "Saudi Arabia"] == ["السعودية"], got  # one: the second
    assert ("يثرب", "Madinah") in got and ("بالحوية", "Al-Hawiyah (Taif)") in got, got
    assert not any(n == "Chechnya" for _, n in got), got  # the Chechens


def test_places_of_test53(tagger: str) -> None:
    got = _named(
        "تجهيز مرافق عيون السيح الواقعة غرب مدينة السيح بالخرج، وتراث تزخر به الحجاز. "
        "وتأجيل الطعام لبعد المغرب أفضل للصائم."
    )
    names = [n for _, n in got]
    assert names.count("As-Sih (Al-Kharj)") == 2 and "Hejaz" in names, got
    assert "Morocco" not in names, got  # after the sunset prayer


def test_a_saudi_regions_name_needs_a_saudi_story(tagger: str) -> None:
    # the seed: Libya's western region, not Saudi Arabia's
    got = _named("وأكد صالح لأهلنا في المنطقة الغربية بأن القوات المسلحة في طرابلس لا تستهدفهم.")
    assert not any(n.startswith("Western Region") for _, n in got), got
    got = _named("وزار قائد المنطقة الغربية المرابطين في جدة ومكة.")
    assert any(n.startswith("Western Region") for _, n in got), got


def test_a_common_word_listed_between_places_of_its_country_is_a_place(tagger: str) -> None:
    """«حقل» ("field") and «الوجه» ("the face") are Haql and Al-Wajh among the Tabuk coast's
    towns (test60); «ورصد» after one place is the next clause, not a Yemeni village."""
    got = _named(
        "وتتميز شواطئ محافظات حقل، ضباء، الوجه وأملج بالأماكن الجميلة. حقل..ضباء..الوجه..أملج.."
    )
    names = [n for _, n in got]
    assert names.count("Ḩaql") == 2 and names.count("Al Wajh") == 2, got
    assert _named("وكانت تتوجه إلى صنعاء، ورصد المآسي المهولة ويسافر إلى عدن ورصد ما يحدث.") == [
        ("صنعاء", "Sanaa"),
        ("عدن", "Aden"),
    ]


def test_places_of_test56_to_test63(tagger: str) -> None:
    _with_places(
        "ولايات فلوريدا ولويزيانا وأركنسو، واتفاق الصخيرات في مدن طنجة وبوزنيقة وخريبقة "
        "وتاونات. وثار بركان في إقليم جاوة الشرقية وأغلق مطار إقليم بالي، ووقع الحادث في مدينة "
        "كبيسة غرب الأنبار وفي بحيرة التمساح بالإسماعيلية. ويقام سد النهضة على النيل الأزرق "
        "الذي ينبع من هضبة الحبشة. وافتتح محافظ حفرالباطن الفعاليات، وزار الحجاج جبل أحد وجبل "
        "الرماة، وطالب أهالي مدينة الأطاولة بفرع، وقطاع قوز الجعافرة، وخطب في ساحة السبعين.",
        (
            "Arkansas", "Skhirate", "Bouznika", "Khouribga", "Taounate", "East Java", "Bali",
            "Kubaysa", "Lake Timsah", "Blue Nile", "Ethiopian Highlands", "Hafar Al-Batin",
            "Mount Uhud", "Jabal al-Rumat", "Al-Atawlah (Al-Bahah)", "Quz al-Ja'afira (Jazan)",
            "Al-Sabeen Square (Sanaa)",
        ),
    )  # fmt: skip
    assert "Yanbu" not in [n for _, n in _named("النيل الأزرق الذي ينبع من هضبة الحبشة")]


def test_a_country_after_her_homeland_and_a_governorate_named_like_a_man(tagger: str) -> None:
    got = _named(
        "تحدثت عن القضايا الخاصة بوطنها سورية. ونزحوا من محافظات الأنبار ونينوى وصلاح الدين، "
        "وقتل اثنان في محافظتي الأنبار وصلاح الدين. وقاد صلاح الدين الأيوبي الجيش."
    )
    names = [n for _, n in got]
    assert "Syria" in names and names.count("Salah ad-Din") == 2, got
    assert "Pīrmām" not in names, got


def test_places_of_test64_to_test67(tagger: str) -> None:
    got = _with_places(
        "خطفوا الاثنين في بلدة خان بني سعد بمحافظة ديالى، وقتل المسؤول في مدينة الشدادي بريف "
        "الحسكة، وأرسلت الحكومة وفدا إلى بريطانيا.",
        ("Khan Bani Saad", "Ash Shaddādah", "United Kingdom"),
    )
    assert got


def test_places_of_test68_to_test71(tagger: str) -> None:
    _with_places(
        "جددت أمانة سوق عكاظ الدعوة للمنافسين، وقال رئيس وزراء لوكسمبرغ إن زلزال توهوكو "
        "شرد الآلاف في مكسيكو سيتي وبورت أوبرنس.",
        ("Souq Okaz", "Luxembourg", "Tohoku", "Port-au-Prince"),
    )


def test_places_of_test72_to_test75(tagger: str) -> None:
    got = _with_places(
        "ساحة «شهداء أحد» تكتظ بالزائرين في عيد الفطر، وقصفت القوات بيت عوان بجبل التركمان "
        "ومطار الثعلة العسكري. وهبطت الطائرة في مطار روما الدولي، ومعرض مشكاة «السعودية 2050».",
        ("Mount Uhud", "Turkmen Mountain (Latakia)", "Tha'la airbase (Suwayda)", "Rome"),
    )
    assert ("السعودية", "Saudi Arabia") in got, got  # an opening quote: the name, quoted


def test_places_of_test76_to_test79(tagger: str) -> None:
    """«الضفة» after «الضفة الغربية» is the West Bank (not «الضفة الشرقية للقناة»); «سان جرمان»
    is PSG's Paris; a common word before a list of two places is its first item, but not an
    adjective right after a place («اليمن الشقيق وعسير»)."""
    got = _named(
        "أصيب مستوطنون جنوب نابلس شمال الضفة الغربية، وقالت إنها تخطط لعمليات في الضفة، وعلى "
        "الضفة الشرقية للقناة. وبانتظار أن يحافظ سان جرمان على تقليده، زار السياح مدائن صالح. "
        "واستعادت المقاومة محافظات البيضاء وتعز ولحج، بما فيها اليمن الشقيق وعسير والباحة."
    )
    names = [n for _, n in got]
    assert names.count("West Bank") == 2 and "Paris" in names, got
    assert "Hegra (Mada'in Salih)" in names and ("البيضاء", "Al Bayda") in got, got
    assert "Ash-Shaqīq" not in names, got


def test_a_village_after_ila_is_a_noun(tagger: str) -> None:
    """«إلى» normalises to «الي», which looked like a definite word, so «إلى الضالع» read as
    an adjective after it and the town was lost (test77)."""
    got = _named("وهو الطريق المؤدي إلى الضالع ولحج وتعز وعدن.")
    assert ("الضالع", "Aḑ Ḑāli‘") in got, got


def test_places_of_test80_to_test83(tagger: str) -> None:
    _with_places(
        "أدان الحادث الذي استهدف المصلين بقرية الدالوه وببلدة القديح بمحافظة القطيف. وبدأت "
        "بواكير نخيل مزارع ثرمداء بالنضوج، وتوجهت الطائرة إلى سيئول.",
        ("Al-Dalwah (Al-Ahsa)", "Al-Qudaih (Qatif)", "Tharmada (Al-Washm)", "Seoul"),
    )


def test_places_of_test84_to_test87(tagger: str) -> None:
    """Turkish clubs named «X سبور», Lille as a club, the holy sites after «مشعري», Egypt's
    Western Desert in a story of Egypt, and names no list had."""
    _with_places(
        "يواجه الهلال غازينتاب سبور التركي ثم أخيسار سبور، وتعاقد فريق ليل الفرنسي مع المدرب. "
        "وبدأت تهيئة المخيمات في مشعري منى وعرفات بمكة. وزار متحفا بأم الدوم، وتوجه إلى هارت "
        "أيلاند في نيويورك، ثم إلى سربرينيتشا ولاعب كوتبوس.",
        ("Gaziantep", "Akhisar", "Lille", "Mina", "Mount Arafat", "Umm ad-Dawm (Al-Muwayh)",
         "Hart Island", "Srebrenica", "Cottbus"),
    )  # fmt: skip
    egypt = _named(
        "وقعت مصر اتفاقية التزام منطقة خالدة بالصحراء الغربية، وتقع الحقول قرب السويس "
        "وبورسعيد في مصر."
    )
    assert ("بالصحراء", "Western Desert (Egypt)") in egypt, egypt
    sahara = _named("قالت جبهة البوليساريو في الصحراء الغربية إن المغرب رفض.")
    assert ("الصحراء", "Western Sahara") in sahara, sahara


def test_nahia_is_a_district_only_in_iraq_or_syria(tagger: str) -> None:
    """«ناحية» introduces an Iraqi or Syrian district, indefinite names too («وناحية كنعان»),
    and is placed at a city of those countries; «من ناحية التصميم», «يميل ناحية الاستقلال»
    and the Lebanese «لناحية الأداء» ("regarding") are no districts."""
    got = _named(
        "قتل مسلحان في قضاء المقدادية وناحية كنعان في بعقوبة، وانضم متطوعون من أبناء ناحية "
        "البغدادي في محافظة الأنبار."
    )
    # placed in what the text says holds them: «في بعقوبة», «في محافظة الأنبار»
    assert ("وناحية", "Al Miqdādīyah") not in got and ("كنعان", "Baqubah") in got, got
    assert ("البغدادي", "Anbar") in got, got
    for text in (
        "الفندق جميل من ناحية التصميم في دبي.",
        "وقال في برلين إن الحزب يميل ناحية الاستقلال.",
        "عرض الفيلم في برلين وتميز لناحية الأداء التمثيلي.",
    ):
        assert _named(text) in ([("دبي", "Dubai")], [("برلين", "Berlin")]), _named(text)


def test_places_of_test88_to_test91(tagger: str) -> None:
    """A town's general hospital names the town («مستشفى السعيرة العام»: unlisted, so at the
    nearest city; «مستشفى الليث العام»: the word "the lion"), a district may be named after
    a person («حي الشيخ رضوان»), Flamengo is Rio's club only as a club, and names no list had."""
    got = _named(
        "نقل المصابون إلى مستشفى السعيرة العام في حفر الباطن، ثم إلى مستشفى الليث العام "
        "بمنطقة مكة المكرمة. ووقعت انفجارات في حي الشيخ رضوان شمال مدينة غزة. وفي قضاء بعاج "
        "غرب الموصل في العراق "
        "قتل عشرة، وزار دبلوماسيون قرية سوسيا، وتوجت ببطولة ويمبلدون، وعاد اللاعب قادما من "
        "فلامنجو البرازيلي. ونقلت الجثة إلى ثلاجة المعيصم."
    )
    assert ("السعيرة", "Hafar Al-Batin") in got and ("الليث", "Al Līth") in got, got
    assert ("الشيخ", "Gaza") in got and ("بعاج", "Al Ba‘āj") in got, got
    names = [n for _, n in got]
    for place in ("Suseya", "Wimbledon", "Rio de Janeiro", "Al-Mu'aisem (Makkah)"):
        assert place in names, got
    assert not _named("تشتهر البحيرة بأنها مهد لطيور الفلامنغو، ودرس في جامعة هارفارد.")
    assert not [n for _, n in _named("نقل إلى مستشفى الملك خالد العام في حفر الباطن.")
                if n != "Hafar Al-Batin"]  # fmt: skip


def test_an_indefinite_village_name(tagger: str) -> None:
    """After «قرية»/«بلدة» an indefinite word that no adjective agreeing with them could be is
    the village's name («بلدة رميلان», «قرية ابن نومة»), placed at the nearest city, or at
    one of the country its adjective names («بلدة سرمدا السورية»: none there, so nothing);
    adjectives, «كل قرية» and «لبلده» ("his country") are no names."""
    got = _named(
        "هز انفجار بلدة رميلان شرقي مدينة القامشلي، وأقام رئيس قرية ابن نومة حفلا بالرياض."
    )
    # Rmelan has been a listed area since test149 (regions.yaml); Ibn Nawmah is still a
    # village no list has.
    assert ("رميلان", "Rmelan") in got and ("ابن", "Riyadh") in got, got
    for text in (
        "قتل في واشنطن مقاتل قرب بلدة سرمدا السورية.",
        "يعيش في قرية صغيرة قرب الرياض، ولكل قرية وفق إمكانات البلدية في جدة.",
        "غادر الرياض لبلده قبل خمسة أشهر، وسيطر على بضع بلدات وأعدم أجانب في الموصل.",
    ):
        assert all(n in ("Washington", "Riyadh", "Jeddah", "Mosul") for _, n in _named(text)), (
            _named(text)
        )


def test_places_of_test92_to_test94(tagger: str) -> None:
    _with_places(
        "فاز في مدينة وينستن سيلم بولاية نورث كارولينا، واستقدمت العمالة من بنجلادش. وزار "
        "تلفريك الهدا السياحي في الطائف، ونظم الفريق معسكره في مدينة هورست الهولندية.",
        ("Winston-Salem", "Bangladesh", "Al Hadā", "Horst"),
    )
    assert not _named("ينتشر كثير من بسطات الحلويات، وقال السفير غلام موشي إن ممفيس ديباي "
                      "عضته الأفعى ذات الجرس، وهي ذكرى لا تنسى.")  # fmt: skip


def test_places_of_test95_to_test98(tagger: str) -> None:
    """«سورية» after a word that takes a noun is the country («بحق سورية», «فوق سورية»), a
    common-word name after a point of the compass is a place («شرقي الرمادي»), and names
    no list had; «عائلة سورية» stays an adjective."""
    got = _with_places(
        "عليهم أن يعتذروا عما اقترفوه بحق سورية، وحلقت الطائرات فوق سورية. ووقعت اشتباكات "
        "شرقي الرمادي في محافظة الأنبار قرب الفلوجة. ويقع برج ناين إلمز في لندن قرب مايفير، "
        "وهربت البقرة من مزرعة في زلوتي ستوك غربي بولندا.",
        ("Ramadi", "Nine Elms", "Mayfair"),
    )
    syria = [n for _, n in got].count("Syria")
    assert syria == 2 and ("ستوك", "Stoke-on-Trent") not in got, got  # rules: no Złoty Stok
    family = _named("دخلت عائلة سورية إلى الأردن، ولم تنسَ جنسيات سورية.")
    assert "Syria" not in [n for _, n in family], family


def test_a_directorate_is_a_district_only_in_yemen(tagger: str) -> None:
    """«مديرية» introduces a Yemeni district, indefinite names and lists too («ومديريات نهم
    وبني حشيش»), placed at a Yemeni city, or in the governorate the text puts it in
    («مديرية «شقرة» بمحافظة «أبين»» is Shuqrah, not Hajjah, 500 km off); «مديرية أمن الجيزة» and
    «مديرية الشؤون الصحية» are offices."""
    got = _named(
        "توجهت تعزيزات من صنعاء ومن مديرية خولان ومديريات نهم وبني حشيش. وفي محافظة حجة "
        "استهدفت الطائرات سواحل مديرية «شقرة» بمحافظة «أبين»."
    )
    for word in ("خولان", "نهم", "وبني", "شقرة"):
        assert any(t == word for t, _ in got), got
    # Shuqrah has its own entry now (a curated area, in Abyan): no longer Abyan's point.
    assert ("شقرة", "Shuqrah") in got, got
    for text in (
        "وأعلنت مديرية أمن الجيزة في القاهرة القبض على المتهم.",
        "وقالت مديرية الشؤون الصحية في عدن إن المستشفيات امتلأت.",
    ):
        assert all(n in ("Giza", "Cairo", "Aden") for _, n in _named(text)), _named(text)


def test_places_of_test99_to_test102(tagger: str) -> None:
    """A governor names his governorate by an ordinary word («محافظ حقل»), «حي» before a
    nationality's word and «حارة» introduce districts, Boca Juniors is Buenos Aires's club,
    and ordinary words no longer read as places («حرب باردة», «دعم مالي», «الطرف الآخر»)."""
    got = _with_places(
        "زار محافظ حقل الشواطئ في منطقة تبوك. ولعب أطفال حي السويدي بالرياض، وأقيم العرض في "
        "حارة المظلوم بجدة. وسجل مهاجم بوكا جونيورز هدفا، وزار الوفد منطقة مصر القديمة جنوب "
        "القاهرة وسفير المملكة لدى أستراليا ونيوزيلاندا.",
        ("Ḩaql", "Buenos Aires", "Old Cairo", "New Zealand"),
    )
    assert ("السويدي", "Riyadh") in got and ("المظلوم", "Jeddah") in got, got
    assert not _named(
        "حذر من اندلاع حرب باردة جديدة، وانتظار دعم مالي، وكان الطرف الآخر فيها الشاحنات، "
        "وقدم المفطح وبخاري والسليق، وعلى رأسهم آشتون كارتر."
    )


def test_places_of_test103_to_test106(tagger: str) -> None:
    """Country spellings of a yellow-fever list, Al-Uyun beside Al-Ahsa (not Laayoune), and
    what the annotators never label: «الدولة المصرية» ("the Egyptian state", a description)
    and «بايرن» alone; «الموصل العصبي» is a neurotransmitter, «مآرب شخصية» ends."""
    got = _with_places(
        "الدول الموبوءة: أنجولا وبورندي والكنغو وتوجو وسيراليوان وقازاخستان وبنغلادش. وشارك "
        "أهالي مدينة العيون بالأحساء في العرضة السعودية. وسيطرت المقاومة على منطقة رأس عيسى "
        "شمال الحديدة، وقال مشايخ مأرب إن الدور السعودي محوري.",
        ("Angola", "Burundi", "Togo", "Sierra Leone", "Kazakhstan", "Bangladesh",
         "Al-Uyun (Al-Ahsa)", "Ras Isa", "Ma'rib"),
    )  # fmt: skip
    assert "Laayoune" not in [n for _, n in got], got
    assert not _named(
        "أعلن التنظيم تحريرها من قبضة الدولة المصرية، واتفق يوفنتوس وبايرن على انتقال فيدال. "
        "ويعطل المرض إطلاق الموصل العصبي، ولهم مآرب شخصية."
    )


def test_places_of_test107_and_test108(tagger: str) -> None:
    """Athens is Greece's even beside «كوبا أمريكا», names no list had, and phrases that are
    no places: «بعقوبة تصل للإعدام» (a penalty), «مخيمات الأمم المتحدة», «حماة إلا»."""
    got = _with_places(
        "حلت وصيفة في كوبا أمريكا، وأحرز ذهبية الألعاب الأولمبية في أثينا عام 2004. وفي إقليم "
        "بابوا بأقصى شرق إندونيسيا، وفي ولاية جونقلي، وفي جوهانسبورغ وشبه جزيرة بيلوبونيز.",
        ("Papua (province)", "Jonglei", "Johannesburg", "Peloponnese"),
    )
    athens = _entries("حلت وصيفة في كوبا أمريكا، وأحرز ذهبية الألعاب الأولمبية في أثينا.")
    assert ("أثينا", "Athens") in got and athens["أثينا"].country == "GR", athens
    assert not _named(
        "يجرم القانون ازدراء الأديان بعقوبة تصل للإعدام. وقال: لن يكون للوطن حماة إلا أبناؤه."
    )
    camps = _named("وتأوي مخيمات الامم المتحدة في جوبا نحو 166 ألف لاجئ.")
    assert [n for _, n in camps] == ["Juba"], camps


def test_places_of_test109_to_test112(tagger: str) -> None:
    """The long articles' classes: seas, regions and spellings no list had; a club of London
    by its full name; the paper quoted in braces and a festival's children's village are no
    places; «سامنتا باور» is a surname, not «ب» + a town."""
    _with_places(
        "تطل ألبانيا على البحر الأدرياتيكي وعلى البحر الأيوني، ومثل مدينة أشقودرة. وتعيش "
        "فبلدان أوروبا الجنوبية أزمات. وشهدت مناطق سورية والبوكمال بالريف الشرقي لدير الزور. "
        "وفي منطقة الشوف. ولاجئ في دولة ضمن اتفاقية شنغن.",
        ("Adriatic Sea", "Ionian Sea", "Southern Europe", "Chouf", "Deir ez-Zor"),
    )
    ps = _entries("وقع لنادي كوينز بارك رينجرز الإنجليزي. وبين كوباني (عين عرب) ومدينة أشقودرة.")
    assert ps["كوينز"].geonameid == 2643743, ps  # London
    assert ps["عين"].geonameid == 172256 and ps["أشقودرة"].geonameid == 3184081, ps
    assert not _named("طاهي الرئيس الفرنسي لـ {الشرق الأوسط}: أطباق الرؤساء")
    assert not _named("وتستقبل قرية الطفل بالواجهة البحرية زوارها.")
    assert [t for t, _ in _named("وقالت سفيرة واشنطن سامنتا باور إن الاتفاق جيد")] == ["واشنطن"]


def test_places_of_test113_to_test116(tagger: str) -> None:
    """The Cannes festival stays Cannes in a story of Beirut (a town abroad there had become a
    locality of Beirut); spellings no list had; «الرباط الأخوي» and «الستر» are words, and
    «لازال» is no Azal."""
    beirut = (
        "ولد المخرج في بيروت ويعيش في بيروت وقدم فيلمه عن لبنان وبيروت. وحصد الجائزة في "
        "مهرجان كان السينمائي."
    )
    assert ("مهرجان", "Cannes") in _named(beirut)
    _with_places(
        "وفي «إقليم آزال» هجمات. وحصار مدينة مونترري، وهدفه مدينة المكسيك. وفي الأمريكتين. "
        "وإقليم جيتيغا. إلى الشرق من خانيونس.",
        ("Azal", "Monterrey", "Mexico City", "The Americas", "Gitega", "Khān Yūnis"),
    )
    assert not _named("هل لأن الرباط الأخوي غير حقيقي؟ حرصوا على الستر. ولازال يعاني.")


def test_places_of_test117_to_test120(tagger: str) -> None:
    """«يقولون» ("they say") is no French village, the police of a Swiss canton no Canton,
    «هيو جين تاو» no Huế, a law firm no town; Birmingham's and Annecy's spellings."""
    assert not _named("معظم الناس يقولون إنهم لم يفعلوا شيئا. وبعض الناس يقولون العكس.")
    assert [n for _, n in _named("قررت شرطة كانتون زيوريخ عدم شرائه.")] == ["Zürich"]
    assert not _named("الرئيسان جيانغ تسه مين وهيو جين تاو. وشركة بيكر اند ماكينزي للمحاماة.")
    _with_places(
        "ألقى خطابه في مدينة برمنغام. ومتحف بيرمنجهام. والمهرجان في مدينة أنيسي الفرنسية.",
        ("Birmingham", "Annecy"),
    )


def test_places_of_test121_to_test124(tagger: str) -> None:
    """Milking camels is no Aleppo, a Nasserist ideology no Nasiriyah, the year 2000 no Alvin,
    two gases no Ghaziabad, «بطول» no locality; the US Midwest and Jabal al-Qarah."""
    assert not _named("الطرق البدائية في عملية حلب الإبل، وأن حلب الإبل يجب أن يتم بعناية.")
    assert not _named("والأيديولوجيا الناصرية بأقوال عبد الناصر. وفي عام ألفين ترشح.")
    assert not _named("كخليط من غازي البيوتان والبروبان. ويربط الشرقية بالعاصمة بطول 449 كم.")
    _with_places(
        "يركز على صورة الأمريكي العادي في وسط الغرب. وفي جبل القارة شرق الأحساء.",
        ("US Midwest", "Jabal al-Qarah (Al-Ahsa)"),
    )


def test_places_of_test125_to_test128(tagger: str) -> None:
    """«بروسيا» is «ب» + Russia (ANERcorp's «بروسيا», Borussia, no longer hides it), but not
    before Dortmund; the political «السلط», the Marshall Plan and «في منامه» (in his sleep)
    are no places; a dual «قضائي» lists districts; Cairo's districts and «كايرو»."""
    got = _named("خلال سحب قرعة نهائيات كأس العالم 2018 بروسيا والمقررة السبت المقبل.")
    assert [n for _, n in got] == ["Russia"], got
    got = _named("وفاز بروسيا دورتموند على ضيفه، فيما حل بروسيا مونشنغلادباخ ثالثا.")
    assert "Russia" not in [n for _, n in got], got
    assert not _named("قادر على تجاوز كل السلط السياسية. وآلية إعمار أوروبا بقانون مارشال.")[1:]
    assert not _named("الشخص هنا دائما ما كان يرى محبوبته في منامه، ولكن هذه المرة يراها.")
    got = _named("مجلس شيوخ عشائر قضائي الفلوجة والكرمة يوم 4-6-2015.")
    assert [w for w, _ in got] == ["الفلوجة", "والكرمة"], got
    _with_places(
        "خيمة على النافورة في بورتو كايرو بالتجمع الخامس على أطراف القاهرة، وأخرى بالمقطم.",
        ("Cairo", "New Cairo (Fifth Settlement)", "Mokattam (Cairo)"),
    )
    assert not _named("وتصاعدت الاتهامات المعادي للسامية في أوروبا.")[1:]


def test_words_read_as_small_towns_abroad_are_not_places(tagger: str) -> None:
    """From a scan of every town under 100k outside the Arab world in 2015-07-23..25: the
    publisher Pearson, Turkish warplanes, Iran's «شبه ديمقراطي», Wall Street, River Plate,
    «بين ألف وألفين», the Delta rocket, «إبادة الإرهاب»; the places beside them stay."""
    got = _named("أعلنت دار النشر البريطانية «بيرسون» بيع «فايننشال تايمز» في لندن.")
    assert [n for _, n in got] == ["London"], got
    got = _named("قصفت ثلاث طائرات حربية تركية مواقع داعش في سوريا.")
    assert [n for _, n in got] == ["Syria"], got
    got = _named("ويرى أن إيران لديها نظام شبه ديمقراطي، وتستمر طهران في إبادة الإرهاب.")
    assert [n for _, n in got] == ["Iran", "Tehran"], got
    got = _named("ارتفعت الأسهم في بورصة وول ستريت، ولعب في ريفر بليت وبلنسية.")
    assert "Wall" not in [n for _, n in got] and "Bled" not in [n for _, n in got], got
    assert not _named("قدر عدد المقاتلين بما بين ألف وألفين، وأطلق الصاروخ دلتا 4 بنجاح.")


def test_a_district_after_bihayy_of_a_big_city_and_name_heads(tagger: str) -> None:
    """«بحي الخالدية في الرياض» is Riyadh's district (Riyadh's name is a village's in three
    other countries too, and «بحي» is «حي»), not Al-Khalidiyah, Jordan; «وادي» and «جبل»
    before a name are its head, not El Oued or a village abroad; «بالرأس» is "in the head"."""
    ps = _places("", "حالة اختناق إثر حريق عمارة سكنية بحي الخالدية في الرياض.")
    assert ps["الخالدية"].country == "SA" and ps["الخالدية"].kind == "locality", ps
    got = _named("وخصصت الأمانة منطقة وادي الألعاب في المنتزه بالطائف، وقتل في منطقة جبل المعاشيق.")
    assert "El Oued" not in [n for _, n in got], got
    assert not [w for w, _ in got if w in ("وادي", "جبل")], got
    assert not _named("وسجل محمد جحفلي هدفا بالرأس في الدقيقة الأخيرة.")


def test_idioms_of_hard_labour_and_chickpeas(tagger: str) -> None:
    """«بمخاض عسير» is a hard labour, not Asir; «خرج من المولد بلا حمص» (no chickpeas from
    the fair) is not Homs; Damascus and Homs listed stay, and Asir's governor's region."""
    assert not _named("ومباراة السوبر مرت الأسابيع الماضية بمخاض عسير. وخرج من المولد بلا حمص.")
    got = _named("يركز النظام على الدفاع عن دمشق وحمص. ووصل أمير عسير إلى أبها.")
    assert len(got) == 4, got


def test_a_reporters_byline_is_not_the_dateline(tagger: str) -> None:
    """«لجين الأحمدي – عين اليوم» and «ماجد الرفاعي- سبق- جدة»: a surname beside the
    dash of a byline (Al Ahmadi, Kuwait; Ar Rifa'i, Iraq) is the reporter's; the dateline's
    place after the outlet stays, and so does «الرياض - واس». (The byline needs the tagger
    to read the reporter's name as a person: rules alone know no «لجين».)"""
    got = _named("الرياض - واس\nأعلنت وزارة الصحة اليوم عن إصابة جديدة.")
    assert [w for w, _ in got] == ["الرياض"], got
    if tagger != "crf":
        return
    an = analyse("", "لجين الأحمدي – عين اليوم\nأكد مصدر في شركة تأمين أن كثرة الحوادث وراء ذلك.")
    assert not an.places, an.places
    got = _named("ماجد الرفاعي- سبق- جدة: أعلنت وزارة الصحة اليوم عن إصابة جديدة.")
    assert [w for w, _ in got] == ["جدة"], got


def test_a_city_in_a_newspapers_name(tagger: str) -> None:
    """«نيويورك تايمز», «واشنطن بوست», «لوس أنجلوس تايمز»: the annotators label the city a
    newspaper is named after, as any place inside an organisation's name; the paper's other
    names («فايننشال تايمز», «ديلي ستار») and a given name in its story are not places."""
    got = _named("وقالت صحيفة «نيويورك تايمز» إن الرئيس وصل. * خدمة «واشنطن بوست»")
    assert [n for _, n in got] == ["New York City", "Washington"], got
    got = _named("وذكرت صحيفة لوس أنجلوس تايمز أن الشرطة، بحسب «فايننشال تايمز».")
    assert [n for _, n in got] == ["Los Angeles"], got
    got = _named("كشفت صحيفة “واشنطن بوست” الأمريكية أن نجم السينما. ورفض “سيلفستر” الحديث.")
    assert [n for _, n in got] == ["Washington"], got
    # «ديلي ستار» is the Daily Star, not Dili; «مركز كينيدي» is named after a man.
    got = _named('أفادت صحيفة "ديلي ستار" البريطانية، وداخل مركز كينيدي. * خدمة «واشنطن بوست»')
    assert [n for _, n in got] == ["Washington"], got


def test_places_of_test129_to_test132(tagger: str) -> None:
    """An item of a list of countries is the country (Benin, not Benin City; Oman, not
    Amman); «المالديف» and «النيبال» are the Maldives and Nepal; «كمبردج» is Cambridge and
    «مولتان» Multan; ExxonMobil is no Mobile, Alabama, colloquial «جينا» ("we came") no
    Jena, and «غير السعودية» (non-Saudi) an adjective; a list is followed item by item."""
    got = _named("وتعهدت نيجيريا وجيرانها النيجر وتشاد والكاميرون وبنين بالتعاون.")
    assert [n for _, n in got][-1] == "Benin", got
    got = _named("دول الخليج: السعودية، وقطر، والكويت، والبحرين، وعمان، والأردن، ولبنان.")
    assert "Oman" in [n for _, n in got] and "Amman" not in [n for _, n in got], got
    got = _named("وصل إلى جمهورية المالديف، وقدمت المملكة مساعدات لمتضرري زلزال النيبال.")
    assert [n for _, n in got] == ["Maldives", "Nepal"], got
    got = _named("درس في جامعة كمبردج ثم عمل في شركة اكسون موبيل العاملة في قطر.")
    assert [n for _, n in got] == ["Cambridge", "Qatar"], got
    got = _named('إحنا شعب واحد جينا نحكي قصصنا، و"جينا من الطائف"')
    assert [w for w, _ in got] == ["الطائف"], got
    # A list is followed along: Petra vouches for Aqaba, as Amman did for Petra.
    got = _named("في القاهرة والأقصر وأبوظبي وعمّان وبترا والعقبة. وجذبت الحملة الزوار.")
    assert [w for w, _ in got][-1] == "والعقبة", got
    got = _named("رحلات مباشرة من دبي إلى كل من سيالكوت ومولتان.")
    assert [n for _, n in got] == ["Dubai", "Sialkot", "Multan"], got
    assert not _named("وتطور أعداد الأسر السعودية وغير السعودية خلال الفترة نفسها.")


def test_places_of_test133_to_test136(tagger: str) -> None:
    """Tawakkol Karman is no Kerman, Iran; Stanford (the university), Benson, Gordon and
    Callaghan (people), «سترون» ("you will see") and «سكره» ("his sugar") are no towns;
    «للندن» is «ل» + London, not «لل» + Ilinden's «الندن»; Salt Lake City as written."""
    got = _named("فوز الناشطة اليمنية توكل كرمان بجائزة نوبل. وأشادت بفوز كرمان في صنعاء.")
    assert [n for _, n in got] == ["Sanaa"], got
    assert _named("وصل إلى مدينة كرمان في إيران.")[0][1] == "Kerman"
    got = _named("درس في جامعة ستانفورد، وقال قائد الشرطة بنسون كيبوي إن جوردون براون وصل.")
    assert not got, got
    assert not _named("وأضاف: سترون تقدما، وقد يؤدي ذلك إلى اضطراب مستوى سكره بعد الأكل.")
    got = _named("لم يستخرج «فيزة» الدخول للندن، وسافر وللندن مرتين.")
    assert [n for _, n in got] == ["London", "London"], got
    got = _named("والزائر لمدينة سولت ليك سيتي سيجد تمثالا.")
    assert [n for _, n in got] == ["Salt Lake City"], got


def test_spellings_from_a_scan_of_unresolved_loc_mentions(tagger: str) -> None:
    """From a scan of what the tagger marked LOC and no list resolved in 2015-07-23..25:
    Lafayette, Ferguson, Milwaukee, Ceylanpınar, Jerez, Gombe, Moldova, Connecticut, Times
    Square and Shuqrah as the news spells them; «ميلين» ("two miles") is no Millen."""
    got = _named("إطلاق نار في صالة سينما في لافايت بولاية لويزيانا، ورئيس لشرطة مدينة فيرغسن.")
    assert [n for _, n in got][:2] == ["Lafayette", "Louisiana"], got
    if tagger == "crf":  # a town of 21,000 needs the tagger's LOC
        assert [n for _, n in got][2:] == ["Ferguson"], got
    got = _named("كلب في مدينة ميلووكي على بعد نحو ميلين من المكان.")
    assert [n for _, n in got] == ["Milwaukee"], got
    got = _named("قتلا في مدينة جيلان بينار. وفي مدينة غومبيه انفجار. ومعسكر في مدينة خيريز.")
    assert [n for _, n in got] == ["Ceylanpınar", "Gombe", "Jerez de la Frontera"], got
    got = _named("مظاهرة في تايمز سكوير، والمباراة في كونيكتيكت، ومولدافيا وليتوانيا.")
    assert [n for _, n in got][:2] == ["Times Square (New York)", "Connecticut"], got
    assert "Moldova" in [n for _, n in got], got
    got = _named("قبالة سواحل مدينة شقرة في محافظة أبين جنوب اليمن.")
    assert next(n for _, n in got) == "Shuqrah", got


def test_places_of_test137_to_test140(tagger: str) -> None:
    """«ينبع من» springs from; Truman, Cameron and Bismarck are men; «الجين»,
    «بروتين», «زيارات», «بصره» (his sight) and «آبارا» (wells) are words; the Algarve and
    «هندوستان تايمز» name places."""
    assert not _named("إن جزءا كبيرا من الصورة الذاتية ينبع من المقارنة.")
    got = _named("شكا أهالي حي الفيصل بالهيئة الملكية بينبع من ضعف خدمة الجوال.")
    assert "Yanbu" in [n for _, n in got][-1], got
    got = _named("جربتها أميركا ترومان. أما تصريحات ميركل. وكاميرون. وبسمارك في حكم ألمانيا.")
    assert [n for _, n in got] == ["United States", "Germany"], got
    got = _named("ويشفر هذا الجين بروتين يساعد، بعد زيارات عدة، ويتحسن بصره، ودشنت آبارا.")
    assert not got, got
    got = _named("تقدم منطقة الغارف في البرتغال، بحسب صحيفة «هندوستان تايمز».")
    assert [n for _, n in got] == ["Algarve", "Portugal", "India"], got


def test_places_of_test141_to_test144(tagger: str) -> None:
    """«سلوكية» (behavioural) is no Selçuk, «كنز» (treasure) no Cairns, Charlton and Jackson
    no towns, «محور الشر» (the axis of evil) no Tehran; «السعودية» after a noun with "our"
    («مدننا», «بلادنا») is an adjective; «حايل» is Ha'il."""
    assert not _named("وهي مشكلة سلوكية، وكنز من الآثار، ورقم تشارلتون، ويقول جاكسون.")
    assert not _named("في مخططات «محور الشر» في دعم أذرعها.")
    assert not _named("لم تجد بلادنا السعودية، وسؤالنا إلى جامعاتنا السعودية.")
    got = _named('حتى قيل في اللهجة السعودية: "حايل، والعقال مايل".')
    assert [n for _, n in got] == ["Ha'il"], got


def test_a_clitic_on_a_two_letter_head(tagger: str) -> None:
    """«وتل أبيب», «لتل أبيب»: a clitic on «تل» leaves a stem of two letters,
    as on «أم», which heads a name of two words; «وتلك» and «وتل» alone stay words."""
    got = _named("العلاقات بين واشنطن وتل أبيب، ووصل لتل أبيب.")
    assert [n for _, n in got] == ["Washington", "Tel Aviv", "Tel Aviv"], got
    assert not _named("حدث في وتلك الأيام وتل الأمر.")


def test_a_province_listed_with_places_of_its_country(tagger: str) -> None:
    """«والشرقية» after Asir and Makkah is the Eastern Province, however far it lies from
    them; after an adjective («المحافظات الجنوبية والشرقية») it stays an adjective."""
    got = _named("تصدرت مناطق عسير، ومكة المكرمة، والشرقية النسب الأعلى في المملكة.")
    assert [n for _, n in got] == ["Asir", "Makkah", "Eastern Province"], got
    got = _named("تقدم الحوثيون باتجاه المحافظات الجنوبية والشرقية في اليمن.")
    assert [n for _, n in got] == ["Yemen"], got


def test_spellings_from_a_second_scan_of_unresolved_loc_mentions(tagger: str) -> None:
    """Names the tagger marks as places and no list had, ranked past the hundredth in the
    survey days: «كويت» without its article, the Northern Emirates, the Yangtze, the
    Dardanelles, Keserwan, Benishangul, Katowice, Şırnak, Mandalay, Wellington, Kufra."""
    got = _named("لا فن بلا كويت. وشهد السوق العقاري في الإمارات الشمالية أداء بطيئا.")
    assert [n for _, n in got] == ["Kuwait", "Northern Emirates"], got
    got = _named("غرقت سفينة في نهر يانجتسي، وعبرت سفن مضيق الدردنيل.")
    assert [n for _, n in got] == ["Yangtze", "Dardanelles"], got
    got = _with_places(
        "تمر بجونيه وساحل كسروان في لبنان. وسد النهضة في إقليم بني شنقول الإثيوبي. واحتج "
        "عمال في كاتوفيتشي، جنوبي بولندا. وحفروا حتى مدينة شرناق التركية. وأقلعت من مدينة "
        "مندلاي في ميانمار. وتحتفل مدينة ولنجتون عاصمة نيوزيلندا. واشتبكوا في مدن سبها والكفرة "
        "وأوباري، جنوب ليبيا.",
        ("Keserwan", "Benishangul-Gumuz", "Katowice", "Şırnak", "Mandalay", "Wellington",
         "Al Jawf"),
    )  # fmt: skip


def test_words_and_men_read_as_towns_in_a_second_scan(tagger: str) -> None:
    """Blessings, Jefferson, Goliath and a derby are no towns; «شبه جزيرة العرب» is the
    Arabian Peninsula, not «شبه» (a village in Iran); Mount Raung is in Java."""
    assert not _named("أعاده الله على الأمة باليمن والخير والبركات.")
    assert not _named("لن تنتقل تلك المجتمعات من صدام إلى جيفرسون، ومعركة عين جالوت.")
    assert not _named('حين نقل اتحاد اللعبة " دربي الهلال والنصر" إلى ملعب آخر.')
    got = _named("قتل زعيم تنظيم القاعدة في شبه جزيرة العرب.")
    assert [n for _, n in got] == ["Arabian Peninsula"], got
    got = _named("ثورة بركان جبل راونج في إندونيسيا.")
    assert [n for _, n in got] == ["Mount Raung", "Indonesia"], got


def test_places_of_test145_to_test148(tagger: str) -> None:
    """«شيكاغو تربيون» names Chicago; Serena Williams, «ألفين» (two thousand), «بنيناه» (we
    built it), «بلدة كان» (a town was) and a dandy are no towns; «المنطقة الشرقية» of a
    US state is its federal district, not the Saudi province."""
    got = _named("واهتمت صحيفة «شيكاغو تربيون» بالخبر.")
    assert [n for _, n in got] == ["Chicago"], got
    assert not _named("فازت سيرينا ويليامز بعد أن اكتشف أكثر من ألفين منها، والنظام الذي بنيناه.")
    assert not _named("وللوصول من أقرب بلدة كان على الزوار الانعطاف، ولأي رجل «داندي».")
    got = _named("قرار قاضي محكمة فيدرالية للمنطقة الشرقية من ولاية فرجينيا.")
    assert [n for _, n in got] == ["Virginia"], got
    got = _named("ارتفعت الحرارة في المنطقة الشرقية من المملكة وفي الكويت.")
    assert [n for _, n in got] == ["Eastern Province", "Kuwait"], got


def test_places_of_test149_to_test151(tagger: str) -> None:
    """«الداخلة» after a noun is "incoming", Stanley a man, «بيتي» "my house"; «قرية البسيط»
    in Syria is no Albacete; Michigan, Central Asia, the Gulf, Jabal al-Akrad and Rmelan
    as the news writes them."""
    assert not _named("التدفقات المالية الداخلة أكثر، وفيلم ستانلي كوبريك، وماذا أصنع في بيتي.")
    got = _named("نقلت القوات دبابات إلى بلدة صلنفة وقرية البسيط في ريف اللاذقية.")
    assert "Albacete" not in [n for _, n in got], got
    got = _named("دكتوراه من جامعة ميتشيجن، ومركز دراسات أواسط آسيا، وحتى خليج العرب.")
    assert [n for _, n in got] == ["Michigan", "Central Asia", "Gulf states"], got
    got = _named("رصدت تحركات في جبل الأكراد، ودوى انفجار في بلدة رميلان شرقي القامشلي.")
    assert [n for _, n in got][:2] == ["Kurd Mountain (Latakia)", "Rmelan"], got


def test_places_of_test152_to_test155(tagger: str) -> None:
    """«غير القادر» (unable) and «الأبي» (proud) are no towns; Jabal Nuqum, Bashiqa and
    Khwarezm as the news names them (Fordow is listed too, but the CRF reads «فوردو» as a
    person, Ford's kin, and a person's span keeps it)."""
    assert not _named("ستستمر في برنامجها غير القادر على إنتاج الوقود، وشعبنا الأبي حسم خياره.")
    got = _named("قصفت الطائرات معسكر الحفا بمنطقة جبل نقم جنوب شرق العاصمة صنعاء.")
    assert [n for _, n in got] == ["Jabal Nuqum", "Sanaa"], got
    got = _named("تفقد جبهات القتال شرق الموصل وبعشيقة، ومنعهم أمير خوارزم من المغادرة.")
    assert {"Bashiqa", "Khwarezm"} <= {n for _, n in got}, got


def test_places_of_test156_to_test159(tagger: str) -> None:
    """Ha'il's rock-art sites, Jubbah and al-Shuwaymis; «رابط الخبر» (the story's link) is
    no Khobar, «الدروس والعبر» (lessons) no Al Abr, a savanna no Savannah."""
    got = [n for _, n in _named("سجلت اليونسكو موقع الرسوم الصخرية في جبة والشويمس بمنطقة حائل.")]
    # «جبة» (also a cloak) is weak: the CRF marks it LOC; rules alone see only the list of two.
    if tagger == "crf":
        assert got[:2] == ["Jubbah (Ha'il)", "Al-Shuwaymis"], got
    else:
        assert "Al-Shuwaymis" in got, got
    assert not _named("رابط الخبر بصحيفة الوئام. ويستفيد من التجارب والعبر. وحشائش طويلة (سافانا).")


def test_a_name_is_propagated_only_with_its_definiteness(tagger: str) -> None:
    """«القاعدة» (al-Qaeda, ORG) says nothing of an indefinite «قاعدة» ("a base"), so the
    Al-Anad base is found beside it."""
    got = _named(
        "تتقدم المقاومة نحو قاعدة العند العسكرية، وسط غطاء جوي من طائرات التحالف التي قصفت القاعدة."
    )
    assert "Al-Anad air base" in [n for _, n in got], got


def test_places_of_test160_to_test163(tagger: str) -> None:
    """A city of a million after an attached «ب» inside a person's span is the city («فاطمة
    بطهران»); «جيروزاليم بوست» and Baltimore as written; Sam Walton, hand wash
    («لليد») and the squares («الميادين والشوارع») are no places; English counties and
    Windsor."""
    got = _named("في شارع الدكتورة فاطمة بطهران قالوا إن المرشد لا ينتقد.")
    assert [n for _, n in got] == ["Tehran"], got
    got = _named("نشرت صحيفة «جيروزاليم بوست» تقريرا، وفاوضت في بولتيمور.")
    assert [n for _, n in got] == ["Jerusalem", "Baltimore"], got
    assert not _named("قال المؤسس سام والتون إن غسول لليد يباع، وصوره في الميادين والشوارع.")
    got = _named("حدائق ملكية في يوركشير، ومزارع في مقاطعة سمرست، وقصر في أكسفوردشير.")
    assert [n for _, n in got] == ["Yorkshire", "Somerset", "Oxfordshire"], got
    # Windsor, England: GeoNames gives «ويندسور» only to two US towns. A town this small
    # needs the tagger's LOC, which rules alone do not give here.
    if tagger == "crf":
        ps = _entries("زار الوفد قلعة ويندسور غرب لندن أمس.")
        assert ps["ويندسور"].country == "GB", ps


def test_places_of_test164_to_test167(tagger: str) -> None:
    """A country quoted after «لـ» is the country («حليف لـ«إيران»»), a newspaper there is
    not; «السعودية» before «لل» + a place is the country, not a company; boys («بنين»),
    Columbia University, the homeland's protectors («حماة للوطن») and «بالخالص» ("purely")
    are no places; Jebel Chambi and the Nuba Mountains."""
    got = _named("انتقل من حليف استراتيجي لـ«إيران» إلى حليف للسعودية. وكشف لـ«الشرق الأوسط» أمس.")
    assert [n for _, n in got] == ["Iran", "Saudi Arabia"], got
    got = _named(
        "ويظهر الفرق بين دعم السعودية لليمن وغيره. وقالت السعودية للكهرباء إن الأحمال زادت."
    )
    assert [n for _, n in got] == ["Saudi Arabia", "Yemen"], got
    assert not _named(
        "في جميع المدارس بنين وبنات. وحفل لمنسوبي الإدارة بنين. وقال الباحث في جامعة كولومبيا "
        "إن الأكراد ليسوا بالخالص خصوما. وأضاف كلنا حماة للوطن بدمائنا."
    )
    got = _named("تتمركز الكتيبة في جبل الشعانبي. والهجوم الصيفي في جبال النوبة.")
    assert [n for _, n in got] == ["Jebel Chambi", "Nuba Mountains"], got


def test_places_of_test168_to_test171(tagger: str) -> None:
    """«ك» + a city of half a million is "like" the city («زرتها كحمص»); a direction after a
    place is its own part («ضواحي درنة الشرقية»), not a province; the Levant's mountains and
    plains, prisons and former states; a poster, civilians' quarters, human dignity and
    authentic hospitality are no places."""
    got = _named("هل رأيت المجازر في المدن السورية التي زرتها كحمص مثلاً؟")
    assert [n for _, n in got] == ["Homs"], got
    got = _named("داهم الجيش أوكار المتطرفين في ضواحي درنة الشرقية أمس.")
    assert [n for _, n in got] == ["Darnah"], got
    _with_places(
        "وتوتر بين أهل حوران وجبل العرب، وما حصل في جبل السماق، وانحصر الشيعة في جبل عامل. "
        "وكان سجينا في سجن رومية ثم في سجن طره. وبعد تقويض الدولة الفاطمية. وقاعدة الجفرة.",
        ("Hauran", "Jabal al-Arab", "Jabal al-Summaq", "Jabal Amel", "Roumieh prison",
         "Tora prison", "Fatimid Caliphate", "Al Jufra"),
    )  # fmt: skip
    assert not _named(
        "وبدءا من بوستر الفيلم. وقصف أحياء المدنيين. صفعة على وجه الكرامة الإنسانية. "
        "هذه الفنادق تتبع تقاليد ضيافة أصيلة."
    )


def test_places_of_test172_to_test175(tagger: str) -> None:
    """Spellings of translated reports: Natanz transliterated, Preston, Baroda's university,
    Belgravia; English counties; Nimrud."""
    _with_places(
        "المنشآت الموجودة في ناتانز. وعقار في مدينة بريستون في مقاطعة لانكشير. وتقدم جامعة "
        "بارودا في الهند برنامجا. وشقة فاخرة في بلغرافيا. وفي مناطق ساسكس وهامشير. وما لحق "
        "بمدينة النمرود القديمة.",
        ("Naţanz", "Preston", "Lancashire", "Vadodara", "Knightsbridge and Belgravia",
         "Sussex", "Hampshire", "Nimrud"),
    )  # fmt: skip


def test_places_of_test176_to_test179(tagger: str) -> None:
    """President Hollande, sandwiches, «في بيتي», toasting bread and a new term of office are
    no places; a Saudi region followed by «ل» + another country is that country's part
    («الحدود الشمالية لليمن»); Aden's quarters, Hampton Court, Brittany, Poitiers."""
    assert not _named(
        "تبدو حظوظ هولاند للترشح لولاية جديدة ضعيفة، وأعلن تأييده لهولاند. وتناولت ساندويتش "
        "السبانخ. وقال: لا أستطيع أن أقول لك ارجعي لأنك في بيتي. حمص التوست ثم أضف الزيت."
    )
    got = _named("استهدف طيران التحالف مناطق على الحدود الشمالية لليمن أمس.")
    assert [n for _, n in got] == ["Yemen"], got
    got = _named("بدأت الحياة تعود لأحياء خور مكسر والمعلا وكريتر والتواهي في عدن.")
    assert [n for _, n in got][:3] == ["Khawr Maksar", "Al Ma‘allā’", "Crater"], got
    got = _named(
        "زار قصر هامتون كورت في جنوب غربي لندن. وعمل في مقاطعة بروتاني ثم في مدينة بواتيه."
    )
    assert [n for _, n in got] == ["Hampton Court", "London", "Brittany", "Poitiers"], got


def test_places_of_test180_to_test183(tagger: str) -> None:
    """«كان الخبر», «هذا الخبر» (the news), «جدة الممارسة» (newness), Colin Powell and Alexander
    McQueen are no places; the United States with its words reordered."""
    assert not _named(
        "فمثل الصواعق كان الخبر، وآلمها هذا الخبر. مع جدة الممارسة لدى الطبقة الجديدة. وقال "
        "كولن باول وزير الخارجية الأسبق. ومن عرض «ألكسندر ماكوين» في الأسبوع."
    )
    got = _named("أمر الفيصل بعدم تصدير النفط إلى الولايات الأميركية المتحدة بسبب انحيازها.")
    assert [n for _, n in got] == ["United States"], got


def test_places_of_test184_to_test187(tagger: str) -> None:
    """A history column's states and lands (the Safavid and Seljuk states, Anatolia, Cilicia,
    Bengal, Yerevan as «إريفان»); Victoria College and the Persian adjective are no places."""
    _with_places(
        "بعد سقوط الدولة الصفوية، وفي كيليكيا بجنوب هضبة الأناضول، وحاضنة للدولة السلجوقية. "
        "واستوردوا من البنغال. واستسلمت الحامية في إريفان. وحدود إيران تصل إلى بحر المتوسط.",
        ("Safavid state", "Cilicia", "Anatolia", "Seljuk state", "Bengal", "Yerevan",
         "Mediterranean Sea"),
    )  # fmt: skip
    got = _named("كنت رئيس فريق التمثيل في فيكتوريا كوليدج. وقال إن الخليج فارسي على الدوام.")
    assert not got, got  # not Victoria, Coolidge or «ف» + Ersī


def test_places_of_test188_to_test191(tagger: str) -> None:
    """Quoted names listed together are places though the tagger makes them titles or
    organisations («كابل», also "cable"); Libya's fronts and Benghazi's quarters; towns
    GeoNames gives no Arabic name (Tarhuna, 6th of October City); a sovereign rules the
    country («سلطان عمان»); the minister of Hajj is no Lahij."""
    _with_places(
        "اشترى فنادق في «شرم الشيخ» و«الغردقة» و«العين السخنة». وأمضى سنوات مع الأفغان في "
        "«كابل» و«جلال آباد» و«خوست». وقرب مدينة السادس من أكتوبر.",
        ("Sharm el-Sheikh", "Hurghada", "Ain Sukhna", "Kabul", "Jalālābād", "Khōst",
         "6th of October City"),
    )  # fmt: skip
    _with_places(
        "قص ريش الميليشيات في منطقة الجبل الغربي والزنتان وورشفانة، وفي قاعدة الوطية "
        "العسكرية ورأس اجدير. وحوصرت قاعدة تمنهند في سبها. وفي النوفلية جنوب سرت. "
        "وضاحية بوعطني والقوارشة في بنغازي، بمدينة ترهونة.",
        ("Nafusa Mountains", "Warshefana", "Al-Watiya air base", "Ras Ajdir",
         "Tamanhint air base", "Nofaliya", "Bu Atni (Benghazi)", "Gawarsha (Benghazi)",
         "Tarhuna"),
    )  # fmt: skip
    if tagger == "crf":  # «السدرة» (the lote tree) is weak: the tagger's LOC makes it the port
        _with_places("والاشتباكات في النوفلية جنوب سرت وعلى مشارف السدرة.", ("Es Sider",))
    assert ("عمان", "Oman") in _named("وهنأ سلطان عمان بعودته، وزار الأردن.")
    got = _named("وعين بندر حجار وزيرًا للحج، وتحدث عن اليمن واليمن. وعسل السدرة في ليبيا.")
    assert ("للحج", "Laḩij") not in got and not any(n == "Es Sider" for _, n in got), got


def test_places_of_test192_to_test195(tagger: str) -> None:
    """A dateline's city after the agency and a dash, though the word is also "the news"
    («واس - الخبر:»); Mellitah, Al-Janadriyah, Al-Bujairi, Guyana as «غويانا» and the
    Third Saudi State; a Porsche, Lockheed Martin and a book's brain are no places."""
    assert ("الخبر", "Khobar") in _named(
        "واس - الخبر: أعلنت جامعة الدمام طرح وظائف في مستشفى الملك فهد الجامعي.",
        "وظائف شاغرة في مستشفى الملك فهد الجامعي بالخبر",
    )
    _with_places(
        "وخطف أربعة إيطاليين بمنطقة مليتة غرب طرابلس. وشارك في مهرجان الجنادرية للتراث. "
        "ورعى افتتاح مشروع تطوير البجيري بالدرعية. وهنأ رئيس جمهورية غويانا التعاونية. "
        "سابع ملوك الدولة السعودية الثالثة.",
        ("Mellitah", "Al-Janadriyah", "Al-Bujairi (Diriyah)", "Guyana", "Saudi Arabia"),
    )
    got = _named(
        "تعد بورشه كاين من أفخم السيارات. وأعلنت شركة لوكهيد مارتن الأمريكية صفقة. "
        'ونشر عرض لكتابه "آندروز برين" العام الماضي.'
    )
    assert not got, got  # not Caen, Martin (Slovakia) or «ب» + Rennes


def test_places_of_test196_to_test203(tagger: str) -> None:
    """Le Bardo known by itself, Tunis with «العاصمة», Port Sudan in one word, Cairo's
    districts, New England, Arnhem; a date («العاشر من رمضان»), adoption («التبنّي»),
    Santa Claus and a resort's name are no places."""
    got = _with_places(
        "وقبلها عملية متحف باردو الأثري في تونس العاصمة. وسافر لبورسودان وسيناء. وأستاذ بجامعة "
        "عين شمس، ومسرح الأزبكية، وشاطئ ماسبيرو في القاهرة. وكرة مباراة نيو إنجلاند باتريوتس. "
        "وفي افتتاح باب التسجيل لفريقه فيتيس أرنيهم بعد ثوان.",
        ("Le Bardo", "Port Sudan", "Ain Shams (Cairo)", "Azbakeya (Cairo)", "Maspero (Cairo)",
         "New England", "Arnhem"),
    )  # fmt: skip
    assert ("تونس", "Tunis") in got, got
    got = _named(
        "وتأتي العمليات في العاشر من رمضان، ذكرى إعلان التنظيم. والمباركة والتبنّي من "
        "التنظيم. وصعد نادي سانتا كلاوس في فنلندا. وأشاع الرعب في منتجع إمبريال."
    )
    assert [n for _, n in got] == ["Finland"], got


def test_places_of_test204_to_test211(tagger: str) -> None:
    """«السعودية لل…» is a company only before a trade («للكهرباء»), the country before a
    verbal noun («تقوده السعودية للوقوف»); a capital's governorate by the article's country;
    Kefraya beside Lebanon; Makkah's Al-Ma'la, Wadi Aqqan, Gujranwala; a passive verb
    («بوشر») and the poet of a festival are no places."""
    got = _named("التحالف العربي الذي تقوده السعودية للوقوف إلى جانب الحكومة الشرعية في اليمن.")
    assert ("السعودية", "Saudi Arabia") in got, got
    assert not _named("وأعلنت السعودية للكهرباء أرباحها الفصلية.")
    _with_places(
        "وقال مدير شرطة محافظة العاصمة المنامة إن عملا إرهابيا وقع في البحرين. ودفن في مقبرة "
        "المعلاة بمكة. وسيطرت المقاومة على وادي عقان في محافظة لحج. وألقى ابنيه في مدينة "
        "جوجرانوالا شرقي باكستان. وعثر على سيارتهم قرب كفريا في البقاع شرق بيروت.",
        ("Capital Governorate (Bahrain)", "Al-Ma'la (Makkah)", "Wadi Aqqan (Lahij)",
         "Gujranwala", "Kefraya"),
    )  # fmt: skip
    got = _named("وبوشر قبل أيام تصوير فيلم جديد. وتعرض شاعر الجنادرية لحادث مروري.")
    assert not got, got


def test_a_country_name_shared_with_small_towns_is_context(tagger: str) -> None:
    """«لبنان» is also eight US towns, «هولندا» several: the country still counts as the
    article's context, so Tripoli beside Lebanon is Lebanon's, Horst beside the Netherlands
    is Dutch. A name a region shares («جورجيا», the US state) does not count."""
    got = _entries("وصل إلى طرابلس قادما من لبنان.")
    assert got["طرابلس"].country == "LB", got
    got = _entries("وصل إلى طرابلس قادما من مصراتة.")
    assert got["طرابلس"].country == "LY", got
    if tagger == "crf":  # rules alone do not take the small town at all
        got = _entries("ويقيم الفريق معسكره بمدينة هورست بهولندا استعدادا للموسم.")
        assert got["هورست"].country == "NL", got


def test_places_of_test212_to_test219(tagger: str) -> None:
    """A Saudi local-government centre tied to its governorate («بمركز أشواق التابع لمحافظة
    ضباء», «مركز شقصان شمال الطائف») is a locality there; a centre for what it does is not
    («مركز الكلى في محافظة خليص», «مركز الأبحاث التابع لشركة»). Waw an-Namus is Libya's,
    not Wau; «لفيف من» is a gathering, «الحدود الشمالية للمملكة» a border, «قرية الأطفال»
    a festival's children's village."""
    got = _entries(
        "توفي مواطن بعد نزوله في بئر ارتوازي بمركز أشواق التابع لمحافظة ضباء. وافتتح الدفاع "
        "المدني مركزا جديدا في مركز شقصان شمال الطائف."
    )
    assert got["أشواق"].name == "Duba" and got["شقصان"].name == "Ta’if", got
    got = _named(
        "وافتتح مركز الكلى في محافظة خليص. ويعمل مركز الأبحاث التابع لشركة أرامكو في الظهران."
    )
    assert [n for _, n in got] == ["Khulayş", "Dhahran"], got
    got = _entries("وسيطر المسلحون على منطقة «واو الناموس» جنوب ليبيا.")
    assert got["واو"].country == "LY", got
    got = _named(
        "وسط حضور لفيف من الأهل والأقارب في جدة. وتسلل إرهابيون عبر الحدود الشمالية للمملكة "
        "بمحاذاة العراق. وزار المحافظ قرية الأطفال الترفيهية في الدلم."
    )
    assert [n for _, n in got] == ["Jeddah", "Iraq", "Ad Dilam"], got
    got = _named("وعين أميرا لمنطقة الحدود الشمالية، ومرت طائرة في سماء مدينة لفيف الأوكرانية.")
    assert [n for _, n in got] == ["Northern Borders", "Lviv"], got


def test_places_of_test220_to_test227(tagger: str) -> None:
    """«بعفيف» and «بالشرائع» are Afif and Makkah's Ash-Shara'i (the bare «عفيف» is a man's
    name, «والشرائع» laws); Copa América's «أمريكا» is the Americas, not the US; Adelaide
    as «أدليد»."""
    got = _entries("تفحم سائق وإصابة آخر في حادث مروري بعفيف. وقدم عفيف العنزي شكره للمنظمين.")
    assert [e.name for e in got.values()] == ["Afif"], got
    got = _entries(
        "وضبطت دوريات أمن الطرق بمركز الضبط الأمني بالشرائع سيارة، في أمر يتنافى مع الأديان "
        "والشرائع السماوية."
    )
    assert [e.name for e in got.values()] == ["Ash-Shara'i (Makkah)"], got
    got = _entries("شارك اللاعبان مع الأرجنتين والبرازيل في كوبا أمريكا بتشيلي.")
    assert got["كوبا"].name == "The Americas" and "أمريكا" not in got, got
    got = _entries("والد المبتعثة إلى جامعة أدليد في أستراليا.")
    assert got["أدليد"].name == "Adelaide", got


def test_places_of_test228_to_test235(tagger: str) -> None:
    """A centre's village name with «ب» + its city after it is placed there («مركز شواق
    بتبوك»), not a participle or a speciality («مركز متخصص بجدة», «مركز القلب بالرياض»);
    Ain Dar, Tahiti, Hungary as «هانغاريا»; «تاهوا» ("they got lost") is no Tahoua."""
    got = _entries("لقي شخصان مصرعهما داخل بئر في مركز شواق بتبوك.")
    assert got["شواق"].name == "Tabuk", got
    got = _named(
        "افتتح مركز متخصص بجدة، وتوسع مركز القلب بالرياض، وأقيم الحفل بمركز المعارض شرق جدة."
    )
    assert [n for _, n in got] == ["Jeddah", "Riyadh", "Jeddah"], got
    _with_places(
        "أزالت البلدية الرمال من طريق بقيق إلى عين دار. وتغلبت البرتغال على تاهيتي في "
        "النهائي. وهي مروحية ثلاثية من هانغاريا.",
        ("Ain Dar (Abqaiq)", "Tahiti", "Hungary"),
    )
    got = _named("وكان بعض مرافقيه قد تاهوا في الصحراء شرق الجوف.")
    assert "Tahoua" not in [n for _, n in got], got


def test_places_of_test236_to_test242(tagger: str) -> None:
    """A well-known city that the tagger calls MISC is still the city when the mention is the
    city's name and nothing more, unquoted («تبوك تسجّل» opening a headline); the
    Solomon Islands as «جزر سولومون»; «ومسلية» ("and entertaining") and the car «كورلا» are
    no places."""
    got = _entries("تبوك تسجّل 2618 بلاغا إسعافيا خلال شهر رمضان")
    assert got["تبوك"].name == "Tabuk", got
    got = _entries("وقع زلزال قرب جزر سولومون في جنوب المحيط الهادي.")
    assert got["جزر"].name == "Solomon Islands", got
    got = _named("وتواصلت الفعاليات بطريقة ممتعة ومسلية. وانحرف قائد شاحنة أمام قائد كورلا.")
    assert not got, got


def test_places_of_test243_to_test250(tagger: str) -> None:
    """A Saudi education office names its town («تعليم المجمعة», "consolidated" elsewhere);
    the first of two places after «في» is one («في الرمادي والفلوجة»); «قطر الكوكب» is a
    diameter; a Saudi region named by its capital («بمنطقة تبوك») anchors no locality of
    another of its towns; the poles, Tihama, Kafr el-Sheikh in one word; Thatcher, «بويز»
    (boys), Stamford Bridge and «بكسلا» (pixels) are no places."""
    got = _entries("وقال مدير شؤون المعلمين بتعليم المجمعة إن المقابلات تبدأ الأحد.")
    assert got["المجمعة"].name == "Al Majma‘ah", got
    got = _entries("وتدخل العمليات العسكرية في الرمادي والفلوجة أسبوعها الثالث.")
    assert got["الرمادي"].country == "IQ", got
    got = _named("ويبلغ قطر الكوكب ضعف قطر الأرض، ونصف قطر مداره أكبر من قطر الشمس بقليل.")
    assert not got, got
    got = _entries("ضبطت الشرطة لجانا في محافظات المنوفية وكفرالشيخ ودمياط.")
    assert got["وكفرالشيخ"].country == "EG", got
    got = _entries("تراجع الجليد في القطب الشمالي، ومعظم النفط في منطقة القطب لشمال أميركا.")
    assert got["القطب"].lat == 90.0, got
    assert got["لشمال"].kind == "continent", got
    yemen = _entries("طالب أهالي الحديدة بخروج المسلحين من المدينة ومن إقليم تهامة كله.")
    saudi = _entries("تشهد الباحة وقرى تهامة في منطقة عسير أمطارا غزيرة هذا الأسبوع.")
    assert (yemen["تهامة"].country, saudi["تهامة"].country) == ("YE", "SA"), (yemen, saudi)
    got = _named(
        "قالت مارغرت تاتشر ذلك. وفاز منتخب «ريغاي بويز» وانتقل اللاعب إلى يونغ بويز السويسري، "
        "ويلعب في ستامفورد بريدج. وللجهاز شاشة بدقة 1024×768 بكسلا."
    )
    assert not got, got
    an = analyse(
        "مهرجان أملج التراثي يتواصل",
        "تتواصل فعاليات مهرجان أملج التراثي البحري الذي افتتحه محافظ أملج. "
        "وقال مدير فرع هيئة السياحة بمنطقة تبوك إن المهرجان يستمر خمسة أيام، "
        "وتقام الفعاليات في حديقة الاحتفالات وحي البلد القديم ومتحف المحافظة.",
    )
    local = [p.entry.name for p in an.places if p.local]
    assert local == ["Umluj"], local


def test_places_of_test251_to_test258(tagger: str) -> None:
    """Central America, Everest, South Arabia, Thumamah and an Aden district are regions;
    Birmingham and Nagasaki in two more spellings. The Daily Nation, «بعقوبة الهبوط» (a
    penalty), «درعا تذكارية» (a shield), «ووسيط مالي» (a broker), Buruj insurance, the
    Eastern Mangroves hotel, Ismaily SC and refugees' camps name no place."""
    got = _entries("عبر آلاف المهاجرين من أمريكا الوسطى الحدود في الصيف.")
    assert got["أمريكا"].name == "Central America", got
    got = _entries("دمرت الانهيارات مسارات جبل إيفرست وأنابورنا في نيبال.")
    assert got["جبل"].name == "Mount Everest", got
    assert got["وأنابورنا"].name == "Annapurna", got
    got = _entries("وقعت اشتباكات في دار سعد وجعولة بشمال عدن، ورفعت معنويات أبناء الجنوب العربي.")
    assert got["وجعولة"].country == "YE", got
    assert got["الجنوب"].name == "South Arabia", got
    got = _entries("أقيم الحفل في مقرهم بالثمامة في مدينة الرياض.")
    assert got["بالثمامة"].name == "Thumamah", got
    got = _entries("تدرس الطالبة في مدينة بيرمينغهام، وافتتح الفندق بمدينة نجازاكي.")
    assert (got["بيرمينغهام"].country, got["نجازاكي"].country) == ("GB", "JP"), got
    got = _named(
        "وتحدثت صحيفة ذي ديلي نيشن عن الزيارة. وعوقبت فرق بعقوبة الهبوط، وقدم الرئيس درعا "
        "تذكارية للضيف. وقال مستشار أعمال ووسيط مالي إن سهم بروج للتأمين ارتفع. وتقام الجائزة "
        "في فندق القرم الشرقي. ووافق مدرب النادي الإسماعيلي على المباراة. وزار الوفد مخيمات "
        "اللاجئين في محافظة دهوك."
    )
    assert got == [("دهوك", "Dihok")], got


def test_places_of_test259_to_test266(tagger: str) -> None:
    """The Ain al-Hilweh camp (not «عين» alone); Mozambique, Benin, Vientiane and Abu Arish
    in the spellings the news uses; rural towns with no name, the well-off («ميسور») and
    Batman the film's hero are no places."""
    got = _entries("أطلق مجهولان النار في مخيم عين الحلوة جنوب لبنان.")
    assert got["عين"].name == "Ain al-Hilweh", got
    got = _entries("منح الصندوق قروضا في مالي وموزامبيق وبينين، وخطا لنقل المسافرين إلى فينتيان.")
    assert [got[w].country for w in ("وموزامبيق", "وبينين", "فينتيان")] == ["MZ", "BJ", "LA"]
    got = _entries("وافق المجلس على نزع ملكية عقارين بمحافظة صامطة وأبي عريش بمنطقة جازان.")
    assert got["وأبي"].name == "Abū ‘Arīsh", got
    got = _named(
        "وصلت الكهرباء إلى 34 بلدة ريفية في تشاد. ويبقى المجتمع ميسور الحال. وأثناء عرض فيلم "
        "عن «باتمان» في دار سينما وقع الهجوم."
    )
    assert got == [("تشاد", "Chad")], got


def test_places_of_test267_to_test274(tagger: str) -> None:
    """Montenegro and Liechtenstein as the draws spell them, Uray'irah and King Abdullah
    Economic City; the formal name of Iran where the tagger opens an organisation with it;
    «البحرين الأحمر» (the two seas), al-Khalil ibn Ahmad and «جيشي» (my army) are no
    places, nor is «بولاية» after «قرية» a village's name."""
    got = _entries("وضمت المجموعة الخامسة رومانيا وبولندا ومونتينيغرو، والسابعة ليشتنشتاين.")
    assert [got[w].country for w in ("ومونتينيغرو", "ليشتنشتاين")] == ["ME", "LI"], got
    got = _entries("أصدر مجلس بلدية عريعرة تقريرا، وعقد الملتقى بمدينة الملك عبدالله الاقتصادية.")
    assert got["عريعرة"].country == "SA" and got["بمدينة"].name == "King Abdullah Economic City"
    got = _named("استدعت الخارجية سفير مملكة البحرين لدى الجمهورية الإسلامية الإيرانية للتشاور.")
    assert ("الجمهورية", "Iran") in got, got
    got = _named(
        "قناة تربط البحرين الأحمر والمتوسط. وذكرها الخليل بن أحمد الفراهيدي. وقال الأسد: جيشي "
        "ناقص. وقتل 21 شخصا في قرية بولاية بورنو شمال شرق نيجيريا، ولجأ أهلها إلى مدينة "
        "مايدوغوري."
    )
    assert [n for _, n in got] == ["Borno", "Nigeria", "Maiduguri"], got


def test_places_of_test275_to_test282(tagger: str) -> None:
    """A city named by a colour is the city after a preposition (Ramadi, Al Bayda), not
    after another noun; the adjective after a name picks its country (Meerlo, not Merlo);
    Incirlik, the Sambisa Forest and al-Qiddiya; «سيرت» (sent), Red Bull, «بنين- بنات»
    (boys, girls) and the beard («اللحية», Al Luhayyah) are no places."""
    got = _named(
        "شنت الطائرات خمس غارات قرب الرمادي، وتقدمت القوات في المحور الشمالي للرمادي بمحافظة "
        "الأنبار غرب العراق."
    )
    assert [w for w, n in got if n == "Ramadi"] == ["الرمادي", "للرمادي"], got
    got = _named(
        "انسحب الحوثيون من البيضاء إلى أبين ولحج جنوب اليمن، وبسبب اللحية البيضاء عرفه الناس."
    )
    assert [w for w, n in got if n == "Al Bayda"] == ["البيضاء"], got
    assert "Al Luḩayyah" not in [n for _, n in got], got  # «اللحية»: the beard
    got = _entries("أقام الفريق معسكره الخارجي بمدينة ميرلو الهولندية.")
    assert got["ميرلو"].country == "NL", got
    got = _named(
        "فتحت تركيا قاعدة انجرليك، وما زالت بوكو حرام في غابة سامبيزا، وضبطت حافلات في القدية "
        "غرب الرياض. يذكر أن الهيئة سيرت فرقا رقابية. وهزم نيويورك ريد بول الأمريكي ضيفه. "
        "واستضاف تعليم مكة الوفد ( بنين- بنات ) من تعليم صبيا."
    )
    # New York («نيويورك ريد بول») is the club's city: the tagger finds it, rules alone do not.
    assert [n for _, n in got if n != "New York City"] == [
        "Turkey", "Incirlik", "Sambisa Forest", "Al-Qiddiya", "Riyadh", "Makkah", "Şabyā"
    ], got  # fmt: skip


def test_places_of_test283_to_test290(tagger: str) -> None:
    """Malawi, Eswatini, Liberia and São Tomé as a draw spells them; Şemdinli; the Bzeibiz
    bridge, Wadi Lajab, Elba, Bani Sar and Timna."""
    got = _entries(
        "تنزانيا × مالاوي، جيبوتي × سوازيلاند، ليبريا × غينيا بيساو، ساوتومي وبرنسيب × إثيوبيا."
    )
    assert [got[w].country for w in ("مالاوي", "سوازيلاند", "ليبريا", "ساوتومي")] == [
        "MW", "SZ", "LR", "ST"
    ], got  # fmt: skip
    got = _entries("فجر مسلحون قنبلة في بلدة سيمدينلي جنوب شرقي تركيا قرب الحدود مع العراق.")
    assert got["سيمدينلي"].name == "Şemdinli", got
    got = _named(
        "عبر النازحون جسر بزيبز على نهر الفرات. ويقع وادي لجب في جازان. ونفي نابليون إلى جزيرة "
        "ألبا. وأقيم الحفل في بني سار بالباحة. ورفض الأردن مطار تمناع."
    )
    names = [n for _, n in got]
    for place in ("Bzeibiz", "Wadi Lajab", "Elba", "Bani Sar", "Timna"):
        assert place in names, got


def test_places_of_test291_to_test298(tagger: str) -> None:
    """Genoa, Okayama, Saint-Malo, al-Buraiqa and the Nuwaiseeb crossing; a structural fault
    («بنيوي»), a ligament, beehive frames, someone's mail, a relative pronoun in a list and
    a Jerusalem street are no places."""
    got = _named(
        "حل ميلان ضيفا على جنوى. وأقيم السباق في مدينة أوكاياما اليابانية. وزار الوفد مدينة "
        "سان مالو الفرنسية. وسيطرت المقاومة على منطقة البريقا في عدن. وردت الكويت المسافرين "
        "عبر منفذ النويصيب."
    )
    names = [n for _, n in got]
    for place in ("Genoa", "Okayama", "Saint-Malo", "Al Burayqah", "Nuwaiseeb"):
        assert place in names, got
    got = _named(
        "وقع الاتفاق في كل من لوزان، وفيينا، والذى صادق عليه مجلس الأمن. ويحدث خلل بنيوي. "
        "وتعرض اللاعب لتمدد في الرباط الجانبي للركبة. ونقصت سروج النحل. وتلقى الشكاوى عبر "
        "بريده الذي أسسه. واعتقل شبان في مركز شرطة شارع صلاح الدين."
    )
    assert [n for _, n in got] == ["Lausanne", "Vienna"], got


def test_places_of_test299_to_test306(tagger: str) -> None:
    """Oceania as a confederation's name, the Hadithah crossing, Kamchatka; a
    courtyard («هذه الباحة») and a mihrab's eastern side are no places."""
    got = _named(
        "واجه بطل اتحاد أوقيانوسية خامس آسيا. وعبر المسافرون منفذ الحديثة. واكتشف الجيولوجيون "
        "الروس ألماسا في منطقة كمتشاتكا."
    )
    names = [n for _, n in got]
    for place in ("Oceania", "Al-Hadithah crossing", "Kamchatka"):
        assert place in names, got
    got = _named("وقد زينت هذه الباحة بالآيات، ولوجود محراب في جهته الشرقية أقيمت الصلوات.")
    assert got == [], got
