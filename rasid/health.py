"""Feed health: which feeds fail, which went quiet, which are disabled (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from rasid.records import Feed, FeedState

STALE_AFTER = timedelta(hours=24)
SLOW_AFTER_S = 10.0  # a poll this long ties up a worker; worth a look


@dataclass
class FeedHealth:
    feed_id: str
    status: str  # ok | failing | slow | stale | disabled | never-polled
    failures: int
    last_error: str | None
    last_success_at: datetime | None
    last_new_at: datetime | None
    last_poll_s: float | None = None

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
        elif st.last_new_at is not None and now - st.last_new_at > STALE_AFTER:
            status = "stale"
        elif st.last_poll_s is not None and st.last_poll_s > SLOW_AFTER_S:
            status = "slow"
        else:
            status = "ok"
        out.append(
            FeedHealth(
                feed.id, status, st.failures, st.last_error, st.last_success_at, st.last_new_at
            )
        )
    return out
