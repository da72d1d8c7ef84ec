"""Turn a feed item and its extracted page into an Article record (pure)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

from processing.urls import canonical_url
from rasid.records import Article, FeedItem, article_id


class ExtractedLike(Protocol):
    title: str
    body: str
    published_at: datetime | None
    author: str
    canonical_url: str | None
    method: str


def _not_after(published: datetime | None, fetched_at: datetime) -> datetime | None:
    """Nothing is published after it was fetched: a date in the future (a typo, a misread
    zone, a scheduled-post date) would keep the article on top of every recency sort."""
    if published is None or published <= fetched_at:
        return published
    return fetched_at


def assemble_article(
    item: FeedItem, extracted: ExtractedLike, *, lang: str, fetched_at: datetime
) -> Article:
    # The page's rel=canonical beats the feed link: outlets syndicate one page under many URLs.
    canon = canonical_url(item.url or item.guid, extracted.canonical_url)
    return Article(
        id=article_id(canon),
        url=item.url,
        canonical_url=canon,
        source=item.source,
        feed_id=item.feed_id,
        title=_text(extracted.title or item.title),
        body=_text(extracted.body),
        lang=lang,
        fetched_at=fetched_at,
        published_at=_not_after(item.published_at or extracted.published_at, fetched_at),
        guid=item.guid,
        summary=item.summary,
        author=extracted.author or item.author,
        extraction=extracted.method,
    )


# Private-use characters (icon fonts, PDF conversions) carry no text, and two of them mark
# search matches (rasid.records.MARK_START/MARK_END): an article's own would unbalance them.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]+")


def _text(value: str) -> str:
    # A regex pass, not str.translate with a 6,400-key table: the bench showed that doubling
    # the record's share of the pipeline's CPU, for characters almost no page has.
    return _PRIVATE_USE.sub("", value).strip()
