"""Pure helpers of rasid.airflow_support: no Airflow needed, so these run in either venv."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rasid import airflow_support as af


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("elasticsearch", "es.internal", 9200), "http://es.internal:9200"),
        (("elasticsearch", "es.internal", 9200, "elastic", "s3:cr@t/x"),
         "http://elastic:s3%3Acr%40t%2Fx@es.internal:9200"),
        (("elasticsearch", "es.internal", 9243, "u", "p", "https"), "https://u:p@es.internal:9243"),
        (("elasticsearch", "https://es.example.org:9243", None, "u", "p"),
         "https://u:p@es.example.org:9243"),
        (("http", "localhost", 9200, None, None, None, {"use_ssl": "true", "verify_certs": False}),
         "https://localhost:9200?verify_certs=False"),
        (("opensearch", "os.internal", 9200, "admin", "pw"), "opensearch://admin:pw@os.internal:9200"),
        (("opensearch", "os.internal", 9200, None, None, None, {"use_ssl": True}),
         "opensearchs://os.internal:9200"),
        (("sqlite", "/var/lib/rasid/rasid.db"), "sqlite:////var/lib/rasid/rasid.db"),
        (("sqlite", "data/rasid.db"), "sqlite:///data/rasid.db"),
    ],
)  # fmt: skip
def test_build_store_url(args: tuple, expected: str) -> None:
    assert af.build_store_url(*args) == expected


def test_build_store_url_rejects_what_is_not_a_search_engine() -> None:
    with pytest.raises(ValueError, match="not a search engine"):
        af.build_store_url("postgres", "db", 5432)
    with pytest.raises(ValueError, match="no host"):
        af.build_store_url("elasticsearch", "")


def test_redact_url_hides_the_password_only() -> None:
    url = af.build_store_url("elasticsearch", "es", 9200, "elastic", "hunter2")
    assert af.redact_url(url) == "http://elastic:***@es:9200"
    assert "hunter2" not in af.redact_url(url)
    assert af.redact_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*/5 * * * *", "*/5 * * * *"),
        ("@daily", "@daily"),
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("300", timedelta(seconds=300)),
        ("none", None),
    ],
)
def test_parse_schedule(text: str, expected: object) -> None:
    assert af.parse_schedule(text) == expected


def test_parse_schedule_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        af.parse_schedule("every now and then")
    with pytest.raises(ValueError):
        af.parse_schedule("0s")


def test_poll_errors_raise_so_airflow_retries() -> None:
    ok = {"feed_id": "a", "status": "ok", "new_items": [], "error": None}
    assert af.raise_on_poll_error(ok) == ok
    assert af.raise_on_poll_error({**ok, "status": "not-modified"})["status"] == "not-modified"
    with pytest.raises(af.FeedPollError, match="feed a: HTTP 503"):
        af.raise_on_poll_error({**ok, "status": "error", "error": "HTTP 503"})
    # In backoff: not polled, no failure counted, but the task still shows the feed is down.
    with pytest.raises(af.FeedPollError, match="feed a: in backoff after 2 failures"):
        af.raise_on_poll_error({**ok, "status": "not-due", "error": "in backoff after 2 failures"})


def test_summarize_batches_skips_missing_results_and_counts_articles_once() -> None:
    results = [
        {"feed_id": "a", "indexed": 2, "duplicates": 1, "failed": 0, "article_ids": ["x", "y"]},
        None,
        {"feed_id": "b", "indexed": 2, "duplicates": 0, "failed": 3, "article_ids": ["z", "x"]},
    ]
    assert af.summarize_batches(results) == {
        "feeds": 2, "articles": 3, "indexed": 4, "duplicates": 1, "failed": 3, "corrected": 0,
        "article_ids": ["x", "y", "z"],
    }  # fmt: skip


def test_health_summary_counts_statuses() -> None:
    report = {"feed_health": [{"status": "ok"}, {"status": "failing"}, {"status": "ok"}]}
    assert af.health_summary(report) == {"ok": 2, "failing": 1}


def test_store_urls_parse_back_with_their_credentials() -> None:
    """What build_store_url writes is what the search-engine store reads (hosts, TLS, auth)."""
    es_common = pytest.importorskip("store.es_common")
    url = af.build_store_url("elasticsearch", "es", 9200, "elastic", "p@ss:w/rd", "https")
    parsed = es_common.parse_store_url(url)
    assert parsed.hosts == ("https://es:9200",)
    assert (parsed.username, parsed.password) == ("elastic", "p@ss:w/rd")
    assert "p@ss" not in parsed.redacted
    extra = {"use_ssl": True, "verify_certs": False, "prefix": "news"}
    parsed = es_common.parse_store_url(af.build_store_url("opensearch", "os", 9200, extra=extra))
    assert parsed.hosts == ("https://os:9200",)
    assert parsed.flag("verify_certs", True) is False
    assert parsed.options().prefix == "news"
