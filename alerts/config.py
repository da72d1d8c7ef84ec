"""config/alerts.yaml: rules, delivery channels and the outbox, validated with line numbers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field

from alerts.channels import DEFAULT_CHANNELS, ChannelConfig, EmailChannel, unset_env
from alerts.rules import Rule, RuleSet, TimeZone
from rasid.yamlconf import ConfigError, read_yaml, validate

DEFAULT_ALERTS_PATH = Path("config/alerts.yaml")

_log = logging.getLogger(__name__)
# One warning per file, line and problem per process: a cycle loads the file more than once.
_warned: set[tuple[str, str]] = set()


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
    # An e-mail goes to the channel's `to` plus the rule's recipients; with neither, every
    # delivery of the rule's alerts would fail.
    mute = {c.id for c in cfg.channels if isinstance(c, EmailChannel) and c.enabled and not c.to}
    for i, rule in enumerate(cfg.rules):
        if not rule.enabled or rule.recipients:
            continue
        for ch_id in [c for c in rule.channels or channel_ids if c in mute]:
            problems.append(
                (
                    _line(doc, "rules", i, "id"),
                    f"rules[{i}]: e-mail channel {ch_id!r} has no 'to' and the rule has no"
                    " recipients: add either",
                )
            )
    return problems


def _warnings(cfg: AlertsConfig, doc: Any) -> list[tuple[int | None, str]]:
    """What does not stop loading but deserves a word: nothing would fire, or a channel's
    secret lives in an environment variable this process does not have. The variable may
    well be set only where deliveries run (an Airflow worker), so it is no error here; the
    delivery that lacks it fails and stays in the outbox."""
    found: list[tuple[int | None, str]] = []
    if not any(r.enabled for r in cfg.rules):
        why = "the file has no rules" if not cfg.rules else "every rule has enabled: false"
        found.append((None, f"no alert rules loaded ({why}); no alert will fire"))
    for i, ch in enumerate(cfg.channels):
        if not ch.enabled:
            continue
        for field, env in unset_env(ch):
            found.append(
                (
                    _line(doc, "channels", i, field),
                    f"channels[{i}].{field}: environment variable {env} is not set; channel"
                    f" {ch.id!r} cannot deliver from here (fine if it is set where deliveries run)",
                )
            )
    return found


def load_config(path: str | Path = DEFAULT_ALERTS_PATH, *, warn: bool = True) -> AlertsConfig:
    """Load and validate; every problem is reported as ``file:line: where: what``.
    ``warn`` False: no warnings (a command that only reads the rules' names)."""
    doc = read_yaml(path)
    cfg = validate(AlertsConfig, doc, path)
    problems = _cross_checks(cfg, doc)
    if problems:
        raise ConfigError(path, problems)
    for line, msg in _warnings(cfg, doc) if warn else []:
        key = (f"{Path(path).resolve()}:{line}", msg)
        if key not in _warned:
            _warned.add(key)
            _log.warning("warning: %s: %s", f"{path}:{line}" if line else path, msg)
    for rule in cfg.rules:
        if rule.timezone is None:
            rule.timezone = cfg.timezone
    return cfg


__all__ = ["DEFAULT_ALERTS_PATH", "AlertsConfig", "ConfigError", "load_config"]
