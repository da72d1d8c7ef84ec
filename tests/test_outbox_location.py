"""The delivery outbox follows the store: a fresh store delivers its alerts.

The outbox used to default to ``data/outbox.db`` in the working directory. Alert ids are
stable per (rule, story), so a run on a fresh store found its alerts already "sent" in the
old outbox and printed ``3 fired, 0 delivered``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.testserver import LoopbackServer, static
from rasid.config import DEFAULT_ENGINE_OUTBOX, load_settings
from rasid.pipeline import run_cycle
from store.sqlite import SqliteStore

REPO = Path(__file__).resolve().parents[1]
BODY = "اشتباكات في طرابلس بين قوات متنافسة، وقالت مصادر محلية إن الهدوء عاد إلى المدينة. " * 4


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path, Path]]:
    """(feeds file, rules file, JSONL channel file), with a one-item feed on loopback."""
    for var in ("RASID_OUTBOX", "RASID_CONFIG", "RASID_STORE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.chdir(tmp_path)  # a stray data/outbox.db would land here, not in the repo
    with LoopbackServer() as srv:
        rss = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
            f"<title>اشتباكات في طرابلس</title><link>{srv.url('/a')}</link><guid>g1</guid>"
            f"<description>{BODY}</description></item></channel></rss>"
        )
        srv.routes["/f.xml"] = static(rss.encode())
        page = (
            f"<html><body><article><h1>اشتباكات في طرابلس</h1><p>{BODY}</p></article></body></html>"
        )
        srv.routes["/a"] = static(page.encode(), "text/html; charset=utf-8")
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(f"feeds:\n  - {{id: f, name: F, url: '{srv.url('/f.xml')}'}}\n")
        sent = tmp_path / "sent.jsonl"
        rules = tmp_path / "alerts.yaml"
        rules.write_text(
            "rules:\n  - {id: tripoli, keywords: [طرابلس]}\n"
            f"channels:\n  - {{id: file, type: jsonl, path: '{sent}'}}\n"
        )
        yield feeds, rules, sent


def _lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_fresh_store_in_new_directory_delivers_and_rerun_does_not(
    env: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    feeds, rules, sent = env
    first = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'a/rasid.db'}")
    r1 = run_cycle(first)
    assert (r1.alerts_fired, r1.alerts_delivered) == (1, 1)
    assert r1.outbox == str(tmp_path / "a/rasid.outbox.db")
    # A fresh store in a new directory: the same alert id, its own outbox, delivered.
    fresh = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'b/rasid.db'}")
    r2 = run_cycle(fresh)
    assert (r2.alerts_fired, r2.alerts_delivered, r2.alert_errors) == (1, 1, [])
    assert (tmp_path / "b/rasid.outbox.db").exists() and not (tmp_path / "data").exists()
    # A rerun on that store fires nothing and sends nothing again.
    r3 = run_cycle(fresh)
    assert (r3.alerts_fired, r3.alerts_delivered) == (0, 0)
    assert [x["key"] for x in _lines(sent)] == [_lines(sent)[0]["key"]] * 2


def test_two_stores_in_one_directory_each_deliver(
    env: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Audit 3, finding 1: b.db beside a.db fired its alerts and delivered none."""
    feeds, rules, sent = env
    for name in ("a", "b"):
        settings = load_settings(feeds=feeds, rules=rules, store=str(tmp_path / f"{name}.db"))
        report = run_cycle(settings)
        assert (report.alerts_fired, report.alerts_delivered, report.alerts_already_sent) == (
            1,
            1,
            0,
        )
        assert report.outbox == str(tmp_path / f"{name}.outbox.db")
    assert len(_lines(sent)) == 2


