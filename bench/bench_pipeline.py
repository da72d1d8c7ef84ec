"""End-to-end pipeline throughput over SaudiNewsNet pages served from loopback.

What is measured, all in one process run:

1. ``run_cycle`` over N articles rendered as realistic pages (``bench.corpus_pages``) and
   served, one port per outlet, by a *separate* server process (so the server's CPU is
   not charged to the pipeline). Throughput is articles per CPU-second of the pipeline
   process (= articles/s per core) and per wall second. Every stage the pipeline calls is
   wrapped with a timer (outermost stage only, per thread), giving a CPU/wall breakdown;
   what no stage claims is the pipeline's own glue (thread pools, bookkeeping).
2. Baselines on the same page bytes: bare ``trafilatura.extract`` and newspaper4k.
3. A pyinstrument profile of the pipeline, run serially in the main thread (pyinstrument
   samples one thread), on a few hundred pages; its summary lands in ``extra``, the full
   text profile in ``data/bench/pipeline_profile.txt``.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import REPO, Result, Skip, Stopwatch, peak_rss_mb, ratio_result, shared_dir
from bench.corpus_pages import Corpus, build_corpus, load_saudinewsnet, serve_in_subprocess

QUICK_ARTICLES = 300
FULL_ARTICLES = 3000
PROFILE_ARTICLES = 300
PROFILE_OUT = REPO / "data" / "bench" / "pipeline_profile.txt"

# Alert rules as a desk would write them for this corpus (Saudi news, July 2015).
RULES_YAML = """\
rules:
  - {id: riyadh, keywords: [الرياض]}
  - {id: jeddah, keywords: [جدة]}
  - {id: isis, keywords: [داعش]}
  - {id: yemen-aden, any: [عدن, الحوثيين]}
  - {id: oil, keywords: [النفط, أوبك]}
channels:
  - {id: file, type: jsonl, path: '%(dir)s/alerts.jsonl'}
"""


# --- stage timing -------------------------------------------------------------------------
class StageTimer:
    """Per-stage wall and thread-CPU totals; nested stages count toward the outermost."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if getattr(self._local, "depth", 0):
                return fn(*args, **kwargs)
            self._local.depth = 1
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
                self._local.depth = 0
                with self._lock:
                    self.wall[stage] = self.wall.get(stage, 0.0) + wall
                    self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu
                    self.calls[stage] = self.calls.get(stage, 0) + 1

        return timed


# Pipeline module attribute -> stage name. Patched on rasid.pipeline, where run_cycle
# looks them up at call time.
_STAGE_FUNCS = {
    "poll_feed": "poll feeds (fetch + parse)",
    "extract_article": "extract (trafilatura + metadata)",
    "detect_language": "language",
    "assemble_article": "assemble record",
    "deduplicate": "dedup",
    "enrich": "enrich (entities, places, claims)",
    "evaluate_and_deliver": "alerts (evaluate + deliver)",
}
_STORE_METHODS = {
    "upsert_articles": "index (store upsert)",
    "known_ids": "store lookups",
    "get_feed_state": "store lookups",
    "save_feed_state": "store lookups",
    "update_feed_state": "store lookups",
    "get_article": "store lookups",
}


@contextmanager
def instrumented(timer: StageTimer, store: Any) -> Iterator[None]:
    """Wrap the pipeline's stage functions and the store's methods with ``timer``."""
    import rasid.pipeline as pl

    saved = {name: getattr(pl, name) for name in _STAGE_FUNCS if hasattr(pl, name)}
    base_client = pl.HttpClient

    class TimedClient(base_client):  # type: ignore[misc,valid-type]
        pass

    TimedClient.get = timer.wrap("fetch pages", base_client.get)  # type: ignore[method-assign]
    try:
        for name, fn in saved.items():
            setattr(pl, name, timer.wrap(_STAGE_FUNCS[name], fn))
        for meth, stage in _STORE_METHODS.items():
            if hasattr(store, meth):
                setattr(store, meth, timer.wrap(stage, getattr(store, meth)))
        pl.HttpClient = TimedClient
        yield
    finally:
        for name, fn in saved.items():
            setattr(pl, name, fn)
        pl.HttpClient = base_client


