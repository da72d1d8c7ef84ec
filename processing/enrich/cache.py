"""Where derived data (gazetteer pickles, trained tagger weights) lives on this machine.

Nothing here is committed: gazetteers are rebuilt from installed packages on first use and a
trained tagger is produced by ``rasid ner train``. ``RASID_CACHE_DIR`` overrides the default
``~/.cache/rasid``.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def cache_dir() -> Path:
    env = os.environ.get("RASID_CACHE_DIR")
    base = Path(env) if env else Path.home() / ".cache" / "rasid"
    return base


def default_model_path() -> Path:
    return cache_dir() / "ner" / "crf_model.pkl"


def load_pickle(path: Path) -> Any | None:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception:  # a damaged file raises nearly anything; it is rebuilt, not fatal
        return None


def save_pickle(obj: Any, path: Path) -> None:
    """Atomic write so that a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_or_build(path: Path, kind: type[T], build: Callable[[], T]) -> T:
    """The cached ``kind`` at ``path`` (``<name>-<fingerprint>.pkl``), else ``build()`` it
    and cache it, dropping the files of other fingerprints (older package versions or
    lists). A read-only cache folder leaves the process with its in-memory copy."""
    found = load_pickle(path)
    if isinstance(found, kind):
        with contextlib.suppress(OSError):  # marks it in use (read-only folder: no matter)
            os.utime(path)
        return found
    built = build()
    try:
        save_pickle(built, path)
        # Files of other fingerprints (older package versions or lists) go once unused for
        # a week: another checkout sharing this folder may still read its own.
        stale = time.time() - 7 * 86400
        for old in path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.pkl"):
            if old != path and old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return built
