"""Pick a backend from a store URL: sqlite:///PATH (default), elasticsearch://, opensearch://."""

from __future__ import annotations

import importlib
from pathlib import Path

from store.base import Store, StoreError

DEFAULT_STORE_URL = "sqlite:///data/rasid.db"

# scheme -> (module, factory function); imported lazily so the embedded default needs no client.
_BACKENDS: dict[str, tuple[str, str]] = {
    "elasticsearch": ("store.elastic", "from_url"),
    "es": ("store.elastic", "from_url"),
    "http": ("store.elastic", "from_url"),
    "https": ("store.elastic", "from_url"),
    "opensearch": ("store.opensearch", "from_url"),
    "opensearchs": ("store.opensearch", "from_url"),
    "elasticsearchs": ("store.elastic", "from_url"),
}


def known_schemes() -> list[str]:
    return ["sqlite", *_BACKENDS]


def embedded_path(url: str | None = None) -> Path | None:
    """The file of an embedded store URL (without opening it); None for an engine."""
    url = url or DEFAULT_STORE_URL
    scheme, sep, rest = url.partition("://")
    if not sep:
        # A bare path is the embedded store: the friendliest reading of `--store data/x.db`.
        return Path(url)
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them.
        return Path(rest[1:] if rest.startswith("/") else rest)
    return None


def require_embedded_file(url: str | None = None) -> None:
    """Raise ``StoreError`` (cause ``missing``) when ``url`` names an embedded store file that
    does not exist: what ``open_store(create=False)`` refuses, for commands that read a
    store's companion files (its outbox) without opening the store itself."""
    url = url or DEFAULT_STORE_URL
    path = embedded_path(url)
    if path is not None and not path.exists():
        raise StoreError(
            f"no store at {path.absolute()} (from {url!r}); check --store or"
            " RASID_STORE_URL, or fill it first with `rasid run`."
            " sqlite:///rel/path is relative to the working directory,"
            " sqlite:////abs/path absolute",
            cause="missing",
        )


def open_store(
    url: str | None = None, *, create: bool = True, spool_dir: str | Path | None = None
) -> Store:
    """``create=False`` (commands that only read) refuses an embedded store file that does
    not exist: opening it would create an empty database where a mistyped path is meant,
    and every search would answer "no results". ``spool_dir``: where a search engine's
    documents wait while it is down (the settings' ``spool_dir``)."""
    url = url or DEFAULT_STORE_URL
    path = embedded_path(url)
    if path is not None:
        from store.sqlite import SqliteStore

        if not create:
            require_embedded_file(url)
        return SqliteStore(path)
    scheme = url.partition("://")[0]
    if scheme not in _BACKENDS:
        known = ", ".join(known_schemes())
        raise StoreError(f"unknown store URL scheme {scheme!r} in {url!r} (known: {known})")
    module_name, func = _BACKENDS[scheme]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StoreError(f"backend for {scheme!r} is not available: {exc}") from exc
    return getattr(module, func)(url, spool_dir=spool_dir)
