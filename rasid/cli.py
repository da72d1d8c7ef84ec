"""The `rasid` command line. Each subcommand parses flags and calls library functions."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from rasid.config import load_settings
from rasid.terminal import marked_markup, rtl_markup
from rasid.yamlconf import ConfigError
from store.base import StoreError

STORE_HELP = (
    "where articles live: sqlite:///PATH (embedded default, ./data/rasid.db), "
    "elasticsearch://HOST:PORT, http(s)://HOST:PORT (Elasticsearch) or opensearch://HOST:PORT"
)
EPILOG = """\
examples:
  rasid demo                          one full cycle over the bundled sample feeds
  rasid run --feeds config/feeds.yaml one cycle over real Arabic outlets
  rasid watch --every 300             keep polling every 5 minutes
  rasid search طرابلس                  search with highlighted matches (clitics handled)
  rasid search حفتر --json             one JSON object per hit
  rasid stories --hours 6             the biggest stories of the last 6 hours, with coverage
  rasid enrich page.html --json       entities, places and claims of one page

configuration: config/rasid.yaml (settings; --config or RASID_CONFIG for another),
config/feeds.yaml (feeds:), config/alerts.yaml (rules: and channels:). RASID_STORE_URL,
RASID_FEEDS, RASID_RULES, RASID_OUTBOX, RASID_WEBSUB_DB, RASID_SPOOL_DIR and
RASID_ALLOW_PRIVATE_NETWORKS=1 override them; RASID_BIDI=isolate|visual|off picks how
Arabic lines print.
"""


# Every piece of text that is not Rasid's own (titles, bodies, URLs, outlet and feed ids,
# error messages quoting them) goes through `escape` or `rtl_markup` before reaching these:
# rich reads «[/عاجل]» as a closing tag (MarkupError) and drops «[video]» as a style.
class ReaderGone(BaseException):
    """The reader of our output went away (`| head`). A BaseException, so the per-feed
    `except Exception` handlers of a cycle do not take it for a feed's failure."""


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # `rasid search طرابلس | head -1`: the reader has what it asked for. Rich exits 1 here,
        # which `set -o pipefail` scripts read as a failed search; the --json views exit 0.
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, (sys.stderr if self.stderr else sys.stdout).fileno())
        raise ReaderGone


err = _Console(stderr=True, highlight=False, soft_wrap=True)
out = _Console(highlight=False, soft_wrap=True)


