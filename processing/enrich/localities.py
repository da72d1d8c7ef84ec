"""Localities the gazetteer lacks (districts, wadis, parks, villages), placed at the city or
governorate the article names near them, marked approximate; and the short name that
refers back to a city the article has named in full («المدينة» after «المدينة المنورة»)."""

from __future__ import annotations

from collections.abc import Sequence

from processing.enrich.gazetteer import gazetteer
from processing.enrich.lexicon.lists import Hit, Lexicon, lexicon
from processing.enrich.ner import Mention
from processing.enrich.phrases import readings
from processing.enrich.place_mention import PlaceMention, haversine
from processing.enrich.place_words import (
    PREP_CLITICS,
    PREPS,
    QUOTES,
    SEPARATORS,
    SHORT_NAMES,
    TITLES,
    bare_written,
    general_hospitals,
    prev_word,
    weak_regions,
)


def short_names(
    words: Sequence[str], found: Sequence[PlaceMention], local: Sequence[PlaceMention]
) -> list[PlaceMention]:
    """«المدينة» alone is "the city"; in an article that names «المدينة المنورة», it is
    Medina (the article's city), as a reader takes it, unless an adjective follows it
    («المدينة الصناعية»)."""
    full = {SHORT_NAMES[p.key]: p for p in found if p.key in SHORT_NAMES}
    if not full:
        return []
    taken = {k for p in (*found, *local) for k in range(p.start, p.end)}
    out = []
    for i, w in enumerate(words):
        if i in taken:
            continue
        short = next((f for f in readings(w) if f in full), None)
        if short is None or (i + 1 < len(words) and words[i + 1].startswith("ال")):
            continue  # «المدينة الصناعية», «المدينة الجامعية»: another city, described
        if i > 0 and words[i - 1] in QUOTES:
            continue  # «وأضاف الأهالي «للمدينة»»: the newspaper
        if any(f in _COUNTRYSIDE for w in words[max(0, i - 4) : i] for f in readings(w)):
            continue  # «نزل من القرية إلى المدينة»: the town against the village
        out.append(PlaceMention(i, i + 1, (short,), full[short].entry))
    return out


# "The village", "the countryside": «المدينة» soon after one is "the town", set against it.
_COUNTRYSIDE = frozenset({"القريه", "الريف", "الباديه"})


# Nouns that introduce a locality inside a city or a region («حي النشوة», «منطقتي أبوشيبة
# والهيرة», «مخططات شوران»). Normalised. The dual and plural ones introduce a list.
_LOCAL_ONE = frozenset(
    {"حي", "منطقه", "بلده", "قريه", "مخطط", "وادي", "مخيم", "بلديه", "متنزه", "منتزه", "ناحيه",
     "مديريه", "حاره"}
)  # fmt: skip


_LOCAL_MANY = frozenset(
    {"منطقتي", "احياء", "مخططات", "بلدات", "قري", "مخيمات", "قريتي", "بلدتي", "حيي", "بلديات",
     "مديريات", "مديريتي"}
)  # fmt: skip


# Duals name two places («قريتي نبل والزهراء»); with one word after them they are the noun
# with "my" («قريتي الوديعة»: my gentle village).
_DUALS = frozenset({"منطقتي", "قريتي", "بلدتي", "حيي", "مديريتي"})


# Parks are named after places («متنزه السودة») and after people («متنزه الملك عبدالعزيز»):
# only the first kind names a locality.
_PARKS = frozenset({"متنزه", "منتزه"})


# Written forms that normalisation folds into a locality noun: «إحياء» (reviving) is not
# «أحياء» (districts) once the hamza is dropped, nor «وأدى» (and he performed) «وادي».
_NOT_NOUN = frozenset({"إحياء", "أدى"})  # «وأدى الصلاة»: he performed, not «وادي»


# Kinds of place a locality can lie in: a city, or an area as small as a governorate (a
# first-level region's centre may be hundreds of km off).
_ANCHOR_KINDS = frozenset({"city", "area"})


