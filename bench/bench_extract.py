"""Extraction speed and quality on the real pages in ../shared/data/extraction.

Quality comes from ``ingest.evaluate.evaluate_extraction`` (body token F1 against gold,
dates against the htmldate gold set). Speed is ``extract_article`` over every page
(decode + trafilatura + metadata), repeated, compared with bare ``trafilatura.extract`` on
the same decoded text as the baseline.

    .venv/bin/python bench/bench_extract.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("RASID_SHARED_DIR", ROOT.parent / "shared")) / "data" / "extraction"


def _pages(data: Path) -> list[tuple[str, bytes]]:
    out = []
    for path in sorted(data.glob("*.html")) + sorted((data / "dated").glob("*.html")):
        out.append((path.name, path.read_bytes()))
    for path in sorted(data.glob("*.html.gz")):
        out.append((path.name, gzip.decompress(path.read_bytes())))
    return out


def measure(data: Path = DATA, repeat: int = 5) -> dict:
    import trafilatura

    from ingest.encoding import decode_html
    from ingest.evaluate import evaluate_extraction, token_f1
    from ingest.extract import extract_article
    from rasid.records import FetchedPage

    pages = _pages(data)
    fetched = [FetchedPage(n, f"https://example.com/{n}", 200, b, {}) for n, b in pages]
    for p in fetched:  # warm-up (imports, lazy tables)
        extract_article(p)

    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        for p in fetched:
            t0 = time.perf_counter()
            extract_article(p)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            trafilatura.extract(decode_html(p.body)[0])
            bare.append(time.perf_counter() - t0)

    quality = evaluate_extraction(data)
    # The in-run quality baseline: bare trafilatura.extract on the CNN full-text gold page.
    bare_f1 = None
    cnn_html, cnn_txt = data / "cnn_arabic.html", data / "cnn_arabic.txt"
    if cnn_html.exists() and cnn_txt.exists():
        text = trafilatura.extract(decode_html(cnn_html.read_bytes())[0]) or ""
        bare_f1 = token_f1(text, cnn_txt.read_text("utf-8"))["f1"]
    return {
        "pages": len(pages),
        "avg_kb": round(sum(len(b) for _, b in pages) / len(pages) / 1000, 1),
        "repeat": repeat,
        "extract_article_ms_median": round(1000 * statistics.median(ours), 1),
        "extract_article_ms_mean": round(1000 * statistics.mean(ours), 1),
        "baseline_bare_trafilatura_ms_median": round(1000 * statistics.median(bare), 1),
        "overhead_ratio_vs_bare": round(statistics.median(ours) / statistics.median(bare), 2),
        "pages_per_s_one_core": round(1 / statistics.mean(ours), 1),
        "quality": quality["summary"],
        "body_f1": {k: v.get("f1") for k, v in quality["pages"].items() if "f1" in v},
        "bare_trafilatura_cnn_f1": bare_f1,
    }


def run(quick: bool) -> list:
    """``python -m bench`` entry point (see bench/README.md)."""
    from bench.common import Result, Skip, ratio_result

    if not DATA.exists():
        raise Skip(f"extraction data not found at {DATA}")
    r = measure(DATA, repeat=1 if quick else 5)
    q = r["quality"]
    return [
        ratio_result(
            "extraction body F1 (CNN Arabic gold)",
            r["body_f1"].get("cnn_arabic", 0.0),
            "F1",
            "bare trafilatura.extract",
            r["bare_trafilatura_cnn_f1"] or 0.0,
            goal=">=1",
            notes=f"min over gold pages {q['body_f1_min']} (goal >= 0.95)",
            body_f1=r["body_f1"],
        ),
        Result(
            "publication date, local day correct",
            q["date_local_accuracy"] or 0.0,
            "share",
            goal=">=0.85",
            notes="htmldate gold set, 9 Arab news pages",
        ),
        ratio_result(
            "extract_article time per page",
            r["extract_article_ms_median"],
            "ms",
            "bare trafilatura.extract",
            r["baseline_bare_trafilatura_ms_median"],
            lower_is_better=True,
            goal=">=0.5",
            notes="adds metadata (canonical, og:image, dates), encoding choice, fallbacks",
            **{k: v for k, v in r.items() if k not in ("quality",)},
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.data.exists():
        print(f"skipped: extraction data not found at {args.data}")
        return
    report = measure(args.data, args.repeat)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