class UsageError(Exception):
    """A command was called in a way that cannot work; `main` prints it and exits 2, the
    status argparse gives a malformed command line (README, "Exit status")."""


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def _parse_date(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date: {value!r} (try 2019-04-05)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _whole_number(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = minimum - 1
        if n < minimum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number of {minimum} or more, not {value!r}"
            )
        return n

    return parse


# `--limit -1` used to list everything and `--limit 0` printed "no results".
_positive_int = _whole_number(1)
_count = _whole_number(0)  # `--cycles 0`: never stop


def _positive_number(value: str) -> float:
    # `watch --every 0` (or -5) polled in a tight loop; nan and inf are no interval either.
    try:
        x = float(value)
    except ValueError:
        x = 0.0
    if not (0 < x < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number greater than 0, not {value!r}")
    return x


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    return load_settings(
        getattr(args, "config", None),
        feeds=getattr(args, "feeds", None),
        rules=getattr(args, "rules", None),
        store=getattr(args, "store", None),
    )


def _progress(event: str, data: dict[str, Any]) -> None:
    if event == "start":
        err.print(f"[bold]Polling {data['feeds']} feeds…[/bold]")
    elif event == "feed":
        if data["status"] in {"error", "disabled"}:
            err.print(f"  [red]✗[/red] {escape(data['feed'])}: {escape(str(data['error']))}")
        elif data["status"] == "not-modified":
            err.print(f"  [dim]= {escape(data['feed'])}: not modified[/dim]")
        elif data["status"] == "backoff":
            until = f", next poll {data['until']:%H:%M} UTC" if data.get("until") else ""
            err.print(
                f"  [yellow]…[/yellow] {escape(data['feed'])}: in backoff after"
                f" {data['failures']} failures{until} (last: {escape(str(data['error']))})"
            )
        else:
            held = data.get("held", 0)
            corrected = data.get("corrected", 0)
            err.print(
                f"  [green]✓[/green] {escape(data['feed'])}: {data['new']} new,"
                f" {data['indexed']} indexed, {data['unchanged']} unchanged,"
                f" {data['failed']} failed"
                + (f", {corrected} corrected" if corrected else "")
                + (f", [yellow]{held} held (dedup state unreachable)[/yellow]" if held else "")
            )
    elif event == "fetched":
        # Feeds are fetched first, then the cycle's articles are processed as one batch.
        n = data["articles"]
        err.print(f"[bold]Deduplicating, enriching and indexing {n} articles…[/bold]")
        from processing.enrich import caches_to_build
        from processing.enrich.cache import cache_dir

        if n and (building := caches_to_build()):
            err.print(
                f"  first use: building {' and '.join(building)} into {escape(str(cache_dir()))}"
                " (about 20 s, once)"
            )
    elif event == "alerts":
        err.print(f"[bold]Alerts:[/bold] {data['fired']} fired, {data['delivered']} delivered")


# --- run / watch / demo -------------------------------------------------------------------
def _print_summary(report: Any, settings: Any, extra: list[str] | None = None) -> None:
    from rasid.summary import summary_lines

    for line in summary_lines(report, settings.store_url, extra):
        out.print(line)


def cmd_run(args: argparse.Namespace) -> int:
    from rasid.pipeline import run_cycle
    from rasid.summary import EXIT_ALL_FEEDS_FAILED, all_feeds_failed

    settings = _settings(args)
    report = run_cycle(settings, progress=_progress if not args.json else lambda e, d: None)
    if args.json:
        _print_json(report.to_dict())
    else:
        _print_summary(report, settings)
    # The cycle itself went through; a distinct status lets cron notice that nothing answered.
    return EXIT_ALL_FEEDS_FAILED if all_feeds_failed(report) else 0


def cmd_watch(args: argparse.Namespace) -> int:
    from rasid.pipeline import run_cycle
    from rasid.summary import EXIT_ALL_FEEDS_FAILED, all_feeds_failed

    settings = _settings(args)
    cycles = 0
    tried = answered = False  # over all cycles: did a feed fail, did one answer
    stopped_by: list[int] = []

    def on_term(signum: int, frame: object) -> None:
        stopped_by.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)  # a service stop ends like Ctrl-C
    try:
        while True:
            started = time.monotonic()
            if cycles and (problem := settings.reload_feeds()):
                err.print(f"[red]feeds file[/red] {escape(str(problem))}\n  still polling the"
                          " feeds it listed before")  # fmt: skip
            try:
                report = run_cycle(
                    settings, progress=_progress, only_due=True, adaptive=args.adaptive
                )
            except ConfigError as exc:
                # A typo in the rules must not stop ingestion; the alert watermark does not
                # move, so these articles are judged once the file is fixed.
                err.print(
                    f"[red]configuration error[/red]\n{escape(str(exc))}\n"
                    "  ingesting without alerts until it is fixed"
                )
                report = run_cycle(
                    settings, progress=_progress, only_due=True, adaptive=args.adaptive,
                    alerts=False,
                )  # fmt: skip
            cycles += 1
            tried |= all_feeds_failed(report)
            answered |= any(f.status in {"ok", "not-modified"} for f in report.feeds)
            err.print(
                f"[dim]{datetime.now(UTC):%H:%M:%S} cycle {cycles}:"
                f" {report.articles_indexed} indexed, {len(report.feeds_failed)} feeds failed,"
                f" {report.alerts_fired} alerts, {report.elapsed_s:.1f}s[/dim]"
            )
            if args.cycles and cycles >= args.cycles:
                # as `rasid run`: a distinct status when no cycle reached a feed (feeds in
                # backoff between failures count as failed)
                return EXIT_ALL_FEEDS_FAILED if tried and not answered else 0
            time.sleep(max(0.0, args.every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        err.print("stopped: the cycle under way saved nothing; the next run fetches it again")
        return 128 + (stopped_by[0] if stopped_by else signal.SIGINT)
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_demo(args: argparse.Namespace) -> int:
    from rasid.demo import run_demo

    return run_demo(store_url=args.store, keep_serving=args.serve, json_out=args.json)


# --- search / alerts / export -------------------------------------------------------------
def _country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, checked as alert rules check theirs («Libya» says LY)."""
    from alerts.rules import _check_country

    try:
        return _check_country(value)
    except ValueError as exc:
        raise UsageError(f"rasid search: --country {exc}") from None


def cmd_search(args: argparse.Namespace) -> int:
    from rasid.records import Article, SearchQuery

    query = SearchQuery(
        text=" ".join(args.query),
        source=args.source,
        since=args.since,
        until=args.until,
        entity=args.entity,
        place=args.place,
        country=_country(args.country) if args.country else None,
        lang=args.lang.lower() if args.lang else None,  # «AR» is «ar»
        sort=args.sort,
        limit=args.limit,
        include_duplicates=not args.originals,
    )
    if not (query.text or query.entity or query.place or query.source or query.country):
        raise UsageError("rasid search: give a QUERY, or --entity/--place/--country/--source")
    if args.no_body and not args.json:
        # The terminal view never prints the body (only matching fragments): say so rather
        # than accept a flag that does nothing.
        raise UsageError("rasid search: --no-body only applies with --json")
    from processing.normalize import tokens

    for flag, value in (
        ("QUERY", query.text),
        ("--entity", query.entity),
        ("--place", query.place),
    ):
        # Search is by words; '!!!', '"' or '*' alone has none (and no operator syntax exists).
        if value and value.strip() and not tokens(value):
            raise UsageError(
                f"rasid search: {flag} {value!r} has no word to search for"
                " (punctuation and symbols are ignored)"
            )
    if query.since and query.until and query.since >= query.until:
        raise UsageError(
            f"rasid search: --since {args.since:%Y-%m-%d} is not before --until"
            f" {args.until:%Y-%m-%d}: no article can match"
        )
    store = _settings(args).open_store(create=False)
    originals: dict[str, Article | None] = {}
    try:
        hits = store.search(query)
        if not args.json:  # say which article a near-duplicate copies, not just its id
            for aid in {h.article.duplicate_of for h in hits if h.article.duplicate_of}:
                originals[aid] = store.get_article(aid)
    finally:
        store.close()
    if args.json:
        for hit in hits:
            doc = hit.article.to_dict()
            doc.pop("body", None) if args.no_body else None
            _print_json({"score": round(hit.score, 4), "highlights": hit.marked(), **doc})
        return 0
    if not hits:
        err.print("no results")
        return 0
    styled = out.is_terminal and not out.no_color
    for i, hit in enumerate(hits, 1):
        art = hit.article
        when = (art.published_at or art.fetched_at).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        title = hit.highlights.get("title", [art.title])[0]
        out.print(f"[bold cyan]{i:>2}.[/bold cyan] " + marked_markup(title, styled=styled))
        meta = f"    {art.source} · {when} · {art.lang}"
        if art.duplicate_of:
            orig = originals.get(art.duplicate_of)
            meta += f" · copy of {orig.source}'s {orig.url}" if orig else " · a near-duplicate"
        out.print(f"[dim]{escape(meta)}[/dim]")
        for frag in hit.highlights.get("body", [])[:2]:
            out.print("    " + marked_markup(frag, styled=styled))
        out.print(f"    [blue]{escape(art.url)}[/blue]")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:

    settings = _settings(args)
    if args.action == "outbox":
        return _alerts_outbox(args, settings)
    if args.retry or args.purge or args.channel:
        raise UsageError("rasid alerts: --retry, --purge and --channel go with `outbox`")
    store = settings.open_store(create=False)
    try:
        if args.action == "test":
            return _alerts_test(args, settings, store)
        alerts = store.recent_alerts(args.limit, rule_id=args.rule)
    finally:
        store.close()
    if args.json:
        for a in alerts:
            _print_json(a.to_dict())
        return 0
    if not alerts and args.rule:
        _check_rule_name(args.rule, settings)
    if not alerts:
        err.print(
            f"no alerts for rule {escape(repr(args.rule))} yet" if args.rule else "no alerts yet"
        )
    names = _rule_names(settings) if alerts else {}
    for a in alerts:
        when = a.fired_at.astimezone(UTC)
        # The rule's name, as e-mails and the console channel show it; its id for --rule.
        label = names.get(a.rule_id)
        rule = f"{FSI}{label}{PDI} ({a.rule_id})" if label else a.rule_id
        out.print(f"[bold]{escape(rule)}[/bold] · {when:%Y-%m-%d %H:%M} UTC · {escape(a.source)}")
        out.print("    " + rtl_markup(a.title))
        if a.other_sources:
            out.print(f"    [dim]also: {escape(', '.join(a.other_sources))}[/dim]")
        out.print(f"    [blue]{escape(a.url)}[/blue]")
    return 0


# Rows named under each group of the outbox listing (rule and article); the rest counted.
_OUTBOX_ROWS_SHOWN = 3


def _deliveries(n: int) -> str:
    return f"{n} delivery" if n == 1 else f"{n} deliveries"


def _utc(iso: object) -> datetime:
    dt = datetime.fromisoformat(str(iso))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _outbox_why(row: dict[str, Any], now: datetime, channels: dict[str, bool] | None) -> str:
    """Why a delivery has not gone out, in words: the listing's line and ``reason`` in
    ``--json``. ``channels``: the rules file's channels (id -> enabled), None when unread."""
    if row["status"] == "dead":
        return f"given up: {row['error']}"
    channel = row["channel"]
    # Checked first: a removed channel's row is due but will not be sent, whatever its time.
    if channels is not None and channel not in channels:
        return (
            "channel no longer configured: kept in case it comes back"
            f" (`--purge --channel {channel}` drops them)"
        )
    if channels is not None and not channels[channel]:
        return "channel disabled: kept until it is enabled again"
    failed = f": {row['error']}" if row["error"] else ""
    if row["error"] and row["next_attempt_at"] and _utc(row["next_attempt_at"]) > now:
        return f"failed, next try after {_utc(row['next_attempt_at']):%Y-%m-%d %H:%M} UTC{failed}"
    due = _utc(row["due_at"])
    if due <= now:
        # Not "held": that word is for quiet hours and summaries; this one waits for no one.
        return "due now (the next `rasid run` or delivery pass sends it)" + (
            f", failed before{failed}" if failed else ""
        )
    when = f"{due:%Y-%m-%d %H:%M} UTC"
    return f"held until {when} ({row['held_for']})" if row["held_for"] else f"due at {when}"


def _rules_file_view(settings: Any) -> tuple[dict[str, bool] | None, dict[str, str]]:
    """The rules file's channels (id -> enabled; None when the file cannot be read) and rule
    names. The outbox is worth looking at precisely when the configuration is broken, so a
    bad rules file costs the listing its channel check, not the listing."""
    from alerts.config import load_config

    try:
        cfg = load_config(settings.rules_path, warn=False)
    except (ConfigError, OSError):
        return None, {}
    return {c.id: c.enabled for c in cfg.channels}, {r.id: r.name for r in cfg.rules if r.name}


def _alerts_outbox(args: argparse.Namespace, settings: Any) -> int:
    """What the store's outbox holds and has not sent: waiting (held, or failed and due
    again) and given up (dead); ``--retry`` requeues the dead, ``--purge`` drops them.

    Only looks (or edits rows): it never adopts an older outbox for the store, which only a
    delivering run does (``Settings.outbox_for(claim=False)``)."""
    from alerts.outbox import DEAD, Outbox
    from rasid.config import engine_outboxes_to_merge
    from store.factory import require_embedded_file

    if args.rule:
        raise UsageError("rasid alerts outbox: takes no rule (use --channel)")
    if args.retry and args.purge:
        raise UsageError("rasid alerts outbox: --retry or --purge, not both")
    # A mistyped --store must not read as "nothing was ever queued" (exit 3, as `rasid alerts`).
    require_embedded_file(settings.store_url)
    path = settings.outbox_for(claim=False)
    channels, rule_names = _rules_file_view(settings)
    exists = path.exists()
    if args.channel:
        known = set(channels or ())
        if exists:
            with Outbox(path) as box:
                known |= box.channels()
        if args.channel not in known:
            where = "the outbox or the rules file" if channels is not None else "the outbox"
            raise UsageError(
                f"rasid alerts outbox: no channel {args.channel!r} in {where}"
                f" (known: {', '.join(sorted(known)) or 'none'})"
            )
    if not exists:  # do not create an empty outbox by looking
        merging = [] if settings.outbox else engine_outboxes_to_merge(settings.store_url)
        if merging:
            err.print(
                f"no outbox at {escape(str(path))} yet: the next `rasid run` (or delivery"
                f" pass) merges {escape(', '.join(map(str, merging)))} into it"
            )
        else:
            err.print(f"no outbox at {escape(str(path))}: nothing was ever queued for this store")
        if args.json and (args.retry or args.purge):
            _print_json({"retried" if args.retry else "purged": 0, "outbox": str(path)})
        return 0
    now = datetime.now(UTC)
    with Outbox(path) as box:
        if args.retry:
            n = box.retry_dead(now, args.channel)
            if args.json:
                _print_json({"retried": n, "channel": args.channel, "outbox": str(path)})
                return 0
            err.print(
                f"{n} given-up {_deliveries(n).split()[1]} back in the queue, due now: the next"
                " `rasid run` (or the rasid_deliver DAG) sends them"
            )
            return 0
        if args.purge:
            statuses: tuple[str, ...] = (DEAD,)
            if args.channel:
                from alerts.config import load_config

                # A channel gone from the rules file never sends its waiting rows either.
                # Read again, not from _rules_file_view: dropping rows needs a readable file.
                if args.channel not in {c.id for c in load_config(settings.rules_path).channels}:
                    statuses = (DEAD, "pending")
            n = box.purge(statuses, args.channel)
            if args.json:
                _print_json({"purged": n, "channel": args.channel, "outbox": str(path)})
                return 0
            err.print(f"{_deliveries(n)} dropped from {escape(str(path))}")
            return 0
        counts = box.counts(args.channel)
        rows = box.pending(("pending", DEAD), args.channel)
    for r in rows:
        r["reason"] = _outbox_why(r, now, channels)
        r["rule_name"] = rule_names.get(str(r["rule"]))
    if args.json:
        for r in rows:
            _print_json({**r, "status": "given up" if r["status"] == DEAD else r["status"]})
        return 0
    scope = f" (channel {escape(args.channel)})" if args.channel else ""
    err.print(
        f"outbox {escape(str(path))}{scope}: {counts['pending']} waiting,"
        f" {counts[DEAD]} given up, {counts['sent']} sent"
    )
    if rows and channels is None:
        err.print(
            f"[dim]rules file {escape(str(settings.rules_path))} unreadable: channels not"
            " checked against it[/dim]"
        )
    # One line per channel, state and cause: 22 rows refused for one reason are one line,
    # with the first few alerts named under it.
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((str(r["status"]), str(r["channel"]), str(r["reason"])), []).append(r)
    for (_, channel, why), members in sorted(groups.items()):
        out.print(f"  [bold]{escape(channel)}[/bold]  {_deliveries(len(members))}  {escape(why)}")
        for r in members[:_OUTBOX_ROWS_SHOWN]:
            # Named as `rasid alerts` and the messages name it, the id after.
            name = r["rule_name"]
            rule = f"{FSI}{name}{PDI} ({r['rule']})" if name and name != r["rule"] else r["rule"]
            out.print(f"      {escape(str(rule))}: " + rtl_markup(str(r["title"] or r["alert_id"])))
        if len(members) > _OUTBOX_ROWS_SHOWN:
            out.print(f"      [dim]… and {len(members) - _OUTBOX_ROWS_SHOWN} more[/dim]")
    if counts[DEAD]:
        channel = f"--channel {escape(args.channel)}" if args.channel else "[--channel C]"
        err.print(
            f"[dim]after fixing the channel: `rasid alerts outbox --retry {channel}`;"
            " to drop them: `--purge`[/dim]"
        )
    return 0


def _named_rule(action: str, name: str, settings: Any) -> tuple[Any, list[Any]]:
    """The rule ``name`` of the rules file, with all the rules; an unknown name is a usage
    error listing the known ones."""
    from alerts.preview import find_rule
    from alerts.rules import load_rules

    rules = load_rules(settings.rules_path)
    try:
        return find_rule(name, rules), rules
    except KeyError as exc:
        raise UsageError(f"rasid alerts {action}: {exc.args[0]}") from None


FSI, PDI = "\u2068", "\u2069"  # an Arabic rule name keeps the line's order around it


def _rule_names(settings: Any) -> dict[str, str]:
    """Rule id -> name from the rules file; empty when it cannot be read (listing reads the
    store only, so a missing or broken rules file only means ids are shown)."""
    from alerts.config import load_config

    try:
        rules = load_config(settings.rules_path, warn=False).rules
    except (ConfigError, OSError):
        return {}
    return {r.id: r.name for r in rules if r.name and r.name != r.id}


def _check_rule_name(name: str, settings: Any) -> None:
    """`alerts list RULE` with no alerts: a rule the rules file does not have is a usage
    error (a misspelt name). Listing reads only the store, as it does when the rule has
    alerts, so a rules file that is missing or broken only means the name is not checked."""
    from alerts.preview import find_rule
    from alerts.rules import load_rules

    try:
        rules = load_rules(settings.rules_path)
    except ConfigError:
        return
    try:
        find_rule(name, rules)
    except KeyError as exc:
        raise UsageError(f"rasid alerts list: {exc.args[0]}") from None


def _alerts_test(args: argparse.Namespace, settings: Any, store: Any) -> int:
    from alerts.preview import PREVIEW_DAYS, preview_counted

    if not args.rule:
        raise UsageError(
            "rasid alerts test: name the rule to preview, e.g. `rasid alerts test tripoli`"
        )
    rule, rules = _named_rule("test", args.rule, settings)
    matches, total = preview_counted(rule, store, rules, args.limit)
    if not rule.enabled:
        # The preview still runs (trying a rule before enabling it is the point), but the
        # pipeline skips the rule, so a list of matches must not read as alerts to come.
        err.print(
            f"note: rule {args.rule!r} has enabled: false in {settings.rules_path}; the"
            " pipeline does not fire it",
            markup=False,
        )
    if rule.min_story_size > 1 or rule.spike is not None:
        # The preview judges articles one by one; these need the story around them.
        err.print(
            "note: this rule's min_story_size and spike conditions are judged only when the"
            " pipeline runs (on stories); the preview leaves them out",
            markup=False,
        )
    if args.json:
        for art, terms in matches:
            # "matched_terms" as in `alerts list --json`; "matched" kept for older scripts.
            _print_json({"id": art.id, "title": art.title, "source": art.source,
                         "url": art.url, "matched_terms": terms, "matched": terms})  # fmt: skip
        return 0
    # --limit caps what is listed, not the count: "would match 3" hid the other 9.
    shown = f"; showing {len(matches)} of {total}" if total > len(matches) else ""
    err.print(
        f"rule {escape(repr(args.rule))} would match {total} article(s)"
        f" ingested in the last {PREVIEW_DAYS:g} days{shown}"
    )
    for art, terms in matches:
        why = escape(f"({art.source}; {', '.join(terms)})")
        out.print("  " + rtl_markup(art.title) + f"  [dim]{why}[/dim]")
    return 0


def cmd_stories(args: argparse.Namespace) -> int:
    from rasid.stories import top_stories

    now = datetime.now(UTC)
    store = _settings(args).open_store(create=False)
    try:
        articles = store.articles_ingested_since(now - timedelta(hours=args.hours))
    finally:
        store.close()
    stories = top_stories(articles, now, limit=args.limit, min_articles=args.min_articles)
    if args.json:
        for story in stories:
            _print_json(story.to_dict())
        return 0
    if not stories:
        err.print(f"no stories in the articles ingested in the last {args.hours:g} h")
        return 0
    for i, s in enumerate(stories, 1):
        out.print(f"[bold cyan]{i:>2}.[/bold cyan] " + rtl_markup(s.title))
        more = len(s.sources) - 6
        outlets = ", ".join(s.sources[:6]) + (f" +{more}" if more > 0 else "")
        span = f"{s.first_seen:%Y-%m-%d %H:%M}"
        if s.articles > 1:  # one article has no span and no growth to tell
            span += f" → {s.last_seen:%Y-%m-%d %H:%M} · {s.last_hour} in its last hour"
        copies = (
            f" ({s.duplicates} cop{'ies' if s.duplicates != 1 else 'y'})" if s.duplicates else ""
        )
        meta = (
            f"    {s.articles} article{'s' * (s.articles != 1)}{copies}"
            f" · {len(s.sources)} outlet{'s' * (len(s.sources) != 1)}: {outlets}"
            f" · {span}"
        )
        out.print(f"[dim]{escape(meta)}[/dim]")
        if s.url:
            out.print(f"    [blue]{escape(s.url)}[/blue]")
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    store = _settings(args).open_store(create=False)
    try:
        for art in store.iter_articles():
            _print_json(art.to_dict())
    finally:
        store.close()
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from rasid.health import feed_health
    from rasid.records import FeedState

    settings = _settings(args)
    store = settings.open_store()
    try:
        if args.enable:
            known = {f.id for f in settings.feeds}
            if args.enable not in known:
                raise UsageError(f"rasid feeds: no feed {args.enable!r} in {settings.feeds_path}")
            was_disabled = False

            def enable(state: FeedState) -> FeedState:
                nonlocal was_disabled
                was_disabled = state.disabled
                # A feed that was not off keeps its state (failures, backoff) as it is.
                if not state.disabled:
                    return state
                return replace(state, disabled=False, failures=0, next_poll_at=None)

            store.update_feed_state(args.enable, enable)
            if not was_disabled:
                # Saying "re-enabled" here suggested it had been off.
                err.print(f"feed {escape(args.enable)} was not disabled: nothing to re-enable")
            else:
                err.print(f"feed {escape(args.enable)} re-enabled")
        health = feed_health(settings.feeds, store.all_feed_states(), datetime.now(UTC))
    finally:
        store.close()
    for h in health:
        if args.json:
            _print_json(h.to_dict())
        else:
            colour = {"ok": "green", "failing": "red", "disabled": "red"}.get(h.status, "yellow")
            extra = f" — {h.last_error}" if h.last_error else ""
            out.print(f"[{colour}]{h.status:<12}[/{colour}] {escape(h.feed_id + extra)}")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from rasid import site_templates

    path = site_templates.file_for(_settings(args))
    saved = site_templates.read(path)
    if args.forget:
        if args.forget not in saved:
            raise UsageError(f"rasid templates: no template for {args.forget!r} in {path}")
        del saved[args.forget]
        site_templates.write(path, saved)
        err.print(
            f"template for {escape(args.forget)} forgotten: its pages go to trafilatura again"
        )
    for host, t in sorted(saved.items()):
        selector = site_templates.selector(t)
        if args.json:
            _print_json({"site": host, **t, "selector": selector})
        else:
            drop = ", ".join(t.get("drop", [])) or "—"
            line = f"{host}  body: {selector}  title: {t.get('title_rule')}  skips: {drop}"
            out.print(line, markup=False)
    if not saved and not args.json:
        err.print(f"no site templates learned yet ({path})", markup=False)
    return 0


# --- enrich / eval ------------------------------------------------------------------------
def cmd_enrich(args: argparse.Namespace) -> int:
    from rasid.enrich_one import EnrichError, enrich_path_or_url

    settings = _settings(args)
    try:
        art = enrich_path_or_url(args.target, settings)
    except EnrichError as exc:
        err.print(f"rasid enrich: {exc}", markup=False)
        return 1
    if art.lang != "ar":
        err.print(
            f"rasid enrich: enrichment is for Arabic text; this reads as {art.lang!r},"
            " so no entities, places or claims are given",
            markup=False,
        )
    doc = {
        "title": art.title,
        "lang": art.lang,
        "body": art.body,
        "url": art.url,
        "published_at": art.published_at.isoformat() if art.published_at else None,
        "extraction": art.extraction,
        "entities": [
            {"type": e.type, "name": e.name, "mentions": e.mentions} for e in art.entities
        ],
        "places": [
            {
                "name": p.name,
                "lat": p.lat,
                "lon": p.lon,
                "country": p.country,
                "geonameid": p.geonameid,
                "kind": p.kind,
                **({"near": p.near} if p.near else {}),
            }
            for p in art.places
        ],
        "claims": [
            {"speaker": c.speaker, "cue": c.cue, "quote": c.quote, "sentence": c.sentence}
            for c in art.claims
        ],
    }
    if args.json:
        _print_json(doc)
        return 0
    out.print(
        "[bold]" + rtl_markup(art.title) + f"[/bold]  [dim]({art.lang}, {art.extraction})[/dim]"
    )
    for kind in ("PER", "ORG", "LOC"):
        names = [e["name"] for e in doc["entities"] if e["type"] == kind]
        if names:
            out.print(f"  {kind}: " + rtl_markup("، ".join(names)))
    for p in doc["places"]:
        near = f" ≈ {rtl_markup(p['near'])}" if p.get("near") else ""
        # A region spanning countries (North Africa) has no country code.
        where = f"{p['country']} " if p["country"] else ""
        out.print(f"  📍 {rtl_markup(p['name'])}{near} → {where}({p['lat']:.3f}, {p['lon']:.3f})")
    for c in doc["claims"]:
        quote = c["quote"] if len(c["quote"]) <= 120 else c["quote"][:119] + "…"
        out.print(f"  🗣 {rtl_markup(c['speaker'] + ' ' + c['cue'] + ': ' + quote)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rasid.evaluation import run_eval

    result = run_eval(args.what, Path(args.data) if args.data else None)
    if args.json:
        _print_json(result)
    else:
        from rasid.evaluation import print_table

        print_table(args.what, result, out)
    return 0


def cmd_ner(args: argparse.Namespace) -> int:
    from processing.enrich.train import train

    if not Path(args.train).exists():
        raise SystemExit(f"rasid ner train: training file {args.train} not found (--train PATH)")
    result = train(Path(args.train), Path(args.out) if args.out else None)
    err.print(f"model written to {result['model']}", markup=False)
    _print_json({k: v for k, v in result.items() if k != "model"} | {"model": str(result["model"])})
    return 0


def cmd_websub(args: argparse.Namespace) -> int:
    from rasid.websub_server import run_command

    return run_command(
        _settings(args),
        args.action,
        public_url=args.public_url,
        port=args.port,
        host=args.host,
        feed_id=args.feed,
        discover_all=args.discover_all,
        # Plain print: rich would read the brackets in JSON lines as markup.
        echo=lambda s: print(s, flush=True),
    )


def cmd_kibana(args: argparse.Namespace) -> int:
    from kibana.setup import setup_kibana

    store = _settings(args).open_store()
    try:
        if getattr(store, "names", None) is None:  # the embedded store: nothing for Kibana
            raise UsageError(
                f"rasid kibana setup: Kibana reads Elasticsearch, and {store.url} is not one"
                " (--store elasticsearch://HOST:PORT or https://HOST:PORT)"
            )
        result = setup_kibana(args.kibana_url, store)
    finally:
        store.close()
    _print_json(result)
    return 0


# --- parser -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rasid",
        description="Rasid (راصد): monitor Arabic news feeds — fetch, extract, deduplicate, "
        "enrich, index and alert.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", help="settings file (default: config/rasid.yaml if present)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, func: Any, help_: str, description: str | None = None
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=description or help_)
        sp.set_defaults(func=func)
        # Also after the command (`rasid search X --config F`); SUPPRESS keeps a value given
        # before it when none is given here.
        sp.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return sp

    def store_opt(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--store", metavar="URL", help=STORE_HELP)

    sp = add(
        "demo",
        cmd_demo,
        "run one full cycle over the bundled sample corpus (no network needed)",
        "Start a loopback server with the bundled sample feeds and pages, run one full cycle "
        "into the embedded store (./data/rasid.db) and print a summary.",
    )
    store_opt(sp)
    sp.add_argument(
        "--serve", action="store_true", help="keep the sample server running afterwards"
    )
    sp.add_argument("--json", action="store_true", help="print the cycle report as JSON")

    for name, helptext in (("run", "poll every feed once and process what is new"),
                           ("watch", "poll continuously")):  # fmt: skip
        sp = add(name, cmd_run if name == "run" else cmd_watch, helptext)
        sp.add_argument(
            "--feeds", metavar="FILE", help="feed registry (default: config/feeds.yaml)"
        )
        sp.add_argument("--rules", metavar="FILE", help="alert rules (default: config/alerts.yaml)")
        store_opt(sp)
        if name == "run":
            sp.add_argument("--json", action="store_true", help="print the cycle report as JSON")
        else:
            sp.add_argument("--every", type=_positive_number, default=300, metavar="SECONDS",
                            help="seconds between cycle starts (default 300)")  # fmt: skip
            sp.add_argument(
                "--cycles", type=_count, default=0, help="stop after N cycles (0: never)"
            )
            sp.add_argument(
                "--adaptive",
                action="store_true",
                help="poll busy feeds more often and quiet ones less (2-60 min) instead of "
                "every --every seconds; backoff after failures applies either way",
            )

    sp = add(
        "search", cmd_search, "search stored articles (Arabic-aware: clitics, spelling variants)"
    )
    sp.add_argument(
        "query",
        nargs="*",
        help="words to find, all of them; «طرابلس» also finds «وطرابلس», «بطرابلس»",
    )
    sp.add_argument("--source", help="only this outlet id")
    sp.add_argument("--since", type=_parse_date, help="published on or after (ISO date)")
    sp.add_argument("--until", type=_parse_date, help="published before (ISO date)")
    sp.add_argument("--entity", help="only articles naming this entity (e.g. حفتر)")
    sp.add_argument("--place", help="only articles naming this place")
    sp.add_argument(
        "--country",
        metavar="CC",
        help="only articles with a place resolved in this country (ISO code, e.g. LY; with"
        " --place طرابلس it keeps the Libyan Tripoli's stories and drops the Lebanese one's,"
        " unless that story also names a place in Libya)",
    )
    sp.add_argument("--lang", help="only this language (ar, en, …; any case)")
    sp.add_argument(
        "--sort",
        choices=["relevance", "recency"],
        default="relevance",
        help="best match first, or newest first (default: relevance)",
    )
    sp.add_argument("--limit", type=_positive_int, default=20, help="hits to show (default 20)")
    sp.add_argument("--originals", action="store_true", help="hide near-duplicates")
    sp.add_argument("--json", action="store_true", help="one JSON object per hit")
    sp.add_argument(
        "--no-body",
        action="store_true",
        help="with --json only (an error without it): omit the body text",
    )
    store_opt(sp)

    sp = add(
        "alerts",
        cmd_alerts,
        "list recent alerts, preview a rule (`rasid alerts test RULE`) or show the outbox"
        " (`rasid alerts outbox`)",
    )
    sp.add_argument("action", nargs="?", choices=["list", "test", "outbox"], default="list")
    sp.add_argument(
        "rule", nargs="?", help="with `test`: the rule id to preview; with `list`: only its alerts"
    )
    sp.add_argument("--rules", metavar="FILE", help="alert rules (default: config/alerts.yaml)")
    sp.add_argument(
        "--limit", type=_positive_int, default=50, help="alerts or articles to show (default 50)"
    )
    sp.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per alert (with `test`: per article; with `outbox`: per delivery)",
    )
    sp.add_argument("--channel", metavar="ID", help="with `outbox`: only this channel's deliveries")
    sp.add_argument(
        "--retry",
        action="store_true",
        help="with `outbox`: put given-up deliveries back in the queue (after fixing the channel)",
    )
    sp.add_argument(
        "--purge",
        action="store_true",
        help="with `outbox`: drop given-up deliveries (and, for a channel no longer in the"
        " rules file, its waiting ones)",
    )
    store_opt(sp)

    sp = add(
        "stories",
        cmd_stories,
        "top stories: recent articles grouped by story, with their coverage",
        "Group the articles ingested in the last --hours by story (deduplication's story_id; "
        "a reprint counts in its original's story) and list the biggest first: articles, "
        "copies, outlets in the order they carried it, first and last seen (publication "
        "time, else fetch time) and how many arrived in the story's last hour.",
    )
    sp.add_argument(
        "--hours", type=_positive_number, default=24, help="ingested within (default 24)"
    )
    sp.add_argument("--limit", type=_positive_int, default=10, help="stories to list (default 10)")
    sp.add_argument(
        "--min-articles",
        type=_positive_int,
        default=1,
        metavar="N",
        help="only stories of N+ articles",
    )
    sp.add_argument("--json", action="store_true", help="one JSON object per story")
    store_opt(sp)

    sp = add("export", cmd_export, "print every stored article as JSON lines")
    sp.add_argument("--json", action="store_true", help="JSON lines (the default and only format)")
    store_opt(sp)

    sp = add("feeds", cmd_feeds, "feed health: failing, stale, disabled; re-enable a feed")
    sp.add_argument("--feeds", metavar="FILE", help="feed registry (default: config/feeds.yaml)")
    sp.add_argument("--enable", metavar="FEED_ID", help="re-enable a feed disabled after failures")
    sp.add_argument("--json", action="store_true", help="one JSON object per feed")
    store_opt(sp)

    sp = add(
        "templates",
        cmd_templates,
        "site templates learned from trafilatura (where each site keeps its article body); "
        "forget one whose pages come out wrong",
    )
    sp.add_argument("--forget", metavar="HOST:PORT", help="drop this site's template")
    sp.add_argument("--json", action="store_true", help="one JSON object per site")
    store_opt(sp)

    sp = add(
        "enrich", cmd_enrich, "extract and enrich one HTML page, text file or URL (not indexed)"
    )
    sp.add_argument("target", metavar="PATH_OR_URL")
    sp.add_argument("--json", action="store_true", help="print one JSON object")

    sp = add(
        "eval",
        cmd_eval,
        "measure quality on the real data in ../shared/data",
        "Measure quality on the real data in ../shared/data. extraction and alerts take "
        "seconds, ner about a minute (the tagger is trained first when no model is cached), "
        "places and dedup several minutes each.",
    )
    sp.add_argument("what", choices=["ner", "places", "extraction", "dedup", "alerts"])
    sp.add_argument("--data", help="data folder (default: ../shared/data)")
    sp.add_argument("--json", action="store_true", help="print the figures as one JSON object")

    sp = add("ner", cmd_ner, "train the optional statistical entity tagger: `rasid ner train`")
    sp.add_argument("action", choices=["train"])
    sp.add_argument(
        "--train",
        default="../shared/data/ner/ANERCorp_train.txt",
        help="CoNLL training file (default: %(default)s)",
    )
    sp.add_argument("--out", help="model path (default: the user cache)")

    sp = add(
        "websub",
        cmd_websub,
        "WebSub push instead of polling: `rasid websub serve --public-url URL`, list, unsubscribe",
    )
    sp.add_argument("action", choices=["serve", "list", "unsubscribe"])
    sp.add_argument(
        "feed",
        nargs="?",
        help="with list or unsubscribe: a feed or subscription id (default: all of them)",
    )
    sp.add_argument(
        "--public-url", help="https base URL hubs call back; callbacks are URL/websub/<id>"
    )
    sp.add_argument("--port", type=int, default=8090, help="with serve (default: %(default)s)")
    sp.add_argument("--host", default="127.0.0.1", help="bind address (put a TLS proxy in front)")
    sp.add_argument("--discover-all", action="store_true", help="GET every feed to look for a hub")
    sp.add_argument("--feeds", metavar="FILE", help="feed registry (default: config/feeds.yaml)")
    sp.add_argument(
        "--rules", metavar="FILE", help="rules for pushed articles (default: config/alerts.yaml)"
    )
    store_opt(sp)

    sp = add("kibana", cmd_kibana, "import Rasid's saved objects into Kibana: `rasid kibana setup`")
    sp.add_argument("action", choices=["setup"])
    sp.add_argument(
        "--kibana-url", default="http://localhost:5601", help="Kibana (default: %(default)s)"
    )
    store_opt(sp)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        err.print(str(exc), markup=False)
        return 2
    except ConfigError as exc:
        err.print(f"[red]configuration error[/red]\n{escape(str(exc))}")
        return 2
    except StoreError as exc:
        err.print(f"[red]store error ({exc.cause}):[/red] {escape(str(exc))}")
        return 3
    except (BrokenPipeError, ReaderGone):
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