# After these, a name needs the tagger's word for it or quotes: they are followed by a
# description as often as by a name («منطقة جميلة», «منطقة الحفل»).
_WEAK = frozenset({"منطقه", "مخطط", "مخططات"})  # «مخططات التقسيم»: partition plans


_ANCHOR_TOKENS = 80  # how far (in tokens) a locality looks for the city it belongs to


_MAX_LIST = 6


def localities(
    words: Sequence[str],
    hits: Sequence[Hit],
    mentions: Sequence[Mention],
    resolved: Sequence[PlaceMention],
    foreign: Sequence[tuple[int, int]],
    written: Sequence[str] = (),
) -> list[PlaceMention]:
    """Localities the gazetteer lacks, placed at the nearest city the article names.

    Three kinds of evidence, each specific enough on its own:
    - a locality noun introduces the name («حي الشقة», «قريتي الفوعة وكفريا»);
    - the name is an item of a comma list that names at least two of the article's cities
      («المنصورة، والشيخ عثمان، والبريقة، ودار سعد»: Aden's districts);
    - the gazetteer knows the name only in another country than the article's, and the
      tagger marks it LOC or a trigger precedes it («العزيزية» in a Medina story).
    A name the tagger marks LOC is not enough by itself: regions, states and clubs
    («الشرق الأوسط», «كاليفورنيا», «سان جيرمان») are LOC too, and a city's coordinates
    would be wrong for them. The locality gets the coordinates of the nearest city named
    within ``_ANCHOR_TOKENS`` tokens (before it on a tie), and is dropped when there is
    none: a country's centre would be hundreds of km off."""
    cities = [p for p in resolved if p.entry.kind in _ANCHOR_KINDS and not p.club]
    if not cities:
        return []
    regional = frozenset(p.start for p in cities if p.start and words[p.start - 1] in _REGION_NOUNS)
    lx = lexicon()
    taken = {k for p in resolved for k in range(p.start, p.end)}
    mention_at = {m.start: m for m in mentions if m.type != "ORG"}
    listed = {h.start for h in hits if h.list in ("country", "continent")}
    demonym_at = {h.start for h in hits if h.list == "demonym"}
    titles = {h.start for h in hits if h.list == "title"}
    # span -> whether a strong locality noun («حي», «قرية») introduced it
    spans: dict[tuple[int, int], bool] = dict.fromkeys(foreign, False)
    # spans after «ناحية» or «مديرية»: districts of the countries that call them so
    district_in: dict[tuple[int, int], frozenset[str]] = {}
    country_of: dict[tuple[int, int], str] = {}  # «بلدة سرمدا السورية»: in Syria
    n = len(words)

    def name_at(
        j: int,
        weak: bool,
        conj: bool = False,
        bare_ok: bool = False,
        titled: bool = False,
        village: bool = False,
    ) -> int | None:
        """The end of the name starting at token j, or None if no name starts there.
        ``conj``: a later item of a list, whose «و» may be attached («والمنسك»).
        ``bare_ok``: an indefinite name is a name too («وناحية كنعان»).
        ``titled``: a name may start with a title («حي الشيخ رضوان», «حي الملك فهد»), or be
        a nationality's word («حي السويدي»: the indefinite «حي» has no definite adjective).
        ``village``: after «قرية» or «بلدة», an indefinite word that cannot be an adjective
        agreeing with them is a name."""
        quoted = j > 0 and words[j - 1] in QUOTES
        m = mention_at.get(j)
        if (
            j >= n
            or not words[j].isalpha()
            or j in listed
            or (j in titles and not titled)
            or (j in demonym_at and not titled)
        ):
            return None
        w = _bare(words[j], conj)
        if weak and m is not None and m.type != "LOC":
            m = None  # «منطقة جميلة تكسوها الخضرة» tagged MISC is still a description
        village_name = (
            m is None
            and not quoted
            and village
            and not weak
            and (_village_name(w) or (w in _NAME_HEADS and j + 1 < n and words[j + 1].isalpha()))
            and (conj or not words[j].startswith("و"))  # «بلدات وأعدم»: the next clause
        )
        if village_name:
            bare_ok = True  # «بلدة كفريا», «قرية مديرا»: no adjective agrees in that form
        if m is None and not quoted and (weak or not (w.startswith("ال") or bare_ok)):
            # «منطقة صحراوية», «قرية هادئة»: a description. Names after these nouns are
            # definite («حي الشقة») unless the tagger or quotes say otherwise.
            return None
        end = m.end if m is not None and m.end - j <= 3 else j + 1
        if village_name and w in _NAME_HEADS and j + 1 < n and words[j + 1].isalpha():
            end = j + 2  # «قرية ابن نومة», «بلدة بيت سوى»
        if j in titles and j + 1 < n and words[j + 1].isalpha():
            end = j + 2  # the title and the name after it
        if quoted and m is None:  # «منطقة "دار سعد"»: the name runs to the closing quote
            close = next((k for k in range(j + 1, min(n, j + 4)) if words[k] in QUOTES), None)
            if close is not None and all(words[k].isalpha() for k in range(j, close)):
                end = close
        if end < n and words[end].startswith("ال") and any(c.isdigit() for c in words[end]):
            end += 1  # «منطقة جسر الـ27»
        return end

    for i, w in enumerate(words):
        noun = locality_noun(w)
        if noun is None or (written and _not_noun(written[i])):
            continue
        if w == "وحي" and i > 0 and words[i - 1] == "من":
            continue  # «من وحي الجواهر»: inspired by, not «و+حي»
        if noun == "ناحيه" and not _district_nahia(words, i):
            continue
        village = noun in _VILLAGE_NOUNS | _DIRECTORATES and _one_village(words, written, i)
        # After a clitic or a noun of people («وناحية كنعان», «أبناء ناحية»), «ناحية» is
        # only the district, whose names are often indefinite; after «في» it can be a side.
        bare_ok = noun == "ناحيه" and (w != "ناحيه" or (i > 0 and words[i - 1] in _NAHIA_PEOPLE))
        j = i + 1
        items: list[tuple[int, int]] = []
        for k in range(_MAX_LIST if noun in _LOCAL_MANY else 1):
            while j < n and words[j] in QUOTES:
                j += 1
            if k and not (j < n and words[j].startswith("و")):
                break
            if k and words[j] == "و":
                j += 1
                while j < n and words[j] in QUOTES:
                    j += 1
            end = name_at(
                j,
                noun in _WEAK,
                conj=k > 0,
                bare_ok=bare_ok,
                titled=noun == "حي",
                village=village,
            )
            if end is None:
                break
            m = mention_at.get(j)
            if noun in _PARKS and (words[j] in TITLES or (m is not None and m.type == "PER")):
                break  # «متنزه الملك عبدالعزيز»: named after a person
            if noun in _DIRECTORATES and _bare(words[j], k > 0) in _OFFICES:
                break  # «مديرية أمن القاهرة», «مديرية الشؤون الصحية»: an office
            items.append((j, end))
            j = end
        if noun in _DUALS and len(items) == 1 and not _second_item(words, *items[0]):
            continue  # «في قريتي الصغيرة النائية»: "my village" and adjectives
        for span in items:
            spans[span] = noun not in _WEAK
            if village and (iso := _demonym_after(words, span[1])):
                country_of[span] = iso
            if noun in _DISTRICT_COUNTRIES:
                district_in[span] = _DISTRICT_COUNTRIES[noun]
    centres = _centres(words, resolved, cities, {m.start for m in mentions if m.type == "PER"})
    for span in centres:
        spans.setdefault(span, True)
    for span in _list_items(words, cities, mention_at):
        spans.setdefault(span, False)
    for span in general_hospitals(words):  # «مستشفى السعيرة العام»
        spans.setdefault(span, False)
    out: list[PlaceMention] = []
    for (a, b), strong in sorted(spans.items()):
        if any(k in taken for k in range(a, b)):
            continue
        bare = words[a][1:] if words[a].startswith("و") and len(words[a]) > 3 else words[a]
        name = " ".join((bare, *words[a + 1 : b]))
        # A common word after «حي» or «قرية» is a name («حي الجزيرة», «حي النخيل»); after
        # «منطقة» it is a description or a region («منطقة الخليج»), and regions never are.
        common = bare in lx.not_places or name in lx.not_places
        if (
            len(bare) < 3
            or bare in _GENERIC
            or any(  # «بكورنيش الخفجي», «في قرية بولاية بورنو»
                words[a].startswith(c) and words[a][len(c) :] in _GENERIC | _ADMIN_NOUNS
                for c in _CLITICS
            )
            or bare in lx.never_places
            or (common and not strong)
            or (bare in _INSTITUTIONS and not strong)
            or bare in weak_regions()
            or name in weak_regions()
            or not bare.isalpha()
        ):
            continue
        if (a, b) in district_in:
            anchors = [p for p in cities if p.entry.country in district_in[(a, b)]]
        elif (a, b) in country_of:
            anchors = [p for p in cities if p.entry.country == country_of[(a, b)]]
        else:
            anchors = cities
        anchor = (
            centres.get((a, b))
            or _in_container(words, resolved, anchors, a, b)
            or _nearest(anchors, a, regional)
        )
        if anchor is None:
            continue
        out.append(PlaceMention(a, b, tuple(name.split()), anchor.entry, local=True))
        taken.update(range(a, b))
    return out + _repeats(words, out, taken, lx)


