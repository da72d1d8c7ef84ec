"""The store URL comes from the Airflow Connection `rasid_search`; its password never reaches a
log line, and without the Connection the settings file decides."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from rasid import airflow_support as af

pytestmark = pytest.mark.airflow

SECRET = "s3cr3t-Pa55:w@rd"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_store_url_from_connection_never_logged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conn = {
        "conn_type": "elasticsearch",
        "host": "es.internal",
        "port": 9243,
        "schema": "https",
        "login": "rasid",
        "password": SECRET,
        "extra": json.dumps({"prefix": "news"}),
    }
    monkeypatch.setenv("AIRFLOW_CONN_RASID_SEARCH", json.dumps(conn))
    monkeypatch.setenv("AIRFLOW_VAR_RASID_RULES_FILE", str(tmp_path / "rules.yaml"))
    monkeypatch.delenv("AIRFLOW_VAR_RASID_CONFIG", raising=False)
    # A handler on the module's own logger: Airflow reconfigures the root logger (and so
    # pytest's caplog) when it initialises.
    collect, level = _Collect(), af.log.level
    af.log.addHandler(collect)
    af.log.setLevel(logging.DEBUG)
    try:
        settings = af.airflow_settings()
    finally:
        af.log.removeHandler(collect)
        af.log.setLevel(level)
    text = "\n".join(collect.lines)
    assert settings.store_url.startswith("https://rasid:")
    assert settings.store_url.endswith("@es.internal:9243?prefix=news")
    assert settings.rules_path == tmp_path / "rules.yaml"  # from the Variable
    assert SECRET not in text
    assert "store=https://rasid:***@es.internal:9243?prefix=news" in text


def test_without_the_connection_the_settings_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_RASID_SEARCH", raising=False)
    monkeypatch.delenv("AIRFLOW_VAR_RASID_CONFIG", raising=False)
    monkeypatch.setenv("RASID_STORE_URL", "sqlite:////tmp/from-env.db")
    assert af.connection_store_url() is None
    assert af.airflow_settings().store_url == "sqlite:////tmp/from-env.db"
