"""SaudiNewsNet reader for evaluation and benchmarks (the data stays in ../shared, never
in the repository)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from processing.urls import canonical_url
from rasid.records import Article

_SHARED = Path(os.environ.get("RASID_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
DEFAULT_DATA_DIR = _SHARED / "data" / "saudinewsnet"


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    key: str  # stable label key: sha1 of the raw URL (what the labelled pairs refer to)
    source: str
    url: str
    at: datetime  # date_extracted, the closest thing to a publication time the corpus has
    title: str
    body: str


def doc_key(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def find_data_dir(data_dir: str | Path | None = None) -> Path | None:
    """The SaudiNewsNet folder, or None when it is absent (callers skip, saying so)."""
    path = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    return path if path.is_dir() and any(path.glob("*.zip")) else None


def load_saudinewsnet(data_dir: str | Path, limit: int | None = None) -> list[CorpusDoc]:
    """Every article of every day file, in extraction order (ties broken by URL)."""
    docs: list[CorpusDoc] = []
    for zpath in sorted(Path(data_dir).glob("*.zip")):
        with zipfile.ZipFile(zpath) as zf:
            for name in zf.namelist():
                if not name.endswith(".json"):
                    continue
                for rec in json.loads(zf.read(name).decode("utf-8")):
                    docs.append(
                        CorpusDoc(
                            key=doc_key(rec["url"]),
                            source=rec.get("source") or "",
                            url=rec["url"],
                            at=datetime.fromisoformat(rec["date_extracted"]),
                            title=rec.get("title") or "",
                            body=rec.get("content") or "",
                        )
                    )
    docs.sort(key=lambda d: (d.at, d.url))
    return docs[:limit] if limit else docs


def to_article(doc: CorpusDoc, at: datetime | None = None) -> Article:
    """A corpus record as the pipeline would hand it over (id = the label key)."""
    when = at or doc.at
    return Article(
        id=doc.key,
        url=doc.url,
        canonical_url=canonical_url(doc.url),
        source=doc.source,
        feed_id=doc.source,
        title=doc.title,
        body=doc.body,
        lang="ar",
        fetched_at=when,
        published_at=when,
    )
