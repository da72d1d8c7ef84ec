"""Near-duplicate detection: MinHash LSH finds candidates, exact Jaccard decides.

LSH alone estimates similarity with ±0.04 noise at 128 permutations; verifying every
candidate on the exact shingle sets is what keeps precision up at the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import numpy as np

from processing.dedup.config import DedupConfig
from processing.dedup.minhash import MinHasher
from processing.dedup.state import DedupState, DocEntry
from processing.dedup.text import jaccard, shingle_hashes
from processing.normalize import tokens


@dataclass(frozen=True, slots=True)
class Fingerprint:
    shingles: np.ndarray  # sorted unique uint32
    bands: np.ndarray  # int64 band keys; empty when the text is too short to compare

    @property
    def comparable(self) -> bool:
        return len(self.bands) > 0


class Match(NamedTuple):
    original_id: str  # the root of the matched duplicate group
    similarity: float  # exact Jaccard with the closest member of that group
    matched_id: str  # the member it was closest to


class NearDuplicateIndex:
    """``query`` then ``add`` each article; the index itself lives in a ``DedupState``."""

    def __init__(self, state: DedupState, config: DedupConfig | None = None) -> None:
        self.state = state
        self.config = config or DedupConfig()
        c = self.config
        self.hasher = MinHasher(c.num_perm, c.lsh_bands, c.lsh_rows, c.seed)

    def fingerprint(self, text: str | None = None, toks: list[str] | None = None) -> Fingerprint:
        toks = tokens(text or "") if toks is None else toks
        sh = shingle_hashes(toks, self.config.shingle_size)
        if len(sh) < self.config.min_shingles:
            return Fingerprint(sh, np.empty(0, dtype=np.int64))
        return Fingerprint(sh, self.hasher.band_keys(self.hasher.signature(sh)))

    def query(
        self, article_id: str, text: str | None = None, fp: Fingerprint | None = None
    ) -> Match | None:
        """The closest earlier article at or above the threshold, or None."""
        fp = fp or self.fingerprint(text)
        if not fp.comparable:
            return None
        hits = self.state.lsh_candidates(fp.bands.tolist())
        hits.pop(article_id, None)
        if not hits:
            return None
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[: self.config.max_candidates]
        best: tuple[float, str, DocEntry] | None = None
        for cid, _ in ranked:
            doc = self.state.get_doc(cid)
            if doc is None:
                continue
            sim = jaccard(fp.shingles, doc.shingles)
            if best is None or sim > best[0] or (sim == best[0] and cid < best[1]):
                best = (sim, cid, doc)
        if best is None or best[0] < self.config.near_threshold:
            return None
        sim, cid, doc = best
        return Match(doc.root or cid, round(sim, 4), cid)

    def add(
        self,
        article_id: str,
        fp: Fingerprint,
        seen_at: datetime,
        root: str | None,
        story_id: str,
        source: str = "",
        similarity: float | None = None,
    ) -> None:
        """Index an article. Duplicates are indexed too unless the config says otherwise;
        either way they point at their group's original."""
        is_dup = root is not None and root != article_id
        bands = fp.bands if (not is_dup or self.config.index_duplicates) else fp.bands[:0]
        self.state.put_doc(
            DocEntry(
                article_id=article_id,
                seen_at=seen_at,
                shingles=fp.shingles,
                bands=bands,
                root=root or article_id,
                story_id=story_id,
                source=source,
                similarity=similarity,
            )
        )
