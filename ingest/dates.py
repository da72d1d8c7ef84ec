"""Publication dates as Arab outlets write them, to timezone-aware UTC.

Handles RFC 822 (RSS), ISO 8601 (Atom, <meta>), and free Arabic text such as
«الأحد ٧ نيسان/أبريل ٢٠١٩ - ٠٣:٤٥ م» or «الثلاثاء، 24 أغسطس 2020 10:15 ص»: Eastern Arabic and
Persian digits, Egyptian/Gulf month names (يناير…), Levantine/Iraqi names (كانون الثاني…),
Maghrebi names (جانفي…), weekday names, and ص/م for AM/PM. A time without a zone is taken as
UTC, unless the caller gives the outlet's zone (a feed's ``timezone:`` setting): many Arab
outlets print local time with no zone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from zoneinfo import ZoneInfo

_DIGITS = str.maketrans(
    {
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Eastern Arabic ٠-٩
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian ۰-۹
        "،": ",",
        "٫": ".",
        "٬": ",",
        "\u200f": " ",
        "\u200e": " ",
        "\u061c": " ",
    }
)
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ـ": ""})
_HARAKAT = re.compile("[\u064b-\u065f\u0670]")

# Folded spellings (see _FOLD) -> month number. Multi-word names come first in the regex.
_MONTHS: dict[str, int] = {
    # Egyptian / Gulf (transliterated Latin names)
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9,
    "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Levantine / Iraqi (Syriac names)
    "كانون الثاني": 1, "كانون ثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5,
    "حزيران": 6, "تموز": 7, "اب": 8, "ايلول": 9, "تشرين الاول": 10, "تشرين اول": 10,
    "تشرين الثاني": 11, "تشرين ثاني": 11, "كانون الاول": 12, "كانون اول": 12,
    # Maghrebi (French names)
    "جانفي": 1, "فيفري": 2, "افريل": 4, "ماي": 5, "جوان": 6, "جويليه": 7, "اوت": 8,
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + r")(?!\w)",
    re.I,
)
# «نيسان/أبريل», «أبريل (نيسان)», «4 (أبريل)» -> one month token.
_DOUBLE_MONTH = re.compile(r"#M(\d+)#\s*[/(\-–]?\s*\(?\s*#M\1#\s*\)?")

_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?(?!\d)",
    re.I,
)
_DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:من\s+)?[-/.\s,]*#M(\d+)#[-/.\s,]*(\d{4})(?!\d)"
)
_MONTH_DAY_YEAR = re.compile(r"#M(\d+)#\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)")
_DMY = re.compile(r"(?<![\d:])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?![\d])")
_TIME = re.compile(
    r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?!\d)\s*"
    r"(ص|م|صباحا|صباح|مساء|مساءا|ظهرا|فجرا|ليلا|am|pm|a\.m\.|p\.m\.)?(?!\w)",
    re.I,
)
_TZ = re.compile(
    r"(?:\b(?:gmt|utc)\s*([+-]\s*\d{1,2}(?::?\d{2})?)?|(?<![\d:])([+-]\d{2}:?\d{2})(?!\d)"
    r"|(غرينتش|جرينتش|غرينيتش))",
    re.I,
)
_PM = {"م", "مساء", "مساءا", "ليلا", "pm", "p.m."}
_AM = {"ص", "صباحا", "صباح", "فجرا", "am", "a.m."}


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.replace(" ", "").replace(":", "")
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-")
    if len(digits) <= 2:
        hours, minutes = int(digits), 0
    else:
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    text = _HARAKAT.sub("", text).translate(_FOLD)
    text = _MONTH_RE.sub(lambda m: f" #M{_MONTHS[m.group(1).lower()]}# ", text)
    text = _DOUBLE_MONTH.sub(lambda m: f"#M{m.group(1)}#", text)
    return " ".join(text.split())


def _build(y: int, mo: int, d: int, rest: str, default: tzinfo = UTC) -> datetime | None:
    if not (1900 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    hour = minute = second = 0
    tm = _TIME.search(rest)
    if tm:
        hour, minute, second = int(tm.group(1)), int(tm.group(2)), int(tm.group(3) or 0)
        marker = (tm.group(4) or "").lower()
        if marker in _PM and hour < 12:
            hour += 12
        elif marker in _AM and hour == 12:
            hour = 0
        rest = rest[tm.end() :]
    tz: tzinfo = default
    zm = _TZ.search(rest)
    if zm:
        tz = _offset(zm.group(1) or zm.group(2)) or default
    try:
        return datetime(y, mo, d, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


_RFC_ZONE = re.compile(r"\d:\d{2}(?::\d{2})?\s*[A-Za-z+-]")


def _rfc822(text: str, default: tzinfo = UTC) -> datetime | None:
    parsed = parsedate_tz(text)
    if parsed is None or parsed[0] < 1900:
        return None
    try:
        naive = datetime(*parsed[:6])
    except ValueError:
        return None
    # email.utils reads a missing zone as +0000, like an explicit one.
    if parsed[9] is None or (not parsed[9] and not _RFC_ZONE.search(text)):
        return naive.replace(tzinfo=default)
    return naive.replace(tzinfo=timezone(timedelta(seconds=parsed[9])))


def feed_zone(name: str | None) -> tzinfo | None:
    """The zone a feed's ``timezone:`` names (an IANA name, validated at config load)."""
    return ZoneInfo(name) if name else None


