"""Word clusters from unlabeled text, used as tagger features (``rasid ner train`` only).

Distributional similarity without a model hub: positive PMI over left/right neighbour
words, a truncated SVD, then k-means at several granularities. Words that occur in similar
contexts («بيسكوف» and «لافروف» after «المتحدث باسم الكرملين …») share a cluster, which lets
the tagger generalise from names it saw in training to names it did not.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from processing.enrich.text import tokenize


def texts_from(paths: Iterable[str | Path]) -> Iterator[str]:
    """Plain text of .txt files, or of the title+content of JSON arrays inside .json/.zip
    (the SaudiNewsNet layout)."""
    for p in map(Path, paths):
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                for name in zf.namelist():
                    if name.endswith(".json"):
                        yield from _json_texts(zf.read(name))
        elif p.suffix == ".json":
            yield from _json_texts(p.read_bytes())
        else:
            yield p.read_text(encoding="utf-8")


def _json_texts(raw: bytes) -> Iterator[str]:
    for item in json.loads(raw):
        if isinstance(item, dict):
            yield f"{item.get('title', '')}\n{item.get('content', '')}"


def build_clusters(
    texts: Iterable[str],
    *,
    min_count: int = 5,
    n_context: int = 8000,
    dim: int = 100,
    ks: tuple[int, ...] = (64, 256, 1024),
    seed: int = 13,
) -> dict[str, tuple[int, ...]]:
    """word -> cluster id at each granularity of ``ks``."""
    from scipy import sparse
    from scipy.sparse.linalg import svds

    sents = [[t.norm for t in tokenize(txt)] for txt in texts]
    counts = Counter(w for s in sents for w in s)
    vocab = [w for w, c in counts.most_common() if c >= min_count]
    if len(vocab) < max(ks) * 2 or len(vocab) < dim * 2:
        return {}  # too little text for clusters; the tagger works without them
    vid = {w: i for i, w in enumerate(vocab)}
    cid = {w: i for i, w in enumerate(vocab[:n_context])}
    rows: list[int] = []
    cols: list[int] = []
    for s in sents:
        ids = [vid.get(w, -1) for w in s]
        cids = [cid.get(w, -1) for w in s]
        for i, wi in enumerate(ids):
            if wi < 0:
                continue
            for off, slot in ((-2, 0), (-1, 1), (1, 2), (2, 3)):
                j = i + off
                if 0 <= j < len(s) and cids[j] >= 0:
                    rows.append(wi)
                    cols.append(cids[j] * 4 + slot)
    m = sparse.coo_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(vocab), len(cid) * 4)
    ).tocsr()
    m.sum_duplicates()
    # PPMI with context-distribution smoothing (Levy et al. 2015).
    total = m.sum()
    row_sum = np.asarray(m.sum(axis=1)).ravel()
    col_sum = np.asarray(m.sum(axis=0)).ravel() ** 0.75
    col_sum /= col_sum.sum()
    m = m.tocoo()
    pmi = np.log(m.data * 1.0 / total) - np.log(row_sum[m.row] / total) - np.log(col_sum[m.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix(
        (pmi[keep].astype(np.float32), (m.row[keep], m.col[keep])), shape=m.shape
    )
    u, s, _ = svds(ppmi, k=dim, random_state=seed)
    vecs = u * np.sqrt(s)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
    labels = [_kmeans(vecs, k, seed) for k in ks]
    return {w: tuple(int(lab[i]) for lab in labels) for i, w in enumerate(vocab)}


def _kmeans(x: np.ndarray, k: int, seed: int, iters: int = 15) -> np.ndarray:
    """Spherical k-means with matrix products (vectors are unit length)."""
    rng = np.random.default_rng(seed)
    cent = x[rng.choice(len(x), size=min(k, len(x)), replace=False)].copy()
    lab = np.zeros(len(x), np.int64)
    for _ in range(iters):
        lab = (x @ cent.T).argmax(axis=1)
        for c in range(len(cent)):
            members = x[lab == c]
            if len(members):
                v = members.sum(axis=0)
                cent[c] = v / (np.linalg.norm(v) + 1e-9)
    return lab
