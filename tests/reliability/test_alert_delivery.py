"""SMTP and webhook receivers down for a while: every alert still arrives exactly once.

The receivers are real loopback servers (aiosmtpd; an HTTP endpoint). While they are
down — the SMTP port closed (connection refused), the webhook answering 503 — cycles keep
running: the file channel gets its alerts at once, the others wait in the outbox. When
the receivers come back, the next delivery run (its clock moved past the outbox backoff,
as a run that much later would be) sends each pending alert exactly once per channel, and
later runs send nothing again.
"""

from __future__ import annotations

import threading

import pytest

from .conftest import (
    Site,
    assert_alerts_exactly_once,
    assert_articles_exactly_once,
    assert_no_feed_failed,
    deliver_later,
    stored_state,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]


def _channels(webhook, smtp) -> list[dict]:  # type: ignore[no-untyped-def]
    # One in-process try per run: the outbox, not tenacity, carries the retry across runs.
    return [
        {"id": "hook", "type": "webhook", "url": webhook.url, "retries": 1, "retry_wait_s": 0,
         "timeout_s": 2},
        {"id": "mail", "type": "email", "host": "127.0.0.1", "port": smtp.port,
         "starttls": False, "sender": "rasid@127.0.0.1", "to": ["desk@127.0.0.1"],
         "retries": 1, "retry_wait_s": 0, "timeout_s": 2},
    ]  # fmt: skip


def _receipts(site: Site, webhook, smtp) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {
        "file": site.jsonl_alert_ids(),
        "hook": webhook.alert_ids(),
        "mail": [k.split(":", 1)[0] for k in smtp.delivery_keys()],
    }


def test_receivers_down_then_back(make_site, items, webhook, smtp) -> None:
    site: Site = make_site(items, channels=_channels(webhook, smtp))
    webhook.down = True  # 503 for every delivery
    smtp.stop()  # connection refused

    first = site.run()
    assert_no_feed_failed(first)
    assert first["alerts_fired"] > 0, first
    assert first["alerts_failed"] > 0, "deliveries to the down receivers must fail, not vanish"
    stored, alert_ids = stored_state(site)
    assert set(site.jsonl_alert_ids()) == alert_ids, "the file channel is not held up by the others"
    assert not webhook.alert_ids() and not smtp.delivery_keys()

    # Still down on the next cycle: nothing is lost, nothing is sent.
    second = site.run()
    assert second["articles_indexed"] == 0
    assert not webhook.alert_ids() and not smtp.delivery_keys()
    assert deliver_later(site, hours=0.1)["sent"] == 0  # still down, past the first backoff

    webhook.down = False
    smtp.start()
    later = deliver_later(site, hours=3)
    assert later["failed"] == 0 and later["pending"] == 0, later
    assert_articles_exactly_once(stored, site.corpus)
    assert_alerts_exactly_once(alert_ids, _receipts(site, webhook, smtp))

    # More cycles and delivery runs afterwards send nothing twice.
    site.run()
    deliver_later(site, hours=6)
    assert_alerts_exactly_once(alert_ids, _receipts(site, webhook, smtp))


def test_receiver_flapping_during_delivery(make_site, items, webhook, smtp) -> None:
    """The webhook fails every other request: retries across runs still converge to
    exactly one delivery per alert (a failed POST is not counted as received)."""
    site: Site = make_site(items, channels=_channels(webhook, smtp))
    stop = threading.Event()

    def flap() -> None:  # up 50 ms, down 50 ms, ...
        while not stop.is_set():
            webhook.down = not webhook.down
            stop.wait(0.05)

    t = threading.Thread(target=flap, daemon=True)
    t.start()
    try:
        assert_no_feed_failed(site.run())
        for h in range(1, 30):
            if deliver_later(site, hours=h)["pending"] == 0:
                break
    finally:
        stop.set()
        t.join()
    webhook.down = False
    deliver_later(site, hours=48)
    stored, alert_ids = stored_state(site)
    assert_articles_exactly_once(stored, site.corpus)
    assert_alerts_exactly_once(alert_ids, _receipts(site, webhook, smtp))