# --- running the pipeline -----------------------------------------------------------------
def _settings(workdir: Path, feeds_yaml: str, store_url: str) -> Any:
    from rasid.pipeline import load_settings

    os.environ["RASID_ALLOW_PRIVATE_NETWORKS"] = "1"  # the corpus is on 127.0.0.1
    (workdir / "feeds.yaml").write_text(feeds_yaml, encoding="utf-8")
    (workdir / "alerts.yaml").write_text(RULES_YAML % {"dir": workdir}, encoding="utf-8")
    settings = load_settings(
        feeds=workdir / "feeds.yaml", rules=workdir / "alerts.yaml", store=store_url
    )
    settings.outbox_path = workdir / "outbox.db"
    settings.spool_dir = workdir / "spool"
    return settings


def warm_up(page: bytes) -> float:
    """Load what the stages load once per process (language profiles, lexicons, gazetteer,
    trafilatura's caches) so the cycle below measures the steady state, as in ``rasid
    watch``; returns the seconds it took (what a one-shot ``rasid run`` pays on top)."""
    from ingest.extract import extract_article
    from processing.enrich import enrich
    from processing.language import detect_language
    from rasid.records import FetchedPage

    t0 = time.perf_counter()
    url = "http://127.0.0.1/warm-up"
    ex = extract_article(FetchedPage(url, url, 200, page, {"content-type": "text/html"}))
    detect_language(ex.title, ex.body)
    enrich(ex.title, ex.body)
    return time.perf_counter() - t0


def measure_pipeline(corpus: Corpus, bases: dict[str, str], workdir: Path) -> dict[str, Any]:
    from rasid.pipeline import run_cycle

    settings = _settings(workdir, corpus.feeds_yaml(bases), f"sqlite:///{workdir / 'rasid.db'}")
    store = settings.open_store()
    timer = StageTimer()
    startup_s = warm_up(next(iter(corpus.pages()))[1])
    rss_before = peak_rss_mb()
    try:
        with instrumented(timer, store), Stopwatch() as sw:
            report = run_cycle(settings, store=store)
        stored = store.count()
        quality = extraction_quality(corpus, store)
    finally:
        store.close()
    indexed = report.articles_indexed
    stage_cpu = sum(timer.cpu.values())
    return {
        "articles": len(corpus.articles),
        "indexed": indexed,
        "stored": stored,
        "failed": report.total("failed"),
        "feeds": len(report.feeds),
        "feeds_failed": len(report.feeds_failed),
        "near_duplicates": report.total("near_duplicates"),
        "exact_duplicates": report.total("exact_duplicates"),
        "alerts_fired": report.alerts_fired,
        "wall_s": sw.wall,
        "cpu_s": sw.cpu,
        "workers": settings.workers,
        "stages_cpu_s": dict(sorted(timer.cpu.items(), key=lambda kv: -kv[1])),
        "stages_wall_s": timer.wall,
        "stage_calls": timer.calls,
        "glue_cpu_s": max(0.0, sw.cpu - stage_cpu),
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "startup_s": startup_s,
        "extraction_methods": dict(report.extraction_methods),
        "extraction_f1": quality,
        "errors": [e for f in report.feeds for e in f.item_errors][:5]
        + [f"{f.feed_id}: {f.error}" for f in report.feeds_failed][:5],
    }


def extraction_quality(corpus: Corpus, store: Any) -> dict[str, dict[str, float]]:
    """Token F1 of each stored body against the article's source text (what the page was
    rendered from), by extraction method: the site-template path must read pages as well
    as trafilatura does, not just faster."""
    from collections import Counter

    from processing.normalize import tokens

    def f1(a: str, b: str) -> float:
        ca, cb = Counter(tokens(a)), Counter(tokens(b))
        common = sum((ca & cb).values())
        return 2 * common / (sum(ca.values()) + sum(cb.values())) if ca and cb else 0.0

    by_method: dict[str, list[float]] = {}
    for art in store.iter_articles():
        path = art.url.split("/", 3)[-1] if art.url else ""
        item = corpus.articles.get(path)
        if item is not None:
            by_method.setdefault(art.extraction, []).append(f1(art.body, item.content))
    return {
        m: {"pages": len(v), "mean_f1": round(sum(v) / len(v), 4)} for m, v in by_method.items()
    }


# --- baselines ----------------------------------------------------------------------------
def measure_trafilatura(pages: list[tuple[str, bytes]]) -> dict[str, float]:
    import trafilatura

    trafilatura.extract(pages[0][1])  # warm-up: lazy imports and caches
    chars = 0
    with Stopwatch() as sw:
        for _path, body in pages:
            chars += len(trafilatura.extract(body) or "")
    return {"pages": len(pages), "cpu_s": sw.cpu, "wall_s": sw.wall, "chars": chars}


