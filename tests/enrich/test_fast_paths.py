"""The shortcuts that make enrichment fast give the same answers as the plain definitions:
the batched, pruned decoder against textbook Viterbi, the per-word caches of the lexicon
scan and of the feature extractor, and tokenisation."""

from __future__ import annotations

import pickle

import numpy as np

from processing.enrich import ner
from processing.enrich.crf import CRFModel
from processing.enrich.features import (
    OFFSETS,
    WORD_KINDS,
    feature_block,
    kind_offsets,
    sentence_features,
    word_feature_block,
    word_values,
)
from processing.enrich.lexicon.lists import Hit, lexicon
from processing.enrich.phrases import PhraseIndex
from processing.enrich.text import Token, norm_token, tokenize

_LABELS = ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]
_TEXT = (
    "قال الرئيس خليفة حفتر إن قواته في طرابلس . وصل فايز السراج إلى بنغازي مع وفد الأمم "
    "المتحدة . أعلن مجلس الأمن أن الوضع في ليبيا خطير وقال المشير حفتر للصحفيين في بنغازي "
    "إن الهجوم مستمر . وأكد غوتيريش في طرابلس أن الحل سياسي"
)


def _article() -> tuple[list[str], list[tuple[int, int]], list[Hit]]:
    words = [norm_token(w) for w in _TEXT.split()]
    sents, start = [], 0
    for i, w in enumerate(words):
        if w == ".":
            sents.append((start, i + 1))
            start = i + 1
    sents.append((start, len(words)))
    return words, sents, lexicon().scan(words)


def _random_model(words: list[str], hits: list[Hit], o_words: set[str]) -> CRFModel:
    """Random weights over every attribute the article produces; words in ``o_words``
    are «O» by a wide margin (so the decoder prunes them)."""
    attrs = sorted({a for row in sentence_features(words, hits) for a in row} | {"-1bound"})
    rng = np.random.default_rng(7)
    weights = rng.normal(0, 0.3, (len(attrs), len(_LABELS))).astype(np.float32)
    for k, a in enumerate(attrs):
        if a.startswith("0w=") and a[3:] in o_words:
            weights[k, _LABELS.index("O")] = 40.0
    trans = rng.normal(0, 1.0, (len(_LABELS), len(_LABELS))).astype(np.float32)
    return CRFModel(list(_LABELS), {a: k for k, a in enumerate(attrs)}, weights, trans)


def _textbook_tags(
    model: CRFModel, words: list[str], sents: list[tuple[int, int]], hits: list[Hit]
) -> list[str]:
    """Every feature string summed per position, then Viterbi per sentence (float64)."""
    w = model.weights.astype(np.float64)
    t = model.trans.astype(np.float64)
    out: list[str] = []
    for a, b in sents:
        local = [
            h._replace(start=h.start - a, end=h.end - a)
            for h in hits
            if a <= h.start and h.end <= b
        ]
        rows = sentence_features(words[a:b], local)
        em = np.array(
            [w[[model.attr_index[f] for f in r if f in model.attr_index]].sum(0) for r in rows]
        )
        delta, back = em[0], []
        for i in range(1, len(em)):
            s = delta[:, None] + t
            back.append(s.argmax(0))
            delta = s.max(0) + em[i]
        path = [int(delta.argmax())]
        for bp in reversed(back):
            path.append(int(bp[path[-1]]))
        out += [model.labels[k] for k in reversed(path)]
    return out


def test_decoder_matches_textbook_viterbi() -> None:
    words, sents, hits = _article()
    try:
        for o_words in (set(), {norm_token(w) for w in ("في", "إن", "أن", "مع", "قال")}):
            model = _random_model(words, hits, o_words)
            got = model.tag_sentences(words, sents, hits)
            assert got == _textbook_tags(model, words, sents, hits)
            # The per-word cache gives the same answer the second time.
            assert model.tag_sentences(words, sents, hits) == got
    finally:
        ner.reset_model()  # a test model replaced the word clusters: reload the real one


