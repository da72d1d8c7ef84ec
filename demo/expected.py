"""Ground truth about the demo corpus, for end-to-end tests.

Articles are named by their corpus *key* (``<outlet>-<slug>``), which does not depend on the
port the server runs on. ``url_for`` / ``article_id_for`` turn a key into what the pipeline
sees, and ``key_for_url`` maps a URL the pipeline produced back to a key.

The constants are written by hand; ``tests/demo/test_expected.py`` checks them against
the generated corpus, so a spec edit that breaks one fails there first.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from rasid.records import article_id

# ----------------------------------------------------------------------------- outlets, feeds

OUTLETS: tuple[str, ...] = (
    "sahara",  # وكالة الصحراء للأنباء — Libyan wire agency
    "manara",  # جريدة المنارة — Beirut daily
    "niletoday",  # النيل اليوم — Egyptian portal
    "khaleej",  # الخليج الاقتصادي — Gulf business
    "sahel",  # بوابة الساحل — Sudan / Sahel, old CMS
    "madar",  # شبكة المدار الرياضية — sports
    "mutawassit",  # صوت المتوسط — Maghreb portal / aggregator
)

FEED_FORMATS: dict[str, str] = {
    "sahara-main": "rss2",
    "manara-main": "atom",
    "niletoday-main": "rss2",
    "khaleej-economy": "rdf",  # RSS 1.0
    "sahel-main": "rss2",
    "madar-sport": "atom",
    "mutawassit-main": "rss2",
    "mutawassit-breaking": "rss2",
}
FEED_HTTP_500 = "mutawassit-breaking"  # always answers 500, never has items
MALFORMED_FEED = "sahel-main"  # not well-formed XML; a lenient parser still gets every item
MALFORMED_ITEM_UNESCAPED_AMP = "sahel-internet-prices"  # its <title> has a bare «&»
MALFORMED_ITEM_NO_LINK_GUID = "sahel-urgent-20241016-1"  # an item with no <link> (no page)
ARABIC_DATE_FEED = "niletoday-main"  # pubDate «الخميس ١٧ أكتوبر/تشرين الأول ٢٠٢٤ ٢٠:٠٥», Cairo time
FULL_CONTENT_FEEDS: tuple[str, ...] = ("manara-main", "mutawassit-main")
WORKING_FEEDS: tuple[str, ...] = tuple(f for f in FEED_FORMATS if f != FEED_HTTP_500)

# Items each working feed lists (the no-link item and the tracking duplicate included).
FEED_ITEM_COUNTS: dict[str, int] = {
    "sahara-main": 7,
    "manara-main": 7,
    "niletoday-main": 7,
    "khaleej-economy": 7,
    "sahel-main": 8,  # 7 articles + the no-link item
    "madar-sport": 6,
    "mutawassit-main": 7,  # 6 articles + sahara-tripoli-power with utm_* parameters
}

# ----------------------------------------------------------------------------- articles

N_ARTICLES = 47  # article pages, one per key
N_FEED_ITEMS = 49  # sum of FEED_ITEM_COUNTS
N_ITEMS_WITH_LINK = 48  # minus the no-link item
N_UNIQUE_URLS = 47  # after canonical-URL dedup (drops the utm_* copy)
N_UNIQUE_CONTENT = 46  # after exact-content dedup (drops mutawassit-egypt-rates)
N_STORIES = 43  # after near-duplicate clustering (the 3 wire reprints join the original)

ENGLISH_ARTICLES: frozenset[str] = frozenset({"khaleej-markets-en"})  # in the Arabic RDF feed
CP1256_ARTICLE = "sahel-gum-arabic"  # windows-1256 bytes, no charset header, no <meta charset>

# The wire story and its reprints: headline rewritten, a paragraph dropped / reordered /
# trimmed, a sentence or paragraph added. Each reprint is a near-duplicate of the original.
WIRE_ORIGINAL = "sahara-wire-talks"
NEAR_DUPLICATES: dict[str, tuple[str, ...]] = {
    WIRE_ORIGINAL: ("manara-wire-talks", "sahel-wire-talks", "mutawassit-wire-talks"),
}
# Same title and body under another outlet's URL.
EXACT_CONTENT_DUPLICATES: dict[str, tuple[str, ...]] = {
    "niletoday-rates": ("mutawassit-egypt-rates",),
}
# Same page listed twice: plainly in one feed, with tracking parameters in another.
TRACKING_DUPLICATE_KEY = "sahara-tripoli-power"
TRACKING_DUPLICATE_FEEDS: tuple[str, str] = ("sahara-main", "mutawassit-main")
TRACKING_QUERY = "utm_source=mutawassit&utm_medium=rss&utm_campaign=aggregator"

# ----------------------------------------------------------------------------- places, people

# «طرابلس» (any proclitic form) in title or body, by which Tripoli is meant.
TRIPOLI_LIBYA: frozenset[str] = frozenset(
    {
        "sahara-wire-talks",
        "manara-wire-talks",
        "sahel-wire-talks",
        "mutawassit-wire-talks",
        "sahara-tripoli-power",
        "sahara-dinar-market",
        "sahara-league",
        "sahel-kufra-migrants",
        "madar-libya-qualifier",
        "mutawassit-migrants",
    }
)
TRIPOLI_LEBANON: frozenset[str] = frozenset({"manara-tripoli-port"})  # شمال لبنان، عكار
TRIPOLI_ANY: frozenset[str] = TRIPOLI_LIBYA | TRIPOLI_LEBANON
# «الطرابلسي», «الطرابلسية», «طرابلسي» but never «طرابلس»: a طرابلس rule must not fire.
TRIPOLI_NEAR_MISS: frozenset[str] = frozenset({"manara-tripolitan-kitchen"})
HAFTAR: frozenset[str] = frozenset(
    {
        "sahara-wire-talks",
        "manara-wire-talks",
        "sahel-wire-talks",
        "mutawassit-wire-talks",
        "sahara-benghazi-rebuild",
        "sahel-kufra-migrants",
    }
)
# One article per clitic form, the form written exactly so.
CLITIC_FORMS: dict[str, str] = {
    "بطرابلس": "sahara-tripoli-power",
    "وطرابلس": "sahara-dinar-market",
    "لطرابلس": "madar-libya-qualifier",
    "لحفتر": "sahara-benghazi-rebuild",
    "وحفتر": "sahel-kufra-migrants",
}

# A few claims (speaker, verb, quoted words) an extractor should find, verbatim.
CLAIMS: tuple[tuple[str, str, str, str], ...] = (
    (
        "sahara-wire-talks",
        "هولمبرغ",
        "قال",
        "الطرفين أبديا استعدادًا جديًا للعودة إلى طاولة الحوار دون شروط مسبقة",
    ),
    (
        "sahara-wire-talks",
        "عادل الفيتوري",
        "أوضح",
        "يرحب بأي خطوة تعزز وقف إطلاق النار وتحمي المدنيين",
    ),
    (
        "manara-deposits",
        "حسن مروة",
        "قال",
        "خمس سنوات مرت من دون أي خطة عادلة لإعادة الأموال",
    ),
    (
        "niletoday-rates",
        "منى عبد الحميد",
        "قالت",
        "كان متوقعًا على نطاق واسع",
    ),
    (
        "khaleej-markets-en",
        "Omar Haddad",
        "said",
        "Investors are rotating out of energy names and into sectors that benefit "
        "directly from lower rates",
    ),
)

# ----------------------------------------------------------------------------- helpers


@lru_cache(maxsize=4)
def _manifest(corpus_dir: str | None = None) -> dict[str, Any]:
    from demo.server import load_manifest

    return load_manifest(Path(corpus_dir) if corpus_dir else None)


def articles(corpus_dir: str | None = None) -> dict[str, dict[str, Any]]:
    """Manifest entry of every article by key (path, title, published, lang, feeds, ...)."""
    return {a["key"]: a for a in _manifest(corpus_dir)["articles"]}


def url_for(key: str, base_url: str) -> str:
    """The canonical URL of an article (what its <link rel=canonical> says)."""
    return f"{base_url.rstrip('/')}/{articles()[key]['path']}"


def article_id_for(key: str, base_url: str) -> str:
    """``rasid.records.article_id`` of the canonical URL, if the pipeline keeps it as is."""
    return article_id(url_for(key, base_url))


def key_for_url(url: str) -> str | None:
    """The article key behind any URL of it (host, port, query, fragment and a trailing
    slash ignored, so it also works on URLs a canonicaliser has rewritten)."""
    path = unquote(urlsplit(url).path).strip("/")
    for key, a in articles().items():
        if a["path"].strip("/") == path:
            return key
    return None


def published_at(key: str) -> datetime:
    """Publication time with the outlet's UTC offset."""
    return datetime.fromisoformat(articles()[key]["published"])


def lang_of(key: str) -> str:
    return "en" if key in ENGLISH_ARTICLES else "ar"
