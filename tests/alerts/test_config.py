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
        # CLDR regions no place carries (the EU, "Unknown Region") could never match
        ("rules:\n  - id: a\n    keywords: [x1x]\n    countries: [EU]\n", 4, "alpha-2"),
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


# --- channels: errors at the key's own line, under the key's own name -----------------------
# pydantic's tagged union put the channel type in the path (`channels[0].webhook.bogus`), a key
# the file does not have, and the line lookup stopped at the channel's first line.


def test_channel_errors_point_at_their_own_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n  - id: tripoli\n    keywords: [طرابلس]\nchannels:\n  - id: w\n"
        "    type: webhook\n    url: http://x/\n    timeout: fast\n    bogus: 1\n"
        "  - id: m\n    type: email\n    host: smtp.example.org\n    port: '587a'\n"
        "    to:\n      - a@example.org\n      - 7\n",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).splitlines() == [
        f"{path}:8: channels[0].timeout: Extra inputs are not permitted",
        f"{path}:9: channels[0].bogus: Extra inputs are not permitted",
        f"{path}:13: channels[1].port: Input should be a valid integer, unable to parse string"
        " as an integer",
        f"{path}:16: channels[1].to[1]: Input should be a valid string",
    ]


def test_a_missing_channel_field_is_named_even_when_it_equals_a_value(tmp_path: Path) -> None:
    # the tag is dropped, not the missing key (here also the channel's id)
    path = write(tmp_path, "channels:\n  - id: host\n    type: email\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}:2: channels[0].host: Field required"


@pytest.mark.parametrize(
    ("channel", "line", "message"),
    [
        ("type: slack\n", 2, "channels[0].url: Value error, a slack channel needs url or url_env"),
        ("type: webhook\n    url: not-a-url\n", 4, "channels[0].url: Value error, not an http(s)"
         " URL: 'not-a-url'"),
        ("type: slack\n    url: ftp://hooks.example.org/x\n", 4, "channels[0].url: Value error,"
         " not an http(s) URL: 'ftp://hooks.example.org/x'"),
        ("type: telegram\n    chat_id: '-1'\n", 2, "channels[0].token: Value error, a telegram"
         " channel needs token or token_env"),
        ("type: telegram\n    token: t\n    chat_id: '1'\n    base_url: api.telegram.org\n", 6,
         "channels[0].base_url: Value error, not an http(s) URL"),
        ("type: email\n    host: h\n    sender: notanemail\n    to: [a@b.org]\n", 5,
         "channels[0].sender: Value error, not an e-mail address: 'notanemail'"),
        ("type: email\n    host: h\n    to: [not an email]\n", 5,
         "channels[0].to[0]: Value error, not an e-mail address"),
    ],
)  # fmt: skip
def test_channels_that_can_never_deliver_fail_at_load(
    tmp_path: Path, channel: str, line: int, message: str
) -> None:
    path = write(tmp_path, f"channels:\n  - id: c\n    {channel}")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}:{line}: {message}" in str(err.value)


def test_well_formed_channels_load(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            "rules:\n  - {id: a, keywords: [x1x]}\nchannels:\n"
            "  - {id: s, type: slack, url: 'https://hooks.slack.com/services/T/B/x'}\n"
            "  - {id: s2, type: slack, url_env: HOME}\n"
            "  - {id: t, type: telegram, token: t, chat_id: -1001234567890}\n"
            "  - {id: m, type: email, host: h, sender: 'Rasid <rasid@localhost>',"
            " to: [desk@example.org]}\n",
        )
    )
    # an unquoted chat id is an int to YAML, and the natural way to write it
    assert cfg.channels[2].chat_id == "-1001234567890"  # type: ignore[union-attr]


def test_rule_recipients_must_be_addresses(tmp_path: Path) -> None:
    path = write(tmp_path, "rules:\n  - id: a\n    keywords: [x1x]\n    recipients: [desk, a@b]\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}:4: rules[0].recipients[0]: Value error, not an e-mail address: 'desk'"
        " (e.g. desk@example.org)"
    )


def test_an_email_with_nobody_to_send_to_is_an_error(tmp_path: Path) -> None:
    channels = "channels:\n  - {id: m, type: email, host: h}\n  - {id: c, type: console}\n"
    path = write(
        tmp_path,
        channels + "rules:\n  - {id: a, keywords: [x1x]}\n"
        "  - {id: b, keywords: [x1x], recipients: [b@example.org]}\n"
        "  - {id: c, keywords: [x1x], channels: [c]}\n"
        "  - {id: d, keywords: [x1x], enabled: false}\n",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}:5: rules[0]: e-mail channel 'm' has no 'to' and the rule has no recipients:"
        " add either"
    )


def test_unquoted_quiet_hours_are_times(tmp_path: Path) -> None:
    # YAML 1.1 read 23:00 as 1380: "not a time of day: '1380'"
    path = write(
        tmp_path,
        "rules:\n  - id: a\n    keywords: [x1x]\n    quiet_hours: {start: 23:00, end: 07:00}\n"
        "    digest: daily\n    digest_at: 8:30\n",
    )
    rule = load_config(path).rules[0]
    assert rule.quiet_hours is not None
    assert (rule.quiet_hours.start, rule.quiet_hours.end, rule.digest_at) == (
        "23:00", "07:00", "8:30",
    )  # fmt: skip
    path.write_text("rules:\n  - id: a\n    keywords: [x1x]\n    digest_at: 24:00\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}:4: rules[0].digest_at: Value error, not a time of day: '24:00'" in str(
        err.value
    )


def test_a_duplicate_key_in_a_rule_is_an_error(tmp_path: Path) -> None:
    # the second `keywords:` silently made the rule about حفتر
    path = write(tmp_path, "rules:\n  - id: a\n    keywords: [طرابلس]\n    keywords: [حفتر]\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}:4: duplicate key 'keywords' (first at line 3)"


# --- warnings: the file loads, but something will not happen -------------------------------


def test_an_unset_secret_variable_is_a_warning_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The variable may be set only where deliveries run (an Airflow worker): no error.
    monkeypatch.delenv("RASID_TEST_UNSET_SECRET", raising=False)
    path = write(
        tmp_path,
        "rules:\n  - {id: a, keywords: [x1x]}\nchannels:\n  - id: w\n    type: webhook\n"
        "    url: http://127.0.0.1:1/\n    secret_env: RASID_TEST_UNSET_SECRET\n"
        "  - {id: s, type: slack, url_env: RASID_TEST_UNSET_SECRET, enabled: false}\n",
    )
    load_config(path)
    load_config(path)  # a cycle loads the file twice; one warning is enough
    assert [r.getMessage() for r in caplog.records] == [
        f"warning: {path}:7: channels[0].secret_env: environment variable"
        " RASID_TEST_UNSET_SECRET is not set; channel 'w' cannot deliver from here (fine if"
        " it is set where deliveries run)"
    ]
    caplog.clear()
    monkeypatch.setenv("RASID_TEST_UNSET_SECRET", "s")
    load_config(path)
    assert not caplog.records


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "the file has no rules"),
        ("# nothing yet\n", "the file has no rules"),
        ("rules: []\n", "the file has no rules"),
        ("rules:\n  - {id: a, keywords: [x1x], enabled: false}\n", "every rule has enabled: false"),
    ],
)
def test_no_enabled_rules_is_a_warning(
    tmp_path: Path, text: str, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, text)
    load_config(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"warning: {path}: no alert rules loaded ({why}); no alert will fire"
    ]
