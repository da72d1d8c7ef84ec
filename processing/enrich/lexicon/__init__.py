"""Small curated word lists written by the project (titles, cue verbs, organisations,
public figures, place aliases). Loaded once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load_yaml(name: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_Loader) or {}
    _no_duplicate_keys(name, text)
    return data


def _no_duplicate_keys(name: str, text: str) -> None:
    """YAML keeps the last of two equal keys silently: a second «109223:» line under
    `aliases` would drop the first one's names. Fail instead, with both line numbers."""
    todo = [yaml.compose(text, Loader=_Loader)]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                first = seen.get(key.value)
                if first is not None:
                    raise ValueError(
                        f"{name}:{line}: duplicate key {key.value!r} (first at line {first})"
                    )
                seen[key.value] = line
                todo.append(value)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
