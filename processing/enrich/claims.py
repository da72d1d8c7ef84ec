"""Attributed statements: who said what, with which verb, in which sentence.

Rule-based over tokens, per sentence (a full stop inside quotation marks does not end one):
- the cue is a speech verb from ``lexicon/cues.yaml`` (proclitics و/ف removed);
- the content is a quotation in «» or "" or “” after the cue, or reported speech that starts
  at «إن/أن/بأن…», or what follows a colon; «بحسب ما أفاد X» attributes the preceding clause;
- the speaker is the entity right after the cue (verb-subject order), else the entity just
  before it («قوات حفتر أكدت», «الكرملين الذي حذر»), else a short noun phrase («مصادر»,
  «المصدر»); an adverbial participle («مؤكدا») keeps the previous speaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from processing.enrich.lexicon.lists import Hit
from processing.enrich.text import Token
from processing.normalize import match_forms, normalize

_OPEN = {"«": "»", '"': '"', "“": "”"}
_REPORT = frozenset(
    normalize(w)
    for w in ["إن", "أن", "إنه", "أنه", "إنها", "أنها", "إنهم", "أنهم", "بأن", "بأنه", "بأنها"]
)
_ACCORDING = frozenset(normalize(w) for w in ["بحسب", "حسب", "وفق", "وفقا", "كما"])
_RELATIVE = frozenset(normalize(w) for w in ["الذي", "التي", "الذين", "اللذين"])
# «… فيما أعلنت قوات الجيش …» starts a parallel statement by someone else.
_WHILE = frozenset(normalize(w) for w in ["فيما", "بينما", "حين"])  # «حين» only after «في»
# «فصائل موالية لحكومة الوفاق»: the affiliation describes the speaker, it is not said.
_AFFILIATION = frozenset(
    normalize(w) for w in ["موالية", "موال", "موالون", "موالين", "مؤيدة", "تابعة", "مقربة"]
)
_SKIP = frozenset(
    normalize(w)
    for w in [
        "فيه",
        "فيها",
        "فيما",
        "قد",
        "لقد",
        "كان",
        "كانت",
        "أمس",
        "اليوم",
        "الجمعة",
        "الخميس",
        "الأربعاء",
        "الثلاثاء",
        "الاثنين",
        "الأحد",
        "السبت",
        "مساء",
        "صباح",
        "ظهر",
        "ليل",
        "أيضا",
        "كذلك",
        "بدوره",
        "بدورها",
        "جهته",
        "جهتها",
    ]
)
_NP_STOP = frozenset(
    normalize(w)
    for w in [
        "في",
        "على",
        "إلى",
        "الى",
        "عن",
        "مع",
        "من",
        "أن",
        "إن",
        "الذي",
        "التي",
        "التابعة",
        "التابع",
        "الموالية",
        "الموالي",
        "المؤيدة",
        "خلال",
        "عبر",
        "بعد",
        "قبل",
        "حول",
        "لدى",
    ]
)
# «فصائل من مدينة مصراتة», «ناشطون من اللاذقية»: groups named by where they come from.
_FROM_GROUPS = frozenset(
    normalize(w)
    for w in [
        "فصائل",
        "ناشطون",
        "ناشطين",
        "مسلحون",
        "مقاتلون",
        "مصادر",
        "مسؤولون",
        "سكان",
        "شهود",
        "أهالي",
        "نواب",
        "قادة",
        "وفد",
        "عناصر",
        "متظاهرون",
    ]
)
_GROUP_HEADS = frozenset(
    normalize(w) for w in ["قوات", "مقاتلو", "مقاتلي", "أنصار", "حكومة", "جيش"]
)
_PARTICIPLE = frozenset(
    normalize(w)
    for w in [
        "قائلا",
        "قائلة",
        "مؤكدا",
        "مؤكدة",
        "معلنا",
        "معلنة",
        "داعيا",
        "داعية",
        "محذرا",
        "محذرة",
        "موضحا",
        "موضحة",
        "معتبرا",
        "معتبرة",
        "مضيفا",
        "مضيفة",
        "مشيرا",
        "مشيرة",
        "مشددا",
        "مشددة",
        "مطالبا",
        "مطالبة",
        "معربا",
        "معربة",
        "كاشفا",
        "نافيا",
        "متهما",
        "واصفا",
    ]
)


@dataclass(slots=True, frozen=True)
class Speaker:
    start: int  # token span of the speaker in the article
    end: int
    name: str  # canonical entity name, or the noun phrase as written


@dataclass(slots=True, frozen=True)
class ClaimSpan:
    speaker: str
    cue: str  # lemma of the verb: قال، أكد، أعلن…
    quote: str
    sentence: str
    cue_token: int


def extract(
    text: str,
    tokens: Sequence[Token],
    sentences: Sequence[tuple[int, int]],
    hits: Sequence[Hit],
    entity_at: dict[int, tuple[int, int, str, str]],
) -> list[ClaimSpan]:
    """``sentences`` are token ranges; ``entity_at`` maps each token inside an entity mention
    to (start, end, type, canonical name)."""
    cues = {h.start: h for h in hits if h.list == "cue" and h.end == h.start + 1}
    out: list[ClaimSpan] = []
    last_speaker = ""
    for a, b in sentences:
        sent_text = text[tokens[a].start : tokens[b - 1].end].strip()
        for c in range(a, b):
            cue = cues.get(c)
            if cue is None:
                continue
            end = _parallel_clause(tokens, c + 1, b, cues)
            claim = _claim(text, tokens, a, end, c, cue.stripped, entity_at, last_speaker)
            if claim is None:
                continue
            speaker, quote = claim
            item = ClaimSpan(speaker, cue.payload, quote, sent_text, c)
            if not any(
                (x.speaker, x.cue, x.quote) == (speaker, cue.payload, quote) for x in out
            ):  # the same sentence repeated (captions) is one claim
                out.append(item)
            last_speaker = speaker
    return out


def _norm_core(tok: Token) -> str:
    return match_forms(tok.norm)[-1]


def _parallel_clause(toks: Sequence[Token], i: int, b: int, cues: dict[int, Hit]) -> int:
    """Where «فيما/بينما/في حين» + another speech verb starts someone else's statement."""
    for j in range(i, b):
        if toks[j].norm not in _WHILE or not any(k in cues for k in range(j + 1, min(b, j + 3))):
            continue
        if toks[j].norm != "حين":
            return j
        if j > i and toks[j - 1].norm == "في":  # «حين ذكر» alone is "when he said"
            return j - 1
    return b


