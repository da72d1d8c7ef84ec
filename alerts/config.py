"""config/alerts.yaml: rules, delivery channels and the outbox, validated with line numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from alerts.channels import DEFAULT_CHANNELS, ChannelConfig
from alerts.rules import Rule, RuleSet, TimeZone
from rasid.yamlconf import ConfigError, read_yaml, validate

DEFAULT_ALERTS_PATH = Path("config/alerts.yaml")


class AlertsConfig(RuleSet):
    model_config = ConfigDict(extra="forbid")

    timezone: TimeZone = "UTC"  # for quiet hours and daily digests unless a rule says otherwise
    channels: list[ChannelConfig] = Field(default_factory=lambda: list(DEFAULT_CHANNELS))
    rules: list[Rule] = Field(default_factory=list)

    def enabled_channels(self) -> list[ChannelConfig]:
        return [c for c in self.channels if c.enabled]


def _line(doc: Any, *path: Any) -> int | None:
    """Line of a node in a document from ``rasid.yamlconf.read_yaml`` (best effort)."""
    line = getattr(doc, "line", None)
    node = doc
    for part in path:
        lines = getattr(node, "lines", None)
        try:
            if isinstance(node, dict):
                line = lines[part][1] if lines else line
            else:
                line = lines[part] if lines else line
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _cross_checks(cfg: AlertsConfig, doc: Any) -> list[tuple[int | None, str]]:
    """Checks that span several entries: unique ids, rules naming existing channels."""
    problems: list[tuple[int | None, str]] = []
    seen: dict[str, int] = {}
    for i, rule in enumerate(cfg.rules):
        if rule.id in seen:
            problems.append(
                (_line(doc, "rules", i, "id"), f"rules[{i}].id: duplicate rule id {rule.id!r}")
            )
        seen.setdefault(rule.id, i)
    channel_ids: dict[str, int] = {}
    for i, ch in enumerate(cfg.channels):
        if ch.id in channel_ids:
            problems.append(
                (
                    _line(doc, "channels", i, "id"),
                    f"channels[{i}].id: duplicate channel id {ch.id!r}",
                )
            )
        channel_ids.setdefault(ch.id, i)
    for i, rule in enumerate(cfg.rules):
        for j, ch_id in enumerate(rule.channels):
            if ch_id not in channel_ids:
                known = ", ".join(channel_ids) or "none"
                problems.append(
                    (
                        _line(doc, "rules", i, "channels", j),
                        f"rules[{i}].channels[{j}]: unknown channel {ch_id!r} (known: {known})",
                    )
                )
    return problems


def load_config(path: str | Path = DEFAULT_ALERTS_PATH) -> AlertsConfig:
    """Load and validate; every problem is reported as ``file:line: where: what``."""
    doc = read_yaml(path)
    cfg = validate(AlertsConfig, doc, path)
    problems = _cross_checks(cfg, doc)
    if problems:
        raise ConfigError(path, problems)
    for rule in cfg.rules:
        if rule.timezone is None:
            rule.timezone = cfg.timezone
    return cfg


__all__ = ["DEFAULT_ALERTS_PATH", "AlertsConfig", "ConfigError", "load_config"]
