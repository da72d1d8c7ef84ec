"""Settings and the feed registry, from YAML, validated at load (errors carry line numbers)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingest.schedule import ItemRetryPolicy
from rasid.records import Feed
from rasid.yamlconf import ConfigError, FieldError, load_model
from store.base import Store
from store.factory import embedded_path, known_schemes, open_store

DEFAULT_CONFIG = Path("config/rasid.yaml")
DEFAULT_FEEDS = Path("config/feeds.yaml")
DEFAULT_RULES = Path("config/alerts.yaml")
DEFAULT_STORE = "sqlite:///data/rasid.db"
# Before outboxes were named after their store: one per directory (and data/outbox.db for
# every search engine). Still used by the store that owns it, so its pending rows are kept.
DEFAULT_ENGINE_OUTBOX = Path("data/outbox.db")
OUTBOX_NAME = "outbox.db"
OUTBOX_SUFFIX = ".outbox.db"
ENGINE_OUTBOX_PREFIX = "engine-"  # data/engine-<index prefix>.outbox.db
DEFAULT_ENGINE_WEBSUB = Path("data/websub.db")
WEBSUB_NAME = "websub.db"


class FeedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    url: str
    source: str = ""
    lang: str | None = None
    enabled: bool = True
    # Many Arab outlets print local time with no zone; without this it is read as UTC.
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r}: use an IANA name such as Africa/Tripoli or Asia/Riyadh"
            ) from None
        return v

    @field_validator("url")
    @classmethod
    def _http_only(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("feed url must start with http:// or https://")
        return v

    def to_feed(self) -> Feed:
        return Feed(
            id=self.id,
            name=self.name,
            url=self.url,
            source=self.source,
            lang=self.lang,
            timezone=self.timezone,
        )


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedConfig]

    @model_validator(mode="after")
    def _unique_ids(self) -> FeedsFile:
        seen: dict[str, int] = {}
        for i, f in enumerate(self.feeds):
            if f.id in seen:
                # Located at the duplicate's own id, so the error names its line.
                raise FieldError(
                    f"duplicate feed id {f.id!r} (first used by feeds[{seen[f.id]}])",
                    ("feeds", i, "id"),
                )
            seen[f.id] = i
        return self


class HttpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A zero or negative timeout, size or concurrency cannot fetch anything (max_bytes: -5
    # was accepted and failed every page); 0 redirects and 0 delay are meaningful.
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    total_timeout: float = Field(default=30.0, gt=0)
    max_bytes: int = Field(default=10_000_000, ge=1)
    max_redirects: int = Field(default=5, ge=0)
    per_host_concurrency: int = Field(default=2, ge=1)
    politeness_delay: float = Field(default=0.0, ge=0)  # seconds between two requests to one host
    user_agent: str | None = None


class SettingsFile(BaseModel):
    """config/rasid.yaml. Relative file paths are relative to the working directory."""

    model_config = ConfigDict(extra="forbid")

    feeds_file: str = str(DEFAULT_FEEDS)
    rules_file: str = str(DEFAULT_RULES)
    store: str = DEFAULT_STORE
    allow_private_networks: bool = False
    workers: int = Field(default=8, ge=1, le=64)
    min_body_chars: int = Field(default=200, ge=0)
    # An item whose article page keeps failing holds its feed's validators back (nothing is
    # lost) for this many polls (half for a 404/410 page) and at least this many hours since
    # its first failure; then it is given up, recorded in the feed state (`rasid feeds --json`).
    item_attempts: int = Field(default=5, ge=1)
    item_retry_hours: float = Field(default=1.0, ge=0)
    # Corrections: a stored item that reappears in its feed with a newer `updated` date, or
    # another title or text, is fetched again and its document updated in place. At most
    # this many re-fetches per item, so a feed that bumps `updated` on every poll cannot
    # keep us downloading; 0 turns corrections off.
    correction_refetches: int = Field(default=3, ge=0)
    # Learn each site's article template from trafilatura's output and read later pages of
    # that site by it (ingest/site_templates.py); false = trafilatura on every page.
    site_templates: bool = True
    # what was learned, kept across runs; default: beside the embedded store's file
    site_templates_file: str | None = None
    # Alert deliveries (pending and sent, keyed by alert and channel). Default: named after
    # the store, beside the embedded store's file (<store dir>/<store stem>.outbox.db), so a
    # fresh store gets a fresh outbox; for a search engine data/engine-<prefix>.outbox.db.
    # Alert ids are stable per (rule, story), so an outbox shared by two stores would take
    # the second store's alerts for sent ones.
    outbox: str | None = None
    spool_dir: str = "data/spool"
    dedup_window_hours: float = Field(default=72, gt=0)
    # A SQLite file for the dedup state. Default: the embedded store's own file; beside a
    # search engine, the engine itself (index <prefix>-dedup, shared across machines).
    dedup_db: str | None = None
    # WebSub subscriptions and the push inbox. Default: beside the embedded store's file
    # (<store dir>/websub.db, so `--store` decides, not the working directory); beside a search
    # engine, data/websub.db.
    websub_db: str | None = None
    http: HttpConfig = HttpConfig()

    @field_validator("store")
    @classmethod
    def _known_store(cls, v: str) -> str:
        # Checked here, not when the store opens, so the error names the file and line.
        scheme, sep, _ = v.partition("://")
        if sep and scheme not in known_schemes():
            raise ValueError(
                f"unknown store URL scheme {scheme!r} (known: {', '.join(known_schemes())})"
            )
        return v


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


def _engine_prefix(url: str) -> str | None:
    """The index prefix of an engine URL; None for a URL that cannot be read (it fails when
    the store opens, with its own message)."""
    from store.es_common import parse_store_url

    try:
        return parse_store_url(url).options().prefix
    except Exception:
        return None


def _engine_outbox_name(url: str) -> str:
    """``engine-<prefix>.outbox.db``. The index prefix is what says whose data an engine
    holds; the hosts are not: one cluster is ``localhost`` from the host machine and
    ``elasticsearch`` from a container, and a URL gains a second node. Named after a host,
    as it was, the same deployment got another outbox whenever its URL was spelt otherwise:
    the old file's waiting rows were never sent and its recent alerts went out again."""
    prefix = _engine_prefix(url)
    if prefix is None:
        return DEFAULT_ENGINE_OUTBOX.name
    return f"{ENGINE_OUTBOX_PREFIX}{_safe_name(prefix)}{OUTBOX_SUFFIX}"


