"""demo/expected.py agrees with what the corpus actually contains."""

from __future__ import annotations

import json
import re

import pytest

from demo import expected
from demo.build_corpus import CORPUS_DIR, load_spec, resolve_articles
from processing.normalize import match_forms, normalize, tokens

TRIPOLI = normalize("طرابلس")
HAFTAR = normalize("حفتر")


@pytest.fixture(scope="module")
def arts() -> dict[str, dict]:
    return {a["key"]: a for a in resolve_articles(load_spec())}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((CORPUS_DIR / "manifest.json").read_text(encoding="utf-8"))


def _text(a: dict) -> str:
    return a["title"] + "\n" + "\n".join(a["paragraphs"])


def _mentions(a: dict, form: str) -> bool:
    return any(form in match_forms(t) for t in tokens(_text(a)))


def _shingles(a: dict, n: int = 3) -> set[tuple[str, ...]]:
    words = tokens("\n".join(a["body_paragraphs"]))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


def test_counts(arts, manifest):
    assert len(arts) == expected.N_ARTICLES
    assert tuple(manifest["outlets"]) == expected.OUTLETS
    counts = {f["id"]: len(f["items"]) for f in manifest["feeds"] if f["status"] == 200}
    assert counts == expected.FEED_ITEM_COUNTS
    assert sum(counts.values()) == expected.N_FEED_ITEMS
    assert {f["id"]: f["format"] for f in manifest["feeds"]} == expected.FEED_FORMATS
    assert expected.N_ITEMS_WITH_LINK == expected.N_FEED_ITEMS - 1
    assert expected.N_UNIQUE_URLS == expected.N_ITEMS_WITH_LINK - 1 == expected.N_ARTICLES
    n_copies = sum(len(v) for v in expected.EXACT_CONTENT_DUPLICATES.values())
    assert expected.N_UNIQUE_URLS - n_copies == expected.N_UNIQUE_CONTENT
    n_near = sum(len(v) for v in expected.NEAR_DUPLICATES.values())
    assert expected.N_UNIQUE_CONTENT - n_near == expected.N_STORIES


def test_every_article_is_in_exactly_one_feed_but_the_tracked_one(manifest):
    for a in manifest["articles"]:
        want = 2 if a["key"] == expected.TRACKING_DUPLICATE_KEY else 1
        assert len(a["feeds"]) == want, a["key"]


def test_tripoli_and_haftar_sets(arts):
    assert {k for k, a in arts.items() if _mentions(a, TRIPOLI)} == expected.TRIPOLI_ANY
    assert {k for k, a in arts.items() if _mentions(a, HAFTAR)} == expected.HAFTAR
    assert not expected.TRIPOLI_LIBYA & expected.TRIPOLI_LEBANON
    for key in expected.TRIPOLI_LIBYA:
        assert "ليبي" in _text(arts[key]), key
        assert "لبنان" not in _text(arts[key]).replace("«المنارة»", ""), key
    for key in expected.TRIPOLI_LEBANON:
        assert "شمال لبنان" in _text(arts[key])


def test_near_miss_never_says_tripoli(arts):
    for key in expected.TRIPOLI_NEAR_MISS:
        words = tokens(_text(arts[key]))
        assert "طرابلسي" in words and "الطرابلسي" in words
        assert not _mentions(arts[key], TRIPOLI)


def test_clitic_forms_are_written_as_such(arts):
    for form, key in expected.CLITIC_FORMS.items():
        assert re.search(rf"(?<!\w){form}(?!\w)", _text(arts[key])), (form, key)


def test_near_duplicates_are_near_and_others_are_not(arts):
    for original, copies in expected.NEAR_DUPLICATES.items():
        base = _shingles(arts[original])
        for copy in copies:
            assert arts[copy]["title"] != arts[original]["title"]
            assert arts[copy]["paragraphs"] != arts[original]["paragraphs"]
            assert _jaccard(base, _shingles(arts[copy])) >= 0.6, copy
    related = {k for pair in expected.NEAR_DUPLICATES.items() for k in (pair[0], *pair[1])}
    related |= {
        k for pair in expected.EXACT_CONTENT_DUPLICATES.items() for k in (pair[0], *pair[1])
    }
    keys = sorted(arts)
    sh = {k: _shingles(arts[k]) for k in keys}
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if a in related and b in related:
                continue
            assert _jaccard(sh[a], sh[b]) < 0.1, (a, b)


def test_exact_copies_are_exact(arts):
    for original, copies in expected.EXACT_CONTENT_DUPLICATES.items():
        for copy in copies:
            assert arts[copy]["title"] == arts[original]["title"]
            assert arts[copy]["paragraphs"] == arts[original]["paragraphs"]
            assert arts[copy]["outlet"] != arts[original]["outlet"]


def test_tracking_duplicate(manifest):
    links = {
        f["id"]: [it["url"] for it in f["items"] if it["key"] == expected.TRACKING_DUPLICATE_KEY]
        for f in manifest["feeds"]
        if f["status"] == 200
    }
    plain, tracked = expected.TRACKING_DUPLICATE_FEEDS
    assert links[plain] and "?" not in links[plain][0]
    assert links[tracked][0].endswith("?" + expected.TRACKING_QUERY)


def test_english_and_cp1256(arts):
    for key in expected.ENGLISH_ARTICLES:
        assert arts[key]["lang"] == "en"
        assert re.fullmatch(r"[\x00-\x7f]+", _text(arts[key]))
    assert [k for k, a in arts.items() if a["lang"] == "en"] == sorted(expected.ENGLISH_ARTICLES)
    assert [k for k, a in arts.items() if a["encoding"] != "utf-8"] == [expected.CP1256_ARTICLE]


def test_claims_are_in_the_text(arts):
    for key, speaker, cue, quote in expected.CLAIMS:
        paragraph = next(p for p in arts[key]["paragraphs"] if quote in p)
        assert speaker in paragraph and cue in paragraph, (key, speaker)


def test_quotes_and_reported_speech_are_common(arts):
    arabic = [a for a in arts.values() if a["lang"] == "ar"]
    assert sum("«" in _text(a) for a in arabic) >= 35
    assert sum('"' in _text(a) for a in arabic) >= 35
    assert sum(bool(re.search(r"(قال|قالت) .{0,60}إن ", _text(a))) for a in arabic) >= 35
    assert sum(bool(re.search(r"(أكد|أكدت) .{0,60}أن ", _text(a))) for a in arabic) >= 15


def test_helpers_round_trip():
    base = "http://127.0.0.1:4321"
    url = expected.url_for("sahara-wire-talks", base)
    assert url == f"{base}/sahara/2024/10/14/wire-talks.html"
    assert expected.key_for_url(url + "?utm_source=x#top") == "sahara-wire-talks"
    assert expected.key_for_url(f"{base}/nothing") is None
    slashed = expected.url_for("mutawassit-migrants", base)
    assert slashed.endswith("/") and expected.key_for_url(slashed[:-1]) == "mutawassit-migrants"
    assert len(expected.article_id_for("sahara-wire-talks", base)) == 20
    assert expected.published_at("niletoday-rates").utcoffset().total_seconds() == 3 * 3600
    assert expected.lang_of("khaleej-markets-en") == "en"
