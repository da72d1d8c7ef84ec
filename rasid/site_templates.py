"""The process's learned site templates (ingest/site_templates.py) and the file that
keeps them across runs, so a one-shot `rasid run` or an Airflow task reads known sites by
their templates from its first page."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from ingest.site_templates import SiteTemplates
from rasid.config import Settings
from store.base import Store
from store.factory import embedded_path

log = logging.getLogger(__name__)

# Shared by every feed and cycle of the process: a long-running `rasid watch` reads most
# pages without trafilatura.
REGISTRY = SiteTemplates()
_LOADED: set[Path] = set()


def file_for(settings: Settings, store: Store | None = None) -> Path:
    """``site_templates_file``, else beside the embedded store's file, else data/."""
    if settings.site_templates_file:
        return Path(settings.site_templates_file)
    path = getattr(store, "path", None) if store is not None else None
    path = path or embedded_path(settings.store_url)
    return Path(path).parent / "site-templates.json" if path else Path("data/site-templates.json")


def read(path: Path) -> dict[str, Any]:
    """The saved templates by site (empty when there is no readable file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file atomically: a concurrent reader sees the old or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def selector(template: dict[str, Any]) -> str:
    """A saved template's body path, CSS-like (``0`` stands for a per-article number)."""
    steps = []
    for tag, id_, cls, nth in template.get("path", []):
        step = str(tag) + (f"#{id_}" if id_ else "") + "".join(f".{c}" for c in str(cls).split())
        steps.append(step + (f":nth({int(nth) + 1})" if nth else ""))
    return "body > " + " > ".join(steps) if steps else "body"


def load_once(path: Path) -> None:
    """Trust the templates an earlier run learned (once per process and file): a one-shot
    `rasid run` or an Airflow task then skips trafilatura from its first page."""
    key = path.resolve()
    if key in _LOADED:
        return
    _LOADED.add(key)
    REGISTRY.load(read(path))  # none yet, or damaged: learn again


def save(path: Path) -> None:
    data = REGISTRY.to_dict()
    if not data:
        return
    try:
        write(path, data)
    except OSError as exc:
        log.warning("could not save site templates to %s: %s", path, exc)
