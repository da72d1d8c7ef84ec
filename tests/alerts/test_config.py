"""config/alerts.yaml validation: the default file loads; mistakes point at their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.config import load_config
from alerts.rules import Rule, load_rules, parse_duration
from rasid.yamlconf import ConfigError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "alerts.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_config_loads_with_tripoli_and_haftar() -> None:
    cfg = load_config(REPO / "config" / "alerts.yaml")
    ids = {r.id for r in cfg.rules}
    assert {"tripoli", "haftar"} <= ids
    tripoli = next(r for r in cfg.rules if r.id == "tripoli")
    assert tripoli.keywords == ["طرابلس"]
    enabled = {c.id: c.type for c in cfg.enabled_channels()}
    assert enabled == {"console": "console", "file": "jsonl"}
    assert next(c for c in cfg.channels if c.type == "jsonl").path == "data/alerts.jsonl"
    # The file's timezone is the default of every rule.
    assert all(r.timezone == cfg.timezone for r in cfg.rules)


def test_minimal_form(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, "rules:\n  - id: a\n    keywords: [طرابلس, حفتر]\n"))
    assert [(r.id, r.keywords) for r in rules] == [("a", ["طرابلس", "حفتر"])]


def test_no_channels_key_means_console_and_jsonl(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "rules:\n  - id: a\n    keywords: [x1x]\n"))
    assert [c.type for c in cfg.channels] == ["console", "jsonl"]


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        # unknown key (typo) in the third rule
        (
            "rules:\n  - id: a\n    keywords: [طرابلس]\n  - id: b\n    keywords: [حفتر]\n"
            "  - id: c\n    keywrds: [سرت]\n",
            7,
            "rules[2]",
        ),
        # a term that normalises to nothing, on its own line
        ("rules:\n  - id: a\n    keywords:\n      - طرابلس\n      - '،،'\n", 5, "no letters"),
        # bad duration
        (
            "rules:\n  - id: a\n    keywords: [x1x]\n"
            "    throttle:\n      max: 3\n      per: soon\n",
            6,
            "not a duration",
        ),
        # a spike of one article is no spike
        (
            "rules:\n  - id: a\n    keywords: [x1x]\n"
            "    spike:\n      articles: 1\n      within: 1h\n",
            5,
            "rules[0].spike.articles",
        ),
        # bad clock
        (
            "rules:\n  - id: a\n    keywords: [x1x]\n"
            "    quiet_hours: {start: '25:00', end: '07:00'}\n",
            4,
            "time of day",
        ),
        # unknown time zone
        ("timezone: Mars/Olympus\nrules: []\n", 1, "unknown time zone"),
        # rule with filters only
        ("rules:\n  - id: a\n    countries: [LY]\n", 2, "at least one of"),
        # a country name where an ISO code is expected never matched; now it is refused
        (
            "rules:\n  - id: a\n    keywords: [x1x]\n    countries:\n      - LY\n      - Libya\n",
            6,
            "rules[0].countries[1]: Value error, 'Libya' is not an ISO 3166-1 alpha-2 country code"
            " (two letters, e.g. LY for Libya); use LY",
        ),
        ("rules:\n  - id: a\n    keywords: [x1x]\n    countries: [ليبيا]\n", 4, "; use LY"),
        ("rules:\n  - id: a\n    keywords: [x1x]\n    countries: [XQ]\n", 4, "alpha-2"),
        # unknown channel type
        ("channels:\n  - id: x\n    type: pigeon\n", 2, "channels[0]"),
        # YAML syntax error
        ("rules:\n  - id: a\n    keywords: [طرابلس\n", 4, "YAML syntax"),
    ],
)
def test_errors_carry_line_numbers(tmp_path: Path, text: str, line: int, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert needle in str(err.value)
    assert any(ln == line for ln, _ in err.value.problems), err.value.problems
    assert f"{path}:{line}:" in str(err.value)


def test_duplicate_rule_and_unknown_channel_reported_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "channels:\n  - id: file\n    type: jsonl\n"
        "rules:\n  - id: a\n    keywords: [x1x]\n  - id: a\n    keywords: [y2y]\n"
        "    channels: [file, nowhere]\n",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = dict(err.value.problems)
    assert "duplicate rule id 'a'" in lines[7]
    assert "unknown channel 'nowhere'" in lines[9]


def test_durations() -> None:
    assert parse_duration("15m") == 900
    assert parse_duration("1h") == 3600
    assert parse_duration(90) == 90
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_rule_model_directly() -> None:
    r = Rule(id="x", keywords=["طرابلس"])
    assert r.enabled and r.min_story_size == 1 and r.digest == "off"


def test_country_codes_are_taken_in_any_case(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: a\n    keywords: [x1x]\n    countries: [ly, EG]\n")
    assert load_config(path).rules[0].countries == ["LY", "EG"]
