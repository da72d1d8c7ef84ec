"""``rasid ner train``: fit the statistical tagger into the user cache.

The weights are derived from the training corpus (ANERcorp: free for research, not
redistributable), so they are written to ``~/.cache/rasid/ner/`` (or ``$RASID_CACHE_DIR``)
and never shipped; without them the tagger falls back to rules and gazetteers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from processing.enrich.cache import default_model_path
from processing.enrich.conll import read_conll
from processing.enrich.text import norm_token


def read_gazetteer_dir(path: str | Path) -> dict[str, list[str]]:
    """ANERGazet layout: Pers.txt / Loc.txt / Org.txt, one name per line, «====» separators."""
    lists: dict[str, list[str]] = {}
    for fname, name in (("Pers.txt", "xPER"), ("Loc.txt", "xLOC"), ("Org.txt", "xORG")):
        f = Path(path) / fname
        if not f.exists():
            continue
        lines = f.read_text(encoding="utf-8").splitlines()
        lists[name] = [ln.strip() for ln in lines if ln.strip() and not ln.startswith(("==", "**"))]
    return lists


def default_unlabeled(train_path: str | Path) -> list[Path]:
    """SaudiNewsNet days beside the training data (``…/data/saudinewsnet/*.zip``), if any."""
    data = Path(os.environ.get("RASID_DATA_DIR") or Path(train_path).resolve().parent.parent)
    return sorted((data / "saudinewsnet").glob("*.zip"))


def default_gazetteer_dir(train_path: str | Path) -> Path | None:
    """ANERcorp's own lists (``ANERGazet/``) beside the training file, if present."""
    d = Path(train_path).resolve().parent / "ANERGazet"
    return d if d.is_dir() else None


def train(
    train_path: str | Path,
    out_path: str | Path | None = None,
    *,
    unlabeled: Sequence[str | Path] | None = None,
    gazetteer_dir: str | Path | bool | None = True,
    c1: float = 0.05,
    c2: float = 0.05,
    max_iterations: int = 100,
) -> dict[str, object]:
    """Train the CRF tagger on a CoNLL file (token, BIO tag; ANERcorp's PERS becomes PER).

    ``unlabeled``: text files or SaudiNewsNet-style .zip/.json for word clusters (the
    training text itself is always used); default: SaudiNewsNet beside the training data.
    ``gazetteer_dir``: ANERGazet-style lists stored inside the model; ``True`` (default)
    looks for ``ANERGazet/`` beside the training file, ``None``/``False`` uses none.
    Returns a summary (model path, seconds, sizes). Takes 2-6 minutes on 2 cores.
    """
    if unlabeled is None:
        unlabeled = default_unlabeled(train_path)
    if gazetteer_dir is True:
        gazetteer_dir = default_gazetteer_dir(train_path)
    elif gazetteer_dir is False:
        gazetteer_dir = None
    from processing.enrich.crf import train as crf_train
    from processing.enrich.distsim import build_clusters, texts_from

    t0 = time.perf_counter()
    sents = [[(norm_token(w), t) for w, t in s] for s in read_conll(train_path)]
    texts = [*texts_from(unlabeled), "\n".join(" ".join(w for w, _ in s) for s in sents)]
    clusters = build_clusters(texts)
    t1 = time.perf_counter()
    extra = read_gazetteer_dir(gazetteer_dir) if gazetteer_dir else {}
    out = Path(out_path) if out_path else default_model_path()
    model = crf_train(
        sents,
        out,
        c1=c1,
        c2=c2,
        max_iterations=max_iterations,
        clusters=clusters,
        extra_lists=extra,
    )
    model.meta.update(
        {
            "train_path": str(train_path),
            "unlabeled": [str(p) for p in unlabeled],
            "gazetteer_dir": str(gazetteer_dir) if gazetteer_dir else None,
        }
    )
    model.save(out)
    return {
        "model": str(out),
        "sentences": len(sents),
        "tokens": sum(map(len, sents)),
        "clusters_words": len(clusters),
        "extra_lists": {k: len(v) for k, v in extra.items()},
        "attributes": len(model.attr_index),
        "cluster_seconds": round(t1 - t0, 1),
        "seconds": round(time.perf_counter() - t0, 1),
    }
