"""The contract every benchmark module follows, and the small tools they share.

A benchmark module is ``bench/bench_<name>.py`` exposing::

    def run(quick: bool) -> list[Result]: ...

``python -m bench`` imports each one in its own subprocess (a crash, a hang or a memory
peak in one module cannot touch the others), calls ``run`` and collects the results.
Every figure is compared with a baseline measured *in the same run on the same machine*:
the machines this runs on are shared and noisy, so only ratios are comparable across runs.

Raise ``Skip("why")`` when something the benchmark needs is absent (data folder, optional
package, Java...): the runner reports it as skipped, not failed.
"""

from __future__ import annotations

import json
import math
import operator
import os
import re
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "REPO",
    "SHARED",
    "Result",
    "Skip",
    "Stopwatch",
    "cpu_seconds",
    "goal_met",
    "peak_rss_mb",
    "ratio_result",
    "shared_dir",
    "write_json",
]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASID_SHARED_DIR", REPO.parent / "shared"))


class Skip(Exception):
    """The benchmark cannot run here (missing data, package or service); say why."""


@dataclass
class Result:
    """One measured figure, with the in-run baseline it is compared against.

    ``ratio`` is ``value / baseline_value`` unless the module says otherwise (for a
    "lower is better" figure, say so in ``goal`` with ``<=``). ``goal`` is a comparison
    applied to ``ratio`` when there is one, else to ``value``: ``">=0.8"``, ``"<=1.5"``,
    ``">=3"``; empty means "informational".
    """

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    ratio: float | None = None
    goal: str = ""
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # anything else worth keeping in JSON

    def __post_init__(self) -> None:
        if self.ratio is None and self.baseline_value:
            self.ratio = self.value / self.baseline_value

    @property
    def met(self) -> bool | None:
        return goal_met(self.goal, self.ratio if self.ratio is not None else self.value)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["met"] = self.met
        for key in ("value", "baseline_value", "ratio"):
            if isinstance(d[key], float) and not math.isfinite(d[key]):
                d[key] = None  # JSON has no inf/nan
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


def ratio_result(
    name: str,
    value: float,
    unit: str,
    baseline_name: str,
    baseline_value: float,
    *,
    goal: str = "",
    notes: str = "",
    lower_is_better: bool = False,
    **extra: Any,
) -> Result:
    """A Result whose ratio says "how many times better than the baseline" (>1 is better).

    For "lower is better" figures (seconds, bytes) the ratio is baseline/value, so a goal
    of ``">=3"`` reads "three times faster" whichever way the unit points.
    """
    if lower_is_better:
        ratio = baseline_value / value if value else math.inf
    else:
        ratio = value / baseline_value if baseline_value else math.inf
    return Result(name, value, unit, baseline_name, baseline_value, ratio, goal, notes, extra)


_GOAL = re.compile(r"^\s*(>=|<=|>|<|==)\s*([-+0-9.eE]+)\s*[x×]?\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}


def goal_met(goal: str, figure: float | None) -> bool | None:
    """True/False when ``goal`` parses and there is a figure; None when informational."""
    if not goal or figure is None:
        return None
    m = _GOAL.match(goal)
    if not m:
        return None
    return _OPS[m.group(1)](figure, float(m.group(2)))


# --- measuring ----------------------------------------------------------------------------


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads (not children)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


@dataclass
class Stopwatch:
    """Wall and process-CPU time of a block: ``with Stopwatch() as sw: ...; sw.wall``."""

    wall: float = 0.0
    cpu: float = 0.0
    _t0: float = 0.0
    _c0: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._t0, self._c0 = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.cpu = cpu_seconds() - self._c0


def shared_dir(*parts: str) -> Path:
    """A path under ../shared (real data, never copied into the repo); Skip if absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise Skip(f"{path} is absent (set RASID_SHARED_DIR to the shared data folder)")
    return path


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
