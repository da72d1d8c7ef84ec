"""Text features for deduplication: content hash, word shingles, story terms.

All of them start from ``processing.normalize`` so spelling variants between outlets
(أ/إ/ا, ة/ه, ى/ي, tatweel, diacritics, Eastern digits) never make two copies look different.
Hashes are stable across processes and machines (crc32, sha1), because they are persisted.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

from processing.normalize import match_forms, normalize, tokens

# Odd 64-bit multipliers (golden ratio, murmur) to mix three token hashes into one shingle hash.
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)
_SHIFT = np.uint64(32)

# Function words that carry no event information; IDF learns the rest, but a window that has
# just started has no statistics yet, so these are dropped from story terms up front.
_STOPWORDS_TEXT = """
    في من علي الي عن مع ان او ثم قد لا ما لم لن هذا هذه ذلك تلك التي الذي الذين اللذين
    هو هي هم هما نحن انت كان كانت يكون تكون وكان وقد كما بين بعد قبل عند حتي خلال منذ
    حيث اذا الا غير كل بعض اي ايضا فيما وفي ومن وعلي والي وان اليوم امس الاول وقال قال
    واضاف اضاف واكد اكد واوضح اوضح وذلك لها له لهم فيها فيه منها منه عليه عليها الله
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_CACHE_LIMIT = 500_000


def content_hash(title: str, body: str, body_tokens: Sequence[str] | None = None) -> str:
    """Hash of the normalised title and body: equal for copies that differ only in spelling
    variants, punctuation, diacritics or whitespace. ``body_tokens`` (``tokens(body)``)
    saves normalising the body twice."""
    toks = tokens(body) if body_tokens is None else body_tokens
    text = " ".join(tokens(title)) + "\x1f" + " ".join(toks)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _token_hashes(toks: Sequence[str]) -> np.ndarray:
    # crc32 of every token, straight into the array: a dict cache of the hashes (looked up
    # per token) was twice as slow as hashing again.
    return np.fromiter(map(zlib.crc32, map(str.encode, toks)), dtype=np.uint64, count=len(toks))


def unique_sorted(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a 1-d array, by a sort and a mask: numpy 2's ``unique`` hashes
    first and costs six times as much on arrays of a few hundred hashes."""
    s = np.sort(a)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def shingle_sequence(toks: Sequence[str], k: int = 3) -> np.ndarray:
    """32-bit hashes of the word k-shingles (k in 1..3) of a token list, in text order
    (shingle i starts at token i), repeats kept."""
    if not toks:
        return np.empty(0, dtype=np.uint32)
    return _mix(_token_hashes(toks), k)


def word_hashes(toks: Sequence[str]) -> np.ndarray:
    """Sorted unique 32-bit hashes (crc32) of the distinct tokens of a token list."""
    return shingles_and_words(toks)[1]


def shingles_and_words(toks: Sequence[str], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(``shingle_sequence``, ``word_hashes``) of a token list, hashing every token once."""
    if not toks:
        empty = np.empty(0, dtype=np.uint32)
        return empty, empty
    h = _token_hashes(toks)
    return _mix(h, k), unique_sorted(h).astype(np.uint32)


def _mix(h: np.ndarray, k: int) -> np.ndarray:
    if k >= 3 and len(h) >= 3:
        mixed = (h[:-2] * _K1) ^ (h[1:-1] * _K2) ^ (h[2:] * _K3)
    elif k >= 2 and len(h) >= 2:
        mixed = (h[:-1] * _K1) ^ (h[1:] * _K2)
    else:
        mixed = h * _K1  # a text shorter than k: its words are its only shingles
    return (mixed >> _SHIFT).astype(np.uint32)


def shingle_hashes(toks: Sequence[str], k: int = 3) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word k-shingles (k in 1..3) of a token list."""
    return unique_sorted(shingle_sequence(toks, k))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two sorted unique hash arrays."""
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def stem(token: str) -> str:
    """The shortest clitic-free reading of a token: «والرياض», «بالرياض» → «رياض»."""
    return match_forms(token)[-1]


# token -> the stem it counts under, or None for one-letter tokens and stop words (the same
# few thousand words recur in every lead).
_term_cache: dict[str, str | None] = {}


def story_terms(
    title: str, body_tokens: Sequence[str], lead_tokens: int, title_boost: float
) -> Counter[str]:
    """Term frequencies for event matching: the title (boosted) and the lead of the body,
    where news puts who, what and where."""
    title_tokens = tokens(title)
    lead = body_tokens[:lead_tokens]
    cache = _term_cache
    # Only new words are stemmed; the rest are dict lookups done in C (a Python call per
    # token was a tenth of deduplication's time).
    new = set(title_tokens).union(lead).difference(cache)
    if len(cache) + len(new) > _CACHE_LIMIT:
        cache.clear()  # bound memory; every word of this article is stemmed again
        new = set(title_tokens).union(lead)
    for tok in new:
        cache[tok] = stem(tok) if len(tok) > 1 and tok not in _STOPWORDS else None
    tf: Counter[str] = Counter()
    for term in map(cache.__getitem__, title_tokens):
        if term is not None:
            tf[term] += title_boost
    tf.update(filter(None, map(cache.__getitem__, lead)))
    return tf


def tfidf_vector(tf: Counter[str], df: dict[str, int], n_docs: int, top: int) -> dict[str, float]:
    """Sublinear TF-IDF, the ``top`` heaviest terms, L2-normalised."""
    weights = {
        t: (1.0 + math.log(c)) * math.log(1.0 + (n_docs + 1) / (df.get(t, 0) + 1))
        for t, c in tf.items()
        if c > 0
    }
    best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    norm = math.sqrt(sum(w * w for _, w in best)) or 1.0
    return {t: w / norm for t, w in best}


def normalized_title(title: str) -> str:
    return normalize(title).strip()
