"""Bytes to text for Arabic pages and feeds, including the ones that lie about their charset.

Arabic outlets still serve windows-1256 (sometimes declared as UTF-8 or ISO-8859-1, sometimes
not declared at all), and some serve UTF-8 that was once decoded as Latin-1 and re-encoded
(«Ø§Ù„» mojibake). Declarations are only candidates here: each candidate decoding is scored
by how Arabic it looks (Arabic letters up, replacement characters and Latin-1 mojibake
letters down) and the best one wins.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)

_ARABIC = re.compile("[\u0621-\u064a\u0660-\u0669\u0671-\u06d3\u06f0-\u06f9]")
# Letters that dominate when UTF-8 Arabic (lead bytes 0xD8-0xDB) is read as Latin-1/cp1252,
# and when cp1256 text is read as Latin-1.
_MOJIBAKE = re.compile("[ØÙÚÛÃÂ\u0080-\u009f€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")
_REPLACEMENT = "\ufffd"

_ALIASES = {
    # Browsers treat these labels as windows-1252/1256; Python's codecs are stricter.
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-6": "iso-8859-6",
    "arabic": "windows-1256",
    "x-user-defined": "windows-1252",
}


def _web_name(codec: str) -> str:
    """Python's codec name in the spelling the web uses (cp1256 -> windows-1256)."""
    if re.fullmatch(r"cp125\d", codec):
        return "windows-" + codec[2:]
    m = re.fullmatch(r"iso8859-(\d+)", codec)
    return f"iso-8859-{m.group(1)}" if m else codec


def normalize_charset(label: str | None) -> str | None:
    """A codec name for a charset label (web spelling, e.g. windows-1256), or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return _web_name(codecs.lookup(label).name)
    except LookupError:
        return None


def declared_charsets(body: bytes, headers: dict | None = None) -> list[str]:
    """Charsets declared by the HTTP header, BOM, XML declaration and <meta>, in that order."""
    found: list[str | None] = []
    if headers:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        m = _HEADER_CHARSET.search(ctype or "")
        if m:
            found.append(normalize_charset(m.group(1)))
    if body.startswith(codecs.BOM_UTF8):
        found.append("utf-8")
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found.append("utf-16")
    head = body[:4096]
    m = _XML_DECL.search(head)
    if m:
        found.append(normalize_charset(m.group(1).decode("ascii", "replace")))
    m = _META_CHARSET.search(head if m else body[:16384])
    if m:
        found.append(normalize_charset(m.group(1).decode("ascii", "replace")))
    return list(dict.fromkeys(c for c in found if c))


def arabic_score(text: str) -> float:
    """Higher is more plausibly correct Arabic (or at least not mojibake)."""
    arabic = len(_ARABIC.findall(text))
    bad = len(_MOJIBAKE.findall(text)) + 3 * text.count(_REPLACEMENT)
    return arabic - 2.0 * bad


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-cp1252 («Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©» -> «العربية») when it clearly helps."""
    if len(_MOJIBAKE.findall(text)) < 4:
        return text
    for codec in ("windows-1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if arabic_score(fixed) > arabic_score(text):
            return fixed
    return text


def _decode(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(body: bytes, headers: dict | None = None) -> tuple[str, str]:
    """(text, encoding). Valid UTF-8 with non-ASCII bytes is trusted outright: random
    bytes in a legacy charset almost never form valid UTF-8."""
    if body.startswith(codecs.BOM_UTF8):
        body = body[3:]
    if not body:
        return "", "utf-8"
    declared = declared_charsets(body, headers)
    text = _decode(body, "utf-8")
    if text is not None:
        fixed = repair_mojibake(text)
        return fixed, "utf-8" if fixed is text else "utf-8+mojibake-repaired"

    candidates: list[str] = [*declared, "windows-1256"]
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        candidates.append(normalize_charset(best.encoding) or best.encoding)
    scored: list[tuple[float, int, str, str]] = []
    for rank, codec in enumerate(dict.fromkeys(candidates)):
        decoded = _decode(body, codec)
        if decoded is None:
            continue
        # Ties go to the earlier candidate: declarations first.
        scored.append((arabic_score(decoded), -rank, codec, decoded))
    if scored:
        _, _, codec, decoded = max(scored)
        return decoded, codec
    # Nothing decodes strictly: salvage as UTF-8 with replacement characters, or
    # windows-1256 if that looks more Arabic.
    loose = body.decode("utf-8", errors="replace")
    alt = body.decode("windows-1256", errors="replace")
    if arabic_score(alt) > arabic_score(loose):
        return alt, "windows-1256"
    return loose, "utf-8"


def decode_html(body: bytes, headers: dict | None = None) -> tuple[str, str]:
    """(text, encoding) of an HTML page; see ``decode_bytes``."""
    return decode_bytes(body, headers)


# C0 controls other than tab, newline, form feed and carriage return, DEL, and U+FFFD.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_WIDE = ("utf_16", "utf_32")


def decode_text(body: bytes) -> tuple[str, str] | None:
    """(text, encoding) of a plain-text file, or None when the bytes are not text.

    ``decode_bytes``, except that a UTF-16/32 BOM is trusted, and UTF-16/32 without one is
    recognised: its bytes are ASCII-range pairs, so they pass as "valid" UTF-8 full of NULs;
    charset-normalizer tells them apart. Other bytes with NULs, or a decoding where control
    characters abound, are binary."""
    utf16_bom = body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    utf32_bom = body.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))  # FF FE 00 00
    if utf16_bom or utf32_bom:
        # The file says what it is. (decode_bytes weighs a BOM against windows-1256, which
        # wins a short text: its 0xFF is an Arabic letter.)
        encoding = "utf-32" if utf32_bom else "utf-16"
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            return None
    elif b"\x00" in body[:65536]:
        best = from_bytes(body).best()
        if best is None or not str(best.encoding).startswith(_WIDE):
            return None
        text, encoding = str(best), _web_name(codecs.lookup(best.encoding).name)
    else:
        text, encoding = decode_bytes(body)
    sample = text[:65536]
    # Real text has next to no control characters; random bytes read as windows-1256 ~11 %.
    if sample and len(_CONTROL.findall(sample)) > 0.02 * len(sample):
        return None
    return text, encoding
