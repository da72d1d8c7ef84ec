"""The one call the pipeline makes per batch: ``deduplicate(batch, state, now)``.

Per article, in time order, the first rule that fires decides:

1. ``same-url``: canonical URL or feed GUID already seen: the same article again
   (a re-poll, an update). Nothing is counted twice.
2. ``exact``: same normalised title and body as an earlier article at another URL.
3. ``near``: a reprint with edits of an earlier article: exact Jaccard of word 3-shingles
   >= threshold, or a re-worded copy whose shared shingle runs cover most of both texts,
   unless the shared wording is a recurring template (``decide.py``). Candidates come from
   LSH and, failing a copy there, from the story the article is about to join. Linked
   through ``duplicate_of``, never dropped.
4. ``new``.

Every article except ``same-url`` is then placed in a story: reprints join their original's
story, others the closest open story or a new one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from processing.dedup.config import DedupConfig
from processing.dedup.near import NearDuplicateIndex
from processing.dedup.state import DedupState, Story
from processing.dedup.stories import StoryClusterer
from processing.dedup.text import content_hash, story_terms
from processing.normalize import tokens
from processing.urls import canonical_url
from rasid.records import Article

Kind = Literal["new", "exact", "near", "same-url"]


@dataclass(slots=True)
class Verdict:
    article_id: str
    kind: Kind
    duplicate_of: str | None = None  # the group's original (None for new, and for a re-poll)
    similarity: float | None = None  # 1.0 for exact and same-url, Jaccard for near
    story_id: str | None = None
    matched_on: str | None = None  # "url" | "guid" | "hash" | "shingles"
    story_similarity: float | None = None  # cosine that put a new article in an open story


@dataclass(slots=True)
class DedupResult:
    articles: list[Article]  # the batch, in input order, with the dedup fields set
    verdicts: list[Verdict]  # one per article, same order
    stories: dict[str, Story] = field(default_factory=dict)  # stories this batch touched
    pruned: int = 0  # records that fell out of the window before the batch

    def __iter__(self) -> Iterator[tuple[Article, Verdict]]:
        return iter(zip(self.articles, self.verdicts, strict=True))

    def counts(self) -> Counter[str]:
        return Counter(v.kind for v in self.verdicts)


def article_time(article: Article, now: datetime) -> datetime:
    """When the article entered the news: published, else fetched; never in the future."""
    at = article.published_at or article.fetched_at
    return min(at, now)


def deduplicate(
    batch: Sequence[Article],
    state: DedupState,
    now: datetime,
    config: DedupConfig | None = None,
) -> DedupResult:
    """Set ``content_hash``, ``duplicate_of``, ``similarity`` and ``story_id`` on every
    article of the batch (in place) and say what each one was.

    The whole batch runs in one state transaction, after pruning what is older than the
    window, so concurrent runs sharing a store see each other's articles.
    """
    config = config or DedupConfig()
    verdicts: list[Verdict | None] = [None] * len(batch)
    touched: dict[str, Story] = {}
    order = sorted(range(len(batch)), key=lambda i: (article_time(batch[i], now), batch[i].id))
    # The window slides with news time, not wall-clock time: a backfill of last year's
    # articles is deduplicated among itself, and live runs (news time ~ now) stay bounded.
    # Anchored on the batch's oldest article, so nothing any of them may match is pruned.
    horizon = min((article_time(a, now) for a in batch), default=now) - config.window
    with state.transaction(size_hint=len(batch)):
        pruned = state.prune(horizon)
        run = _Run(state, config, now)
        for i in order:
            verdicts[i], story = run.process(batch[i])
            if story is not None:
                touched[story.id] = story
        # Snapshots: a state may keep (and later batches change) the live objects.
        touched = {sid: s.copy() for sid, s in touched.items()}
    return DedupResult(list(batch), [v for v in verdicts if v is not None], touched, pruned)


class _Run:
    def __init__(self, state: DedupState, config: DedupConfig, now: datetime) -> None:
        self.state, self.config, self.now = state, config, now
        self.near = NearDuplicateIndex(state, config)
        self.stories = StoryClusterer(state, config)

    def process(self, a: Article) -> tuple[Verdict, Story | None]:
        state = self.state
        at = article_time(a, self.now)
        curl = a.canonical_url or canonical_url(a.url)
        toks = tokens(a.body)
        a.content_hash = content_hash(a.title, a.body, toks)

        seen = self._seen(a, curl)
        if seen is not None:
            return seen, None

        fp = self.near.fingerprint(toks=toks)
        tf = story_terms(a.title, toks, self.config.lead_tokens, self.config.title_boost)
        vec = self.stories.vector(tf, at)
        closest: tuple[Story | None, float] | None = None

        def joining() -> str | None:
            """The story the article would join by its vector (asked once, if needed)."""
            nonlocal closest
            if closest is None:
                closest = self.stories.closest(vec, at)
            story, score = closest
            return story.id if story is not None and score >= self.config.story_threshold else None

        kind: Kind = "new"
        root: str | None = None
        sim: float | None = None
        matched_on: str | None = None
        forced: str | None = None
        original = state.get_key("hash", a.content_hash)
        if original is not None and original != a.id:
            doc = state.get_doc(original)
            kind, sim, matched_on = "exact", 1.0, "hash"
            root = doc.root if doc else original
            forced = doc.story_id if doc else None
        else:
            match = self.near.query(a.id, fp=fp, at=at, story=joining)
            if match is not None:
                kind, matched_on = "near", "shingles"
                root, sim = match.original_id, match.similarity
                doc = state.get_doc(match.matched_id)
                forced = doc.story_id if doc else None

        story, story_sim = self.stories.assign(a.id, vec, at, a.source, a.title, forced, closest)

        self.near.add(a.id, fp, at, root, story.id, a.source, sim)
        state.put_key("url", curl, a.id, at)
        if a.guid:
            state.put_key("guid", a.guid, a.id, at)
        if original is None:
            state.put_key("hash", a.content_hash, a.id, at)

        a.duplicate_of, a.similarity, a.story_id = root, sim, story.id
        verdict = Verdict(a.id, kind, root, sim, story.id, matched_on, story_sim)
        return verdict, story

    def _seen(self, a: Article, curl: str) -> Verdict | None:
        """The same article again (by canonical URL, then GUID)."""
        for kind, key in (("url", curl), ("guid", a.guid)):
            if not key:
                continue
            prev = self.state.get_key(kind, key)
            if prev is None:
                continue
            doc = self.state.get_doc(prev)
            if prev == a.id:
                # A re-poll keeps the verdict it got the first time.
                dup = doc.root if doc and doc.root != a.id else None
                sim = doc.similarity if dup else 1.0
            else:
                dup, sim = (doc.root if doc else prev), 1.0
            story_id = doc.story_id if doc else None
            a.duplicate_of, a.similarity, a.story_id = dup, sim, story_id
            return Verdict(a.id, "same-url", dup, sim, story_id, kind)
        return None
