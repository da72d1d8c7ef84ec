"""Feed health: which feeds fail, which went quiet, which are disabled (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rasid.records import Feed, FeedState

STALE_AFTER = timedelta(hours=24)
SLOW_AFTER_S = 10.0  # a poll this long ties up a worker; worth a look
# An item given up this recently still marks its feed (the list itself is kept longer).
GIVEN_UP_SHOWN = timedelta(hours=24)


@dataclass
class FeedHealth:
    feed_id: str
    # ok | failing | items-retrying | items-given-up | stale | slow | disabled | never-polled
    status: str
    failures: int
    last_error: str | None
    last_success_at: datetime | None
    last_new_at: datetime | None
    last_poll_s: float | None = None
    items_retrying: int = 0  # items whose article keeps failing; the feed is re-read in full
    items_given_up: list[dict[str, Any]] = field(default_factory=list)  # newest last

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("last_success_at", "last_new_at"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


def feed_health(feeds: list[Feed], states: list[FeedState], now: datetime) -> list[FeedHealth]:
    by_id = {s.feed_id: s for s in states}
    out = []
    for feed in feeds:
        st = by_id.get(feed.id) or FeedState(feed_id=feed.id)
        if st.disabled:
            status = "disabled"
        elif st.last_polled_at is None:
            status = "never-polled"
        elif st.failures:
            status = "failing"
        elif st.failing_items:
            status = "items-retrying"
        elif _recent_give_up(st, now):
            status = "items-given-up"
        elif st.last_new_at is not None and now - st.last_new_at > STALE_AFTER:
            status = "stale"
        elif st.last_poll_s is not None and st.last_poll_s > SLOW_AFTER_S:
            status = "slow"
        else:
            status = "ok"
        # `rasid feeds` prints last_error: with the feed itself fine, name the item instead.
        error = st.last_error
        if error is None and status == "items-retrying":
            info = next(iter(st.failing_items.values()))
            error = f"retrying an item (attempt {info.get('attempts')}): {info.get('error')}"
        elif error is None and status == "items-given-up":
            last = st.given_up_items[-1]
            error = f"item given up after {last.get('attempts')} attempts: {last.get('error')}"
        health = FeedHealth(
            feed.id, status, st.failures, error, st.last_success_at, st.last_new_at,
            last_poll_s=st.last_poll_s, items_retrying=len(st.failing_items),
            items_given_up=list(st.given_up_items),
        )  # fmt: skip
        out.append(health)
    return out


def _recent_give_up(state: FeedState, now: datetime) -> bool:
    if not state.given_up_items:
        return False
    at = state.given_up_items[-1].get("given_up_at")
    return bool(at) and now - datetime.fromisoformat(str(at)) <= GIVEN_UP_SHOWN