# Words before «ناحية» that make it Iraq's district, not "towards" or "in terms of" («يميل
# ناحية الاستقلال», «من ناحية التصميم»).
_NAHIA_PEOPLE = frozenset({"ابناء", "اهالي", "سكان", "مدير", "مركز", "قائممقام"})
_NAHIA_BEFORE = _NAHIA_PEOPLE | {"في"}


# «ناحية» names a district in Iraq and Syria; elsewhere it is "regarding" («لناحية الأداء»).
# «مديرية» is a district in Yemen («مديرية خولان», «مديريات نهم وبني حشيش»); elsewhere a
# directorate («مديرية أمن الجيزة», «مديرية الشؤون الصحية بجازان»).
_DIRECTORATES = frozenset({"مديريه", "مديريات", "مديريتي"})
_DISTRICT_COUNTRIES = {"ناحيه": frozenset({"IQ", "SY"})} | dict.fromkeys(
    _DIRECTORATES, frozenset({"YE"})
)
# Words after «مديرية» that name an office, not a district, even in a Yemeni story.
_OFFICES = frozenset(
    {"امن", "الامن", "حرس", "شرطه", "الشرطه", "الشؤون", "الصحه", "التربيه", "الزراعه",
     "المرور", "الدفاع", "الاوقاف", "المياه", "الكهرباء", "الاشغال", "السياحه", "العامه",
     "عام", "الاحوال", "الجوازات", "السجون", "الاعلام", "الماليه", "الضرائب"}
)  # fmt: skip


