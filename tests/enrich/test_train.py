"""`rasid ner train` end to end on a tiny corpus: trains into a cache path, decodes exactly
like crfsuite, and never touches the user's real cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from processing.enrich import ner
from processing.enrich.crf import load_model
from processing.enrich.lexicon.lists import lexicon
from processing.enrich.text import norm_token
from processing.enrich.train import train

pycrfsuite = pytest.importorskip("pycrfsuite")

_SENTS = [
    "قال الرئيس خليفة حفتر إن قواته في طرابلس .",
    "وصل فايز السراج إلى بنغازي مع وفد الأمم المتحدة .",
    "أعلن مجلس الأمن أن الوضع في ليبيا خطير .",
]
_TAGS = [
    "O O B-PERS I-PERS O O O B-LOC O",
    "O B-PERS I-PERS O B-LOC O O B-ORG I-ORG O",
    "O B-ORG I-ORG O O O B-LOC O O",
]


def test_train_and_decode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASID_CACHE_DIR", str(tmp_path / "cache"))
    conll = tmp_path / "train.txt"
    lines = []
    for _ in range(5):
        for s, t in zip(_SENTS, _TAGS, strict=True):
            lines += [f"{w} {g}" for w, g in zip(s.split(), t.split(), strict=True)]
    conll.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "model.pkl"
    summary = train(conll, out, unlabeled=[], gazetteer_dir=None, max_iterations=30)
    assert summary["model"] == str(out) and out.exists()
    model = load_model(out)
    assert model is not None
    words = [norm_token(w) for w in ("قال", "خليفة", "حفتر", "في", "طرابلس", ".")]
    tags = model.tag(words, lexicon().scan(words))
    assert tags[1:3] == ["B-PER", "I-PER"]
    assert tags[4] == "B-LOC"
    ner.reset_model()  # later tests load the cached model afresh
