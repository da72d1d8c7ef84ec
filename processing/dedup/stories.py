"""Online story clustering: each article joins the closest open story or starts one.

Single pass, one comparison per candidate story (not per article), so the cost per article
stays flat as the window fills. Candidates come from an inverted index of the stories'
heaviest terms; the decision is the cosine between the article's TF-IDF vector (title and
lead) and the story centroid. Reprints skip the vote and join their original's story.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from itertools import repeat
from operator import mul

from processing.dedup.config import DedupConfig
from processing.dedup.state import DedupState, Story
from processing.dedup.text import tfidf_vector


def cosine_to_centroid(
    vec: dict[str, float], centroid: dict[str, float], norm: float | None = None
) -> float:
    """Cosine of a unit vector with an unnormalised centroid (``norm``: its L2 norm, if known)."""
    if norm is None:
        norm = math.sqrt(sum(w * w for w in centroid.values()))
    if not norm:
        return 0.0
    # The same products summed in the same order as a generator would, without its overhead.
    return sum(map(mul, vec.values(), map(centroid.get, vec, repeat(0.0)))) / norm


def story_id_for(article_id: str) -> str:
    """Stable: a story is named after the article that opened it."""
    return f"s-{article_id}"


class StoryClusterer:
    def __init__(self, state: DedupState, config: DedupConfig | None = None) -> None:
        self.state = state
        self.config = config or DedupConfig()

    def vector(self, tf: Counter[str], at: datetime) -> dict[str, float]:
        """Count the article's terms in the window statistics, then weigh them by them."""
        self.state.add_terms(at.date(), tf.keys())
        df, n_docs = self.state.term_counts(tf.keys(), at - self.config.window)
        return tfidf_vector(tf, df, n_docs, self.config.vector_terms)

    def closest(self, vec: dict[str, float], at: datetime) -> tuple[Story | None, float]:
        if not vec:
            return None, 0.0
        query = sorted(vec, key=lambda t: (-vec[t], t))[: self.config.query_terms]
        best: tuple[float, str] | None = None
        stories: dict[str, Story] = {}
        hits = self.state.story_candidates(query, at - self.config.window)
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
        for sid, _ in ranked[: self.config.max_story_candidates]:
            story = self.state.get_story(sid)
            if story is None or story.last_seen < at - self.config.window:
                continue
            stories[sid] = story
            sim = cosine_to_centroid(vec, story.centroid, story.centroid_norm())
            if best is None or sim > best[0] or (sim == best[0] and sid < best[1]):
                best = (sim, sid)
        if best is None:
            return None, 0.0
        return stories[best[1]], best[0]

    def assign(
        self,
        article_id: str,
        vec: dict[str, float],
        at: datetime,
        source: str,
        title: str,
        forced_story: str | None = None,
        closest: tuple[Story | None, float] | None = None,
    ) -> tuple[Story, float | None]:
        """Join ``forced_story`` (a reprint's original's) if it is still open, else the
        closest story above the threshold, else open a new one. Returns the story and the
        cosine that decided (None when forced or new). ``closest``: what ``closest(vec,
        at)`` returned, when the caller already asked (the state has not changed since)."""
        story = self.state.get_story(forced_story) if forced_story else None
        sim: float | None = None
        if story is None:
            candidate, score = closest if closest is not None else self.closest(vec, at)
            if candidate is not None and score >= self.config.story_threshold:
                story, sim = candidate, round(score, 4)
        if story is None:
            story = Story(
                id=story_id_for(article_id),
                first_seen=at,
                last_seen=at,
                title=title,
                lead_article_id=article_id,
            )
        story.add(article_id, at, source)
        story.add_vector(vec)
        story.trim(at - self.config.window, self.config.centroid_terms)
        index = sorted(story.centroid, key=lambda t: (-story.centroid[t], t))
        self.state.put_story(story, index[: self.config.index_terms])
        return story, sim
