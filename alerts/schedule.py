"""When a delivery goes out: now, or held into a summary (digest, quiet hours, throttle).

Pure functions of (rule, now, how many single alerts went out in the throttle window).
Held alerts are never dropped: they are bundled and sent when the hold ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alerts.rules import QuietHours, Rule


@dataclass(frozen=True, slots=True)
class Plan:
    due_at: datetime
    bundle: str | None  # deliveries with the same bundle go out as one message
    reason: str  # "" | "hourly" | "daily" | "quiet hours" | "throttle"


def _clock(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


def _zone(rule: Rule, quiet: QuietHours | None = None) -> ZoneInfo:
    name = (quiet.timezone if quiet and quiet.timezone else None) or rule.timezone or "UTC"
    return ZoneInfo(name)


def _next_local(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next moment strictly after ``now`` when the local clock reads ``at``."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(UTC)


def quiet_until(quiet: QuietHours, now: datetime, zone: ZoneInfo) -> datetime | None:
    """End of the quiet period containing ``now``, or None when not quiet."""
    start, end = _clock(quiet.start), _clock(quiet.end)
    t = now.astimezone(zone).time().replace(second=0, microsecond=0)
    if start == end:
        return None
    inside = start <= t < end if start < end else (t >= start or t < end)
    return _next_local(now, end, zone) if inside else None


def digest_due(rule: Rule, now: datetime) -> datetime:
    zone = _zone(rule)
    if rule.digest == "hourly":
        local = now.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        return (local + timedelta(hours=1)).astimezone(UTC)
    return _next_local(now, _clock(rule.digest_at), zone)


def throttle_window(per_s: float, now: datetime) -> tuple[datetime, datetime]:
    """Fixed windows aligned to the epoch: [start, end)."""
    ts = now.timestamp()
    start = ts - (ts % per_s)
    return datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + per_s, UTC)


def plan(rule: Rule | None, channel_id: str, now: datetime, singles_in_window: int = 0) -> Plan:
    """Decide for one (alert, channel). ``singles_in_window``: single alerts of this rule
    already planned for this channel in the current throttle window."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if rule is None:
        return Plan(now, None, "")
    if rule.digest != "off":
        due = digest_due(rule, now)
        return Plan(due, f"{rule.id}|{channel_id}|{rule.digest}|{due.isoformat()}", rule.digest)
    if rule.quiet_hours is not None:
        until = quiet_until(rule.quiet_hours, now, _zone(rule, rule.quiet_hours))
        if until is not None:
            return Plan(until, f"{rule.id}|{channel_id}|quiet|{until.isoformat()}", "quiet hours")
    if rule.throttle is not None and singles_in_window >= rule.throttle.max:
        _, end = throttle_window(rule.throttle.per, now)
        return Plan(end, f"{rule.id}|{channel_id}|throttle|{end.isoformat()}", "throttle")
    return Plan(now, None, "")
