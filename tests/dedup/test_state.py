from __future__ import annotations

import random
import threading
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from processing.dedup import DedupConfig, InMemoryDedupState, deduplicate
from processing.dedup.corpus import load_saudinewsnet, to_article
from processing.dedup.state import DocEntry
from rasid.records import Article
from store.dedup_sqlite import SqliteDedupState, connect

from .conftest import (
    BACKGROUND,
    CORONA,
    CORONA_OTHER,
    FOOTBALL,
    T0,
    article_stream,
    make_article,
)

VOCAB = sorted({w for t in (CORONA, CORONA_OTHER, FOOTBALL, *BACKGROUND) for w in t.split()})


def _run(articles: list[Article], state, hours: int = 6) -> list[tuple]:
    fresh = [make_article(a.body, title=a.title, source=a.source, at=a.fetched_at, url=a.url)
             for a in articles]  # fmt: skip
    out = []
    for start in range(0, len(fresh), hours):
        batch = fresh[start : start + hours]
        now = max(a.fetched_at for a in batch) + timedelta(minutes=1)
        out += [(v.kind, v.duplicate_of, v.similarity, v.story_id)
                for v in deduplicate(batch, state, now).verdicts]  # fmt: skip
    return out


def test_sqlite_matches_memory_and_survives_restart(tmp_path: Path) -> None:
    stream = article_stream()
    expected = _run(stream, InMemoryDedupState())
    assert {k for k, *_ in expected} >= {"new", "near", "same-url"}
    db = tmp_path / "rasid.db"
    half = len(stream) // 2
    conn = connect(db)
    first = _run(stream[:half], SqliteDedupState(conn))
    conn.close()  # the process ends here
    conn = connect(db)  # ... and a new one picks up
    second = _run(stream[half:], SqliteDedupState(conn))
    conn.close()
    assert first + second == expected


def test_sqlite_restart_on_real_data(saudinewsnet: Path, tmp_path: Path) -> None:
    docs = load_saudinewsnet(saudinewsnet, limit=500)
    hours = sorted({d.at.replace(minute=0, second=0) for d in docs})

    def run(states) -> list[tuple]:
        out = []
        for i, hour in enumerate(hours):
            batch = [to_article(d) for d in docs if d.at.replace(minute=0, second=0) == hour]
            result = deduplicate(batch, states(i), hour + timedelta(hours=1))
            out += [(v.article_id, v.kind, v.duplicate_of, v.story_id) for v in result.verdicts]
        return out

    memory = InMemoryDedupState()
    expected = run(lambda i: memory)
    assert any(k == "near" for _, k, _, _ in expected)
    db = tmp_path / "real.db"
    conns: list = []

    def reopened(i: int) -> SqliteDedupState:  # a fresh process for every batch
        for c in conns:
            c.close()
        conns[:] = [connect(db)]
        return SqliteDedupState(conns[0])

    assert run(reopened) == expected
    conns[0].close()


def _salad(rng: random.Random, day: int, i: int) -> str:
    # Random word salad, unique per article: nothing in it is a duplicate of anything else.
    return " ".join(rng.choice(VOCAB) for _ in range(60)) + f" يوم{day} رقم{i}"


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_pruning_keeps_state_bounded(backend: str, tmp_path: Path) -> None:
    rng = random.Random(1)
    config = DedupConfig(window_hours=24)
    state = (
        InMemoryDedupState()
        if backend == "memory"
        else SqliteDedupState(connect(tmp_path / "p.db"))
    )
    peak: dict[str, int] = {}
    for day in range(8):
        for hour in range(0, 24, 4):
            at = T0 + timedelta(days=day, hours=hour)
            batch = [make_article(_salad(rng, day, i), title=f"خبر {day} {hour} {i}",
                                  source=f"o{i}", at=at) for i in range(10)]  # fmt: skip
            deduplicate(batch, state, at + timedelta(minutes=30), config)
        stats = state.stats()
        for k, v in stats.items():
            peak[k] = max(peak.get(k, 0), v)
    # one window holds 24h x 10 articles every 4h = 60 articles (+ the batch in flight)
    assert peak["docs"] <= 70
    assert peak["stories"] <= 70
    assert peak["keys"] <= 2 * 70  # url + content hash per article
    assert peak["term_days"] <= 3
    assert stats["docs"] < 8 * 60  # far less than everything ever seen


def test_concurrent_runs_do_not_both_call_an_article_new(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    SqliteDedupState(connect(db)).conn.close()  # create the tables once
    articles = [make_article(b, title=b[:20], source="spa", at=T0, key=f"a{i}")
                for i, b in enumerate((CORONA, FOOTBALL, *BACKGROUND))]  # fmt: skip
    kinds: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = connect(db)
        state = SqliteDedupState(conn)
        batch = [make_article(a.body, title=a.title, source=a.source, at=a.fetched_at,
                              url=a.url, key=a.id) for a in articles]  # fmt: skip
        result = deduplicate(batch, state, T0 + timedelta(hours=1))
        conn.close()
        with lock:
            kinds.extend(v.kind for v in result.verdicts)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert kinds.count("new") == len(articles)  # each article is new exactly once
    assert kinds.count("same-url") == 2 * len(articles)


def test_engine_documents_keep_the_word_set_and_old_ones_load_without_it() -> None:
    from store.dedup_engine import _doc_entry, _doc_payload

    words = np.array([3, 7, 4_000_000_000], dtype=np.uint32)
    doc = DocEntry(
        "a", T0, np.array([1, 2], dtype=np.uint32), np.array([5], dtype=np.int64), "a", "s",
        words=words,
    )  # fmt: skip
    payload = _doc_payload(doc)
    back = _doc_entry(T0.isoformat(), payload)
    assert back.words is not None and back.words.tolist() == words.tolist()
    # A document written before the word sets were kept has no "w": it loads with None.
    del payload["w"]
    old = _doc_entry(T0.isoformat(), payload)
    assert old.words is None and old.shingles.tolist() == [1, 2]
    assert "w" not in _doc_payload(old)


def test_story_row_stores_every_field_of_the_story() -> None:
    """The SQLite row is built field by field (no dict copies): a field added to
    Story.to_dict must be added there too, or it would be lost on a restart."""
    import json

    from processing.dedup.state import Story
    from store.dedup_sqlite import _story, _story_row

    story = Story(
        id="s-a1", first_seen=T0, last_seen=T0 + timedelta(hours=2), title="حفتر يصل",
        lead_article_id="a1", article_count=3, sources=["sahara", "manara"],
        hourly={"2024-01-01T10": 2, "2024-01-01T12": 1}, centroid={"حفتر": 0.5, "يصل": 0.25},
    )  # fmt: skip
    row = _story_row(1, 2, story, ("حفتر",), 7)
    stored = story.to_dict()
    stored.pop("centroid")
    assert json.loads(row[4]) == stored
    assert _story(row[4], row[5], row[6]).to_dict() == story.to_dict()
