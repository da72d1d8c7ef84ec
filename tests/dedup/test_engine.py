from __future__ import annotations

import random
from datetime import timedelta

from processing.dedup import InMemoryDedupState, deduplicate
from processing.dedup.synthetic import edit

from .conftest import CORONA, CORONA_OTHER, FOOTBALL, T0, background_articles, make_article

NOW = T0 + timedelta(hours=6)


def _warm(state: InMemoryDedupState) -> None:
    """A few unrelated articles first, so term statistics mean something."""
    deduplicate(background_articles(), state, T0)


def test_verdict_kinds_and_fields() -> None:
    state = InMemoryDedupState()
    _warm(state)
    orig = make_article(CORONA, title="كورونا في الرياض", source="spa", at=T0, guid="spa-1")
    repoll = make_article(
        CORONA, title="كورونا في الرياض", source="spa", at=T0 + timedelta(minutes=5),
        url=orig.url + "?utm_source=twitter#comments",
    )  # fmt: skip
    same_guid = make_article(CORONA, source="spa", at=T0 + timedelta(minutes=6), guid="spa-1")
    # another outlet, identical text up to diacritics, punctuation and hamza spelling
    exact = make_article(
        CORONA.replace("أعلنت", "اعلنت").replace("،", " ,"), title="كورونا في الرياض",
        source="okaz", at=T0 + timedelta(hours=1),
    )  # fmt: skip
    _, edited = edit("trim20", "", CORONA, random.Random(1), "")
    near = make_article(edited, title="ثلاث إصابات", source="sabq", at=T0 + timedelta(hours=2))
    other = make_article(FOOTBALL, title="الهلال يفوز", source="sabq", at=T0 + timedelta(hours=3))
    batch = [other, near, exact, same_guid, repoll, orig]  # out of time order on purpose

    result = deduplicate(batch, state, NOW)

    assert result.articles == batch  # input order kept
    kind = {id(a): v.kind for a, v in result}  # by object: the re-poll shares orig's id
    assert kind[id(orig)] == "new" and kind[id(other)] == "new"
    assert kind[id(repoll)] == "same-url" and repoll.id == orig.id
    assert kind[id(same_guid)] == "same-url" and same_guid.duplicate_of == orig.id
    assert kind[id(exact)] == "exact" and exact.duplicate_of == orig.id and exact.similarity == 1.0
    assert kind[id(near)] == "near" and near.duplicate_of == orig.id
    assert 0.5 <= (near.similarity or 0) < 1.0
    assert orig.duplicate_of is None and repoll.duplicate_of is None
    assert all(a.content_hash for a in batch)
    assert exact.content_hash == orig.content_hash
    # reprints join their original's story; the football match is another story
    assert orig.story_id == exact.story_id == near.story_id == repoll.story_id
    assert other.story_id != orig.story_id
    story = result.stories[orig.story_id]
    assert story.article_count == 3  # the re-poll and the GUID repeat are not counted again
    assert set(story.sources) == {"spa", "okaz", "sabq"}
    assert result.counts() == {"new": 2, "same-url": 2, "exact": 1, "near": 1}


def test_same_event_from_another_outlet_joins_the_story() -> None:
    state = InMemoryDedupState()
    _warm(state)
    a = make_article(CORONA, title="ثلاث إصابات جديدة بكورونا في الرياض", source="spa", at=T0)
    b = make_article(
        CORONA_OTHER, title="الرياض: ثلاث إصابات بفيروس كورونا", source="okaz",
        at=T0 + timedelta(hours=1),
    )  # fmt: skip
    c = make_article(FOOTBALL, title="الهلال يتغلب على النصر", source="riyadiya", at=T0)
    result = deduplicate([a, b, c], state, NOW)
    verdicts = {v.article_id: v for v in result.verdicts}
    assert verdicts[b.id].kind == "new"  # not a copy ...
    assert b.story_id == a.story_id  # ... but the same event
    assert verdicts[b.id].story_similarity is not None
    assert c.story_id != a.story_id


def test_story_growth_is_exposed_for_spike_alerts() -> None:
    state = InMemoryDedupState()
    _warm(state)
    base = make_article(CORONA, title="كورونا", source="spa", at=T0)
    copies = [
        make_article(CORONA, title="كورونا", source=f"outlet{i}", at=T0 + timedelta(minutes=10 * i))
        for i in range(1, 6)
    ]
    result = deduplicate([base, *copies], state, T0 + timedelta(hours=1))
    story = result.stories[base.story_id]
    assert story.article_count == 6 and story.source_count == 6
    assert story.recent_count(T0 + timedelta(minutes=55), hours=1) == 6
    assert story.recent_count(T0 + timedelta(hours=5), hours=1) == 0
    assert sum(n for _, n in story.growth()) == 6


def test_rerunning_a_batch_changes_nothing() -> None:
    state = InMemoryDedupState()
    batch = [*background_articles(), make_article(CORONA, source="spa", at=T0)]
    first = deduplicate(batch, state, NOW)
    stories = {s: (st.article_count, list(st.sources)) for s, st in first.stories.items()}
    again = [make_article(a.body, title=a.title, source=a.source, at=a.fetched_at, url=a.url)
             for a in batch]  # fmt: skip
    second = deduplicate(again, state, NOW)
    assert {v.kind for v in second.verdicts} == {"same-url"}
    assert [a.story_id for a in again] == [a.story_id for a in batch]
    for sid, (count, sources) in stories.items():
        st = state.get_story(sid)
        assert st is not None and (st.article_count, st.sources) == (count, sources)


def test_empty_body_gets_a_story_but_no_near_match() -> None:
    state = InMemoryDedupState()
    a = make_article("", title="العثيم تقيم حفل معايدة لمنسوبيها", source="jazirah", at=T0)
    b = make_article("", title="بلدية ضباء تعايد منسوبيها", source="jazirah", at=T0)
    result = deduplicate([a, b], state, NOW)
    assert [v.kind for v in result.verdicts] == ["new", "new"]
    assert a.story_id and b.story_id