def _host_named_outboxes(prefix: str) -> list[Path]:
    """Outboxes this prefix got under the previous naming, ``<host>-<port>-<prefix>.outbox.db``
    in data/, whatever the host (one per spelling of the URL, at worst)."""
    directory = DEFAULT_ENGINE_OUTBOX.parent
    pattern = re.compile(rf".+-\d+-{re.escape(_safe_name(prefix))}{re.escape(OUTBOX_SUFFIX)}")
    return sorted(
        p
        for p in directory.glob(f"*{OUTBOX_SUFFIX}")
        # engine-<other prefix> files can look alike (prefix "x-9-news" against "news")
        if pattern.fullmatch(p.name) and not p.name.startswith(ENGINE_OUTBOX_PREFIX)
    )


def _engine_owner_is(recorded: str, prefix: str) -> bool:
    """Whether the owner recorded in data/outbox.db names this prefix: ``engine-<prefix>``
    now, ``<host>-<port>-<prefix>`` when it was claimed under the previous naming."""
    safe = re.escape(_safe_name(prefix))
    return (
        re.fullmatch(rf"{re.escape(ENGINE_OUTBOX_PREFIX)}{safe}|.+-\d+-{safe}", recorded)
        is not None
    )


def _engine_outbox_sources(prefix: str, owner: str, *, claim: bool) -> list[Path]:
    """Older outboxes of this engine deployment: data/outbox.db when it is this prefix's
    (recorded so, or unclaimed and taken now, as the first engine store to ask took it
    before), then its host-named files."""
    previous = _host_named_outboxes(prefix)
    legacy = DEFAULT_ENGINE_OUTBOX
    if not legacy.exists():
        return previous
    from alerts import outbox as ob

    recorded = ob.owner_of(legacy)
    if recorded is None:
        if previous:  # a host-named file exists: this store had stopped asking for it
            return previous
        if not claim:  # only looking: what a delivering run would adopt, left unrecorded
            return [legacy]
        recorded = ob.claim(legacy, owner)
    return [legacy, *previous] if _engine_owner_is(recorded, prefix) else previous