def test_legacy_outbox_kept_by_the_store_that_owns_it(
    env: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outbox.db from before per-store names keeps serving the store whose alerts it
    holds (its sent keys and pending rows), and no other store in the directory."""
    feeds, rules, sent = env
    store = tmp_path / "news.db"
    monkeypatch.setenv("RASID_OUTBOX", str(tmp_path / "outbox.db"))  # as the old default
    assert run_cycle(load_settings(feeds=feeds, rules=rules, store=str(store))).alerts_fired == 1
    monkeypatch.delenv("RASID_OUTBOX")
    # A fresh store in the directory, run first, does not take it though it fires the
    # same alert (ids are per rule and story): it has fired nothing before.
    other = load_settings(feeds=feeds, rules=rules, store=str(tmp_path / "other.db"))
    report = run_cycle(other)
    assert (report.alerts_fired, report.alerts_delivered) == (1, 1)
    assert report.outbox == str(tmp_path / "other.outbox.db")
    settings = load_settings(feeds=feeds, rules=rules, store=str(store))
    assert settings.outbox_path == tmp_path / "outbox.db"  # adopted: it holds news.db's alert
    assert other.outbox_path == tmp_path / "other.outbox.db"
    assert settings.outbox_path == tmp_path / "outbox.db"  # and the claim sticks
    assert not (tmp_path / "news.outbox.db").exists()
    assert len(_lines(sent)) == 2


def test_unclaimed_legacy_outbox_of_another_store_is_left_alone(tmp_path: Path) -> None:
    from alerts.outbox import Outbox
    from rasid.records import Alert

    with Outbox(tmp_path / "outbox.db") as box:  # a foreign alert, no owner recorded
        now = datetime.now(UTC)
        alert = Alert(
            id="x1", rule_id="r", article_id="a", title="t", source="s", url="u",
            matched_terms=["t"], fired_at=now,
        )  # fmt: skip
        box.enqueue(alert, "c", now=now, due_at=now)
    SqliteStore(tmp_path / "fresh.db").close()
    settings = load_settings(store=str(tmp_path / "fresh.db"))
    assert settings.outbox_path == tmp_path / "fresh.outbox.db"


def test_engine_outbox_named_after_host_and_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("RASID_OUTBOX", "RASID_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    one = load_settings(store="http://elastic:secret@es1:9200/?prefix=news")
    two = load_settings(store="opensearch://127.0.0.1:9200")
    assert one.outbox_path == Path("data/es1-9200-news.outbox.db")  # no credentials in it
    assert two.outbox_path == Path("data/127.0.0.1-9200-rasid.outbox.db")
    # The old shared data/outbox.db goes to the first engine store that asks, then stays.
    from alerts.outbox import Outbox

    Path("data").mkdir()
    Outbox(DEFAULT_ENGINE_OUTBOX).close()
    assert two.outbox_path == DEFAULT_ENGINE_OUTBOX
    assert one.outbox_path == Path("data/es1-9200-news.outbox.db")
    assert two.outbox_path == DEFAULT_ENGINE_OUTBOX


def test_shared_outbox_does_not_resend_but_says_so(
    env: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds, rules, sent = env
    monkeypatch.setenv("RASID_OUTBOX", str(tmp_path / "shared.db"))
    for name in ("a", "b"):
        settings = load_settings(feeds=feeds, rules=rules, store=str(tmp_path / name / "r.db"))
        report = run_cycle(settings)
        assert report.alerts_fired == 1
    assert report.alerts_delivered == 0 and len(_lines(sent)) == 1
    assert report.alerts_already_sent == 1  # counted for the summary, not only worded
    (err,) = report.alert_errors
    assert "already records them as delivered" in err and "shared.db" in err


def test_outbox_setting_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASID_OUTBOX", raising=False)
    monkeypatch.delenv("RASID_CONFIG", raising=False)
    # The shipped settings file does not pin the outbox: --store decides where it goes.
    shipped = load_settings(REPO / "config/rasid.yaml", store="sqlite:////srv/x/rasid.db")
    assert shipped.outbox_path == Path("/srv/x/rasid.outbox.db")
    store = SqliteStore(tmp_path / "s/r.db")  # an open store's own file wins over the URL
    assert shipped.outbox_for(store) == tmp_path / "s/r.outbox.db"
    store.close()
    pinned = tmp_path / "rasid.yaml"
    pinned.write_text("outbox: /var/lib/rasid/outbox.db\n")
    assert load_settings(pinned, store="sqlite:///x/r.db").outbox_path == Path(
        "/var/lib/rasid/outbox.db"
    )
    monkeypatch.setenv("RASID_OUTBOX", str(tmp_path / "env.db"))
    assert load_settings(pinned).outbox_path == tmp_path / "env.db"
