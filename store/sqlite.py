"""The embedded default: one SQLite file (WAL) with articles, an FTS5 index over
Arabic-normalised text, feed state, dedup keys and alert history. No server to start."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from processing.normalize import index_text, tokens
from rasid.records import MARK_END, MARK_START, Alert, Article, FeedState, Hit, SearchQuery
from store.base import StoreError
from store.highlight import fragments, highlight
from store.sqlite_open import open_shared, retry_locked

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    rowid INTEGER PRIMARY KEY,
    id TEXT UNIQUE NOT NULL,
    source TEXT, feed_id TEXT, lang TEXT,
    published_at TEXT, fetched_at TEXT, ingested_at TEXT,
    content_hash TEXT, story_id TEXT, duplicate_of TEXT,
    doc TEXT NOT NULL, updated_at TEXT
);
CREATE INDEX IF NOT EXISTS articles_ingested ON articles(ingested_at);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
    title, body, entities, places, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS feed_state (feed_id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, rule_id TEXT, fired_at TEXT, alert TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_fired ON alerts(fired_at);
CREATE TABLE IF NOT EXISTS alert_articles (
    alert_id TEXT, article_id TEXT, source TEXT, PRIMARY KEY (alert_id, article_id)
);
CREATE TABLE IF NOT EXISTS watermarks (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Run after _SCHEMA and the column migration: a store made before corrections lacks the
# column until _add_columns adds it.
_INDEXES = "CREATE INDEX IF NOT EXISTS articles_updated ON articles(updated_at);"


def _add_columns(db: sqlite3.Connection) -> None:
    """Bring a store made by an older Rasid up to date (columns added since, all NULL)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    if "updated_at" not in have:
        try:
            db.execute("ALTER TABLE articles ADD COLUMN updated_at TEXT")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process added it first: fine
                raise


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _fts_query(text: str) -> str:
    # Quote each token so FTS5 syntax characters in user input are inert.
    return " ".join(f'"{t}"' for t in tokens(text))


