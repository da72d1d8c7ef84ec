import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rasid.cli import build_parser, main
from rasid.records import Alert, Article, FeedState
from store.sqlite import SqliteStore

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


@pytest.mark.parametrize("query", ["!!!", '"', "*"])
def test_search_without_words_is_a_usage_error(
    query: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SqliteStore(tmp_path / "r.db").close()
    assert main(["search", query, "--store", f"sqlite:///{tmp_path / 'r.db'}"]) == 2
    err = capsys.readouterr().err
    assert "has no word to search for" in err and "fts5" not in err


# --- third-party text is printed verbatim, never read as rich markup -----------------------
# «[/x]» used to crash rich (MarkupError), «[b]» and «[video]» silently vanished.
BRACKETED = [
    "[/عاجل] اشتباكات في طرابلس [update]",
    "[video] طرابلس تستقبل [b]الوفد",
    "طرابلس \\[x] نص",
]


def _bracketed_article(i: int, title: str, now: datetime) -> Article:
    return Article(
        id=f"a{i}", url=f"https://x.example/[/x]{i}", canonical_url=f"https://x.example/{i}",
        source="src[/s]", feed_id="f", title=title, body="في طرابلس اليوم [video] خبر " * 4,
        lang="ar", fetched_at=now, story_id=f"s{i}",
    )  # fmt: skip


@pytest.fixture
def bracket_store(tmp_path: Path) -> str:
    now = datetime.now(UTC)
    st = SqliteStore(tmp_path / "b.db")
    st.upsert_articles(_bracketed_article(i, t, now) for i, t in enumerate(BRACKETED))
    st.record_alert(
        Alert(id="al1", rule_id="tripoli", article_id="a0", title=BRACKETED[0], source="src[/s]",
              url="https://x.example/[/x]0", matched_terms=["طرابلس"], fired_at=now)
    )  # fmt: skip
    st.close()
    (tmp_path / "rules.yaml").write_text("rules:\n  - {id: tripoli, keywords: [طرابلس]}\n")
    return f"sqlite:///{tmp_path / 'b.db'}"


def _bracket_output(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_alerts_test_prints_bracketed_titles_verbatim(
    bracket_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = str(tmp_path / "rules.yaml")
    text = _bracket_output(
        capsys, "alerts", "test", "tripoli", "--rules", rules, "--store", bracket_store
    )
    for title in BRACKETED:
        assert title in text
    assert "(src[/s]; طرابلس)" in text


def test_search_stories_alerts_print_bracketed_text_verbatim(
    bracket_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _bracket_output(capsys, "search", "نص", "--store", bracket_store)
    assert "«نص»" in text and "\\[x]" in text and "src[/s]" in text
    assert "https://x.example/[/x]2" in text
    text = _bracket_output(capsys, "stories", "--store", bracket_store)
    assert all(t in text for t in BRACKETED) and "https://x.example/[/x]0" in text
    text = _bracket_output(capsys, "alerts", "--store", bracket_store)
    assert BRACKETED[0] in text and "src[/s]" in text and "https://x.example/[/x]0" in text


def test_enrich_prints_bracketed_title_and_claim_verbatim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "t.txt"
    page.write_text(
        f"{BRACKETED[0]}\nقال المتحدث باسم الحكومة في طرابلس إن [video] الوضع [b]مستقر.\n",
        encoding="utf-8",
    )
    text = _bracket_output(capsys, "enrich", str(page))
    assert BRACKETED[0] in text
    assert "[video] الوضع [b]مستقر" in text


def test_enrich_marks_a_cut_quote_and_a_region_without_country(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "t.txt"
    long = "إن الوضع في طرابلس مستقر " * 12
    page.write_text(
        f"تقرير\nقال المتحدث باسم الحكومة {long}.\nوتشهد منطقة شمال إفريقيا موجة حر.\n",
        encoding="utf-8",
    )
    text = _bracket_output(capsys, "enrich", str(page))
    claim = next(line for line in text.splitlines() if "🗣" in line)
    assert "…" in claim  # a quote cut at 120 characters says so
    region = next(line for line in text.splitlines() if "إفريقيا" in line and "📍" in line)
    assert "→ (" in region  # North Africa has no country code, and no blank is printed


def test_websub_unsubscribe_of_an_unknown_feed_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    code = main(["websub", "unsubscribe", "nosuch", "--feeds", str(tmp_path / "feeds.yaml"),
                 "--store", f"sqlite:///{tmp_path / 'r.db'}"])  # fmt: skip
    assert code == 1
    assert "no subscription for 'nosuch'" in capsys.readouterr().out
    files = ["--feeds", str(tmp_path / "feeds.yaml"), "--store", f"sqlite:///{tmp_path / 'r.db'}"]
    assert main(["websub", "unsubscribe", *files]) == 1
    assert "no subscriptions" in capsys.readouterr().out


def _run_args(tmp_path: Path, *feed_urls: str) -> list[str]:
    feeds = "".join(
        f"  - {{id: 'feed{i}', name: F, url: '{u}'}}\n" for i, u in enumerate(feed_urls)
    )
    (tmp_path / "feeds.yaml").write_text("feeds:\n" + feeds)
    (tmp_path / "alerts.yaml").write_text("rules: []\n")
    store = f"sqlite:///{tmp_path / 'r.db'}"
    return ["run", "--feeds", str(tmp_path / "feeds.yaml"),
            "--rules", str(tmp_path / "alerts.yaml"), "--store", store]  # fmt: skip


@pytest.fixture
def run_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("RASID_OUTBOX", str(tmp_path / "outbox.db"))
    monkeypatch.chdir(tmp_path)  # nothing lands in the repository's data/


def test_run_summary_prints_a_bracketed_item_error_verbatim(
    loopback_server, tmp_path: Path, run_env: None, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    base = loopback_server.base_url
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>[/عاجل] اشتباكات [update]</title><link>{base}/a[/x][video]</link>"
        "<guid>g1</guid></item></channel></rss>"
    )
    loopback_server.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        rss.encode(),
    )
    assert main(_run_args(tmp_path, f"{base}/feed.xml")) == 0
    out = capsys.readouterr().out
    assert f"item failed (feed0): {base}/a[/x][video]: HTTP 404" in out


def _serve_feed(server, path: str) -> str:  # type: ignore[no-untyped-def]
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "</channel></rss>"
    )
    server.routes[path] = (200, {"Content-Type": "application/rss+xml"}, rss.encode())
    return server.base_url + path


def test_run_exits_4_when_every_feed_fails_and_0_when_some_answer(
    loopback_server, tmp_path: Path, run_env: None, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    # Without network every feed failed and `rasid run` still exited 0: cron saw no outage.
    base = loopback_server.base_url
    dead = [f"{base}/gone-1.xml", f"{base}/gone-2.xml"]  # the test server answers 404
    assert main(_run_args(tmp_path, *dead)) == 4
    assert "no feed answered" in capsys.readouterr().out
    assert main([*_run_args(tmp_path, *dead), "--json"]) == 4
    assert json.loads(capsys.readouterr().out)["feeds_failed"] == 2
    # partial failure is an ordinary cycle
    assert main(_run_args(tmp_path, dead[0], _serve_feed(loopback_server, "/ok.xml"))) == 0
    assert "no feed answered" not in capsys.readouterr().out


def test_usage_errors_exit_2_like_argparse(
    bracket_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = ["--rules", str(tmp_path / "rules.yaml"), "--store", bracket_store]
    assert main(["alerts", "test", *rules]) == 2
    assert "name the rule" in capsys.readouterr().err
    assert main(["alerts", "test", "nosuchrule", *rules]) == 2
    assert "nosuchrule" in capsys.readouterr().err
    assert main(["search", "--store", bracket_store]) == 2
    assert "give a QUERY" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["search", "x"], ["stories"], ["alerts"], ["alerts", "test", "tripoli"], ["export"]]
)
def test_read_only_commands_do_not_create_a_missing_store(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A mistyped path used to become a new, empty database answering "no results".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text("rules:\n  - {id: tripoli, keywords: [طرابلس]}\n")
    assert main([*argv, "--store", "sqlite:///data/rasidd.db"]) == 3
    err = capsys.readouterr().err
    assert f"no store at {tmp_path / 'data' / 'rasidd.db'}" in err
    assert "sqlite:////abs/path absolute" in err
    monkeypatch.setenv("RASID_STORE_URL", "bogus")
    monkeypatch.setenv("RASID_RULES", str(tmp_path / "rules.yaml"))
    assert main(argv) == 3
    assert f"no store at {tmp_path / 'bogus'}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [tmp_path / "rules.yaml"]  # nothing created


def test_commands_that_write_still_create_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    (tmp_path / "alerts.yaml").write_text("rules: []\n")
    store = "sqlite:///data/new.db"
    assert main(["run", "--feeds", "feeds.yaml", "--rules", "alerts.yaml", "--store", store]) == 0
    assert (tmp_path / "data" / "new.db").is_file()
    assert main(["search", "x", "--store", store]) == 0


# --- numbers that make no sense are refused by the parser ----------------------------------
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["search", "x", "--limit", "-1"], "--limit: must be a whole number of 1 or more"),
        (["search", "x", "--limit", "0"], "--limit: must be a whole number of 1 or more"),
        (["search", "x", "--limit", "ten"], "not 'ten'"),
        (["alerts", "--limit", "0"], "--limit: must be a whole number of 1 or more"),
        (["stories", "--limit", "-3"], "--limit: must be a whole number of 1 or more"),
        (["stories", "--min-articles", "0"], "--min-articles: must be a whole number"),
        (["stories", "--hours", "-1"], "--hours: must be a number greater than 0"),
        (["watch", "--every", "0"], "--every: must be a number greater than 0"),
        (["watch", "--every", "-5"], "--every: must be a number greater than 0"),
        (["watch", "--every", "nan"], "--every: must be a number greater than 0"),
        (["watch", "--cycles", "-1"], "--cycles: must be a whole number of 0 or more"),
    ],
)
def test_non_positive_numbers_are_usage_errors(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--limit -1` listed everything, `--limit 0` said "no results", `--every 0` spun.
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert needle in capsys.readouterr().err


def test_positive_numbers_still_parse() -> None:
    args = build_parser().parse_args(["watch", "--every", "0.5", "--cycles", "0"])
    assert (args.every, args.cycles) == (0.5, 0)
    assert build_parser().parse_args(["search", "x", "--limit", "1"]).limit == 1


def test_search_no_body_without_json_is_a_usage_error(
    bracket_store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # It was silently ignored: the terminal view never prints the body anyway.
    assert main(["search", "نص", "--no-body", "--store", bracket_store]) == 2
    assert "--no-body only applies with --json" in capsys.readouterr().err
    assert main(["search", "نص", "--no-body", "--json", "--store", bracket_store]) == 0
    assert "body" not in json.loads(capsys.readouterr().out.splitlines()[0])


def test_alerts_list_rule_shows_only_that_rules_alerts(
    bracket_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `rasid alerts list RULE` used to ignore RULE and list every rule's alerts.
    st = SqliteStore(bracket_store.removeprefix("sqlite:///"))
    st.record_alert(
        Alert(id="al2", rule_id="other", article_id="a1", title=BRACKETED[1], source="s2",
              url="https://x.example/1", matched_terms=["طرابلس"], fired_at=datetime.now(UTC))
    )  # fmt: skip
    st.close()
    assert main(["alerts", "list", "other", "--json", "--store", bracket_store]) == 0
    assert [json.loads(x)["rule_id"] for x in capsys.readouterr().out.splitlines()] == ["other"]
    assert main(["alerts", "--json", "--store", bracket_store]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {id: quiet, keywords: [سرت]}\n  - {id: other, keywords: [x]}\n")
    files = ["--rules", str(rules), "--store", bracket_store]
    assert main(["alerts", "list", "quiet", *files]) == 0  # a rule that has not fired yet
    assert "no alerts for rule 'quiet' yet" in capsys.readouterr().err
    assert main(["alerts", "list", "nosuch", *files]) == 2  # a misspelt one, as alerts test
    assert "known: quiet, other" in capsys.readouterr().err
    assert main(["alerts", "list", "other", *files]) == 0
    assert " UTC · s2" in capsys.readouterr().out  # times say their zone


def test_alerts_list_of_a_rule_with_no_alerts_needs_no_rules_file(
    bracket_store: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `alerts list tripoli` (which has alerts) never read the rules; `alerts list nosuch` failed
    # with "config/alerts.yaml: cannot read" from a directory without one.
    monkeypatch.chdir(tmp_path)
    assert main(["alerts", "list", "tripoli", "--store", bracket_store]) == 0
    capsys.readouterr()
    assert main(["alerts", "list", "nosuch", "--store", bracket_store]) == 0
    assert "no alerts for rule 'nosuch' yet" in capsys.readouterr().err


def test_alerts_test_says_when_the_rule_is_disabled(
    bracket_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {id: tripoli, keywords: [طرابلس], enabled: false}\n"
        "  - {id: live, keywords: [x]}\n"
    )
    argv = ["alerts", "test", "tripoli", "--rules", str(rules), "--store", bracket_store]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"note: rule 'tripoli' has enabled: false in {rules}; the pipeline does not fire it" in (
        err
    )
    assert "would match 3 article(s)" in err  # the preview still runs: that is what it is for
    assert main([*argv[:2], "live", *argv[3:]]) == 0
    assert "enabled: false" not in capsys.readouterr().err
    assert main([*argv, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["matched_terms"] == r["matched"] == ["طرابلس"] for r in rows)


def test_run_with_an_empty_rules_file_warns_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.yaml").write_text("feeds: []\n")
    (tmp_path / "empty.yaml").write_text("")
    argv = ["run", "--feeds", "feeds.yaml", "--rules", "empty.yaml", "--store", "sqlite:///r.db"]
    assert main(argv) == 0
    assert [r.getMessage() for r in caplog.records if "alert rules" in r.getMessage()] == [
        "warning: empty.yaml: no alert rules loaded (the file has no rules); no alert will fire"
    ]


def test_alerts_test_counts_beyond_the_limit_and_notes_story_conditions(
    bracket_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--limit 1` said "would match 1" when all three articles match.
    rules = tmp_path / "rules.yaml"
    argv = ["alerts", "test", "tripoli", "--rules", str(rules), "--store", bracket_store]
    assert main([*argv, "--limit", "1"]) == 0
    out, err = capsys.readouterr()
    assert "would match 3 article(s) ingested in the last 30 days; showing 1 of 3" in err
    assert len(out.strip().splitlines()) == 1
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "would match 3 article(s)" in err and "showing" not in err
    assert "min_story_size" not in err
    # story conditions are not judged article by article: say so instead of ignoring them
    rules.write_text("rules:\n  - {id: tripoli, keywords: [طرابلس], min_story_size: 3}\n")
    assert main(argv) == 0
    assert "min_story_size and spike conditions are judged only when the pipeline runs" in (
        capsys.readouterr().err
    )


def test_feeds_enable_says_when_the_feed_was_not_disabled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # It said "re-enabled" for a feed that had never been disabled.
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - {id: a, name: A, url: 'http://x.example/a.xml'}\n")
    db = tmp_path / "r.db"
    st = SqliteStore(db)
    st.save_feed_state(FeedState("a", failures=2))
    argv = ["feeds", "--feeds", str(feeds), "--store", f"sqlite:///{db}", "--enable", "a"]
    assert main(argv) == 0
    assert "feed a was not disabled: nothing to re-enable" in capsys.readouterr().err
    assert st.get_feed_state("a").failures == 2  # left as the scheduler keeps it
    st.save_feed_state(FeedState("a", failures=10, disabled=True))
    assert main(argv) == 0
    assert "feed a re-enabled" in capsys.readouterr().err
    state = st.get_feed_state("a")
    assert not state.disabled and state.failures == 0
    st.close()


def test_kibana_setup_on_the_embedded_store_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SqliteStore(tmp_path / "r.db").close()
    assert main(["kibana", "setup", "--store", f"sqlite:///{tmp_path / 'r.db'}"]) == 2
    assert "Kibana reads Elasticsearch" in capsys.readouterr().err


def test_a_terminal_view_read_by_head_exits_0(tmp_path: Path) -> None:
    # `rasid search طرابلس | head -1`: rich exited 1 on the broken pipe, which a
    # `set -o pipefail` script reads as a failed search; the --json views already exit 0.
    from datetime import UTC, datetime

    from rasid.records import Article
    from store.sqlite import SqliteStore

    now = datetime(2024, 10, 17, 12, tzinfo=UTC)
    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles(
        [
            Article(id=f"id{i}", url=f"http://x/{i}", canonical_url=f"http://x/{i}",
                    source="s", feed_id="f", title=f"اشتباكات في طرابلس {i}",
                    body="طرابلس " * 200, lang="ar", fetched_at=now, published_at=now)
            for i in range(100)
        ]
    )  # fmt: skip
    st.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasid.cli", "search", "طرابلس", "--limit", "100",
         "--store", f"sqlite:///{tmp_path / 'r.db'}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "RASID_BIDI": "off"},
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, as `head` does
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_config_is_accepted_after_the_command_too(tmp_path: Path) -> None:
    # `rasid search X --config F` was "unrecognized arguments: --config".
    args = build_parser().parse_args(["search", "x", "--config", str(tmp_path / "a.yaml")])
    assert args.config == str(tmp_path / "a.yaml")
    args = build_parser().parse_args(["--config", "b.yaml", "search", "x"])
    assert args.config == "b.yaml"  # not reset by the command's own default


def test_search_names_the_original_of_a_copy_and_takes_any_case_of_lang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from rasid.records import Article
    from store.sqlite import SqliteStore

    now = datetime(2024, 10, 14, 8, tzinfo=UTC)

    def art(i: int, source: str, **kw: str) -> Article:
        return Article(id=f"id{i}", url=f"http://{source}/{i}", canonical_url=f"http://{source}/{i}",
                       source=source, feed_id="f", title="استئناف الحوار العسكري",
                       body="استئناف الحوار العسكري في سرت " * 20, lang="ar",
                       fetched_at=now, published_at=now, **kw)  # fmt: skip

    st = SqliteStore(tmp_path / "r.db")
    st.upsert_articles([art(1, "sahara"), art(2, "manara", duplicate_of="id1")])
    st.close()
    store = ["--store", f"sqlite:///{tmp_path / 'r.db'}"]
    assert main(["search", "الحوار", "--lang", "AR", *store]) == 0
    shown = capsys.readouterr().out
    assert "copy of sahara's http://sahara/1" in shown  # a bare id no command accepts, before
    code = main(["search", "الحوار", "--since", "2024-10-20", "--until", "2024-10-10", *store])
    assert code == 2 and "is not before --until" in capsys.readouterr().err
    # A country by name is refused with its code, before any store is opened.
    assert main(["search", "--country", "Libya", *store]) == 2
    assert "use LY" in capsys.readouterr().err
    assert main(["search", "--country", "ly", *store]) == 0  # no place resolved: no hit
    assert "no results" in capsys.readouterr().err


def test_alerts_outbox_lists_retries_and_purges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit 3, finding 4: a channel with no URL failed on every run, its rows pending
    forever, and no command showed them."""
    from alerts.channels import SlackChannel
    from alerts.deliver import deliver
    from alerts.outbox import Outbox

    for var in ("RASID_OUTBOX", "RASID_CONFIG", "RASID_RULES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    now = datetime.now(UTC)
    alerts = [
        Alert(id=f"al{i}", rule_id="tripoli", article_id=f"a{i}", title="طرابلس", source="s",
              url=f"https://x.example/{i}", matched_terms=["طرابلس"], fired_at=now)
        for i in range(3)
    ]  # fmt: skip
    box = tmp_path / "r.outbox.db"
    assert (
        deliver(alerts, [SlackChannel.model_construct(id="s", type="slack")], box, now=now).dead
        == 3
    )
    with Outbox(box) as ob:  # and one waiting for a channel since removed from the file
        ob.enqueue(alerts[0], "gone", now=now, due_at=now)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {id: tripoli, name: طرابلس الكبرى, keywords: [طرابلس]}\n"
        "channels:\n  - {id: s, type: slack, url: 'https://hooks.example/x'}\n"
    )
    from store.sqlite import SqliteStore

    SqliteStore(tmp_path / "r.db").close()
    files = ["--rules", str(rules), "--store", f"sqlite:///{tmp_path / 'r.db'}"]
    monkeypatch.setenv("RASID_BIDI", "off")
    assert main(["alerts", "outbox", *files]) == 0
    captured = capsys.readouterr()
    assert "1 waiting, 3 given up, 0 sent" in captured.err
    lines = captured.out.splitlines()
    # The alerts are named (rule id, its name, the title), a few per group.
    assert "s  3 deliveries  given up: PermanentError: slack s: no url or url_env" in lines[0]
    assert lines[1].strip() == "\u2068طرابلس الكبرى\u2069 (tripoli): طرابلس"
    # A channel gone from the rules file says so, not "to retry" or "held".
    assert "gone  1 delivery  channel no longer configured" in captured.out
    assert "held" not in captured.out and "--retry [--channel C]" in captured.err
    assert main(["alerts", "outbox", "--json", "--channel", "s", *files]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in rows] == ["given up"] * 3
    assert {r["reason"] for r in rows} == {"given up: PermanentError: slack s: no url or url_env"}
    assert rows[0]["rule_name"] == "طرابلس الكبرى" and rows[0]["attempts"] == 1
    # A channel gone from the file: --purge drops its waiting rows too; then requeue the dead.
    assert main(["alerts", "outbox", "--purge", "--channel", "gone", *files]) == 0
    assert "1 delivery dropped" in capsys.readouterr().err
    assert main(["alerts", "outbox", "--retry", "--json", *files]) == 0
    assert json.loads(capsys.readouterr().out)["retried"] == 3
    with Outbox(box) as ob:
        assert ob.counts() == {"pending": 3, "sent": 0, "dead": 0}
    # Requeued rows are due now, not "held" (the quiet-hours word).
    assert main(["alerts", "outbox", *files]) == 0
    assert "s  3 deliveries  due now" in capsys.readouterr().out
    assert main(["alerts", "outbox", "--retry", "--purge", *files]) == 2
    assert main(["alerts", "list", "--retry", *files]) == 2
    # A store with no outbox yet: said, and none created by looking.
    SqliteStore(tmp_path / "new.db").close()
    assert main(["alerts", "outbox", "--store", f"sqlite:///{tmp_path / 'new.db'}"]) == 0
    assert "no outbox at" in capsys.readouterr().err
    assert not (tmp_path / "new.outbox.db").exists()


def test_alerts_list_names_the_rule_as_messages_do(
    bracket_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # User audit 4: the list said `cbl` where e-mails said «مصرف ليبيا المركزي».
    rules = tmp_path / "named.yaml"
    rules.write_text("rules:\n  - {id: tripoli, name: أخبار طرابلس, keywords: [طرابلس]}\n")
    text = _bracket_output(capsys, "alerts", "--rules", str(rules), "--store", bracket_store)
    assert "\u2068أخبار طرابلس\u2069 (tripoli)" in text
    # Without a readable rules file the id alone, as before.
    text = _bracket_output(
        capsys, "alerts", "--rules", str(tmp_path / "none.yaml"), "--store", bracket_store
    )
    assert text.startswith("tripoli · ")


def test_alerts_outbox_channel_filter_counts_and_unknown_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit 4, finding 4: --channel left the header and the retry hint unfiltered, and an
    unknown id exited 0 with nothing listed."""
    from alerts.outbox import Outbox
    from store.sqlite import SqliteStore

    for var in ("RASID_OUTBOX", "RASID_CONFIG", "RASID_RULES"):
        monkeypatch.delenv(var, raising=False)
    now = datetime.now(UTC)
    alert = Alert(id="al1", rule_id="r", article_id="a1", title="t", source="s", url="u",
                  matched_terms=["t"], fired_at=now)  # fmt: skip
    with Outbox(tmp_path / "r.outbox.db") as ob:
        ob.enqueue(alert, "hook", now=now, due_at=now)
        ob.mark_dead(["al1:hook"], "PermanentError: HTTP 400", tries=2)
        ob.enqueue(alert, "file", now=now, due_at=now)
        ob.mark_sent(["al1:file"], "m", now)
    SqliteStore(tmp_path / "r.db").close()
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {id: r, keywords: [t]}\n"
        f"channels:\n  - {{id: mail, type: jsonl, path: '{tmp_path / 'm.jsonl'}'}}\n"
    )
    files = ["--rules", str(rules), "--store", str(tmp_path / "r.db")]
    assert main(["alerts", "outbox", "--channel", "mail", *files]) == 0
    captured = capsys.readouterr()
    assert "(channel mail): 0 waiting, 0 given up, 0 sent" in captured.err
    assert "--retry" not in captured.err and captured.out == ""
    assert main(["alerts", "outbox", "--channel", "hook", *files]) == 0
    captured = capsys.readouterr()
    assert "(channel hook): 0 waiting, 1 given up, 0 sent" in captured.err
    assert "--retry --channel hook" in captured.err
    assert main(["alerts", "outbox", "--channel", "hook", "--json", *files]) == 0
    assert json.loads(capsys.readouterr().out)["attempts"] == 2  # sends made, not passes
    for extra in ([], ["--retry"], ["--purge"]):
        assert main(["alerts", "outbox", "--channel", "nosuch", *extra, *files]) == 2
        assert "no channel 'nosuch' in the outbox or the rules file (known: file, hook, mail)" in (
            capsys.readouterr().err
        )
    assert main(["alerts", "outbox", "--purge", "--json", *files]) == 0
    assert json.loads(capsys.readouterr().out)["purged"] == 1


def test_alerts_outbox_refuses_a_missing_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Audit 4, finding 5: a mistyped --store read as "nothing was ever queued", exit 0."""
    for extra in ([], ["--purge"], ["--retry"]):
        code = main(["alerts", "outbox", *extra, "--store", f"sqlite:///{tmp_path}/nope.db"])
        assert code == 3
        assert "store error (missing): no store at" in capsys.readouterr().err
    assert not (tmp_path / "nope.outbox.db").exists()


def test_first_enrichment_in_a_fresh_cache_says_what_it_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first cycle on a new machine builds the gazetteers (about 20 s) before the first
    # article is enriched; it sat silent on "Deduplicating, enriching and indexing…".
    from rasid.cli import _progress

    monkeypatch.setenv("RASID_CACHE_DIR", str(tmp_path / "cache"))
    _progress("fetched", {"articles": 3})
    err = capsys.readouterr().err
    assert "first use: building the gazetteer and the Latin place-name index" in err
    _progress("fetched", {"articles": 0})  # nothing to enrich: nothing to build now
    assert "first use" not in capsys.readouterr().err
