"""The one storage interface every backend implements (embedded SQLite, Elasticsearch, OpenSearch).

The pipeline, the CLI, the alerts and the Airflow DAGs only ever see this protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable

from rasid.records import Alert, Article, FeedState, Hit, SearchQuery


class StoreError(Exception):
    """A storage failure with a cause a person can act on (unreachable, auth, read-only…)."""

    def __init__(self, message: str, *, cause: str = "error") -> None:
        super().__init__(message)
        # short machine-readable tag: unreachable|auth|read-only|mapping|missing|error
        self.cause = cause


@runtime_checkable
class Store(Protocol):
    url: str

    # --- articles -------------------------------------------------------------------------
    def upsert_articles(self, articles: Iterable[Article]) -> int:
        """Write articles keyed by ``Article.id``; a rerun overwrites, never duplicates.
        Sets ``ingested_at`` when absent and keeps a stored one (the first ingest time), so
        a correction is written through here too. Returns how many were written."""
        ...

    def get_article(self, article_id: str) -> Article | None: ...

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are already stored (the same-URL dedup check)."""
        ...

    def find_by_hash(self, content_hash: str) -> str | None:
        """Id of a stored article with this normalised-content hash, if any."""
        ...

    def search(self, query: SearchQuery) -> list[Hit]: ...

    def articles_ingested_since(
        self, since: datetime | None, until: datetime | None = None
    ) -> list[Article]:
        """Articles by ingest time (not publication time), so late items are never missed."""
        ...

    def articles_updated_since(
        self, since: datetime | None, until: datetime | None = None
    ) -> list[Article]:
        """Articles a correction changed in the window (``Article.updated_at``), however long
        ago they were first ingested: the alerts judge their new text."""
        ...

    def iter_articles(self) -> Iterator[Article]: ...

    def count(self) -> int: ...

    # --- feed state -----------------------------------------------------------------------
    def get_feed_state(self, feed_id: str) -> FeedState: ...

    def save_feed_state(self, state: FeedState) -> None: ...

    def update_feed_state(
        self, feed_id: str, change: Callable[[FeedState], FeedState]
    ) -> FeedState:
        """Read the feed's state, apply ``change`` and write the result, atomically: no
        other writer's save falls between the read and the write (``change`` may run again
        if one raced it). Returns what was written."""
        ...

    def all_feed_states(self) -> list[FeedState]: ...

    # --- alerts ---------------------------------------------------------------------------
    def record_alert(self, alert: Alert) -> bool:
        """Store an alert; False when one with the same id exists (one alert per rule+story)."""
        ...

    def attach_to_alert(self, alert_id: str, article_id: str, source: str) -> None:
        """A later article of an alerted story: attach it, do not alert again."""
        ...

    def recent_alerts(self, limit: int = 50, rule_id: str | None = None) -> list[Alert]:
        """Newest first; ``rule_id``: only that rule's alerts."""
        ...

    # --- bookkeeping ----------------------------------------------------------------------
    def get_watermark(self, name: str) -> datetime | None: ...

    def set_watermark(self, name: str, value: datetime) -> None: ...

    def close(self) -> None: ...
