"""`rasid eval`: which data folder each evaluation reads (the evaluations themselves are
tested in tests/enrich, tests/ingest, tests/dedup; here they are stubbed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import processing.enrich.evaluate as places_eval
from rasid.cli import main


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []

    def fake(shared_dir: Any = None) -> dict[str, Any]:
        seen.append(shared_dir)
        return {"documents": 0}

    monkeypatch.setattr(places_eval, "evaluate_places_both", fake)
    monkeypatch.delenv("RASID_DATA_DIR", raising=False)
    return seen


def test_eval_places_reads_the_data_folder_given(
    tmp_path: Path, calls: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # --data used to be ignored for places: only RASID_DATA_DIR was read.
    (tmp_path / "shared" / "data" / "saudinewsnet").mkdir(parents=True)
    (tmp_path / "shared" / "seed").mkdir()
    assert main(["eval", "places", "--data", str(tmp_path / "shared" / "data"), "--json"]) == 0
    assert calls == [(tmp_path / "shared").resolve()]
    assert json.loads(capsys.readouterr().out) == {"documents": 0}


@pytest.mark.parametrize(
    ("make", "data", "message"),
    [
        ([], "shared/data", "shared/data not found"),
        (["elsewhere/saudinewsnet"], "elsewhere", "must be a folder named data"),
        (["shared/data/saudinewsnet"], "shared/data", "shared/seed not found"),
        (["shared/data", "shared/seed"], "shared/data", "saudinewsnet not found"),
    ],
)
def test_eval_places_refuses_an_unusable_data_folder_at_once(
    make: list[str], data: str, message: str, tmp_path: Path, calls: list[Any]
) -> None:
    for folder in make:
        (tmp_path / folder).mkdir(parents=True)
    with pytest.raises(SystemExit, match=message):
        main(["eval", "places", "--data", str(tmp_path / data)])
    assert calls == []  # refused before minutes of evaluation


def test_tables_show_the_listed_items_not_their_count() -> None:
    # «failures 2 items» hid the two homograph failures unless --json was given.
    from rasid.evaluation import _flatten

    rows: list[tuple[str, str]] = []
    _flatten("", {"kinds": ["homograph"], "none": [], "failures": [{"rule": "sirte"}] * 12}, rows)
    shown = dict(rows)
    assert shown["kinds"] == "homograph" and shown["none"] == "none"
    assert shown["failures[0]"] == "rule: sirte" and "failures[10]" not in shown
    assert shown["failures"] == "… and 2 more (--json lists them)"
