from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.schedule import (
    GIVEN_UP_KEPT,
    BackoffPolicy,
    IntervalBounds,
    ItemFailure,
    ItemRetryPolicy,
    backoff_delay,
    is_due,
    next_interval,
    record_failure,
    record_item_failures,
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


def _fail(
    state: FeedState, status: int | None, at: datetime, policy: ItemRetryPolicy
) -> tuple[FeedState, list[dict[str, Any]]]:
    err = f"http://x/a: HTTP {status}" if status else "http://x/a: timed out after 15s (read)"
    return record_item_failures(state, [ItemFailure("http://x/a", "g1", err, status)], at, policy)


def test_failing_item_is_given_up_after_its_attempts_404_sooner():
    policy = ItemRetryPolicy(max_attempts=5, min_span_s=0)
    for status, limit in ((404, 3), (410, 3), (503, 5), (None, 5)):
        state = FeedState("f")
        for attempt in range(1, limit):
            state, gave_up = _fail(state, status, NOW + timedelta(minutes=attempt), policy)
            assert gave_up == [] and state.failing_items["http://x/a"]["attempts"] == attempt
        state, gave_up = _fail(state, status, NOW + timedelta(hours=1), policy)
        assert state.failing_items == {}
        assert [(g["item"], g["guid"], g["attempts"]) for g in gave_up] == [
            ("http://x/a", "g1", limit)
        ]
        assert state.given_up_items == gave_up  # with the reason, for `rasid feeds --json`
        assert gave_up[0]["error"].startswith("http://x/a: ") and gave_up[0]["given_up_at"]


def test_item_is_not_given_up_before_its_retry_span():
    # `rasid watch --every 15`: a page missing for a few minutes must not be lost.
    policy = ItemRetryPolicy(max_attempts=5, min_span_s=3600)
    state = FeedState("f")
    for i in range(20):
        state, gave_up = _fail(state, 404, NOW + timedelta(seconds=15 * i), policy)
        assert gave_up == []
    assert state.failing_items["http://x/a"]["first_failed_at"] == NOW.isoformat()
    state, gave_up = _fail(state, 404, NOW + timedelta(hours=1), policy)
    assert len(gave_up) == 1 and state.failing_items == {}


def test_fetched_or_vanished_item_is_forgotten_and_give_ups_are_bounded():
    policy = ItemRetryPolicy(max_attempts=1, min_span_s=0)
    state, _ = _fail(FeedState("f"), 503, NOW, ItemRetryPolicy(min_span_s=0))
    state, gave_up = record_item_failures(state, [], NOW, policy)  # fetched this time
    assert state.failing_items == {} and gave_up == []
    for i in range(GIVEN_UP_KEPT + 5):
        failure = ItemFailure(f"http://x/{i}", f"g{i}", "HTTP 404", 404)
        state, _ = record_item_failures(state, [failure], NOW, policy)
    assert len(state.given_up_items) == GIVEN_UP_KEPT
    assert state.given_up_items[-1]["item"] == f"http://x/{GIVEN_UP_KEPT + 4}"