def _bare(word: str, conj: bool) -> str:
    """The word without the «و» of a later list item («وبني»)."""
    return word[1:] if conj and word.startswith("و") and len(word) > 3 else word


def _district_nahia(words: Sequence[str], i: int) -> bool:
    """«في ناحية البغدادي», «بناحية كفري», «أبناء ناحية البغدادي»: the district."""
    return words[i] != "ناحيه" or (i > 0 and words[i - 1] in _NAHIA_BEFORE)


# Feminine nouns for a settlement: an adjective after them ends in «ة» («قرية نائية») or
# «ى» («قرية أخرى»); a name need not («بلدة كفريا», «قرية شنف»).
_VILLAGE_NOUNS = frozenset({"قريه", "بلده", "قريتي", "بلدتي", "قري", "بلدات"})
# Words that follow such a noun and are no names: particles, pronoun forms, numbers, verbs of
# location and of the story («قرية تقع», «بلدة يقطنها», «قرية فيها»).
_AFTER_VILLAGE = frozenset(
    {"من", "عن", "مع", "في", "علي", "الي", "حيث", "كان", "كانت", "وكانت", "منها", "فيها",
     "بها", "لها", "عليها", "اليها", "عنها", "تقع", "يقع", "تبعد", "يقطنها", "يسكنها", "تضم",
     "بين", "قرب", "بالقرب", "شمال", "جنوب", "شرق", "غرب", "وسط", "داخل", "خارج", "نحو",
     "واحد", "اثنين", "ثلاث", "خمس", "عشر", "تدعي", "تسمي", "اسمها", "يقال", "غير", "كل",
     "مثل", "او", "ثم", "لكن", "بل", "قد", "لم", "لن", "اذ", "اذا", "ان", "انه", "انها", "الا",
     "فقط", "ايضا", "جديد", "جديده", "تاريخيه", "تراثيه", "كامل", "كامله", "باكملها",
     "معظم", "اغلب", "قبل", "بعد", "وفق", "بريف", "بمحيط", "بمنطقه", "بمحافظه", "موائد"}
)  # fmt: skip


