"""Learned site templates: learn from trafilatura, read later pages without it, and fall
back (or relearn) whenever a page does not fit."""

from __future__ import annotations

from ingest.extract import extract_article
from ingest.site_templates import SiteTemplates, agreement, text_lines
from rasid.records import FetchedPage

PARAS = [
    "أعلنت وزارة الصحة في طرابلس اليوم عن افتتاح مستشفى ميداني جديد لاستقبال الجرحى"
    " القادمين من جبهات القتال جنوب العاصمة الليبية، وقال المتحدث باسم الوزارة إن"
    " المستشفى يضم مئة سرير وغرفتي عمليات.",
    "وأضاف المتحدث أن الطواقم الطبية تعمل على مدار الساعة، داعيا المنظمات الدولية إلى"
    " تقديم الدعم العاجل من الأدوية والمستلزمات الطبية التي تنقص المستشفيات في المدينة.",
    "وكانت الاشتباكات قد تجددت منذ مطلع الشهر في محيط المطار القديم، وسط دعوات أممية"
    " لوقف إطلاق النار والعودة إلى طاولة الحوار بين الأطراف الليبية المتنازعة.",
]


def page(n: int, *, paras: list[str] | None = None, layout: str = "a") -> bytes:
    body = "".join(f"<p>{p} ({n})</p>" for p in (paras or PARAS))
    title = f"عنوان الخبر رقم {n} عن طرابلس"
    if layout == "a":
        article = (
            f'<article id="post-{1000 + n}" class="post"><h1>{title}</h1>'
            f'<div class="entry">{body}<div class="share">'
            '<a href="/f">فيسبوك</a> <a href="/t">تويتر</a></div>'
            f"</div></article>"
        )
    else:  # a redesign: the body moved
        article = f'<main><section class="story-text">{body}</section></main>'
    html = (
        f'<html lang="ar" dir="rtl"><head><title>{title} | الموقع</title>'
        f'<meta property="og:title" content="{title}"></head><body>'
        '<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/s">سياسة</a></li></ul></nav>'
        f"{article}"
        '<aside class="most-read"><h3>الأكثر قراءة</h3><ul><li>خبر آخر لا علاقة له</li></ul>'
        "</aside><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    return html.encode("utf-8")


def site_feed(server, first: int, n: int) -> str:  # type: ignore[no-untyped-def]
    """Serve pages first..first+n-1 of one site (``page``) and an RSS feed of them; its URL."""
    items = []
    for k in range(first, first + n):
        server.routes[f"/a/{k}"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page(k))
        items.append(
            f"<item><title>خبر {k}</title><link>{server.base_url}/a/{k}</link>"
            f"<guid>g{k}</guid></item>"
        )
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{''.join(items)}</channel></rss>"
    )
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss.encode())
    return f"{server.base_url}/feed.xml"


def fetched(n: int, host: str = "news.example", **kw) -> FetchedPage:
    url = f"https://{host}/a/{n}"
    return FetchedPage(url, url, 200, page(n, **kw), {"content-type": "text/html; charset=utf-8"})


def test_learns_after_three_pages_then_reads_pages_by_the_template():
    reg = SiteTemplates(learn_after=3, verify_every=100)
    methods = [extract_article(fetched(n), templates=reg).method for n in range(6)]
    assert methods == ["trafilatura"] * 3 + ["site-template"] * 3
    assert reg.is_trusted("news.example")
    fast = extract_article(fetched(7), templates=reg)
    slow = extract_article(fetched(7))
    assert fast.method == "site-template"
    assert fast.title == slow.title == "عنوان الخبر رقم 7 عن طرابلس"
    assert agreement(fast.body.splitlines(), slow.body.splitlines()) >= 0.97
    # what trafilatura leaves out (here the share bar's links, the menu, the sidebar), the
    # template leaves out too
    for furniture in ("فيسبوك", "الرئيسية", "الأكثر قراءة", "جميع الحقوق"):
        assert furniture not in slow.body
        assert furniture not in fast.body


