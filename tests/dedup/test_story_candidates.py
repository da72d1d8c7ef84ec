"""Story candidates: when LSH offers no copy, the recent members of the story the article
joins are decided too (processing/dedup/near.py, ``DedupConfig.story_candidates``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from processing.dedup import (
    DedupConfig,
    DocEntry,
    InMemoryDedupState,
    NearDuplicateIndex,
    deduplicate,
)
from processing.dedup.near import story_key
from store.dedup_sqlite import SqliteDedupState, connect, drop_caches

from .conftest import CORONA, FOOTBALL, T0, background_articles, make_article
from .test_decide import RELEASE, REWORDED

# Two bands instead of 42: LSH then misses the re-worded release (J 0.36), as the default
# S-curve does for about one such copy in eight (13 %).
WEAK_LSH = replace(DedupConfig(), lsh_bands=2)
TITLE = "لجنة للتحقيق في تسليم جثة متوفى لغير ذويه في مستشفى الدوادمي"
TITLE_2 = "مستشفى الدوادمي: لجنة تحقيق في تسليم جثة لغير ذويها"


def _pair() -> list:
    orig = make_article(RELEASE, title=TITLE, source="spa", at=T0, key="orig")
    copy = make_article(REWORDED, title=TITLE_2, source="okaz", at=T0 + timedelta(hours=2),
                        key="copy")  # fmt: skip
    return [orig, copy]


def test_lsh_does_not_offer_the_reworded_copy_under_the_weak_curve() -> None:
    index = NearDuplicateIndex(InMemoryDedupState(), WEAK_LSH)
    a, b = index.fingerprint(RELEASE), index.fingerprint(REWORDED)
    assert not set(a.bands.tolist()) & set(b.bands.tolist())


@pytest.mark.parametrize("story_candidates", [20, 0])
def test_a_reworded_copy_lsh_misses_is_found_through_its_story(story_candidates: int) -> None:
    config = replace(WEAK_LSH, story_candidates=story_candidates)
    state = InMemoryDedupState()
    deduplicate(background_articles(), state, T0, config)
    orig, copy = _pair()
    result = deduplicate([orig, copy], state, T0 + timedelta(hours=3), config)
    assert copy.story_id == orig.story_id  # the story vote puts it with its original
    if story_candidates:
        assert result.verdicts[1].kind == "near" and copy.duplicate_of == "orig"
        assert 0.3 < (copy.similarity or 0) < DedupConfig().near_threshold
    else:
        assert result.verdicts[1].kind == "new" and copy.duplicate_of is None


@pytest.mark.parametrize("cache", [True, False])
def test_story_membership_is_persisted(tmp_path: Path, cache: bool) -> None:
    """The story posting lives in the band index, so SQLite keeps it across a restart."""
    db = tmp_path / "rasid.db"
    orig, copy = _pair()
    drop_caches()
    conn = connect(db)
    deduplicate([*background_articles(), orig], SqliteDedupState(conn, cache=cache), T0,
                WEAK_LSH)  # fmt: skip
    conn.close()
    drop_caches()  # a new process
    conn = connect(db)
    result = deduplicate([copy], SqliteDedupState(conn, cache=cache), T0 + timedelta(hours=3),
                         WEAK_LSH)  # fmt: skip
    conn.close()
    drop_caches()
    assert result.verdicts[0].kind == "near" and copy.duplicate_of == "orig"


def _add(index: NearDuplicateIndex, aid: str, text: str, hours: float, root: str, story: str):
    index.add(aid, index.fingerprint(text), T0 + timedelta(hours=hours), root, story)


def test_story_members_are_recent_and_skip_groups_lsh_offered() -> None:
    index = NearDuplicateIndex(InMemoryDedupState())
    _add(index, "a", CORONA, 0, "a", "s")
    _add(index, "a2", CORONA + " تحديث", 1, "a", "s")  # a copy: same group as "a"
    _add(index, "b", FOOTBALL, 2, "b", "s")
    _add(index, "c", RELEASE, 3, "c", "t")  # another story
    _add(index, "stub", "بالصور", 4, "stub", "s")  # too short to compare: not posted
    members = index.story_members("s", "new", set(), 20)
    assert [cid for cid, _ in members] == ["b", "a2", "a"]  # most recent first
    assert [cid for cid, _ in index.story_members("s", "new", set(), 2)] == ["b", "a2"]
    # the group of "a" was offered by LSH (and judged): its members are not offered again
    assert [cid for cid, _ in index.story_members("s", "new", {"a"}, 20)] == ["b"]
    assert [cid for cid, _ in index.story_members("s", "b", set(), 20)] == ["a2", "a"]
    # the posting is one extra key next to the band keys
    doc = index.state.get_doc("b")
    assert doc is not None and int(doc.bands[-1]) == story_key("s")
    assert len(doc.bands) == DedupConfig().lsh_bands + 1


def test_no_story_posting_when_story_candidates_are_off() -> None:
    index = NearDuplicateIndex(InMemoryDedupState(), replace(DedupConfig(), story_candidates=0))
    _add(index, "b", FOOTBALL, 0, "b", "s")
    doc = index.state.get_doc("b")
    assert doc is not None and len(doc.bands) == DedupConfig().lsh_bands
    assert story_key("s") not in set(doc.bands.tolist())


def test_story_key_is_stable() -> None:
    assert story_key("s-abc") == story_key("s-abc") != story_key("s-abd")
    assert isinstance(story_key("s-abc"), int) and -(2**63) <= story_key("s-abc") < 2**63
    assert np.int64(story_key("s-abc")) == story_key("s-abc")


class _Spy(NearDuplicateIndex):
    evidence: list[set[str]]

    def judge(self, fp, at, cid, doc, scored, sim=None, measure_all=False):  # type: ignore[override]
        self.evidence.append({i for _, i, _ in scored})
        return super().judge(fp, at, cid, doc, scored, sim, measure_all)


def test_story_candidates_keep_the_lsh_candidates_as_template_evidence() -> None:
    index = _Spy(InMemoryDedupState())
    index.evidence = []
    # The release, posted under its story only: as if LSH had missed the pair.
    fp = index.fingerprint(RELEASE)
    bands = np.array([story_key("s")], dtype=np.int64)
    index.state.put_doc(DocEntry("orig", T0, fp.shingles, bands, "orig", "s"))
    # An LSH candidate that is no copy: one sentence of the release, then the football.
    excerpt = REWORDED.split(". ")[2] + " " + FOOTBALL
    _add(index, "other", excerpt, 1, "other", "t")
    fp = index.fingerprint(REWORDED)
    lsh = {cid for _, cid, _ in index.candidates("copy", fp)}
    assert lsh == {"other"}
    match = index.query("copy", fp=fp, at=T0 + timedelta(hours=2), story=lambda: "s")
    assert match is not None and match.original_id == "orig"
    assert index.evidence[-1] == {"other"}  # the story candidate, judged on LSH's evidence
    # no story, no story candidates
    assert index.query("copy", fp=fp, at=T0 + timedelta(hours=2), story=lambda: None) is None
