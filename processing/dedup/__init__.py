"""Deduplication and story clustering.

Public surface (see docs/dedup.md):

- ``content_hash(title, body)``: hash of the normalised text (exact duplicates).
- ``NearDuplicateIndex``: MinHash LSH over word shingles; the pair decision (exact
  Jaccard, coverage of re-worded copies, recurring templates) is in ``decide.py``.
- ``StoryClusterer`` / ``Story``: online clustering of articles about one event.
- ``DedupState`` (protocol), ``InMemoryDedupState``; SQLite lives in ``store.dedup_sqlite``.
- ``deduplicate(batch, state, now, config=None) -> DedupResult``: the pipeline's one call.
- ``evaluate_dedup(data_dir) -> dict`` in ``processing.dedup.evaluate``.
"""

from processing.dedup.config import DedupConfig
from processing.dedup.engine import DedupResult, Verdict, deduplicate
from processing.dedup.near import Fingerprint, Match, NearDuplicateIndex
from processing.dedup.state import DedupState, DocEntry, InMemoryDedupState, Story
from processing.dedup.stories import StoryClusterer
from processing.dedup.text import content_hash

__all__ = [
    "DedupConfig",
    "DedupResult",
    "DedupState",
    "DocEntry",
    "Fingerprint",
    "InMemoryDedupState",
    "Match",
    "NearDuplicateIndex",
    "Story",
    "StoryClusterer",
    "Verdict",
    "content_hash",
    "deduplicate",
]
