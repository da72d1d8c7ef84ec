from datetime import UTC, datetime, timedelta

from ingest.schedule import (
    BackoffPolicy,
    IntervalBounds,
    backoff_delay,
    is_due,
    next_interval,
    record_failure,
    record_success,
)
from rasid.records import FeedState

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
B = IntervalBounds(min_s=60, max_s=3600, default_s=600)


def test_interval_speeds_up_with_news_and_slows_down_when_quiet():
    s = FeedState("f")
    assert next_interval(s, 0, B) == 900
    assert next_interval(s, 2, B) == 300
    assert next_interval(s, 50, B) == 60


def test_interval_stays_within_bounds():
    fast = FeedState("f", interval_s=61)
    slow = FeedState("f", interval_s=3500)
    assert next_interval(fast, 3, B) == 60
    assert next_interval(slow, 0, B) == 3600


def test_backoff_is_exponential_and_capped():
    p = BackoffPolicy(base_s=60, factor=2, max_s=600)
    assert [backoff_delay(n, p) for n in range(6)] == [0, 60, 120, 240, 480, 600]


def test_record_failure_is_pure_and_disables():
    p = BackoffPolicy(base_s=10, disable_after=3)
    s0 = FeedState("f")
    s1 = record_failure(s0, "HTTP 500", NOW, policy=p)
    assert s0.failures == 0 and s0.last_error is None  # not mutated
    assert s1.failures == 1 and s1.next_poll_at == NOW + timedelta(seconds=10)
    s3 = record_failure(record_failure(s1, "HTTP 500", NOW, policy=p), "timed out", NOW, policy=p)
    assert s3.disabled and s3.failures == 3 and s3.last_error == "timed out"
    assert not is_due(s3, NOW + timedelta(days=365))


def test_retry_after_is_a_floor():
    s = record_failure(FeedState("f"), "HTTP 429", NOW, retry_after=3600)
    assert s.next_poll_at == NOW + timedelta(seconds=3600)


def test_record_success_resets_and_keeps_validators():
    failing = FeedState("f", etag='"a"', last_modified="x", failures=4, last_error="boom")
    s = record_success(failing, NOW, new_items=3, bounds=B)
    assert s.failures == 0 and s.last_error is None and s.etag == '"a"'
    assert s.last_new_at == NOW and s.interval_s == 300
    assert s.next_poll_at == NOW + timedelta(seconds=300)
    s2 = record_success(s, NOW, etag='"b"', bounds=B)
    assert s2.etag == '"b"' and s2.last_new_at == NOW and s2.interval_s == 450
    assert is_due(s2, NOW + timedelta(seconds=450)) and not is_due(s2, NOW)


def test_apply_poll():
    from ingest.feeds import FeedPoll
    from ingest.schedule import apply_poll
    from rasid.records import FeedItem

    items = [FeedItem("f", "s", g, f"http://e/{g}") for g in ("a", "b", "c")]
    s = FeedState("f", seen_guids=["a"])
    ok = FeedPoll("f", "ok", items=items, etag='"e"', websub_hub="https://hub/")
    s1 = apply_poll(s, ok, NOW, bounds=B)
    assert s1.etag == '"e"' and s1.websub_hub == "https://hub/" and s1.last_new_at == NOW
    assert s1.interval_s == 300  # two new items: faster
    s2 = apply_poll(s1, FeedPoll("f", "not-modified", etag='"e"'), NOW, bounds=B)
    assert s2.interval_s == 450 and s2.failures == 0
    s3 = apply_poll(s2, FeedPoll("f", "error", error="HTTP 503", retry_after_s=900), NOW)
    assert s3.failures == 1 and s3.last_error == "HTTP 503" and s3.etag == '"e"'
    assert s3.next_poll_at == NOW + timedelta(seconds=900)
