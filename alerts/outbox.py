"""The delivery outbox: a small SQLite file holding every (alert, channel) delivery until it
has been sent, and remembering sent keys so nothing goes to a channel twice.

The idempotency key of a delivery is ``<alert id>:<channel id>``. A row is inserted once
(INSERT OR IGNORE), so re-enqueueing a sent alert is a no-op. Rows are leased while a
sender works on them, so two overlapping runs do not send the same message.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rasid.records import Alert

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL, channel_id TEXT NOT NULL, rule_id TEXT NOT NULL,
    alert TEXT NOT NULL,
    bundle TEXT, reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT, last_error TEXT, lease_until TEXT,
    sent_at TEXT, message_key TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, due_at);
CREATE INDEX IF NOT EXISTS deliveries_rule ON deliveries(rule_id, channel_id, created_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Row states: 'pending' (waiting: held, or failed and due again after a backoff), 'sent',
# and 'dead': the send failed in a way retrying cannot fix (a 4xx, a channel with no URL,
# refused recipients). A dead row is never tried again on its own, so one bad channel no
# longer fails on every run forever; `rasid alerts outbox --retry` requeues dead rows.
DEAD = "dead"


# How long a claimed row stays reserved for the pass that claimed it.
LEASE_S = 300.0

# Columns: ``attempts`` counts the delivery passes that tried a row (the between-run backoff
# grows with it); ``tries`` counts the sends actually made, a pass retrying in-process
# (``retries``) making several. ``tries`` came later: a row from before has 0 there, and
# readers take the larger of the two (each pass made at least one send).
_COLUMNS = (
    "key", "alert_id", "channel_id", "rule_id", "alert", "bundle", "reason", "created_at",
    "due_at", "status", "attempts", "tries", "next_attempt_at", "last_error", "lease_until",
    "sent_at", "message_key",
)  # fmt: skip


def delivery_key(alert_id: str, channel_id: str) -> str:
    return f"{alert_id}:{channel_id}"


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(slots=True)
class Entry:
    key: str
    alert: Alert
    channel_id: str
    rule_id: str
    bundle: str | None
    reason: str
    attempts: int
    due_at: datetime
    last_error: str | None = None


def _alert(raw: str) -> Alert:
    d = json.loads(raw)
    for k in ("fired_at", "published_at"):
        if d.get(k):
            d[k] = datetime.fromisoformat(d[k])
    return Alert(**{k: v for k, v in d.items() if k in Alert.__dataclass_fields__})


class Outbox:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)
        self._add_tries_column()

    def _add_tries_column(self) -> None:
        """Outboxes written before ``tries`` existed get the column (default 0)."""
        cols = {r[1] for r in self._db.execute("PRAGMA table_info(deliveries)")}
        if "tries" in cols:
            return
        try:
            self._db.execute("ALTER TABLE deliveries ADD COLUMN tries INTEGER NOT NULL DEFAULT 0")
        except sqlite3.OperationalError as exc:  # another process added it just now
            if "duplicate column" not in str(exc):
                raise

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def enqueue(
        self,
        alert: Alert,
        channel_id: str,
        *,
        now: datetime,
        due_at: datetime,
        bundle: str | None = None,
        reason: str = "",
    ) -> bool:
        """Add a delivery; False when this (alert, channel) is already known (sent or not)."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO deliveries (key, alert_id, channel_id, rule_id, alert, bundle,"
            " reason, created_at, due_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                delivery_key(alert.id, channel_id), alert.id, channel_id, alert.rule_id,
                json.dumps(alert.to_dict(), ensure_ascii=False), bundle, reason, _iso(now),
                _iso(due_at),
            ),
        )  # fmt: skip
        return bool(cur.rowcount)

    def singles_since(self, rule_id: str, channel_id: str, since: datetime) -> int:
        """Deliveries of a rule to a channel planned to go out alone since ``since`` (throttle)."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE rule_id=? AND channel_id=? AND bundle IS NULL"
            " AND created_at >= ?",
            (rule_id, channel_id, _iso(since)),
        ).fetchone()
        return int(row[0])

    def claim_due(self, now: datetime, lease_s: float = LEASE_S) -> list[Entry]:
        """Pending deliveries that are due and not leased by another run; lease them."""
        n = _iso(now)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            rows = self._db.execute(
                "SELECT key, alert, channel_id, rule_id, bundle, reason, attempts, due_at,"
                " last_error FROM deliveries WHERE status='pending' AND due_at <= ?"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
                " AND (lease_until IS NULL OR lease_until < ?) ORDER BY due_at, created_at",
                (n, n, n),
            ).fetchall()
            until = _iso(now + timedelta(seconds=lease_s))
            self._db.executemany(
                "UPDATE deliveries SET lease_until=? WHERE key=?", [(until, r[0]) for r in rows]
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return [
            Entry(
                key=r[0], alert=_alert(r[1]), channel_id=r[2], rule_id=r[3], bundle=r[4],
                reason=r[5], attempts=r[6], due_at=datetime.fromisoformat(r[7]), last_error=r[8],
            )
            for r in rows
        ]  # fmt: skip

    # ``tries``: the sends this pass made (in-process retries included).
    def mark_sent(self, keys: list[str], message_key: str, now: datetime, tries: int = 1) -> None:
        self._db.executemany(
            "UPDATE deliveries SET status='sent', sent_at=?, message_key=?, lease_until=NULL,"
            " attempts=attempts+1, tries=tries+? WHERE key=?",
            [(_iso(now), message_key, tries, k) for k in keys],
        )

    def mark_failed(
        self, keys: list[str], error: str, next_attempt_at: datetime, tries: int = 1
    ) -> None:
        self._db.executemany(
            "UPDATE deliveries SET attempts=attempts+1, tries=tries+?, last_error=?,"
            " next_attempt_at=?, lease_until=NULL WHERE key=?",
            [(tries, error[:1000], _iso(next_attempt_at), k) for k in keys],
        )

    def mark_dead(self, keys: list[str], error: str, tries: int = 1) -> None:
        """Give up on these deliveries: the error says why; nothing retries them on its own."""
        self._db.executemany(
            "UPDATE deliveries SET status='dead', attempts=attempts+1, tries=tries+?,"
            " last_error=?, next_attempt_at=NULL, lease_until=NULL WHERE key=?",
            [(tries, error[:1000], k) for k in keys],
        )

    def retry_dead(self, now: datetime, channel_id: str | None = None) -> int:
        """Put dead deliveries back to pending, due now (after the channel has been fixed)."""
        where, params = ("AND channel_id=?", [channel_id]) if channel_id else ("", [])
        cur = self._db.execute(
            "UPDATE deliveries SET status='pending', next_attempt_at=NULL, lease_until=NULL,"
            f" last_error=NULL, due_at=? WHERE status='dead' {where}",
            (_iso(now), *params),
        )
        return cur.rowcount

    def purge(self, statuses: tuple[str, ...] = (DEAD,), channel_id: str | None = None) -> int:
        """Forget deliveries in these states (dead ones, by default: never to be sent)."""
        marks = ",".join("?" * len(statuses))
        where, params = ("AND channel_id=?", [channel_id]) if channel_id else ("", [])
        cur = self._db.execute(
            f"DELETE FROM deliveries WHERE status IN ({marks}) {where}", (*statuses, *params)
        )
        return cur.rowcount

    def counts(self, channel_id: str | None = None) -> dict[str, int]:
        """Rows by status: pending, sent, dead (each present, 0 when none); one channel's
        when ``channel_id`` is given."""
        where, params = ("WHERE channel_id=?", (channel_id,)) if channel_id else ("", ())
        out = {"pending": 0, "sent": 0, DEAD: 0}
        for status, n in self._db.execute(
            f"SELECT status, COUNT(*) FROM deliveries {where} GROUP BY 1", params
        ):
            out[status] = int(n)
        return out

    def channels(self) -> set[str]:
        """Every channel id with a row here, sent or not."""
        return {r[0] for r in self._db.execute("SELECT DISTINCT channel_id FROM deliveries")}

    def release(self, keys: list[str]) -> None:
        self._db.executemany(
            "UPDATE deliveries SET lease_until=NULL WHERE key=?", [(k,) for k in keys]
        )

    def pending_count(self) -> int:
        return int(
            self._db.execute("SELECT COUNT(*) FROM deliveries WHERE status='pending'").fetchone()[0]
        )

    def pending(
        self, statuses: tuple[str, ...] = ("pending",), channel_id: str | None = None
    ) -> list[dict[str, object]]:
        """What is waiting and why: held for a summary (``held_for``: the plan's reason,
        "daily", "quiet hours"…, else None), or failed and waiting for its next pass
        (``next_attempt_at``, ``error``); with ``statuses=("dead",)``, what was given up and
        why. ``attempts``: sends made (in-process retries included); ``passes``: delivery
        passes that tried it. Each row names its alert (``alert_id``, ``title``, ``url``).
        ``rasid run --json`` carries the count (``alerts_pending``) and the file
        (``outbox``); ``rasid alerts outbox`` lists the rows."""
        marks = ",".join("?" * len(statuses))
        where, params = ("AND channel_id=?", (channel_id,)) if channel_id else ("", ())
        rows = self._db.execute(
            "SELECT key, status, channel_id, rule_id, alert_id, alert, reason, due_at,"
            " MAX(tries, attempts), attempts, next_attempt_at, last_error FROM deliveries"
            f" WHERE status IN ({marks}) {where} ORDER BY due_at, created_at",
            (*statuses, *params),
        ).fetchall()
        out: list[dict[str, object]] = []
        for (
            key,
            status,
            channel,
            rule,
            alert_id,
            raw,
            reason,
            due,
            tries,
            passes,
            nxt,
            error,
        ) in rows:
            try:
                doc = json.loads(raw)
            except ValueError:  # a row is never written so, but a listing must not die of it
                doc = {}
            out.append({
                "key": key, "status": status, "channel": channel, "rule": rule,
                "alert_id": alert_id, "title": doc.get("title"), "url": doc.get("url"),
                "held_for": reason or None, "due_at": due, "attempts": tries, "passes": passes,
                "next_attempt_at": nxt, "error": error,
            })  # fmt: skip
        return out

    def sent_keys(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT key FROM deliveries WHERE status='sent'")}

    def prune_sent(self, before: datetime) -> int:
        """Forget sent deliveries older than ``before`` (housekeeping). Safe because the store
        never hands the same alert to ``deliver`` twice (one alert per rule and story)."""
        cur = self._db.execute(
            "DELETE FROM deliveries WHERE status='sent' AND sent_at < ?", (_iso(before),)
        )
        return cur.rowcount

    def is_sent(self, key: str) -> bool:
        row = self._db.execute("SELECT status FROM deliveries WHERE key=?", (key,)).fetchone()
        return bool(row and row[0] == "sent")


# --- which store an outbox belongs to -------------------------------------------------------
# Alert ids are stable per (rule, story), so an outbox shared by two stores takes the second
# store's alerts for sent ones. The outbox is named after its store; an outbox from before
# that (one ``outbox.db`` per directory) records the store that adopted it, here.


def owner_of(path: Path) -> str | None:
    """The store recorded as this outbox's owner; None when none is (or no readable file)."""
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        row = db.execute("SELECT value FROM meta WHERE key='store'").fetchone()
    except sqlite3.Error:  # written before the meta table existed
        return None
    finally:
        db.close()
    return str(row[0]) if row else None


