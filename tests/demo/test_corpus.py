"""The committed corpus: generated from the spec, deterministic, small, realistic pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import trafilatura

from demo import build_corpus, render
from demo.build_corpus import CORPUS_DIR, apply_edits, build, load_spec, read_tree


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return build(load_spec())


@pytest.fixture(scope="module")
def manifest(built):
    import json

    return json.loads(built["manifest.json"])


def test_committed_corpus_matches_the_spec(built):
    committed = read_tree(CORPUS_DIR)
    stale = sorted(k for k in built.keys() | committed.keys() if built.get(k) != committed.get(k))
    assert not stale, f"run `python -m demo.build_corpus`; stale: {stale[:5]}"


def test_build_is_deterministic(built):
    assert build(load_spec()) == built


def test_check_mode_reports_up_to_date(capsys):
    assert build_corpus.main(["--check"]) == 0


def test_size_counts_and_lengths(built, manifest):
    assert sum(len(b) for b in built.values()) < 1_000_000
    articles = manifest["articles"]
    assert len(articles) >= 40
    assert len({a["outlet"] for a in articles}) >= 6
    assert all(150 <= a["words"] <= 500 for a in articles)
    formats = {f["format"] for f in manifest["feeds"]}
    assert {"rss2", "atom", "rdf"} <= formats


def test_outlets_are_fictional(manifest):
    for outlet in manifest["outlets"].values():
        assert outlet["domain"].endswith(".example")


def _page(built, key: str) -> str:
    raw = built[f"pages/{key}.html"]
    return raw.decode("cp1256" if key == "sahel-gum-arabic" else "utf-8")


def test_every_page_looks_like_a_news_page(built, manifest):
    for a in manifest["articles"]:
        html = _page(built, a["key"])
        for needle in (
            '<link rel="canonical" href="{{BASE}}/' + a["path"] + '">',
            '<meta property="og:title"',
            '<meta property="og:url"',
            'class="cookie-banner"',
            'class="main-menu"',
            '<aside class="sidebar">',
            'class="comments-teaser"',
            '<footer class="site-footer">',
        ):
            assert needle in html, (a["key"], needle)
        assert 'class="pub-date"' in html
        # The sidebar lists other articles' headlines: boilerplate the extractor must drop.
        assert html.count("<li><a href=") >= 6


def test_niletoday_pages_have_only_a_visible_arabic_date(built):
    html = _page(built, "niletoday-rates")
    assert "<time" not in html
    assert "الخميس ١٧ أكتوبر ٢٠٢٤ - ٢٠:٠٥" in html


def test_trafilatura_extracts_the_body_not_the_chrome(built, manifest):
    base = "http://127.0.0.1:1"
    for a in manifest["articles"]:
        html = _page(built, a["key"]).replace("{{BASE}}", base)
        text = trafilatura.extract(html, url=f"{base}/{a['path']}", include_comments=False)
        assert text, a["key"]
        words = len(text.split())
        assert abs(words - a["words"]) <= 12, (a["key"], words, a["words"])  # dateline aside
        for chrome in ("اقرأ أيضًا", "الأكثر قراءة", "ملفات تعريف الارتباط", "النشرة البريدية"):
            assert chrome not in text, (a["key"], chrome)


def test_apply_edits_drop_move_trim_append_insert():
    paras = ["أ. ب.", "ج.", "د. هـ. و.", "ز."]
    out = apply_edits(
        paras,
        {"order": [2, 0, 3], "trim": {0: 1}, "append": {1: "جملة."}, "insert": {1: "جديد."}},
    )
    assert out == ["د.", "جديد.", "أ. ب. جملة.", "ز."]


def test_arabic_dates():
    dt = datetime(2019, 4, 5, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    assert render.arabic_date(dt, months="both", digits="eastern", time=False) == (
        "الجمعة ٥ أبريل/نيسان ٢٠١٩"
    )
    assert render.feed_date(dt, "arabic") == "الجمعة ٥ أبريل/نيسان ٢٠١٩ ١٠:٣٠"
    assert render.feed_date(dt, "rfc822") == "Fri, 05 Apr 2019 10:30:00 +0200"
    assert render.feed_date(dt, "rfc822-gmt") == "Fri, 05 Apr 2019 08:30:00 GMT"


def test_no_unfilled_placeholders(built):
    for name, data in built.items():
        if name == "manifest.json":  # stores the URL patterns themselves
            continue
        text = data.decode("cp1256" if "gum-arabic" in name else "utf-8")
        assert not re.search(r"\{(?!\{BASE\}\})[a-z]+\}", text), name