def measure_newspaper(pages: list[tuple[str, bytes]]) -> dict[str, float] | None:
    try:
        from newspaper import Article as NpArticle
    except ImportError:
        return None

    def one(path: str, body: bytes) -> int:
        art = NpArticle(f"http://127.0.0.1/{path}", language="ar", fetch_images=False)
        art.download(input_html=body.decode("utf-8"))
        art.parse()
        return len(art.text)

    one(*pages[0])  # warm-up
    chars = 0
    with Stopwatch() as sw:
        for path, body in pages:
            chars += one(path, body)
    return {"pages": len(pages), "cpu_s": sw.cpu, "wall_s": sw.wall, "chars": chars}


# --- profile ------------------------------------------------------------------------------
class InlineExecutor:
    """A ThreadPoolExecutor stand-in that runs everything in the calling thread, so a
    one-thread sampling profiler sees the whole pipeline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> InlineExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut

    def map(self, fn: Callable[..., Any], *iterables: Any, **kwargs: Any) -> Iterator[Any]:
        return iter([fn(*args) for args in zip(*iterables, strict=False)])

    def shutdown(self, wait: bool = True, **kwargs: Any) -> None:
        return None


def _package(file_path: str) -> str:
    """Which library or project package a frame's file belongs to."""
    p = file_path.replace("\\", "/")
    if "site-packages/" in p:
        return p.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    repo = str(REPO) + "/"
    if p.startswith(repo):
        return p[len(repo) :].rsplit("/", 1)[0].replace("/", ".") or p[len(repo) :]
    if "/lib/python" in p:
        return "stdlib:" + p.rsplit("/", 1)[-1].removesuffix(".py")
    return p.rsplit("/", 1)[-1] or "?"


def summarize_profile(root: Any, top: int = 15) -> dict[str, Any]:
    """Self time by package and by function, and inclusive time of the pipeline's stages."""
    by_pkg: dict[str, float] = {}
    by_func: dict[str, float] = {}
    inclusive: dict[str, float] = {}
    stage_names = {"_build", "_finish", "poll_feed", "extract_article", "detect_language",
                   "deduplicate", "enrich", "upsert_articles", "evaluate_and_deliver",
                   "bare_extraction", "page_metadata", "decode_html", "load_html"}  # fmt: skip
    stack = [(root, frozenset())]
    while stack:
        frame, open_stages = stack.pop()
        if frame.file_path:
            pkg = _package(frame.file_path)
            by_pkg[pkg] = by_pkg.get(pkg, 0.0) + frame.total_self_time
            key = f"{pkg}:{frame.function}"
            by_func[key] = by_func.get(key, 0.0) + frame.total_self_time
        if frame.function in stage_names and frame.function not in open_stages:
            inclusive[frame.function] = inclusive.get(frame.function, 0.0) + frame.time
            open_stages = open_stages | {frame.function}
        stack.extend((child, open_stages) for child in frame.children)
    total = root.time or 1.0

    def pct(d: dict[str, float]) -> dict[str, float]:
        items = sorted(d.items(), key=lambda kv: -kv[1])[:top]
        return {k: round(100 * v / total, 1) for k, v in items}

    return {"total_s": round(total, 2), "self_pct_by_package": pct(by_pkg),
            "self_pct_by_function": pct(by_func), "inclusive_pct": pct(inclusive)}  # fmt: skip


def profile_pipeline(corpus: Corpus, bases: dict[str, str], workdir: Path) -> dict[str, Any]:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"skipped": "pyinstrument is not installed (.venv/bin/pip install pyinstrument)"}
    import rasid.pipeline as pl

    settings = _settings(workdir, corpus.feeds_yaml(bases), f"sqlite:///{workdir / 'profile.db'}")
    saved = pl.ThreadPoolExecutor
    pl.ThreadPoolExecutor = InlineExecutor  # type: ignore[assignment,misc]
    profiler = Profiler(interval=0.001, async_mode="disabled")
    try:
        profiler.start()
        report = pl.run_cycle(settings)
        profiler.stop()
    finally:
        pl.ThreadPoolExecutor = saved  # type: ignore[misc]
    PROFILE_OUT.parent.mkdir(parents=True, exist_ok=True)
    PROFILE_OUT.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    summary = summarize_profile(profiler.last_session.root_frame())
    summary["articles"] = report.articles_indexed
    summary["text_profile"] = str(PROFILE_OUT)
    return summary


