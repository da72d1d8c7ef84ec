"""Terminal output that reads right to left.

Terminals differ: VTE (GNOME), Konsole and mlterm apply the Unicode bidi algorithm
themselves; xterm, tmux and most CI logs do not. ``RASID_BIDI`` picks the strategy:

- ``isolate`` (default): logical order, each Arabic line wrapped in RLI…PDI with an RLM so a
  bidi-aware terminal lays it out RTL, and copy-paste keeps the true text;
- ``visual``: for terminals that show characters left to right: shape the letters into their
  joined forms (arabic-reshaper, which also drops the short vowels a reordered line would
  put on the wrong letter) and reorder with python-bidi's reference algorithm, which mirrors
  brackets and «» as the standard asks (its default Rust engine does not);
- ``off``: print the text untouched (pipes, JSON consumers).
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache

from arabic_reshaper import reshape
from bidi.algorithm import get_display
from rich.markup import escape

RLM = "\u200f"
RLI = "\u2067"
PDI = "\u2069"
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_STRONG_LATIN = re.compile("[A-Za-z]")


def is_rtl(text: str) -> bool:
    """A line whose first strong character is Arabic is a right-to-left paragraph."""
    for ch in text:
        if _ARABIC.match(ch):
            return True
        if _STRONG_LATIN.match(ch):
            return False
    return False


def bidi_mode(tty: bool | None = None) -> str:
    """``RASID_BIDI``, else ``isolate`` on a terminal and ``off`` elsewhere. ``tty``: whether
    the output at hand is a terminal (default: stdout's; the console alert channel writes
    to stderr)."""
    mode = os.environ.get("RASID_BIDI", "").lower()
    if mode in _MODES:
        return mode
    if mode:
        _warn_mode(mode)
    return "isolate" if (sys.stdout.isatty() if tty is None else tty) else "off"


_MODES = ("isolate", "visual", "off")


@lru_cache(maxsize=8)
def _warn_mode(mode: str) -> None:
    # Once per value: a typo (RASID_BIDI=visaul) silently gave the default before.
    print(
        f"rasid: RASID_BIDI={mode!r} is not one of {', '.join(_MODES)}; using the default",
        file=sys.stderr,
    )


def rtl_line(text: str, mode: str | None = None) -> str:
    mode = mode or bidi_mode()
    if mode == "off" or not is_rtl(text):
        return text
    if mode == "visual":
        return get_display(reshape(text))
    return f"{RLM}{RLI}{text}{PDI}"


def rtl_markup(text: str, mode: str | None = None) -> str:
    """``rtl_line`` made safe inside rich markup. Titles and bodies are third-party text:
    «[/عاجل]» would crash rich and «[video]» would vanish as an unknown style. Escaped after
    the bidi step, because ``visual`` mode reorders characters (escapes included)."""
    return escape(rtl_line(text, mode))


def marked_markup(text: str, *, styled: bool, mode: str | None = None) -> str:
    """``rtl_markup`` for a search fragment, its matched words shown as marks.

    On a terminal that lays out bidi itself the words are shown in reverse video, so no
    character is added to the article's text («» would read as the article quoting them).
    Elsewhere (pipes, ``visual`` reordering) they keep «», which bidi mirrors correctly."""
    from rasid.records import MARK_END, MARK_START, with_marks

    mode = mode or bidi_mode()
    if not styled or mode != "isolate":
        return rtl_markup(with_marks(text, "«", "»"), mode)
    # Balanced first: a lone end marker would be a closing tag rich cannot match.
    line = rtl_markup(with_marks(text, MARK_START, MARK_END), mode)
    return line.replace(MARK_START, "[reverse]").replace(MARK_END, "[/reverse]")
