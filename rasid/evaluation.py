"""`rasid eval …`: quality figures on the real data in ../shared/data (never copied here)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

# what -> (module, function, sub-path of the data folder or None)
_EVALS: dict[str, tuple[str, str, str | None]] = {
    "ner": ("processing.enrich.evaluate", "evaluate_ner", "ner/ANERCorp_CamelLab_test.txt"),
    "places": ("processing.enrich.evaluate", "evaluate_places_both", None),
    "extraction": ("ingest.evaluate", "evaluate_extraction", "extraction"),
    "dedup": ("processing.dedup.evaluate", "evaluate_dedup", "saudinewsnet"),
    "alerts": ("alerts.quality", "evaluate_matching", None),
}


def default_data_dir() -> Path:
    env = os.environ.get("RASID_DATA_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1]
    return here.parent / "shared" / "data"


def _places_shared_dir(data: Path) -> Path:
    """The folder above ``data``: the place sets read ``data/saudinewsnet/`` (and
    ``data/ner/``) and ``seed/`` under it, so ``data`` must keep its name. Checked up front
    because the evaluation runs for minutes before it would reach a missing file."""
    hint = "(pass --data or set RASID_DATA_DIR)"
    if not data.is_dir():
        raise SystemExit(f"rasid eval places: {data} not found {hint}")
    if data.resolve().name != "data":
        raise SystemExit(
            f"rasid eval places: {data} must be a folder named data, beside seed/:"
            f" the place sets read data/saudinewsnet/ and seed/ of the folder above {hint}"
        )
    for need in (data / "saudinewsnet", data.parent / "seed"):
        if not need.is_dir():
            raise SystemExit(f"rasid eval places: {need} not found {hint}")
    return data.resolve().parent


def run_eval(what: str, data_dir: Path | None = None) -> dict[str, Any]:
    module, func, sub = _EVALS[what]
    fn = getattr(importlib.import_module(module), func)
    if what == "places":
        return dict(fn(_places_shared_dir(data_dir or default_data_dir())))
    if sub is None:
        return dict(fn())
    data = data_dir or default_data_dir()
    target = data / sub
    if not target.exists():
        raise SystemExit(
            f"rasid eval {what}: {target} not found (pass --data or set RASID_DATA_DIR)"
        )
    return dict(fn(target))


_SHOWN = 10


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, rows)
    elif isinstance(value, float):
        rows.append((prefix, f"{value:.4f}"))
    elif isinstance(value, list):
        # The items themselves (the failures an evaluation lists are what a reader wants to
        # see), up to _SHOWN of them; --json has them all.
        if not value:
            rows.append((prefix, "none"))
        elif all(not isinstance(v, dict | list) for v in value):
            more = f" … and {len(value) - _SHOWN} more" if len(value) > _SHOWN else ""
            rows.append((prefix, ", ".join(map(str, value[:_SHOWN])) + more))
        else:
            for i, v in enumerate(value[:_SHOWN]):
                shown = " · ".join(f"{k}: {x}" for k, x in v.items()) if isinstance(v, dict) else v
                rows.append((f"{prefix}[{i}]", str(shown)))
            if len(value) > _SHOWN:
                rows.append((prefix, f"… and {len(value) - _SHOWN} more (--json lists them)"))
    else:
        rows.append((prefix, str(value)))


def print_table(what: str, result: dict[str, Any], console: Console) -> None:
    module = importlib.import_module(_EVALS[what][0])
    # A module with several evaluations names its formatters after them.
    own = getattr(module, f"format_{what}_table", None) or getattr(module, "format_table", None)
    if callable(own):
        # The module knows its figures best (per-type P/R/F1 for NER, for instance).
        console.print(own(result), markup=False)
        return
    table = Table(title=f"rasid eval {what}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = []
    _flatten("", result, rows)
    for k, v in rows:
        table.add_row(Text(k), Text(v))  # Text: file names and failures are not markup
    console.print(table)
