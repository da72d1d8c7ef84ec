"""Quality measurement: entity tagging on a CoNLL test file, place resolution on labelled
offsets. Both return plain dicts (the CLI prints them as JSON)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from processing.enrich.conll import read_conll, spans
from processing.enrich.gazetteer import REGION_KINDS
from processing.enrich.lexicon.lists import lexicon
from processing.enrich.ner import ENTITY_TYPES, document_mentions, tag_sentence, tagger_name
from processing.enrich.text import norm_token
from processing.enrich.train import train  # re-exported for `rasid ner train`

__all__ = [
    "evaluate_ner",
    "evaluate_places",
    "evaluate_places_both",
    "evaluate_places_conll",
    "format_places_table",
    "format_table",
    "label_agreement",
    "score_spans",
    "train",
]

ALL_TYPES = ("PER", "ORG", "LOC", "MISC")


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "tp": tp, "fp": fp, "fn": fn}  # fmt: skip


def score_spans(
    gold: Sequence[set[tuple[int, int, str]]], pred: Sequence[set[tuple[int, int, str]]]
) -> dict[str, Any]:
    """CoNLL-style micro scores: a chunk counts only with exact boundaries and type."""
    counts = {t: [0, 0, 0] for t in ALL_TYPES}
    for g, p in zip(gold, pred, strict=True):
        for s in g:
            if s[2] in counts:
                counts[s[2]][0 if s in p else 2] += 1
        for s in p:
            if s[2] in counts and s not in g:
                counts[s[2]][1] += 1
    out: dict[str, Any] = {t: _prf(*counts[t]) for t in ALL_TYPES}

    def total(types: Sequence[str]) -> dict[str, float | int]:
        return _prf(*(sum(counts[t][k] for t in types) for k in range(3)))

    out["overall"] = total(ENTITY_TYPES)  # the types Rasid emits: PER, ORG, LOC
    out["overall_with_misc"] = total(ALL_TYPES)
    return out


def evaluate_ner(
    test_path: str | Path, *, document_sentences: int = 10, sentence_only: bool = False
) -> dict[str, Any]:
    """Micro P/R/F1 per type and overall on a CoNLL file (ANERcorp tags; PERS = PER).

    ``overall`` counts PER, ORG and LOC (what Rasid emits); ``overall_with_misc`` adds MISC
    (which the statistical tagger predicts when trained on ANERcorp; the rules never do).
    The product tags whole articles, so by default consecutive sentences are grouped into
    pseudo-documents of ``document_sentences`` and the article-level steps (curated names,
    repeated-name propagation) run on them; ``sentence_only`` measures the bare tagger.
    """
    t0 = time.perf_counter()
    sents = read_conll(test_path)
    lx = lexicon()
    gold = [spans([t for _, t in s]) for s in sents]
    pred: list[set[tuple[int, int, str]]] = []
    step = 1 if sentence_only else max(1, document_sentences)
    for d in range(0, len(sents), step):
        block = sents[d : d + step]
        words: list[str] = []
        ranges: list[tuple[int, int]] = []
        for s in block:
            ranges.append((len(words), len(words) + len(s)))
            words.extend(norm_token(w) for w, _ in s)
        hits = lx.scan(words)
        if sentence_only:
            from processing.enrich.ner import _model, bio_spans

            tags = tag_sentence(words, hits, _model())
            found = [(a, b, t) for a, b, t in bio_spans(tags)]
        else:
            written = [w for s in block for w, _ in s]  # as the product passes its tokens
            mentions = document_mentions(words, ranges, hits, written)
            found = [(m.start, m.end, m.type) for m in mentions]
        for a, b in ranges:
            pred.append({(s - a, e - a, t) for s, e, t in found if a <= s and e <= b})
    out = score_spans(gold, pred)
    out["tagger"] = tagger_name()
    out["mode"] = "sentence" if sentence_only else f"documents of {step} sentences"
    out["sentences"] = len(sents)
    out["tokens"] = sum(map(len, sents))
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def format_table(res: dict[str, Any]) -> str:
    rows = [f"{'type':<18} {'P':>7} {'R':>7} {'F1':>7} {'gold':>6}"]
    for key in (*ALL_TYPES, "overall", "overall_with_misc"):
        r = res[key]
        rows.append(
            f"{key:<18} {r['precision']:>7.4f} {r['recall']:>7.4f} {r['f1']:>7.4f}"
            f" {r['tp'] + r['fn']:>6}"
        )
    return "\n".join(rows)


def _json(obj: Any) -> str:  # pragma: no cover - convenience for manual runs
    return json.dumps(obj, ensure_ascii=False, indent=2)


# ---- places ------------------------------------------------------------------------------
GOLD_PLACES = Path(__file__).resolve().parents[2] / "bench" / "quality" / "places_gold.json"
# Labelled blind to the system after the locality rules were written (2015-07-25); two
# later fixes were made after reading its errors, so it is partly tuned on.
HELDOUT_PLACES = GOLD_PLACES.with_name("places_heldout.json")
# Labelled blind (2015-07-24). Its errors were read after its first scoring and prompted
# two later changes (datelines; the regions list), so its later figures are optimistic.
TEST_PLACES = GOLD_PLACES.with_name("places_test.json")
# The blind test sets after those two, in the order they were labelled (2015-07-21 and -22,
# articles no developer read). Each was scored once, after the fixes the one before it
# prompted, and read only then: its "about" says how its articles were drawn, and
# docs/enrichment.md what its errors changed. Do not tune on a set before its first scoring.
# 2015-07-22 has no unused article of 120-700 words after test92; test94 on is of -21,
# which test107 and test108 used up; test109-112 are its long articles (700-1200 words),
# test113-116 those of -22, test117-120 more of -21, test121-124 more of -22, test125-128,
# test129-132, test133-136 and test137-140 more of -21, test141-144 the last of -22's;
# test145-159 the last of both days' articles of up to 1,200 words (test154, test155 and
# test158 of 120-699 words), test160-163 the first very long ones (1,201-2,500 words),
# test164-167 those of -22, test168-183 the rest of both days' very long ones, test184-187
# one article each of over 2,500 words.
_TEST_SETS = tuple(f"test{n}" for n in range(2, 307))
# The sets beside the development set, in the order they were labelled.
OTHER_PLACE_SETS = (
    ("heldout", HELDOUT_PLACES),
    ("test", TEST_PLACES),
    *((name, GOLD_PLACES.with_name(f"places_{name}.json")) for name in _TEST_SETS),
)
# ANERcorp test split's own LOC spans, each labelled with its place (blind to the system):
# a second corpus, other outlets and years than SaudiNewsNet. Scored once; never tune on it.
ANERCORP_PLACES = GOLD_PLACES.with_name("places_anercorp.json")
SHARED = Path(__file__).resolve().parents[3] / "shared"
MAX_KM = 161.0  # 100 miles, the usual toponym-resolution tolerance


def _gold_text(doc: dict[str, Any], shared: Path) -> tuple[str, str]:
    if doc["kind"] == "seed":
        raw = next(iter(sorted((shared / "seed").glob("*.txt")))).read_text(encoding="utf-8")
        title, _, body = raw.partition("\n")
        return title, body
    import zipfile

    with zipfile.ZipFile(shared / "data" / doc["file"]) as zf:
        items = json.loads(zf.read(zf.namelist()[0]))
    item = items[doc["index"]]
    if doc.get("url") and item.get("url") != doc["url"]:
        raise ValueError(f"gold document {doc['index']} no longer matches {doc['url']}")
    return item["title"], item["content"]


def _entry_ok(g: dict[str, Any], e: Any) -> bool:
    from processing.enrich.places import haversine

    if g.get("geonameid") and g["geonameid"] == e.geonameid:
        return True
    return haversine(g["lat"], g["lon"], e.lat, e.lon) <= MAX_KM


def _score_places(
    docs: Iterable[tuple[Any, list[dict[str, Any]], list[tuple[int, int, Any]]]],
    *,
    exhaustive: bool = True,
) -> dict[str, Any]:
    """Score (doc id, gold mentions, system mentions) triples; spans are character offsets.

    With ``exhaustive`` the gold lists every place, so a system mention over no gold span is
    a false alarm. Without it (ANERcorp's LOC tags leave out places inside organisation
    names, for one) precision counts only the system mentions over a gold span, and the
    others are reported as ``system_outside_gold``."""
    n_gold = n_gold_ok = n_sys = n_sys_ok = n_detected = n_region_apart = n_outside = 0
    errors: list[dict[str, Any]] = []
    for doc_id, mentions, sys_m in docs:
        for g in mentions:
            n_gold += 1
            hits = [e for s, t, e in sys_m if s < g["end"] and g["start"] < t]
            n_detected += bool(hits)
            if any(_entry_ok(g, e) for e in hits):
                n_gold_ok += 1
            else:
                # A region found but given another representative point than the
                # annotator's: a point tolerance means little for an area hundreds of km
                # across, and annotators disagree on it (reported apart, never counted).
                n_region_apart += not g.get("geonameid") and any(
                    e.kind in REGION_KINDS for e in hits
                )
                errors.append({"doc": doc_id, "start": g["start"],
                               "truth": g.get("geonameid"),
                               "got": [e.geonameid for e in hits]})  # fmt: skip
        for s, t, e in sys_m:
            overl = [g for g in mentions if s < g["end"] and g["start"] < t]
            if not overl and not exhaustive:
                n_outside += 1
                continue
            n_sys += 1
            if any(_entry_ok(g, e) for g in overl):
                n_sys_ok += 1
            elif not overl:
                errors.append({"doc": doc_id, "start": s, "truth": None,
                               "got": [e.geonameid]})  # fmt: skip
    p = n_sys_ok / n_sys if n_sys else 0.0
    r = n_gold_ok / n_gold if n_gold else 0.0
    out: dict[str, Any] = {
        "gold_mentions": n_gold,
        "system_mentions": n_sys,
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "detected": round(n_detected / n_gold, 4) if n_gold else 0.0,
        "within_161km_of_detected": round(n_gold_ok / n_detected, 4) if n_detected else 0.0,
        "regions_placed_apart": n_region_apart,
        "recall_with_regions_apart": round((n_gold_ok + n_region_apart) / n_gold, 4)
        if n_gold
        else 0.0,
    }
    if not exhaustive:
        out["system_outside_gold"] = n_outside
    out["tagger"] = tagger_name()
    out["errors"] = errors
    return out


def _shared(shared_dir: str | Path | None) -> Path:
    if shared_dir:
        return Path(shared_dir)
    if os.environ.get("RASID_DATA_DIR"):
        return Path(os.environ["RASID_DATA_DIR"]).parent  # …/shared/data -> …/shared
    return SHARED


def _system_places(title: str, body: str) -> list[tuple[int, int, Any]]:
    from processing.enrich import analyse

    an = analyse(title, body)
    return [(an.tokens[p.start].start, an.tokens[p.end - 1].end, p.entry) for p in an.places]


def evaluate_places(
    gold_path: str | Path | None = None, shared_dir: str | Path | None = None
) -> dict[str, Any]:
    """Precision/recall of place resolution against hand-labelled mentions.

    A system mention is correct when it overlaps a gold mention and resolves to the same
    GeoNames id or within 161 km of the true coordinates. Recall = correct gold mentions /
    gold mentions; precision = correct system mentions / system mentions (the labelled
    documents are labelled exhaustively, so an unlabelled system mention is a false alarm).
    """
    gold = json.loads(Path(gold_path or GOLD_PLACES).read_text(encoding="utf-8"))
    shared = _shared(shared_dir)

    def docs() -> Iterator[tuple[Any, list[dict[str, Any]], list[tuple[int, int, Any]]]]:
        for doc in gold["documents"]:
            title, body = _gold_text(doc, shared)
            yield doc.get("index", "seed"), doc["mentions"], _system_places(title, body)

    return {"documents": len(gold["documents"]), **_score_places(docs())}


def conll_documents(
    sents: Sequence[Sequence[tuple[str, str]]], document_sentences: int
) -> Iterator[tuple[int, str, list[list[int]]]]:
    """The pseudo-documents `evaluate_ner` tags: ``document_sentences`` consecutive
    sentences, here as text (tokens joined by spaces, sentences by line breaks) with each
    sentence's token start offsets, so token spans map to character spans."""
    for d in range(0, len(sents), document_sentences):
        parts: list[str] = []
        starts: list[list[int]] = []
        pos = 0
        for s in sents[d : d + document_sentences]:
            offs = []
            for w, _ in s:
                offs.append(pos)
                pos += len(w) + 1
            starts.append(offs)
            parts.append(" ".join(w for w, _ in s))
        yield d, "\n".join(parts), starts


