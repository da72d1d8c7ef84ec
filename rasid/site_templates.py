"""The process's learned site templates (ingest/site_templates.py) and the file that
keeps them across runs, so a one-shot `rasid run` or an Airflow task reads known sites by
their templates from its first page."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from ingest.site_templates import SiteTemplates
from rasid.config import Settings
from store.base import Store

log = logging.getLogger(__name__)

# Shared by every feed and cycle of the process: a long-running `rasid watch` reads most
# pages without trafilatura.
REGISTRY = SiteTemplates()
_LOADED: set[Path] = set()


def file_for(settings: Settings, store: Store) -> Path:
    """``site_templates_file``, else beside the embedded store's file, else data/."""
    if settings.site_templates_file:
        return Path(settings.site_templates_file)
    path = getattr(store, "path", None)
    return Path(path).parent / "site-templates.json" if path else Path("data/site-templates.json")


def load_once(path: Path) -> None:
    """Trust the templates an earlier run learned (once per process and file): a one-shot
    `rasid run` or an Airflow task then skips trafilatura from its first page."""
    key = path.resolve()
    if key in _LOADED:
        return
    _LOADED.add(key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # none yet, or damaged: learn again
    if isinstance(data, dict):
        REGISTRY.load(data)


def save(path: Path) -> None:
    data = REGISTRY.to_dict()
    if not data:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
    except OSError as exc:
        log.warning("could not save site templates to %s: %s", path, exc)
