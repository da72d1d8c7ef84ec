"""The near-duplicate decision for one candidate pair, beyond plain shingle Jaccard.

Plain Jaccard of word 3-shingles misses press releases that each outlet re-words lightly
(one changed word every few words kills three shingles, so J falls to 0.3-0.5 although
most of both texts is the same copy), and it links template texts about different subjects
or days (the daily weather report, the king's congratulation cables) whose fixed wording
gives them J 0.4-0.56. Two signals, both computed from what the index already stores (the
candidate's shingle set and time, and the other LSH candidates), plus the new article's
shingles in text order:

* **Coverage** (recall). The share of the new article's tokens that lie inside a shared
  shingle, over the whole text and over its lead, and the same share estimated for the
  candidate. Re-wording breaks shingles but leaves most tokens covered by the shared runs
  between the edits. An article that shares only a paragraph with a longer one, or a
  separately written report of the same event, leaves much of one text, or of the new
  article's lead, uncovered.
* **Unigram containment** (recall, when both word sets are known). The share of the
  shorter text's distinct words found in the other. A copy with a word changed or added
  every three or four words keeps nearly all of them while J falls below
  ``reword_min_jaccard``; down to ``unigram_min_jaccard`` such a pair is judged by the
  coverage tests too. Entries stored without a word set are decided without it.
* **Recurrence** (precision). A template's fixed wording recurs in the window on many
  days; a reprint's shared text does not. A shared shingle that also occurs in other
  candidates (that are not themselves copies, J < ``template_max_jaccard``) of at least
  ``template_days`` distinct calendar days, the pair's own days included, is template
  wording. When it is most of the shared text, the rest (the residual Jaccard) must still
  be similar: the same subject. Otherwise the pair is the same template about another
  country or day. Such a pair must also cover both texts and the new article's lead as a
  re-worded copy does, whatever its Jaccard: template wording inflates J, so J >= the
  threshold alone is no evidence of one copy (the next day's weather report at J 0.57,
  with another lead).

``pair_verdict`` measures one pair; ``is_copy`` decides from the measurements and the
thresholds in ``DedupConfig``, so that a labelled set can be re-scored under other
thresholds without streaming the corpus again (``bench/quality/dedup_pair_features.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from processing.dedup.config import DedupConfig


@dataclass(frozen=True, slots=True)
class PairVerdict:
    jaccard: float  # exact Jaccard of the shingle sets
    coverage: float  # share of the new article's tokens inside a shared shingle
    coverage_other: float  # the same share for the candidate (estimated from its set size)
    lead_coverage: float  # the share within the new article's first ``reword_lead`` tokens
    template_share: float  # share of the shared shingles that are recurring template wording
    residual: float  # Jaccard once that template wording is taken out of both texts
    copy: bool  # the decision under the config it was measured with
    # share of the shorter text's distinct word tokens found in the other's; None when the
    # candidate was stored without its word set (the rule then decides without it)
    unigram: float | None = None


def token_coverage(sequence: np.ndarray, shared: np.ndarray, k: int = 3) -> np.ndarray:
    """Per token of the text whose k-shingles (in text order) are ``sequence``: is it
    inside a shingle that belongs to ``shared``?  (len(sequence) + k - 1 tokens.)"""
    n = len(sequence)
    hit = np.isin(sequence, shared)
    covered = np.zeros(n + k - 1, dtype=bool)
    for i in range(k):
        covered[i : n + i] |= hit
    return covered


def coverage(
    sequence: np.ndarray, shared: np.ndarray, other_size: int, lead: int, k: int = 3
) -> tuple[float, float, float]:
    """(coverage of the new text, estimated coverage of the candidate, coverage of the new
    text's first ``lead`` tokens). The candidate's tokens are not stored; its shared runs
    are the same runs, so it has about as many covered tokens, out of about
    ``other_size`` + k - 1 (its shingle count) tokens."""
    if not len(sequence) or not len(shared):
        return 0.0, 0.0, 0.0
    covered = token_coverage(sequence, shared, k)
    n_cov = int(covered.sum())
    return (
        n_cov / len(covered),
        min(1.0, n_cov / (other_size + k - 1)),
        float(covered[:lead].mean()),
    )


def recurring(
    shared: np.ndarray, others: Iterable[tuple[date, np.ndarray]], own_days: set[date], days: int
) -> np.ndarray:
    """Which of the ``shared`` shingles occur on at least ``days`` distinct days, counting
    ``own_days`` (the pair's) and the day of every other article in ``others``."""
    need = days - len(own_days)
    if need <= 0:
        return np.ones(len(shared), dtype=bool)
    per_day: dict[date, np.ndarray] = {}
    for day, sh in others:
        if day in own_days:
            continue  # the pair's own days count for every shingle already
        hit = np.isin(shared, sh, assume_unique=True)
        if day in per_day:
            per_day[day] |= hit
        else:
            per_day[day] = hit
    if len(per_day) < need:
        return np.zeros(len(shared), dtype=bool)
    return np.sum(list(per_day.values()), axis=0) >= need


def residual_jaccard(a: np.ndarray, b: np.ndarray, shared: np.ndarray, drop: np.ndarray) -> float:
    """Jaccard of ``a`` and ``b`` once the ``drop`` mask of their ``shared`` shingles (the
    template wording) is taken out of both."""
    n_drop = int(drop.sum())
    inter = len(shared) - n_drop
    union = len(a) + len(b) - len(shared) - n_drop
    return inter / union if union > 0 else 0.0


def measure_floor(c: DedupConfig) -> float:
    """The Jaccard below which no pair is a copy (and none is measured further)."""
    floor = min(c.near_threshold, c.reword_min_jaccard)
    if c.unigram_containment <= 1 or c.both_coverage <= 1:
        floor = min(floor, c.unigram_min_jaccard)
    return floor


def unigram_containment(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """Share of the shorter text's distinct word hashes (sorted unique) found in the
    other's; None when either set is unknown."""
    if a is None or b is None:
        return None
    lo = min(len(a), len(b))
    if not lo:
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / lo


def is_copy(v: PairVerdict, c: DedupConfig) -> bool:
    """The decision, from a pair's measurements."""
    if v.jaccard < measure_floor(c):
        return False
    covered = (
        v.coverage >= c.reword_coverage
        and v.coverage_other >= c.reword_coverage
        and v.lead_coverage >= c.reword_lead_coverage
    )
    reworded = covered and v.jaccard >= c.reword_min_jaccard
    # Unigram containment (when both word sets are known): a copy re-worded in many places
    # keeps most of the shorter text's words though few shingles survive, so the coverage
    # tests are trusted down to a lower Jaccard.
    contained = (
        covered
        and v.jaccard >= c.unigram_min_jaccard
        and v.unigram is not None
        and v.unigram >= c.unigram_containment
    )
    # A rewritten lead hides a reprint whose body is otherwise the other's almost whole.
    covers_both = (
        v.jaccard >= c.unigram_min_jaccard
        and v.coverage >= c.both_coverage
        and v.coverage_other >= c.both_coverage
    )
    if v.jaccard < c.near_threshold and not (reworded or contained or covers_both):
        return False
    if v.jaccard < c.template_max_jaccard and v.template_share >= c.template_share:
        # Most of the shared text is template wording, so J overstates how much of the two
        # texts is one copy: the pair must still be similar without it (the residual), and
        # cover both texts and the lead like a re-worded copy, even at J >= near_threshold.
        return reworded and v.residual >= c.template_residual
    return True


def pair_verdict(
    sequence: np.ndarray,
    shingles: np.ndarray,
    other: np.ndarray,
    other_day: date,
    own_day: date | None,
    others: Iterable[tuple[float, date, np.ndarray]],
    c: DedupConfig,
    sim: float | None = None,
    measure_all: bool = False,
    words: np.ndarray | None = None,
    other_words: np.ndarray | None = None,
) -> PairVerdict:
    """Measure and decide the new article (``sequence``: its shingles in text order;
    ``shingles``: the sorted unique set; ``own_day``: its day, if known) against a stored
    candidate (``other``, ``other_day``), given the other candidates as (Jaccard with the
    new article, day, shingles). ``sim`` is the pair's Jaccard when already known.
    ``words`` and ``other_words`` are the two word-hash sets (unigram containment).

    Pairs below every threshold are not measured further unless ``measure_all`` (a
    labelled pair being scored for a threshold sweep)."""
    shared = np.intersect1d(shingles, other, assume_unique=True)
    if sim is None:
        union = len(shingles) + len(other) - len(shared)
        sim = len(shared) / union if union else 0.0
    cov = cov_other = lead = share = 0.0
    residual = sim
    unigram = None
    if measure_all or sim >= measure_floor(c):
        unigram = unigram_containment(words, other_words)
        cov, cov_other, lead = coverage(sequence, shared, len(other), c.reword_lead, c.shingle_size)
        if len(shared) and (measure_all or sim < c.template_max_jaccard):
            own = {other_day} | ({own_day} if own_day is not None else set())
            # Candidates that are copies of the new article share its text for that reason.
            rest = ((day, sh) for s, day, sh in others if s < c.template_max_jaccard)
            drop = recurring(shared, rest, own, c.template_days)
            share = float(drop.mean())
            residual = residual_jaccard(shingles, other, shared, drop)
    v = PairVerdict(sim, cov, cov_other, lead, share, residual, False, unigram)
    return PairVerdict(sim, cov, cov_other, lead, share, residual, is_copy(v, c), unigram)