# First words of two-word village names («ابن نومة», «بيت سوى», «تل شعير»).
_NAME_HEADS = frozenset(
    {"ابن", "ابو", "بني", "ام", "عين", "بئر", "تل", "جبل", "دير", "بيت", "كفر", "خربه",
     "راس", "سوق", "وادي", "عرب", "قصر", "بير", "كوم", "منيه", "خان", "دار"}
)  # fmt: skip


# Before «قرية»/«بلدة», these make it any village, not a named one («لكل قرية وفق»).
_ANY = frozenset({"كل", "لكل", "بكل", "وكل", "اي", "بضع", "عده", "بعض"})


def _one_village(words: Sequence[str], written: Sequence[str], i: int) -> bool:
    """Whether the village noun at i may introduce a name: not after «كل» or «بضع», and not
    «بلده» with a pronoun ("his country", «لبلده قبل خمسة أشهر»)."""
    if i > 0 and words[i - 1] in _ANY:
        return False
    return not (written and written[i].endswith("ه"))


def _demonym_after(words: Sequence[str], b: int) -> str | None:
    """The country of a nationality adjective right after a name («سرمدا السورية»)."""
    if b >= len(words) or not words[b].startswith("ال"):
        return None
    gz = gazetteer()
    return next((gz.demonyms[f] for f in readings(words[b]) if f in gz.demonyms), None)


def _village_name(w: str) -> bool:
    """Whether an indefinite word after «قرية»/«بلدة» reads as its name: three letters or
    more, no adjective ending, no particle or verb («تقع», «يقطنها»), no digits."""
    return (
        len(w) >= 3
        and w.isalpha()
        and not w.endswith(("ه", "ي", "ين", "ون", "ات"))
        and w not in _AFTER_VILLAGE
        and not w.startswith(("ي", "ت"))  # imperfect verbs («يعيش», «تعرضت»)
    )


def _second_item(words: Sequence[str], a: int, b: int) -> bool:
    """A dual's one name found is still one of two: a quoted pair in one span («بقريتي
    "الخلف والخليف"»), a quoted name, or an «و» word soon after it («منطقتي الفيوش وصبر»,
    «منطقتي الطاش الأول والطاش الثاني»), the second name not one we can read as a name."""
    if any(w.startswith("و") for w in words[a + 1 : b]) or (a > 0 and words[a - 1] in QUOTES):
        return True
    nxt = words[b : b + 2]
    return (bool(nxt) and nxt[0].startswith("و") and len(nxt[0]) > 2) or (
        len(nxt) == 2 and nxt[1].startswith("وال")  # an adjective between: «الطاش الأول»
    )


