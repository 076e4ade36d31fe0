"""The counters in SQL (SQLAlchemy Core): SQLite by default, a shared server by URL.

Every write is an upsert that *adds* (``n = n + excluded.n``), so any number of worker
processes and service instances can write the same cells without losing a count. On
SQLite: WAL mode (readers never block the writer), a busy timeout, and ``BEGIN
IMMEDIATE`` so a writer takes the lock before reading, never upgrading into a deadlock.

Tables (all counts ``n``; ``day`` is ``YYYY-MM-DD``, or ``YYYY-MM`` once rolled up):

- ``insight_requests``: day, hour, channel, lang, outcome;
- ``insight_answers``: day, channel, lang, outcome, county, precinct, precinct_name,
  changed, early_voting (yes/no/unknown): answers that found a precinct, no finer place;
- ``insight_calendar``: day, channel, county, site, site_name (site "" = Election Day);
- ``insight_unmatched``: day, zip, street: addresses not found, without house number;
- ``insight_topics``: day, channel, lang, topic: what callers asked (topic ids only).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Executable,
    MetaData,
    SmallInteger,
    String,
    Table,
    and_,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url

from lookup.insights.events import Counts, Key
from lookup.insights.location import check_location, engine_url

metadata = MetaData()
SCHEMA_LOCK = 0x1E5_1475  # PostgreSQL advisory lock key for creating the tables


def _table(name: str, *dims: Column[Any]) -> Table:
    return Table(name, metadata, *dims, Column("n", BigInteger, nullable=False))


def _dim(name: str, length: int) -> Column[Any]:
    return Column(name, String(length), primary_key=True)


TABLES: dict[str, Table] = {
    "requests": _table(
        "insight_requests",
        _dim("day", 10),
        Column("hour", SmallInteger, primary_key=True, autoincrement=False),
        _dim("channel", 16),
        _dim("lang", 8),
        _dim("outcome", 32),
    ),
    "answers": _table(
        "insight_answers",
        _dim("day", 10),
        _dim("channel", 16),
        _dim("lang", 8),
        _dim("outcome", 32),
        _dim("county", 64),
        _dim("precinct", 32),
        _dim("precinct_name", 128),
        _dim("changed", 8),
        _dim("early_voting", 8),
    ),
    "calendar": _table(
        "insight_calendar",
        _dim("day", 10),
        _dim("channel", 16),
        _dim("county", 64),
        _dim("site", 64),
        _dim("site_name", 128),
    ),
    "unmatched": _table("insight_unmatched", _dim("day", 10), _dim("zip", 5), _dim("street", 64)),
    "topics": _table(
        "insight_topics", _dim("day", 10), _dim("channel", 16), _dim("lang", 8), _dim("topic", 64)
    ),
}
# Rolled up to months when older than the retention period; unmatched streets are a
# signal for data staff about this season's misses: deleted instead.
ROLLED_UP = ("requests", "answers", "calendar", "topics")


# A PostgreSQL server that stops answering must not hold the writer or a staff page for
# the kernel's TCP timeouts (up to ~15 min): a new connection gives up after 5 s, an open
# one once sent data go unacknowledged for 10 s (a host gone from the network) or its
# keepalives fail. libpq's parameter names, so psycopg (3 and 2) only; the URL's own win.
PG_LIMITS = {
    "connect_timeout": 5,
    "tcp_user_timeout": 10_000,  # ms
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def connect_limits(url: URL) -> dict[str, int]:
    if url.get_backend_name() != "postgresql" or url.get_driver_name() not in (
        "psycopg",
        "psycopg2",
    ):
        return {}
    return {k: v for k, v in PG_LIMITS.items() if k not in url.query}


def open_engine(url: URL, tables: MetaData, schema_lock: int) -> Engine:
    """An engine on ``url`` with ``tables`` created: PostgreSQL with libpq's timeouts and
    the schema made under advisory lock ``schema_lock`` (workers starting together would
    race to CREATE TABLE); SQLite with its file made mode 0600 (staff-only data: the
    unmatched streets, the front line's reports), WAL and ``BEGIN IMMEDIATE``. Shared by
    the insight counters and the reports (``lookup.reports.store``)."""
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_limits(url))
    else:
        path = Path(url.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    with engine.begin() as conn:
        if url.get_backend_name() == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": schema_lock})
        tables.create_all(conn, checkfirst=True)
    return engine


def dims(name: str) -> list[str]:
    return [c.name for c in TABLES[name].primary_key.columns]


class Store:
    """Counters at ``location`` (a path or a SQL URL). Opens lazily; one per process
    (an engine must not cross a fork)."""

    def __init__(self, location: str) -> None:
        check_location(location)
        self.url = make_url(engine_url(location))
        self.dialect = self.url.get_backend_name()
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._open()
        return self._engine

    def _open(self) -> Engine:
        return open_engine(self.url, metadata, SCHEMA_LOCK)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(insights_read=True)
            with conn.begin():
                yield conn

    def add(self, counts: Counts) -> None:
        """Add every counter of ``counts`` in one transaction (all or nothing)."""
        with self._writing() as conn:
            for name, counter in counts.items():
                if counter:
                    self._upsert(conn, name, counter)

    def _upsert(self, conn: Connection, name: str, counter: Counter[Key]) -> None:
        table = TABLES[name]
        keys = dims(name)
        rows = [{**dict(zip(keys, key, strict=True)), "n": n} for key, n in counter.items()]
        stmt: Executable
        if self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            ins = sqlite_insert(table)
            stmt = ins.on_conflict_do_update(
                index_elements=keys, set_={"n": table.c.n + ins.excluded.n}
            )
        else:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg = pg_insert(table)
            stmt = pg.on_conflict_do_update(
                index_elements=keys, set_={"n": table.c.n + pg.excluded.n}
            )
        conn.execute(stmt, rows)

    def sums(
        self,
        name: str,
        by: Sequence[str],
        start: date,
        end: date,
        where: dict[str, str] | None = None,
    ) -> list[tuple[Any, ...]]:
        """``by`` and ``sum(n)`` over the days from ``start`` to ``end`` (whole months that
        were rolled up count when the range touches them), largest first."""
        table = TABLES[name]
        cols = [table.c[b] for b in by]
        day = table.c.day
        s, e = start.isoformat(), end.isoformat()
        in_range = or_(
            and_(func.length(day) == 10, day >= s, day <= e),
            and_(func.length(day) == 7, day >= s[:7], day <= e[:7]),
        )
        filters = [table.c[k] == v for k, v in (where or {}).items()]
        total = func.sum(table.c.n).label("n")
        query = (
            select(*cols, total)
            .where(in_range, *filters)
            .group_by(*cols)
            .order_by(total.desc(), *cols)
        )
        with self._reading() as conn:
            # int(): PostgreSQL's sum of a bigint is a numeric (Decimal).
            return [(*row[:-1], int(row[-1])) for row in conn.execute(query)]

    def apply_retention(self, today: date, days: int) -> int:
        """Roll days older than ``days`` up to their month (whole months only: a month is
        rolled up once all its days are past the period) and delete old unmatched streets.
        Returns the rows removed. Safe to run from several processes at once: rows are
        deleted with RETURNING and only what this transaction deleted is added back."""
        cutoff = (today - timedelta(days=days)).replace(day=1).isoformat()
        removed = 0
        with self._writing() as conn:
            for name in TABLES:
                table = TABLES[name]
                old = and_(func.length(table.c.day) == 10, table.c.day < cutoff)
                if name not in ROLLED_UP:
                    removed += conn.execute(table.delete().where(old)).rowcount or 0
                    continue
                keys = dims(name)
                gone = conn.execute(
                    table.delete().where(old).returning(*(table.c[k] for k in keys), table.c.n)
                ).all()
                months: Counter[Key] = Counter()
                for *key, n in gone:
                    months[(key[0][:7], *key[1:])] += n
                if months:
                    self._upsert(conn, name, months)
                removed += len(gone)
        return removed


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver's implicit BEGIN.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    _use_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")  # durable across a crash of the process
    cur.close()


WAL_SWITCH_S = 30.0  # as long as any other wait for the file (busy_timeout)


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Put the file in WAL mode, which then persists in it. While another connection
    holds a write lock (another worker creating the tables on its first count), SQLite
    refuses the switch at once, "database is locked", without its busy timeout: seen as
    a 500 on the staff page when the workers' first requests came together. So: try
    again until the file is in WAL mode, switched by this connection or by the other."""
    deadline = time.monotonic() + WAL_SWITCH_S
    delay = 0.005
    while True:
        try:
            # Another mode answered without an error (an in-memory database) is kept.
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _sqlite_begin(conn: Connection) -> None:
    read = conn.get_execution_options().get("insights_read", False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")
