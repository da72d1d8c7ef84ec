"""Every first-party package the CLI and the DAGs import reaches the wheel and the image.

The Dockerfile once copied only `rasid ingest processing store alerts demo`: `rasid kibana
setup` failed in the image with ModuleNotFoundError. Cheap: reads files, builds nothing.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {p.parent.name for p in ROOT.glob("*/__init__.py")}


def _imports(path: Path) -> set[str]:
    """Top-level first-party names a module imports (at module level or in functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & FIRST_PARTY


def _runtime_packages() -> set[str]:
    """The first-party packages reachable from rasid/ (the CLI) and dags/, transitively."""
    todo = {"rasid"} | set().union(*(_imports(p) for p in (ROOT / "dags").glob("*.py")))
    seen: set[str] = set()
    while todo:
        pkg = todo.pop()
        seen.add(pkg)
        for path in (ROOT / pkg).rglob("*.py"):
            todo |= _imports(path) - seen
    return seen


def test_runtime_packages_are_found_by_the_wheel_and_copied_into_the_image() -> None:
    runtime = _runtime_packages()
    assert {"rasid", "ingest", "store", "kibana"} <= runtime  # the walk itself works

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = cfg["tool"]["setuptools"]["packages"]["find"]["include"]
    in_wheel = {p.split(".")[0] for p in find_packages(str(ROOT), include=include)}
    assert runtime <= in_wheel, f"not in the wheel: {sorted(runtime - in_wheel)}"

    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY\s+(?:--\S+\s+)*(\w+)\s+/opt/rasid/\1\s*$", dockerfile, re.M))
    assert runtime <= copied, f"not copied by the Dockerfile: {sorted(runtime - copied)}"
