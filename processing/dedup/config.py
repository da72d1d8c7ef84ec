"""Tunable parameters of deduplication and story clustering, with the values measured best
on SaudiNewsNet (see docs/dedup.md for how each was chosen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class DedupConfig:
    window_hours: float = 72.0  # how long an article can be matched, and a story stay open

    # near-duplicates: MinHash LSH over word 3-shingles of the normalised body
    shingle_size: int = 3
    num_perm: int = 128
    lsh_bands: int = 42  # 42 bands x 3 rows: a pair at J=0.5 becomes a candidate 99.6% of the time
    lsh_rows: int = 3
    seed: int = 1
    near_threshold: float = 0.5  # exact Jaccard of shingle sets, verified on every candidate
    min_shingles: int = 10  # shorter bodies (captions, "photos: ..." stubs) are never near-dups
    max_candidates: int = 50  # verify at most this many, most shared bands first
    index_duplicates: bool = True  # duplicates are indexed too: a reprint of a reprint links

    # stories: online single-pass clustering, TF-IDF of title + lead against story centroids
    story_threshold: float = 0.3  # cosine to the closest open story's centroid
    lead_tokens: int = 60
    title_boost: float = 2.0
    vector_terms: int = 30
    centroid_terms: int = 60
    index_terms: int = 15  # a story is found through its heaviest terms
    query_terms: int = 10  # an article looks stories up through its heaviest terms
    max_story_candidates: int = 12  # compared in full, most shared terms first

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.window_hours)
