"""The human summary of one cycle (pure: report in, lines of rich markup out).

Everything interpolated here comes from outside Rasid (feed ids, error messages quoting
third-party URLs and GUIDs, charset labels), so it is escaped: «[/x]» in a URL made rich
raise MarkupError after the cycle had committed, and «[video]» vanished."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from rich.markup import escape

# `rasid run` exit status when no feed answered: cron and monitors tell an outage (network
# down, proxy gone) from a quiet cycle. Some feeds failing is normal and stays 0.
EXIT_ALL_FEEDS_FAILED = 4
_TRIED = {"ok", "not-modified", "error", "disabled"}  # not "not-due"/"pushed": skipped on purpose


def all_feeds_failed(report: Any) -> bool:
    """Every feed the cycle tried failed or is disabled after failures (and there was one)."""
    tried = [f for f in report.feeds if f.status in _TRIED]
    return bool(tried) and all(f.status in {"error", "disabled"} for f in tried)


# Distinct delivery errors shown; the rest are counted in one "… and N more" line.
MAX_ERROR_LINES = 5


def delivery_counts(r: Any) -> str:
    """Deliveries are (alert, channel) pairs: sent and failed are separate counts, so "22
    sent, 22 failed" is not read as "22 deliveries, all 22 failed"."""
    parts = [f"deliveries {r.alerts_delivered} sent"]
    if r.alerts_failed:
        parts.append(f"{r.alerts_failed} failed (retried later)")
    if getattr(r, "alerts_dead", 0):
        parts.append(f"{r.alerts_dead} given up")
    if getattr(r, "alerts_already_sent", 0):
        # Alerts, not deliveries: the outbox had them as sent, so no channel got them.
        parts.append(f"{r.alerts_already_sent} alerts skipped as already sent")
    return ", ".join(parts)


def counted(errors: list[str], limit: int) -> list[str]:
    """Identical errors once, with ×N; at most ``limit`` lines, then "… and N more"."""
    seen: dict[str, int] = {}
    for e in errors:
        seen[e] = seen.get(e, 0) + 1
    out = [f"{e} (×{n})" if n > 1 else e for e, n in list(seen.items())[:limit]]
    rest = sum(list(seen.values())[limit:])
    if rest:
        out.append(f"… and {rest} more")
    return out


def summary_lines(report: Any, store_url: str, extra: list[str] | None = None) -> list[str]:
    r = report
    lines = [
        "",
        "[bold]Rasid cycle summary[/bold]",
        f"  feeds polled       {len(r.feeds)} ({len(r.feeds_failed)} failed)",
        f"  items              {r.total('new')} new, {r.total('unchanged')} unchanged,"
        f" {r.total('failed')} failed",
        f"  articles indexed   {r.articles_indexed}",
        f"  duplicates         {r.total('exact_duplicates')} exact,"
        f" {r.total('near_duplicates')} near-duplicates (linked to their original)",
        f"  stories            {getattr(r, 'stories', 0)} (rasid stories lists the biggest,"
        " each once with its coverage)",
        f"  enrichment         {r.entities} entities, {r.places} places, {r.claims} claims",
        f"  alerts             {r.alerts_fired} fired; {delivery_counts(r)}",
    ]
    if r.languages:
        langs = escape(", ".join(f"{k}: {v}" for k, v in sorted(r.languages.items())))
        lines.append(f"  languages          {langs}")
    if r.encodings:
        encs = escape(", ".join(f"{k or 'n/a'}: {v}" for k, v in sorted(r.encodings.items())))
        lines.append(f"  page encodings     {encs}")
    if r.extraction_methods:
        meths = escape(", ".join(f"{k}: {v}" for k, v in sorted(r.extraction_methods.items())))
        lines.append(f"  extraction         {meths}")
    rechecked = sum(getattr(f, "rechecked", 0) for f in r.feeds)
    if rechecked:
        lines.append(
            f"  corrections        {rechecked} re-fetched (their feed says they changed),"
            f" {getattr(r, 'articles_corrected', 0)} updated in place"
        )
    held = r.total("held")
    if held:
        lines.append(
            f"  [yellow]held               {held} articles: the dedup state was unreachable;"
            " the next run finishes them first[/yellow]"
        )
    if getattr(r, "held_finished", 0):
        lines.append(f"  held earlier       {r.held_finished} articles finished first")
    none_answered = all_feeds_failed(r)
    went_on = "" if none_answered else " (the other feeds went on)"
    for f in r.feeds_failed:
        lines.append(
            f"  [red]feed {escape(f.feed_id)} failed:[/red] {escape(str(f.error))}{went_on}"
        )
    for f in r.feeds:
        if f.status == "disabled":
            lines.append(f"  [red]feed {escape(f.feed_id)}[/red] {escape(str(f.error))}")
    for f in r.feeds:
        for e in f.item_errors[:3]:
            lines.append(f"  [yellow]item failed ({escape(f.feed_id)}):[/yellow] {escape(e)}")
    dead_total = getattr(r, "alerts_dead_total", 0)
    if dead_total or getattr(r, "alerts_pending", 0):
        lines.append(
            f"  outbox             {r.alerts_pending} waiting (held or to retry),"
            f" {dead_total} given up; `rasid alerts outbox` lists them"
            + (f" ({escape(r.outbox)})" if getattr(r, "outbox", "") else "")
        )
    for e in counted(r.alert_errors, MAX_ERROR_LINES):
        lines.append(f"  [yellow]delivery:[/yellow] {escape(e)}")
    if none_answered:
        lines.append(
            f"  [red]no feed answered: every one failed or is disabled"
            f" (exit status {EXIT_ALL_FEEDS_FAILED})[/red]"
        )
    lines.append(f"  took               {r.elapsed_s:.1f} s")
    lines += extra or []
    store_flag = (
        "" if _is_default_store(store_url) else f" --store {escape(shlex.quote(store_url))}"
    )
    lines += [
        "",
        "Search it:",
        f"  rasid search طرابلس{store_flag}",
        f"  rasid search حفتر --json{store_flag}",
        f"  rasid stories{store_flag}",
        f"  rasid alerts{store_flag}",
    ]
    return lines


def _is_default_store(store_url: str) -> bool:
    """Whether the hints may leave out ``--store``: only when the store is the default file as
    seen from here (a path merely ending in data/rasid.db is another store)."""
    from store.factory import DEFAULT_STORE_URL, embedded_path

    path = embedded_path(store_url)
    default = embedded_path(DEFAULT_STORE_URL)
    return path is not None and default is not None and path.resolve() == Path(default).resolve()