def _repeats(
    words: Sequence[str], found: Sequence[PlaceMention], taken: set[int], lx: Lexicon
) -> list[PlaceMention]:
    """Other mentions of a one-word locality the article has introduced («متنزه السودة»,
    then «بالسودة», «سوق السودة»): the same place. Only definite names of five letters or
    more that are no ordinary word, since a bare word («رجال», "men") recurs as itself."""
    names = {
        p.key[0]: p
        for p in found
        if len(p.key) == 1
        and p.key[0].startswith("ال")
        and len(p.key[0]) >= 5
        and p.key[0] not in lx.not_places
        and p.key[0] not in weak_regions()
    }
    if not names:
        return []
    out = []
    for i, w in enumerate(words):
        if i in taken or not any(n in w for n in names):  # cheap test first
            continue
        hit = next((names[f] for f in readings(w) if f in names), None)
        if hit is None:
            continue
        prefix = w[: len(w) - len(hit.key[0])]
        if prefix in PREP_CLITICS or prev_word(words, i) in PREPS | _WHERE_NOUNS:
            out.append(PlaceMention(i, i + 1, hit.key, hit.entry, local=True))
    return out


# Nouns for a kind of place, never a locality's name: «بلديات المنطقة» are the region's
# municipalities, «رئيس بلدية المحافظة» the governorate's mayor.
_GENERIC = frozenset(
    {"المنطقه", "المحافظه", "المدينه", "القريه", "القري", "البلده", "الحي", "الاحياء",
     "العاصمه", "المملكه", "الدوله", "الولايه", "الاقليم", "المركز", "الامانه", "البلديه",
     "الوادي", "الجبل", "المخيم", "المخطط", "المدن", "المحافظات", "المناطق", "البلدات",
     # shore words before a city's name («وكورنيش الخبر»), which GeoNames gives to villages
     # abroad; not «الشاطئ», «الكورنيش», «الساحل»: districts, a camp, a region are so named
     "كورنيش", "شاطئ", "شواطئ", "ساحل",
     # directions and a festival's grounds («بلدية الجنوب», «قرية المهرجان», «قرية الطفل»,
     # «قرية الأطفال», the children's village of the Eid festivals): no names
     "الجنوب", "الشمال", "الشرق", "الغرب", "الوسط", "المهرجان", "الطفل", "الاطفال",
     # «مخيمات الأمم المتحدة»: the organisation's camps; «مخيمات اللاجئين»: who live there
     "الامم", "اللاجئين", "النازحين",
     # «34 بلدة ريفية»: rural towns, no name
     "ريفيه"}
)  # fmt: skip

# Indefinite nouns of a division: with a clitic they begin a phrase that places the
# locality noun before them («في قرية بولاية بورنو», a village in Borno State), no name.
_ADMIN_NOUNS = frozenset({"ولايه", "محافظه", "منطقه", "مدينه", "اقليم", "مديريه", "مقاطعه"})

# Institutions in a list of them («وجامعة الباحة، والجامعة الإسلامية، وجامعة طيبة»); after
# a strong locality noun they are names («بلدية الجامعة»: Jeddah's al-Jami'ah district).
_INSTITUTIONS = frozenset(
    {"الجامعه", "جامعه", "الكليه", "كليه", "المستشفي", "مستشفي", "الوزاره", "وزاره"}
)


# Proclitics before a generic word, the article kept («بكورنيش», not «الكورنيش» → «كورنيش»).
_CLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")


# Words after which a locality's name stands for the place: «أعلى السودة», «أهالي القديح».
# A repeat elsewhere may be the ordinary word the name is made of: «حي الإسكان» is a
# district, «وزارة الإسكان» the housing ministry.
_WHERE_NOUNS = frozenset(
    {"اعلي", "اسفل", "قرب", "بالقرب", "شمال", "جنوب", "شرق", "غرب", "وسط", "اهالي", "سكان"}
)