def _closing_quote(text: str, tok: Token) -> bool:
    """A straight quote glued to the word before it and followed by a space closes a quote.

    Sources drop the opening mark often enough («… والمواطنين" بصفته») that taking such a
    mark as an opening one made the words after it the claim."""
    if tok.text != '"' or tok.start == 0:
        return False
    before = text[tok.start - 1]
    if not (before.isalnum() or before in ".!?)…"):  # «قال :" إن …» opens
        return False
    return tok.end >= len(text) or text[tok.end].isspace() or text[tok.end] in ".,،؛:)"


def _stray_close(text: str, toks: Sequence[Token], i: int, b: int) -> int:
    opened = False
    for j in range(i, b):
        if _closing_quote(text, toks[j]) or toks[j].text in ("»", "”"):
            if not opened and toks[j].text == '"':
                return j
            opened = False
        elif toks[j].text in _OPEN:
            opened = True
    return b


def _claim(
    text: str,
    toks: Sequence[Token],
    a: int,
    b: int,
    c: int,
    conj: bool,
    entity_at: dict[int, tuple[int, int, str, str]],
    last_speaker: str,
) -> tuple[str, str] | None:
    if match_forms(toks[c].norm)[-1] in _PARTICIPLE or toks[c].norm in _PARTICIPLE:
        speaker = last_speaker
        region_end = c + 1
    else:
        speaker = ""
        region_end = -1
    # «… بحسب ما أفاد مصدر أمني»: the claim is the clause before.
    if c - 2 >= a and toks[c - 1].norm == "ما" and _norm_core(toks[c - 2]) in _ACCORDING:
        who = _speaker_after(toks, c + 1, b, entity_at)
        quote = text[toks[a].start : toks[c - 2].start].strip(" ،,")
        return (who.name, quote) if who and quote else None

    content = _content_start(text, toks, c + 1, b)
    if not speaker:
        # «وقال X» puts the subject after the verb; a bare verb right after a name
        # («المسماري، أعلن», «قوات حفتر أكدت», «الكرملين الذي حذر») has it before.
        who = None if conj else _speaker_before(toks, a, c, entity_at)
        region_end = c + 1
        if who is None:
            limit = content[0] if content else min(b, c + 6)
            who = _speaker_after(toks, c + 1, limit, entity_at)
            region_end = _past_affiliation(toks, who.end, b, entity_at) if who else c + 1
        if who is None:
            who = _speaker_before(toks, a, c, entity_at)
            region_end = c + 1
        if who is None:
            return None
        speaker = who.name
    if content is None:
        start = region_end
        while start < b and (toks[start].norm in _SKIP or _closing_quote(text, toks[start])):
            start += 1
        if start + 2 < b and [t.norm for t in toks[start : start + 2]] == ["في", "وقت"]:
            start += 3  # «في وقت سابق/لاحق»: when, not what
        if start >= b:
            return None
        stop = _stray_close(text, toks, start, b)
        quote = text[toks[start].start : toks[stop - 1].end] if stop > start else ""
    else:
        start, kind, end = content
        if kind == "quote":
            quote = text[toks[start].end : toks[end].start if end < b else toks[b - 1].end]
        else:
            stop = _stray_close(text, toks, start, b)
            quote = text[toks[start].start : toks[stop - 1].end] if stop > start else ""
    quote = quote.strip().rstrip(".،,؛").strip()
    return (speaker, quote) if speaker and quote else None


