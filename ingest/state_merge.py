"""Merging two writers' changes to one feed's state.

A full cycle reads a feed's state, then fetches and indexes for minutes before it saves.
Meanwhile a WebSub push, an Airflow task of another DAG run or ``rasid feeds --enable`` may
save the same feed's state. Saving the cycle's copy as it is would undo their changes: the
push's failed item would leave ``failing_items`` (and, with the validators moved on, never be
fetched again), a re-enabled feed would turn off again. So the cycle saves a three-way merge
of what it read (``base``), what it made of it (``ours``) and what the store holds now
(``theirs``). Pure; the stores apply it atomically (``Store.update_feed_state``).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from ingest.schedule import GIVEN_UP_KEPT, SEEN_GUIDS_KEPT
from rasid.records import FeedState


def snapshot(state: FeedState) -> FeedState:
    """A copy to merge against later: its lists and tables (and their records) are its own,
    so no in-place change to the state a run goes on to build can reach it. Ten times
    cheaper than ``deepcopy`` on a full state (5,000 GUIDs)."""
    return replace(
        state,
        seen_guids=list(state.seen_guids),
        failing_items={k: dict(v) for k, v in state.failing_items.items()},
        given_up_items=[dict(g) for g in state.given_up_items],
        item_versions={k: dict(v) for k, v in state.item_versions.items()},
    )


def merge_feed_state(base: FeedState, ours: FeedState, theirs: FeedState) -> FeedState:
    """``ours`` applied on top of ``theirs``: each field ours changed since ``base`` is ours,
    the others are theirs. Seen GUIDs and given-up items are unions; the item tables
    (``failing_items``, ``item_versions``) merge by item, so each writer's items survive."""
    if theirs == base:  # nobody else wrote: the common case
        return ours
    merged: dict[str, Any] = {}
    for f in fields(FeedState):
        name = f.name
        b, o, t = getattr(base, name), getattr(ours, name), getattr(theirs, name)
        if name == "seen_guids":
            merged[name] = list(dict.fromkeys([*t, *o]))[-SEEN_GUIDS_KEPT:]
        elif name == "given_up_items":
            merged[name] = _union_records(t, o)[-GIVEN_UP_KEPT:]
        elif isinstance(o, dict):
            merged[name] = _merge_tables(b, o, t)
        elif name in _LATEST and o != b and t != b and o is not None and t is not None:
            merged[name] = max(o, t)  # both saw it happen: the later one is the truth
        else:
            merged[name] = o if o != b else t
    if set(merged["failing_items"]) - set(ours.failing_items):
        # The other writer's items wait for a retry, and a retry needs the whole feed: keep
        # the validators it left, not the ones this run would move on to (a 304 lists none).
        merged["etag"], merged["last_modified"] = theirs.etag, theirs.last_modified
    return replace(ours, **merged)


# Times of events: when both writers recorded one, the later stands (the cycle's clock was
# read before a push that saved a later time).
_LATEST = frozenset({"last_polled_at", "last_success_at", "last_new_at"})


def _merge_tables(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """Per key: ours where ours added, changed or removed it, else theirs (which keeps
    theirs' own additions and removals)."""
    out = dict(theirs)
    for key in base.keys() | ours.keys():
        if key not in ours:
            if key in base and theirs.get(key) == base[key]:
                out.pop(key, None)  # ours removed it and theirs did not touch it
        elif ours[key] != base.get(key):
            out[key] = ours[key]
    return out


def _union_records(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    seen: set[tuple[Any, Any]] = set()
    out = []
    for rec in [*first, *second]:
        key = (rec.get("item"), rec.get("given_up_at"))
        if key not in seen:
            seen.add(key)
            out.append(rec)
    return out
