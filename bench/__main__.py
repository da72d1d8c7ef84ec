"""``python -m bench``: run every ``bench/bench_*.py`` and print one table of in-run ratios.

Each module runs in its own subprocess (``python -m bench --child NAME``) so that a crash,
a hang (timeout) or a memory peak in one cannot spoil the others; its results come back
as JSON through a temporary file. A failing module is reported in the table and in
``bench/results.json``, never fatal (``--strict`` makes it the exit status).

    python -m bench                 # full run, a few minutes
    python -m bench --quick         # CI smoke: a few hundred articles, < 60 s per module
    python -m bench --only pipeline,index
    python -m bench --list
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import REPO, Result, Skip, peak_rss_mb, write_json

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "results.json"
QUICK_TIMEOUT_S = 180.0
FULL_TIMEOUT_S = 1800.0


def discover(only: list[str] | None = None) -> list[str]:
    """Module names ``bench_*`` in bench/, sorted; ``only`` filters by name with or
    without the ``bench_`` prefix."""
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if only:
        wanted = {o if o.startswith("bench_") else f"bench_{o}" for o in only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))} (have: {names})")
        names = [n for n in names if n in wanted]
    return names


# --- child side ---------------------------------------------------------------------------
def run_child(name: str, quick: bool, result_file: Path) -> int:
    t0 = time.perf_counter()
    out: dict[str, Any] = {"module": name, "status": "ok", "results": [], "reason": ""}
    try:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if not callable(run):
            raise TypeError(f"bench/{name}.py has no run(quick: bool) -> list[Result]")
        results = run(quick=quick)
        bad = [r for r in results if not isinstance(r, Result)]
        if bad:
            raise TypeError(f"run() returned {type(bad[0]).__name__}, not bench.common.Result")
        out["results"] = [r.to_dict() for r in results]
    except Skip as exc:
        out["status"], out["reason"] = "skipped", str(exc)
    except BaseException as exc:  # report everything, including SystemExit from a library
        out["status"] = "error"
        out["reason"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc(limit=12)
    out["elapsed_s"] = round(time.perf_counter() - t0, 3)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_json(result_file, out)
    return 0


# --- parent side --------------------------------------------------------------------------
def run_module(name: str, quick: bool, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rasid-bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "bench", "--child", name, "--result-file", str(result_file)]
        if quick:
            cmd.append("--quick")
        t0 = time.perf_counter()
        # Own session: on timeout the whole process group (servers it started too) goes.
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=sys.stderr, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            reason = f"no result after {timeout:g}s"
            return {"module": name, "status": "timeout", "results": [],
                    "reason": reason, "elapsed_s": round(timeout, 1)}  # fmt: skip
        if result_file.exists():
            return json.loads(result_file.read_text(encoding="utf-8"))
        return {"module": name, "status": "error", "results": [],
                "reason": f"process exited with status {rc} and no result",
                "elapsed_s": round(time.perf_counter() - t0, 1)}  # fmt: skip


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "—"
    if abs(x) >= 1000:
        text = f"{x:,.0f}"
    elif abs(x) >= 10:
        text = f"{x:.1f}"
    else:
        text = f"{x:.3g}"
    return f"{text} {unit}".strip()


def _previous_ratios(prev: dict[str, Any] | None) -> dict[tuple[str, str], float]:
    if not prev:
        return {}
    out = {}
    for mod in prev.get("modules", []):
        for r in mod.get("results", []):
            if r.get("ratio") is not None:
                out[(mod["module"], r["name"])] = r["ratio"]
    return out


def print_table(report: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    prev = _previous_ratios(previous)
    mode = "quick" if report["run"]["quick"] else "full"
    table = Table(title=f"Rasid benchmarks ({mode} run, ratios measured in this run)")
    table.add_column("module")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("baseline")
    table.add_column("baseline value", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("goal", justify="center")
    table.add_column("met", justify="center")
    if prev:
        table.add_column("prev ratio", justify="right")
    for mod in report["modules"]:
        name = mod["module"].removeprefix("bench_")
        if mod["status"] != "ok":
            colour = "yellow" if mod["status"] == "skipped" else "red"
            row = [name, f"[{colour}]{mod['status']}[/{colour}]", "", "", "", "", "", "",
                   *([""] if prev else [])]  # fmt: skip
            table.add_row(*row)
            continue
        for r in mod["results"]:
            res = Result.from_dict(r)
            met = {True: "[green]✓[/green]", False: "[red]✗[/red]", None: ""}[r.get("met")]
            ratio = "—" if res.ratio is None else f"{res.ratio:.2f}×"
            row = [name, res.name, _fmt(res.value, res.unit), res.baseline_name,
                   _fmt(res.baseline_value, res.unit if res.baseline_name else ""),
                   ratio, res.goal, met]  # fmt: skip
            if prev:
                p = prev.get((mod["module"], res.name))
                row.append("—" if p is None else f"{p:.2f}×")
            table.add_row(*row)
            name = ""
    # Piped (CI logs, `make bench | tee`): don't squeeze the table into 80 columns.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 180)
    console.print(table)
    for mod in report["modules"]:
        if mod["status"] != "ok":
            console.print(f"[bold]{mod['module']}[/bold] {mod['status']}: {mod.get('reason', '')}")
    console.print(f"results written to {report['run']['out']}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI smoke: small inputs, < 60 s each")
    p.add_argument("--only", help="comma-separated module names (pipeline, index, ...)")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="results JSON (default: %(default)s)"
    )
    p.add_argument(
        "--timeout", type=float, help="seconds per module (default 180 quick, 1800 full)"
    )
    p.add_argument("--list", action="store_true", help="list the benchmark modules and exit")
    p.add_argument("--strict", action="store_true", help="exit 1 when a module fails or times out")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        return run_child(args.child, args.quick, args.result_file)
    modules = discover(args.only.split(",") if args.only else None)
    if args.list:
        print("\n".join(modules))
        return 0
    previous = None
    if args.out.exists():
        try:
            previous = json.loads(args.out.read_text(encoding="utf-8"))
        except ValueError:
            previous = None
    timeout = args.timeout or (QUICK_TIMEOUT_S if args.quick else FULL_TIMEOUT_S)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    report: dict[str, Any] = {
        "run": {
            "started_at": started.isoformat(),
            "quick": args.quick,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "out": str(args.out),
        },
        "modules": [],
    }
    for name in modules:
        print(f"── {name} ({'quick' if args.quick else 'full'})", file=sys.stderr, flush=True)
        result = run_module(name, args.quick, timeout)
        print(f"── {name}: {result['status']} in {result.get('elapsed_s', 0):.1f}s",
              file=sys.stderr, flush=True)  # fmt: skip
        report["modules"].append(result)
    report["run"]["elapsed_s"] = round(time.perf_counter() - t0, 1)
    write_json(args.out, report)
    print_table(report, previous)
    failed = [m for m in report["modules"] if m["status"] in {"error", "timeout"}]
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
