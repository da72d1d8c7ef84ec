"""Quality on real annotated data (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.enrich.evaluate import (
    GOLD_PLACES,
    HELDOUT_PLACES,
    evaluate_ner,
    evaluate_places,
    format_table,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
NER_TEST = SHARED / "data" / "ner" / "ANERCorp_CamelLab_test.txt"


def test_ner_on_anercorp_test_split(tagger: str) -> None:
    if not NER_TEST.exists():
        pytest.skip(f"ANERcorp test split absent ({NER_TEST})")
    res = evaluate_ner(NER_TEST)
    print(f"\nANERcorp test split, tagger={res['tagger']}, {res['mode']}, {res['seconds']} s")
    print(format_table(res))
    assert res["seconds"] < 60
    floor = 0.65 if tagger == "crf" else 0.35
    assert res["overall"]["f1"] >= floor


def test_place_resolution_on_labelled_mentions(tagger: str) -> None:
    if not (SHARED / "data" / "saudinewsnet").exists():
        pytest.skip("SaudiNewsNet absent: shared data not available")
    res = evaluate_places(GOLD_PLACES, SHARED)
    print({k: v for k, v in res.items() if k != "errors"})
    assert res["precision"] >= 0.7
    assert res["within_161km_of_detected"] >= 0.9


def test_place_resolution_on_the_held_out_set(tagger: str) -> None:
    if not (SHARED / "data" / "saudinewsnet").exists():
        pytest.skip("SaudiNewsNet absent: shared data not available")
    res = evaluate_places(HELDOUT_PLACES, SHARED)
    print({k: v for k, v in res.items() if k != "errors"})
    assert res["documents"] == 12 and res["gold_mentions"] == 109
    assert res["precision"] >= 0.8
    assert res["within_161km_of_detected"] >= 0.9


_SETS = tuple(f"test{n}" for n in range(2, 307))
# Mentions per labelled set (bench/quality/places_*.json), as each was committed.
_GOLD_COUNTS = {
    "test": 79,
    "heldout": 109,
    "test2": 139,
    "test3": 90,
    "test4": 159,
    "test5": 161,
    "test6": 139,
    "test7": 201,
    "test8": 146,
    "test9": 193,
    "test10": 128,
    "test11": 130,
    "test12": 116,
    "test13": 125,
    "test14": 110,
    "test15": 154,
    "test16": 94,
    "test17": 126,
    "test18": 114,
    "test19": 102,
    "test20": 192,
    "test21": 207,
    "test22": 254,
    "test23": 172,
    "test24": 115,
    "test25": 126,
    "test26": 137,
    "test27": 204,
    "test28": 181,
    "test29": 195,
    "test30": 101,
    "test31": 153,
    "test32": 174,
    "test33": 112,
    "test34": 62,
    "test35": 138,
    "test36": 175,
    "test37": 160,
    "test38": 108,
    "test39": 188,
    "test40": 159,
    "test41": 187,
    "test42": 174,
    "test43": 169,
    "test44": 135,
    "test45": 262,
    "test46": 87,
    "test47": 99,
    "test48": 83,
    "test49": 161,
    "test50": 126,
    "test51": 156,
    "test52": 115,
    "test53": 128,
    "test54": 127,
    "test55": 149,
    "test56": 157,
    "test57": 107,
    "test58": 99,
    "test59": 131,
    "test60": 195,
    "test61": 159,
    "test62": 201,
    "test63": 181,
    "test64": 172,
    "test65": 142,
    "test66": 174,
    "test67": 188,
    "test68": 132,
    "test69": 150,
    "test70": 150,
    "test71": 133,
    "test72": 187,
    "test73": 152,
    "test74": 118,
    "test75": 140,
    "test76": 119,
    "test77": 212,
    "test78": 232,
    "test79": 184,
    "test80": 105,
    "test81": 118,
    "test82": 154,
    "test83": 135,
    "test84": 151,
    "test85": 132,
    "test86": 119,
    "test87": 145,
    "test88": 139,
    "test89": 113,
    "test90": 116,
    "test91": 94,
    "test92": 99,
    "test93": 160,
    "test94": 190,
    "test95": 148,
    "test96": 96,
    "test97": 157,
    "test98": 124,
    "test99": 141,
    "test100": 128,
    "test101": 143,
    "test102": 72,
    "test103": 225,
    "test104": 178,
    "test105": 188,
    "test106": 132,
    "test107": 113,
    "test108": 221,
    "test109": 103,
    "test110": 225,
    "test111": 165,
    "test112": 102,
    "test113": 75,
    "test114": 113,
    "test115": 114,
    "test116": 70,
    "test117": 91,
    "test118": 84,
    "test119": 117,
    "test120": 96,
    "test121": 100,
    "test122": 62,
    "test123": 67,
    "test124": 105,
    "test125": 46,
    "test126": 116,
    "test127": 26,
    "test128": 166,
    "test129": 89,
    "test130": 174,
    "test131": 114,
    "test132": 80,
    "test133": 99,
    "test134": 74,
    "test135": 102,
    "test136": 43,
    "test137": 144,
    "test138": 93,
    "test139": 113,
    "test140": 24,
    "test141": 126,
    "test142": 190,
    "test143": 93,
    "test144": 128,
    "test145": 113,
    "test146": 50,
    "test147": 31,
    "test148": 80,
    "test149": 116,
    "test150": 147,
    "test151": 20,
    "test152": 99,
    "test153": 123,
    "test154": 51,
    "test155": 68,
    "test156": 107,
    "test157": 85,
    "test158": 108,
    "test159": 60,
    "test160": 100,
    "test161": 86,
    "test162": 116,
    "test163": 137,
    "test164": 139,
    "test165": 149,
    "test166": 113,
    "test167": 103,
    "test168": 135,
    "test169": 118,
    "test170": 164,
    "test171": 236,
    "test172": 56,
    "test173": 62,
    "test174": 105,
    "test175": 73,
    "test176": 67,
    "test177": 42,
    "test178": 130,
    "test179": 65,
    "test180": 54,
    "test181": 72,
    "test182": 40,
    "test183": 76,
    "test184": 155,
    "test185": 8,
    "test186": 81,
    "test187": 9,
    "test188": 20,
    "test189": 110,
    "test190": 149,
    "test191": 133,
    "test192": 74,
    "test193": 48,
    "test194": 84,
    "test195": 57,
    "test196": 115,
    "test197": 203,
    "test198": 10,
    "test199": 10,
    "test200": 58,
    "test201": 47,
    "test202": 80,
    "test203": 56,
    "test204": 97,
    "test205": 64,
    "test206": 54,
    "test207": 65,
    "test208": 61,
    "test209": 72,
    "test210": 68,
    "test211": 80,
    "test212": 21,
    "test213": 105,
    "test214": 26,
    "test215": 37,
    "test216": 70,
    "test217": 45,
    "test218": 70,
    "test219": 74,
    "test220": 96,
    "test221": 80,
    "test222": 32,
    "test223": 90,
    "test224": 55,
    "test225": 67,
    "test226": 46,
    "test227": 58,
    "test228": 67,
    "test229": 68,
    "test230": 48,
    "test231": 69,
    "test232": 39,
    "test233": 64,
    "test234": 46,
    "test235": 62,
    "test236": 61,
    "test237": 91,
    "test238": 56,
    "test239": 88,
    "test240": 42,
    "test241": 52,
    "test242": 24,
    "test243": 82,
    "test244": 79,
    "test245": 90,
    "test246": 156,
    "test247": 157,
    "test248": 62,
    "test249": 68,
    "test250": 147,
    "test251": 213,
    "test252": 109,
    "test253": 121,
    "test254": 126,
    "test255": 79,
    "test256": 139,
    "test257": 87,
    "test258": 117,
    "test259": 140,
    "test260": 151,
    "test261": 71,
    "test262": 131,
    "test263": 133,
    "test264": 174,
    "test265": 179,
    "test266": 159,
    "test267": 137,
    "test268": 136,
    "test269": 111,
    "test270": 87,
    "test271": 248,
    "test272": 141,
    "test273": 67,
    "test274": 119,
    "test275": 57,
    "test276": 96,
    "test277": 185,
    "test278": 263,
    "test279": 100,
    "test280": 141,
    "test281": 108,
    "test282": 120,
    "test283": 118,
    "test284": 84,
    "test285": 99,
    "test286": 134,
    "test287": 100,
    "test288": 109,
    "test289": 140,
    "test290": 342,
    "test291": 146,
    "test292": 101,
    "test293": 142,
    "test294": 100,
    "test295": 42,
    "test296": 129,
    "test297": 107,
    "test298": 110,
    "test299": 140,
    "test300": 211,
    "test301": 104,
    "test302": 43,
    "test303": 133,
    "test304": 116,
    "test305": 128,
    "test306": 76,
}


# Scoring all three hundred-odd sets takes about 5 minutes on an idle 2-core machine, and each
# session adds sets: twice the default 600 s keeps a loaded machine from failing it on time.
@pytest.mark.timeout(1200)
def test_rasid_eval_places_scores_every_set() -> None:
    if not (SHARED / "data" / "saudinewsnet").exists():
        pytest.skip("SaudiNewsNet absent: shared data not available")
    from processing.enrich.evaluate import evaluate_places_both, format_places_table

    res = evaluate_places_both(SHARED)
    table = format_places_table(res)
    # every labelled set, with its mention count: a set that went missing or changed fails
    gold = {name: res[name]["gold_mentions"] for name in ("test", "heldout", *_SETS)}
    assert gold == _GOLD_COUNTS
    names = ["development", "held-out", "test", *_SETS]
    lines = table.splitlines()[1:]
    if NER_TEST.exists():
        # the ANERcorp split's own LOC chunks: 668 places, 8 chunks that name none
        assert (res["anercorp"]["gold_mentions"], res["anercorp"]["not_places"]) == (668, 8)
        assert lines[-2].split()[0] == "anercorp*" and lines[-1].startswith("* ANERcorp")
        lines = lines[:-2]
    assert [line.split()[0] for line in lines] == names


def test_label_agreement_scores_a_second_annotator_as_a_system() -> None:
    from processing.enrich.evaluate import label_agreement

    def doc(index: int, *mentions: tuple[int, int, int | None, float, float]) -> dict:
        return {"file": "d.zip", "index": index, "mentions": [
            {"start": a, "end": b, "geonameid": g, "lat": lat, "lon": lon}
            for a, b, g, lat, lon in mentions
        ]}  # fmt: skip

    first = {"documents": [
        doc(1, (0, 5, 2210247, 32.9, 13.2), (10, 16, None, 24.7, 46.7), (20, 25, 1, 0.0, 0.0)),
        doc(2, (3, 8, 276781, 34.4, 35.8)),
    ]}  # fmt: skip
    second = {"documents": [
        # Tripoli, Libya by id; Riyadh's district 30 km off; a span the first did not label
        doc(1, (0, 5, 2210247, 0.0, 0.0), (12, 16, None, 24.9, 46.6), (30, 34, 5, 1.0, 1.0)),
        # Tripoli, Lebanon read as Tripoli, Libya: more than 161 km away
        doc(2, (3, 8, 2210247, 32.9, 13.2)),
    ]}  # fmt: skip
    ab = label_agreement(first, second)
    assert (ab["first_mentions"], ab["second_mentions"]) == (4, 4)
    assert ab["recall"] == 0.5 and ab["precision"] == 0.5
    assert ab["first_spans_found"] == 0.75
    assert [m[4] for m in ab["mentions"]] == [True, True, False, False]
    assert label_agreement(first, first)["recall"] == 1.0
