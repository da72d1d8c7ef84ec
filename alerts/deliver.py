"""Deliver alerts through the outbox: enqueue, then send what is due, retry what fails.

Every (alert, channel) becomes an outbox row keyed ``<alert id>:<channel id>``. A send is
retried in-process with exponential backoff (tenacity); if it still fails the row stays
pending with a longer backoff for the next run. Sent keys are recorded, so a delivery is
never lost and never sent twice to the same channel.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    wait_exponential,
)

from alerts.channels import ChannelConfig
from alerts.outbox import Entry, Outbox, delivery_key
from alerts.rules import Rule
from alerts.schedule import plan, throttle_window
from alerts.senders import SENDERS, Message, PermanentError
from rasid.records import Alert


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0  # deliveries (alert x channel) sent in this run
    failed: int = 0  # deliveries whose send failed in this run and will be retried
    # deliveries given up in this run: the send failed in a way retrying cannot fix (kept
    # in the outbox as dead, with the error; `rasid alerts outbox` lists them)
    dead: int = 0
    pending: int = 0  # deliveries still in the outbox: held (quiet hours, digest) or failed
    dead_total: int = 0  # dead deliveries in the outbox, this run's and earlier ones'
    # deliveries kept for a channel that is disabled or no longer configured, by channel
    parked: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    messages: int = 0  # messages sent (a digest carries several deliveries)
    held: int = 0  # of the new deliveries, how many were held for a later summary
    # Alerts handed in whose delivery the outbox already records as sent: they are not sent
    # again. For an alert the store has just fired, that means another store (or a wiped
    # one) shares this outbox, which the caller should say out loud.
    already_sent: list[str] = field(default_factory=list)
    # Due deliveries not tried because the pass ran out of time: still pending, not leased.
    deferred: int = 0


def _transient(exc: BaseException) -> bool:
    return not isinstance(exc, PermanentError | RuntimeError | ValueError | TypeError)


def _permanent(exc: BaseException) -> bool:
    """A failure no later run can fix without a change to the config or the receiver: the
    receiver refused (4xx), the channel lacks its URL, token or recipients, or its URL is
    not one httpx can send to. Such a delivery is given up (dead), not retried forever."""
    return isinstance(exc, PermanentError | httpx.UnsupportedProtocol | httpx.InvalidURL)


# A delivery pass stops starting sends after this long. Well under the outbox lease
# (outbox.LEASE_S): the send under way when the budget runs out may still take a channel's
# timeout, and an overlapping pass must not find our rows' lease expired and send them too.
PASS_BUDGET_S = 120.0


def _timed_out(exc: BaseException) -> bool:
    # socket.timeout is TimeoutError (smtplib); httpx has its own hierarchy.
    return isinstance(exc, TimeoutError | httpx.TimeoutException)


@dataclass(slots=True)
class Tries:
    """The sends one ``send_with_retry`` call made. Counted here because a failed call
    raises; the outbox records it (a pass with ``retries: 3`` can POST three times)."""

    n: int = 0


def send_with_retry(
    channel: Any,
    msg: Message,
    console: Any = None,
    *,
    attempts: int | None = None,
    deadline: float | None = None,
    tries: Tries | None = None,
) -> None:
    """Send with up to ``attempts`` (default: the channel's ``retries``) tries, starting none
    after ``deadline`` (a time.monotonic() value); ``tries`` counts them."""
    sender = SENDERS[channel.type]
    limit = attempts or channel.retries

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number >= limit:
            return True
        return deadline is not None and time.monotonic() >= deadline

    backoff = wait_exponential(multiplier=channel.retry_wait_s, max=30)

    def wait(state: RetryCallState) -> float:  # never sleep past the deadline
        w = backoff(state)
        return w if deadline is None else min(w, max(0.0, deadline - time.monotonic()))

    for attempt in Retrying(
        stop=stop,
        wait=wait,
        retry=retry_if_exception(_transient),
        reraise=True,
    ):
        with attempt:
            if tries is not None:
                tries.n += 1
            sender(channel, msg, console)


def outbox_backoff(attempts: int, base_s: float, max_s: float) -> timedelta:
    """Between runs: base, 2*base, 4*base… capped (attempts counts failures so far, >= 1)."""
    return timedelta(seconds=min(max_s, base_s * 2 ** max(0, attempts - 1)))


def _targets(rule: Rule | None, channels: dict[str, Any]) -> list[Any]:
    if rule is not None and rule.channels:
        return [channels[c] for c in rule.channels if c in channels]
    return list(channels.values())


def _messages(
    entries: list[Entry], rules: dict[str, Rule], tz: str
) -> list[tuple[Message, list[str]]]:
    """Group due entries: a bundle is one message, any other entry its own message."""
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.bundle or e.key, []).append(e)
    out = []
    for gkey, group in groups.items():
        first = group[0]
        rule = rules.get(first.rule_id)
        bundled = first.bundle is not None
        msg = Message(
            key=f"bundle:{gkey}" if bundled else gkey,
            channel_id=first.channel_id,
            alerts=[e.alert for e in group],
            reason=first.reason if bundled else "",
            owner=rule.owner if rule else None,
            recipients=list(rule.recipients) if rule else [],
            tz=(rule.timezone if rule and rule.timezone else tz),
            rule_names={
                e.rule_id: rules[e.rule_id].name
                for e in group
                if e.rule_id in rules and rules[e.rule_id].name
            },
        )
        out.append((msg, [e.key for e in group]))
    return out


def deliver(
    alerts: Sequence[Alert],
    channels: Sequence[ChannelConfig],
    outbox_path: str | Path,
    *,
    console: Any = None,
    rules: Sequence[Rule] | None = None,
    now: datetime | None = None,
    timezone: str = "UTC",
    backoff_s: float = 30.0,
    backoff_max_s: float = 3600.0,
    budget_s: float = PASS_BUDGET_S,
) -> DeliveryReport:
    """Enqueue ``alerts`` for every applicable enabled channel, then send everything due
    (including deliveries held or failed in earlier runs). ``rules`` supplies per-rule
    channels, recipients, throttle, quiet hours and digest; without it alerts go out at once.

    No send starts after ``budget_s`` seconds of sending: what is left stays pending for
    the next pass. Once a channel has timed out in this pass, each further message to it
    gets a single attempt (a receiver that hangs would otherwise cost retries x timeout
    for every delivery)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    rules_by_id = {r.id: r for r in rules or []}
    enabled = {c.id: c for c in channels if c.enabled}
    configured = {c.id for c in channels}  # to tell a disabled channel from a removed one
    report = DeliveryReport()
    with Outbox(outbox_path) as box:
        for alert in alerts:
            rule = rules_by_id.get(alert.rule_id)
            for ch in _targets(rule, enabled):
                singles = 0
                if rule is not None and rule.throttle is not None:
                    start, _ = throttle_window(rule.throttle.per, now)
                    singles = box.singles_since(rule.id, ch.id, start)
                p = plan(rule, ch.id, now, singles)
                if box.enqueue(
                    alert, ch.id, now=now, due_at=p.due_at, bundle=p.bundle, reason=p.reason
                ):
                    report.held += p.bundle is not None
                elif box.is_sent(delivery_key(alert.id, ch.id)):
                    report.already_sent.append(alert.id)
                # A key already there but not sent stays pending: claim_due below retries it
                # once its backoff (or its hold) is over.
        due = box.claim_due(now)
        deadline = time.monotonic() + budget_s
        timed_out: set[str] = set()  # channels that timed out in this pass
        for msg, keys in _messages(due, rules_by_id, timezone):
            if time.monotonic() >= deadline:
                # Out of time: free the rows at once (no failure counted) for the next pass.
                box.release(keys)
                report.deferred += len(keys)
                continue
            ch = enabled.get(msg.channel_id)
            if ch is None:
                # Channel disabled or removed: keep the deliveries until it comes back. One
                # line per channel below, not one per message.
                box.release(keys)
                report.parked[msg.channel_id] = report.parked.get(msg.channel_id, 0) + len(keys)
                continue
            tries = Tries()
            try:
                send_with_retry(
                    ch, msg, console, attempts=1 if ch.id in timed_out else None,
                    deadline=deadline, tries=tries,
                )  # fmt: skip
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                if _permanent(exc):
                    box.mark_dead(keys, error, tries=max(1, tries.n))
                    report.dead += len(keys)
                    report.errors.append(f"{ch.id}: {error} (given up)")
                    continue
                # kept in the outbox, retried on a later run
                if _timed_out(exc):
                    timed_out.add(ch.id)
                attempts = 1 + max(e.attempts for e in due if e.key in keys)
                box.mark_failed(
                    keys, error, now + outbox_backoff(attempts, backoff_s, backoff_max_s),
                    tries=max(1, tries.n),
                )  # fmt: skip
                report.failed += len(keys)
                report.errors.append(f"{ch.id}: {error}")
                continue
            box.mark_sent(keys, msg.key, datetime.now(UTC), tries=max(1, tries.n))
            report.sent += len(keys)
            report.messages += 1
        for channel_id, n in report.parked.items():
            if channel_id in configured:
                why = "disabled; {n} deliveries kept in the outbox until it is enabled again"
            else:
                why = (
                    "no longer configured; {n} deliveries kept in the outbox in case it comes"
                    " back (`rasid alerts outbox --purge --channel {c}` drops them)"
                )
            report.errors.append(f"{channel_id}: channel " + why.format(n=n, c=channel_id))
        if report.deferred:
            report.errors.append(
                f"delivery pass stopped after {budget_s:g} s: {report.deferred} deliveries"
                " left pending for the next pass"
            )
        report.pending = box.pending_count()
        report.dead_total = box.counts()["dead"]
    return report
