"""Learned site templates: extract a known site's pages without running trafilatura.

A news site renders every article with one template. After trafilatura has extracted a
few pages of a host, Rasid knows where that template keeps the body (a path of elements
from ``<body>``), which of the body's sub-blocks trafilatura drops (share bars, "read
also" boxes), and where the title comes from. Later pages of the host are read straight
from that element: the same text, without trafilatura's whole-page scoring.

This is wrapper induction with a safety net:

* a template is trusted only after ``learn_after`` pages in a row on which it reproduced
  trafilatura's text (token-bag F1 >= ``min_agreement``) and title;
* every ``verify_every``-th page of a trusted host still runs trafilatura, and a
  disagreement drops the template (the host starts learning again);
* a page where the path is missing, or which yields less text than the caller needs,
  goes to trafilatura as before.

The registry is in-memory state shared by a process (``rasid watch``, the WebSub server,
a long ``rasid run``); ``to_dict``/``from_dict`` let a caller persist it.
"""

from __future__ import annotations

import html
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


# Elements that start a new line of text; <br> too.
_BLOCK = _tags(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 "
    "h6 header hr li main ol p pre section table td th tr ul"
)
# Never article text, whatever the template says.
_SKIP = _tags(
    "script style noscript template svg iframe form button input select textarea nav object "
    "embed video audio canvas map head title meta link"
)
_PATH_PROBES = 12  # snippets of the body used to locate its container


Step = tuple[str, str, str, int]  # (tag, id, class, n-th sibling with that tag/id/class)


def _sig(el: Any) -> str:
    """A child block's signature: tag, id and class (what a template's CSS would name)."""
    tag, id_, cls = _key(el)
    return f"{tag}#{id_}.{cls}"


def _norm(text: str) -> str:
    return " ".join(text.split())


def text_lines(node: Any, drop: frozenset[str] = frozenset()) -> list[str]:
    """The text of ``node`` as trafilatura lays it out: one line per block, whitespace
    collapsed; script-like elements and blocks whose signature is in ``drop`` skipped."""
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag and tag not in _SKIP and _sig(el) not in drop:
            block = tag in _BLOCK
            if block:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
            if block:
                parts.append("\n")
        # comments, processing instructions and skipped elements: their text is not read,
        # their tail is (appended by the parent)

    walk(node)
    return [ln for ln in (_norm(x) for x in "".join(parts).split("\n")) if ln]


def _tokens(lines: Iterable[str]) -> Counter[str]:
    # "|" is how trafilatura draws table cells (a layout table around the article)
    return Counter(tok for ln in lines for tok in ln.split() if tok != "|")


def agreement(lines_a: Iterable[str], lines_b: Iterable[str]) -> float:
    """Token-bag F1 of two texts (1.0 = the same words, order aside)."""
    a, b = _tokens(lines_a), _tokens(lines_b)
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return 1.0 if na == nb else 0.0
    common = sum((a & b).values())
    return 2 * common / (na + nb)


# -- paths ----------------------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")


def _key(el: Any) -> tuple[str, str, str]:
    """Tag, id and class with digit runs folded: CMSs number ids per article (post-4711)."""
    return (
        el.tag,
        _DIGITS.sub("0", el.get("id") or ""),
        _DIGITS.sub("0", el.get("class") or ""),
    )


def _step(el: Any) -> Step:
    parent = el.getparent()
    key = _key(el)
    nth = 0
    if parent is not None:
        for sib in parent:
            if sib is el:
                break
            if isinstance(sib.tag, str) and _key(sib) == key:
                nth += 1
    return (*key, nth)


def path_to(el: Any, root: Any) -> tuple[Step, ...] | None:
    steps: list[Step] = []
    node = el
    while node is not None and node is not root:
        steps.append(_step(node))
        node = node.getparent()
    return tuple(reversed(steps)) if node is root else None


def follow(root: Any, path: tuple[Step, ...]) -> Any | None:
    node = root
    for *key, nth in path:
        want = tuple(key)
        seen = 0
        for child in node:
            if isinstance(child.tag, str) and child.tag == want[0] and _key(child) == want:
                if seen == nth:
                    node = child
                    break
                seen += 1
        else:
            return None
    return node


def _body(tree: Any) -> Any | None:
    if tree is None:
        return None
    if tree.tag == "body":
        return tree
    return tree.find(".//body")


def _owners(body: Any, probe: str) -> Iterator[Any]:
    """Elements whose own text, or one of whose children's tails, contains ``probe``."""
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        if el.text and probe in _norm(el.text):
            yield el
        for child in el:
            if child.tail and probe in _norm(child.tail):
                yield el
                break


def _ancestors(el: Any) -> list[Any]:
    out = []
    while el is not None:
        out.append(el)
        el = el.getparent()
    return out


def _lca(elements: list[Any]) -> Any | None:
    if not elements:
        return None
    common = _ancestors(elements[0])
    for el in elements[1:]:
        anc = set(map(id, _ancestors(el)))
        common = [a for a in common if id(a) in anc]
    return common[0] if common else None