def engine_outboxes_to_merge(store_url: str) -> list[Path]:
    """For a search-engine store whose ``engine-<prefix>`` outbox does not exist yet: the
    older files the next delivering run merges into it (read-only; empty otherwise)."""
    prefix = _engine_prefix(store_url)
    own = DEFAULT_ENGINE_OUTBOX.parent / _engine_outbox_name(store_url)
    if embedded_path(store_url) is not None or prefix is None or own.exists():
        return []
    sources = _engine_outbox_sources(prefix, own.name.removesuffix(OUTBOX_SUFFIX), claim=False)
    return sources if len(sources) > 1 else []


def _store_has_alerts(store_file: Path, ids: list[str]) -> bool:
    """Whether the embedded store at ``store_file`` recorded any of these alerts."""
    import sqlite3

    if not ids or not store_file.exists():
        return False
    try:
        db = sqlite3.connect(f"{store_file.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            marks = ",".join("?" * len(ids))
            row = db.execute(f"SELECT 1 FROM alerts WHERE id IN ({marks}) LIMIT 1", ids)
            return row.fetchone() is not None
        finally:
            db.close()
    except sqlite3.Error:
        return False


def outbox_name(store_file: Path | str | None, store_url: str) -> str:
    """The file name of a store's own outbox: ``<store stem>.outbox.db`` for an embedded
    store, ``engine-<prefix>.outbox.db`` for a search engine."""
    if store_file:
        return Path(store_file).stem + OUTBOX_SUFFIX
    return _engine_outbox_name(store_url)


def store_outbox(store_file: Path | str | None, store_url: str, *, claim: bool = True) -> Path:
    """The outbox of a store: its own file, named after the store, unless an older outbox
    of this store holds its pending and sent rows.

    Embedded store: the old name was ``outbox.db`` in the store's directory, shared by
    every store there. It belongs to this store when it records this store as its owner, or
    records none and holds alerts this store fired. It is then used in place.

    Search engine: ``data/outbox.db`` (when it records this index prefix as its owner, or
    records none and this deployment has no other outbox yet: the first engine store to
    ask takes it), then ``data/<host>-<port>-<prefix>.outbox.db`` files, one per spelling
    of the URL. ``data/outbox.db`` alone is used in place; with host-named files they are
    all merged into ``data/engine-<prefix>.outbox.db`` (``alerts.outbox.merge``: a key
    sent from any of them stays sent).

    Adopting or merging writes (the owner record, the merged file); ``claim=False`` (for
    commands that only look) writes nothing and answers with the file a delivering run
    would use, or, when several would be merged, the merged file's name (not there yet:
    ``engine_outboxes_to_merge`` lists them)."""
    from alerts import outbox as ob

    if not store_file:
        own = DEFAULT_ENGINE_OUTBOX.parent / outbox_name(None, store_url)
        prefix = _engine_prefix(store_url)
        if prefix is None or own.exists():
            return own
        owner = own.name.removesuffix(OUTBOX_SUFFIX)
        sources = _engine_outbox_sources(prefix, owner, claim=claim)
        if not sources:
            return own
        if sources == [DEFAULT_ENGINE_OUTBOX] or (not claim and len(sources) == 1):
            return sources[0]
        if not claim:
            return own
        ob.merge(own, sources, owner)
        return own
    store_file = Path(store_file)
    own = store_file.parent / outbox_name(store_file, store_url)
    legacy = store_file.parent / OUTBOX_NAME
    owner = f"sqlite:{store_file.resolve()}"
    if own.exists() or not legacy.exists() or own == legacy:
        return own
    recorded = ob.owner_of(legacy)
    if recorded is None:
        if not _store_has_alerts(store_file, ob.alert_ids(legacy)):
            return own
        if not claim:  # only looking: the file a delivering run would adopt, unrecorded
            return legacy
        recorded = ob.claim(legacy, owner)
    return legacy if recorded == owner else own


class Settings:
    """Resolved settings: the file's values with environment overrides applied."""

    def __init__(self, file: SettingsFile, *, config_path: Path | None = None) -> None:
        self.file = file
        self.config_path = config_path
        env = os.environ
        self.feeds_path = Path(env.get("RASID_FEEDS") or file.feeds_file)
        self.rules_path = Path(env.get("RASID_RULES") or file.rules_file)
        self.store_url = env.get("RASID_STORE_URL") or file.store
        self.allow_private_networks = file.allow_private_networks or env.get(
            "RASID_ALLOW_PRIVATE_NETWORKS", ""
        ).lower() in {"1", "true", "yes"}
        self.workers = file.workers
        self.min_body_chars = file.min_body_chars
        self.item_retry = ItemRetryPolicy(
            max_attempts=file.item_attempts, min_span_s=file.item_retry_hours * 3600
        )
        self.correction_refetches = file.correction_refetches
        self.site_templates = file.site_templates
        self.site_templates_file = file.site_templates_file
        # None: follow the store (see outbox_for); resolved late, because --store and
        # load_settings(store=...) set store_url after this.
        self.outbox: str | None = env.get("RASID_OUTBOX") or file.outbox
        self.spool_dir = Path(file.spool_dir)
        self.dedup_window_hours = file.dedup_window_hours
        self.dedup_db = file.dedup_db
        # None: follow the store (see websub_path), resolved late like the outbox.
        self.websub_db: str | None = file.websub_db
        self.http = file.http
        self._feeds: list[Feed] | None = None

    def outbox_for(self, store: object | None = None, *, claim: bool = True) -> Path:
        """The outbox file: ``outbox``/RASID_OUTBOX, else one named after the store: beside
        the embedded store's file (``store.path`` when an open store is given, else the
        store URL's), ``<dir>/<store stem>.outbox.db``; for a search engine,
        ``data/engine-<prefix>.outbox.db``. An older outbox of this store is adopted
        (see ``store_outbox``); only code that delivers may do so: commands that only
        look pass ``claim=False``."""
        if self.outbox:
            return Path(self.outbox)
        path = getattr(store, "path", None) if store is not None else None
        return store_outbox(path or embedded_path(self.store_url), self.store_url, claim=claim)

    @property
    def websub_path(self) -> Path:
        """The WebSub database: ``websub_db``, else beside the embedded store's file, else
        data/websub.db for a search engine. (``RASID_WEBSUB_DB`` is applied by its user,
        rasid.websub_server.websub_db_path.)"""
        if self.websub_db:
            return Path(self.websub_db)
        path = embedded_path(self.store_url)
        return Path(path).parent / WEBSUB_NAME if path else DEFAULT_ENGINE_WEBSUB

    def open_store(self, *, create: bool = True) -> Store:
        """The configured store, its spool where the settings put it."""
        return open_store(self.store_url, create=create, spool_dir=self.spool_dir)

    @property
    def outbox_path(self) -> Path:
        return self.outbox_for()

    @outbox_path.setter
    def outbox_path(self, value: str | Path) -> None:
        self.outbox = str(value)

    @property
    def feeds(self) -> list[Feed]:
        if self._feeds is None:
            self._feeds = load_feeds(self.feeds_path)
        return self._feeds

    def reload_feeds(self) -> ConfigError | None:
        """Read the feeds file again (`rasid watch` does so each cycle, so an edit takes
        effect). A file that no longer validates keeps the feeds in use and is returned."""
        try:
            self._feeds = load_feeds(self.feeds_path)
        except ConfigError as exc:
            return exc
        return None

    def feed(self, feed_id: str) -> Feed:
        for f in self.feeds:
            if f.id == feed_id:
                return f
        raise KeyError(f"no feed {feed_id!r} in {self.feeds_path}")


def load_feeds(path: str | Path) -> list[Feed]:
    return [f.to_feed() for f in load_model(FeedsFile, path).feeds if f.enabled]


def load_settings(
    config_path: str | Path | None = None,
    *,
    feeds: str | Path | None = None,
    rules: str | Path | None = None,
    store: str | None = None,
) -> Settings:
    """Read config/rasid.yaml when present (defaults otherwise); explicit arguments win."""
    path = Path(config_path or os.environ.get("RASID_CONFIG") or DEFAULT_CONFIG)
    if path.exists():
        file = load_model(SettingsFile, path)
    elif config_path is not None:
        raise ConfigError(path, [(None, "file not found")])
    else:
        file = SettingsFile()
    settings = Settings(file, config_path=path if path.exists() else None)
    if feeds is not None:
        settings.feeds_path = Path(feeds)
    if rules is not None:
        settings.rules_path = Path(rules)
    if store is not None:
        settings.store_url = store
    return settings
