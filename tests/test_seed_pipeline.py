"""The origin document, served as a real page on loopback, through the whole pipeline."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from rasid.config import load_settings
from rasid.pipeline import run_cycle
from rasid.records import SearchQuery
from store.sqlite import SqliteStore


def _page(title: str, body: str) -> bytes:
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
    nav = "".join(f'<li><a href="/s/{i}">قسم {i}</a></li>' for i in range(12))
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{html.escape(title)} | بوابة الاختبار</title>
<meta property="og:title" content="{html.escape(title)}">
<link rel="canonical" href="/news/seed-article"></head>
<body><header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{html.escape(title)}</h1>
<time datetime="2019-04-05T14:00:00+02:00">٥ أبريل ٢٠١٩</time>
{paras}</article></main>
<aside><h3>الأكثر قراءة</h3><ul><li><a href="/x">خبر آخر</a></li></ul></aside>
<footer>جميع الحقوق محفوظة © 2019</footer></body></html>""".encode()


def _feed(base: str, title: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>اختبار</title><link>{base}/</link>
<item><title>{html.escape(title)}</title><link>{base}/news/seed-article?utm_source=rss</link>
<guid>seed-1</guid><pubDate>Fri, 05 Apr 2019 12:00:00 GMT</pubDate>
<description>ملخص قصير</description></item></channel></rss>""".encode()


@pytest.fixture
def seed_setup(loopback_server, seed_text, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    title, body = seed_text
    base = loopback_server.base_url
    loopback_server.routes["/news/seed-article?utm_source=rss"] = (
        200, {"Content-Type": "text/html; charset=utf-8"}, _page(title, body))  # fmt: skip
    loopback_server.routes["/feed.xml"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        _feed(base, title),
    )
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - {{id: seed, name: Seed, url: '{base}/feed.xml', source: seed}}\n"
    )
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        "rules:\n  - {id: tripoli, keywords: [طرابلس]}\n  - {id: haftar, keywords: [حفتر]}\n"
        f"channels:\n  - {{id: file, type: jsonl, path: '{tmp_path / 'alerts.jsonl'}'}}\n"
    )
    monkeypatch.setenv("RASID_ALLOW_PRIVATE_NETWORKS", "1")
    settings = load_settings(feeds=feeds, rules=rules, store=f"sqlite:///{tmp_path / 'r.db'}")
    settings.outbox_path = tmp_path / "outbox.db"
    return settings, title, body, tmp_path


def test_seed_through_the_pipeline(seed_setup) -> None:  # type: ignore[no-untyped-def]
    settings, title, _body, tmp = seed_setup
    report = run_cycle(settings)
    assert report.articles_indexed == 1, report.to_dict()
    store = SqliteStore(tmp / "r.db")
    art = next(store.iter_articles())
    assert art.title == title
    assert art.lang == "ar"
    assert art.extraction == "trafilatura"
    assert "اشتباكات بين قوات حكومة الوفاق" in art.body
    assert "جميع الحقوق محفوظة" not in art.body  # boilerplate is not body
    assert "utm_source" not in art.canonical_url
    fired = {a.rule_id for a in store.recent_alerts()}
    assert fired == {"tripoli", "haftar"}
    lines = [json.loads(x) for x in (tmp / "alerts.jsonl").read_text().splitlines()]
    assert {x["alert"]["rule_id"] for x in lines} >= {"tripoli", "haftar"}
    # Rerun: nothing new, nothing duplicated, no second alert.
    again = run_cycle(settings)
    assert again.articles_indexed == 0 and again.alerts_fired == 0
    assert store.count() == 1
    hits = store.search(SearchQuery(text="حفتر"))
    assert [h.article.id for h in hits] == [art.id]
