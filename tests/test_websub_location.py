"""The WebSub database follows the embedded store, like the outbox.

`rasid websub list --store sqlite:////elsewhere/r.db` used to create ./data/websub.db in the
working directory whatever --store said; two stores then shared one set of subscriptions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rasid.cli import main
from rasid.config import DEFAULT_ENGINE_WEBSUB, load_settings
from rasid.websub_server import websub_db_path


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("RASID_WEBSUB_DB", "RASID_CONFIG", "RASID_STORE_URL"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # a stray data/websub.db would land here


def test_websub_list_keeps_its_db_beside_the_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "elsewhere"
    store_dir.mkdir()
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    url = f"sqlite:///{store_dir / 'r.db'}"
    assert main(["websub", "list", "--feeds", str(feeds), "--store", url]) == 0
    assert not (tmp_path / "cwd" / "data").exists()
    assert (store_dir / "websub.db").exists()


def test_websub_db_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(store="sqlite:///d/r.db").websub_path == Path("d/websub.db")
    assert load_settings(store="d2/r.db").websub_path == Path("d2/websub.db")
    # A search engine has no file to sit beside: data/websub.db, as before.
    engine = load_settings(store="http://localhost:9200")
    assert engine.websub_path == DEFAULT_ENGINE_WEBSUB == Path("data/websub.db")
    # The config file's websub_db wins over the store; RASID_WEBSUB_DB over both.
    cfg = tmp_path / "rasid.yaml"
    cfg.write_text("websub_db: /srv/w.db\n")
    configured = load_settings(cfg, store="sqlite:///d/r.db")
    assert websub_db_path(configured) == Path("/srv/w.db")
    monkeypatch.setenv("RASID_WEBSUB_DB", str(tmp_path / "env.db"))
    assert websub_db_path(configured) == tmp_path / "env.db"