def test_ids_numbered_per_article_do_not_break_the_path():
    # <article id="post-1001"> vs "post-1002": digit runs are folded in the learned path
    reg = SiteTemplates(learn_after=2)
    for n in range(2):
        extract_article(fetched(n), templates=reg)
    assert reg.is_trusted("news.example")


def test_a_redesign_is_noticed_and_the_host_learns_again():
    reg = SiteTemplates(learn_after=3, verify_every=100)
    for n in range(3):
        extract_article(fetched(n), templates=reg)
    assert reg.is_trusted("news.example")
    # the new layout does not fit: trafilatura reads it; three misfits forget the template
    out = [extract_article(fetched(10 + n, layout="b"), templates=reg) for n in range(3)]
    assert {o.method for o in out} == {"trafilatura"}
    assert all("مستشفى ميداني" in o.body for o in out)
    assert not reg.is_trusted("news.example")
    later = [extract_article(fetched(20 + n, layout="b"), templates=reg) for n in range(4)]
    assert later[-1].method == "site-template"


def test_periodic_check_drops_a_template_that_no_longer_agrees():
    reg = SiteTemplates(learn_after=2, verify_every=2)
    for n in range(2):
        extract_article(fetched(n), templates=reg)
    assert reg.is_trusted("news.example")
    # same skeleton, but the body moved out of the article: the path still exists but
    # holds only the headline, so the check disagrees with trafilatura
    other = page(5).replace(b'<div class="entry">', b'</article><div class="entry">')
    url = "https://news.example/a/5"
    checked = [
        extract_article(FetchedPage(url, url, 200, other, {}), templates=reg) for _ in range(2)
    ]
    assert checked[-1].method == "trafilatura"
    assert not reg.is_trusted("news.example")


def test_hosts_and_ports_are_separate_sites():
    reg = SiteTemplates(learn_after=2)
    for n in range(2):
        extract_article(fetched(n, host="127.0.0.1:8001"), templates=reg)
    assert reg.is_trusted("127.0.0.1:8001")
    assert not reg.is_trusted("127.0.0.1:8002")
    assert extract_article(fetched(9, host="127.0.0.1:8002"), templates=reg).method == "trafilatura"


def test_short_template_text_falls_back_to_trafilatura_and_the_feed():
    reg = SiteTemplates(learn_after=2)
    for n in range(2):
        extract_article(fetched(n), templates=reg)
    short = extract_article(fetched(3, paras=["نص قصير جدا."]), templates=reg, min_chars=200)
    assert short.method != "site-template"


def test_saved_templates_are_trusted_after_a_restart():
    reg = SiteTemplates(learn_after=2)
    for n in range(2):
        extract_article(fetched(n), templates=reg)
    fresh = SiteTemplates()
    fresh.load(reg.to_dict())
    assert extract_article(fetched(5), templates=fresh).method == "site-template"
    broken = SiteTemplates()
    broken.load({"news.example": {"path": "nonsense"}})
    assert not broken.is_trusted("news.example")


def test_text_lines_skips_scripts_and_keeps_tails():
    from lxml import html

    node = html.fromstring(
        "<div>أولا<br>ثانيا<script>var x = 1;</script> ثالثا<p>رابعا</p>خامسا</div>"
    )
    assert text_lines(node) == ["أولا", "ثانيا ثالثا", "رابعا", "خامسا"]


def test_a_block_that_held_body_text_on_any_learning_page_is_never_skipped(monkeypatch):
    import ingest.site_templates as st

    path = (("div", "", "entry", 0),)
    seen = iter(
        [
            # page 1: its only plain <p> was a disclaimer trafilatura dropped
            st.Evidence(path, frozenset({"p#.", "div#.share"}), "og", frozenset()),
            # pages 2 and 3: plain <p>s hold the article
            st.Evidence(path, frozenset({"div#.share"}), "og", frozenset({"p#."})),
            st.Evidence(path, frozenset(), "og", frozenset({"p#."})),
        ]
    )
    monkeypatch.setattr(st, "induce", lambda *a, **k: next(seen))
    reg = SiteTemplates(learn_after=3)
    for _ in range(3):
        reg.observe("news.example", None, "نص", "عنوان", "عنوان")
    assert reg.to_dict()["news.example"]["drop"] == ["div#.share"]
