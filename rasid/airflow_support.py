"""The Airflow glue the DAG files call, so the DAG files hold no logic.

Two kinds of function live here:

* pure ones (``build_store_url``, ``redact_url``, ``parse_schedule``, ``raise_on_poll_error``,
  ``summarize_batches``, ``health_summary``), testable without Airflow installed;
* thin edges that read Airflow Variables and the ``rasid_search`` Connection (``airflow_settings``,
  ``ingest_schedule``, ``task_defaults``). They import Airflow lazily, so ``import rasid`` never
  needs it.

Secrets: the search engine's credentials live only in the Airflow Connection. The store URL built
from it is registered with Airflow's secret masker and only ever logged through ``redact_url``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

if TYPE_CHECKING:
    from rasid.config import Settings

log = logging.getLogger(__name__)

# --- names an operator sees in the Airflow UI / CLI -----------------------------------------
CONN_ID = "rasid_search"  # the search engine: conn type elasticsearch | opensearch | sqlite
ASSET_NAME = "rasid_articles"
ASSET_URI = "rasid://articles"  # one event per ingest run that indexed something
POOL = "rasid_feeds"  # caps concurrent feed polls/batches across all runs
POOL_SLOTS = 4  # what docs and tests create the pool with

VAR_CONFIG = "rasid_config"  # path of config/rasid.yaml on the workers
VAR_FEEDS = "rasid_feeds_file"  # path of the feed registry (overrides the config file)
VAR_RULES = "rasid_rules_file"  # path of the alert rules (overrides the config file)
VAR_SCHEDULE = "rasid_ingest_schedule"  # cron, preset or seconds ("30s", "5m", "300")
VAR_RETRIES = "rasid_task_retries"
VAR_RETRY_DELAY = "rasid_retry_delay_seconds"

DEFAULT_SCHEDULE = "*/5 * * * *"
DEFAULT_RETRIES = 3
DEFAULT_RETRY_DELAY_S = 30.0
MAX_RETRY_DELAY = timedelta(minutes=10)
BACKOFF_MULTIPLIER = 2.0  # Airflow 3: retry_exponential_backoff is a multiplier (0 = off)


class FeedPollError(RuntimeError):
    """A feed could not be polled; raised so Airflow retries the task with backoff."""


# --- pure functions ---------------------------------------------------------------------------
_TRUE = {"1", "true", "yes", "on"}


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


# Query parameters of store.es_common.StoreURL that a Connection's extra may set.
_STORE_URL_PARAMS = (
    "prefix", "index", "shards", "replicas", "chunk_size", "retries", "backoff", "refresh",
    "timeout", "verify_certs", "ca_certs", "spool", "spool_quota_mb",
)  # fmt: skip


def build_store_url(
    conn_type: str | None,
    host: str | None,
    port: int | None = None,
    login: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A Rasid store URL from the fields of an Airflow Connection.

    * ``elasticsearch`` (or ``es``/``http``/``https``): ``http(s)://user:pass@host:port``. TLS when
      the host carries ``https://``, ``schema`` is ``https`` (the Elasticsearch provider's
      convention) or ``extra.use_ssl`` is true.
    * ``opensearch``: ``opensearch://user:pass@host:port``, ``opensearchs://`` for TLS.
    * ``sqlite``: the embedded store, ``host`` (or ``schema``) is the database file path.

    Extra keys the store understands (``_STORE_URL_PARAMS``: ``prefix``/``index``, ``verify_certs``,
    ``ca_certs``, ``timeout``, ``spool``…) are passed through as URL query parameters.
    """
    extra = dict(extra or {})
    kind = (conn_type or "").strip().lower().replace("-", "_")
    if kind == "sqlite":
        path = (host or schema or "").strip()
        if not path:
            raise ValueError("sqlite connection needs the database path in host")
        # sqlite:///relative/path or sqlite:////absolute/path, as store.factory reads them.
        return f"sqlite:///{path}"
    if kind not in {"elasticsearch", "es", "http", "https", "opensearch"}:
        raise ValueError(
            f"connection type {conn_type!r} is not a search engine"
            " (use elasticsearch, opensearch or sqlite)"
        )
    raw_host = (host or "").strip()
    if not raw_host:
        raise ValueError("search connection has no host")
    tls = (
        kind == "https"
        or (schema or "").strip().lower() == "https"
        or _truthy(extra.get("use_ssl"))
    )
    if "://" in raw_host:  # hosts are often entered as full URLs
        parts = urlsplit(raw_host)
        tls = tls or parts.scheme == "https"
        raw_host = parts.hostname or ""
        port = port or parts.port
        login = login or (parts.username and unquote(parts.username))
        password = password or (parts.password and unquote(parts.password))
    if kind == "opensearch":
        scheme = "opensearchs" if tls else "opensearch"
    else:
        scheme = "https" if tls else "http"
    auth = ""
    if login:
        auth = quote(login, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        auth += "@"
    netloc = f"{auth}{raw_host}" + (f":{int(port)}" if port else "")
    params = [
        f"{key}={quote(str(extra[key]), safe='/')}"
        for key in _STORE_URL_PARAMS
        if extra.get(key) not in (None, "")
    ]
    return f"{scheme}://{netloc}" + ("?" + "&".join(params) if params else "")


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``: the only form that may be logged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_schedule(value: str | None) -> str | timedelta | None:
    """An Airflow schedule from text: a cron expression or ``@preset`` stays text; a duration
    (``30s``, ``5m``, ``300``) becomes a ``timedelta``; ``none``/empty means manual only."""
    if value is None:
        return None
    text = str(value).strip()
    if text.lower() in {"", "none", "null", "manual"}:
        return None
    m = _DURATION.match(text)
    if m:
        seconds = float(m.group(1)) * _UNIT_S[m.group(2).lower()]
        if seconds <= 0:
            raise ValueError(f"schedule interval must be positive: {value!r}")
        return timedelta(seconds=seconds)
    if text.startswith("@") or len(text.split()) in (5, 6):
        return text
    raise ValueError(f"not a cron expression, preset or duration: {value!r}")


def raise_on_poll_error(poll_result: Mapping[str, Any]) -> dict[str, Any]:
    """Pass a successful poll through; turn a failed one into an exception so Airflow retries
    it (with exponential backoff) and shows the feed's task as failed when retries run out.

    A feed still in its failure backoff ("not-due": not polled, no failure counted) fails
    the same way, so a feed that is down stays red in every run rather than turning green
    when a retry comes before its next poll time."""
    if poll_result.get("status") in ("error", "not-due"):
        raise FeedPollError(f"feed {poll_result.get('feed_id')}: {poll_result.get('error')}")
    return dict(poll_result)


def summarize_batches(results: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Fold the per-feed batch results of one ingest run into the asset event's extra.

    ``indexed`` counts writes; ``articles`` counts distinct article ids, since one article can
    come through two feeds of an outlet (same canonical URL, same id, one document)."""
    summary: dict[str, Any] = {
        "feeds": 0,
        "articles": 0,
        "indexed": 0,
        "duplicates": 0,
        "failed": 0,
        "corrected": 0,  # stored articles updated in place; their ids are in article_ids
    }
    ids: dict[str, None] = {}
    for res in results:
        if not res:  # a feed whose task failed leaves no result
            continue
        summary["feeds"] += 1
        summary["indexed"] += int(res.get("indexed", 0))
        summary["duplicates"] += int(res.get("duplicates", 0))
        summary["failed"] += int(res.get("failed", 0))
        summary["corrected"] += int(res.get("corrected", 0))
        ids.update(dict.fromkeys(res.get("article_ids") or []))
    summary["articles"] = len(ids)
    summary["article_ids"] = list(ids)
    return summary


def health_summary(report: Mapping[str, Any]) -> dict[str, int]:
    """Count feeds per health status (ok, failing, stale, disabled, never-polled)."""
    counts: dict[str, int] = {}
    for feed in report.get("feed_health") or []:
        status = feed.get("status", "unknown")
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- Airflow edges ------------------------------------------------------------------------------
def _variable(key: str) -> str | None:
    """An Airflow Variable (metadata DB, AIRFLOW_VAR_* env or a secrets backend), or None.

    Used at DAG parse time too, so it must never raise: a DB hiccup falls back to defaults."""
    try:
        from airflow.sdk import Variable

        value = Variable.get(key, default=None)
    except Exception as exc:  # parse must not fail because the metadata DB is away
        log.warning(
            "cannot read Airflow Variable %s (%s); using the default", key, type(exc).__name__
        )
        return None
    return None if value in (None, "") else str(value)


def ingest_schedule() -> str | timedelta | None:
    """Schedule of ``rasid_ingest``: Variable ``rasid_ingest_schedule`` or every 5 minutes."""
    value = _variable(VAR_SCHEDULE)
    try:
        return parse_schedule(value or DEFAULT_SCHEDULE)
    except ValueError as exc:
        log.warning("ignoring Variable %s: %s", VAR_SCHEDULE, exc)
        return parse_schedule(DEFAULT_SCHEDULE)


def task_defaults() -> dict[str, Any]:
    """default_args shared by the Rasid DAGs: retries with exponential backoff."""
    retries, delay = DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_S
    try:
        retries = int(_variable(VAR_RETRIES) or retries)
        delay = float(_variable(VAR_RETRY_DELAY) or delay)
    except ValueError as exc:
        log.warning("ignoring a retry Variable: %s", exc)
    return {
        "owner": "rasid",
        "retries": max(0, retries),
        "retry_delay": timedelta(seconds=max(0.0, delay)),
        "retry_exponential_backoff": BACKOFF_MULTIPLIER,
        "max_retry_delay": MAX_RETRY_DELAY,
    }


def connection_store_url(conn_id: str = CONN_ID) -> str | None:
    """The store URL from the Airflow Connection ``conn_id``, or None when it is not defined."""
    try:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None
    try:
        conn = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    url = build_store_url(
        conn.conn_type,
        conn.host,
        conn.port,
        conn.login,
        conn.password,
        conn.schema,
        conn.extra_dejson,
    )
    _mask(url)
    return url


def _mask(secret: str) -> None:
    """Register with Airflow's log masker, so even an accidental log line shows ***."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:
        return
    if urlsplit(secret).password:
        mask_secret(secret)


def airflow_settings(conn_id: str = CONN_ID) -> Settings:
    """Rasid settings for a task: config/rasid.yaml (or Variable ``rasid_config``), the feed and
    rule files from Variables when set, the store from Connection ``rasid_search`` when set.

    Without the Connection the config file / ``RASID_STORE_URL`` decides (embedded SQLite)."""
    from rasid.config import load_settings

    settings = load_settings(
        _variable(VAR_CONFIG),
        feeds=_variable(VAR_FEEDS),
        rules=_variable(VAR_RULES),
        store=connection_store_url(conn_id),
    )
    log.info(
        "rasid settings: store=%s feeds=%s rules=%s",
        redact_url(settings.store_url),
        settings.feeds_path,
        settings.rules_path,
    )
    return settings


def feed_ids(settings: Settings) -> list[str]:
    """Ids of the enabled feeds: the map over which ``rasid_ingest`` expands."""
    return [feed.id for feed in settings.feeds]


def articles_asset() -> Any:
    """The Asset ``rasid_ingest`` updates and ``rasid_alerts`` is scheduled on."""
    from airflow.sdk import Asset

    return Asset(name=ASSET_NAME, uri=ASSET_URI, group="rasid")


def publish_articles(
    results: Iterable[Mapping[str, Any] | None], outlet_events: Any, asset: Any
) -> dict[str, Any]:
    """Fan-in of an ingest run: emit the asset event only when something was indexed.

    A run that indexed nothing is marked skipped, so no event is emitted and ``rasid_alerts``
    does not run for nothing."""
    from airflow.sdk.exceptions import AirflowSkipException

    summary = summarize_batches(results)
    if not summary["articles"]:
        raise AirflowSkipException("no new articles in this run: no asset event")
    # The extra stays small (counts only): it is stored with every event in the metadata DB.
    outlet_events[asset].extra = {k: v for k, v in summary.items() if k != "article_ids"}
    log.info(
        "published %s: %d articles from %d feeds (%d near-duplicates, %d failed items)",
        ASSET_URI, summary["articles"], summary["feeds"], summary["duplicates"], summary["failed"],
    )  # fmt: skip
    return summary


def maintenance_report(report: Mapping[str, Any]) -> dict[str, Any]:
    """The maintenance result with per-status feed counts added, and the problems logged."""
    counts = health_summary(report)
    for feed in report.get("feed_health") or []:
        if feed.get("status") not in ("ok", None):
            log.warning(
                "feed %s is %s: %s", feed.get("feed_id"), feed.get("status"), feed.get("last_error")
            )
    log.info("feed health: %s", counts)
    alerts = report.get("alerts") or {}
    for error in alerts.get("errors") or []:
        log.warning("alert delivery: %s", error)
    if alerts:
        log.info(
            "alert outbox: %s sent, %s failed, %s pending, %s given up (dead),"
            " %s old sent rows pruned",
            alerts.get("sent"), alerts.get("failed"), alerts.get("pending"),
            alerts.get("dead_total"), report.get("outbox_pruned", 0),
        )  # fmt: skip
    return {**report, "health_counts": counts}
