"""`rasid watch` keeps ingesting through a broken rules file, stops cleanly on Ctrl-C or
SIGTERM, and reports an outage by its exit status, as `rasid run` does."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

import rasid.pipeline as pl
from rasid.cli import main
from rasid.config import load_settings
from rasid.yamlconf import ConfigError
from store.sqlite import SqliteStore

BODY = "نص طويل بما يكفي ليحل محل الصفحة عند الحاجة في طرابلس " * 3


def _rss(base: str, n: int) -> bytes:
    items = "".join(
        f"<item><title>خبر {i}</title><link>{base}/p{i}</link><guid>g{i}</guid>"
        f"<description>{BODY} {i}</description></item>"
        for i in range(n)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{items}</channel></rss>".encode()


@pytest.fixture
def site(loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    base = loopback_server.base_url
    loopback_server.routes["/a.xml"] = (200, {}, _rss(base, 3))
    loopback_server.routes["/dead.xml"] = (500, {}, b"boom")
    (tmp_path / "feeds.yaml").write_text(f"feeds:\n  - {{id: a, name: A, url: '{base}/a.xml'}}\n")
    (tmp_path / "alerts.yaml").write_text("rules:\n  - {id: t, keywords: [طرابلس]}\nchannels: []\n")
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "r.db"
    args = ["--feeds", str(tmp_path / "feeds.yaml"), "--rules", str(tmp_path / "alerts.yaml"),
            "--store", f"sqlite:///{db}"]  # fmt: skip
    return loopback_server, tmp_path, db, args


def test_a_broken_rules_file_stops_run_before_polling(site) -> None:  # type: ignore[no-untyped-def]
    server, tmp, _, args = site
    (tmp / "alerts.yaml").write_text("rules:\n  - {id: t, keywrds: [طرابلس]}\n")
    assert main(["run", *args]) == 2
    assert server.hits.get("/a.xml") is None  # found before anything was polled


def test_watch_ingests_through_a_broken_rules_file(site, capsys) -> None:  # type: ignore[no-untyped-def]
    _, tmp, db, args = site
    (tmp / "alerts.yaml").write_text("rules:\n  - {id: t, keywrds: [طرابلس]}\n")
    assert main(["watch", "--every", "0.1", "--cycles", "1", *args]) == 0
    err = capsys.readouterr().err
    assert "alerts.yaml:2" in err and "ingesting without alerts" in err
    assert SqliteStore(db).count() == 3


def test_watch_exits_4_when_no_cycle_reaches_a_feed(site, capsys) -> None:  # type: ignore[no-untyped-def]
    server, tmp, _, args = site
    (tmp / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: d, name: D, url: '{server.base_url}/dead.xml'}}\n"
    )
    assert main(["watch", "--every", "0.1", "--cycles", "2", *args]) == 4
    err = capsys.readouterr().err
    assert "1 feeds failed" in err
    assert "in backoff after 1 failures" in err  # the second cycle says why it did not poll


def test_watch_reads_an_edited_feeds_file(site) -> None:  # type: ignore[no-untyped-def]
    server, tmp, _, _ = site
    settings = load_settings(feeds=tmp / "feeds.yaml", rules=tmp / "alerts.yaml")
    assert [f.id for f in settings.feeds] == ["a"]
    (tmp / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: a, name: A, url: '{server.base_url}/a.xml'}}\n"
        f"  - {{id: b, name: B, url: '{server.base_url}/a.xml'}}\n"
    )
    assert settings.reload_feeds() is None and [f.id for f in settings.feeds] == ["a", "b"]
    (tmp / "feeds.yaml").write_text("feeds:\n  - {id: c}\n")
    problem = settings.reload_feeds()
    assert isinstance(problem, ConfigError) and [f.id for f in settings.feeds] == ["a", "b"]


def test_sigterm_stops_watch_between_cycles(site, capsys) -> None:  # type: ignore[no-untyped-def]
    _, _, _, args = site
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        code = main(["watch", "--every", "30", *args])
    finally:
        timer.cancel()
    assert code == 128 + signal.SIGTERM
    assert "stopped" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is not None  # the handler was put back


def test_an_interrupted_cycle_saves_nothing_and_the_next_one_runs(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, tmp, db, _ = site
    settings = load_settings(feeds=tmp / "feeds.yaml", rules=tmp / "alerts.yaml",
                             store=f"sqlite:///{db}")  # fmt: skip
    real = pl._build
    calls: list[str] = []

    def build(client, item, settings):  # type: ignore[no-untyped-def]
        calls.append(item.guid)
        if item.guid == "g0":
            raise KeyboardInterrupt  # as Ctrl-C lands in the middle of the fetches
        return real(client, item, settings)

    monkeypatch.setattr(pl, "_build", build)
    with pytest.raises(KeyboardInterrupt):
        pl.run_cycle(settings)
    store = SqliteStore(db)
    assert store.count() == 0 and not store.get_feed_state("a").seen_guids
    monkeypatch.setattr(pl, "_build", real)
    report = pl.run_cycle(settings)  # the stop flag does not outlive its cycle
    assert report.articles_indexed == 3
