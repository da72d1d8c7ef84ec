"""Site templates inside the pipeline: learned over a real loopback site, saved beside the
store, trusted by the next process from its first page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rasid.pipeline as pl
from ingest.site_templates import SiteTemplates
from rasid import site_templates
from rasid.config import load_settings
from tests.ingest.test_site_templates import site_feed


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process starts with: no templates, no file read yet."""
    monkeypatch.setattr(site_templates, "REGISTRY", SiteTemplates())
    monkeypatch.setattr(site_templates, "_LOADED", set())


def _settings(tmp: Path, feed_url: str):  # type: ignore[no-untyped-def]
    (tmp / "feeds.yaml").write_text(f"feeds:\n  - {{id: site, name: Site, url: '{feed_url}'}}\n")
    (tmp / "alerts.yaml").write_text("rules: []\n")
    s = load_settings(
        feeds=tmp / "feeds.yaml", rules=tmp / "alerts.yaml", store=f"sqlite:///{tmp / 'r.db'}"
    )
    s.outbox_path = tmp / "outbox.db"
    return s


def test_templates_are_learned_saved_and_trusted_by_the_next_run(
    loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_process: None
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = _settings(tmp_path, site_feed(loopback_server, 0, 6))
    settings.workers = 1  # pages in feed order, so the first three teach the template
    first = pl.run_cycle(settings)
    assert first.articles_indexed == 6
    assert first.extraction_methods == {"trafilatura": 3, "site-template": 3}
    saved = json.loads((tmp_path / "site-templates.json").read_text())
    host = loopback_server.base_url.removeprefix("http://")
    assert list(saved) == [host]

    # a new process: nothing in memory, the file is read once
    monkeypatch.setattr(site_templates, "REGISTRY", SiteTemplates())
    monkeypatch.setattr(site_templates, "_LOADED", set())
    settings = _settings(tmp_path, site_feed(loopback_server, 100, 4))
    second = pl.run_cycle(settings)
    assert second.articles_indexed == 4
    assert second.extraction_methods == {"site-template": 4}


def test_site_templates_false_means_trafilatura_on_every_page(
    loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_process: None
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = _settings(tmp_path, site_feed(loopback_server, 0, 5))
    settings.site_templates = False
    report = pl.run_cycle(settings)
    assert report.extraction_methods == {"trafilatura": 5}
    assert not (tmp_path / "site-templates.json").exists()


def test_rasid_templates_lists_and_forgets_a_site(
    loopback_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_process: None, capsys
) -> None:  # type: ignore[no-untyped-def]
    from rasid.cli import main

    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = _settings(tmp_path, site_feed(loopback_server, 0, 4))
    settings.workers = 1
    pl.run_cycle(settings)
    host = loopback_server.base_url.removeprefix("http://")
    store = ["--store", f"sqlite:///{tmp_path / 'r.db'}"]
    assert main(["templates", "--json", *store]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [t["site"] for t in listed] == [host]
    assert listed[0]["selector"].startswith("body > article#post-0.post")
    assert listed[0]["title_rule"] == "og"

    assert main(["templates", "--forget", host, *store]) == 0
    assert "forgotten" in capsys.readouterr().err
    assert json.loads((tmp_path / "site-templates.json").read_text()) == {}
    assert main(["templates", "--forget", host, *store]) == 2  # a usage error
    assert "no template" in capsys.readouterr().err

    # the next process has nothing to trust and learns the site again
    monkeypatch.setattr(site_templates, "REGISTRY", SiteTemplates())
    monkeypatch.setattr(site_templates, "_LOADED", set())
    again = pl.run_cycle(_settings(tmp_path, site_feed(loopback_server, 50, 4)))
    assert again.extraction_methods.get("trafilatura", 0) >= 3