def _probes(lines: list[str], width: int = 24) -> list[str]:
    """Distinctive snippets of the body: the start, middle and end of its first, last and
    longest lines. Short, so most fall inside one text node even where trafilatura joined
    several elements into one line."""
    cells = [c for ln in lines for c in (x.strip("| ") for x in ln.split(" | ")) if c]
    if not cells:
        return []
    picked = dict.fromkeys([cells[0], cells[-1], *sorted(cells, key=len, reverse=True)[:3]])
    out: list[str] = []
    for ln in picked:
        if len(ln) <= width:
            spots = [ln]
        else:
            cuts = (0, (len(ln) - width) // 2, len(ln) - width)
            spots = [ln[c : c + width].strip() for c in cuts]
        out.extend(sp for sp in spots if len(sp) >= 12 and sp not in out)
    return out[:_PATH_PROBES]


# Where a text sits in a paragraph-level element, the body container is its nearest
# ancestor that is not one: a one-paragraph article and a ten-paragraph one of the same
# template then give the same path.
_INLINE = _tags(
    "a abbr b big blockquote br cite code em font h1 h2 h3 h4 h5 h6 i li mark p pre q s small "
    "span strong sub sup u"
)


def _container(el: Any) -> Any:
    while el.tag in _INLINE and el.getparent() is not None and el.getparent().tag != "html":
        el = el.getparent()
    return el


@dataclass(frozen=True)
class Evidence:
    """What one page, extracted by trafilatura, says about its host's template."""

    path: tuple[Step, ...]
    drop: frozenset[str]
    title_rule: str
    kept: frozenset[str] = frozenset()  # sub-block signatures that held body text


def title_candidates(tree: Any, body: Any, og_title: str | None) -> dict[str, str]:
    """Where a template may keep the title; entity-escaped text is unescaped, as
    trafilatura does."""
    out: dict[str, str] = {}
    if og_title:
        out["og"] = _norm(html.unescape(og_title))
    h1 = body.find(".//h1")
    if h1 is not None:
        out["h1"] = _norm(html.unescape(h1.text_content()))
    title = tree.find(".//title")
    if title is not None and title.text:
        full = _norm(html.unescape(title.text))
        out["title"] = full
        for sep in (" | ", " - ", " – ", " — ", " :: ", " « "):
            if sep in full:
                out["title-head"] = full.split(sep)[0].strip()
                break
    return out


def induce(
    tree: Any, body_text: str, title: str, og_title: str | None, min_agreement: float
) -> Evidence | None:
    """Find the element holding trafilatura's ``body_text`` and the sub-blocks it dropped;
    None when no single element reproduces the text closely enough."""
    body = _body(tree)
    lines = [ln for ln in (_norm(x) for x in body_text.splitlines()) if ln]
    if body is None or not lines:
        return None
    owners: list[Any] = []
    for probe in _probes(lines):
        found = list(_owners(body, probe))
        if len(found) != 1:  # absent, or repeated (a teaser, a "most read" list): no anchor
            continue
        owners.append(found[0])
    container = _lca(owners) if len(owners) >= 2 else None
    if container is None:
        return None
    container = _container(container)
    path = path_to(container, body)
    if path is None:
        return None
    drop, kept = _dropped_blocks(container, _tokens(lines))
    if agreement(text_lines(container, drop), lines) < min_agreement:
        return None
    wanted = _norm(title)
    rule = next((k for k, v in title_candidates(tree, body, og_title).items() if v == wanted), "")
    if not rule:
        return None
    return Evidence(path=path, drop=drop, title_rule=rule, kept=kept)


def _dropped_blocks(
    container: Any, kept: Counter[str], depth: int = 3
) -> tuple[frozenset[str], frozenset[str]]:
    """Signatures of sub-blocks (down to ``depth`` levels) whose words trafilatura did not
    keep, and that never hold kept text elsewhere in the container. Judged by words, not
    lines: trafilatura joins table cells and inline blocks into one line. Also returns the
    signatures that held kept text."""
    kept_sigs: set[str] = set()
    dropped: set[str] = set()
    frontier = [(child, 1) for child in container if isinstance(child.tag, str)]
    while frontier:
        el, d = frontier.pop()
        if el.tag in _SKIP or el.tag == "br":
            continue
        words = list(_tokens(text_lines(el)).elements())
        if not words:
            continue
        share = sum(w in kept for w in words) / len(words)
        if share <= 0.3:
            dropped.add(_sig(el))
            continue
        if share >= 0.9:
            kept_sigs.add(_sig(el))
        if d < depth:
            frontier.extend((c, d + 1) for c in el if isinstance(c.tag, str))
    return frozenset(dropped - kept_sigs), frozenset(kept_sigs)


# -- the registry ---------------------------------------------------------------------------
@dataclass
class Template:
    path: tuple[Step, ...]
    drop: frozenset[str]
    title_rule: str


@dataclass
class _Host:
    template: Template | None = None
    candidate: Evidence | None = None
    streak: int = 0
    drops: set[str] = field(default_factory=set)
    kept: set[str] = field(default_factory=set)
    since_check: int = 0
    misfits: int = 0
    stats: Counter[str] = field(default_factory=Counter)


@dataclass
class TemplateResult:
    body: str
    title: str


class SiteTemplates:
    """Per-host templates learned from trafilatura's output (see the module docstring)."""

    def __init__(
        self,
        *,
        learn_after: int = 3,
        verify_every: int = 20,
        min_agreement: float = 0.97,
        max_hosts: int = 5000,
    ) -> None:
        self.learn_after = learn_after
        self.verify_every = verify_every
        self.min_agreement = min_agreement
        self.max_hosts = max_hosts
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> _Host:
        h = self._hosts.get(host)
        if h is None:
            if len(self._hosts) >= self.max_hosts:
                self._hosts.pop(next(iter(self._hosts)))  # oldest host first
            h = self._hosts[host] = _Host()
        return h

    def extract(self, host: str, tree: Any, og_title: str | None) -> TemplateResult | None:
        """The page's body and title by its host's template, or None: no trusted template,
        the page does not fit it, or this page is due for a check against trafilatura."""
        with self._lock:
            h = self._hosts.get(host)
            if h is None or h.template is None:
                return None
            h.since_check += 1
            if h.since_check >= self.verify_every:
                h.since_check = 0
                h.stats["checks"] += 1
                return None
            tpl = h.template
        body = _body(tree)
        node = follow(body, tpl.path) if body is not None else None
        title = (
            title_candidates(tree, body, og_title).get(tpl.title_rule) if node is not None else None
        )
        if node is None or not title:
            with self._lock:
                h.stats["misses"] += 1
            return None
        with self._lock:
            h.stats["used"] += 1
        return TemplateResult(body="\n".join(text_lines(node, tpl.drop)), title=title)

    def observe(
        self, host: str, tree: Any, body_text: str, title: str, og_title: str | None
    ) -> None:
        """Learn from, or check against, a page trafilatura has just extracted."""
        with self._lock:
            h = self._host(host)
            tpl = h.template
        if tpl is not None:
            body = _body(tree)
            node = follow(body, tpl.path) if body is not None else None
            with self._lock:
                if node is None:
                    # Another page type (a gallery, a video) misses now and then; a
                    # redesign misses every time, and then the host learns again.
                    h.misfits += 1
                    if h.misfits >= self.learn_after:
                        self._forget(h)
                    return
                h.misfits = 0
            lines = [ln for ln in (_norm(x) for x in body_text.splitlines()) if ln]
            if agreement(text_lines(node, tpl.drop), lines) < self.min_agreement:
                with self._lock:
                    self._forget(h)
            return
        ev = induce(tree, body_text, title, og_title, self.min_agreement)
        with self._lock:
            if ev is None:
                h.candidate, h.streak, h.drops, h.kept = None, 0, set(), set()
                return
            same = h.candidate is not None and (h.candidate.path, h.candidate.title_rule) == (
                ev.path,
                ev.title_rule,
            )
            if same:
                h.streak += 1
                h.drops |= ev.drop
                h.kept |= ev.kept
            else:
                h.candidate, h.streak, h.drops, h.kept = ev, 1, set(ev.drop), set(ev.kept)
            if h.streak >= self.learn_after:
                # A block dropped on one page but holding body text on another (a plain
                # <p> that was a disclaimer once) must not be skipped.
                h.template = Template(ev.path, frozenset(h.drops - h.kept), ev.title_rule)
                h.since_check = 0
                h.stats["learned"] += 1

    @staticmethod
    def _forget(h: _Host) -> None:
        h.template, h.candidate, h.streak, h.misfits = None, None, 0, 0
        h.drops, h.kept = set(), set()
        h.stats["dropped"] += 1

    def is_trusted(self, host: str) -> bool:
        h = self._hosts.get(host)
        return h is not None and h.template is not None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            total: Counter[str] = Counter()
            for h in self._hosts.values():
                total.update(h.stats)
            return {
                "hosts": len(self._hosts),
                "trusted": sum(h.template is not None for h in self._hosts.values()),
                **total,
            }

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                host: {
                    "path": [list(s) for s in h.template.path],
                    "drop": sorted(h.template.drop),
                    "title_rule": h.template.title_rule,
                }
                for host, h in self._hosts.items()
                if h.template is not None
            }

    def load(self, data: dict[str, Any]) -> None:
        """Trust templates saved by ``to_dict`` (a restart keeps what the process learned)."""
        with self._lock:
            for host, t in data.items():
                try:
                    path = tuple((str(a), str(b), str(c), int(d)) for a, b, c, d in t["path"])
                    tpl = Template(path, frozenset(map(str, t["drop"])), str(t["title_rule"]))
                except (KeyError, TypeError, ValueError):
                    continue  # a damaged entry is relearned, not trusted
                self._host(host).template = tpl