def parse_date(
    text: str, *, keep_tz: bool = False, default_tz: tzinfo | None = None
) -> datetime | None:
    """Parse a date in any of the supported forms; None when no plausible date is found.

    The result is timezone-aware UTC; with ``keep_tz`` it keeps the offset the text gave
    (useful to compare with a calendar date as the outlet printed it). A time written with
    no zone is in ``default_tz`` (the outlet's, e.g. ``ZoneInfo("Africa/Cairo")``), else UTC."""
    found = _parse_local(text, default_tz or UTC)
    if found is None:
        return None
    return found if keep_tz else found.astimezone(UTC)


def _parse_local(text: str, default: tzinfo = UTC) -> datetime | None:
    if not text or not text.strip():
        return None
    text = text.strip()
    if len(text) > 500:  # a date is short; don't regex a whole page
        text = text[:500]
    # RFC 822 first: it is what RSS carries, and email.utils is exact about it.
    if re.match(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s", text + " "):
        found = _rfc822(text, default)
        if found:
            return found
    prepared = _prepare(text)
    m = _ISO.search(prepared)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mm, ss = m.group(4), m.group(5), m.group(6)
        if m.group(7):
            tz = UTC if m.group(7).upper() == "Z" else _offset(m.group(7))
        else:  # «2020-06-03 14:05:00 GMT+3»
            zm = _TZ.search(prepared[m.end() :])
            tz = _offset(zm.group(1) or zm.group(2)) if zm else default
        try:
            base = datetime(
                y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=tz or default
            )
        except ValueError:
            base = None
        if base is not None:
            if hh is None:
                # Date-only ISO; a time may follow elsewhere (e.g. «2020-08-24 | 10:15 م»).
                return _build(y, mo, d, prepared[m.end() :], default) or base
            return base
    for pattern, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy")):
        m = pattern.search(prepared)
        if m:
            a, b, c = (int(g) for g in m.groups())
            y, mo, d = (c, b, a) if order == "dmy" else (c, a, b)
            # Time may sit before the date («10:15 ص - 24 أغسطس 2020») or after it.
            rest = prepared[m.end() :]
            found = _build(y, mo, d, rest if _TIME.search(rest) else prepared, default)
            if found:
                return found
    m = _YMD.search(prepared)
    if m:
        found = _build(
            int(m.group(1)), int(m.group(2)), int(m.group(3)), prepared[m.end() :], default
        )
        if found:
            return found
    m = _DMY.search(prepared)
    if m:
        # Arab outlets write day first; accept M/D only when D/M is impossible.
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        d, mo = (a, b) if b <= 12 else (b, a)
        found = _build(y, mo, d, prepared[m.end() :], default)
        if found:
            return found
    return _rfc822(text, default)
