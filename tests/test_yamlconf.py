from pathlib import Path

import pytest

from rasid.config import FeedsFile, load_feeds, load_settings
from rasid.yamlconf import ConfigError, load_model, read_yaml


def test_errors_carry_line_numbers(tmp_path: Path) -> None:
    p = tmp_path / "feeds.yaml"
    p.write_text("feeds:\n  - id: a\n    name: A\n    url: http://x\n  - id: b\n    url: ftp://y\n")
    with pytest.raises(ConfigError) as exc:
        load_model(FeedsFile, p)
    text = str(exc.value)
    assert f"{p}:5: feeds[1].name: Field required" in text
    assert f"{p}:6: feeds[1].url" in text


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    p = tmp_path / "feeds.yaml"
    p.write_text("feeds:\n  - id: a\n    name: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        load_model(FeedsFile, p)
    assert "YAML syntax error" in str(exc.value)
    assert exc.value.problems[0][0] is not None


def test_duplicate_feed_ids_rejected(tmp_path: Path) -> None:
    p = tmp_path / "feeds.yaml"
    p.write_text(
        "feeds:\n  - {id: a, name: A, url: 'http://x'}\n  - {id: a, name: B, url: 'http://y'}\n"
    )
    with pytest.raises(ConfigError, match="duplicate feed id"):
        load_model(FeedsFile, p)


def test_duplicate_feed_id_points_at_the_duplicate_entry(tmp_path: Path) -> None:
    # It used to be reported at line 1 (`feeds:`), leaving the user to hunt for it.
    p = tmp_path / "feeds.yaml"
    p.write_text(
        "feeds:\n  - {id: a, name: A, url: 'http://x'}\n  - {id: b, name: B, url: 'http://y'}\n"
        "  - name: C\n    id: a\n    url: http://z\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_model(FeedsFile, p)
    assert f"{p}:5: feeds[2].id:" in str(exc.value)
    assert "duplicate feed id 'a' (first used by feeds[0])" in str(exc.value)


def test_shipped_feed_registry_is_valid() -> None:
    feeds = load_feeds(Path(__file__).resolve().parents[1] / "config" / "feeds.yaml")
    assert len(feeds) >= 8
    assert {"bbc-arabic", "aljazeera", "alwasat"} <= {f.id for f in feeds}


def test_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASID_STORE_URL", "sqlite:///x.db")
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    s = load_settings()
    assert s.store_url == "sqlite:///x.db"
    assert s.allow_private_networks


def test_feed_timezone_is_checked_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "feeds.yaml"
    p.write_text(
        "feeds:\n  - {id: a, name: A, url: 'http://x', timezone: Africa/Tripoli}\n"
        "  - id: b\n    name: B\n    url: http://y\n    timezone: Libya/Tripoli\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_model(FeedsFile, p)
    assert f"{p}:6: feeds[1].timezone" in str(exc.value)
    assert "Africa/Tripoli" in str(exc.value)  # the message shows what a zone looks like
    p.write_text("feeds:\n  - {id: a, name: A, url: 'http://x', timezone: Africa/Tripoli}\n")
    assert load_model(FeedsFile, p).feeds[0].to_feed().timezone == "Africa/Tripoli"


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("max_bytes", "-5", "greater than or equal to 1"),
        ("max_bytes", "0", "greater than or equal to 1"),
        ("total_timeout", "0", "greater than 0"),
        ("connect_timeout", "-1", "greater than 0"),
        ("read_timeout", "0", "greater than 0"),
        ("per_host_concurrency", "0", "greater than or equal to 1"),
        ("max_redirects", "-1", "greater than or equal to 0"),
        ("politeness_delay", "-0.5", "greater than or equal to 0"),
    ],
)
def test_http_settings_refuse_non_positive_values(
    tmp_path: Path, key: str, value: str, needle: str
) -> None:
    # `http.max_bytes: -5` was accepted and then refused every page as too large.
    p = tmp_path / "rasid.yaml"
    p.write_text(f"workers: 4\nhttp:\n  {key}: {value}\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(p)
    assert f"{p}:3: http.{key}: Input should be {needle}" in str(exc.value)


def test_http_settings_accept_zero_redirects_and_delay(tmp_path: Path) -> None:
    p = tmp_path / "rasid.yaml"
    p.write_text("http:\n  max_redirects: 0\n  politeness_delay: 0\n")
    assert load_settings(p).http.max_redirects == 0


def test_an_unknown_store_scheme_in_the_settings_names_its_line(tmp_path: Path) -> None:
    # It used to pass validation and fail at open: exit 3 with no file or line.

    cfg = tmp_path / "rasid.yaml"
    cfg.write_text("workers: 4\nstore: postgres://x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(cfg)
    assert f"{cfg}:2" in str(exc.value) and "unknown store URL scheme 'postgres'" in str(exc.value)


# --- duplicate keys and base-60 numbers, in the shared loader ---------------------------------
# PyYAML keeps the last of two equal keys without a word: a whole `http:` block (with its
# mistakes) or a rule's first `keywords:` vanished.


def test_duplicate_settings_key_is_an_error_at_the_second_one(tmp_path: Path) -> None:
    p = tmp_path / "rasid.yaml"
    p.write_text("http:\n  connect_timeout: 0\nworkers: 4\nhttp:\n  read_timeout: 20\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(p)
    assert str(exc.value) == f"{p}:4: duplicate key 'http' (first at line 1)"


def test_duplicate_feed_key_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "feeds.yaml"
    p.write_text(
        "feeds:\n  - id: a\n    name: A\n    url: http://x/a\n    url: http://x/b\n    name: B\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_feeds(p)
    assert exc.value.problems == [
        (5, "duplicate key 'url' (first at line 4)"),
        (6, "duplicate key 'name' (first at line 3)"),
    ]


def test_duplicates_are_reported_in_file_order(tmp_path: Path) -> None:
    p = tmp_path / "doc.yaml"
    p.write_text("a:\n  x: 1\n  x: 2\nb: 1\nb: 2\n")
    with pytest.raises(ConfigError) as exc:
        read_yaml(p)
    assert [line for line, _ in exc.value.problems] == [3, 5]


def test_the_same_key_in_two_mappings_and_merge_overrides_are_fine(tmp_path: Path) -> None:
    p = tmp_path / "doc.yaml"
    p.write_text("a: {x: 1}\nb: {x: 2}\nbase: &b\n  x: 1\n  y: 2\nc:\n  <<: *b\n  x: 3\n")
    assert read_yaml(p)["c"] == {"x": 3, "y": 2}


def test_unquoted_times_stay_text(tmp_path: Path) -> None:
    # YAML 1.1 reads 23:00 as 23*60 = 1380 (and 1:30.5 as 90.5); YAML 1.2 and people do not.
    p = tmp_path / "doc.yaml"
    p.write_text("a: 23:00\nb: 07:00\nc: 1:30.5\nd: 587\ne: -100123\nf: 0.5\n")
    assert read_yaml(p) == {"a": "23:00", "b": "07:00", "c": "1:30.5", "d": 587, "e": -100123,
                            "f": 0.5}  # fmt: skip


def test_only_true_and_false_are_booleans(tmp_path: Path) -> None:
    # YAML 1.1 read `id: on` as True ("Input should be a valid string"); YAML 1.2 does not.
    from rasid.yamlconf import read_yaml

    f = tmp_path / "x.yaml"
    f.write_text("id: on\nother: No\nenabled: true\noff_too: FALSE\n", encoding="utf-8")
    doc = read_yaml(f)
    assert doc == {"id": "on", "other": "No", "enabled": True, "off_too": False}
    f.write_text("allow_private_networks: yes\n", encoding="utf-8")
    assert load_settings(f).allow_private_networks is True  # "yes" still means true
