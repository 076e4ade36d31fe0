"""The reports in SQL (SQLAlchemy Core): a SQLite file by default (``<cache>/reports.sqlite3``,
mode 0600, WAL), or a shared PostgreSQL server by URL; a database apart from the insight
counters (``Settings.reports_url``), since a report holds an address and the counters
never may.

A report closed (resolved or withdrawn) more than the retention period ago is deleted by
every write and every listing (``purge``): no job to schedule, and a staff page never
shows a report that should be gone. Open reports stay until staff close them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import make_url

# The insight store's SQLite settings (WAL, busy timeout, BEGIN IMMEDIATE for writers, the
# WAL switch retried while another worker creates the file): shared, not copied.
from lookup.insights.counters import connect_limits, open_engine
from lookup.insights.location import check_location, engine_url
from lookup.reports.model import OPEN, STATUSES, Answered, Report, parse_stamp, stamp

metadata = MetaData()
SCHEMA_LOCK = 0x1E5_4E70  # PostgreSQL advisory lock key for creating the table

REPORTS = Table(
    "reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created", String(20), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("client_version", String(64), nullable=False),
    Column("data_version", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("county", Text, nullable=False),
    Column("precinct", Text, nullable=False),
    Column("precinct_name", Text, nullable=False),
    Column("place_id", Text, nullable=False),
    Column("place_name", Text, nullable=False),
    Column("place_address", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("closed_at", String(20), nullable=True),
    Index("reports_by_status", "status", "created"),
)
_ANSWERED = ("outcome", "county", "precinct", "precinct_name", "place_id", "place_name",
             "place_address")  # fmt: skip


class Store:
    """Reports at ``location`` (a path or a SQL URL). Opens lazily, creating the file and
    table; one per process (an engine must not cross gunicorn's fork)."""

    def __init__(self, location: str, retention_days: int) -> None:
        check_location(location)
        self.url = make_url(engine_url(location))
        self.dialect = self.url.get_backend_name()
        self.retention_days = retention_days
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
    def _writing(self, now: datetime) -> Iterator[Connection]:
        """A write transaction that first deletes the reports past their retention."""
        with self.engine.begin() as conn:
            self._purge(conn, now)
            yield conn

    def _purge(self, conn: Connection, now: datetime) -> int:
        cutoff = stamp(now - timedelta(days=self.retention_days))
        gone = REPORTS.delete().where(REPORTS.c.status != OPEN, REPORTS.c.closed_at < cutoff)
        return conn.execute(gone).rowcount or 0

    def add(self, report: Report, now: datetime) -> None:
        with self._writing(now) as conn:
            conn.execute(REPORTS.insert().values(**_row(report)))

    def listing(self, status: str, now: datetime) -> tuple[list[Report], int]:
        """The reports with ``status`` (``all``: every one), newest first, and how many
        are open."""
        query = select(REPORTS).order_by(REPORTS.c.created.desc(), REPORTS.c.id)
        if status != "all":
            query = query.where(REPORTS.c.status == status)
        count_open = select(func.count()).select_from(REPORTS).where(REPORTS.c.status == OPEN)
        with self._writing(now) as conn:
            reports = [_report(row._mapping) for row in conn.execute(query)]
            return reports, int(conn.execute(count_open).scalar_one())

    def close_report(self, report_id: str, status: str, now: datetime) -> Report | None:
        """Mark an open report ``status`` (resolved or withdrawn) as of ``now``. A report
        already closed stays as it was (a second click changes nothing); None: no such
        report (or deleted after its retention)."""
        assert status in STATUSES and status != OPEN
        with self._writing(now) as conn:
            row = conn.execute(select(REPORTS).where(REPORTS.c.id == report_id)).first()
            if row is None:
                return None
            report = _report(row._mapping)
            if report.status != OPEN:
                return report
            conn.execute(
                REPORTS.update()
                .where(REPORTS.c.id == report_id)
                .values(status=status, closed_at=stamp(now))
            )
            return report.closed(status, now)


def open_reports(location: str) -> list[Report]:
    """The open reports at ``location``, for the refresh: read only, nothing created (no
    file or no table: none yet). Raises the database's error (``SQLAlchemyError``,
    ``OSError``) when there is one that cannot be read."""
    url = make_url(engine_url(location))
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.exists():
            return []
        engine = create_engine(url, connect_args={"timeout": 30})
    else:
        engine = create_engine(url, connect_args=connect_limits(url))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(REPORTS.name):
                return []
            query = select(REPORTS).where(REPORTS.c.status == OPEN).order_by(REPORTS.c.created)
            return [_report(row._mapping) for row in conn.execute(query)]
    finally:
        engine.dispose()


def _row(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "created": stamp(report.created),
        "channel": report.channel,
        "lang": report.lang,
        "reason": report.reason,
        "note": report.note,
        "address": report.address,
        "lat": report.lat,
        "lon": report.lon,
        "client_version": report.client_version,
        "data_version": report.data_version,
        **{k: getattr(report.answered, k) for k in _ANSWERED},
        "status": report.status,
        "closed_at": stamp(report.closed_at) if report.closed_at else None,
    }


def _report(row: Any) -> Report:
    return Report(
        id=row["id"],
        created=parse_stamp(row["created"]),
        channel=row["channel"],
        lang=row["lang"],
        reason=row["reason"],
        note=row["note"],
        address=row["address"],
        lat=row["lat"],
        lon=row["lon"],
        client_version=row["client_version"],
        data_version=row["data_version"],
        answered=Answered(**{k: row[k] for k in _ANSWERED}),
        status=row["status"],
        closed_at=parse_stamp(row["closed_at"]) if row["closed_at"] else None,
    )
