"""Settings for tests of one feed served on loopback: no rules, the store in ``tmp_path``."""

from __future__ import annotations

from pathlib import Path

from rasid.config import Settings, load_settings


def one_feed_settings(tmp_path: Path, feed_url: str, feed_id: str = "test-feed") -> Settings:
    (tmp_path / "feeds.yaml").write_text(
        f"feeds:\n  - {{id: {feed_id}, name: T, url: '{feed_url}'}}\n"
    )
    (tmp_path / "alerts.yaml").write_text("rules: []\nchannels: []\n")
    (tmp_path / "rasid.yaml").write_text("")
    return load_settings(
        tmp_path / "rasid.yaml",
        feeds=tmp_path / "feeds.yaml",
        rules=tmp_path / "alerts.yaml",
        store=f"sqlite:///{tmp_path / 'r.db'}",
    )
