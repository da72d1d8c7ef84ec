"""Corrections, the document's side (pure): merge a re-fetched article into the stored one.

The stored document stays the same document: same id, URL, source and feed, first ingest
time, publication date and first fetch time (what recency sorts, stories and the dedup
window go by), and the same dedup relations (``duplicate_of``, ``similarity``,
``story_id``). A correction changes the text only, so it can neither make an article a
copy of itself nor move it to another story; the alerts key on (rule, story) and stay
put. The text, language and extraction method are the new page's (the hash stays the one the
dedup state knows the article by); entities,
places and claims are cleared for the caller to enrich again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from rasid.records import Article


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def same_text(stored: Article, fresh: Article) -> bool:
    """Whether the re-fetched title and body are the stored ones, whitespace aside.

    Not the normalised ``content_hash``: that would hide a corrected hamza or a fixed
    diacritic, which readers see even though search does not."""
    return _squeeze(stored.title) == _squeeze(fresh.title) and _squeeze(stored.body) == _squeeze(
        fresh.body
    )


# Bodies the feed itself carries: what a page that could not be had falls back to.
FEED_TEXT = frozenset({"feed-summary", "feed-content"})


def lost_page(stored: Article, fresh: Article) -> bool:
    """Whether the re-fetch looks like a failure rather than a correction: the page was not
    had (a 503, a consent wall) and the body fell back to the feed's teaser while the stored
    one came from the page, or the body lost more than half its length under the same
    title. Taken as a correction, either would replace the article with a fragment."""
    if fresh.extraction in FEED_TEXT and stored.extraction not in FEED_TEXT:
        return True
    shrunk = len(_squeeze(fresh.body)) < 0.5 * len(_squeeze(stored.body))
    return shrunk and _squeeze(fresh.title) == _squeeze(stored.title)


def apply_correction(stored: Article, fresh: Article, now: datetime) -> Article | None:
    """The stored document carrying the re-fetched text, or None when the text is the
    same (an unchanged re-fetch writes nothing). The caller checks ``lost_page`` first."""
    if same_text(stored, fresh):
        return None
    return replace(
        stored,
        title=fresh.title,
        body=fresh.body,
        summary=fresh.summary or stored.summary,
        author=fresh.author or stored.author,
        lang=fresh.lang,
        extraction=fresh.extraction,
        # content_hash stays the first version's: the dedup state keys the article by it,
        # and a store whose hash disagreed with it would answer exact-copy lookups otherwise.
        entities=[],
        places=[],
        claims=[],
        updated_at=now,
        revision=stored.revision + 1,
    )
