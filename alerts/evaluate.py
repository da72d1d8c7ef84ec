"""Turn newly ingested articles into alerts: one per (rule, story), later articles attached.

The pipeline passes ``store.articles_ingested_since(watermark)`` (ingest time, not
publication time), so an item published hours ago but fetched now is still evaluated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from alerts.rules import Analysed, Rule, Spike, analyse, match_analysed, may_match
from processing.dedup.engine import article_time
from processing.normalize import normalize
from rasid.records import Alert, Article
from store.base import Store
from store.highlight import Phrase, fragments, term_phrases


def story_key(article: Article) -> str:
    """An article's story: its story id, else the original it duplicates, else itself."""
    return article.story_id or article.duplicate_of or article.id


def alert_id(rule_id: str, key: str) -> str:
    return hashlib.sha1(f"{rule_id}\x1f{key}".encode()).hexdigest()[:20]


def story_members(store: Store, key: str) -> list[Article]:
    """Stored articles of a story. Uses ``store.story_articles(key)`` when a backend offers it
    (the search-engine stores), else the embedded store's tables; any other store falls back
    to the current batch only."""
    finder = getattr(store, "story_articles", None)
    if callable(finder):
        return list(finder(key))
    conn = getattr(store, "connection", None)
    if conn is not None:
        lock = getattr(store, "_lock", None)
        sql = "SELECT doc FROM articles WHERE story_id=? OR id=? OR duplicate_of=? ORDER BY rowid"
        try:
            if lock is not None:
                with lock:
                    rows = conn.execute(sql, (key, key, key)).fetchall()
            else:
                rows = conn.execute(sql, (key, key, key)).fetchall()
        except Exception:  # a different schema: degrade to the batch, never fail evaluation
            return []
        return [Article.from_dict(json.loads(r[0])) for r in rows]
    return []


def _snippet(body: str, summary: str, phrases: frozenset[Phrase]) -> str:
    """A plain window around the first place a matched term occurs, a phrase as a whole run:
    a phrase's words one by one («ليبيا» in the lead) are not where it matched. The body
    first, then the summary (a rule may have matched only there); the renderer highlights
    the window per channel."""
    for text in dict.fromkeys((body, summary)):
        found = fragments(text, set(), phrases=phrases, width=200, limit=1, start="", end="")
        if found:
            return found[0]
    return ""


def build_alert(
    rule: Rule, article: Article, terms: list[str], now: datetime, members: Sequence[Article] = ()
) -> Alert:
    body = article.body or article.summary
    snippet = _snippet(body, article.summary, term_phrases(terms))
    if not snippet:
        # A title-only match: the title shows it, and the lead says what the article is about.
        snippet = body if len(body) <= 240 else body[:240].rsplit(" ", 1)[0] + " …"
    others = sorted({m.source for m in members if m.source and m.source != article.source})
    return Alert(
        id=alert_id(rule.id, story_key(article)),
        rule_id=rule.id,
        article_id=article.id,
        title=article.title,
        source=article.source,
        url=article.url or article.canonical_url,
        matched_terms=terms,
        fired_at=now,
        published_at=article.published_at,
        story_id=story_key(article),
        places=list(dict.fromkeys(p.name for p in article.places)),
        other_sources=others,
        snippet=snippet,
    )


def spiking(spike: Spike, members: Sequence[Article], now: datetime) -> bool:
    """Whether the story's articles within ``spike.within`` before its newest one are enough,
    and from enough outlets: the burst is judged where the story is now, so a story that
    broke days ago and gets one more article is not breaking again."""
    if len(members) < spike.articles:
        return False
    times = [article_time(m, now) for m in members]
    since = max(times) - timedelta(seconds=spike.within)
    recent = [m for m, t in zip(members, times, strict=True) if t >= since]
    return len(recent) >= spike.articles and len({m.source for m in recent}) >= spike.sources


def _merge(batch: list[Article], stored: list[Article]) -> list[Article]:
    by_id = {a.id: a for a in stored}
    for a in batch:
        by_id.setdefault(a.id, a)
    return list(by_id.values())


def evaluate(
    rules: list[Rule],
    articles: list[Article],
    store: Store,
    now: datetime,
    *,
    existing: list[Alert] | None = None,
) -> list[Alert]:
    """Match every article against every enabled rule; record new alerts in the store.

    Returns only the alerts that are new. An article of a story that already has an alert
    for the rule is attached to it (``store.attach_to_alert``) and not returned; when
    ``existing`` is given, that alert is appended to it, so a caller can make sure it reached
    the outbox (a run killed between recording and queueing must not lose it).
    """
    active = [r for r in rules if r.enabled]
    if not active or not articles:
        return []
    by_story: dict[str, list[Article]] = {}
    for art in articles:
        by_story.setdefault(story_key(art), []).append(art)
    analysed: dict[str, Analysed] = {}
    normalised: dict[str, dict[str, str]] = {}

    def match(rule: Rule, art: Article) -> list[str] | None:
        compiled = rule.compiled()
        texts = normalised.get(art.id)
        if texts is None:
            texts = normalised[art.id] = {
                "title": normalize(art.title),
                "summary": normalize(art.summary),
                "body": normalize(art.body),
            }
        if not may_match(compiled, texts):
            return None
        if art.id not in analysed:
            analysed[art.id] = analyse(art)
        return match_analysed(compiled, analysed[art.id])

    members_cache: dict[str, list[Article]] = {}

    def members_of(key: str) -> list[Article]:
        if key not in members_cache:
            members_cache[key] = _merge(by_story.get(key, []), story_members(store, key))
        return members_cache[key]

    new: list[Alert] = []
    for art in articles:
        key = story_key(art)
        for rule in active:
            terms = match(rule, art)
            trigger = art
            if rule.min_story_size > 1 or rule.spike is not None:
                members = members_of(key)
                if len(members) < rule.min_story_size:
                    continue
                if rule.spike is not None and not spiking(rule.spike, members, now):
                    continue
                if terms is None:
                    # The story grew: an earlier member may be the one that matches.
                    for m in members:
                        terms = match(rule, m)
                        if terms is not None:
                            trigger = m
                            break
            if terms is None:
                continue
            alert = build_alert(rule, trigger, terms, now, members_of(key))
            if store.record_alert(alert):
                new.append(alert)
                if trigger is not art:
                    store.attach_to_alert(alert.id, art.id, art.source)
            else:
                store.attach_to_alert(alert.id, art.id, art.source)
                if existing is not None:
                    existing.append(alert)
    return new
