"""A batch whose dedup state (in the search engine) is unreachable waits in its own spool,
under the store's one quota, and the next run finishes it (the real engine is killed in
tests/reliability/test_engine_faults.py; this checks the bookkeeping with stand-ins)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rasid import pipeline
from rasid.config import Settings, SettingsFile
from rasid.records import Article
from store.base import StoreError
from store.spool import Spool

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _article(n: int) -> Article:
    return Article(
        id=f"id{n}", url=f"http://x/{n}", canonical_url=f"http://x/{n}", feed_id="f",
        source="s", title=f"عنوان {n}", body="نص الخبر " * 50, lang="ar", fetched_at=NOW,
    )  # fmt: skip


class _DeadDedupEngine:
    """An engine store whose dedup state cannot be reached."""

    url = "http://127.0.0.1:9"

    def __init__(self, spool: Spool) -> None:
        self.spool = spool

    def dedup_state(self) -> Any:
        raise StoreError("take the dedup lease failed: no answer", cause="unreachable")


def test_a_batch_is_held_not_lost_and_stays_under_the_one_quota(tmp_path: Path) -> None:
    settings = Settings(SettingsFile())
    main = Spool(tmp_path / "spool", quota_bytes=40_000)
    main.append([{"filler": "x" * 10_000}])  # the index spool already holds ~10 kB
    store = _DeadDedupEngine(main)
    written = pipeline._finish([_article(1), _article(2)], store, settings, NOW)  # type: ignore[arg-type]
    assert [k for _, k in written] == ["held", "held"]
    held = Spool(tmp_path / "spool" / "undeduplicated")
    assert [r["id"] for r in held.pending()] == ["id1", "id2"]
    # what is held counts against the store's quota, and the quota counts what is held
    assert pipeline._held_spool(store).quota_bytes == 40_000 - main.used_bytes() + held.used_bytes()  # type: ignore[arg-type,union-attr]
    big = [_article(n) for n in range(3, 60)]
    with pytest.raises(StoreError, match="spool is full"):
        pipeline._finish(big, store, settings, NOW)  # type: ignore[arg-type]


def test_without_a_spool_the_error_reaches_the_feed(tmp_path: Path) -> None:
    settings = Settings(SettingsFile())
    store = _DeadDedupEngine(None)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="dedup lease"):
        pipeline._finish([_article(1)], store, settings, NOW)  # type: ignore[arg-type]


def test_held_batches_wait_while_the_state_is_still_down(tmp_path: Path) -> None:
    settings = Settings(SettingsFile())
    store = _DeadDedupEngine(Spool(tmp_path / "spool"))
    pipeline._finish([_article(1)], store, settings, NOW)  # type: ignore[arg-type]
    assert pipeline.finish_held(store, settings) == 0  # type: ignore[arg-type]
    assert Spool(tmp_path / "spool" / "undeduplicated").pending_count() == 1


def test_the_summary_says_what_was_held_and_finished() -> None:
    from rasid.pipeline import CycleReport, FeedOutcome
    from rasid.summary import summary_lines

    r = CycleReport(started_at=NOW, held_finished=3)
    r.feeds.append(FeedOutcome("f", "ok", new=2, held=2))
    text = "\n".join(summary_lines(r, "http://127.0.0.1:9200"))
    assert "held               2 articles" in text and "next run finishes them" in text
    assert "held earlier       3 articles finished first" in text
