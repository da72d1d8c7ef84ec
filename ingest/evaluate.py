"""Extraction quality against third-party gold data (``../shared/data/extraction``).

Body quality is a bag-of-tokens F1 over normalised Arabic tokens (``processing.normalize``),
so punctuation and spelling variants of one word do not count as errors, and repeated
boilerplate does. Set-based F1 (the figure the trafilatura benchmark quotes) is reported too.
"""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ingest.dates import parse_date
from ingest.extract import Extracted, extract_article
from processing.normalize import tokens
from rasid.records import FetchedPage


def token_f1(predicted: str, gold: str) -> dict[str, float]:
    """Precision, recall and F1 over token multisets, plus set-based F1."""
    p, g = Counter(tokens(predicted)), Counter(tokens(gold))
    overlap = sum((p & g).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ps, gs = set(p), set(g)
    so = len(ps & gs)
    sp = so / len(ps) if ps else 0.0
    sr = so / len(gs) if gs else 0.0
    set_f1 = 2 * sp * sr / (sp + sr) if sp + sr else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "set_f1": round(set_f1, 4),
    }


def _page(url: str, body: bytes) -> FetchedPage:
    return FetchedPage(url=url, final_url=url, status=200, body=body, headers={})


def _timed(page: FetchedPage) -> tuple[Extracted, float]:
    t0 = time.perf_counter()
    out = extract_article(page)
    return out, time.perf_counter() - t0


def _same_title(a: str, b: str) -> bool:
    return tokens(a) == tokens(b)


def evaluate_extraction(data_dir: str | Path) -> dict[str, Any]:
    """Run every gold case found under ``data_dir`` (the ``extraction`` folder).

    Returns ``{"pages": {...}, "dates": {...}, "summary": {...}}``; missing files are
    reported as skipped rather than failing.
    """
    root = Path(data_dir)
    pages: dict[str, Any] = {}
    times: list[float] = []

    cnn_html, cnn_txt, cnn_json = (root / f"cnn_arabic.{ext}" for ext in ("html", "txt", "json"))
    if cnn_html.exists() and cnn_txt.exists():
        meta = json.loads(cnn_json.read_text("utf-8")) if cnn_json.exists() else {}
        url = meta.get("url", "http://arabic.cnn.com/")
        out, dt = _timed(_page(url, cnn_html.read_bytes()))
        times.append(dt)
        pages["cnn_arabic"] = {
            **token_f1(out.body, cnn_txt.read_text("utf-8")),
            "title_ok": _same_title(out.title, meta.get("title", "")) if meta else None,
            "canonical_ok": (out.canonical_url == meta.get("canonical_link")) if meta else None,
            "image_ok": (out.image == meta.get("meta_img")) if meta else None,
            "method": out.method,
            "ms": round(dt * 1000, 1),
        }
    else:
        pages["cnn_arabic"] = {"skipped": "cnn_arabic.html/.txt not found"}

    lbc_html, lbc_json = root / "lbc_2026_01_08.html.gz", root / "lbc.json"
    if lbc_html.exists() and lbc_json.exists():
        gold = next(iter(json.loads(lbc_json.read_text("utf-8")).values()))
        body_gold = "\n".join(
            "\n".join(s.get("headline") or []) + "\n" + "\n".join(s.get("paragraphs") or [])
            for s in gold["body"]["sections"]
        )
        out, dt = _timed(_page("https://www.lbcgroup.tv/", gzip.decompress(lbc_html.read_bytes())))
        times.append(dt)
        gold_date = parse_date(gold.get("publishing_date") or "")
        pages["lbc"] = {
            **token_f1(out.body, body_gold),
            "title_ok": _same_title(out.title, gold.get("title", "")),
            "date_ok": bool(gold_date and out.published_at and gold_date == out.published_at),
            "method": out.method,
            "ms": round(dt * 1000, 1),
        }
    else:
        pages["lbc"] = {"skipped": "lbc_2026_01_08.html.gz/lbc.json not found"}

    assabah_html, assabah_json = root / "assabah.html", root / "assabah.truth.json"
    if assabah_html.exists() and assabah_json.exists():
        url, gold = next(iter(json.loads(assabah_json.read_text("utf-8")).items()))
        out, dt = _timed(_page(url, assabah_html.read_bytes()))
        times.append(dt)
        with_ok = [s for s in gold.get("with", []) if s in out.body]
        without_bad = [s for s in gold.get("without", []) if s in out.body]
        pages["assabah"] = {
            "with_found": f"{len(with_ok)}/{len(gold.get('with', []))}",
            "without_leaked": f"{len(without_bad)}/{len(gold.get('without', []))}",
            "title_ok": _same_title(out.title, gold.get("title", "")),
            "method": out.method,
            "ms": round(dt * 1000, 1),
        }
    else:
        pages["assabah"] = {"skipped": "assabah.html/assabah.truth.json not found"}

    dates: dict[str, Any] = {"cases": []}
    dates_json = root / "dated" / "dates.json"
    if dates_json.exists():
        gold_dates = json.loads(dates_json.read_text("utf-8"))
        for url, case in gold_dates.items():
            path = root / "dated" / case["file"]
            if not path.exists():
                continue
            out, dt = _timed(_page(url, path.read_bytes()))
            times.append(dt)
            local = parse_date(out.published_raw, keep_tz=True) if out.published_raw else None
            dates["cases"].append(
                {
                    "file": case["file"],
                    "gold": case["date"],
                    "found_utc": out.published_at.isoformat() if out.published_at else None,
                    "local_ok": bool(local and local.date().isoformat() == case["date"]),
                    "utc_ok": bool(
                        out.published_at and out.published_at.date().isoformat() == case["date"]
                    ),
                }
            )
        n = len(dates["cases"]) or 1
        dates["local_date_accuracy"] = round(sum(c["local_ok"] for c in dates["cases"]) / n, 4)
        dates["utc_date_accuracy"] = round(sum(c["utc_ok"] for c in dates["cases"]) / n, 4)
        dates["n"] = len(dates["cases"])
    else:
        dates["skipped"] = "dated/dates.json not found"

    f1s = [p["f1"] for k, p in pages.items() if "f1" in p]
    summary = {
        "body_f1_mean": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "body_f1_min": min(f1s) if f1s else None,
        "goal_body_f1": 0.95,
        "goal_met": bool(f1s) and min(f1s) >= 0.95,
        "date_local_accuracy": dates.get("local_date_accuracy"),
        "pages_evaluated": len(times),
        "ms_per_page_mean": round(1000 * sum(times) / len(times), 1) if times else None,
    }
    return {"pages": pages, "dates": dates, "summary": summary}


if __name__ == "__main__":  # python -m ingest.evaluate [data_dir]
    import sys

    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction"
    print(json.dumps(evaluate_extraction(sys.argv[1] if len(sys.argv) > 1 else default), indent=1))
