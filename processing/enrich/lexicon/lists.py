"""The curated lists and the place gazetteer as one phrase index, built once per process.

One index, one pass over the text: every list (countries, cities, titles, persons, cue verbs…)
is found in the same walk, so adding a list does not add a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from processing.enrich.gazetteer import gazetteer, regions
from processing.enrich.lexicon import load_yaml
from processing.enrich.phrases import PhraseIndex, key_of
from processing.normalize import normalize

# Cities above this population are "well known", a separate feature from villages, whose
# Arabic names are often ordinary words.
BIG_CITY = 100_000
# Curated regions are found like countries, seas and macro-regions like continents: well
# known, no tagger evidence needed (their ordinary-word names are marked weak in the file).
_REGION_LIST = {"region": "country", "area": "country", "sea": "continent", "macro": "continent"}


class Hit(NamedTuple):
    start: int  # token index
    end: int  # exclusive
    list: str
    payload: str  # canonical name (person, org), lemma (cue), "" otherwise
    stripped: bool  # matched after removing a proclitic from the first word
    form: str = ""  # the reading of the first word that matched


@dataclass(slots=True)
class Lexicon:
    index: PhraseIndex[tuple[str, str]] = field(default_factory=PhraseIndex)
    not_places: frozenset[str] = frozenset()  # need the tagger or a trigger word
    never_places: frozenset[str] = frozenset()  # never a place (directions, adjectives)
    # A name followed by one of these words is an idiom, not the place («مسقط رأس»).
    not_before: dict[str, frozenset[str]] = field(default_factory=dict)
    # A name after one of these words is an idiom, not the place («صلاة المغرب»).
    not_after: dict[str, frozenset[str]] = field(default_factory=dict)
    home_words: frozenset[str] = frozenset()  # governorates named by an ordinary word
    colour_names: frozenset[str] = frozenset()  # cities named by a colour adjective
    # Places whose bare name is mostly something else, written with «ب» («بعفيف»).
    prep_names: frozenset[str] = frozenset()
    # A vowel mark the writer added that picks one of a name's places («عُمان», «عمّان»):
    # (written form without tatweel, GeoNames id).
    vocalised: tuple[tuple[str, int], ...] = ()
    # Towns under 100k found like big cities (places.yaml `well_known`).
    well_known: frozenset[tuple[str, ...]] = frozenset()
    # Newspapers named like a city («الرياض», «المدينة»): in quotes they are the paper.
    newspapers: frozenset[str] = frozenset()
    extra: set[str] = field(default_factory=set)  # names of lists added by a trained model

    def add(self, phrase: str | Sequence[str], list_name: str, payload: str = "") -> None:
        key = key_of(phrase) if isinstance(phrase, str) else tuple(phrase)
        if key:
            self.index.add(key, (list_name, payload))

    def add_list(self, name: str, phrases: Sequence[str]) -> None:
        """Add a whole list once (a trained model's own gazetteers). A one-word entry that
        is a preposition and the article before a known place («بالخرج» in ANERGazet's
        persons) is noise, and it would hide the place: the index gives a word's least
        stripped reading, so the whole form would match instead of «الخرج»."""
        if name in self.extra:
            return
        self.extra.add(name)
        for p in phrases:
            key = key_of(p)
            if len(key) == 1 and self._hides_a_place(key[0]):
                continue
            self.add(p, name)

    def _hides_a_place(self, word: str) -> bool:
        for prefix, keep in _PREP_ARTICLE:
            if word.startswith(prefix) and len(word) > len(prefix) + 2:
                bare = keep + word[len(prefix) :]
                if any(n in PLACE_LISTS for n, _ in self.index.get((bare,))):
                    return True
        # A clitic on a country's name: ANERGazet's organisations have «بروسيا» (Borussia),
        # which would hide «بروسيا» "in Russia" («كأس العالم 2018 بروسيا»). Only countries:
        # «كريم», «باراك», «فيينا» also read as a clitic and a town, and are names.
        if word[:1] in _SINGLE_CLITICS and len(word) > 3:
            return any(n == "country" for n, _ in self.index.get((word[1:],)))
        return False

    def scan(self, words: Sequence[str]) -> list[Hit]:
        """All matches of all lists over normalised words (overlaps included)."""
        return [
            Hit(start, end, name, payload, stripped, form)
            for start, end, values, stripped, form in self.index.spans(words)
            for name, payload in values
        ]

    def lookup(self, key: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return self.index.get(key)


# A preposition (with «و») and the article, and what is left of the article: «بالخرج» is
# «ب» + «الخرج», «للخرج» is «ل» + «الخرج».
_PREP_ARTICLE = (("وبال", "ال"), ("بال", "ال"), ("وال", "ال"), ("ولل", "ال"), ("لل", "ال"))
_SINGLE_CLITICS = frozenset("وفبلك")
# The lists that name places (a region's list is named by its kind).
PLACE_LISTS = frozenset({"country", "continent", "bigcity", "city"})


def longest(hits: Sequence[Hit], lists: frozenset[str] | set[str]) -> list[Hit]:
    """Longest non-overlapping hits among the given lists, left to right."""
    chosen: list[Hit] = []
    cands = sorted((h for h in hits if h.list in lists), key=lambda h: (h.start, h.start - h.end))
    last = -1
    for h in cands:
        if h.start >= last:
            chosen.append(h)
            last = h.end
    return chosen


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    gz = gazetteer()
    lx = Lexicon()
    places = load_yaml("places.yaml")
    weak = [w for r in regions() for w in r.get("weak") or ()]
    lx.not_places = frozenset(normalize(w) for w in [*(places.get("not_places") or []), *weak])
    lx.never_places = frozenset(normalize(w) for w in places.get("never_places") or [])
    lx.not_before = {
        normalize(name): frozenset(normalize(w) for w in nxt)
        for name, nxt in (places.get("not_before") or {}).items()
    }
    lx.home_words = frozenset(normalize(w) for w in places.get("home_words") or [])
    lx.colour_names = frozenset(normalize(w) for w in places.get("colour_names") or [])
    lx.prep_names = frozenset(normalize(w) for w in places.get("prep_names") or [])
    lx.not_after = {
        normalize(name): frozenset(normalize(w) for w in prev)
        for name, prev in (places.get("not_after") or {}).items()
    }
    lx.vocalised = tuple(
        (form.replace("\u0640", ""), int(gid))
        for gid, forms in (places.get("vocalised") or {}).items()
        for form in forms
    )
    lx.newspapers = frozenset(normalize(w) for w in places.get("newspapers") or [])
    # Towns the corpus names as often as big cities (places.yaml `well_known`): found like them.
    well_known = {key_of(normalize(n)) for n in places.get("well_known") or []}
    lx.well_known = frozenset(well_known)
    for key in gz.names.phrases():
        if " ".join(key) in lx.never_places:
            continue
        ents = [gz.entries[g] for g in gz.names.get(key)]
        kinds = {e.kind for e in ents}
        if "country" in kinds:
            lx.add(key, "country")
        elif "continent" in kinds:
            lx.add(key, "continent")
        elif region := next((_REGION_LIST[k] for k in sorted(kinds) if k in _REGION_LIST), None):
            lx.add(key, region)
        elif max(e.population for e in ents) >= BIG_CITY or key in well_known:
            lx.add(key, "bigcity")
        else:
            lx.add(key, "city")
    for d in gz.demonyms:
        lx.add((d,), "demonym")
    # Clubs named after a place (clubs.yaml): payload is the home city's GeoNames id. Clubs
    # whose bare name is an ordinary word («العين», «هجر») are a list of their own, taken
    # only in a sports context (places.py).
    clubs = load_yaml("clubs.yaml")
    for list_name, yaml_key in (("club", "clubs"), ("wordclub", "word_clubs")):
        for gid, club_names in (clubs.get(yaml_key) or {}).items():
            if int(gid) in gz.entries:
                for n in club_names:
                    lx.add(n, list_name, str(gid))

    titles = load_yaml("titles.yaml")
    for list_name, yaml_key in (
        ("title", "person_titles"),
        ("loctrigger", "place_triggers"),
        ("orghead", "org_heads"),
    ):
        for p in titles.get(yaml_key) or []:
            lx.add(p, list_name)
    for p in load_yaml("names.yaml").get("first_names") or []:
        lx.add(p, "fname")
    for list_name, file, yaml_key in (
        ("person", "persons.yaml", "persons"),
        ("org", "orgs.yaml", "orgs"),
    ):
        for canon, aliases in (load_yaml(file).get(yaml_key) or {}).items():
            for a in [canon, *(aliases or [])]:
                lx.add(a, list_name, canon)
    for lemma, forms in (load_yaml("cues.yaml").get("cues") or {}).items():
        for f in [lemma, *(forms or [])]:
            lx.add(f, "cue", lemma)
    return lx
