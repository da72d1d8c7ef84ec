"""One article from a feed item and its extracted page (processing/assemble.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from processing.assemble import assemble_article
from rasid.records import FeedItem

FETCHED = datetime(2024, 10, 17, 12, 0, tzinfo=UTC)


@dataclass
class _Page:
    title: str = "عنوان"
    body: str = "نص"
    canonical_url: str | None = None
    published_at: datetime | None = None
    author: str = ""
    method: str = "trafilatura"


def _item(published: datetime | None) -> FeedItem:
    return FeedItem("f", "s", "g", "https://x.example/a", published_at=published)


def test_a_date_in_the_future_is_the_fetch_time() -> None:
    future = FETCHED + timedelta(days=2000)  # «2030» typed for «2024», or a scheduled post
    art = assemble_article(_item(future), _Page(), lang="ar", fetched_at=FETCHED)
    assert art.published_at == FETCHED


def _published(item: FeedItem, page: _Page) -> datetime | None:
    return assemble_article(item, page, lang="ar", fetched_at=FETCHED).published_at


def test_a_past_date_and_no_date_are_kept() -> None:
    past = FETCHED - timedelta(hours=3)
    assert _published(_item(past), _Page()) == past
    assert _published(_item(None), _Page(published_at=past)) == past
    assert _published(_item(None), _Page()) is None
