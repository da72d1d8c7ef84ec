"""``rasid alerts test RULE``: which recent articles a rule would match, without alerting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

from alerts.rules import Rule, analyse, match_analysed, may_match
from processing.normalize import normalize
from rasid.records import Article
from store.base import Store

PREVIEW_DAYS = 30.0  # how far back `rasid alerts test` looks


def find_rule(rule_or_id: Rule | str, rules: list[Rule]) -> Rule:
    if isinstance(rule_or_id, Rule):
        return rule_or_id
    for rule in rules:
        if rule.id == rule_or_id:
            return rule
    known = ", ".join(r.id for r in rules) or "none"
    raise KeyError(f"no rule {rule_or_id!r} (known: {known})")


def preview(
    rule_or_id: Rule | str,
    store: Store,
    rules: list[Rule],
    limit: int = 20,
    *,
    since: datetime | None = None,
    days: float = PREVIEW_DAYS,
) -> list[tuple[Article, list[str]]]:
    """Newest-first articles ingested in the last ``days`` (or since ``since``) that the rule
    matches, with the matched terms. Works on a disabled rule too (that is what a test is for).
    ``min_story_size`` and ``spike`` are not applied: the preview shows matching articles, not
    alerts."""
    rule = find_rule(rule_or_id, rules)
    return list(islice(_matches(rule, store, since, days), limit))


def preview_counted(
    rule_or_id: Rule | str,
    store: Store,
    rules: list[Rule],
    limit: int = 20,
    *,
    since: datetime | None = None,
    days: float = PREVIEW_DAYS,
) -> tuple[list[tuple[Article, list[str]]], int]:
    """``preview`` and how many articles match in all (not only the ``limit`` shown), so
    the CLI can say "showing 3 of 12". The window's articles are loaded either way; the
    rest are only screened by the cheap substring test unless they may match."""
    rule = find_rule(rule_or_id, rules)
    shown: list[tuple[Article, list[str]]] = []
    total = 0
    for match in _matches(rule, store, since, days):
        total += 1
        if len(shown) < limit:
            shown.append(match)
    return shown, total


def _matches(
    rule: Rule, store: Store, since: datetime | None, days: float
) -> Iterator[tuple[Article, list[str]]]:
    compiled = rule.compiled()
    if since is None:
        since = datetime.now(UTC) - timedelta(days=days)
    for art in reversed(store.articles_ingested_since(since)):
        texts = {f: normalize(getattr(art, f) or "") for f in compiled.fields}
        # A necessary condition for a match: skips the per-token analysis for most articles.
        if not may_match(compiled, texts):
            continue
        terms = match_analysed(compiled, analyse(art))
        if terms is not None:
            yield art, terms