def evaluate_places_conll(
    gold_path: str | Path | None = None, shared_dir: str | Path | None = None
) -> dict[str, Any]:
    """Place resolution on the LOC spans of a CoNLL file (``places_anercorp.json``): the
    spans are the corpus's own, the labels say which place each one is. The file holds
    token offsets and ids only; a span that is no longer a LOC chunk of the file raises."""
    gold = json.loads(Path(gold_path or ANERCORP_PLACES).read_text(encoding="utf-8"))
    sents = read_conll(_shared(shared_dir) / "data" / gold["file"])
    step = int(gold["document_sentences"])
    by_sent: dict[int, list[dict[str, Any]]] = {}
    for m in gold["mentions"]:
        by_sent.setdefault(m["sentence"], []).append(m)
    for i, ms in by_sent.items():
        chunks = spans([t for _, t in sents[i]])
        for m in ms:
            if (m["start"], m["end"], "LOC") not in chunks:
                raise ValueError(f"{gold['file']}: sentence {i} has no LOC chunk at "
                                 f"tokens {m['start']}-{m['end']}; the file changed")  # fmt: skip

    def docs() -> Iterator[tuple[Any, list[dict[str, Any]], list[tuple[int, int, Any]]]]:
        for d, text, starts in conll_documents(sents, step):
            mentions = []
            for k, offs in enumerate(starts):
                words = sents[d + k]
                for m in by_sent.get(d + k, ()):
                    end = offs[m["end"] - 1] + len(words[m["end"] - 1][0])
                    mentions.append({**m, "start": offs[m["start"]], "end": end})
            yield d // step, mentions, _system_places("", text)

    n_docs = -(-len(sents) // step)
    res = _score_places(docs(), exhaustive=False)
    return {"documents": n_docs, "not_places": len(gold.get("not_places", ())), **res}


def _agrees(g: dict[str, Any], o: dict[str, Any]) -> bool:
    """The rule a system mention is held to: same GeoNames id, or within 161 km."""
    from processing.enrich.place_mention import haversine

    if g.get("geonameid") and g["geonameid"] == o.get("geonameid"):
        return True
    return haversine(g["lat"], g["lon"], o["lat"], o["lon"]) <= MAX_KM


def label_agreement(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """How far two annotations of the same documents agree, scored by the rule a system is
    scored by (`evaluate_places`), with ``second`` in the system's place: recall is the share
    of ``first``'s mentions that ``second`` also labels (overlapping span) within 161 km or
    with the same id; precision the converse. ``mentions`` lists, per mention of ``first``,
    whether ``second`` agrees (for scoring a system on the mentions both agree on)."""
    by_key = {(d["file"], d["index"]): d for d in second["documents"]}
    n_a = n_b = a_ok = b_ok = a_found = b_found = 0
    agreed: list[tuple[str, int, int, int, bool]] = []
    missing: list[tuple[str, int]] = []
    for d in first["documents"]:
        o = by_key.get((d["file"], d["index"]))
        if o is None:
            missing.append((d["file"], d["index"]))
            continue
        a, b = d["mentions"], o["mentions"]
        for g in a:
            over = [m for m in b if m["start"] < g["end"] and g["start"] < m["end"]]
            ok = any(_agrees(g, m) for m in over)
            n_a += 1
            a_found += bool(over)
            a_ok += ok
            agreed.append((d["file"], d["index"], g["start"], g["end"], ok))
        for m in b:
            over = [g for g in a if m["start"] < g["end"] and g["start"] < m["end"]]
            n_b += 1
            b_found += bool(over)
            b_ok += any(_agrees(g, m) for g in over)
    return {
        "documents": len(first["documents"]) - len(missing),
        "missing_documents": missing,
        "first_mentions": n_a,
        "second_mentions": n_b,
        # the second annotator scored as a system against the first
        "recall": round(a_ok / n_a, 4) if n_a else 0.0,
        "precision": round(b_ok / n_b, 4) if n_b else 0.0,
        "first_spans_found": round(a_found / n_a, 4) if n_a else 0.0,
        "second_spans_found": round(b_found / n_b, 4) if n_b else 0.0,
        "mentions": agreed,
    }


def evaluate_places_both(shared_dir: str | Path | None = None) -> dict[str, Any]:
    """``rasid eval places``: the development set, with the other sets' figures under the
    names of ``OTHER_PLACE_SETS`` (their error lists left out; ``evaluate_places(path)`` has
    them), and under ``anercorp`` the ANERcorp test split's LOC spans when that file is
    there."""
    res = evaluate_places(GOLD_PLACES, shared_dir)
    for name, path in OTHER_PLACE_SETS:
        other = evaluate_places(path, shared_dir)
        res[name] = {k: v for k, v in other.items() if k != "errors"}
    gold = json.loads(ANERCORP_PLACES.read_text(encoding="utf-8"))
    if (_shared(shared_dir) / "data" / gold["file"]).exists():
        other = evaluate_places_conll(ANERCORP_PLACES, shared_dir)
        res["anercorp"] = {k: v for k, v in other.items() if k != "errors"}
    return res


def _place_row(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:<12} {r['documents']:>5} {r['gold_mentions']:>5} {r['precision']:>7.3f}"
        f" {r['recall']:>11.3f} {r['detected']:>9.3f}"
        f" {r['within_161km_of_detected']:>21.3f} {r['regions_placed_apart']:>14}"
    )


def format_places_table(res: dict[str, Any]) -> str:
    """The place sets, one row each. The last column counts regions found but placed more
    than 161 km from the annotator's point (not in the recall)."""
    head = (
        f"{'set':<12} {'docs':>5} {'gold':>5} {'P':>7} {'R (161 km)':>11} {'detected':>9}"
        f" {'<=161 km of detected':>21} {'regions apart':>14}"
    )
    names = {"heldout": "held-out"}
    sets = [("development", res)] + [
        (names.get(name, name), res.get(name)) for name, _ in OTHER_PLACE_SETS
    ]
    rows = [head, *(_place_row(name, r) for name, r in sets if r)]
    r = res.get("anercorp")
    if r:
        rows.append(_place_row("anercorp*", r))
        rows.append(
            f"* ANERcorp test split, its own LOC spans: P counts only system places on those"
            f" spans; {r['system_outside_gold']} places elsewhere (inside organisation names,"
            f" for one) are not scored"
        )
    return "\n".join(rows)
