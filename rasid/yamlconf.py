"""Load YAML into pydantic models with errors that point at file:line.

Every config file of Rasid (feeds, alert rules, settings) goes through ``load_model`` so a
typo is reported as ``config/alerts.yaml:12: rules[3].keywords: Field required``. A key given
twice in one mapping is an error too, and ``23:00`` is text (not YAML 1.1's base-60 1380).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """One or more problems in a configuration file, each with its line number."""

    def __init__(self, path: str | Path, problems: list[tuple[int | None, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = [
            f"{self.path}:{line}: {msg}" if line else f"{self.path}: {msg}"
            for line, msg in problems
        ]
        super().__init__("\n".join(lines))


class FieldError(ValueError):
    """A ValueError raised by a model validator about one place inside the model.

    pydantic reports a model_validator's error at the model itself (``feeds:``), having no
    way to know which entry was meant; ``loc`` (relative to the validated model, e.g.
    ``("feeds", 3, "id")``) lets ``validate`` point at that entry's own line instead.
    """

    def __init__(self, msg: str, loc: tuple[int | str, ...]) -> None:
        super().__init__(msg)
        self.loc = loc


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping key and sequence item, and
    collects duplicate keys (PyYAML keeps the last one without a word)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[int | None, str]] = []


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _check_duplicates(loader: _LineLoader, node: yaml.MappingNode) -> None:
    """Record every key given twice in one mapping, at the second occurrence's line.

    Runs before ``construct_mapping``, which folds ``<<`` merge keys into the mapping: a key
    that overrides a merged one is the point of a merge, not a duplicate."""
    first: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        try:
            key = loader.construct_object(key_node, deep=True)
            hash(key)
        except (TypeError, yaml.YAMLError):
            continue  # an unhashable key: construct_mapping reports it
        line = key_node.start_mark.line + 1
        if key in first:
            loader.duplicates.append((line, f"duplicate key {key!r} (first at line {first[key]})"))
        else:
            first[key] = line


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    _check_duplicates(loader, node)
    mapping = loader.construct_mapping(node, deep=True)
    lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        lines[key] = (key_node.start_mark.line + 1, value_node.start_mark.line + 1)
    return _Lined(mapping, lines, node.start_mark.line + 1)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> list[Any]:
    items = loader.construct_sequence(node, deep=True)
    return _LinedList(items, [n.start_mark.line + 1 for n in node.value], node.start_mark.line + 1)


class _Lined(dict):  # type: ignore[type-arg]
    def __init__(self, data: dict[Any, Any], lines: dict[Any, tuple[int, int]], line: int) -> None:
        super().__init__(data)
        self.lines = lines
        self.line = line


class _LinedList(list):  # type: ignore[type-arg]
    def __init__(self, data: list[Any], lines: list[int], line: int) -> None:
        super().__init__(data)
        self.lines = lines
        self.line = line


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int | str:
    # YAML 1.1 reads an unquoted 23:00 as the base-60 number 1380; YAML 1.2, and everyone
    # writing `quiet_hours: {start: 23:00}`, mean the text. Rasid has no base-60 setting.
    if ":" in node.value:
        return str(loader.construct_scalar(node))
    return int(loader.construct_yaml_int(node))


def _construct_float(loader: _LineLoader, node: yaml.ScalarNode) -> float | str:
    if ":" in node.value:  # base-60 again (1:30.5)
        return str(loader.construct_scalar(node))
    return float(loader.construct_yaml_float(node))


def _construct_bool(loader: _LineLoader, node: yaml.ScalarNode) -> bool | str:
    # YAML 1.1 also reads yes/no/on/off as booleans, so a channel `id: on` or a keyword
    # `no` became True/False. As in YAML 1.2, only true/false are; a boolean setting still
    # takes "yes" or "on", which pydantic reads as true.
    if node.value.lower() in {"true", "false"}:
        return bool(loader.construct_yaml_bool(node))
    return str(loader.construct_scalar(node))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _doc_loc(doc: Any, loc: tuple[int | str, ...], missing: bool) -> tuple[int | str, ...]:
    """pydantic's error location less the segments that are not in the file.

    A tagged union (``channels:``, by ``type``) inserts the tag: ``channels[0].webhook.url``
    for ``type: webhook``, a key the file does not have, which also stopped the line lookup
    at the channel. The tag is a value of the mapping being validated, not one of its keys;
    it is dropped once per mapping, and never as the last segment of a missing-field error
    (that segment is the missing key, which may happen to equal some value)."""
    out: list[int | str] = []
    node = doc
    skipped_here = False
    for i, part in enumerate(loc):
        if isinstance(node, dict):
            if part in node:
                out.append(part)
                node, skipped_here = node[part], False
                continue
            last_missing = missing and i == len(loc) - 1
            if (
                not skipped_here
                and not last_missing
                and isinstance(part, str)
                and part in {v for v in node.values() if isinstance(v, str)}
            ):
                skipped_here = True
                continue
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node, skipped_here = node[part], False
            continue
        out.append(part)
        node = None
    return tuple(out)


def _line_of(doc: Any, loc: tuple[int | str, ...]) -> int | None:
    """Walk the error location into the document; the deepest node with a line wins."""
    line = getattr(doc, "line", None)
    node = doc
    for part in loc:
        if isinstance(node, _Lined) and part in node:
            line = node.lines[part][1]
            node = node[part]
        elif isinstance(node, _Lined) and part not in node:
            # Missing field: point at the mapping that lacks it.
            return node.line
        elif isinstance(node, _LinedList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line


def _fmt_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: str | Path) -> Any:
    """Parse YAML keeping line numbers; syntax errors become ConfigError with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [(None, f"cannot read: {exc.strerror or exc}")]) from exc
    loader = _LineLoader(text)
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [(line, f"YAML syntax error: {problem}")]) from exc
    finally:
        loader.dispose()
    if loader.duplicates:
        # The last value would win silently: the first block (and its mistakes) vanish.
        # in file order (a mapping is checked before the mappings nested in it)
        raise ConfigError(path, sorted(loader.duplicates, key=lambda p: p[0] or 0))
    return doc


def validate(model: type[M], doc: Any, path: str | Path) -> M:
    try:
        return model.model_validate(_plain(doc) if doc is not None else {})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            # pydantic keeps the original exception in ctx["error"] for a ValueError.
            loc += getattr(err.get("ctx", {}).get("error"), "loc", ())
            loc = _doc_loc(doc, loc, missing=err["type"] == "missing")
            where = _fmt_loc(loc)
            msg = err["msg"]
            problems.append((_line_of(doc, loc), f"{where}: {msg}" if where else msg))
        raise ConfigError(path, problems) from None


def load_model(model: type[M], path: str | Path) -> M:
    return validate(model, read_yaml(path), path)
