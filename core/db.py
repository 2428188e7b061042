"""Database access: one declarative base, one engine per application, a session per
request or job.

SQLite (a file, in WAL mode) is the embedded default; PostgreSQL through psycopg 3 is
the production database. Plugin tables are named ``<plugin>_<table>``, core tables
``core_<table>``, so that migrations of one plugin only ever look at its own tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import DateTime, Engine, MetaData, Numeric, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

from .errors import ConfigError

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone; this type makes both databases behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use sportello.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


#: Money columns: exact decimals with two places, read back as :class:`~decimal.Decimal`.
Money = Numeric(14, 2, asdecimal=True)


class Model(DeclarativeBase):
    """The declarative base of every table, core and plugins alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money}


class TimestampMixin:
    """``created_at`` and ``updated_at`` columns kept by the database session."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def parse_database_url(raw: str) -> URL:
    """Turn the configured URL into a SQLAlchemy URL, or say clearly what is wrong."""
    hint = (
        "Use sqlite:////absolute/path/sportello.db or "
        "postgresql+psycopg://user:password@host:5432/database."
    )
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL {raw!r} is not a database URL. {hint}") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"DATABASE_URL uses {url.get_backend_name()!r}; Sportello supports SQLite and PostgreSQL. {hint}"
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "postgresql+psycopg2":
        raise ConfigError(f"DATABASE_URL asks for psycopg2; Sportello uses psycopg 3. {hint}")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def build_engine(raw_url: str, echo: bool = False) -> Engine:
    """Create the engine for ``raw_url`` without connecting (start-up does no I/O)."""
    url = parse_database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(url, echo=echo)
        except NoSuchModuleError as error:
            raise ConfigError(f"DATABASE_URL driver is not available: {error}") from None
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
    except (NoSuchModuleError, ModuleNotFoundError) as error:
        raise ConfigError(f"DATABASE_URL driver is not available: {error}") from None


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = build_engine(url, echo=echo)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session committed at the end of the block, rolled back on error.

        For CLI commands and jobs; web requests use :data:`session`.
        """
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def database() -> Database:
    """The current application's :class:`Database`."""
    return current_app.extensions["sportello"].db


def current_session() -> Session:
    """The session of the current request or job, opened on first use."""
    if not has_app_context():
        raise RuntimeError("no application context: use app.app_context() or db.session_scope()")
    if "sportello_session" not in g:
        g.sportello_session = database().sessions()
    return g.sportello_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session at the end of the application context."""
    opened = g.pop("sportello_session", None)
    if opened is not None:
        opened.close()


#: The session of the current request or job (a proxy, usable at module level).
session: Session = LocalProxy(current_session)  # type: ignore[assignment]
