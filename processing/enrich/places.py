"""Resolve place mentions to GeoNames entries, using the rest of the article as context.

Candidates come from the gazetteer (a name can mean several places: طرابلس is in Libya and
in Lebanon, عمان is Amman or Oman). Each candidate is scored by
    log10(population) + 3 if its country is mentioned (a country name, a nationality
    adjective, or an unambiguous place in that country) + 2 if it lies within 400 km of an
    unambiguous place of the article,
so «طرابلس» next to «بنغازي» or «ليبيا» is Tripoli, Libya, and next to «بيروت» or
«لبنان» it is Tripoli, Lebanon; with no context the more populous place wins.

This module reads the names the gazetteer knows (which spans are places, in which reading);
localities.py adds the districts and villages it lacks; place_words.py holds the word lists
both use.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache

from processing.enrich.gazetteer import ARAB_COUNTRIES as _ARAB
from processing.enrich.gazetteer import REGION_KINDS, Gazetteer, GeoEntry, gazetteer
from processing.enrich.lexicon import load_yaml
from processing.enrich.lexicon.lists import BIG_CITY, PLACE_LISTS, Hit, Lexicon, lexicon, longest
from processing.enrich.localities import _village_name as village_name
from processing.enrich.localities import localities, locality_noun, short_names
from processing.enrich.ner import Mention
from processing.enrich.phrases import readings
from processing.enrich.place_mention import PlaceMention, haversine, km
from processing.enrich.place_words import (
    PREP_CLITICS,
    PREPS,
    QUOTES,
    SEPARATORS,
    SHORT_NAMES,
    bare_written,
    education_office,
    general_hospital,
    prev_word,
    weak_regions,
)
from processing.enrich.translit import arabic_key, choose, has_key
from processing.normalize import match_forms, normalize

__all__ = ["PlaceMention", "candidates_in", "haversine", "km", "resolve"]

_SHORT_WORDS = frozenset(SHORT_NAMES.values())

_COUNTRY_BONUS = 3.0  # the country is named («لبنان») or its adjective used («اللبنانية»)
_CITY_COUNTRY_BONUS = 1.5  # only a place in that country is named
_NEAR_BONUS = 2.0
_NEAR_KM = 400.0
# Places small enough for nearness to mean something: cities and the curated areas
# (a governorate, an oasis: «العيون» beside «الأحساء» is Al-Uyun, not Laayoune).
_NEAR_KINDS = frozenset({"city", "area"})
_STRONG = frozenset({"country", "continent", "bigcity"})
# A named country only chooses between places of comparable size: Tripoli, Lebanon is
# 1/5.7 of Tripoli, Libya, and wins when Lebanon is named. A town a tenth the size or
# smaller won on it only by accident: one mention of «الولايات المتحدة» made «لبنان»
# Lebanon, Tennessee, and «جنيف» Geneva, Illinois (held-out places set, 2015-07-25).
_COMPARABLE = 7


_LAM_LAM = ("لل", "ولل", "فلل")
# Names that are also a present-tense verb, whose idioms (`not_before`) hold only for the
# word without a preposition.
_VERB_NAMES = frozenset({"ينبع"})


def _key(
    gz: Gazetteer, words: Sequence[str], common: frozenset[str] = frozenset()
) -> tuple[str, ...] | None:
    """The gazetteer key of a span: the whole span, first word with or without a clitic.
    A whole word that is a ``common`` word and also «و» + a well-known place is read the
    second way: «الرياض وجدة» is "and Jeddah", not Oujda ("he found it")."""
    rest = tuple(words[1:])
    first = words[0]
    for form in readings(first):
        if first.endswith(form) and first[: len(first) - len(form)].endswith("ال"):
            # Place names keep their article: «الهاربين» (the fugitives) is not Harbin,
            # «إلينا» (to us) is not Jena.
            continue
        key = (form, *rest)
        if gz.names.get(key):
            if common and first.startswith("و") and " ".join(key) in common:
                bare = (first[1:], *rest)
                if gz.names.get(bare) and _well_known(gz, bare):
                    return bare
            if first.startswith(_LAM_LAM) and form == "ال" + first[first.index("لل") + 2 :]:
                # «للندن» is «ل» + London before it is «لل» + «الندن» (Ilinden, North
                # Macedonia): the restored article yields to a well-known name.
                plain = (first[first.index("لل") + 1 :], *rest)
                if not _well_known(gz, key) and gz.names.get(plain) and _well_known(gz, plain):
                    return plain
            return key
    return None


def candidates_in(
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    dateline: range = range(0),
    written: Sequence[str] = (),
    governed: set[int] | None = None,
) -> list[tuple[int, int, tuple[str, ...], int]]:
    """Spans to resolve: gazetteer names inside LOC mentions; well-known names (countries,
    continents, cities over 100k) anywhere not claimed by a person or organisation; village
    names only when the tagger or a trigger word («مدينة», «بلدة») says it is a place; clubs
    named by an ordinary word in a sports context («فريق العين»). Each span comes with the
    GeoNames id of such a club's home city, else 0. ``governed``: the tokens after a
    governor's title, when the caller has them already."""
    gz = gazetteer()
    lx = lexicon()
    owner: dict[int, str] = {}
    for m in mentions:
        for k in range(m.start, m.end):
            owner[k] = m.type
    per_spans = [(m.start, m.end) for m in mentions if m.type == "PER"]
    per_starts = {m.start for m in mentions if m.type == "PER"}
    titles_at = {h.start for h in hits if h.list == "title"}
    # Events and titles («مهرجان قرطاج», «ماستر شيف القطيف») are names like organisations':
    # a place inside one still tells where it is.
    org_starts = {m.start for m in mentions if m.type in ("ORG", "MISC")}
    # An event named after its city and more («جدة 36», «جنيف 3») is there; a title that
    # is the name alone is not («فيلادلفيا» the film, below) unless a preposition says it
    # is a place («مهرجان الورد بتبوك», the tagger's MISC running into the name).
    misc_starts = {m.start for m in mentions if m.type == "MISC"}
    # An organisation named by a place and nothing else names the place («الريان» the club,
    # «برشلونة»): the annotators' convention for places inside organisations' names.
    # A title that is a place's name alone is a film or a book («فيلادلفيا»), not a place.
    org_spans = {(m.start, m.end) for m in mentions if m.type == "ORG"}
    # A place's name alone that the tagger calls MISC is the place («تبوك تسجّل» opening a
    # headline), unless quoted: then a title («"فيلادلفيا"», the film).
    misc_spans = {
        (m.start, m.end)
        for m in mentions
        if m.type == "MISC" and not (m.start and words[m.start - 1] in QUOTES)
    }
    named_spans = {(m.start, m.end) for m in mentions}
    # «منطقة كذا» names a place; «المنطقة» followed by a word is "the region" and a verb or a
    # noun («سياح المنطقة كان الغرض»): a common word needs an indefinite trigger. After one,
    # an opening quote may stand before the name («محافظتي "الوجه"»); not after a definite
    # one («بالمحافظة "الخضر لصور"» is an agency's credit).
    after_bare_trigger = {
        _past_quote(words, h.end)
        for h in hits
        if h.list == "loctrigger" and not _definite_reading(words[h.start], h)
    } | (_after_governor(words) if governed is None else governed)
    after_trigger = {
        h.end
        for h in hits
        if h.list == "loctrigger"
        # «تنمية السياحة في المنطقة وأشرف على»: after a definite trigger, a word read as
        # «و» + a name opens the next clause (not «العاصمة واشنطن»: no «و» is taken off)
        and not (_definite_reading(words[h.start], h) and _conj_reading(words, h.end))
    } | after_bare_trigger
    trigger_at = {h.start for h in hits if h.list == "loctrigger"}
    demonym_at = {h.start for h in hits if h.list == "demonym" and not _self_named(gz, h)}
    # Where names that may be places end and start (not common words: «منا», «سن»; weak
    # regions count: «الشرق الأوسط والخليج»).
    named = [h for h in hits if h.list in _PLACE_LISTS and _named(lx, words, h)]
    # Well-known names the article itself calls places («محافظة رنية»): their other mentions
    # are the place too, though the tagger reads them as a person («فرسان رنية»: «رانية»).
    # Not a village's name, which may be part of a longer one («منطقة جولد مور»).
    trigger_named = {
        " ".join(k)
        for h in hits
        if h.list in _PLACE_LISTS
        and h.start in after_trigger
        and (k := _key(gz, words[h.start : h.end])) is not None
        and (_well_known(gz, k) or k in lx.well_known)
    }
    # after "the Romanian": a person's name follows («الروماني سان مارتن»)
    after_nisba = {
        h.end
        for h in hits
        if h.list == "demonym" and words[h.start].startswith("ال") and words[h.start][-1] == "ي"
    }
    place_ends = {h.end for h in named}
    # where named hits end, for the well-known ones: «بين السعودية ولندن» lists two
    # («والستر والبو جاسم» does not); keys looked up only when a person span asks
    ends_named = {h.end: h for h in named}
    place_starts = {h.start for h in named}
    out: dict[tuple[int, int], tuple[str, ...]] = {}
    weak: list[tuple[int, int, tuple[str, ...]]] = []
    contracted: list[tuple[int, int, tuple[str, ...]]] = []  # «للحج»: «ل» + «لحج»?
    for h in longest(hits, _PLACE_LISTS | {"club"}):
        if _told_to(words, h.start, h.end) and not _country_name(gz, words[h.start : h.end]):
            continue  # «قال لـ«الشرق الأوسط»»: a newspaper, not the region («لـ«إيران»» stays)
        if (
            _quoted(words, h.start, h.end)
            and " ".join(words[h.start : h.end]) in lx.newspapers
            and h.start not in after_trigger
            and not (h.start > 1 and words[h.start - 2] in _CITY_NOUNS)
        ):
            continue  # «تلقت "الرياض" نسخة»: the paper (not «العاصمة "الرياض"»)
        if " ".join(words[h.start : h.end]) in lx.never_places:
            continue  # «وكالات» as written, whatever reading («و+ك+الات») found a place
        if (
            h.end - h.start == 1
            and (h.form or words[h.start]) in _NAME_HEAD_NOUNS
            and h.end < len(words)
            and words[h.end][:1].isalpha()
        ):
            continue  # «منطقة وادي الألعاب», «منطقة جبل المعاشيق»: the head of a name
        if written and _TANWEEN & set(written[h.end - 1]):
            continue  # «ملاكاً حارساً»: an indefinite noun ("an angel"), not Malacca
        if (
            (prev := prev_word(words, h.start)) is not None
            and any(r in _PAPER_NOUNS for r in readings(prev))
            and not (h.end < len(words) and words[h.end] in _PAPER_SUFFIXES)
        ):
            continue  # «وصحيفة الرياض», «صحيفة الشروق المصرية»: the paper, not the place
        if (
            h.end - h.start == 1
            and prev_word(words, h.start) in _COUNT_NOUNS
            and words[h.start].endswith("ي")
        ):
            continue  # «3.8 ملايين بوروندي», «160 ألف بوروندي»: Burundians, counted
        if _quoted(words, h.start, h.end) and words[h.start] == "السعوديه" and "الخطوط" in words:
            continue  # «حرص "السعودية" على زيادة رحلاتها»: the airline, Saudia
        if words[h.start] == "السعوديه" and prev_word(words, h.start) in _AVIATION:
            continue  # «شركة طيران السعودية الخاص»: Saudia's name, not the country
        if h.end - h.start == 1 and prev_word(words, h.start) in _KUNYA:
            continue  # «فندق أبو نيس», «أبو مالك»: part of a name, not Nice or Malaga
        club = (h.form or words[h.start], *words[h.start + 1 : h.end])
        if _club_ids(lx, club):
            # «تشلسي», «ستوك سيتي», «الزمالك»: a club named after a place names it, whatever
            # the tagger made of it (the annotators' place-inside-an-organisation convention).
            out[(h.start, h.end)] = club
            continue
        span_owner = {owner.get(k) for k in range(h.start, h.end)}
        # «الرياض وجدة»: after another place, «وجدة» is "and Jeddah" («ما وجده»: what he
        # found, even where the tagger calls it LOC). So it is when written with «ة», which
        # no verb ends with: in 2015-07-23..26, 29 of 30 «وجدة» were "and Jeddah" (the 30th
        # "and grandmother"), none Oujda.
        listed = h.start in place_ends or (
            bool(written)
            and words[h.start][:1] == "و"
            and bare_written(written[h.start]).endswith("ة")
        )
        key = _key(gz, words[h.start : h.end], lx.not_places if listed else frozenset())
        if key is None:
            continue
        if _prefix(words[h.start], h).endswith("لل"):
            continue  # «للبنين» is «ل» + «البنين» (for the boys), never «لل» + Benin
        if h.form in _LAM_NOUNS and _prefix(words[h.start], h).endswith("ل"):
            continue  # «قدومهم للحج»: «ل» + «الحج» (for the Hajj), not «ل» + Lahij
        if h.start in demonym_at and not _country_reading(
            gz, words, h, key, place_ends, place_starts
        ):
            continue  # «الخطوط السعودية»: the adjective, not «إلى السعودية»
        name = " ".join(key)
        idiom = lx.not_before.get(name)
        after = h.end + (h.end + 1 < len(words) and words[h.end] in _DASHES)  # «( بنين- بنات )»
        if (
            idiom
            and after < len(words)
            and words[after] in idiom
            # a verb takes no preposition: «بينبع من» is "in Yanbu, of", «ينبع من» "springs from"
            and not (name in _VERB_NAMES and _prefix(words[h.start], h) in PREP_CLITICS)
        ):
            continue  # «مسقط رأس عائلة الأسد»: the birthplace, not Muscat
        before = lx.not_after.get(name)
        if before and h.start > 0 and any(f in before for f in readings(words[h.start - 1])):
            continue  # «صلاة المغرب»: the sunset prayer, not Morocco
        if h.start > 0 and words[h.start - 1] in _ACCUSATIVE_PEOPLE and _nisba_ya(gz, words, h):
            continue  # «مقاتلا بريطانيا»: a British fighter (the adjective's «ـيًا»)
        if written and _spelt_as_place(lx, written[h.start], gz.names.get(key)):
            # «والضالع وإب وتعز»: the hamza under the alef writes Ibb, not «أب» (father)
            out[(h.start, h.end)] = key
            continue
        if (
            name in _KIN_WORDS
            and words[h.start] == name
            and prev_word(words, h.start) is None
            and _person_follows(words, h.end, per_starts, titles_at)
        ):
            # «جدة أوباما: لو زارنا», «. جدة الرئيس سارة أوباما»: his grandmother, opening a
            # sentence. Not «مهرجان جدة», «بجدة عمر الجاسر» (a name after the city), nor a
            # headline's «جدة» before the byline.
            continue
        if (
            name in _KIN_WORDS
            and written
            and written[h.start].endswith("ه")  # «جدّه»: "his grandfather"
            and words[h.start] == name
            and not (
                _after_prep(words, h)
                or h.start in after_trigger
                or h.start in place_ends
                or h.end in place_starts
                or (h.start - 1 in place_ends and words[h.start - 1] in _DASHES)
                or prev_word(words, h.start) in _JEDDAH_HEADS
            )
        ):
            # «وأورثه جده «هانيبال» ملامحه», «علاقة جده الأكبر»: 13 of 23 «جده» in
            # 2015-07-21..26; the city written so stands after «في», «مدينة», «جامعة» or
            # beside another place («ورطوبة جده والدمام»).
            continue
        if (
            h.start in dateline
            and _by_dash(words, h.start, h.end)
            # «لجين الأحمدي – عين اليوم», «ماجد الرفاعي- سبق- ينبع»: the reporter's byline,
            # a surname the tagger reads inside a person's name, not the dateline's place
            and not (
                owner.get(h.start) == "PER" and h.start > 0 and owner.get(h.start - 1) == "PER"
            )
            and (
                name not in lx.not_places
                or _opens_dateline(gz, words, h.start, h.end, key, dateline)
            )
        ):
            # «واس- الرياض:», «عين اليوم – المنامة»: the dateline names where it happened,
            # whatever the tagger made of the agency beside it. A big city that is also a
            # word counts when it opens the body before a dash («سيول - «الشرق الأوسط»»).
            out[(h.start, h.end)] = key
            continue
        weak_region = name in weak_regions()
        if (
            h.start > 0
            and name in lx.not_places
            and name not in lx.never_places
            and _after_direction(words, h.start)
            and key[0].startswith("ال")
            and key[0] not in _GENERIC_PLACES
            and "PER" not in span_owner
        ):
            # «شرقي الرمادي», «غرب الوجه»: a point of the compass is followed by a place;
            # «الرمادي» ("grey") and «الوجه» ("the face") are words elsewhere.
            out[(h.start, h.end)] = key
            continue
        if (
            education_office(words, h.start)
            and name not in lx.never_places
            and any(gz.entries[g].country == "SA" for g in gz.names.get(key))
        ):
            # «مدير تعليم المجمعة», «بتعليم المخواة»: Saudi news names a town's education
            # office after the town, though its name be a word ("consolidated").
            out[(h.start, h.end)] = key
            continue
        if general_hospital(words, h.start, h.end) and name not in lx.never_places:
            # «مستشفى تربة العام», «مستشفى الليث العام»: a town's general hospital is named
            # after the town, though its name be a word ("soil", "the lion").
            out[(h.start, h.end)] = key
            continue
        if (
            _after_venue(words, h.start)
            # a person span that takes in the venue noun is the tagger misreading the
            # name («إير فرانس» as a person); one that starts at the name is a person's
            and ("PER" not in span_owner or owner.get(h.start - 1) == "PER")
            and (weak_region or (name not in lx.not_places and name not in lx.never_places))
        ):
            # «ملعب برج العرب», «استاد السويس»: the stadium is named after the place, however
            # the tagger labelled it. «ملعب المدينة الشبابية» is no Medina: common words
            # still need more.
            out[(h.start, h.end)] = key
            continue
        if (
            h.start in after_trigger
            and (
                (h.start, h.end) in named_spans
                # not after «حي»: «حي السيدة زينب وسط القاهرة» is Cairo's district
                or (h.end - h.start > 1 and locality_noun(words[h.start - 1]) != "حي")
            )
            and name not in lx.never_places
        ):
            # «بمحافظة أملج»: after a trigger word the name is a place, even where the
            # tagger carried a person's name over to it (its span is just the name), or
            # read part of a listed name of two words as a person («ضاحية السيدة زينب»).
            out[(h.start, h.end)] = key
            continue
        if (
            (h.start in trigger_at or key[0] in _HEADS)
            and len(key) > 1
            and name not in lx.never_places
        ):
            # «محافظة الحريق», «ولاية نيويورك»: a name that holds its trigger word is a place
            # whatever the tagger made of it («الأمير محافظة الكامل» read as a person's name).
            # So is a listed name that holds a governor or a festival («محافظ بدر», «مهرجان
            # كان»): the word before tells what the rest is.
            out[(h.start, h.end)] = key
            continue
        if (
            name in lx.never_places
            or (
                "PER" in span_owner
                and not _person_runs_on(per_spans, h, name, lx)
                and not _governor_of(words, h, per_spans)
                # «بين السعودية ولندن ساعتان»: a big city after «و» and another well-known
                # place is the next item of a list, though the tagger ran it into a name
                and not (
                    words[h.start].startswith("و")
                    and h.form != words[h.start]
                    and (prev := ends_named.get(h.start)) is not None
                    and _well_known(gz, key)
                    and (pk := _key(gz, words[prev.start : prev.end])) is not None
                    and _well_known(gz, pk)
                )
                and not _place_after_prep(gz, words, h, key, lx)
                and not (name in trigger_named and name not in lx.not_places)
            )
            or (
                span_owner & {"ORG", "MISC"}
                and (
                    (
                        h.start in org_starts
                        and not _whole_name(words, h, org_spans | misc_spans)
                        and not _curated_title(gz, h, key, named_spans)
                        and not _formal_state(gz, h, key)
                        and not (h.end < len(words) and words[h.end] in _CLUB_SUFFIXES)
                        # «نيويورك تايمز», «واشنطن بوست»: the paper is named after its city
                        and not (
                            h.end < len(words)
                            and words[h.end] in _PAPER_SUFFIXES
                            and _well_known(gz, key)
                        )
                        and not (
                            # «لفندق بلاس فيجاس»: an organisation's name starts with no «ب»
                            # or «ل»; the tagger ran a name on after a preposition.
                            _prefix(words[h.start], h) in PREP_CLITICS
                            and _well_known(gz, key)
                            and not (h.start and words[h.start - 1] in QUOTES)  # a song
                        )
                        and not (
                            h.start in misc_starts
                            and ((h.start, h.end) not in named_spans or _after_prep(words, h))
                            and _well_known(gz, key)
                        )
                    )
                    or (
                        name in lx.not_places
                        # «بفندق المريديان بالخبر»: the name ran on into "in Khobar"; a
                        # governorate's word there is weighed like any other (home_words)
                        and not (
                            name in lx.home_words
                            and h.start not in org_starts
                            and _prefix(words[h.start], h) in PREP_CLITICS
                        )
                    )
                )
            )
        ):
            # «حكومة الوفاق», «القاهرة للأسمنت»: part of another name. A city inside an
            # organisation's name («جامعة تبوك», «بنك أبوظبي») still tells where it is, and
            # so does one that is the whole name («برشلونة», «الريان» the clubs).
            continue
        if weak_region and _adjectival(key):
            # «الشرقية» is "eastern" far more often than the Eastern Province: the tagger's
            # LOC is no evidence after a definite word («الرياح الشمالية الشرقية»).
            evidence = h.start in after_trigger or _region_context(words, h, place_ends)
            if evidence is None:
                evidence = "LOC" in span_owner
        else:
            evidence = "LOC" in span_owner or h.start in (
                after_bare_trigger if name in lx.not_places else after_trigger
            )
        w = words[h.start]
        bare_w = w[1:] if w[:1] in ("و", "ف") and len(w) > 3 else w
        if bare_w.startswith("ك") and key[0] == bare_w[1:]:
            if not evidence and not _kaf_city(gz, key):
                continue  # «كسرت», «وكسرت» are verbs far more often than «ك» + «سرت»
            if _bare_alef_after_kaf(key, written[h.start] if written else ""):
                continue  # «عقد كاسيا»: the goalkeeper Casilla, not «كآسيا» ("like Asia")
        if w.startswith("لل") and key[0] == w[1:] and not _well_known(gz, key):
            # «لل» + a small place's name that starts with «ل» reads «ل» + «ال» + a word first
            # (as «للحج», `_LAM_NOUNS`): the place needs its country in the article,
            # whatever the tagger says.
            contracted.append((h.start, h.end, key))
            continue
        if (
            name in lx.home_words
            and words[h.start].startswith("و")
            and h.start not in place_ends
            and not _after_prep(words, h)
        ):
            continue  # «. والخبر المنشور عن»: "and the news", though the tagger says LOC
        if (
            name in lx.not_places
            and h.start in after_nisba
            and h.start not in after_trigger
            and not _prefix(words[h.start], h)  # «الروسي للشرق الأوسط»: a preposition
        ):
            continue  # «الروماني سان مارتن»: a player, whatever the tagger says
        # The hit's list is that of the reading the scan took («للندن»: Ilinden's «الندن»);
        # _key may have read it otherwise (London), whose strength counts.
        strong = h.list in _STRONG or (key[0] != h.form and _well_known(gz, key))
        if evidence or (strong and name not in lx.not_places):
            out[(h.start, h.end)] = key
        elif name not in lx.not_places and _placelike(words, h, place_starts):
            weak.append((h.start, h.end, key))
        elif (
            name in lx.home_words
            and (_after_prep(words, h) or h.start in place_ends)
            # «لفرسان رنية»: Ranyah's knights (not «والخبر والقطيف», a list)
            and (h.end not in place_starts or words[h.end].startswith("و"))
        ):
            weak.append((h.start, h.end, key))  # «بالليث» in a story of Makkah's towns
        elif name in lx.colour_names and _after_prep(words, h):
            weak.append((h.start, h.end, key))  # «غارات قرب الرمادي»
    # «المنطقة الغربية» is Saudi Arabia's Western Region in a Saudi story, Libya's west in
    # the seed's: such a name needs another place of its country in the article (cheap:
    # only when one is found).
    if any(k in _NEEDS_ITS_COUNTRY for k in out.values()) and not any(
        k not in _NEEDS_ITS_COUNTRY and {gz.entries[g].country for g in _ids(gz, lx, k)} == {"SA"}
        for k in out.values()
    ):
        out = {span: k for span, k in out.items() if k not in _NEEDS_ITS_COUNTRY}
    # «المنطقة الشرقية من ولاية فرجينيا», «الحدود الشمالية لليمن»: a direction's part of
    # another country's place, not the Saudi province.
    out = {span: k for span, k in out.items() if not _part_of_another(gz, lx, words, span, k, out)}
    # A village name counts when the article is about that village's country
    # («والعزيزية» in a story full of Libyan places).
    countries: Counter[str] = Counter()
    for k in out.values():
        isos = {gz.entries[g].country for g in _ids(gz, lx, k)}
        if len(isos) == 1:
            countries.update(isos)
    # A village name followed by its country's adjective counts too: «سان مورتيز
    # السويسرية», «قرطاج التونسية».
    adjective_at = {
        h.start: _demonym_iso(gz, words[h.start]) for h in hits if h.start in demonym_at
    }
    # A village name right after a given name, «السيد»/«مستر» or "the Romanian" is a person's
    # name: «مستر ويليامز», «الروماني سان مارتن». Not after «على» (on), which normalises to
    # «علي», nor after «محافظ» and other titles, which a place may follow («محافظ المحويت»).
    after_name = {
        h.end
        for h in hits
        if (h.list == "fname" and not (written and "ى" in written[h.start][-2:]))
        or (h.list == "title" and words[h.start] in _HONORIFICS)
        or (h.list == "demonym" and words[h.start].startswith("ال") and words[h.start][-1] == "ي")
    }
    for a, b, key in weak + contracted:
        if written and _absorbed_clitic(written[a], key[0]):
            continue  # «لأمور» is «ل» + «أمور» (matters), not LaMoure, North Dakota
        if a in after_name:
            continue
        if prev_word(words, a) in _COMPANY_NOUNS:
            continue  # «شركة فورد الأميركية»: a company's name, not Ford, a US village
        isos = {gz.entries[g].country for g in gz.names.get(key)}
        if adjective_at.get(b) in isos or (
            (len("".join(key)) >= 5 or (a, b, key) in contracted)
            and any(countries.get(iso, 0) >= 2 for iso in isos)
        ):
            out[(a, b)] = key
    for a, key in _misspelt_states(gz, words, hits, out):
        out[(a, a + 1)] = key
    for a, b, key in _quoted_list(gz, lx, words, hits):
        if not any(s[0] < b and a < s[1] for s in out):
            out[(a, b)] = key
    # Each item found this way may vouch for the next one along the list («وعمّان وبترا
    # والعقبة»: Petra through Amman, then Aqaba through Petra).
    for _ in range(_LIST_ROUNDS):
        listed = _listed_with_places(gz, lx, words, hits, out)
        for a, b, key in listed:
            out[(a, b)] = key
        if not listed:
            break
    word_clubs: dict[tuple[int, int], int] = {}
    for (a, b), (key, gid) in _word_clubs(gz, words, hits).items():
        overlap = [s for s in out if s[0] < b and a < s[1]]
        if any(_club_ids(lx, out[s]) for s in overlap):
            continue  # «نادي العين»: already the club
        for s in overlap:  # the city the tagger saw in «العين الإماراتي»: the club
            del out[s]
        out[(a, b)] = key
        word_clubs[(a, b)] = gid
    return [(a, b, k, word_clubs.get((a, b), 0)) for (a, b), k in sorted(out.items())]


