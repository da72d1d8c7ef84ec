"""rule_to_query is faithful to match_article.

Without a running engine, the test interprets the generated query DSL (bool, terms, prefix
and span queries) over documents indexed the way ``alerts.es_query`` asks the store to:
Python-normalised surface tokens with their real positions. A test against a real engine
is added with the ES backend.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from alerts.es_query import FIELDS, norm_text, rule_to_query, variants
from alerts.quality import load_corpus
from alerts.rules import Rule, _tok_match, article_allowed, match_article
from processing.normalize import match_forms, tokens
from rasid.records import Article, Entity, Place

GAP = 100  # Lucene's position_increment_gap between values of an array text field


def index_doc(a: Article) -> dict[str, list[str]]:
    def arr(values: list[str]) -> list[str]:
        out: list[str] = []
        for v in values:
            if out:
                out += [""] * GAP
            out += norm_text(v).split()
        return out

    return {
        FIELDS["title"]: norm_text(a.title).split(),
        FIELDS["summary"]: norm_text(a.summary).split(),
        FIELDS["body"]: norm_text(a.body).split(),
        FIELDS["entities"]: arr(
            [n for e in a.entities for n in dict.fromkeys([e.name, *e.mentions])]
        ),
        FIELDS["places"]: arr([n for p in a.places for n in dict.fromkeys([p.name, *p.mentions])]),
        FIELDS["country"]: [p.country for p in a.places],
        FIELDS["source"]: [a.source],
        FIELDS["feed_id"]: [a.feed_id],
        FIELDS["lang"]: [a.lang],
    }


def spans(q: dict[str, Any], doc: dict[str, list[str]]) -> list[tuple[int, int]]:
    ((kind, body),) = q.items()
    if kind == "span_term":
        ((field, value),) = body.items()
        return [(i, i + 1) for i, t in enumerate(doc[field]) if t and t == value]
    if kind == "span_multi":
        ((field, spec),) = body["match"]["prefix"].items()
        return [(i, i + 1) for i, t in enumerate(doc[field]) if t and t.startswith(spec["value"])]
    if kind == "span_or":
        return sorted({s for c in body["clauses"] for s in spans(c, doc)})
    if kind == "span_near":
        lists = [spans(c, doc) for c in body["clauses"]]
        out = set()
        for combo in itertools.product(*lists):
            total = sum(e - s for s, e in combo)
            if body["in_order"]:
                ok = all(combo[i + 1][0] >= combo[i][1] for i in range(len(combo) - 1))
                width = combo[-1][1] - combo[0][0] - total
            else:
                ok = True
                width = max(e for _, e in combo) - min(s for s, _ in combo) - total
            if ok and width <= body["slop"]:
                out.add((min(s for s, _ in combo), max(e for _, e in combo)))
        return sorted(out)
    raise AssertionError(f"unexpected span query {kind}")


def run(q: dict[str, Any], doc: dict[str, list[str]]) -> bool:
    ((kind, body),) = q.items()
    if kind == "bool":
        ok = all(run(c, doc) for c in body.get("must", []) + body.get("filter", []))
        ok = ok and not any(run(c, doc) for c in body.get("must_not", []))
        if "should" in body:
            ok = ok and sum(run(c, doc) for c in body["should"]) >= body.get(
                "minimum_should_match", 1
            )
        return ok
    if kind == "terms":
        ((field, values),) = body.items()
        return bool(set(doc[field]) & set(values))
    if kind == "prefix":
        ((field, spec),) = body.items()
        return any(t.startswith(spec["value"]) for t in doc[field] if t)
    return bool(spans(q, doc))


def _article(text: str, **kw: Any) -> Article:
    from datetime import UTC, datetime

    base = dict(id="x", url="", canonical_url="", source="aljazeera", feed_id="aj", title=text,
                body="", lang="ar", fetched_at=datetime.now(UTC))  # fmt: skip
    base.update(kw)
    return Article(**base)


def test_variants_are_exactly_the_tokens_match_forms_reads_as_q() -> None:
    groups = load_corpus()
    vocab = {t for g in groups for s in [*g.match, *g.no_match] for t in tokens(s)}
    queries = {
        q for g in groups for t in [*g.rule.keywords, *g.rule.all] for q in tokens(t.rstrip("*"))
    }
    # Add synthetic clitic forms so every proclitic path is exercised.
    for q in list(queries):
        vocab.update(variants(q))
        vocab.update(v + "ي" for v in variants(q))
    checked = 0
    for q in queries:
        for definite in (None, True, False):
            art = article_allowed(q, definite)
            expected = {t for t in vocab if _tok_match(q, match_forms(t), False, art)}
            assert expected == {t for t in vocab if t in set(variants(q, art))}, q
            checked += 1
    assert checked > 20


def test_translation_agrees_with_matcher_on_corpus() -> None:
    compared = 0
    for g in load_corpus():
        query = rule_to_query(g.rule)
        for text in [*g.match, *g.no_match]:
            art = _article(text)
            assert run(query, index_doc(art)) == (match_article(g.rule, art) is not None), (
                g.rule.id,
                text,
            )
            compared += 1
    assert compared >= 140


LY = Place(name="طرابلس", lat=32.9, lon=13.2, country="LY")
LB = Place(name="طرابلس", lat=34.4, lon=35.8, country="LB")
HAFTAR = Entity(type="PER", name="خليفة حفتر", mentions=["المشير حفتر"])

FILTER_RULES = [
    Rule(id="a", keywords=["حفتر"], countries=["LY"]),
    Rule(id="b", keywords=["حفتر"], sources=["bbc"], languages=["ar"]),
    Rule(id="c", keywords=["حفتر"], exclude_sources=["aj"]),
    Rule(id="d", entities=["حفتر"], places=["طرابلس"]),
    Rule(id="e", all=["طرابلس", "حفتر"], none=["مباراة"], fields=["title"]),
    Rule(id="f", near=[{"terms": ["خليفة حفتر", "طرابلس"], "within": 2, "ordered": True}]),
    Rule(id="g", keywords=["بنغازي"], definite=True),
]
FILTER_ARTICLES = [
    _article("حفتر في طرابلس", places=[LY]),
    _article("حفتر في طرابلس", places=[LB]),
    _article("وحفتر يزور طرابلس", source="bbc", feed_id="bbc-ar"),
    _article("زيارة", body="المشير خليفة حفتر يصل إلى طرابلس", entities=[HAFTAR], places=[LY]),
    _article("لخليفة حفتر رأي في طرابلس", body="مباراة"),
    _article("مباراة حفتر في طرابلس"),
    _article("الفنان البنغازي", lang="en"),
]


@pytest.mark.parametrize("rule", FILTER_RULES, ids=lambda r: r.id)
def test_translation_agrees_on_filters(rule: Rule) -> None:
    query = rule_to_query(rule)
    for art in FILTER_ARTICLES:
        assert run(query, index_doc(art)) == (match_article(rule, art) is not None), art.title


def test_query_shape_is_plain_dsl() -> None:
    q = rule_to_query(Rule(id="t", keywords=["طرابلس"]))
    clause = q["bool"]["must"][0]["bool"]["should"][0]
    assert clause["terms"]["title_norm"][:3] == ["طرابلس", "وبالطرابلس", "وكالطرابلس"]
    assert "وطرابلس" in clause["terms"]["title_norm"]
    assert "طرابلسي" not in clause["terms"]["title_norm"]


@pytest.mark.parametrize("make", [lambda: Rule(id="x", keywords=["سرت"], fields=["body"])])
def test_custom_field_names(make: Callable[[], Rule]) -> None:
    q = rule_to_query(make(), fields={"body": "body.norm"})
    assert "body.norm" in str(q) and "body_norm" not in str(q)


def test_near_and_phrases_agree_on_random_texts() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    vocab = ["اشتباكات", "طرابلس", "وبطرابلس", "في", "خليفة", "حفتر", "لخليفة", "الطرابلسي"]
    term_sets = [["اشتباكات", "طرابلس"], ["خليفة حفتر", "طرابلس"], ["حفتر", "اشتباكات", "في"]]

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(st.sampled_from(vocab), min_size=0, max_size=14),
        st.sampled_from(term_sets),
        st.integers(min_value=0, max_value=4),
        st.booleans(),
    )
    def check(words: list[str], terms: list[str], within: int, ordered: bool) -> None:
        rule = Rule(id="n", near=[{"terms": terms, "within": within, "ordered": ordered}])
        art = _article(" ".join(words))
        assert run(rule_to_query(rule), index_doc(art)) == (match_article(rule, art) is not None)

    check()
