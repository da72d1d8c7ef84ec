"""The sentence alignment measured by bench/quality/dedup_ceiling.py (an analysis script)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "quality" / "dedup_ceiling.py"


@pytest.fixture(scope="module")
def ceiling():
    spec = importlib.util.spec_from_file_location("dedup_ceiling", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_ceiling"] = module
    spec.loader.exec_module(module)
    return module


RELEASE = (
    "أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة جدة بسعة مئتي سرير. "
    "وقال الوزير إن المستشفى يخدم سكان الأحياء الجنوبية. "
    "ويضم المستشفى أقساما للطوارئ والعناية المركزة والأطفال."
)


def test_a_text_aligns_whole_with_itself(ceiling) -> None:
    s = ceiling.sentences(RELEASE)
    assert len(s) == 3
    assert ceiling.alignment(s, s, 0.5) == (1.0, 1.0)


def test_a_reworded_sentence_still_aligns_and_clitics_do_not_matter(ceiling) -> None:
    reworded = RELEASE.replace("وقال الوزير إن", "وأوضح الوزير أن")
    reworded = reworded.replace("مدينة جدة", "بمدينة جدة")
    a, b = ceiling.alignment(ceiling.sentences(reworded), ceiling.sentences(RELEASE), 0.5)
    assert a == b == 1.0


def test_sentences_out_of_order_count_once_in_the_chain(ceiling) -> None:
    s = ceiling.sentences(RELEASE)
    a, b = ceiling.alignment(s[::-1], s, 0.5)
    assert 0 < a < 0.6 and 0 < b < 0.6


def test_an_unrelated_text_does_not_align(ceiling) -> None:
    other = ceiling.sentences("ارتفع مؤشر السوق السعودي في ختام تعاملات اليوم بنسبة واحد في المئة.")
    assert ceiling.alignment(other, ceiling.sentences(RELEASE), 0.5) == (0.0, 0.0)