# Duals of a kind of place: the second of the two after «و» is one («محافظتي الأنبار وصلاح
# الدين»). Normalised.
# «قضائي الفلوجة والكرمة»: the dual of «قضاء» (Iraq's districts), also "judicial", which
# never stands right before a list of two places.
_PLACE_DUALS = frozenset(
    {"محافظتي", "مدينتي", "منطقتي", "ولايتي", "دولتي", "بلدتي", "قريتي", "مشعري"}
    | {"قضائي", "ناحيتي", "مديريتي"}
)
# Marks between the items of a list: «حقل، ضباء», «العين – لودر», and dots in a run
# («حقل..ضباء..الوجه»; one dot ends a sentence).
_LIST_MARKS = frozenset({"،", ",", "-", "–", "/"})
_LIST_PREPS = frozenset({"في", "الي", "وفي", "والي"})
_LIST_KM = 300.0  # how near a listed neighbour must be for a common word beside it to be a place


def _listed_with_places(
    gz: Gazetteer,
    lx: Lexicon,
    words: Sequence[str],
    hits: Sequence[Hit],
    found: dict[tuple[int, int], tuple[str, ...]],
) -> list[tuple[int, int, tuple[str, ...]]]:
    """A name that is also a common word («حقل» "field", «الوجه» "the face") or a weak
    region's («صلاح الدين», a man's name too) as an item of a list whose next or previous
    item is a place of its country within ``_LIST_KM``: that place («شواطئ محافظات حقل،
    ضباء، الوجه وأملج», «محافظات الأنبار ونينوى وصلاح الدين»)."""
    taken = {k for a, b in found for k in range(a, b)}
    starts = {a: (a, b) for a, b in found}
    ends = {b: (a, b) for a, b in found}
    out = []
    for h in hits:
        if h.list not in _PLACE_LISTS or any(k in taken for k in range(h.start, h.end)):
            continue
        name = " ".join((h.form, *words[h.start + 1 : h.end]))
        if name in lx.never_places:
            continue
        i = _item_before(words, h.start)
        j = _item_after(words, h.end)
        bare = not words[h.start].startswith("و")
        if bare and h.start in ends:
            continue  # «اليمن الشقيق وعسير»: right after a place, an adjective of it
        # items are parted by a list mark or an «و»: «حقل ضباء» is no list
        prev = ends.get(i) if i < h.start or not bare else None
        after = (
            starts.get(j) if j > h.end or (j < len(words) and words[j].startswith("و")) else None
        )
        # A word joined by «و» to one place is as often the next clause («إلى عدن ورصد ما
        # يحدث», «صنعاء، ورصد»): it counts between two places, before a comma and a place,
        # after a comma without «و», after or before a list of two places («كبيسة وهيت
        # والقائم», «إلى الضالع ولحج وتعز»), or as the second of a dual («محافظتي الأنبار
        # وصلاح الدين»).
        if not (
            (prev and after)
            or (after and j > h.end)
            or (prev and i < h.start and bare)
            or (prev and _item_before(words, prev[0]) in ends)
            or (after and _next_item(words, after[1], starts))
            or (prev and prev[0] > 0 and words[prev[0] - 1] in _PLACE_DUALS)
            or (prev and words[prev[0]] in _PLACE_DUALS)  # «مشعري منى وعرفات»: a dual in the name
            # «في الرمادي والفلوجة»: the first of two places after a preposition
            or (after and j == h.end and bare and h.start > 0 and words[h.start - 1] in _LIST_PREPS)
        ):
            continue
        key = _key(gz, words[h.start : h.end])  # after the list tests: they are cheaper
        if key is None:
            continue
        neighbours = [found[s] for s in (prev, after) if s]
        near = [
            g
            for g in gz.names.get(key)
            for k in neighbours
            for n in _ids(gz, lx, k)
            if gz.entries[g].country == gz.entries[n].country
            # A province listed with places of its country is one of its provinces however
            # far they are («مناطق عسير، ومكة المكرمة، والشرقية»).
            and (gz.entries[g].kind == "region" or km(gz.entries[g], gz.entries[n]) <= _LIST_KM)
        ]
        if near:
            out.append((h.start, h.end, key))
    return out


