"""Top stories: the stored articles grouped by story, biggest first (``rasid stories``).

What Kibana's dashboard would show, for the embedded store and the terminal: each story
once, with its coverage (how many articles, which outlets, since when) and how fast it is
growing. Pure: the caller reads the articles from the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.evaluate import story_key
from processing.dedup.engine import article_time
from rasid.records import Article

RECENT = timedelta(hours=1)  # "growing": articles within this of the story's newest one


@dataclass(frozen=True)
class StorySummary:
    key: str  # story id, else the original a copy duplicates, else the article itself
    title: str  # its first article's, as written
    url: str  # its first article's
    articles: int
    duplicates: int  # of those, near or exact copies of another article
    sources: tuple[str, ...]  # outlets, in the order they carried it
    first_seen: datetime  # news time: published, else fetched
    last_seen: datetime
    last_hour: int  # articles within the hour before its newest one

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": self.key,
            "title": self.title,
            "url": self.url,
            "articles": self.articles,
            "duplicates": self.duplicates,
            "sources": list(self.sources),
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "last_hour": self.last_hour,
        }


def top_stories(
    articles: Iterable[Article], now: datetime, *, limit: int = 10, min_articles: int = 1
) -> list[StorySummary]:
    """The stories of ``articles``, most articles first, then most outlets, then newest."""
    groups: dict[str, list[tuple[datetime, Article]]] = {}
    for art in articles:
        groups.setdefault(story_key(art), []).append((article_time(art, now), art))
    out: list[StorySummary] = []
    for key, members in groups.items():
        if len(members) < min_articles:
            continue
        members.sort(key=lambda m: (m[0], m[1].id))
        first, last = members[0], members[-1]
        sources = tuple(dict.fromkeys(a.source for _, a in members if a.source))
        out.append(
            StorySummary(
                key=key,
                title=first[1].title,
                url=first[1].url or first[1].canonical_url or "",
                articles=len(members),
                duplicates=sum(1 for _, a in members if a.duplicate_of),
                sources=sources,
                first_seen=first[0],
                last_seen=last[0],
                last_hour=sum(1 for t, _ in members if t >= last[0] - RECENT),
            )
        )
    out.sort(key=lambda s: (-s.articles, -len(s.sources), -s.last_seen.timestamp(), s.key))
    return out[:limit]