def _list_items(
    words: Sequence[str], cities: Sequence[PlaceMention], mention_at: dict[int, Mention]
) -> list[tuple[int, int]]:
    """Unresolved items of comma lists that name at least two of the article's cities. An
    item after the first starts with «و» and is one or two words; it must look like a name:
    definite («والمعلا»), closed by the next comma («وكريتر،»), or marked by the tagger.
    That keeps «..، وقال» out."""
    n = len(words)
    at = {p.start: p for p in cities}
    seen: set[int] = set()
    out: list[tuple[int, int]] = []
    for p in cities:
        if p.start in seen:
            continue
        items = [(p.start, p.end, True)]
        pos = p.end
        while pos + 1 < n and words[pos] in SEPARATORS:
            j = pos + 1
            w = words[j]
            if not (w.startswith("و") and len(w) > 2 and w.isalpha()):
                break
            if j in at:
                seen.add(j)
                items.append((j, at[j].end, True))
                pos = at[j].end
                continue
            two = j + 2 < n and words[j + 1].isalpha() and words[j + 2] in SEPARATORS
            end = j + 2 if two else j + 1
            closed = end < n and words[end] in SEPARATORS | {".", "؛"}
            if not (w.startswith("وال") or closed or j in mention_at):
                break
            items.append((j, end, False))
            pos = end
        known = sum(1 for *_, ok in items if ok)
        if known >= 2 and 3 * known >= len(items):
            out += [(a, b) for a, b, ok in items if not ok]
    return out


# Every written form of a locality noun with a conjunction or preposition before it
# («ومنطقتي», «بحي»), but not with the article: «المنطقة الغربية» describes a region.
_NOUN_OF = {
    p + noun: noun
    for noun in _LOCAL_ONE | _LOCAL_MANY
    for p in ("", "و", "ب", "ف", "ل", "وب", "فب", "ول")
}


def locality_noun(word: str) -> str | None:
    """The locality noun a word is, with its clitics («بحي» -> «حي»), else None."""
    return _NOUN_OF.get(word)


def _not_noun(written: str) -> bool:
    """Whether the word as written, after at most two proclitic letters, is a form that only
    normalisation made a locality noun («لإحياء»)."""
    w = bare_written(written)
    return any(w[k:] in _NOT_NOUN for k in range(3))


# Words between a locality and the place the text puts it in («مديرية شقرة بمحافظة أبين»,
# «قرية الحبالة التابعة لمنطقة عسير»).
_CONTAINER_WORDS = frozenset(
    {"محافظه", "بمحافظه", "لمحافظه", "التابعه", "منطقه", "بمنطقه", "لمنطقه", "في", "ولايه",
     "بولايه", "لولايه"}
)  # fmt: skip
_CONTAINER_KM = 100.0  # a named city this close to a container region's point lies in it


# «مركز» with its clitics: a centre of Saudi local government (a governorate's subdivision,
# «مركز الصورة التابع لمحافظة ضباء») as often as a research, health or police centre.
_CENTRE_OF = frozenset(p + "مركز" for p in ("", "و", "ب", "ف", "ل", "وب", "فب", "ول"))
# Words that tie a centre to the governorate or city it belongs to or lies beside. Not «في»
# or a bare clitic: «مركز الكلى في محافظة خليص», «مركز القلب بالرياض» are a hospital's.
_CENTRE_TIES = frozenset(
    {"التابع", "شمال", "جنوب", "شرق", "غرب", "شمالي", "جنوبي", "شرقي", "غربي"}
)  # fmt: skip
_CENTRE_LINKS = _CONTAINER_WORDS | _CENTRE_TIES | {"لمحافظه", "بمحافظه"}
# Definite words after «مركز» that name what a centre does, not where it is.
_CENTRE_WORK = frozenset(
    {"الابحاث", "البحوث", "الدراسات", "التدريب", "التاهيل", "الرعايه", "التنميه", "النشاط",
     "الاسعاف", "الشرطه", "الدفاع", "الهلال", "الاعلام", "الاتصال", "العمليات", "القياده",
     "الكلي", "القلب", "الاورام", "السكر", "الغسيل", "الطوارئ", "الاستقبال", "التحكم",
     "الحي", "الشباب", "الطفوله", "الاسره", "الملك", "الامير", "الشيخ", "التكوين",
     "الابداع", "التوعيه", "التوجيه", "الارشاد", "الخدمات", "التسجيل", "الفحص", "التطوير",
     "السوق", "المعلومات", "الاحصاء", "الرصد", "الانذار", "المراقبه", "التوزيع", "الاصلاح",
     "المعارض", "المؤتمرات", "التسوق", "الترفيه", "الفعاليات", "الاحياء", "الحوار"}
)  # fmt: skip


