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
from rasid.records import Alert
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


def _alert(aid: str) -> Alert:
    now = datetime.now(UTC)
    return Alert(
        id=aid, rule_id="r", article_id="a", title="اشتباكات في طرابلس", source="s", url="u",
        matched_terms=["طرابلس"], fired_at=now,
    )  # fmt: skip


def _box(
    path: Path,
    sent: tuple[str, ...] = (),
    pending: tuple[str, ...] = (),
    dead: tuple[str, ...] = (),
) -> None:
    from alerts.outbox import Outbox

    now = datetime.now(UTC)
    with Outbox(path) as box:
        for aid in [*sent, *pending, *dead]:
            box.enqueue(_alert(aid), "c", now=now, due_at=now)
        box.mark_sent([f"{a}:c" for a in sent], "m", now)
        box.mark_dead([f"{a}:c" for a in dead], "HTTP 400")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("RASID_OUTBOX", "RASID_CONFIG", "RASID_STORE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_engine_outbox_named_after_the_index_prefix_only(in_tmp: Path) -> None:
    """Audit 4: the name came from the first host in sorted order, so `localhost` and
    `elasticsearch` (or a second node added to the URL) were two outboxes of one cluster."""
    news = [
        "http://elastic:secret@localhost:9200/?prefix=news",
        "elasticsearch://elasticsearch:9200?prefix=news",
        "http://es2:9200,es1:9201/?prefix=news",
    ]
    for url in news:
        assert load_settings(store=url).outbox_path == Path("data/engine-news.outbox.db")
    default = load_settings(store="opensearch://127.0.0.1:9200")
    assert default.outbox_path == Path("data/engine-rasid.outbox.db")
    assert not Path("data").exists()  # resolving a name creates nothing


def test_engine_legacy_outbox_adopted_in_place_by_its_prefix(in_tmp: Path) -> None:
    """The old shared data/outbox.db goes to the first engine store that delivers, then
    stays with its prefix, whatever host the URL names."""
    from alerts.outbox import Outbox, owner_of

    one = load_settings(store="http://es1:9200/?prefix=news")
    two = load_settings(store="opensearch://127.0.0.1:9200")
    Path("data").mkdir()
    Outbox(DEFAULT_ENGINE_OUTBOX).close()
    # Only looking adopts nothing: the file a delivering run would take, unrecorded.
    assert two.outbox_for(claim=False) == DEFAULT_ENGINE_OUTBOX
    assert owner_of(DEFAULT_ENGINE_OUTBOX) is None
    assert two.outbox_path == DEFAULT_ENGINE_OUTBOX
    assert owner_of(DEFAULT_ENGINE_OUTBOX) == "engine-rasid"
    assert one.outbox_path == Path("data/engine-news.outbox.db")
    same = load_settings(store="http://localhost:9200,other:9200")  # prefix rasid
    assert same.outbox_path == DEFAULT_ENGINE_OUTBOX


def test_engine_legacy_outbox_claimed_under_the_host_name_is_still_its_prefix_s(
    in_tmp: Path,
) -> None:
    from alerts.outbox import claim

    Path("data").mkdir()
    _box(DEFAULT_ENGINE_OUTBOX, sent=("a1",))
    claim(DEFAULT_ENGINE_OUTBOX, "es1-9200-news")  # as the previous naming recorded it
    assert load_settings(store="http://localhost:9200?prefix=news").outbox_path == (
        DEFAULT_ENGINE_OUTBOX
    )
    assert load_settings(store="http://es1:9200").outbox_path == Path("data/engine-rasid.outbox.db")


def test_host_named_engine_outboxes_are_merged_nothing_resent(in_tmp: Path) -> None:
    """Each spelling of the URL had its own file: a delivering run merges them (and the
    prefix's data/outbox.db) into data/engine-<prefix>.outbox.db; sent stays sent."""
    from alerts.channels import JsonlChannel
    from alerts.deliver import deliver
    from alerts.outbox import Outbox, claim, owner_of
    from rasid.config import engine_outboxes_to_merge

    data = Path("data")
    data.mkdir()
    _box(data / "localhost-9200-news.outbox.db", sent=("a1",), pending=("a2",))
    _box(data / "es1-9200-news.outbox.db", pending=("a1",), dead=("a3",))
    _box(DEFAULT_ENGINE_OUTBOX, sent=("a4",))
    claim(DEFAULT_ENGINE_OUTBOX, "localhost-9200-news")
    # Other prefixes' files, alike in name, are not taken.
    _box(data / "es1-9200-xnews.outbox.db", pending=("x1",))
    _box(data / "engine-x-9-news.outbox.db", pending=("x2",))
    settings = load_settings(store="http://elasticsearch:9200,es2:9200/?prefix=news")
    target = data / "engine-news.outbox.db"
    # Looking merges nothing; it says what a run will merge.
    assert settings.outbox_for(claim=False) == target and not target.exists()
    assert engine_outboxes_to_merge(settings.store_url) == [
        DEFAULT_ENGINE_OUTBOX, data / "es1-9200-news.outbox.db",
        data / "localhost-9200-news.outbox.db",
    ]  # fmt: skip
    assert settings.outbox_path == target
    with Outbox(target) as box:
        assert box.counts() == {"pending": 1, "sent": 2, "dead": 1}
        assert box.is_sent("a1:c") and box.is_sent("a4:c")
        assert [r["alert_id"] for r in box.pending()] == ["a2"]
    assert owner_of(target) == "engine-news"
    assert engine_outboxes_to_merge(settings.store_url) == []
    assert settings.outbox_path == target  # and it sticks
    # Handed again (a rerun within the look-back), the sent alerts do not go out again;
    # the one left waiting in the old file does.
    out = data / "sent.jsonl"
    report = deliver(
        [_alert("a1"), _alert("a4")], [JsonlChannel(id="c", type="jsonl", path=str(out))], target
    )
    assert report.sent == 1 and [json.loads(x)["key"] for x in out.read_text().splitlines()] == [
        "a2:c"
    ]


def test_looking_at_the_outbox_does_not_adopt_a_legacy_one(
    env: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Audit 4: `rasid alerts outbox` wrote the owner record; only delivering runs may."""
    from alerts.outbox import owner_of
    from rasid.cli import main

    feeds, rules, _ = env
    store = tmp_path / "news.db"
    monkeypatch.setenv("RASID_OUTBOX", str(tmp_path / "outbox.db"))  # as the old default
    assert run_cycle(load_settings(feeds=feeds, rules=rules, store=str(store))).alerts_fired == 1
    monkeypatch.delenv("RASID_OUTBOX")
    args = ["--rules", str(rules), "--store", str(store)]
    assert main(["alerts", "outbox", *args]) == 0
    assert f"outbox {tmp_path / 'outbox.db'}: 0 waiting, 0 given up, 1 sent" in (
        capsys.readouterr().err
    )
    assert owner_of(tmp_path / "outbox.db") is None
    assert main(["alerts", "outbox", "--retry", "--json", *args]) == 0
    assert owner_of(tmp_path / "outbox.db") is None
    assert load_settings(store=str(store)).outbox_path == tmp_path / "outbox.db"  # a run's
    assert owner_of(tmp_path / "outbox.db") == f"sqlite:{store.resolve()}"


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


def test_outbox_from_before_the_tries_column_is_read_merged_and_upgraded(tmp_path: Path) -> None:
    import sqlite3

    from alerts.outbox import Outbox, merge

    old = tmp_path / "old.outbox.db"
    db = sqlite3.connect(old)
    db.executescript(
        "CREATE TABLE deliveries (key TEXT PRIMARY KEY, alert_id TEXT NOT NULL,"
        " channel_id TEXT NOT NULL, rule_id TEXT NOT NULL, alert TEXT NOT NULL, bundle TEXT,"
        " reason TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, due_at TEXT NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at TEXT, last_error TEXT, lease_until TEXT, sent_at TEXT,"
        " message_key TEXT);"
    )
    alert = json.dumps(_alert("a1").to_dict(), ensure_ascii=False)
    db.execute(
        "INSERT INTO deliveries (key, alert_id, channel_id, rule_id, alert, created_at, due_at,"
        " status, attempts, last_error) VALUES ('a1:c','a1','c','r',?,'2025-01-01T00:00:00+00:00',"
        "'2025-01-01T00:00:00+00:00','dead',2,'HTTP 400')",
        (alert,),
    )
    db.commit()
    db.close()
    merge(tmp_path / "new.outbox.db", [old], "engine-x")
    for path in (tmp_path / "new.outbox.db", old):
        with Outbox(path) as box:  # the old file gains the column on open
            (row,) = box.pending(("dead",))
            assert (row["attempts"], row["passes"], row["title"]) == (2, 2, "اشتباكات في طرابلس")
