"""Corrections, the document's side (pure): merge a re-fetched article into the stored one.

The stored document stays the same document: same id, URL, source and feed, first ingest
time, publication date and first fetch time (what recency sorts, stories and the dedup
window go by), and the same dedup relations (``duplicate_of``, ``similarity``,
``story_id``). A correction changes the text only, so it can neither make an article a
copy of itself nor move it to another story; the alerts key on (rule, story) and stay
put. The text, its hash, language and extraction method are the new page's; entities,
places and claims are cleared for the caller to enrich again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from processing.dedup.text import content_hash
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


def apply_correction(stored: Article, fresh: Article, now: datetime) -> Article | None:
    """The stored document carrying the re-fetched text, or None when the text is the
    same (an unchanged re-fetch writes nothing)."""
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
        content_hash=content_hash(fresh.title, fresh.body),
        entities=[],
        places=[],
        claims=[],
        updated_at=now,
        revision=stored.revision + 1,
    )