def _centres(
    words: Sequence[str],
    resolved: Sequence[PlaceMention],
    anchors: Sequence[PlaceMention],
    persons: set[int],
) -> dict[tuple[int, int], PlaceMention]:
    """Saudi local-government centres the text ties to their governorate: «بمركز أشواق
    التابع لمحافظة ضباء», «مركز شقصان شمال الطائف». The name is one word, definite or a
    village's indefinite name; «مركز» with no such tie is any kind of centre, so nothing
    else is taken. Each is placed at the place it is tied to."""
    out: dict[tuple[int, int], PlaceMention] = {}
    n = len(words)
    for i in [i for i, w in enumerate(words) if w in _CENTRE_OF]:  # a set test per word
        j = i + 1
        name = words[j] if j < n else ""
        definite = name.startswith("ال")
        village = not definite and _village_name(name) and j not in persons
        # «مركز شواق بتبوك»: a village's name, then «ب» + the city it is in. Not for a
        # definite word («مركز القلب بالرياض») nor a participle («مركز متخصص بجدة»).
        in_city = (
            village
            and not (name.startswith("م") and len(name) >= 5)
            and j + 1 < n
            and words[j + 1].startswith("ب")
        )
        if (
            not name.isalpha()
            or name in _CENTRE_WORK
            or not (definite or village)
            or not (in_city or any(t in _CENTRE_TIES for t in words[j + 1 : j + 3]))
        ):
            continue
        box = _in_container(words, resolved, anchors, j, j + 1, _CENTRE_LINKS)
        if box is not None:
            out[(j, j + 1)] = box
    return out


def _in_container(
    words: Sequence[str],
    resolved: Sequence[PlaceMention],
    anchors: Sequence[PlaceMention],
    a: int,
    b: int,
    links: frozenset[str] = _CONTAINER_WORDS,
) -> PlaceMention | None:
    """The place the text names right after a locality as the one it lies in, when there is
    one: a city or an area itself; for a region (a governorate), the nearest named city
    within ``_CONTAINER_KM`` of it, else the region. The nearest city of the article may be
    in another governorate hundreds of km away («شقرة» of Abyan, near a Hajjah story)."""
    countries = {p.entry.country for p in anchors}
    box = next(
        (
            p
            for p in resolved
            if b <= p.start <= b + 3
            and p.entry.kind in ("city", "area", "region")
            and p.entry.country in countries
            and not p.club
            and all(w in links or w in QUOTES for w in words[b : p.start])
            and (p.start > b or (words[p.start][:1] in ("ب", "ل") and words[p.start] != p.key[0]))
        ),
        None,
    )
    if box is None or box.entry.kind != "region":
        return box
    e = box.entry
    near = [
        p for p in anchors if haversine(e.lat, e.lon, p.entry.lat, p.entry.lon) <= _CONTAINER_KM
    ]
    return _nearest(near, a) or box


# «بمنطقة تبوك»: a Saudi region named by its capital (normalised). A locality of an Umluj
# story lies in the region of Tabuk, not near the city, 300 km off.
_REGION_NOUNS = frozenset(c + "منطقه" for c in ("", "و", "ب", "ل", "وب", "ول"))


def _nearest(
    cities: Sequence[PlaceMention], at: int, regional: frozenset[int] = frozenset()
) -> PlaceMention | None:
    """The city named nearest to token ``at``, else the nearest area (a governorate): an
    area's centre is farther from its villages than its town's. A city named as its region
    («بمنطقة تبوك», starts in ``regional``) counts as an area."""
    near = [p for p in cities if abs(p.start - at) <= _ANCHOR_TOKENS]
    if not near:
        return None
    return min(
        near,
        key=lambda p: (
            p.entry.kind != "city" or p.start in regional,
            abs(p.start - at),
            p.start > at,
        ),
    )