_LIST_ROUNDS = 4  # items a list may be followed along, one round each
_OPEN_QUOTES = frozenset('«"“')
_MAX_QUOTED = 4  # words inside one quoted item of a list


def _quoted_items(words: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Runs of quoted items joined by «و» or a list mark: «"كابل" و"جلال آباد" و"خوست"»,
    each item the span inside its quotes."""
    runs: list[list[tuple[int, int]]] = []
    run: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i] in _OPEN_QUOTES:
            last = min(len(words), i + _MAX_QUOTED + 2)
            j = next((k for k in range(i + 2, last) if words[k] in QUOTES), None)
            if j is not None and not any(w in QUOTES for w in words[i + 1 : j]):
                joined = (
                    bool(run)
                    and run[-1][1] + 1 < i
                    and all(
                        words[k] == "و" or _list_mark(words, k) for k in range(run[-1][1] + 1, i)
                    )
                )
                if not joined:
                    if len(run) > 1:
                        runs.append(run)
                    run = []
                run.append((i + 1, j))
                i = j + 1
                continue
        i += 1
    if len(run) > 1:
        runs.append(run)
    return runs


def _quoted_list(
    gz: Gazetteer, lx: Lexicon, words: Sequence[str], hits: Sequence[Hit]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Quoted names listed together, two or more of them places of one country: those are
    the places («في "كابل" و"جلال آباد" و"خوست"», «فنادق في "شرم الشيخ" و"الغردقة"»),
    whatever the tagger made of the quoted names (an organisation, a title, a person) and
    though a name is also a word («كابل», cable). Not a list of papers or channels."""
    if not any(w in _OPEN_QUOTES for w in words):
        return []
    exact = {(h.start, h.end) for h in hits if h.list in _PLACE_LISTS}
    out = []
    for run in _quoted_items(words):
        start = run[0][0] - 1
        if start > 0 and any(r in _PRESS_NOUNS for r in readings(words[start - 1])):
            continue  # «صحف "الرياض" و"المدينة"»: the papers
        items = []
        for a, b in run:
            name = " ".join(words[a:b])
            if (a, b) not in exact or name in lx.never_places or name in lx.newspapers:
                continue
            key = _key(gz, words[a:b])
            if key is not None:
                items.append((a, b, key, {gz.entries[g].country for g in _ids(gz, lx, key)}))
        shared = Counter(iso for *_, isos in items for iso in isos)
        common = {iso for iso, n in shared.items() if n > 1 and iso}
        out += [(a, b, key) for a, b, key, isos in items if isos & common]
    return out


def _among_countries(
    words: Sequence[str],
    spans: Sequence[tuple[int, int, tuple[str, ...], int]],
    cands: Sequence[Sequence[GeoEntry]],
    k: int,
) -> bool:
    """Whether span k is an item of a list whose item before or after it can only be a
    country: parted from it by a list mark, or joined by «و»."""

    def country_only(j: int) -> bool:
        return bool(cands[j]) and all(c.kind == "country" for c in cands[j])

    a, b = spans[k][0], spans[k][1]
    if k > 0 and country_only(k - 1):
        end = spans[k - 1][1]
        if end == _item_before(words, a) and (end < a or words[a].startswith("و")):
            return True
    if k + 1 < len(spans) and country_only(k + 1):
        start = spans[k + 1][0]
        if start == _item_after(words, b) and (start > b or words[start].startswith("و")):
            return True
    return False


def _item_before(words: Sequence[str], a: int) -> int:
    """Where the list item before token a would end: a, less any list marks before it."""
    while a > 0 and _list_mark(words, a - 1):
        a -= 1
    return a


def _item_after(words: Sequence[str], b: int) -> int:
    """Where the list item after token b would start: b, past any list marks."""
    while b < len(words) and _list_mark(words, b):
        b += 1
    return b


def _next_item(words: Sequence[str], b: int, starts: dict[int, tuple[int, int]]) -> bool:
    """Whether another place follows the place ending at token b as the next list item."""
    j = _item_after(words, b)
    return j in starts and (j > b or words[j].startswith("و"))


def _list_mark(words: Sequence[str], i: int) -> bool:
    if words[i] == ".":
        return (i > 0 and words[i - 1] == ".") or (i + 1 < len(words) and words[i + 1] == ".")
    return words[i] in _LIST_MARKS


# Nouns for a first-level division: what follows is a state's or province's name, however
# the writer spelt it («بولاية مسيسبي», «ولاية أركنسو»).
_DIVISION_NOUNS = frozenset({"ولايه", "مقاطعه", "اقليم"})


@cache
def _state_names() -> dict[int, list[tuple[str, ...]]]:
    """One-word names of first-level regions, by length."""
    gz = gazetteer()
    out: dict[int, list[tuple[str, ...]]] = {}
    for key in gz.names.phrases():
        if len(key) == 1 and any(gz.entries[g].kind == "region" for g in gz.names.get(key)):
            out.setdefault(len(key[0]), []).append(key)
    return out


def _misspelt_states(
    gz: Gazetteer,
    words: Sequence[str],
    hits: Sequence[Hit],
    found: dict[tuple[int, int], tuple[str, ...]],
) -> list[tuple[int, tuple[str, ...]]]:
    """A word after «ولاية» that no list has but that is one letter away from the names of
    exactly one region (words of six letters or more): that region."""
    taken = {k for a, b in found for k in range(a, b)}
    out = []
    for h in hits:
        j = h.end
        if (
            h.list != "loctrigger"
            or j >= len(words)
            or j in taken
            or not any(f in _DIVISION_NOUNS for f in readings(words[h.start]))
        ):
            continue
        w = words[j]
        if len(w) < 6 or not w.isalpha():
            continue
        near = {
            k
            for n in (len(w) - 1, len(w), len(w) + 1)
            for k in _state_names().get(n, ())
            if _one_edit(w, k[0])
        }
        if len({gz.names.get(k) for k in near}) == 1:  # spellings of one region
            out.append((j, min(near)))
    return out


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one inserted, deleted or replaced letter (or not at all)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


@dataclass(slots=True, frozen=True)
class _Sports:
    nouns: frozenset[str]  # «فريق», «لاعب»: the next word club is the club
    match: frozenset[str]  # «أمام», «ضد», «رئيس»: so in a sports article
    words: frozenset[str]  # words that make an article a sports one
    article: int  # how many of them
    share: float  # or at least 3, and this share of the words (a short item)
    clubs: frozenset[str]  # other clubs («الهلال والعين»)


@cache
def _sports() -> _Sports:
    y = load_yaml("clubs.yaml")

    def norm(k: str) -> frozenset[str]:
        return frozenset(normalize(w) for w in y.get(k) or ())

    return _Sports(
        norm("sports_nouns"),
        norm("match_words"),
        norm("sports_words"),
        int(y.get("sports_article") or 6),
        float(y.get("sports_share") or 0.03),
        norm("club_names"),
    )


def _word_clubs(
    gz: Gazetteer, words: Sequence[str], hits: Sequence[Hit]
) -> dict[tuple[int, int], tuple[tuple[str, ...], int]]:
    """Clubs whose bare name is an ordinary word («العين» "the eye", «هجر» "he left"), where
    the context says they are the club (clubs.yaml `word_clubs`): a sports noun right before
    («فريق العين», «لاعب هجر») or the home country's adjective right after («العين
    الإماراتي»); in a sports article, also a match or club word before («أمام العين», «رئيس
    هجر») or «و» after another club («الهلال والعين»). Span -> (key, home city id)."""
    found = [h for h in hits if h.list == "wordclub"]
    if not found:
        return {}
    sp = _sports()
    sporty: bool | None = None
    club_ends = {h.end for h in hits if h.list in ("club", "wordclub")}
    out: dict[tuple[int, int], tuple[tuple[str, ...], int]] = {}
    for h in found:
        gid = int(h.payload)
        key = (h.form or words[h.start], *words[h.start + 1 : h.end])
        nxt = words[h.end] if h.end < len(words) else ""
        if nxt and _demonym_iso(gz, nxt) == gz.entries[gid].country:
            out[(h.start, h.end)] = (key, gid)  # «العين الإماراتي», «والسد القطري»
            continue
        prefix = _prefix(words[h.start], h)
        if prefix not in ("", "و"):
            continue  # «بالعين», «للعين»: "with the eye", "for the eye"
        prev = prev_word(words, h.start)
        before = readings(prev) if prev else ()
        if not prefix and any(f in sp.nouns for f in before):
            out[(h.start, h.end)] = (key, gid)  # «فريق العين», «ولاعبي هجر»
            continue
        if sporty is None:
            n = sum(1 for w in words if w in sp.words)
            sporty = n >= sp.article or (n >= 3 and n >= sp.share * len(words))
        if not sporty:
            continue
        if not prefix and any(f in sp.match for f in before):
            out[(h.start, h.end)] = (key, gid)  # «أمام العين», «رئيس هجر»
        elif prefix == "و":
            k = h.start - 1
            if k > 0 and words[k] in SEPARATORS:
                k -= 1  # «النصر، والعين»
            if k >= 0 and (k + 1 in club_ends or any(f in sp.clubs for f in readings(words[k]))):
                out[(h.start, h.end)] = (key, gid)  # «الهلال والعين»
        elif not prefix and _comma_club_list(words, h, club_ends, sp.clubs):
            out[(h.start, h.end)] = (key, gid)  # «التعاون، هجر، النهضة»
    return out


def _past_quote(words: Sequence[str], i: int) -> int:
    return i + 1 if i < len(words) and words[i] in QUOTES else i


def _kaf_city(gz: Gazetteer, key: tuple[str, ...]) -> bool:
    """«زرتها كحمص»: «ك» + a city of half a million is "like" the city without the tagger's
    LOC; a smaller town's name after «ك» is more often a word («كسرت»)."""
    ids = gz.names.get(key)
    return bool(ids) and all(
        gz.entries[g].kind == "city" and gz.entries[g].population >= _KAF_CITY for g in ids
    )


_KAF_CITY = 500_000


def _bare_alef_after_kaf(key: tuple[str, ...], written: str) -> bool:
    """«ك» + a name that starts with a hamza-carrying alef, written with a bare one: «كآسيا»,
    «كإيران» keep the hamza; «كاسيا» is a foreign name that starts with «كا»."""
    w = bare_written(written)
    w = w[1:] if w[:1] in ("و", "ف") and w[1:2] == "ك" else w
    return key[0][:1] == "ا" and not key[0].startswith("ال") and w[:2] == "كا"


def _comma_club_list(
    words: Sequence[str], h: Hit, club_ends: set[int], clubs: frozenset[str]
) -> bool:
    """A comma stands between the name and a club on either side."""

    def club_at(k: int) -> bool:
        return 0 <= k < len(words) and any(f in clubs for f in readings(words[k]))

    k = h.start - 1
    if k > 0 and words[k] in SEPARATORS and (k in club_ends or club_at(k - 1)):
        return True
    return h.end + 1 < len(words) and words[h.end] in SEPARATORS and club_at(h.end + 1)


_PLACE_LISTS = PLACE_LISTS
# «دندي يونايتد», «برادفورد سيتي»: a club named after its town names the town, like a
# club of clubs.yaml (normalised).
_CLUB_SUFFIXES = frozenset(
    {"يونايتد", "سيتي", "تاون", "روفرز", "رفرز", "واندررز", "سبور", "سبورت"}  # «كونيا سبور»
)
# Second words of newspapers named after their city (normalised): «نيويورك تايمز», «واشنطن
# بوست», «تورونتو ستار», «شيكاغو تريبيون». The annotators label the city, as any place
# inside an organisation's name.
_PAPER_SUFFIXES = frozenset(
    {"تايمز", "بوست", "ستار", "هيرالد", "تريبيون", "تربيون", "غلوب", "جلوب"}
)
# Titles that only a person's name follows (normalised).
_HONORIFICS = frozenset({"السيد", "السيده", "الانسه", "مستر", "مسز", "مدام"})
# What a company named «السعودية لل…» trades in (normalised, with «لل»): «السعودية للكهرباء».
_COMPANY_TRADES = frozenset(
    "لل" + w
    for w in (
        "كهرباء", "صناعات", "خدمات", "استثمار", "تامين", "نقل", "طاقه", "بتروكيماويات",
        "اسمنت", "فنادق", "تسويق", "تموين", "اسماك", "اتصالات", "ابحاث", "معارض", "سياحه",
        "تعدين", "شحن", "طباعه", "صادرات", "اعلان", "كابلات", "زجاج", "ورق", "تجاره",
        "عقار", "عقارات", "انابيب", "اغذيه", "البان", "ادويه", "صناعه", "مياه", "تقنيه",
        "حديد", "تصنيع", "توزيع", "نشر", "تمويل", "اسكان", "سيارات", "طيران", "ملاحه",
        "تطوير", "تدريب", "بوليمرات", "بولميرات",
    )
)  # fmt: skip
# Nouns a company's name follows; a village's name there is the brand («شركة فورد»).
_COMPANY_NOUNS = frozenset({"شركه", "الشركه", "لشركه", "وشركه", "شركات", "ماركه", "علامه"})
# First words of listed names that say the rest is a place (gazetteer.py adds «محافظ X» for
# each «محافظة X»; places.yaml lists «مهرجان كان»).
_HEADS = frozenset({"محافظ", "مهرجان"})
# Nouns that take a region as their genitive: «أمانة الشرقية», «أمير الشرقية», «مناطق
# الشرقية». After them a weak region name («الشرقية», «الحدود الشمالية») is the region.
_CONSTRUCT = frozenset(
    {"امانه", "اماره", "امير", "مناطق", "محافظات", "مدن", "قري", "شرطه", "صحه",
     "تعليم", "اهالي", "سكان", "ابناء", "غرفه", "بلديات", "مرور", "مدني", "جوازات", "سجون",
     "شواطئ", "شاطئ", "ساحل", "محافظ", "مستشفيات", "مدارس", "جامعات", "طرق", "اسواق"}
)  # fmt: skip
# Venues: a place name after them is a place, as after a trigger word («ملعب برج العرب»,
# «استاد السويس», «شاطئ نصف القمر»). The name needs no tagger LOC. So is an airline's
# («إير فرانس», «أير تشاينا»), which the tagger reads as a person.
_VENUE_NOUNS = frozenset(
    {"ملعب", "استاد", "ستاد", "مدرجات", "شاطئ", "شواطئ", "كورنيش", "خليج", "اير", "تلفريك"}
)  # fmt: skip


_DASHES = frozenset({"-", "–", "—"})


def _definite_reading(word: str, h: Hit) -> bool:
    """The hit matched ``word`` by removing an article: «المنطقة», «بالمنطقة», «للمنطقة»."""
    if not h.stripped or not h.form or not word.endswith(h.form):
        return False
    return word[: len(word) - len(h.form)].endswith(("ال", "لل"))


def _whole_name(words: Sequence[str], h: Hit, org_spans: set[tuple[int, int]]) -> bool:
    """The organisation is named by the place alone («برشلونة», «لبرشلونة»), not by a word
    that only a stripped «ف» or «ك» makes a place («فرانس» in «فرانس برس» is no «رانس»)."""
    return (h.start, h.end) in org_spans and not _prefix(words[h.start], h).startswith(("ف", "ك"))


def _curated_title(
    gz: Gazetteer, h: Hit, key: tuple[str, ...], spans: set[tuple[int, int]]
) -> bool:
    """A name of several words that only the project's list of areas has («شهداء أحد» for
    Mount Uhud), which the tagger calls a title or an event: no film is named so, and the
    place is what the phrase means."""
    ids = gz.names.get(key) if len(key) > 1 and (h.start, h.end) in spans else None
    return bool(ids) and all(g < 0 for g in ids)


def _formal_state(gz: Gazetteer, h: Hit, key: tuple[str, ...]) -> bool:
    """A country's formal name of three words or more («الجمهورية الإسلامية الإيرانية»,
    «المملكة العربية السعودية») names the state, though the tagger opened an organisation
    with it («لدى الجمهورية الإسلامية الإيرانية للتشاور»): no company is named so."""
    return len(key) >= 3 and any(gz.entries[g].kind == "country" for g in gz.names.get(key) or ())


def _demonym_iso(gz: Gazetteer, word: str) -> str | None:
    return next((gz.demonyms[f] for f in match_forms(word) if f in gz.demonyms), None)


def _named(lx: Lexicon, words: Sequence[str], h: Hit) -> bool:
    name = " ".join((h.form, *words[h.start + 1 : h.end]))
    return name not in lx.not_places or name in weak_regions()


def _club_ids(lx: Lexicon, key: Sequence[str]) -> list[int]:
    return [int(p) for lst, p in lx.lookup(key) if lst == "club"]


def _ids(gz: Gazetteer, lx: Lexicon, key: tuple[str, ...]) -> Sequence[int]:
    """The gazetteer entries a name may be: a club's home city, else the gazetteer's."""
    return _club_ids(lx, key) or gz.names.get(key)


# Names that start with «ل» and, after another «ل», spell «ل» + «ال» + a common noun: «للحج»
# was "for the Hajj" in all 57 uses of 2015-07-21..26; Lahij with «ل» would be written so too,
# but the news writes «إلى لحج», «في لحج» (172 uses of «لحج», 47 of «ولحج»).
_LAM_NOUNS = frozenset({"لحج"})


def _prefix(word: str, h: Hit) -> str:
    """The proclitic before the matched reading of the hit's first word ("" if none)."""
    if word.startswith(_LAM_LAM) and h.form.startswith("ال"):
        return word[: word.index("لل") + 1]  # «للشرقية» is «ل» + «الشرقية»
    if h.form and word.endswith(h.form):
        return word[: len(word) - len(h.form)]
    return ""


def _inner_hamza(written: str, head: str) -> bool:
    """Whether the name's first word, as written, has a hamza on an alef after its first
    letter («سألتا»), the article's alef aside («الأقصر»)."""
    w = bare_written(written)
    if not head or len(w) < len(head):
        return False
    stem = w[len(w) - len(head) :]
    if normalize(stem) != head:
        return False  # «للأرجنتين»: read as «ل» + «الأرجنتين», the letters do not line up
    skip = 2 if stem.startswith("ال") else 0
    return any(c in "أإآ" for k, c in enumerate(stem) if k > 0 and k != skip)


def _as_written(
    gz: Gazetteer,
    lx: Lexicon,
    spans: list[tuple[int, int, tuple[str, ...], int]],
    cands: list[list[GeoEntry]],
    written: Sequence[str],
) -> tuple[list[tuple[int, int, tuple[str, ...], int]], list[list[GeoEntry]]]:
    """Drop the readings a hamza inside the written word rules out. «وسألتا» ("and they
    asked") is no Salta («سالتا»): transliterations of foreign names do not write one. After
    «و» or «ف» it marks where the name starts: «وأثينا» is «و» + Athens, not Wathena. Names
    of two words or more are often translated, hamzas and all («الرأس الأخضر»)."""
    out_spans, out_cands = [], []
    for (a, b, key, club), cs in zip(spans, cands, strict=True):
        w = written[a]
        if (
            not club
            and len(key) == 1
            and ("أ" in w[1:] or "إ" in w[1:] or "آ" in w[1:])  # cheap test first
            and _inner_hamza(w, key[0])
        ):
            cs = [c for c in cs if c.country in _ARAB]
            alt = (key[0][1:], *key[1:])
            if not cs and key[0][:1] in ("و", "ف") and gz.names.get(alt):
                key, cs = alt, [gz.entries[g] for g in _ids(gz, lx, alt)]
            if not cs:
                continue
        out_spans.append((a, b, key, club))
        out_cands.append(cs)
    return out_spans, out_cands


def _absorbed_clitic(written: str, head: str) -> bool:
    """Whether a name was matched with a proclitic inside it that the writing marks as one:
    a hamza on the alef after «ل», «ب», «و», «ف» or «ك» starts a word («لأمور»), while a
    transliterated name is written with a bare alef («لامور»)."""
    w = bare_written(written)
    return len(w) > 2 and w[0] in "لبوفك" and w[1] in "أإآ" and normalize(w) == head


def _country_reading(
    gz: Gazetteer,
    words: Sequence[str],
    h: Hit,
    key: tuple[str, ...],
    place_ends: set[int],
    place_starts: AbstractSet[int] = frozenset(),
) -> bool:
    """A country name that is also a nationality adjective («السعودية», «سورية», «تشيلي»)
    is the country after a preposition («إلى السعودية», «بسورية»), at the start of a
    phrase, after another place («مصر والسعودية»), or, when definite, after a word that is
    not (an adjective agrees: «الخطوط السعودية», «الحكومة السعودية»)."""
    if not any(gz.entries[g].kind == "country" for g in gz.names.get(key)):
        return False
    prefix = _prefix(words[h.start], h)
    if prefix in PREP_CLITICS:
        return True
    if prefix in ("و", "ف") and h.start in place_ends:
        return True
    if h.end in place_starts and words[h.end].startswith("و") and not key[0].startswith("ال"):
        return True  # «إعمار سورية والعراق وغزة»: the first of a list of places
    prev = prev_word(words, h.start)
    if prev in PREPS:
        return True
    if (
        prev is None
        and key[0].startswith("ال")
        and h.start >= 3
        and words[h.start - 1] in QUOTES
        and words[h.start - 3] in QUOTES  # the quote closes a quoted word (not «معرض «السعودية»)
        and _definite(words[h.start - 2])
    ):
        return False  # «"العرضة" السعودية»: the Saudi ardah, a quoted noun and its adjective
    if prev is None:
        return not (h.end < len(words) and words[h.end].startswith("لل"))
    definite = key[0].startswith("ال")
    if not definite and not prefix and prev in _NOUN_NEXT:
        # After «أن» or a word that governs a noun («أنحاء», «كل», «شمال»), a noun: «نجد
        # أن سورية مقسومة», «في كل أنحاء سورية».
        return True
    if not definite and not prefix and (_definite(prev) or _homeland(prev)):
        # An adjective agrees in definiteness: after «الطقس الحاد» an indefinite «هايتي»
        # qualifies nothing, so it is the country (the object of «ضربت»).
        return True
    iso = {gz.entries[g].country for g in gz.names.get(key) if gz.entries[g].kind == "country"}
    if any(
        gz.entries[g].kind == "city" and gz.entries[g].country in iso for g in gz.names.get((prev,))
    ):
        return False  # «مدينة جدة السعودية»: Saudi Jeddah, an attribute of the city
    if definite and not prefix and len(prev) >= 5 and prev.endswith("نا"):
        return False  # «مدننا السعودية», «بلادنا السعودية»: "our" makes the noun definite
    # «الخطوط السعودية» agrees with a definite noun; «السعودية للكهرباء» is a company (a
    # trade after «لل»), but not «دعم السعودية لليمن» («ل» + a place) nor «تقوده السعودية
    # للوقوف» or «دخول السعودية للتصنيف» (a verbal noun: the country, acting).
    company = h.end < len(words) and words[h.end] in _COMPANY_TRADES and h.end not in place_starts
    return definite and not prefix and not _definite(prev) and not company


# Points of the compass before a place («شرقي الرمادي»); not «وسط» ("amid"), nor the
# adjectives «الشمالي», «الغرب» («الكورنيش الشمالي بطول»). Normalised.
_DIRECTIONS = frozenset({"شمال", "جنوب", "شرق", "غرب", "شمالي", "جنوبي", "شرقي", "غربي"})
# Generic nouns after a direction: «جنوبي المدينة» is south of the town.
_GENERIC_PLACES = frozenset({"المدينه", "المنطقه", "البلاد", "المملكه", "الجبل", "الجزيره"})


# «محافظ حقل», «ومحافظ أضم»: the governor's title names his governorate, even by an ordinary
# word («حقل» "field"). Not a trigger of the tagger's lists: the title is a person's.
_GOVERNOR = frozenset({"محافظ", "ومحافظ", "لمحافظ", "بمحافظ", "ولمحافظ"})


def _after_governor(words: Sequence[str]) -> set[int]:
    return {i + 1 for i, w in enumerate(words) if w in _GOVERNOR}


def _after_direction(words: Sequence[str], a: int) -> bool:
    prev = words[a - 1]
    return prev in _DIRECTIONS or (prev[:1] == "و" and prev[1:] in _DIRECTIONS)


# Words after which a noun stands, never an adjective: particles («أن سورية») and words
# that govern the next noun («أنحاء سورية», «كل سورية», «شمال سورية»). Not «مدن» or
# «حدود»: «مدن سورية» is as often "Syrian cities". Normalised.
_NOUN_NEXT = frozenset(
    {"ان", "لان", "بان", "فان", "وان", "لكن", "ولكن", "انحاء", "كل", "جميع", "ارجاء",
     "شمال", "جنوب", "شرق", "غرب", "وسط", "شمالي", "جنوبي", "شرقي", "غربي", "داخل", "خارج",
     "عاصمه",
     # prepositions and adverbs that take a noun («بحق سورية», «فوق سورية», «ثم سورية»);
     # the tagger's LOC is no guide here: it marks «عائلة سورية» and «جنسيات سورية» too
     "بحق", "فوق", "تحت", "بشان", "حول", "ثم", "منها", "بينها"}
)  # fmt: skip


# Indefinite people in the accusative («ـًا»), after which a country name in «ـيا» is the
# nisba adjective in the same case: «مقاتلا بريطانيا» (a British fighter), «مسؤولا ليبيا
# رفيعا» (a senior Libyan official). Normalised.
_ACCUSATIVE_PEOPLE = frozenset(
    {"مقاتلا", "مسؤولا", "دبلوماسيا", "مواطنا", "صحفيا", "صحافيا", "جنديا", "ضابطا", "لاجئا",
     "شابا", "رجلا", "طفلا", "سائحا", "مهاجرا", "طالبا", "وفدا", "مصدرا", "عسكريا", "وزيرا",
     "سفيرا", "لاعبا", "مدربا", "ناشطا", "مستثمرا", "خبيرا", "باحثا", "طبيبا", "مهندسا"}
)  # fmt: skip


def _nisba_ya(gz: Gazetteer, words: Sequence[str], h: Hit) -> bool:
    """Whether the hit is a bare one-word country name in «يا» («بريطانيا», «ليبيا»)."""
    w = words[h.start]
    return (
        h.end == h.start + 1
        and w == h.form
        and w.endswith("يا")
        and any(gz.entries[g].kind == "country" for g in gz.names.get((w,)))
    )


def _definite(word: str) -> bool:
    return word.startswith(("ال", "وال", "بال", "فال", "كال", "لل", "ولل", "فلل", "وبال"))


# «بوطنها سورية», «بلادهم سوريا»: "her homeland Syria". A noun with a possessive pronoun is
# definite, so an indefinite name after it is no adjective of it (only these nouns: a final
# «ه» is as often the folded «ة» of an indefinite noun).
_HOMELANDS = frozenset(
    f"{n}{s}" for n in ("وطن", "بلد", "بلاد") for s in ("ه", "ها", "هم", "هما", "نا", "كم")
)


def _homeland(word: str) -> bool:
    return any(f in _HOMELANDS for f in match_forms(word))


def _adjectival(key: tuple[str, ...]) -> bool:
    """A name that is also a definite feminine adjective: «الشرقية», «الحدود الشمالية»."""
    return key[-1].startswith("ال") and key[-1].endswith("يه")


def _region_context(words: Sequence[str], h: Hit, place_ends: set[int]) -> bool | None:
    """Whether a weak region name («الشرقية», «الحدود الشمالية») is the region: yes after a
    preposition, a noun that takes a region («بالشرقية», «في الشرقية», «أمانة الشرقية») or
    another place («حائل والشرقية»); no after a definite word, which it qualifies («المرأة
    الشرقية», «الأحياء الشرقية»), or with «و» after anything else («الوسطى والشرقية» may be
    two adjectives), nor right after a place («درنة الشرقية»). None: the context does not
    say."""
    prefix = _prefix(words[h.start], h)
    if prefix in PREP_CLITICS:
        return True
    if prefix in ("و", "ف"):
        return h.start in place_ends
    if h.start in place_ends:
        return False  # «ضواحي درنة الشرقية», «حلب الشرقية»: the place's own eastern part
    prev = prev_word(words, h.start)
    if prev is None:
        return None
    if prev in PREPS or any(f in _CONSTRUCT for f in readings(prev)):
        return True
    return False if _definite(prev) else None


def _after_venue(words: Sequence[str], a: int) -> bool:
    return a > 0 and any(f in _VENUE_NOUNS for f in readings(words[a - 1]))


def _well_known(gz: Gazetteer, key: tuple[str, ...]) -> bool:
    return any(
        gz.entries[g].kind in ("country", "continent") or gz.entries[g].population >= BIG_CITY
        for g in gz.names.get(key)
    )


def _placelike(words: Sequence[str], h: Hit, place_starts: set[int]) -> bool:
    """A village name the tagger did not mark, accepted only when the article is about its
    country, is no place after a definite word, which it qualifies («الأرباح المجمعة»), nor
    when it opens a phrase and another bare word follows it: that is
    how a person's name the tagger missed stands («…، آنذاك، أفيغدور ليبرمان إلى»,
    «…، أشتون كارتر»). A place there is followed by punctuation, a nationality adjective
    or a conjunction («أهالي عرسال:», «(الهدا) و(الشفا)», «(عين العرب السورية)»)."""
    if _prefix(words[h.start], h):
        return True
    prev = prev_word(words, h.start)
    if prev in PREPS:
        return True  # «إلى الضالع»: «إلى» normalises to «الي», which only looks definite
    if prev is not None:
        # «الأرباح المجمعة»: a definite word after a definite one is its adjective.
        return not (words[h.start].startswith("ال") and _definite(prev))
    nxt = words[h.end] if h.end < len(words) else ""
    return not nxt.isalpha() or nxt.startswith(("ال", "و")) or h.end in place_starts


_DASHES = frozenset({"-", "–", "—"})  # also between two places of a road: «طريق مكة – جده السريع»
_DATELINE_TOKENS = 8  # how far into the body a dateline may end
# Proclitics a written word may carry before a `vocalised` spelling («وإب», «بعُمان»).
_WRITTEN_CLITICS = frozenset({"", "و", "ب", "ل", "ف", "وب", "ول", "فب"})


def _spelt_as_place(lx: Lexicon, written: str, ids: Sequence[int]) -> bool:
    """The word as written, after at most a clitic, is a `vocalised` spelling of one of the
    name's places («وإب», «بعُمان»): the writer's marks name the place."""
    word = written.replace("\u0640", "")
    if not word.endswith(_forms_of(lx.vocalised)):
        return False  # nearly every word: one test in C
    return any(
        gid in ids and word.endswith(form) and word[: len(word) - len(form)] in _WRITTEN_CLITICS
        for form, gid in lx.vocalised
    )


@lru_cache(maxsize=4)
def _forms_of(vocalised: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    return tuple(form for form, _ in vocalised)


def _self_named(gz: Gazetteer, h: Hit) -> bool:
    """The regular nisba rule makes a country whose name ends in «ي» the adjective of
    itself («تشيلي», «جيبوتي», «باراجواي»): that word is the country. (The tagger keeps the
    adjective feature; it was trained with it.)"""
    form = h.form or ""
    return form.endswith("ي") and any(
        gz.entries[g].kind == "country" for g in gz.names.get((form,))
    )


# Definite words that are no adjective after a noun: «في المدينة اليوم» is Medina today.
_ADVERBS = frozenset(
    {"اليوم", "الان", "الليله", "الاحد", "الاثنين", "الثلاثاء", "الاربعاء", "الخميس",
     "الجمعه", "السبت"}
)  # fmt: skip


# Saudi names of a direction's region (places.yaml regions): another country has its own.
_NEEDS_ITS_COUNTRY = frozenset({("المنطقه", "الغربيه"), ("المنطقه", "الجنوبيه")})
_SAUDI_DIRECTIONS = _NEEDS_ITS_COUNTRY | {("المنطقه", "الشرقيه")}
_PART_OF_NOUNS = frozenset({"ولايه", "مقاطعه", "اقليم", "دوله", "جمهوريه", "مدينه"})


def _part_of_another(
    gz: Gazetteer,
    lx: Lexicon,
    words: Sequence[str],
    span: tuple[int, int],
    key: tuple[str, ...],
    found: dict[tuple[int, int], tuple[str, ...]],
) -> bool:
    """Whether a Saudi direction's region is followed by «من» and another country's place,
    right after it or after a division noun: the part of that place, not the region («من
    المملكة وفي الكويت» is the region). Any Saudi region followed by «ل» + another country's
    place is that place's part too: «الحدود الشمالية لليمن» is Yemen's northern border."""
    b = span[1]
    if b < len(words) and words[b].startswith("ل") and _saudi_region(gz, lx, key):
        return _foreign_at(gz, lx, found, b)
    if key not in _SAUDI_DIRECTIONS or b + 1 >= len(words) or words[b] != "من":
        return False
    return _foreign_at(gz, lx, found, b + 2 if words[b + 1] in _PART_OF_NOUNS else b + 1)


def _foreign_at(
    gz: Gazetteer, lx: Lexicon, found: dict[tuple[int, int], tuple[str, ...]], a: int
) -> bool:
    """Whether a place found at token a is outside Saudi Arabia."""
    k = next((k for (s, _), k in found.items() if s == a), None)
    return k is not None and "SA" not in {gz.entries[g].country for g in _ids(gz, lx, k)}


def _saudi_region(gz: Gazetteer, lx: Lexicon, key: tuple[str, ...]) -> bool:
    ids = _ids(gz, lx, key)
    return bool(ids) and all(
        gz.entries[g].country == "SA" and gz.entries[g].kind in REGION_KINDS for g in ids
    )


# Place names that are also kinship nouns: «جدة» is "grandmother" before a person's name.
_KIN_WORDS = frozenset({"جده"})
# Nouns whose genitive «جده» is the city, not "his grandfather": «جامعة جده», «مطار جده».
_JEDDAH_HEADS = frozenset({"جامعه", "مطار", "ميناء", "محافظ", "امين", "امانه", "شرطه", "طريق"})
_HEAD_OF_STATE = frozenset({"الرئيس", "الرئيسه"})


def _person_follows(words: Sequence[str], b: int, per_starts: set[int], titles: set[int]) -> bool:
    """A person's name, or «الرئيس» before one, follows token b directly (no title such as
    «الأمير», which follows a city in «محافظ جدة الأمير مشعل»)."""
    if b >= len(words) or (b in titles and words[b] not in _HEAD_OF_STATE):
        return False
    return b in per_starts or words[b] in _HEAD_OF_STATE


# Tanween marks a word indefinite; a place's name is definite («ملاكاً» is "an angel").
_TANWEEN = frozenset("\u064b\u064c\u064d")
_PAPER_NOUNS = frozenset({"صحيفه", "جريده", "الصحيفه", "الجريده"})
# A sovereign's title rules a country («سلطان عمان», «عاهل الأردن»), not its capital.
_SOVEREIGNS = frozenset({"سلطان", "وسلطان", "لسلطان", "عاهل", "وعاهل", "لعاهل"})
# «صحف "الرياض" و"المدينة"»: a quoted list after these names papers or channels.
_PRESS_NOUNS = _PAPER_NOUNS | {"صحف", "الصحف", "قناه", "القناه", "قنوات", "القنوات", "مجله"}
# «طيران السعودية»: the airline is called «السعودية» (not «طيران الإمارات», another name)
_AVIATION = frozenset({"طيران", "وطيران", "لطيران", "بطيران"})
# Counts of people: a nisba after them is the people («ملايين بوروندي»), even where the
# word is also the country's name.
_COUNT_NOUNS = frozenset({"ملايين", "مليون", "الاف", "الف", "مئات", "عشرات"})
# Words that make the next one part of a person's or a thing's name («أبو نيس», «عمائر بن
# صنعاء»). A place named so is one two-word name of the gazetteer («أبو ظبي»), matched as a
# whole. «ابن» stays out: «ابن الباحة» is a native of Al Bahah.
_KUNYA = frozenset({"ابو", "وابو", "ابي", "وابي", "ابا", "بن", "بنت"})


def _place_after_prep(
    gz: Gazetteer, words: Sequence[str], h: Hit, key: tuple[str, ...], lx: Lexicon
) -> bool:
    """A well-known place after a preposition is a place whatever the tagger says: «إلى
    كوباني», «مستشفى الملك خالد بحائل» (the person's span ran on over the town). Not after
    «علي», which is also the name Ali («اللواء علي الأحمدي»), and with an attached «ب» or
    «ل» only for a town of the Arab world or a city of a million («فاطمة بطهران»): «سكوت
    باكولا», «شريف باهر», «لسالم» are people."""
    if (h.list not in _STRONG and key not in lx.well_known) or " ".join(key) in lx.not_places:
        return False
    if prev_word(words, h.start) in PREPS - {"علي", "وعلي"}:
        return True
    ids = _ids(gz, lx, key)
    return _prefix(words[h.start], h) in PREP_CLITICS and (
        all(gz.entries[g].country in _ARAB for g in ids)
        or all(gz.entries[g].population >= _MILLION for g in ids)
    )


_MILLION = 1_000_000


def _person_runs_on(per_spans: Sequence[tuple[int, int]], h: Hit, name: str, lx: Lexicon) -> bool:
    """A listed name of two words or more whose person spans start inside it and run past
    its end: the tagger cut the name and read its last word with the next as a person
    («محايل عسير شهيدها»: «عسير شهيدها»). The list is right about the name."""
    overlapping = [(a, b) for a, b in per_spans if a < h.end and h.start < b]
    if name in _KUNYA_CITIES and overlapping == [(h.start, h.end)]:
        return True  # «مثل أبو ظبي»: a city whose name opens with «أبو», read as a kunya
    return (
        h.end - h.start > 1
        and name not in lx.not_places
        and all(h.start < a and b > h.end for a, b in overlapping)
    )


def _conj_reading(words: Sequence[str], i: int) -> bool:
    """Token ``i`` starts with «و» and reads as no listed name with it (only «و» + a name)."""
    if i >= len(words) or not words[i].startswith("و") or len(words[i]) < 4:
        return False
    return not lexicon().lookup((words[i],))


def _governor_of(words: Sequence[str], h: Hit, per_spans: Sequence[tuple[int, int]]) -> bool:
    """«أمير عسير», «محافظ الخرج» read as one person: a governor's title and the place he
    governs, nothing more (his name, when given, follows: «أمير عسير فيصل بن خالد»)."""
    a = h.start - 1
    return a >= 0 and (a, h.end) in per_spans and words[a] in _GOVERNORS


_GOVERNORS = frozenset({"امير", "وامير", "لامير", "محافظ", "ومحافظ", "لمحافظ"})


# Cities named like a kunya («أبو» + a word); nobody is called that.
_KUNYA_CITIES = frozenset({"ابو ظبي", "ابوظبي", "ابو عريش", "ابوعريش"})


def _after_prep(words: Sequence[str], h: Hit) -> bool:
    """«بتبوك», «في تبوك»: a preposition before the name makes it a place, whatever the
    tagger called it."""
    return _prefix(words[h.start], h) in PREP_CLITICS or prev_word(words, h.start) in PREPS


def _quoted(words: Sequence[str], a: int, b: int) -> bool:
    return a > 0 and words[a - 1] in QUOTES and b < len(words) and words[b] in QUOTES


def _country_name(gz: Gazetteer, words: Sequence[str]) -> bool:
    key = _key(gz, words)
    return key is not None and any(gz.entries[g].kind == "country" for g in gz.names.get(key))


def _told_to(words: Sequence[str], a: int, b: int) -> bool:
    """A quoted name right after a detached «لـ» («قال لـ«الشرق الأوسط»») is the outlet
    someone spoke to; a place would not be quoted there."""
    return (
        a >= 2
        and words[a - 1] in QUOTES
        and words[a - 2] == "ل"
        and b < len(words)
        and words[b] in QUOTES
    )


def _opens_dateline(
    gz: Gazetteer,
    words: Sequence[str],
    a: int,
    b: int,
    key: tuple[str, ...],
    dateline: range,
) -> bool:
    """A big city's name at the body's start (after at most a «*»), followed by a dash; or
    after the agency and a dash, followed by a colon («واس - الخبر:»)."""
    if not dateline:
        return False
    lead = dateline.start + (dateline.start < len(words) and words[dateline.start] == "*")
    if a == lead and b < len(words) and words[b] in _DASHES:
        return _well_known(gz, key)
    return (
        lead < a <= lead + 3
        and words[a - 1] in _DASHES
        and b < len(words)
        and words[b] == ":"
        and _well_known(gz, key)
    )


def _by_dash(words: Sequence[str], a: int, b: int) -> bool:
    return (a > 0 and words[a - 1] in _DASHES) or (b < len(words) and words[b] in _DASHES)


def resolve(
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    body_start: int = 0,
    written: Sequence[str] = (),
) -> list[PlaceMention]:
    """Place mentions and their GeoNames entries. ``body_start``: the body's first token
    (after the title), where a dateline may stand. ``written``: the tokens as written, whose
    vowel marks may pick a reading («عُمان» is Oman)."""
    gz = gazetteer()
    dateline = range(body_start, body_start + _DATELINE_TOKENS)
    governed = _after_governor(words)
    spans = candidates_in(words, hits, mentions, dateline, written, governed)
    lx = lexicon()
    cands = [
        [gz.entries[club]] if club else [gz.entries[g] for g in _ids(gz, lx, k)]
        for _, _, k, club in spans
    ]
    if written:
        spans, cands = _as_written(gz, lx, spans, cands, written)
    countries: Counter[str] = Counter()  # named countries and nationality adjectives
    via_city: Counter[str] = Counter()  # countries of unambiguous places
    anchors: list[GeoEntry] = []
    own: Counter[tuple[str, tuple[str, ...]]] = Counter()  # (country, name) -> its mentions
    for (_, _, key, _), cs in zip(spans, cands, strict=True):
        ccs = {c.country for c in cs}
        if len(ccs) == 1 and "" not in ccs:
            iso = next(iter(ccs))
            own[(iso, key)] += 1
            if any(c.kind == "country" for c in cs):
                countries[iso] += 1
            else:
                via_city[iso] += 1
        elif (iso := _dominant_country(cs)) is not None:
            countries[iso] += 1  # «لبنان» is the country, not eight US towns of its name
        if len(cs) == 1 and cs[0].kind in _NEAR_KINDS:
            anchors.append(cs[0])
    for h in hits:
        if h.list == "demonym":
            forms = match_forms(words[h.start])
            iso = next((gz.demonyms[f] for f in forms if f in gz.demonyms), None)
            if iso:
                countries[iso] += 1
    context = countries + via_city
    dominant = context.most_common(1)[0] if context else None
    out: list[PlaceMention] = []
    foreign: list[tuple[int, int]] = []
    demonyms = {h.start for h in hits if h.list == "demonym" and not _self_named(gz, h)}
    after_trigger = {h.end for h in hits if h.list == "loctrigger"} | governed
    districts = _district_names(words, spans, cands, countries, via_city, anchors, own)
    for k, ((a, b, key, club), cs) in enumerate(zip(spans, cands, strict=True)):
        if _without_article(key) in districts:
            # «حي المحمدية بمحافظة جدة»: a district of the article's city, not Mohammedia,
            # Morocco; and so are the name's other mentions («سكان المحمدية»).
            foreign.append((a, b))
            continue
        if _after_city_noun(words, a, demonyms) and any(c.kind == "country" for c in cs):
            # «مطار تونس», «العاصمة التونسية تونس»: the capital, not the country.
            cs = [c for c in cs if c.kind == "city"] or cs
        if written and b - a == 1 and len(cs) > 1:
            cs = _vocalised(lx, written[a], cs)
        if prev_word(words, a) in _SOVEREIGNS and any(c.kind == "country" for c in cs):
            cs = [c for c in cs if c.kind == "country"]  # «سلطان عمان»: Oman's, not Amman's
        named_club = b < len(words) and words[b] in _CLUB_SUFFIXES
        if named_club:
            # «مانشستر يونايتد»: the club's town is the best-known one of that name, whatever
            # the story's countries (a Chilean player's move says nothing of England).
            best = max(cs, key=lambda c: (c.kind == "city", c.population))
            out.append(PlaceMention(a, b, key, best, club=True))
            continue
        iso_after = _demonym_iso(gz, words[b]) if b < len(words) and len(cs) > 1 else None
        if iso_after and any(c.country == iso_after for c in cs):
            # «بمدينة ميرلو الهولندية»: the Dutch village, not Merlo, Argentina: the adjective
            # after the name says which of its places it is.
            cs = [c for c in cs if c.country == iso_after]
        best = max(cs, key=lambda c: _score(c, cs, countries, via_city, anchors))
        if best.kind != "country" and _among_countries(words, spans, cands, k):
            # «النيجر وتشاد والكاميرون وبنين»: an item of a list of countries is the country
            # (Benin), not a city of the story's country of that name (Benin City, Nigeria).
            best = next((c for c in cs if c.kind == "country"), best)
        if best.kind == "country" and not countries.get(best.country):
            # «بالصحراء الغربية» in a story of Egypt's oil blocks is its Western Desert, not
            # Western Sahara: an area of a country the article names twice wins over a
            # country the article does not otherwise name.
            best = next(
                (c for c in cs if c.kind in ("region", "area") and context[c.country] >= 2),
                best,
            )
        if (
            dominant
            and dominant[1] >= 3
            and dominant[0] != best.country
            and best.kind == "city"
            and best.population < 100_000
            and key not in lx.well_known
            and context.get(best.country, 0) == own.get((best.country, key), 0)
        ):
            # «سوق الخميس» in a Libyan story is not the Yemeni village of that name; it
            # may be a local one («العزيزية» in a Medina story is a district of Medina).
            # A name does not vouch for its own country: «ملعب شهداء بنينا في بنغازي» is
            # Benina, not «نينا» (Nenagh, Ireland) after «ب». A town that is itself the
            # article's only evidence (its country dominates through it alone) stays:
            # «الباحة» three times in a story about Al Bahah. A town known by itself
            # (`well_known`: «بتوقيت غرينتش» in a story about Shanghai) stays too.
            if len(key) == 1 and dominant[0] not in _ARAB:
                continue  # «إد وودوارد» in a story of Paris: a name, not Woodward, Oklahoma
            foreign.append((a, b))
            continue
        if (
            len(key) == 1
            and key[0] in _SHORT_WORDS
            and (
                dominant is None
                or dominant[0] != best.country
                or (
                    b < len(words)
                    and words[b].startswith("ال")
                    and words[b] not in _ADVERBS
                    and (key[0], words[b]) not in SHORT_NAMES  # «للمدينة النبوية»
                )
            )
        ):
            # «في جنوب غربي المدينة» in a story about Maiduguri: "the city". Medina is
            # «المدينة» alone only in a story about Saudi Arabia, and not when an adjective
            # follows («المدينة الترفيهية»: the amusement park).
            continue
        if (
            " ".join(key) in lx.not_places
            and a not in after_trigger
            and not club
            and not (written and _spelt_as_place(lx, written[a], [c.geonameid for c in cs]))
            and not _opens_dateline(gz, words, a, b, key, dateline)
            and best.kind == "city"
            and context.get(best.country, 0) == own.get((best.country, key), 0)
        ):
            # «في مشهد وصفه»: an ordinary word the tagger called LOC, in an article that
            # says nothing else of Iran, is the word ("a scene"), not Mashhad.
            continue
        if len(key) > 1 and key[0] == "محافظ":
            a, key = a + 1, key[1:]  # «محافظ مرات»: found with the governor, named without
        out.append(PlaceMention(a, b, key, best, club=bool(club or _club_ids(lx, key))))
    out += _with_preposition(gz, lx, words, {k for p in out for k in range(p.start, p.end)})
    local = localities(words, hits, mentions, out, foreign, written)
    found = out + local + short_names(words, out, local)
    found += _transliterated(gz, lx, words, hits, mentions, found, context)
    return sorted(found, key=_start)


# Indefinite nouns after which a word the gazetteer lacks may be looked up by its Latin
# name («بلدة سيليرينا»). Not «حي», «منطقة» or «مخيم»: districts and areas have no
# GeoNames entry of their own, and a same-named town elsewhere would be wrong.
_TRANSLIT_TRIGGERS = frozenset(
    {"مدينه", "بلده", "قريه", "محافظه", "ولايه", "اقليم", "مقاطعه", "ضاحيه", "بلدتي", "محافظتي"}
)  # fmt: skip
# Not «قضاء» (an Iraqi district) either: it is "spending" and "carrying out" as often
# («قضاء يوم كامل», «قضاء حوائجكم»).


def _known(gz: Gazetteer, span: Sequence[str]) -> bool:
    """The gazetteer has the name in some reading, with or without its article («المشهد»:
    «مشهد» is Mashhad, and the resolver read the word as the common noun on purpose)."""
    rest = tuple(span[1:])
    for form in readings(span[0]):
        if gz.names.get((form, *rest)):
            return True
        if form.startswith("ال") and gz.names.get((form[2:], *rest)):
            return True
    return False


def _transliterated(
    gz: Gazetteer,
    lx: Lexicon,
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    found: Sequence[PlaceMention],
    context: Counter[str],
) -> list[PlaceMention]:
    """Places no Arabic list names, found by the skeleton of their Latin GeoNames name
    (translit.py). Only names the gazetteer does not know in any reading (a known name the
    resolver left out was left out on purpose), and only where the text says it is a place:
    - after an indefinite settlement noun («بلدة فريندافان»), a place of a country the
      article names;
    - a span the tagger marks LOC, only with its country named right beside it («تيلبورغ في
      هولندا», «نيوفيغين بهولندا», «كينبنكبورت بولاية مين»): the tagger calls many a
      foreign word LOC («باركنغ», «رنجيت», «الكونكاكاف»), and the article's country alone
      gave those a village of that country."""
    n = len(words)
    blocked = {k for p in found for k in range(p.start, p.end)}
    # A word the tagger calls a person or an organisation is one, except one indefinite word
    # after a settlement noun («بلدة فريندافان»: the tagger guessed at a name it never saw).
    tagged = {k for m in mentions if m.type != "LOC" for k in range(m.start, m.end)}
    single = {m.start for m in mentions if m.end - m.start == 1}
    spans = [(m.start, m.end, False) for m in mentions if m.type == "LOC" and m.end - m.start <= 3]
    for h in hits:
        if (
            h.list == "loctrigger"
            and h.end - h.start == 1
            and h.form in _TRANSLIT_TRIGGERS
            and not _definite_reading(words[h.start], h)
        ):
            j = _past_quote(words, h.end)
            if j < n and village_name(words[j]):
                spans.append((j, j + 1, True))  # «بلدة سيليرينا», not «ولاية خامسة»
                if j in single and not words[j].startswith("ال"):
                    tagged.discard(j)
    if not spans:
        return []
    after_noun = {a for a, _, triggered in spans if triggered}
    out: list[PlaceMention] = []
    for a, b, triggered in sorted(spans, key=lambda s: not s[2]):
        if (
            b > n
            or (not triggered and a in after_noun)  # read once, as the noun's name
            or any(k in blocked or k in tagged for k in range(a, b))
            or not all(w.isalpha() for w in words[a:b])
            or _known(gz, words[a:b])
            or " ".join(words[a:b]) in lx.not_places
            or " ".join(words[a:b]) in lx.never_places
        ):
            continue
        countries = context if triggered else _countries_beside(gz, words, hits, found, b)
        if not countries:
            continue
        # The word as written first; a clitic comes off only when the whole word's skeleton
        # names no place («كولومبس» is Columbus, refused as ambiguous, not «ك» + Lampasas),
        # and never after a settlement noun («مدينة بولتزانو» is no «ب» + «ولتزانو»).
        rest = tuple(words[a + 1 : b])
        forms = [f for f in readings(words[a]) if words[a].endswith(f)]  # no restored «ال»
        if triggered:
            forms = forms[:1]
        form = next((f for f in forms if has_key(arabic_key((f, *rest)))), "")
        entry = choose(arabic_key((form, *rest)), countries) if form else None
        if entry is not None:
            entry = gz.entries.get(entry.geonameid, entry)
            out.append(PlaceMention(a, b, (form, *rest), entry))
            blocked.update(range(a, b))
    return out


_BESIDE = 4  # tokens after a name in which its country may be named («X في هولندا»)


def _countries_beside(
    gz: Gazetteer,
    words: Sequence[str],
    hits: Sequence[Hit],
    found: Sequence[PlaceMention],
    b: int,
) -> dict[str, int]:
    """Countries named right after a span ending at ``b``, in its sentence: a nationality adjective
    («الإيطالية») or a place (a country, a state, a city) the resolver found there."""
    end = b
    while end < min(len(words), b + _BESIDE) and (words[end].isalpha() or words[end] in ",،"):
        end += 1  # not past the sentence («مليون رنجيت. - صارت ماليزيا»)
    out: dict[str, int] = {}
    for p in found:
        if b <= p.start < end and p.entry.country and not p.local and not p.club:
            out[p.entry.country] = 1
    demonyms = gz.demonyms
    for h in hits:
        if h.list == "demonym" and b <= h.start < end:
            iso = next((demonyms[f] for f in match_forms(words[h.start]) if f in demonyms), "")
            if iso:
                out[iso] = 1
    return out


_IN = ("ب", "وب", "فب")  # «ب» ("in") with the conjunctions before it


@lru_cache(maxsize=4)
def _prep_forms(names: frozenset[str]) -> dict[str, str]:
    """Each written form of a `prep_names` name with «ب» before it -> the name."""
    return {p + n: n for n in names for p in _IN}


def _with_preposition(
    gz: Gazetteer, lx: Lexicon, words: Sequence[str], taken: set[int]
) -> list[PlaceMention]:
    """Places whose bare name is mostly a man's name or a word, written with «ب» («حادث
    مروري بعفيف», «بالشرائع»): places.yaml `prep_names`."""
    forms = _prep_forms(lx.prep_names)
    out = []
    for i in [i for i, w in enumerate(words) if w in forms]:  # a set test per word: cheap
        if i in taken:
            continue
        name = forms[words[i]]
        ids = gz.names.get((name,)) or gz.names.get(("محافظه", name))
        entry = gz.entries.get(ids[0]) if ids else None
        if entry is not None:
            out.append(PlaceMention(i, i + 1, (name,), entry))
    return out


def _dominant_country(cs: Sequence[GeoEntry]) -> str | None:
    """The country a name means when its other readings are towns too small to compete
    (``_COMPARABLE``): «لبنان» is Lebanon, not Lebanon, Tennessee, and names it as context
    («وصل إلى طرابلس قادما من لبنان»: Tripoli, Lebanon). Not when a region or an unknown
    population shares the name («جورجيا», the US state)."""
    country = next((c for c in cs if c.kind == "country"), None)
    if country is None:
        return None
    others = [c for c in cs if c is not country]
    if any(c.kind != "city" or not c.population for c in others):
        return None
    if country.population < _COMPARABLE * max(c.population for c in others):
        return None
    return country.country


def _district_names(
    words: Sequence[str],
    spans: Sequence[tuple[int, int, tuple[str, ...], int]],
    cands: Sequence[list[GeoEntry]],
    countries: Counter[str],
    via_city: Counter[str],
    anchors: Sequence[GeoEntry],
    own: Counter[tuple[str, tuple[str, ...]]],
) -> set[tuple[str, ...]]:
    """Names that «حي» introduces and that the gazetteer knows only as a city of a country
    the article says nothing else of, while it names places of another: districts of a city
    the article names. The name's other mentions in the article are that district too."""
    context = countries + via_city
    # A big city counts for its country though its name is ambiguous («الرياض» is also a
    # village in Egypt, Iraq and Sudan): «بحي الخالدية في الرياض» is Riyadh's district, not
    # Al-Khalidiyah, Jordan.
    big = {
        (a, top.country)
        for (a, _b, _k, _c), cs in zip(spans, cands, strict=True)
        if cs and (top := max(cs, key=_population)).population >= BIG_CITY
    }
    out: set[tuple[str, ...]] = set()
    for (a, _b, key, club), cs in zip(spans, cands, strict=True):
        if club or a == 0 or locality_noun(words[a - 1]) != "حي":
            continue
        best = max(cs, key=lambda c: _score(c, cs, countries, via_city, anchors))
        if (
            best.kind == "city"
            and context.get(best.country, 0) == own.get((best.country, key), 0)
            and (
                any(n for iso, n in context.items() if iso != best.country)
                or any(iso != best.country for k, iso in big if k != a)
            )
        ):
            out.add(_without_article(key))
    return out


# A valley or a mountain before its name: GeoNames gives El Oued, Algeria «وادي» and villages
# in Germany and Bulgaria «جبل», and the localities after them were hung on those.
_NAME_HEAD_NOUNS = frozenset({"وادي", "جبل"})


def _population(c: GeoEntry) -> int:
    return c.population


def _without_article(key: tuple[str, ...]) -> tuple[str, ...]:
    """«المحمدية» and «محمدية» (in «محمدية جدة», a construct) are one name."""
    return (key[0][2:], *key[1:]) if key[0].startswith("ال") and len(key[0]) > 4 else key


def _vocalised(lx: Lexicon, written: str, cs: list[GeoEntry]) -> list[GeoEntry]:
    """The candidates a vowel mark in the written word leaves («عُمان»: Oman, not Amman)."""
    word = written.replace("\u0640", "")
    for form, gid in lx.vocalised:
        if word.endswith(form):
            return [c for c in cs if c.geonameid == gid] or cs
    return cs


# Not «عاصمة» without the article: «عاصمة هولندا» is "the capital of the Netherlands", the
# country; «العاصمة تونس» is the city.
_CITY_NOUNS = frozenset({"مدينه", "العاصمه", "مطار", "ميناء"})


def _after_city_noun(words: Sequence[str], a: int, demonyms: set[int]) -> bool:
    """A city noun stands right before the name, or before a nationality adjective that
    stands before it («العاصمة التونسية تونس»)."""
    k = a - 1
    if k >= 0 and k in demonyms:
        k -= 1
    return k >= 0 and any(f in _CITY_NOUNS for f in readings(words[k]))


def _start(p: PlaceMention) -> int:
    return p.start


def _score(
    c: GeoEntry,
    cs: Sequence[GeoEntry],
    countries: Counter[str],
    via_city: Counter[str],
    anchors: Sequence[GeoEntry],
) -> tuple[float, int]:
    s = math.log10(c.population + 10)
    if len(cs) > 1:
        # GeoNames gives many districts no population (0): unknown, not small.
        if not c.population or c.population * _COMPARABLE >= max(x.population for x in cs):
            if countries.get(c.country, 0) > 0:
                s += _COUNTRY_BONUS
            elif via_city.get(c.country, 0) > 0:
                s += _CITY_COUNTRY_BONUS
        # Nearness to a place the article names is specific evidence, whatever the size:
        # «المنصورة» beside «عدن» is Aden's district, not the Egyptian city.
        if c.kind in _NEAR_KINDS and any(a is not c and km(a, c) <= _NEAR_KM for a in anchors):
            s += _NEAR_BONUS
    return s, c.population