def claim(path: Path, owner: str) -> str:
    """Record ``owner`` unless another store already is; returns the recorded owner (two runs
    adopting the same file at once agree on one)."""
    with Outbox(path) as box:
        box._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store', ?)", (owner,))
        row = box._db.execute("SELECT value FROM meta WHERE key='store'").fetchone()
    return str(row[0])


def _rows(path: Path) -> list[tuple[object, ...]]:
    """Every delivery of the outbox at ``path``, in ``_COLUMNS`` order (read-only)."""
    db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        have = {r[1] for r in db.execute("PRAGMA table_info(deliveries)")}
        if not have:  # created but never written to
            return []
        cols = ", ".join(c if c in have else "0" for c in _COLUMNS)
        return db.execute(f"SELECT {cols} FROM deliveries").fetchall()
    finally:
        db.close()


def merge(target: Path, sources: Sequence[Path], owner: str) -> None:
    """Create the outbox ``target`` holding the rows of ``sources`` (older outboxes of the
    same store), recorded as ``owner``'s. A key in several sources keeps its sent row, so
    nothing sent from any of them goes again; otherwise the first source's row.

    Built under a temporary name and linked into place, so no run ever sees a half-filled
    ``target`` (it would send alerts the sources record as sent). When another process
    linked its own copy first, that one is kept. The sources are left as they are."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    marks = ",".join("?" * len(_COLUMNS))
    update = ", ".join(f"{c}=excluded.{c}" for c in _COLUMNS[1:])
    with Outbox(tmp) as box:
        box._db.execute("BEGIN IMMEDIATE")
        for src in sources:
            box._db.executemany(
                f"INSERT INTO deliveries ({', '.join(_COLUMNS)}) VALUES ({marks})"
                f" ON CONFLICT(key) DO UPDATE SET {update}"
                " WHERE excluded.status='sent' AND deliveries.status!='sent'",
                _rows(src),
            )
        box._db.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [("store", owner), ("merged_from", json.dumps([str(s) for s in sources]))],
        )
        box._db.execute("COMMIT")
        # Out of WAL before the file is linked: everything must be in the one file.
        box._db.execute("PRAGMA journal_mode=DELETE")
    try:
        os.link(tmp, target)
    except FileExistsError:
        pass  # another run merged first: its file is as good as ours
    except OSError:  # a file system without hard links
        if not target.exists():
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def alert_ids(path: Path, limit: int = 500) -> list[str]:
    """The newest alert ids this outbox knows (read-only; empty for an unreadable file)."""
    try:
        db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return []
    try:
        rows = db.execute(
            "SELECT alert_id FROM deliveries GROUP BY alert_id"
            " ORDER BY MAX(created_at) DESC LIMIT ?",
            (limit,),
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()
    return [str(r[0]) for r in rows]
