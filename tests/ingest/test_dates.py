from datetime import UTC, datetime

import pytest

from ingest.dates import parse_date


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 822 as in RSS, with and without a weekday, numeric and named zones
        ("Sun, 07 Apr 2019 03:45:00 +0200", utc(2019, 4, 7, 1, 45)),
        ("07 Apr 2019 03:45:00 GMT", utc(2019, 4, 7, 3, 45)),
        ("Wed, 24 Aug 2020 10:00:00 EST", utc(2020, 8, 24, 15, 0)),
        # ISO 8601 as in Atom and <meta>
        ("2019-04-07T03:45:00+02:00", utc(2019, 4, 7, 1, 45)),
        ("2019-04-07T03:45:00.123Z", utc(2019, 4, 7, 3, 45)),
        ("2019-04-07", utc(2019, 4, 7)),
        ("2020-06-03 14:05:00 GMT+3", utc(2020, 6, 3, 11, 5)),
        # Levantine month names, Eastern Arabic digits, «نيسان/أبريل», م = PM
        ("الأحد ٧ نيسان/أبريل ٢٠١٩ - ٠٣:٤٥ م", utc(2019, 4, 7, 15, 45)),
        ("7 أبريل (نيسان) 2019", utc(2019, 4, 7)),
        ("5 كانون الثاني 2020", utc(2020, 1, 5)),
        ("١٠ تشرين الأول ٢٠٢٠ الساعة ١١:٠٠ مساءً", utc(2020, 10, 10, 23, 0)),
        ("24 آب 2020 12:30 م", utc(2020, 8, 24, 12, 30)),
        ("الجمعة 12 كانون الأول 2014 12:05 ص", utc(2014, 12, 12, 0, 5)),
        # Egyptian/Gulf names, weekday with Arabic comma, ص = AM
        ("الثلاثاء، 24 أغسطس 2020 10:15 ص", utc(2020, 8, 24, 10, 15)),
        ("الإثنين 1 يونيه 2020", utc(2020, 6, 1)),
        ("إبريل 26, 2020", utc(2020, 4, 26)),
        # Persian digits
        ("۲۴ أغسطس ۲۰۲۰", utc(2020, 8, 24)),
        # Maghrebi names
        ("الخميس 3 جويلية 2025 | 12:00", utc(2025, 7, 3, 12, 0)),
        ("12 فيفري 2021", utc(2021, 2, 12)),
        # Hijri then Gregorian: the Gregorian date wins
        ("السبت 5 رمضان 1441 هـ الموافق 26 أبريل 2020", utc(2020, 4, 26)),
        # Numeric, day first as Arab outlets write it
        ("24/08/2020 22:10", utc(2020, 8, 24, 22, 10)),
        ("٢٤/٠٨/٢٠٢٠", utc(2020, 8, 24)),
        ("2020/08/24", utc(2020, 8, 24)),
        # English
        ("June 3, 2020 10:00 PM", utc(2020, 6, 3, 22, 0)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "garbage", "منذ قليل", "32/13/2020", "1441 هـ"])
def test_unparseable_is_none(text):
    assert parse_date(text) is None


def test_result_is_aware_utc_and_keep_tz_keeps_offset():
    found = parse_date("2020-06-03T03:01:00+04:00")
    assert found.tzinfo is UTC and found.day == 2
    local = parse_date("2020-06-03T03:01:00+04:00", keep_tz=True)
    assert local.day == 3 and local.utcoffset().total_seconds() == 4 * 3600


@pytest.mark.parametrize(
    "text",
    [
        "الخميس ١٧ أكتوبر ٢٠٢٤ - ٠٨:٠٥ م",  # Arabic, Eastern digits, no zone
        "2024-10-17 20:05",
        "17/10/2024 20:05",
        "Thu, 17 Oct 2024 20:05:00",  # RFC 822 with its zone left out
    ],
)
def test_a_time_without_zone_is_read_in_the_outlets_zone(text):
    from zoneinfo import ZoneInfo

    cairo = ZoneInfo("Africa/Cairo")  # +03:00 in October 2024 (summer time), +02:00 in January
    assert parse_date(text) == datetime(2024, 10, 17, 20, 5, tzinfo=UTC)
    assert parse_date(text, default_tz=cairo) == datetime(2024, 10, 17, 17, 5, tzinfo=UTC)
    assert parse_date(text.replace("أكتوبر", "يناير").replace("-10-", "-01-").replace(
        "/10/", "/01/").replace("Oct", "Jan"), default_tz=cairo).hour == 18  # fmt: skip


@pytest.mark.parametrize(
    "text", ["Thu, 17 Oct 2024 20:05:00 GMT", "Thu, 17 Oct 2024 20:05:00 -0000",
             "2024-10-17T20:05:00Z", "2024-10-17T20:05:00+00:00"],
)  # fmt: skip
def test_a_written_zone_wins_over_the_outlets(text):
    from zoneinfo import ZoneInfo

    found = parse_date(text, default_tz=ZoneInfo("Africa/Cairo"))
    assert found == datetime(2024, 10, 17, 20, 5, tzinfo=UTC)