def _content_start(text: str, toks: Sequence[Token], i: int, b: int) -> tuple[int, str, int] | None:
    """(token, "quote"|"report"|"colon", closing token) of the claim's content, if marked."""
    first_quote: tuple[int, str, int] | None = None
    for j in range(i, b):
        t = toks[j].text
        if t in _OPEN and first_quote is None and not _closing_quote(text, toks[j]):
            close = next((k for k in range(j + 1, b) if toks[k].text == _OPEN[t]), b)
            first_quote = (j, "quote", close)
            if close - j - 1 > 3:
                return first_quote
            # A word or two in quotes is usually a name or a scare quote («"الوفاق"»);
            # reported speech later in the sentence is the content then.
            continue
        if _norm_core(toks[j]) in _REPORT or toks[j].norm in _REPORT:
            return (j, "report", b)
        if t == ":" and first_quote is None:
            if j + 1 < b and toks[j + 1].text in _OPEN:
                continue  # «قال: "…"» quotes after the colon
            return (j + 1, "report", b) if j + 1 < b else None
    return None


def _speaker_after(
    toks: Sequence[Token], i: int, limit: int, entity_at: dict[int, tuple[int, int, str, str]]
) -> Speaker | None:
    j = i
    while j < limit and (toks[j].norm in _SKIP or not toks[j].norm[:1].isalnum()):
        j += 1
    if j >= limit:
        return None
    ent = entity_at.get(j)
    if ent and ent[2] in ("PER", "ORG"):
        return Speaker(ent[0], ent[1], ent[3])
    # «الناطق باسم الكرملين ديمتري بيسكوف»: a person after a title wins over the org.
    for k in range(j, limit):
        e = entity_at.get(k)
        if e and e[2] == "PER":
            return Speaker(e[0], e[1], e[3])
    if ent:
        return Speaker(ent[0], ent[1], ent[3])
    # A noun phrase: the head and its «ال» modifiers («المنطقة العسكرية الغربية», «مصادر»).
    # An indefinite head takes its complement («قوة حماية طرابلس»); a definite word ends the
    # chain unless the next word is an «ال» adjective («المنطقة العسكرية الغربية»).
    k = j + 1
    while k < limit and k - j < 4:
        w = toks[k].norm
        if w == "من" and (toks[j].norm in _FROM_GROUPS or _norm_core(toks[j]) in _FROM_GROUPS):
            place = entity_at.get(k + 1) or entity_at.get(k + 2)
            if place and place[2] == "LOC" and place[0] in (k + 1, k + 2):
                k = place[1]
            break
        if w in _NP_STOP or w in _REPORT or not w[:1].isalnum():
            break
        if not w.startswith("ال") and toks[k - 1].norm.startswith("ال"):
            break
        k += 1
    if toks[j].norm in _NP_STOP or toks[j].norm in _REPORT:
        return None
    return Speaker(j, k, " ".join(t.text for t in toks[j:k]))


def _past_affiliation(
    toks: Sequence[Token], i: int, b: int, entity_at: dict[int, tuple[int, int, str, str]]
) -> int:
    """Skip «(غرب) موالية لحكومة الوفاق» after a speaker: it says who they are, not what."""
    j = i
    if j < b and toks[j].text == "(":
        close = next((k for k in range(j + 1, min(b, j + 6)) if toks[k].text == ")"), None)
        j = close + 1 if close is not None else j
    if j + 1 < b and _norm_core(toks[j]) in _AFFILIATION:
        ent = entity_at.get(j + 1)
        if ent:
            return ent[1]
        k = j + 2  # «لحكومة» and its «ال» complements («الوفاق الوطني»)
        while k < b and toks[k].norm.startswith("ال"):
            k += 1
        return k
    return i if j == i or j >= b else j


def _speaker_before(
    toks: Sequence[Token], a: int, c: int, entity_at: dict[int, tuple[int, int, str, str]]
) -> Speaker | None:
    j = c - 1
    # «الكرملين الذي حذر», «المسماري، أعلن», «كان … قد أعلن»
    while j >= a and (
        toks[j].norm in _RELATIVE or toks[j].norm in _SKIP or not toks[j].norm[:1].isalnum()
    ):
        j -= 1
    if j < a or c - j > 4:
        return None
    ent = entity_at.get(j)
    if ent is None:
        return None
    start = ent[0]
    names = [ent[3]]
    # «واشنطن وباريس ولندن … دعت»: a coordinated list of entities speaks together.
    while start - 1 >= a and (prev := entity_at.get(start - 1)) and prev[2] == ent[2]:
        names.insert(0, prev[3])
        start = prev[0]
    name = "، ".join(dict.fromkeys(names))
    # «قوات حفتر أكدت»: the forces spoke, not the man.
    if start - 1 >= a and _norm_core(toks[start - 1]) in _GROUP_HEADS and ent[2] == "PER":
        return Speaker(start - 1, ent[1], " ".join(t.text for t in toks[start - 1 : ent[1]]))
    return Speaker(start, ent[1], name)
