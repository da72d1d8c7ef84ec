"""Open a SQLite file that several processes share (WAL), without losing the race at creation.

Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is locked"
at once — not after the busy timeout — when another process is doing the same. Two
`rasid run` started together on a fresh store hit exactly that, so the set-up is retried.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

_LOCKED = ("database is locked", "database table is locked")


def open_shared(path: str | Path, timeout: float = 30.0, **kwargs: object) -> sqlite3.Connection:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        conn = sqlite3.connect(str(path), timeout=timeout, **kwargs)  # type: ignore[arg-type]
        try:
            conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            # Reading the mode needs no lock; only a file not yet in WAL is switched.
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if not any(m in str(exc) for m in _LOCKED) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def retry_locked(fn, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """Run ``fn()`` again while SQLite says the database is locked (schema creation races)."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not any(m in str(exc) for m in _LOCKED) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
