import subprocess
import sys

import pytest

from rasid.cli import build_parser, main

COMMANDS = [
    "demo",
    "run",
    "watch",
    "search",
    "stories",
    "alerts",
    "export",
    "feeds",
    "enrich",
    "eval",
    "ner",
    "kibana",
    "websub",
    "templates",
]


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert "usage: rasid " + cmd in text


def test_top_level_help_lists_commands_and_examples() -> None:
    text = build_parser().format_help()
    for cmd in COMMANDS:
        assert cmd in text
    assert "rasid search طرابلس" in text


def test_bad_config_exits_2_with_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - id: x\n")
    code = main(["run", "--feeds", str(bad), "--store", f"sqlite:///{tmp_path / 'r.db'}"])
    assert code == 2
    assert f"{bad}:2" in capsys.readouterr().err


def test_console_script_installed() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rasid.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "Arabic" in out.stdout


def test_unknown_store_scheme_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["search", "x", "--store", "mongodb://h"]) == 3
    assert "unknown store URL scheme" in capsys.readouterr().err
