"""Entity mentions in an article: the trained CRF when present, else rules and gazetteers.

Both paths end with the same article-level step: a name found once (``خليفة حفتر``) is found
again where the tagger missed a repeat of it (``حفتر``, ``لحفتر``), and curated public figures
and organisations are added.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from processing.enrich.crf import CRFModel, load_model
from processing.enrich.lexicon import load_yaml
from processing.enrich.lexicon.lists import Hit, Lexicon, lexicon, longest
from processing.enrich.text import Token
from processing.normalize import match_forms, normalize

ENTITY_TYPES = ("PER", "ORG", "LOC")
_END_PUNCT = frozenset({".", "!", "?", "؟"})


class Mention(NamedTuple):
    type: str  # PER | ORG | LOC | MISC
    start: int  # token index
    end: int  # exclusive
    source: str  # "crf" | "rules" | "lexicon" | "propagated"


@lru_cache(maxsize=1)
def _model() -> CRFModel | None:
    if os.environ.get("RASID_NER_RULES_ONLY"):
        return None
    return load_model()


def reset_model() -> None:
    """Forget the loaded model (after training a new one, or in tests)."""
    _model.cache_clear()


def tagger_name() -> str:
    return "crf" if _model() is not None else "rules"


def sentences(tokens: Sequence[Token], text: str) -> list[tuple[int, int]]:
    """Token ranges of sentences: end punctuation or a line break closes one."""
    n = len(tokens)
    cuts = {i + 1 for i, norm in enumerate(map(_norm, tokens)) if norm in _END_PUNCT}
    # A token never holds a line break, so a break at p falls between the token before p
    # and the first token after it.
    starts = list(map(_start, tokens))
    p = text.find("\n")
    while p != -1:
        cuts.add(bisect_right(starts, p))
        p = text.find("\n", p + 1)
    out: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(cuts):
        if start < cut < n:
            out.append((start, cut))
            start = cut
    if start < n:
        out.append((start, n))
    return out


_norm = itemgetter(1)  # Token.norm
_start = itemgetter(2)  # Token.start


def bio_spans(tags: Sequence[str], offset: int = 0) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    start, typ = -1, ""
    for i, tag in enumerate(tags):
        if tag == "O":  # most tags: only closes the open span
            if typ:
                out.append((start + offset, i + offset, typ))
                typ = ""
            continue
        pre, _, t = tag.partition("-")
        if typ and (pre == "B" or t != typ):
            out.append((start + offset, i + offset, typ))
            typ = ""
        if pre == "B" or (pre == "I" and t != typ):
            start, typ = i, t
    if typ:
        out.append((start + offset, len(tags) + offset, typ))
    return out


def tag_sentence(words: Sequence[str], hits: Sequence[Hit], model: CRFModel | None) -> list[str]:
    """BIO tags for one sentence (the evaluation entry point)."""
    if model is not None:
        return model.tag(words, hits)
    tags = ["O"] * len(words)
    for a, b, typ in rule_spans(words, hits):
        tags[a] = "B-" + typ
        for k in range(a + 1, b):
            tags[k] = "I-" + typ
    return tags


# ---- rules (no trained model) ---------------------------------------------------------
_STOP = frozenset(
    normalize(w)
    for w in [
        "في",
        "من",
        "إلى",
        "على",
        "عن",
        "مع",
        "أن",
        "إن",
        "أنه",
        "الذي",
        "التي",
        "الذين",
        "قد",
        "لقد",
        "كان",
        "كانت",
        "هو",
        "هي",
        "هم",
        "بعد",
        "قبل",
        "عند",
        "منذ",
        "خلال",
        "بين",
        "حول",
        "ضد",
        "أو",
        "ثم",
        "كما",
        "لكن",
        "بل",
        "وقال",
        "قال",
        "يوم",
        "اليوم",
        "الجمعة",
        "الخميس",
        "الأربعاء",
        "الثلاثاء",
        "الاثنين",
        "الأحد",
        "السبت",
        "أمس",
        "مساء",
        "صباح",
    ]
)


def _is_name_word(w: str, lx_kinds: set[str]) -> bool:
    return w[:1].isalpha() and not w.isascii() and w not in _STOP and "demonym" not in lx_kinds


def rule_spans(words: Sequence[str], hits: Sequence[Hit]) -> list[tuple[int, int, str]]:
    """Gazetteer and trigger rules: places, curated names, «title + Name», «org head + ال…»."""
    n = len(words)
    kinds: list[set[str]] = [set() for _ in range(n)]
    for h in hits:
        for k in range(h.start, h.end):
            kinds[k].add(h.list)
    spans: list[tuple[int, int, str]] = []
    taken = [False] * n

    def put(a: int, b: int, typ: str) -> None:
        if a < b and not any(taken[a:b]):
            spans.append((a, b, typ))
            for k in range(a, b):
                taken[k] = True

    lx = lexicon()
    for h in longest(hits, {"person", "org", "country", "continent", "bigcity"}):
        if h.list == "person" and h.end - h.start == 1 and h.payload and _ambiguous(words[h.start]):
            continue
        if " ".join([h.form, *words[h.start + 1 : h.end]]) in lx.not_places:
            continue
        put(h.start, h.end, {"person": "PER", "org": "ORG"}.get(h.list, "LOC"))
    trig = {h.end: h for h in hits if h.list in ("title", "loctrigger", "orghead")}
    for end, h in sorted(trig.items()):
        if h.list == "title":
            a = end
            # «الرئيس الأمريكي باراك أوباما», «الناطق باسم الكرملين ديمتري بيسكوف»
            while a < n and "demonym" in kinds[a] and not taken[a]:
                a += 1
            if a < n and taken[a]:
                continue  # the name after the title is already known
            b = a
            while b < n and b - a < 3 and _is_name_word(words[b], kinds[b]) and not taken[b]:
                if b > a and words[b].startswith("ال") and "fname" not in kinds[a]:
                    break
                b += 1
            if b > a and not words[a].startswith("ال"):
                put(a, b, "PER")
        elif h.list == "loctrigger" and end < n and "city" in kinds[end]:
            for c in hits:
                if c.start == end and c.list == "city":
                    # «في المنطقة وأشرف على»: after a definite trigger, «و» + a name is
                    # the next clause («العاصمة واشنطن» keeps its «و»)
                    if not (_definite_word(words[h.start], h.form) and c.form != words[end]):
                        put(c.start, c.end, "LOC")
                    break
        elif h.list == "orghead" and end < n and words[end].startswith("ال"):
            b = end
            while b < n and b - end < 3 and words[b].startswith("ال") and words[b] not in _STOP:
                b += 1
            put(h.start, b, "ORG")
    for h in hits:
        if h.list == "fname" and h.end < n and _is_name_word(words[h.end], kinds[h.end]):
            b = h.end + 1
            if b < n and _is_name_word(words[b], kinds[b]) and words[b].startswith("ال"):
                b += 1
            put(h.start, b, "PER")
    return sorted(spans)


def _definite_word(word: str, form: str) -> bool:
    """``word`` is ``form`` with the article before it («المنطقة», «بالمنطقة»)."""
    return word != form and word.endswith(form) and word[: -len(form)].endswith(("ال", "لل"))


@lru_cache(maxsize=1)
def _ambiguous_aliases() -> frozenset[str]:
    return frozenset(normalize(w) for w in load_yaml("persons.yaml").get("ambiguous") or [])


def _ambiguous(word: str) -> bool:
    return any(f in _ambiguous_aliases() for f in match_forms(word))


# ---- article level ---------------------------------------------------------------------
def find_mentions(tokens: Sequence[Token], text: str) -> tuple[list[Mention], list[Hit]]:
    """Entity mentions over a whole article, plus the lexicon hits (reused downstream)."""
    words = [t.norm for t in tokens]
    # Load the model before scanning: loading adds its word lists to the lexicon, and hits
    # scanned before that would leave the process's first article without them.
    _model()
    hits = lexicon().scan(words)
    written = [t.text for t in tokens]
    return document_mentions(words, sentences(tokens, text), hits, written), hits


def document_mentions(
    words: Sequence[str],
    sents: Sequence[tuple[int, int]],
    hits: Sequence[Hit],
    written: Sequence[str] | None = None,
) -> list[Mention]:
    """Tag each sentence, then add curated names and propagate names across the document."""
    lx = lexicon()
    model = _model()
    spans: list[tuple[int, int, str]] = []
    source = "crf" if model is not None else "rules"
    if model is not None:
        tags = model.tag_sentences(words, sents, hits)
        spans = [s for a, b in sents for s in bio_spans(tags[a:b], a)]
    else:
        by_start: dict[int, list[Hit]] = {}
        for h in hits:
            by_start.setdefault(h.start, []).append(h)
        for a, b in sents:
            local = [
                Hit(h.start - a, h.end - a, h.list, h.payload, h.stripped, h.form)
                for i in range(a, b)
                for h in by_start.get(i, ())
                if h.end <= b
            ]
            spans.extend(bio_spans(tag_sentence(words[a:b], local, None), a))
    mentions = _verb_tails([Mention(t, a, b, source) for a, b, t in spans], words, written)
    mentions = _add_lexicon(mentions, hits, words, lx)
    mentions = propagate(mentions, words)
    return sorted(mentions, key=lambda m: m.start)


# «الفنان الطرابلسي يحيي حفلا» (the singer al-Trabelsi holds a concert): folded, the verb
# «يحيي» is the name «يحيى», and the tagger took «الطرابلسي يحيي» for one person. Before an
# event noun it is the verb. Normalised forms.
_REVIVE = frozenset({"يحيي", "تحيي", "ويحيي", "وتحيي"})
_EVENT_NOUNS = frozenset(
    normalize(w)
    for w in ["حفل", "حفلا", "حفلة", "حفلات", "أمسية", "أمسيات", "ليلة", "ذكرى", "الذكرى",
              "حفلها", "حفله", "سهرة", "مهرجانا", "الحفل", "الأمسية"]
)  # fmt: skip


def _verb_tails(
    mentions: list[Mention], words: Sequence[str], written: Sequence[str] | None
) -> list[Mention]:
    """``written``: the tokens as written, where «يحيى» with its «ى» is the name."""
    out = []
    for m in mentions:
        named = written is not None and written[m.start].endswith("ى")
        if (
            m.type == "PER"
            and words[m.start] in _REVIVE
            and m.start + 1 < len(words)
            and words[m.start + 1] in _EVENT_NOUNS
            and not named
        ):
            if m.end <= m.start + 2:
                continue  # «يحيي حفلا» alone: the verb and its object, no name
            m = m._replace(start=m.start + 2)
        last = m.end - 1
        if (
            m.type == "PER"
            and m.end - m.start >= 2
            and words[last] in _REVIVE
            and m.end < len(words)
            and words[m.end] in _EVENT_NOUNS
            and not (written and written[last].endswith("ى"))
        ):
            m = m._replace(end=last)
        out.append(m)
    return out


_GROUP_WORDS = frozenset(normalize(w) for w in ["قوات", "مقاتلو", "مقاتلي", "أنصار", "عناصر"])


def _add_lexicon(
    mentions: list[Mention], hits: Sequence[Hit], words: Sequence[str], lx: Lexicon
) -> list[Mention]:
    """Curated persons and organisations: added where the tagger found nothing. Where the
    tagger found a name inside a curated one («حماس» in «حركة حماس»), its span is kept (that
    is where news annotation puts the boundary) and only its type is corrected; the curated
    canonical name still reaches the entity (see ``curated_names``)."""
    out = []
    for m in mentions:
        # «مقاتلو حفتر» tagged as a person: the person is «حفتر».
        if (
            m.type == "PER"
            and m.end - m.start > 1
            and match_forms(words[m.start])[-1] in (_GROUP_WORDS)
        ):
            m = Mention(m.type, m.start + 1, m.end, m.source)
        out.append(m)
    full_present = {h.payload for h in hits if h.list == "person" and h.end - h.start > 1}
    for h in longest(hits, {"person", "org"}):
        typ = "PER" if h.list == "person" else "ORG"
        inside = [k for k, m in enumerate(out) if m.start < h.end and h.start < m.end]
        if inside:
            for k in inside:
                m = out[k]
                if m.type in ENTITY_TYPES and m.type != typ:
                    out[k] = Mention(typ, m.start, m.end, m.source)
            continue
        if (
            h.list == "person"
            and h.end - h.start == 1
            and _ambiguous(words[h.start])
            and h.payload not in full_present
        ):
            continue
        out.append(Mention(typ, h.start, h.end, "lexicon"))
    return out


def curated_names(mentions: Sequence[Mention], hits: Sequence[Hit]) -> dict[Mention, str]:
    """Canonical name from the curated lists for each mention inside a curated match."""
    cur = [h for h in hits if h.list in ("person", "org") and h.payload]
    out: dict[Mention, str] = {}
    for m in mentions:
        if m.type not in ENTITY_TYPES:
            continue
        for h in cur:
            if h.start <= m.start and m.end <= h.end and (h.list == "person") == (m.type == "PER"):
                out[m] = h.payload
                break
    return out


def propagate(mentions: list[Mention], words: Sequence[str]) -> list[Mention]:
    """Make the article consistent with itself: a single-word name the tagger typed two ways
    takes its majority type; an untagged repeat of a name found elsewhere is tagged (a
    multi-word name, a single-word entity, or the last word of a person's name: a surname)."""
    cores = list(map(itemgetter(-1), map(match_forms, words)))  # clitic-free: «لحفتر» is «حفتر»
    mentions = _majority_types(mentions, cores)
    seqs: dict[tuple[str, ...], set[str]] = {}
    lex: dict[str, set[str]] = {}
    for m in mentions:
        if m.type not in ENTITY_TYPES:
            continue
        if m.end - m.start == 1:
            lex.setdefault(cores[m.start], set()).add(m.type)
        else:
            seqs.setdefault(tuple(cores[m.start : m.end]), set()).add(m.type)
            if m.type == "PER":
                lex.setdefault(cores[m.end - 1], set()).add("PER")
    if not lex and not seqs:
        return mentions
    taken = [False] * len(words)
    for m in mentions:
        for k in range(m.start, m.end):
            taken[k] = True
    out = list(mentions)
    # Where each multi-word name's first word and each single-word name occur, so that a
    # name is looked for there only, not at every word.
    wanted = {key[0] for key in seqs} | lex.keys()
    at: dict[str, list[int]] = {}
    for i, core in enumerate(cores):
        if core in wanted:
            at.setdefault(core, []).append(i)
    # Multi-word names first («البنك التجاري» found once is found again), longest first.
    for key, types in sorted(seqs.items(), key=lambda kv: -len(kv[0])):
        if len(types) != 1:
            continue
        n = len(key)
        for i in at.get(key[0], ()):
            if i > len(words) - n:
                break
            if tuple(cores[i : i + n]) == key and not any(taken[i : i + n]):
                out.append(Mention(next(iter(types)), i, i + n, "propagated"))
                for k in range(i, i + n):
                    taken[k] = True
    # «القاعدة» (al-Qaeda) typed ORG says nothing of an indefinite «قاعدة» ("a base",
    # «قاعدة العند»): a single word's repeats count only with the same definiteness; a
    # surname («أوباما» of «باراك أوباما») with any.
    named = {
        (cores[m.start], _definite_token(words[m.start]))
        for m in mentions
        if m.type in ENTITY_TYPES and m.end - m.start == 1
    }
    surnames = _surnames(mentions, cores)
    for core, types in lex.items():
        if len(types) == 1 and len(core) >= 3 and core not in _STOP:
            typ = next(iter(types))
            out.extend(
                Mention(typ, i, i + 1, "propagated")
                for i in at[core]
                if not taken[i] and (core in surnames or (core, _definite_token(words[i])) in named)
            )
    return out


def _definite_token(word: str) -> bool:
    """Whether a word, its conjunction and preposition set aside, carries the article."""
    w = word[1:] if word[:1] in ("و", "ف") and len(word) > 3 else word
    if w.startswith("لل"):
        return True
    w = w[1:] if w[:1] in ("ب", "ك", "ل") and w[1:3] == "ال" else w
    return w.startswith("ال")


def _surnames(mentions: Sequence[Mention], cores: Sequence[str]) -> set[str]:
    return {cores[m.end - 1] for m in mentions if m.type == "PER" and m.end - m.start > 1}


def _majority_types(mentions: list[Mention], cores: Sequence[str]) -> list[Mention]:
    """A single-word name typed two ways in one article («برشلونة» as a place twice and a
    club three times) takes the type of the strict majority of its mentions."""
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.type in ENTITY_TYPES and m.end - m.start == 1:
            votes.setdefault(cores[m.start], Counter())[m.type] += 1
    if all(len(c) < 2 for c in votes.values()):
        return mentions
    out = []
    for m in mentions:
        one = m.end - m.start == 1 and m.type in ENTITY_TYPES
        c = votes.get(cores[m.start]) if one else None
        if c is not None and len(c) > 1:
            typ, n = c.most_common(1)[0]
            if 2 * n > sum(c.values()) and typ != m.type:
                m = Mention(typ, m.start, m.end, m.source)
        out.append(m)
    return out
