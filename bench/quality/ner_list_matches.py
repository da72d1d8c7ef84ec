"""Which list matches the tagger sees in ANERcorp: run it before and after a change to the
place or name lists, and diff.

The lists (places.yaml, regions.yaml, clubs.yaml, the names) are the CRF's lexicon
features, so a common word added to them changes the tagger trained on ANERcorp: «دروس»
(Durrës, "lessons") cost both held-out folds 0.4-0.7 point, and «غسلة» (Ghasla, which
normalises to «غسله», "washed it") the test split 0.005. If the matches over both files
are the same before and after, the tagger trained on them is the same too.

    .venv/bin/python bench/quality/ner_list_matches.py --out before.json
    (change the lists)
    .venv/bin/python bench/quality/ner_list_matches.py --diff before.json

To compare two commits, run it in a worktree of each with PYTHONPATH set to that worktree
(the venv's editable install points at the main checkout).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from processing.enrich.conll import read_conll
from processing.enrich.lexicon.lists import lexicon
from processing.enrich.text import norm_token
from processing.enrich.train import read_gazetteer_dir

NER = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ner"
FILES = ("ANERCorp_train.txt", "ANERCorp_CamelLab_test.txt")


def matches(ner_dir: Path) -> list[list[object]]:
    """[file, sentence, start, end, list, words] of every list match, as training sees them
    (ANERcorp's own gazetteers added, as `rasid ner train` adds them)."""
    lx = lexicon()
    gazet = ner_dir / "ANERGazet"
    if gazet.is_dir():
        for name, phrases in read_gazetteer_dir(gazet).items():
            lx.add_list(name, phrases)
    out: list[list[object]] = []
    for fname in FILES:
        for k, sent in enumerate(read_conll(ner_dir / fname)):
            words = [norm_token(w) for w, _ in sent]
            for h in lx.scan(words):
                out.append([fname, k, h.start, h.end, h.list, " ".join(words[h.start : h.end])])
    return sorted(out, key=lambda m: [str(x) for x in m])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ner-dir", type=Path, default=NER, help="folder of the ANERcorp files")
    ap.add_argument("--out", type=Path, help="write the matches here (JSON)")
    ap.add_argument("--diff", type=Path, help="compare with matches written before")
    args = ap.parse_args()
    if not all((args.ner_dir / f).exists() for f in FILES):
        print(f"ANERcorp files not found in {args.ner_dir}", file=sys.stderr)
        return 2
    now = matches(args.ner_dir)
    digest = hashlib.sha256(json.dumps(now, ensure_ascii=False).encode()).hexdigest()[:16]
    print(f"{len(now)} list matches over {', '.join(FILES)}; digest {digest}")
    if args.out:
        args.out.write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
    if args.diff:
        before = {json.dumps(m, ensure_ascii=False) for m in json.loads(args.diff.read_text())}
        after = {json.dumps(m, ensure_ascii=False) for m in now}
        for sign, rows in (("-", before - after), ("+", after - before)):
            for row in sorted(rows):
                print(sign, row)
        print("same matches: the tagger trained on them is unchanged" if before == after
              else f"{len(before - after)} gone, {len(after - before)} new")  # fmt: skip
        return 0 if before == after else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
