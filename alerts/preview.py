"""``rasid alerts test RULE``: which recent articles a rule would match, without alerting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.rules import Rule, analyse, match_analysed
from rasid.records import Article
from store.base import Store


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
    days: float = 30.0,
) -> list[tuple[Article, list[str]]]:
    """Newest-first articles ingested in the last ``days`` (or since ``since``) that the rule
    matches, with the matched terms. Works on a disabled rule too (that is what a test is for).
    ``min_story_size`` and ``spike`` are not applied: the preview shows matching articles, not
    alerts."""
    rule = find_rule(rule_or_id, rules)
    compiled = rule.compiled()
    if since is None:
        since = datetime.now(UTC) - timedelta(days=days)
    out: list[tuple[Article, list[str]]] = []
    for art in reversed(store.articles_ingested_since(since)):
        terms = match_analysed(compiled, analyse(art))
        if terms is not None:
            out.append((art, terms))
            if len(out) >= limit:
                break
    return out
