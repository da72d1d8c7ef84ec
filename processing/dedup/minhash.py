"""MinHash signatures (datasketch) and the LSH band keys derived from them.

The band keys are plain 64-bit integers so any store (a dict, SQLite, a search engine) can
hold the LSH buckets: that is what lets concurrent runs share one index.
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHash

_P = 0x100000001B3  # FNV prime: mixes the r values of a band into one key
_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)
# MurmurHash3's 32-bit finaliser (fmix32), which datasketch's affine32 scheme applies to
# every input hash before the permutations.
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2 = _FMIX
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s1)


class MinHasher:
    """Signatures with ``num_perm`` permutations, cut into ``bands`` bands of ``rows`` rows."""

    def __init__(self, num_perm: int = 128, bands: int = 42, rows: int = 3, seed: int = 1):
        if bands * rows > num_perm:
            raise ValueError(f"bands*rows ({bands}*{rows}) exceeds num_perm ({num_perm})")
        self.num_perm, self.bands, self.rows, self.seed = num_perm, bands, rows, seed
        # One template: every signature reuses its permutations (they depend only on seed).
        self._template = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
        self._powers = np.array([pow(_P, i, 1 << 64) for i in range(rows)], dtype=np.uint64)
        self._salts = np.arange(bands, dtype=np.uint64) * _BAND_SALT

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """datasketch's affine32 signature of already-hashed 32-bit shingles, computed on the
        array: ``MinHash.update_batch`` calls a hash function per shingle in Python, which
        cost as much as the permutations themselves. The same values (the MurmurHash3
        finaliser, then the template's affine permutations, then the minimum);
        ``tests/dedup/test_minhash.py`` holds them equal to datasketch's, since band keys
        are persisted."""
        if not len(shingles):
            return self._template.hashvalues.copy()
        a, b = self._template.permutations
        hv = _fmix32(np.asarray(shingles, dtype=np.uint32)).reshape(-1, 1)
        return (hv * a + b).min(axis=0)

    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """One signed 64-bit key per band (signed so SQLite INTEGER holds it)."""
        used = signature[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        keys = (used * self._powers).sum(axis=1, dtype=np.uint64) ^ self._salts
        return keys.view(np.int64)

    def candidate_probability(self, jaccard: float) -> float:
        """Chance that a pair with this Jaccard shares at least one band (the LSH S-curve)."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands


def estimated_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
