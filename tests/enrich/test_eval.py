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


def test_rasid_eval_places_scores_every_set() -> None:
    if not (SHARED / "data" / "saudinewsnet").exists():
        pytest.skip("SaudiNewsNet absent: shared data not available")
    from processing.enrich.evaluate import evaluate_places_both, format_places_table

    res = evaluate_places_both(SHARED)
    assert res["test"]["gold_mentions"] == 79 and res["heldout"]["gold_mentions"] == 109
    table = format_places_table(res)
    assert res["test2"]["gold_mentions"] == 139 and res["test3"]["gold_mentions"] == 90
    assert res["test4"]["gold_mentions"] == 159 and res["test5"]["gold_mentions"] == 161
    assert res["test6"]["gold_mentions"] == 139 and res["test7"]["gold_mentions"] == 201
    assert res["test8"]["gold_mentions"] == 146 and res["test9"]["gold_mentions"] == 193
    assert res["test10"]["gold_mentions"] == 128
    assert res["test11"]["gold_mentions"] == 130 and res["test12"]["gold_mentions"] == 116
    assert res["test13"]["gold_mentions"] == 125 and res["test14"]["gold_mentions"] == 110
    assert res["test15"]["gold_mentions"] == 154 and res["test16"]["gold_mentions"] == 94
    assert res["test17"]["gold_mentions"] == 126 and res["test18"]["gold_mentions"] == 114
    assert res["test19"]["gold_mentions"] == 102 and res["test20"]["gold_mentions"] == 192
    assert res["test21"]["gold_mentions"] == 207 and res["test22"]["gold_mentions"] == 254
    assert res["test23"]["gold_mentions"] == 172 and res["test24"]["gold_mentions"] == 115
    assert res["test25"]["gold_mentions"] == 126 and res["test26"]["gold_mentions"] == 137
    assert res["test27"]["gold_mentions"] == 204 and res["test28"]["gold_mentions"] == 181
    assert res["test29"]["gold_mentions"] == 195 and res["test30"]["gold_mentions"] == 101
    assert res["test31"]["gold_mentions"] == 153 and res["test32"]["gold_mentions"] == 174
    assert res["test33"]["gold_mentions"] == 112 and res["test34"]["gold_mentions"] == 62
    assert res["test35"]["gold_mentions"] == 138 and res["test36"]["gold_mentions"] == 175
    assert [line.split()[0] for line in table.splitlines()[1:]] == [
        "development",
        "held-out",
        "test",
        "test2",
        "test3",
        "test4",
        "test5",
        "test6",
        "test7",
        "test8",
        "test9",
        "test10",
        "test11",
        "test12",
        "test13",
        "test14",
        "test15",
        "test16",
        "test17",
        "test18",
        "test19",
        "test20",
        "test21",
        "test22",
        "test23",
        "test24",
        "test25",
        "test26",
        "test27",
        "test28",
        "test29",
        "test30",
        "test31",
        "test32",
        "test33",
        "test34",
        "test35",
        "test36",
    ]
