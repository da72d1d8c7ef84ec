"""Article-level steps after the tagger: self-consistency and curated names. Pure functions
over normalised words and mentions, so no trained model is needed."""

from __future__ import annotations

from processing.enrich import analyse
from processing.enrich.lexicon.lists import lexicon
from processing.enrich.ner import Mention, _add_lexicon, curated_names, propagate
from processing.enrich.text import norm_token


def _words(text: str) -> list[str]:
    return [norm_token(w) for w in text.split()]


def _spans(mentions: list[Mention]) -> set[tuple[int, int, str]]:
    return {(m.start, m.end, m.type) for m in mentions}


def test_multi_word_name_found_once_is_found_again() -> None:
    words = _words("أعلن البنك التجاري أرباحه . وقال إن البنك التجاري سيوزع أرباحا .")
    out = propagate([Mention("ORG", 1, 3, "crf")], words)
    assert (7, 9, "ORG") in _spans(out)


def test_surname_and_single_word_repeats_are_tagged() -> None:
    words = _words("قال اللاعب كولو توريه إن توريه سعيد , وأكد لحفتر ذلك . حفتر")
    out = propagate([Mention("PER", 2, 4, "crf"), Mention("PER", 12, 13, "crf")], words)
    spans = _spans(out)
    assert (5, 6, "PER") in spans  # «توريه»: the surname alone
    assert (9, 10, "PER") in spans  # «لحفتر»: the clitic form of «حفتر»


def test_majority_type_wins_for_a_single_word_name() -> None:
    words = _words("فاز برشلونة على ريال . وقال مدرب برشلونة إن برشلونة سيفوز")
    typed = [
        Mention("ORG", 1, 2, "crf"),
        Mention("LOC", 7, 8, "crf"),
        Mention("ORG", 9, 10, "crf"),
    ]
    assert {m.type for m in propagate(typed, words)} == {"ORG"}


def test_a_tie_keeps_the_tagger_types() -> None:
    words = _words("زار برشلونة ثم عاد إلى برشلونة")
    typed = [Mention("ORG", 1, 2, "crf"), Mention("LOC", 5, 6, "crf")]
    assert _spans(propagate(typed, words)) == _spans(typed)


def test_curated_name_keeps_the_tagger_span_and_fixes_its_type() -> None:
    words = _words("قالت حكومة الوفاق إن الوفاق مستعدة")
    hits = lexicon().scan(words)
    assert any(h.list == "org" for h in hits), "«حكومة الوفاق» is in orgs.yaml"
    # The tagger found «الوفاق» inside «حكومة الوفاق», as a person: the span stays, the
    # type becomes ORG, and the curated canonical name still applies.
    out = _add_lexicon([Mention("PER", 2, 3, "crf")], hits, words, lexicon())
    assert (2, 3, "ORG") in _spans(out)
    assert not any(m.start == 1 for m in out)
    names = curated_names(out, hits)
    inside = next(m for m in out if m.start == 2)
    assert "الوفاق" in names[inside]


def test_curated_name_is_added_where_the_tagger_found_nothing() -> None:
    words = _words("قالت حكومة الوفاق إنها مستعدة")
    hits = lexicon().scan(words)
    out = _add_lexicon([], hits, words, lexicon())
    assert any(m.type == "ORG" and m.source == "lexicon" for m in out)


def test_short_form_inside_curated_name_gets_the_canonical_entity(tagger: str) -> None:
    e = analyse("", "رحبت حكومة الوفاق الوطني بالاتفاق، وقالت حكومة الوفاق إنها ستلتزم به.")
    orgs = [x for x in e.enrichment.entities if x.type == "ORG"]
    assert any("الوفاق" in x.name for x in orgs), orgs
