"""When to poll a feed next: adaptive intervals, failure backoff, automatic disabling.

All pure: each function takes a ``FeedState`` and returns a new one (or a number); the
scheduler persists the result. Nothing here sleeps or does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rasid.records import FeedState

if TYPE_CHECKING:
    from ingest.feeds import FeedPoll


@dataclass(frozen=True)
class IntervalBounds:
    """Adaptive polling interval: faster while a feed publishes, slower while it is quiet."""

    min_s: float = 120.0
    max_s: float = 3600.0
    default_s: float = 600.0
    speedup: float = 0.5  # multiply by this when the poll brought new items
    slowdown: float = 1.5  # multiply by this when it brought nothing


@dataclass(frozen=True)
class BackoffPolicy:
    """Exponential backoff after consecutive failures; disable after ``disable_after``."""

    base_s: float = 60.0
    factor: float = 2.0
    max_s: float = 6 * 3600.0
    disable_after: int = 10


@dataclass(frozen=True)
class ItemRetryPolicy:
    """How long one item whose article cannot be had may hold its feed back.

    While an item is retried the feed's validators do not advance, so the next poll gets
    the whole feed (200, not 304) and the item is tried again: a transient failure loses
    nothing. Without a bound, one dead link made its feed re-download forever. An item is
    given up after ``max_attempts`` failed polls, and no sooner than ``min_span_s`` after
    its first failure (so `rasid watch --every 15` does not give up on a page that is down
    for a minute).
    """

    max_attempts: int = 5
    min_span_s: float = 3600.0

    def attempts_for(self, status: int | None) -> int:
        """A 404 or 410 says the page is gone, so half the attempts; not one, because a feed
        may list an item a little before its page is published."""
        if status in (404, 410):
            return max(1, (self.max_attempts + 1) // 2)
        return self.max_attempts


@dataclass(frozen=True)
class ItemFailure:
    """One item of this poll whose article could not be had."""

    key: str  # the item's link, else its GUID
    guid: str
    error: str
    status: int | None = None  # HTTP status of the article page, when it answered


SEEN_GUIDS_KEPT = 5000  # bounded memory per feed; older GUIDs are also caught by URL id
GIVEN_UP_KEPT = 50  # given-up items remembered per feed, for `rasid feeds --json`


def record_item_failures(
    state: FeedState,
    failures: Sequence[ItemFailure],
    now: datetime,
    policy: ItemRetryPolicy | None = None,
) -> tuple[FeedState, list[dict[str, Any]]]:
    """Count this poll's failed items; give up those past their attempts.

    Returns the new state and the items given up now (the caller marks their GUIDs seen).
    ``state.failing_items`` afterwards holds only the items still to retry: an item that
    was fetched this time, or has left the feed, is forgotten. The feed's validators may
    advance exactly when it is empty."""
    p = policy or ItemRetryPolicy()
    failing: dict[str, dict[str, Any]] = {}
    given_up: list[dict[str, Any]] = []
    for f in failures:
        prev = state.failing_items.get(f.key, {})
        attempts = int(prev.get("attempts", 0)) + 1
        first = str(prev.get("first_failed_at") or now.isoformat())
        span = (now - datetime.fromisoformat(first)).total_seconds()
        if attempts >= p.attempts_for(f.status) and span >= p.min_span_s:
            given_up.append(
                {"item": f.key, "guid": f.guid, "attempts": attempts, "error": f.error,
                 "given_up_at": now.isoformat()}
            )  # fmt: skip
        else:
            failing[f.key] = {"attempts": attempts, "first_failed_at": first, "error": f.error}
    kept = [*state.given_up_items, *given_up][-GIVEN_UP_KEPT:]
    return replace(state, failing_items=failing, given_up_items=kept), given_up


def next_interval(state: FeedState, new_items: int, bounds: IntervalBounds | None = None) -> float:
    """Seconds until the next poll, within ``[bounds.min_s, bounds.max_s]``."""
    b = bounds or IntervalBounds()
    current = state.interval_s if state.interval_s else b.default_s
    # More new items than a handful means the feed is busy: go straight to a fast pace.
    if new_items >= 10:
        proposed = b.min_s
    elif new_items > 0:
        proposed = current * b.speedup
    else:
        proposed = current * b.slowdown
    return float(min(b.max_s, max(b.min_s, proposed)))


def backoff_delay(failures: int, policy: BackoffPolicy | None = None) -> float:
    """Delay after the ``failures``-th consecutive failure (1 -> base_s)."""
    p = policy or BackoffPolicy()
    if failures <= 0:
        return 0.0
    return float(min(p.max_s, p.base_s * p.factor ** (failures - 1)))


def record_failure(
    state: FeedState,
    error: str,
    now: datetime,
    *,
    retry_after: float | None = None,
    policy: BackoffPolicy | None = None,
) -> FeedState:
    """A new state after a failed poll: counter up, backoff (at least Retry-After), and
    ``disabled`` once the counter reaches ``policy.disable_after``."""
    p = policy or BackoffPolicy()
    failures = state.failures + 1
    delay = max(backoff_delay(failures, p), retry_after or 0.0)
    return replace(
        state,
        failures=failures,
        last_error=error,
        last_polled_at=now,
        next_poll_at=now + timedelta(seconds=delay),
        disabled=state.disabled or failures >= p.disable_after,
    )


def record_success(
    state: FeedState,
    now: datetime,
    *,
    new_items: int = 0,
    etag: str | None = None,
    last_modified: str | None = None,
    websub_hub: str | None = None,
    bounds: IntervalBounds | None = None,
    retry_after: float | None = None,
) -> FeedState:
    """A new state after a successful poll (200 or 304): counter reset, validators kept
    for the next conditional GET, interval adapted to how much was new."""
    interval = next_interval(state, new_items, bounds)
    delay = max(interval, retry_after or 0.0)
    return replace(
        state,
        etag=etag if etag is not None else state.etag,
        last_modified=last_modified if last_modified is not None else state.last_modified,
        failures=0,
        last_error=None,
        last_polled_at=now,
        last_success_at=now,
        last_new_at=now if new_items else state.last_new_at,
        disabled=False,
        interval_s=interval,
        next_poll_at=now + timedelta(seconds=delay),
        websub_hub=websub_hub if websub_hub is not None else state.websub_hub,
    )


def is_due(state: FeedState, now: datetime) -> bool:
    """Whether a feed should be polled at ``now``."""
    return not state.disabled and (state.next_poll_at is None or state.next_poll_at <= now)


def apply_poll(
    state: FeedState,
    poll: FeedPoll,
    now: datetime,
    *,
    new_items: int | None = None,
    bounds: IntervalBounds | None = None,
    policy: BackoffPolicy | None = None,
) -> FeedState:
    """Fold one ``FeedPoll`` into a new state (validators, health, next poll time).

    ``new_items`` defaults to the items whose GUID is not in ``state.seen_guids``; the
    caller still owns ``seen_guids`` itself."""
    if poll.status == "error":
        return record_failure(
            state, poll.error or "error", now, retry_after=poll.retry_after_s, policy=policy
        )
    if new_items is None:
        seen = set(state.seen_guids)
        new_items = sum(1 for item in poll.items if item.guid not in seen)
    return record_success(
        state,
        now,
        new_items=new_items,
        etag=poll.etag,
        last_modified=poll.last_modified,
        websub_hub=poll.websub_hub,
        bounds=bounds,
        retry_after=poll.retry_after_s,
    )
