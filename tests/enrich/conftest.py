"""Fixtures for the enrichment tests: both taggers (rules always; the CRF when a model has
been trained into the cache with ``rasid ner train``) and the shared data, when present."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from processing.enrich import ner

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED_DIR = SHARED / "seed"
NER_TEST = SHARED / "data" / "ner" / "ANERCorp_CamelLab_test.txt"


@pytest.fixture(params=["rules", "crf"])
def tagger(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "rules":
        monkeypatch.setenv("RASID_NER_RULES_ONLY", "1")
    ner.reset_model()
    if request.param == "crf" and ner.tagger_name() != "crf":
        pytest.skip("no trained tagger in the cache (run `rasid ner train` to test it)")
    yield request.param
    monkeypatch.delenv("RASID_NER_RULES_ONLY", raising=False)
    ner.reset_model()


@pytest.fixture(scope="session")
def seed() -> tuple[str, str]:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.exists() else []
    if not files:
        pytest.skip(f"seed article absent ({SEED_DIR}): shared data not available")
    title, _, body = files[0].read_text(encoding="utf-8").partition("\n")
    return title, body