class SqliteStore:
    """Thread-safe: one connection guarded by a lock; WAL lets other processes read and
    wait (busy_timeout) rather than fail when two runs overlap."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = open_shared(
                self.path, timeout=30, check_same_thread=False, isolation_level=None
            )
            retry_locked(lambda: self._db.executescript(_SCHEMA))
            retry_locked(lambda: _add_columns(self._db))
            retry_locked(lambda: self._db.executescript(_INDEXES))
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open embedded store {self.path}: {exc}", cause="unreachable"
            ) from exc
        self._lock = threading.RLock()

    @property
    def connection(self) -> sqlite3.Connection:
        """For components that keep their own tables in the same file (dedup state)."""
        return self._db

    # --- articles -------------------------------------------------------------------------
    def upsert_articles(self, articles: Iterable[Article]) -> int:
        now = datetime.now(UTC)
        n = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for art in articles:
                    if art.ingested_at is None:
                        art.ingested_at = now
                    self._upsert_one(art)
                    n += 1
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return n

    def _upsert_one(self, art: Article) -> None:
        row = self._db.execute(
            "SELECT rowid, ingested_at FROM articles WHERE id=?", (art.id,)
        ).fetchone()
        if row is not None:
            # Keep the first ingest time so alerts evaluated by ingest time do not fire twice.
            art.ingested_at = datetime.fromisoformat(row[1])
            self._db.execute("DELETE FROM articles_fts WHERE rowid=?", (row[0],))
        values = (
            art.id, art.source, art.feed_id, art.lang, _iso(art.published_at),
            _iso(art.fetched_at), _iso(art.ingested_at), art.content_hash, art.story_id,
            art.duplicate_of, json.dumps(art.to_dict(), ensure_ascii=False),
            _iso(art.updated_at),
        )  # fmt: skip
        if row is None:
            cur = self._db.execute(
                "INSERT INTO articles (id, source, feed_id, lang, published_at, fetched_at,"
                " ingested_at, content_hash, story_id, duplicate_of, doc, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            )
            rowid = cur.lastrowid
        else:
            rowid = row[0]
            self._db.execute(
                "UPDATE articles SET id=?, source=?, feed_id=?, lang=?, published_at=?,"
                " fetched_at=?, ingested_at=?, content_hash=?, story_id=?, duplicate_of=?, doc=?,"
                " updated_at=? WHERE rowid=?",
                (*values, rowid),
            )
        entity_text = " ".join(m for e in art.entities for m in (e.name, *e.mentions))
        place_text = " ".join(m for p in art.places for m in (p.name, *p.mentions))
        self._db.execute(
            "INSERT INTO articles_fts (rowid, title, body, entities, places) VALUES (?,?,?,?,?)",
            (rowid, index_text(art.title), index_text(art.body), index_text(entity_text),
             index_text(place_text)),
        )  # fmt: skip

    def get_article(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM articles WHERE id=?", (article_id,)).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                found.update(
                    r[0]
                    for r in self._db.execute(
                        f"SELECT id FROM articles WHERE id IN ({marks})", chunk
                    )
                )
        return found

    def find_by_hash(self, content_hash: str) -> str | None:
        if not content_hash:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT id FROM articles WHERE content_hash=? ORDER BY rowid LIMIT 1",
                (content_hash,),
            ).fetchone()
        return row[0] if row else None

    def search(self, query: SearchQuery) -> list[Hit]:
        where: list[str] = []
        params: list[object] = []
        match_parts: list[str] = []
        for columns, value in (
            ("{title body}", query.text),
            ("entities", query.entity),
            ("places", query.place),
        ):
            if not (value or "").strip():
                continue
            terms = _fts_query(value)
            if not terms:
                # Punctuation alone ('!!!', '"', '*') leaves no word, so nothing can match;
                # an empty group would be an FTS5 syntax error instead.
                return []
            match_parts.append(f"{columns} : ({terms})")
        if query.source:
            where.append("a.source = ?")
            params.append(query.source)
        if query.lang:
            where.append("a.lang = ?")
            params.append(query.lang)
        if query.country:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(a.doc, '$.places') p"
                " WHERE upper(json_extract(p.value, '$.country')) = ?)"
            )
            params.append(query.country.upper())
        if query.since:
            where.append("COALESCE(a.published_at, a.fetched_at) >= ?")
            params.append(_iso(query.since))
        if query.until:
            where.append("COALESCE(a.published_at, a.fetched_at) < ?")
            params.append(_iso(query.until))
        if not query.include_duplicates:
            where.append("a.duplicate_of IS NULL")
        if match_parts:
            sql = (
                "SELECT a.doc, bm25(articles_fts, 3.0, 1.0, 2.0, 2.0) AS score FROM articles_fts"
                " JOIN articles a ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ?"
            )
            params.insert(0, " AND ".join(match_parts))
        else:
            sql = "SELECT a.doc, 0.0 AS score FROM articles a WHERE 1=1"
        for clause in where:
            sql += f" AND {clause}"
        if query.sort == "recency" or not match_parts:
            sql += " ORDER BY COALESCE(a.published_at, a.fetched_at) DESC"
        else:
            sql += " ORDER BY score"
        sql += " LIMIT ?"
        params.append(query.limit)
        with self._lock:
            try:
                rows = self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                raise StoreError(f"search failed: {exc}") from exc
        terms = set(tokens(" ".join(filter(None, [query.text, query.entity, query.place]))))
        hits = []
        for doc, score in rows:
            art = Article.from_dict(json.loads(doc))
            hl: dict[str, list[str]] = {}
            if terms:
                title = highlight(art.title, terms, start=MARK_START, end=MARK_END)
                if title != art.title:
                    hl["title"] = [title]
                body = fragments(art.body, terms, start=MARK_START, end=MARK_END)
                if body:
                    hl["body"] = body
            hits.append(Hit(article=art, score=-float(score), highlights=hl))
        return hits

    def articles_ingested_since(
        self, since: datetime | None, until: datetime | None = None
    ) -> list[Article]:
        return self._articles_in("ingested_at", since, until, every=True)

    def articles_updated_since(
        self, since: datetime | None, until: datetime | None = None
    ) -> list[Article]:
        return self._articles_in("updated_at", since, until)  # only corrected ones have it

    def _articles_in(
        self, column: str, since: datetime | None, until: datetime | None, every: bool = False
    ) -> list[Article]:
        """Articles whose ``column`` (a fixed name, never user input) lies in (since, until];
        with neither bound, ``every`` article, else those where it is set."""
        sql = "SELECT doc FROM articles WHERE " + ("1=1" if every else f"{column} IS NOT NULL")
        params: list[object] = []
        if since is not None:
            sql += f" AND {column} > ?"
            params.append(_iso(since))
        if until is not None:
            sql += f" AND {column} <= ?"
            params.append(_iso(until))
        sql += f" ORDER BY {column}, rowid"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [Article.from_dict(json.loads(r[0])) for r in rows]

    def iter_articles(self) -> Iterator[Article]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM articles ORDER BY rowid").fetchall()
        for (doc,) in rows:
            yield Article.from_dict(json.loads(doc))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # --- feed state -----------------------------------------------------------------------
    def get_feed_state(self, feed_id: str) -> FeedState:
        with self._lock:
            row = self._db.execute(
                "SELECT state FROM feed_state WHERE feed_id=?", (feed_id,)
            ).fetchone()
        if not row:
            return FeedState(feed_id=feed_id)
        return _state_from_json(row[0])

    def save_feed_state(self, state: FeedState) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO feed_state (feed_id, state) VALUES (?, ?)"
                " ON CONFLICT(feed_id) DO UPDATE SET state=excluded.state",
                (state.feed_id, _state_to_json(state)),
            )

    def update_feed_state(
        self, feed_id: str, change: Callable[[FeedState], FeedState]
    ) -> FeedState:
        # BEGIN IMMEDIATE takes the file's write lock before the read, so another process's
        # save waits for this one (busy timeout) instead of being overwritten.
        with self._lock:
            retry_locked(lambda: self._db.execute("BEGIN IMMEDIATE"))
            try:
                row = self._db.execute(
                    "SELECT state FROM feed_state WHERE feed_id=?", (feed_id,)
                ).fetchone()
                current = _state_from_json(row[0]) if row else FeedState(feed_id=feed_id)
                new = change(current)
                self._db.execute(
                    "INSERT INTO feed_state (feed_id, state) VALUES (?, ?)"
                    " ON CONFLICT(feed_id) DO UPDATE SET state=excluded.state",
                    (feed_id, _state_to_json(new)),
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already (I/O error)
                    self._db.execute("ROLLBACK")
                raise
        return new

    def all_feed_states(self) -> list[FeedState]:
        with self._lock:
            rows = self._db.execute("SELECT state FROM feed_state ORDER BY feed_id").fetchall()
        return [_state_from_json(r[0]) for r in rows]

    # --- alerts ---------------------------------------------------------------------------
    def record_alert(self, alert: Alert) -> bool:
        with self._lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO alerts (id, rule_id, fired_at, alert) VALUES (?,?,?,?)",
                (alert.id, alert.rule_id, _iso(alert.fired_at),
                 json.dumps(alert.to_dict(), ensure_ascii=False)),
            )  # fmt: skip
            if cur.rowcount:
                self._db.execute(
                    "INSERT OR IGNORE INTO alert_articles VALUES (?,?,?)",
                    (alert.id, alert.article_id, alert.source),
                )
            return bool(cur.rowcount)

    def attach_to_alert(self, alert_id: str, article_id: str, source: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO alert_articles VALUES (?,?,?)",
                (alert_id, article_id, source),
            )

    def recent_alerts(self, limit: int = 50, rule_id: str | None = None) -> list[Alert]:
        where, params = ("WHERE rule_id=? ", [rule_id]) if rule_id is not None else ("", [])
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, alert FROM alerts {where}ORDER BY fired_at DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
            alerts = []
            for alert_id, doc in rows:
                alert = _alert_from_json(doc)
                sources = [
                    r[0]
                    for r in self._db.execute(
                        "SELECT DISTINCT source FROM alert_articles"
                        " WHERE alert_id=? AND source != ?",
                        (alert_id, alert.source),
                    )
                ]
                alert.other_sources = sorted(set(alert.other_sources) | set(sources))
                alerts.append(alert)
        return alerts

    # --- bookkeeping ----------------------------------------------------------------------
    def get_watermark(self, name: str) -> datetime | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM watermarks WHERE name=?", (name,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def set_watermark(self, name: str, value: datetime) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO watermarks (name, value) VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                (name, _iso(value)),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _state_to_json(state: FeedState) -> str:
    return json.dumps(state.to_dict(), ensure_ascii=False)


def _state_from_json(raw: str) -> FeedState:
    return FeedState.from_dict(json.loads(raw))


def _alert_from_json(raw: str) -> Alert:
    d = json.loads(raw)
    for key in ("fired_at", "published_at"):
        if d.get(key):
            d[key] = datetime.fromisoformat(d[key])
    known = set(Alert.__dataclass_fields__)
    return Alert(**{k: v for k, v in d.items() if k in known})
