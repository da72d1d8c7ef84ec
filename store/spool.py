"""A local on-disk spool: documents wait here while the search engine is down.

Each batch is one JSONL segment, written to a temp name, fsynced and renamed, so a crash
leaves either a whole segment or none. Segments replay oldest first; one is deleted only after
its write succeeded, so nothing is lost (a segment replayed twice is harmless: writes are
keyed by document id). A disk quota bounds the folder; past it, ``append`` refuses loudly
instead of filling the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_QUOTA_BYTES = 512 * 2**20
_SUFFIX = ".jsonl"
_counter = itertools.count()


class SpoolFull(Exception):
    """Writing this batch would take the spool past its disk quota."""


class Spool:
    def __init__(self, directory: str | Path, quota_bytes: int = DEFAULT_QUOTA_BYTES) -> None:
        self.directory = Path(directory)
        self.quota_bytes = quota_bytes

    # --- writing -----------------------------------------------------------------------------
    def append(self, records: list[dict[str, Any]]) -> Path | None:
        """Persist one batch as a segment; returns its path (None for an empty batch)."""
        if not records:
            return None
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
        self.directory.mkdir(parents=True, exist_ok=True)
        used = self.used_bytes()
        if used + len(data) > self.quota_bytes:
            raise SpoolFull(
                f"{self.directory} holds {used} bytes; {len(data)} more would pass the quota of "
                f"{self.quota_bytes} bytes"
            )
        # Names sort by creation time, then by a per-process counter: replay keeps order.
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_counter):06d}{_SUFFIX}"
        final = self.directory / name
        tmp = final.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(final)
        self._fsync_dir()
        return final

    def _fsync_dir(self) -> None:
        with contextlib.suppress(OSError):
            fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # --- reading -----------------------------------------------------------------------------
    def segments(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{_SUFFIX}"))

    def has_pending(self) -> bool:
        return bool(self.segments())

    @staticmethod
    def read(segment: Path) -> list[dict[str, Any]]:
        return [
            json.loads(line) for line in segment.read_text(encoding="utf-8").splitlines() if line
        ]

    def pending(self) -> Iterator[dict[str, Any]]:
        for seg in self.segments():
            yield from self.read(seg)

    def pending_count(self) -> int:
        return sum(1 for _ in self.pending())

    def used_bytes(self) -> int:
        """Bytes under the directory, sub-spools included (the pipeline keeps batches
        waiting for dedup in ``undeduplicated/``): one quota covers them all."""
        if not self.directory.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.directory.rglob("*") if p.is_file())

    # --- replay ------------------------------------------------------------------------------
    def drain(self, write: Callable[[list[dict[str, Any]]], None]) -> int:
        """Hand each segment to ``write`` in order and delete it once written.

        Stops at (and re-raises) the first failure, keeping that segment and the later ones.
        One process drains at a time (an flock), so two runs do not replay the same segment.
        """
        if not self.has_pending():
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        done = 0
        with (self.directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                for seg in self.segments():
                    if not seg.exists():  # drained by someone else meanwhile
                        continue
                    records = self.read(seg)
                    write(records)
                    seg.unlink()
                    done += len(records)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return done
