"""`rasid stories`: stored articles grouped by story, biggest first, with their coverage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rasid.cli import main
from rasid.records import Article
from rasid.stories import top_stories
from store.sqlite import SqliteStore

NOW = datetime.now(UTC).replace(microsecond=0)
H = timedelta(hours=1)


def art(
    aid: str,
    title: str,
    source: str,
    at: datetime,
    story: str | None = None,
    dup: str | None = None,
) -> Article:
    return Article(
        id=aid, url=f"https://news.example/{aid}", canonical_url=f"https://news.example/{aid}",
        source=source, feed_id=f"{source}-feed", title=title, body="نص " + title, lang="ar",
        fetched_at=NOW, published_at=at, story_id=story, duplicate_of=dup,
    )  # fmt: skip


ARTICLES = [
    # a wire story: the agency first, then three reprints, two within its last hour
    art("w1", "قوات حفتر تتقدم نحو طرابلس", "sahara", NOW - 5 * H, "s-w1"),
    art("w2", "قوات حفتر تتقدم نحو طرابلس", "manara", NOW - 2 * H, "s-w1", dup="w1"),
    art("w3", "تقدم قوات حفتر", "sahel", NOW - 30 * H / 60, "s-w1", dup="w1"),
    art("w4", "قوات حفتر تتقدم", "manara", NOW - 10 * H / 60, "s-w1", dup="w1"),
    # two articles from two outlets, newer
    art("e1", "المركزي المصري يثبت الفائدة", "niletoday", NOW - H, "s-e1"),
    art("e2", "مصر تثبت الفائدة", "khaleej", NOW - 20 * H / 60, "s-e1"),
    # two articles from one outlet
    art("b1", "موازنة لبنان", "manara", NOW - 3 * H, "s-b1"),
    art("b2", "موازنة لبنان أمام المجلس", "manara", NOW - 2 * H, "s-b1"),
    # a story of one, published "in the future" (clock skew): counted at now
    art("x1", "خبر منفرد", "madar", NOW + 2 * H),
]


def test_top_stories_groups_and_orders_by_size_then_outlets() -> None:
    got = top_stories(ARTICLES, NOW)
    assert [s.key for s in got] == ["s-w1", "s-e1", "s-b1", "x1"]
    wire = got[0]
    assert (wire.articles, wire.duplicates) == (4, 3)
    assert wire.sources == ("sahara", "manara", "sahel")  # in the order they carried it
    assert wire.title == "قوات حفتر تتقدم نحو طرابلس" and wire.url.endswith("/w1")
    assert wire.first_seen == NOW - 5 * H and wire.last_seen == NOW - 10 * H / 60
    assert wire.last_hour == 2
    assert got[3].first_seen == NOW  # never in the future
    assert [s.key for s in top_stories(ARTICLES, NOW, limit=2)] == ["s-w1", "s-e1"]
    assert [s.key for s in top_stories(ARTICLES, NOW, min_articles=3)] == ["s-w1"]
    assert top_stories([], NOW) == []


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles(ARTICLES)
    st.close()
    return f"sqlite:///{tmp_path / 'r.db'}"


def test_rasid_stories_json(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stories", "--store", store_url, "--json", "--min-articles", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["story"] for r in rows] == ["s-w1", "s-e1", "s-b1"]
    assert rows[0]["articles"] == 4 and rows[0]["sources"] == ["sahara", "manara", "sahel"]
    assert rows[0]["title"] == "قوات حفتر تتقدم نحو طرابلس"  # as written, no bidi marks
    datetime.fromisoformat(rows[0]["first_seen"])


def test_rasid_stories_terminal_reads_right_to_left(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASID_BIDI", "isolate")
    assert main(["stories", "--store", store_url, "--limit", "1"]) == 0
    text = capsys.readouterr().out
    # the Arabic title is an isolated right-to-left run (RLM, RLI … PDI)
    assert "\u200f\u2067قوات حفتر تتقدم نحو طرابلس\u2069" in text
    assert "4 articles (3 copies) · 3 outlets: sahara, manara, sahel" in text
    assert "2 in its last hour" in text
    # A one-article story has no span or growth to show.
    assert main(["stories", "--store", store_url]) == 0
    singles = [ln for ln in capsys.readouterr().out.splitlines() if " 1 article · " in ln]
    assert singles and not any("→" in ln or "last hour" in ln for ln in singles)


def test_rasid_stories_on_an_empty_window(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = store_url.replace("r.db", "empty.db")
    SqliteStore(empty.removeprefix("sqlite:///")).close()  # a store, with nothing in it
    assert main(["stories", "--store", empty]) == 0
    assert "no stories" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # a usage error, refused by argparse
        main(["stories", "--store", store_url, "--hours", "0"])
    assert exc.value.code == 2
    assert "must be a number greater than 0" in capsys.readouterr().err
