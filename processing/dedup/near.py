"""Near-duplicate detection: MinHash LSH finds candidates, exact shingle sets decide.

LSH alone estimates similarity with ±0.04 noise at 128 permutations; verifying every
candidate on the exact shingle sets is what keeps precision up at the threshold. Below the
Jaccard threshold, re-worded copies are recognised by how much of both texts the shared
shingle runs cover; template texts (the same fixed wording on many days) are told apart by
how often their shared wording recurs among the other candidates (``decide.py``).

LSH misses a re-worded copy at J 0.3-0.4 6-32 % of the time. Such a copy nearly always
joins its original's story, so when no LSH candidate is a copy, the story the article is
about to join offers its recent members too (``story_candidates``). Each document is posted
under a key of its story next to its band keys, so the members are found through the same
index and persisted by every ``DedupState`` without a new table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np

from processing.dedup.config import DedupConfig
from processing.dedup.decide import PairVerdict, measure_floor, pair_verdict
from processing.dedup.minhash import MinHasher
from processing.dedup.state import DedupState, DocEntry
from processing.dedup.text import jaccard, shingles_and_words, unique_sorted
from processing.normalize import tokens


@dataclass(frozen=True, slots=True)
class Fingerprint:
    shingles: np.ndarray  # sorted unique uint32
    bands: np.ndarray  # int64 band keys; empty when the text is too short to compare
    # the shingles in text order (not stored: only the new article's side of a pair needs it)
    sequence: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint32))
    # sorted unique uint32 hashes of its distinct word tokens (unigram containment)
    words: np.ndarray | None = None

    @property
    def comparable(self) -> bool:
        return len(self.bands) > 0


class Match(NamedTuple):
    original_id: str  # the root of the matched duplicate group
    similarity: float  # exact Jaccard with the closest member of that group
    matched_id: str  # the member it was closest to


def story_key(story_id: str) -> int:
    """The index key under which a story's members are posted, next to their band keys: a
    signed 64-bit hash of the story id (a clash with a band key is as likely as a 64-bit
    collision), so any store that holds the LSH buckets holds story membership too."""
    digest = hashlib.blake2b(b"story\x1f" + story_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


Scored = list[tuple[float, str, DocEntry]]


class NearDuplicateIndex:
    """``query`` then ``add`` each article; the index itself lives in a ``DedupState``."""

    def __init__(self, state: DedupState, config: DedupConfig | None = None) -> None:
        self.state = state
        self.config = config or DedupConfig()
        c = self.config
        self.hasher = MinHasher(c.num_perm, c.lsh_bands, c.lsh_rows, c.seed)

    def fingerprint(self, text: str | None = None, toks: list[str] | None = None) -> Fingerprint:
        toks = tokens(text or "") if toks is None else toks
        seq, words = shingles_and_words(toks, self.config.shingle_size)
        sh = unique_sorted(seq)
        if len(sh) < self.config.min_shingles:
            return Fingerprint(sh, np.empty(0, dtype=np.int64), seq, words)
        return Fingerprint(sh, self.hasher.band_keys(self.hasher.signature(sh)), seq, words)

    def query(
        self,
        article_id: str,
        text: str | None = None,
        fp: Fingerprint | None = None,
        at: datetime | None = None,
        story: Callable[[], str | None] | None = None,
    ) -> Match | None:
        """The most similar earlier article that is a near-duplicate (``decide.is_copy``),
        or None. ``at`` (the article's time) lets the template check count its day.

        When no LSH candidate is a copy, ``story`` (called then only) may name the story
        the article is about to join. Its most recent members (``story_candidates``) from
        duplicate groups that LSH did not offer at all are decided too, by the same rule and
        with the same template evidence (the LSH candidates: more candidates there would
        make reprints of a template look like other days' templates). Groups that LSH did
        offer have been judged already."""
        fp = fp or self.fingerprint(text)
        scored = self.candidates(article_id, fp)
        c = self.config
        match = self._first_copy(fp, at, scored, scored)
        if match is not None or story is None or not c.story_candidates or not fp.comparable:
            return match
        story_id = story()
        if story_id is None:
            return None
        offered = {doc.root for _, _, doc in scored}
        members = self.story_members(story_id, article_id, offered, c.story_candidates)
        extra = [(jaccard(fp.shingles, doc.shingles), cid, doc) for cid, doc in members]
        extra.sort(key=lambda t: (-t[0], t[1]))
        return self._first_copy(fp, at, extra, scored)

    def _first_copy(
        self, fp: Fingerprint, at: datetime | None, tried: Scored, evidence: Scored
    ) -> Match | None:
        c = self.config
        floor = measure_floor(c)
        for sim, cid, doc in tried:
            if sim < floor:
                break
            if self.judge(fp, at, cid, doc, evidence, sim).copy:
                return Match(doc.root or cid, round(sim, 4), cid)
        return None

    def story_members(
        self, story_id: str, article_id: str, skip_groups: set[str], limit: int
    ) -> list[tuple[str, DocEntry]]:
        """The ``limit`` most recent indexed members of a story (ties by id), other than
        ``article_id`` and members of the duplicate groups (roots) in ``skip_groups``."""
        members = []
        for cid in self.state.lsh_candidates([story_key(story_id)]):
            if cid == article_id:
                continue
            doc = self.state.get_doc(cid)
            if doc is not None and doc.story_id == story_id and doc.root not in skip_groups:
                members.append((cid, doc))
        members.sort(key=lambda t: (t[1].seen_at, t[0]), reverse=True)
        return members[:limit]

    def candidates(self, article_id: str, fp: Fingerprint) -> Scored:
        """(exact Jaccard, id, entry) of the LSH candidates (at most ``max_candidates``,
        most shared bands first), most similar first, ties by id so that the decision does
        not depend on the store."""
        if not fp.comparable:
            return []
        hits = self.state.lsh_candidates(fp.bands.tolist())
        hits.pop(article_id, None)
        ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[: self.config.max_candidates]
        scored: Scored = []
        for cid, _ in ranked:
            doc = self.state.get_doc(cid)
            if doc is not None:
                scored.append((jaccard(fp.shingles, doc.shingles), cid, doc))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return scored

    def judge(
        self,
        fp: Fingerprint,
        at: datetime | None,
        cid: str,
        doc: DocEntry,
        scored: Sequence[tuple[float, str, DocEntry]],
        sim: float | None = None,
        measure_all: bool = False,
    ) -> PairVerdict:
        """Is the stored ``doc`` a copy of the new article?  ``scored`` (from
        ``candidates``) supplies the other candidates for the template check."""
        others = ((s, d.seen_at.date(), d.shingles) for s, i, d in scored if i != cid)
        return pair_verdict(
            fp.sequence,
            fp.shingles,
            doc.shingles,
            doc.seen_at.date(),
            at.date() if at is not None else None,
            others,
            self.config,
            sim,
            measure_all,
            fp.words,
            doc.words,
        )

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
        if len(bands) and self.config.story_candidates:
            # posted under its story too, so that the story's members can be found
            bands = np.append(bands, np.int64(story_key(story_id)))
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
                words=fp.words,
            )
        )
