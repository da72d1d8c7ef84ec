"""Two writers of one feed's state: the three-way merge keeps both writers' changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ingest.schedule import SEEN_GUIDS_KEPT
from ingest.state_merge import merge_feed_state
from rasid.records import FeedState

T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


def _base() -> FeedState:
    return FeedState(
        "f",
        etag='"v1"',
        seen_guids=["g1", "g2"],
        last_polled_at=T0,
        failing_items={"u-old": {"attempts": 1, "first_failed_at": T0.isoformat(), "error": "503"}},
        item_versions={"k1": {"updated": None, "sig": "a"}, "k2": {"updated": None, "sig": "b"}},
    )


def test_no_other_writer_keeps_ours_as_it_is() -> None:
    base = _base()
    ours = replace(base, etag='"v2"', seen_guids=["g1", "g2", "g3"])
    assert merge_feed_state(base, ours, base) is ours


def test_a_push_during_a_long_poll_survives_the_poll_s_save() -> None:
    base = _base()
    # The poll: new validators, one more item seen, the old failure settled, k2 left the feed.
    ours = replace(
        base,
        etag='"v2"',
        seen_guids=["g1", "g2", "g3"],
        last_polled_at=T0 + timedelta(minutes=5),
        failing_items={},
        item_versions={"k1": base.item_versions["k1"], "k3": {"updated": None, "sig": "c"}},
    )
    # Meanwhile a push: an item stored, one failed, the feed's hub noted.
    theirs = replace(
        base,
        seen_guids=["g1", "g2", "p1"],
        last_new_at=T0 + timedelta(minutes=2),
        websub_hub="https://hub.example/",
        failing_items={**base.failing_items, "u-push": {"attempts": 1, "error": "404"}},
        item_versions={**base.item_versions, "kp": {"updated": None, "sig": "p", "id": "x"}},
    )
    merged = merge_feed_state(base, ours, theirs)
    # Theirs' failed item waits for a retry: the validators stay back, or a 304 lists nothing.
    assert merged.etag == '"v1"' and merged.last_polled_at == ours.last_polled_at
    assert merged.last_new_at == theirs.last_new_at and merged.websub_hub == theirs.websub_hub
    assert merged.seen_guids == ["g1", "g2", "p1", "g3"]
    # Ours settled u-old; theirs' new failure stays, to be retried.
    assert set(merged.failing_items) == {"u-push"}
    # Ours pruned k2 and added k3; theirs' kp is kept.
    assert set(merged.item_versions) == {"k1", "k3", "kp"}


def test_a_field_both_changed_is_ours_and_one_only_they_changed_is_theirs() -> None:
    base = _base()
    ours = replace(base, failures=3, last_error="HTTP 500")
    theirs = replace(base, failures=0, disabled=False, next_poll_at=T0, interval_s=120.0)
    merged = merge_feed_state(base, ours, theirs)
    assert (merged.failures, merged.last_error) == (3, "HTTP 500")
    assert (merged.next_poll_at, merged.interval_s) == (T0, 120.0)


def test_re_enabling_during_a_run_is_not_undone() -> None:
    base = replace(_base(), disabled=True, failures=10)
    ours = replace(base, last_poll_s=1.5)  # the run did not touch the switch
    theirs = replace(base, disabled=False, failures=0)  # `rasid feeds --enable`
    merged = merge_feed_state(base, ours, theirs)
    assert (merged.disabled, merged.failures, merged.last_poll_s) == (False, 0, 1.5)


def test_an_item_ours_dropped_but_theirs_changed_is_kept() -> None:
    base = _base()
    ours = replace(base, item_versions={"k1": base.item_versions["k1"]})
    changed = {"updated": None, "sig": "b2", "refetches": 1}
    theirs = replace(base, item_versions={**base.item_versions, "k2": changed})
    assert merge_feed_state(base, ours, theirs).item_versions["k2"] == changed


def test_unions_stay_bounded() -> None:
    base = FeedState("f")
    ours = replace(base, seen_guids=[f"o{i}" for i in range(SEEN_GUIDS_KEPT)])
    theirs = replace(base, seen_guids=["t1"], given_up_items=[{"item": "a", "given_up_at": "x"}])
    merged = merge_feed_state(base, ours, theirs)
    assert len(merged.seen_guids) == SEEN_GUIDS_KEPT and merged.seen_guids[-1] == "o4999"
    assert merged.given_up_items == [{"item": "a", "given_up_at": "x"}]


def test_a_snapshot_does_not_share_what_the_run_changes_in_place() -> None:
    from ingest.state_merge import snapshot

    state = _base()
    base = snapshot(state)
    state.seen_guids.append("g9")
    state.item_versions["k1"]["sig"] = "changed"
    state.failing_items["u-old"]["attempts"] = 2
    assert base == _base()


def test_ours_validators_move_on_when_no_other_item_waits() -> None:
    base = _base()
    ours = replace(base, etag='"v2"', failing_items={})
    theirs = replace(base, websub_hub="https://hub.example/")
    assert merge_feed_state(base, ours, theirs).etag == '"v2"'


def test_event_times_recorded_by_both_keep_the_later() -> None:
    base = _base()
    ours = replace(base, last_new_at=T0 + timedelta(minutes=1))  # the cycle's clock, early
    theirs = replace(base, last_new_at=T0 + timedelta(minutes=3))  # a push saved later
    assert merge_feed_state(base, ours, theirs).last_new_at == T0 + timedelta(minutes=3)
