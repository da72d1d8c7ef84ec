"""Place resolution scored on a CoNLL file's own LOC spans (`evaluate_places_conll`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from processing.enrich.conll import read_conll
from processing.enrich.evaluate import conll_documents, evaluate_places_conll

# Two sentences, one pseudo-document: Tripoli (Libya) with a clitic, Benghazi, and a city
# inside an organisation's name, which the corpus tags ORG (so it is not scored).
CONLL = """\
وصل O
الوفد O
إلى O
لطرابلس B-LOC
الليبية O
قادما O
من O
بنغازي B-LOC
. O

وقالت O
جامعة B-ORG
القاهرة I-ORG
إن O
الولايات B-LOC
المتحدة I-LOC
رحبت O
. O
"""
TRIPOLI_LY = {"geonameid": 2210247, "lat": 32.887, "lon": 13.187}
BENGHAZI = {"geonameid": 88319, "lat": 32.115, "lon": 20.068}
USA = {"geonameid": 6252001, "lat": 39.8, "lon": -98.5}


def _gold(tmp_path: Path, mentions: list[dict], step: int = 10) -> Path:
    (tmp_path / "data" / "ner").mkdir(parents=True)
    (tmp_path / "data" / "ner" / "t.txt").write_text(CONLL, encoding="utf-8")
    path = tmp_path / "gold.json"
    gold = {"file": "ner/t.txt", "document_sentences": step, "mentions": mentions}
    path.write_text(json.dumps(gold), encoding="utf-8")
    return path


def test_token_spans_map_to_the_characters_of_the_document(tmp_path: Path) -> None:
    _gold(tmp_path, [])
    sents = read_conll(tmp_path / "data" / "ner" / "t.txt")
    [(first, text, starts)] = list(conll_documents(sents, 10))
    assert first == 0 and len(starts) == 2
    assert text.split("\n")[1].startswith("وقالت")
    a = starts[0][3]
    assert text[a : a + len("لطرابلس")] == "لطرابلس"
    b = starts[1][4]
    assert text[b : starts[1][5] + len("المتحدة")] == "الولايات المتحدة"


def test_resolved_places_on_the_corpus_spans(tmp_path: Path) -> None:
    path = _gold(
        tmp_path,
        [
            {"sentence": 0, "start": 3, "end": 4, **TRIPOLI_LY},
            {"sentence": 0, "start": 7, "end": 8, **BENGHAZI},
            {"sentence": 1, "start": 4, "end": 6, **USA},
        ],
    )
    res = evaluate_places_conll(path, tmp_path)
    assert res["documents"] == 1 and res["gold_mentions"] == 3
    assert res["recall"] == 1.0 and res["precision"] == 1.0, res["errors"]
    # Cairo inside the university's name is a place to Rasid and not a LOC chunk here
    assert res["system_outside_gold"] == 1


def test_a_wrong_point_is_a_miss(tmp_path: Path) -> None:
    lebanon = {"geonameid": 266826, "lat": 34.4335, "lon": 35.8442}
    path = _gold(tmp_path, [{"sentence": 0, "start": 3, "end": 4, **lebanon}])
    res = evaluate_places_conll(path, tmp_path)
    assert res["recall"] == 0.0 and res["detected"] == 1.0
    assert res["errors"][0]["got"] == [2210247]


def test_a_span_that_is_no_longer_a_loc_chunk_raises(tmp_path: Path) -> None:
    path = _gold(tmp_path, [{"sentence": 0, "start": 2, "end": 4, **TRIPOLI_LY}])
    with pytest.raises(ValueError, match="sentence 0 has no LOC chunk at tokens 2-4"):
        evaluate_places_conll(path, tmp_path)