def test_decoder_matches_textbook_viterbi_when_its_cache_is_reset(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A stream's word cache is emptied when it would outgrow its bound, here while an
    article's one new word is added: the article's other words, cached before, are added
    again."""
    import processing.enrich.crf as crf

    words, sents, hits = _article()
    try:
        model = _random_model(words, hits, set())
        model.tag_sentences(words, sents, hits)
        free = len(model._table) - model._n_rows
        model._add_words([f"كلمة{i}" for i in range(free // len(crf.OFFSETS))])  # table full
        monkeypatch.setattr(crf, "_MAX_TABLE_ROWS", len(model._table))
        words2 = [*words[:-1], "كلمةجديدة"]
        hits2 = lexicon().scan(words2)
        reset = []
        add = crf.CRFModel._add_words
        monkeypatch.setattr(
            crf.CRFModel, "_add_words", lambda self, ws: reset.append(add(self, ws)) or reset[-1]
        )
        assert model.tag_sentences(words2, sents, hits2) == _textbook_tags(
            model, words2, sents, hits2
        )
        assert reset[0] is True  # the reset did happen while tagging
        assert words[0] in model._rows  # and the article's cached words came back
    finally:
        ner.reset_model()


def test_feature_block_is_the_cached_one() -> None:
    for w in ("وطرابلس", "للأمم", "حفتر", "2019", ".", "UN", "و"):
        w = norm_token(w)
        assert feature_block(w) == word_feature_block(w)


def test_word_values_are_the_feature_block() -> None:
    """The decoder sums weights per (kind, value) pair over the kind's offsets: the strings
    those pairs stand for are exactly feature_block's, at every offset."""
    for w in ("وطرابلس", "للأمم", "حفتر", "2019", ".", "=", "UN", "و", "بالرياض", "x"):
        w = norm_token(w)
        values, extra = word_values(w)
        pairs = [*zip(WORD_KINDS, values, strict=True), *extra]
        for i, off in enumerate(OFFSETS):
            expected = sorted(feature_block(w)[i])
            got = sorted(f"{off}{k}={v}" for k, v in pairs if off in kind_offsets(k))
            assert got == expected, (w, off)


def test_scan_finds_lists_added_after_a_scan() -> None:
    index: PhraseIndex[str] = PhraseIndex()
    index.add(("طرابلس",), "city")
    words = [norm_token(w) for w in ["وصل", "إلى", "وطرابلس", "ثم", "سرت"]]
    assert [(m.start, m.end, m.stripped, m.form) for m in index.find_all(words)] == [
        (2, 3, True, "طرابلس")
    ]
    index.add(("سرت",), "city")  # a trained model adds its own lists after start-up
    assert [m.start for m in index.find_all(words)] == [2, 4]
    assert [m.start for m in index.find_all(words, strip=False)] == [4]


def test_pickled_index_scans() -> None:
    """The gazetteer's index is pickled; pickles written before the per-word cache existed
    still load and scan."""
    index: PhraseIndex[str] = PhraseIndex()
    index.add(("طرابلس",), "city")
    index.find_all(["طرابلس"])
    copy = pickle.loads(pickle.dumps(index))
    old = PhraseIndex.__new__(PhraseIndex)
    old.__dict__.update({"_heads": index._heads, "_lengths": index._lengths})
    older = pickle.loads(pickle.dumps(old))
    for ix in (copy, older):
        assert [(m.start, m.form) for m in ix.find_all(["في", "لطرابلس"])] == [(1, "طرابلس")]


def test_tokens_and_offsets() -> None:
    text = "قال «حفتر»، السّراج:\nطرابلس"
    toks = tokenize(text, offset=7)
    assert all(type(t) is Token for t in toks)
    assert [t.text for t in toks] == ["قال", "«", "حفتر", "»", "،", "السّراج", ":", "طرابلس"]
    assert all(text[t.start - 7 : t.end - 7] == t.text for t in toks)
    assert toks[5].norm == "السراج"
    assert tokenize("") == []