# --- entry point --------------------------------------------------------------------------
def run(quick: bool) -> list[Result]:
    data = shared_dir("data", "saudinewsnet")
    try:
        import rasid.pipeline  # noqa: F401  (fail early, with the import error, if a stage is missing)
    except ImportError as exc:
        raise RuntimeError(f"the pipeline does not import yet: {exc}") from exc
    n = QUICK_ARTICLES if quick else FULL_ARTICLES
    items = load_saudinewsnet(data, n)
    if not items:
        raise Skip(f"no articles in {data}")
    corpus = build_corpus(items)
    pages = list(corpus.pages())
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="rasid-bench-pipeline-") as tmp:
        root = Path(tmp) / "site"
        corpus.write(root)
        with serve_in_subprocess(root) as bases:
            run_dir = Path(tmp) / "run"
            run_dir.mkdir()
            pipe = measure_pipeline(corpus, bases, run_dir)
            profile: dict[str, Any] = {}
            if not quick:
                prof_items = build_corpus(load_saudinewsnet(data, PROFILE_ARTICLES))
                prof_root = Path(tmp) / "profile-site"
                prof_root.mkdir()
                prof_items.write(prof_root)
                with serve_in_subprocess(prof_root) as prof_bases:
                    prof_dir = Path(tmp) / "profile"
                    prof_dir.mkdir()
                    profile = profile_pipeline(prof_items, prof_bases, prof_dir)
    if pipe["indexed"] == 0:
        raise RuntimeError(f"the pipeline indexed nothing: {pipe['errors']}")
    traf = measure_trafilatura(pages)
    np_pages = pages[:100] if quick else pages[:1000]  # a rate; 1,000 pages pin it down
    news = measure_newspaper(np_pages)

    per_core = pipe["indexed"] / pipe["cpu_s"]
    traf_rate = traf["pages"] / traf["cpu_s"]
    stage_share = {k: round(100 * v / pipe["cpu_s"], 1) for k, v in pipe["stages_cpu_s"].items()}
    stage_share["glue (unclaimed)"] = round(100 * pipe["glue_cpu_s"] / pipe["cpu_s"], 1)
    results.append(
        ratio_result(
            "pipeline throughput per core", per_core, "articles/CPU-s",
            "bare trafilatura.extract", traf_rate, goal=">=0.8",
            notes=f"{pipe['indexed']} of {pipe['articles']} articles indexed, "
            f"{pipe['feeds']} feeds, {pipe['workers']} workers",
            pipeline=pipe, trafilatura=traf,
        )
    )  # fmt: skip
    if news is not None:
        results.append(
            ratio_result(
                "pipeline vs newspaper4k extraction", per_core, "articles/CPU-s",
                "newspaper4k (parse only)", news["pages"] / news["cpu_s"], goal=">=3",
                notes=f"newspaper4k on {news['pages']} of the same pages", newspaper=news,
            )
        )  # fmt: skip
    results.append(
        Result(
            "pipeline throughput, wall", pipe["indexed"] / pipe["wall_s"], "articles/s",
            notes=f"{os.cpu_count()} cores shared with the page server; "
            f"CPU use {pipe['cpu_s'] / pipe['wall_s']:.2f} cores",
        )
    )  # fmt: skip
    for stage, share in stage_share.items():
        results.append(Result(f"CPU share: {stage}", share, "%", extra={
            "cpu_s": round(pipe["stages_cpu_s"].get(stage, pipe["glue_cpu_s"]), 3),
            "wall_s": round(pipe["stages_wall_s"].get(stage, 0.0), 3),
            "calls": pipe["stage_calls"].get(stage, 0)}))  # fmt: skip
    for method, q in sorted(pipe["extraction_f1"].items()):
        results.append(
            Result(f"body token F1 vs source text: {method}", q["mean_f1"], "",
                   notes=f"{q['pages']} pages")
        )  # fmt: skip
    results.append(
        Result("start-up before the first article", pipe["startup_s"], "s",
               notes="language profiles, lexicons, gazetteer; paid once per process, "
               "not in the figures above")
    )  # fmt: skip
    results.append(
        Result("peak memory (RSS)", pipe["peak_rss_mb"], "MB",
               notes=f"after the pipeline run of {pipe['articles']} articles "
               f"({pipe['rss_before_mb']:.0f} MB before it)")
    )  # fmt: skip
    if profile:
        results.append(Result("profile (pyinstrument, serial)", profile.get("total_s", 0.0), "s",
                              notes=f"{PROFILE_ARTICLES} pages; see extra / {PROFILE_OUT.name}",
                              extra={"profile": profile}))  # fmt: skip
    return results
