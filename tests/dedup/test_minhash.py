"""The signatures are persisted (as LSH band keys in SQLite and in the search engine), so the
array computation must give exactly datasketch's values."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from processing.dedup.config import DedupConfig
from processing.dedup.minhash import MinHasher

# The first band key of one fixed text, computed with datasketch 2.0.0 before the array version.
KEY0 = -7262386739126322598


def _datasketch(hasher: MinHasher, shingles: np.ndarray) -> np.ndarray:
    m = MinHash(num_perm=hasher.num_perm, seed=hasher.seed, hashfunc=int, scheme="affine32")
    m.update_batch(shingles.tolist())
    return m.hashvalues


@pytest.mark.parametrize("n", [1, 2, 3, 10, 333, 5000])
def test_signature_is_datasketchs(n: int) -> None:
    c = DedupConfig()
    hasher = MinHasher(c.num_perm, c.lsh_bands, c.lsh_rows, c.seed)
    rng = np.random.default_rng(n)
    for _ in range(5):
        shingles = np.unique(rng.integers(0, 2**32, size=n, dtype=np.uint64).astype(np.uint32))
        got = hasher.signature(shingles)
        want = _datasketch(hasher, shingles)
        assert got.dtype == want.dtype
        assert np.array_equal(got, want)


def test_signature_of_extreme_hashes_and_other_seeds() -> None:
    shingles = np.array([0, 1, 2**31, 2**32 - 1], dtype=np.uint32)
    for seed in (1, 7):
        hasher = MinHasher(64, 16, 4, seed)
        assert np.array_equal(hasher.signature(shingles), _datasketch(hasher, shingles))


def test_band_keys_are_stable() -> None:
    """A band key written by an earlier version must still be found."""
    hasher = MinHasher()
    keys = hasher.band_keys(hasher.signature(np.arange(100, 400, 3, dtype=np.uint32)))
    assert keys.dtype == np.int64 and len(keys) == hasher.bands
    assert int(keys[0]) == KEY0


@pytest.mark.parametrize("n", [0, 1, 2, 7, 400])
def test_unique_sorted_is_np_unique(n: int) -> None:
    from processing.dedup.text import unique_sorted

    rng = np.random.default_rng(n)
    for dtype in (np.uint32, np.uint64):
        a = rng.integers(0, 50, size=n).astype(dtype)  # many repeats
        got = unique_sorted(a)
        assert got.dtype == dtype and np.array_equal(got, np.unique(a))
