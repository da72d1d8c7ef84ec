"""Corrections, the feed's side (pure): which stored items did the outlet change?

An outlet that edits a published article (a new title, an added paragraph) usually keeps
its link and says so in the feed: a newer ``<updated>`` (Atom, ``atom:updated`` or
``dcterms:modified`` in RSS), or another title or text in the item. ``FeedState
.item_versions`` keeps, for each stored item the feed still lists, the version last seen
and how many re-fetches it has cost. ``revised_items`` names the items to fetch again; the
pipeline re-extracts them and updates the stored document in place
(``processing.corrections``).

Bounded twice: only items the feed lists now are remembered, and each gets at most
``limit`` re-fetches, so a feed that bumps ``<updated>`` on every poll costs ``limit``
downloads per item, not one per poll.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from processing.urls import canonical_url
from rasid.records import FeedItem, FeedState, article_id


@dataclass(frozen=True, slots=True)
class Revision:
    """A stored item to fetch again: the feed says it changed."""

    item: FeedItem
    key: str  # item_key(item)
    stored_id: str | None  # the stored document's id, when recorded
    reason: str  # "updated" (a newer <updated>) | "changed" (another title or text)


def item_key(item: FeedItem) -> str:
    """The id of the item's link (canonical form): the key of its version record, and the
    stored document's id unless the page's rel=canonical named another URL."""
    return article_id(canonical_url(item.url or item.guid))


def signature(item: FeedItem) -> str:
    """What the feed says of the item, whitespace aside: its title and text."""
    text = "\x1f".join(" ".join(s.split()) for s in (item.title, item.content, item.summary))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def change(record: dict[str, Any], item: FeedItem) -> str | None:
    """Why the item differs from its recorded version ("updated" | "changed"), or None.

    A newer ``updated`` date is a correction even when the feed's text is the same (the
    feed often carries only a teaser). An older one is not (a feed flapping between two
    caches). An item that gains an ``updated`` date later than its publication counts too.
    """
    new = item.updated_at
    if new is not None:
        old = _parse(record.get("updated"))
        if old is not None and new > old:
            return "updated"
        if old is None and item.published_at is not None and new > item.published_at:
            return "updated"
    if record.get("sig") != signature(item):
        return "changed"
    return None


def revised_items(
    items: Iterable[FeedItem], state: FeedState, limit: int, skip: Iterable[str] = ()
) -> list[Revision]:
    """The items of a poll that were stored before, changed since, and have re-fetches
    left (at most ``limit`` each; 0 = corrections off). ``skip``: keys handled as new
    items. An item with no record yet is not revised: its first sight sets the baseline."""
    if limit <= 0:
        return []
    skipped = set(skip)
    out: dict[str, Revision] = {}
    for item in items:
        key = item_key(item)
        record = state.item_versions.get(key)
        if key in skipped or key in out or record is None:
            continue
        reason = change(record, item)
        if reason is None or int(record.get("refetches", 0)) >= limit:
            continue
        out[key] = Revision(item, key, record.get("id"), reason)
    return list(out.values())


def _version(item: FeedItem, record: dict[str, Any] | None = None) -> dict[str, Any]:
    out = dict(record or {"refetches": 0})
    out["updated"] = _iso(item.updated_at)
    out["sig"] = signature(item)
    return out


def note_listed(state: FeedState, items: Iterable[FeedItem], skip: Iterable[str] = ()) -> None:
    """Keep records for the items the feed lists now only (so the state stays bounded),
    and set the baseline of listed items seen for the first time, except ``skip`` (new
    items, recorded by ``note_stored`` once they are stored). Changes ``state``."""
    skipped = set(skip)
    kept: dict[str, dict[str, Any]] = {}
    for item in items:
        key = item_key(item)
        if key in kept:
            continue
        record = state.item_versions.get(key)
        if record is not None:
            kept[key] = record
        elif key not in skipped:
            kept[key] = _version(item)
    state.item_versions = kept


def note_stored(state: FeedState, item: FeedItem, stored_id: str) -> None:
    """A new item was stored: its version is the baseline for later corrections."""
    record = _version(item)
    record["id"] = stored_id
    state.item_versions[item_key(item)] = record


def note_refetched(
    state: FeedState,
    revision: Revision,
    *,
    done: bool,
    stored_id: str | None = None,
    spent: bool = True,
) -> None:
    """A revised item was fetched again: one re-fetch spent. ``done`` (the page was had
    and the store settled): the item's new version becomes the baseline. Otherwise the old
    version stays, so the next full poll tries again, within the same bound. ``spent``
    False: the page was had but the store failed, which says nothing about the outlet and
    costs the item none of its re-fetches."""
    record = dict(state.item_versions.get(revision.key) or {"refetches": 0})
    record["refetches"] = int(record.get("refetches", 0)) + (1 if spent else 0)
    if done:
        record = _version(revision.item, record)
    if stored_id:
        record["id"] = stored_id
    state.item_versions[revision.key] = record
