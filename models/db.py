"""The rule database: SQLAlchemy 2.0 tables and the one session factory.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL works through
`postgresql+psycopg://…` (or $POLICYX_DB). The schema is owned by the Alembic
migrations shipped in models/migrations: opening a database brings it to head, so a
database made by an older policyx is upgraded in place rather than recreated.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own wait serves there
    fcntl = None

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text,
                        UniqueConstraint, create_engine, event, inspect)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

log = logging.getLogger(__name__)

DEFAULT_DB = "sqlite:///outputs/rules.db"
MIGRATIONS = Path(__file__).parent / "migrations"

# Named constraints, so that later migrations can address them (SQLite batch mode needs names).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Run(Base):
    """One `policyx run`: when, which version, and what it counted."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[str] = mapped_column(String(32))
    n_ok: Mapped[int] = mapped_column(Integer, default=0)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    n_unchanged: Mapped[int] = mapped_column(Integer, default=0)


class Jurisdiction(Base):
    """An issuing jurisdiction, shared by every document and provision that names it.

    `name` is the full path (云南省楚雄彝族自治州武定县, or 江西省宜春市X市 where the text
    hides it), so it is unique; `code` is GB/T 2260 where known. `parent_code` is kept so
    that a parent stored later can still be linked.
    """

    __tablename__ = "jurisdictions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    code: Mapped[str | None] = mapped_column(String(12), index=True)
    level: Mapped[str] = mapped_column(String(16))  # national | province | prefecture | county | town
    parent_code: Mapped[str | None] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    parent: Mapped["Jurisdiction | None"] = relationship(remote_side=[id])


class Document(Base):
    """One version of one file: (path, sha256) is unique; at most one version of a path
    is `current`, the older ones stay queryable."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("path", "sha256", name="uq_document_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    path: Mapped[str] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # ok | failed | skipped (a type no reader takes)
    error: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(Text)
    issued: Mapped[str | None] = mapped_column(String(32))
    published: Mapped[str | None] = mapped_column(String(32))
    effective: Mapped[str | None] = mapped_column(String(32))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    source_text: Mapped[str | None] = mapped_column(Text)
    normalized_text: Mapped[str | None] = mapped_column(Text)
    offset_map: Mapped[dict | None] = mapped_column(JSON)  # run-length encoded; see pipeline.store
    noise: Mapped[list | None] = mapped_column(JSON)
    meta: Mapped[dict | None] = mapped_column(JSON)  # per-part metadata and jurisdiction evidence
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)

    jurisdiction: Mapped[Jurisdiction | None] = relationship()
    sections: Mapped[list["SectionRow"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                                         passive_deletes=True, order_by="SectionRow.ordinal")
    parts: Mapped[list["Part"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                               passive_deletes=True, order_by="Part.ordinal")
    provisions: Mapped[list["ProvisionRow"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                                            passive_deletes=True)


# The database, not only the code, guarantees one current version per path.
Index("uq_documents_current_path", Document.path, unique=True,
      sqlite_where=Document.current.is_(True), postgresql_where=Document.current.is_(True))


class Part(Base):
    """One part (第二篇) of a compilation: its own metadata and jurisdiction."""

    __tablename__ = "parts"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(Text)
    issued: Mapped[str | None] = mapped_column(String(32))
    published: Mapped[str | None] = mapped_column(String(32))
    effective: Mapped[str | None] = mapped_column(String(32))
    start: Mapped[int] = mapped_column(Integer)  # normalized text
    end: Mapped[int] = mapped_column(Integer)
    source_start: Mapped[int] = mapped_column(Integer)
    source_end: Mapped[int] = mapped_column(Integer)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)

    document: Mapped[Document] = relationship(back_populates="parts")
    jurisdiction: Mapped[Jurisdiction | None] = relationship()


class SectionRow(Base):
    __tablename__ = "sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)  # normalized text
    end: Mapped[int] = mapped_column(Integer)
    source_start: Mapped[int] = mapped_column(Integer)
    source_end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # normalized text of the section

    document: Mapped[Document] = relationship(back_populates="sections")
    parent: Mapped["SectionRow | None"] = relationship(remote_side=[id])


class ProvisionRow(Base):
    """Every field of the record contract (shared spec PROVISIONS.md) as a column, plus
    the exact exported record; text taken from documents is TEXT so PostgreSQL accepts
    whatever SQLite does."""

    __tablename__ = "provisions"
    __table_args__ = (Index("ix_provision_kind_indicator", "kind", "indicator"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    doc: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    jurisdiction: Mapped[str | None] = mapped_column(Text, index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(Text, index=True)
    approx: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float] = mapped_column(Float)
    op: Mapped[str | None] = mapped_column(String(8))
    value_num: Mapped[float | None] = mapped_column(Float)
    value_max_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    value_max_text: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    per: Mapped[str | None] = mapped_column(String(16))
    base: Mapped[str | None] = mapped_column(Text)
    sanction: Mapped[str | None] = mapped_column(String(32))
    polarity: Mapped[str | None] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(Text)
    cites: Mapped[str | None] = mapped_column(Text)  # section path of the rule a sanction enforces
    duration: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(8))  # ISO 4217 (models.vocab.Currency)
    record: Mapped[dict] = mapped_column(JSON)  # the exact JSON record, as exported

    document: Mapped[Document] = relationship(back_populates="provisions")
    jurisdiction_row: Mapped[Jurisdiction | None] = relationship()


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("POLICYX_DB") or DEFAULT_DB


class BadDatabase(RuntimeError):
    """A database that cannot be opened as asked: a URL SQLAlchemy cannot parse, a driver
    that is not installed, a server that does not answer, a SQLite file that is not there
    to read. The message is one line and names the URL with its password masked."""


class NoSuchDatabase(BadDatabase, FileNotFoundError):
    """A SQLite file asked for reading that does not exist: reading never creates a
    database (a mistyped path would otherwise read as an empty one)."""


def masked_url(url: str) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not parseable: mask what looks like user:password@
        return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for other backends, :memory: and file: URIs."""
    u = make_url(url)
    if (u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:"
            and not u.database.startswith("file:") and not u.query.get("uri")):
        return Path(u.database)
    return None


def _reason(e: BaseException, url: str) -> str:
    """The cause of a failure to open a database, in one line, without the password."""
    cause = e.orig if isinstance(e, DBAPIError) and e.orig is not None else e
    text = " ".join(str(cause).split()) or type(cause).__name__
    if isinstance(cause, ImportError):
        text = f"driver not installed ({text})"
    try:
        password = make_url(url).password
    except Exception:
        password = None
    return text.replace(password, "***") if password else text


def check_database(url: str, create: bool = True) -> str:
    """The URL, once it is one SQLAlchemy can use; with `create` False a SQLite file
    must already exist (NoSuchDatabase). Raises BadDatabase with the cause."""
    try:
        path = sqlite_file(url)
    except (ArgumentError, ValueError) as e:
        raise BadDatabase(f"bad database URL {masked_url(url)!r}: {_reason(e, url)}") from None
    if path is not None and not create and not path.is_file():
        shown = f"{path} (in {Path.cwd()})" if not path.is_absolute() else str(path)
        if path.exists():
            raise BadDatabase(f"not a database file: {shown}")
        raise NoSuchDatabase(f"no such database file: {shown}; `policyx run` creates it")
    return url


# --- SQLite transaction control --------------------------------------------------
# The sqlite3 driver's own BEGIN handling is switched off and we emit BEGIN ourselves:
# IMMEDIATE by default, so a transaction that reads and then writes takes the write
# lock up front and waits (busy_timeout) for another process instead of failing on a
# stale WAL snapshot; sessions opened read_only begin DEFERRED and never wait.
SQLITE_BEGIN = "policyx_sqlite_begin"


def _sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    if not _foreign_tables(cur):  # another program's database is left as it is (upgrade refuses it)
        _switch_to_wal(cur)
        # in WAL, NORMAL syncs at checkpoints, not at every commit: a crash of the
        # program loses nothing committed, a power cut at most the last transactions
        cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _foreign_tables(cur) -> list[str]:
    """The tables of a SQLite database that holds tables but none of policyx's: another
    program's file given as --db."""
    tables = [r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    ours = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
    return [] if not tables or ours & set(tables) else tables


def _switch_to_wal(cur) -> None:
    """WAL once per database file. SQLite answers a journal-mode change with "database is
    locked" at once, without the busy handler, while another process opens the same new
    file: wait and look again (the other process has usually switched it by then)."""
    deadline = time.monotonic() + 30
    while (mode := cur.execute("PRAGMA journal_mode").fetchone()[0].lower()) != "wal":
        if mode == "memory":
            return  # an in-memory database keeps its journal in memory: it has no WAL
        try:
            cur.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # readable Chinese in the database


# --- engines and migrations ----------------------------------------------------
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
MIGRATION_LOCK = 7_351_044_219  # PostgreSQL advisory lock key: one migrator at a time


def get_engine(url: str) -> Engine:
    """One engine per URL per process, brought to the newest schema on first use. A URL
    that gives no database (bad scheme, missing driver, unreachable server) raises
    BadDatabase naming the cause."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _open_engine(url)
            upgrade(engine)
            _engines[url] = engine
        return engine


def _open_engine(url: str) -> Engine:
    shown = masked_url(url)
    try:
        engine = _make_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as e:
        raise BadDatabase(f"bad database URL {shown!r}: {_reason(e, url)}") from None
    except OSError as e:  # the SQLite file's folder cannot be made
        raise BadDatabase(f"cannot open database {shown!r}: {_reason(e, url)}") from None
    try:
        with engine.connect():
            pass
    except (DBAPIError, ImportError, OSError) as e:
        engine.dispose()
        raise BadDatabase(f"cannot open database {shown!r}: {_reason(e, url)}") from None
    log.debug("opened %s", shown)
    return engine


def _forget_connections_after_fork() -> None:
    """A forked worker must not use the connections it inherited (the parent goes on
    using them): its engines drop them unclosed and open their own on first use."""
    global _engines_lock
    _engines_lock = threading.Lock()
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_connections_after_fork)


def shared_between_processes(url: str) -> bool:
    """Whether other processes reach the same database by this URL: a server or a SQLite
    file; an in-memory SQLite database lives in one process only."""
    return make_url(url).get_backend_name() != "sqlite" or sqlite_file(url) is not None


@contextmanager
def writer_turn(url: str) -> Iterator[None]:
    """Wait for this process's turn to write a SQLite file, woken the moment the writer
    before it is done. SQLite's own wait (busy_timeout) sleeps in steps of up to 100 ms
    and looks again, so two workers storing documents of 20 ms each lost a fifth of their
    time asleep; an flock on the database file (apart from SQLite's own fcntl locks) is
    handed over by the kernel at once. Other backends wait on their own."""
    path = sqlite_file(url)
    if path is None or fcntl is None:
        yield
        return
    with open(path, "rb") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def dispose_engine(url: str) -> None:
    """Close a URL's pooled connections and forget it (tests, and dropping a database)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs = {}
    if u.get_backend_name() == "postgresql" and u.get_driver_name() == "psycopg" and "connect_timeout" not in u.query:
        kwargs["connect_args"] = {"connect_timeout": 10}  # an unreachable host fails in seconds, not minutes
    engine = create_engine(url, json_serializer=_json_dumps, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def alembic_config(url: str | None = None):
    """A programmatic Alembic config pointing at the migrations shipped in the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class LegacyDatabase(BadDatabase):
    """A database made before policyx had migrations: its schema cannot be assumed."""


class ForeignDatabase(BadDatabase):
    """A database that holds another program's tables and none of policyx's: never
    altered (no tables added, its journal mode kept)."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` in one transaction; concurrent processes
    serialize on the SQLite write lock or a PostgreSQL advisory lock."""
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        tables = set(inspect(conn).get_table_names())
        ours = {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}
        if tables and not tables & ours:
            raise ForeignDatabase(f"{engine.url.render_as_string(hide_password=True)} is another program's database "
                                  f"(tables {', '.join(sorted(tables)[:5])}{' …' if len(tables) > 5 else ''}): "
                                  "give policyx a database of its own")
        if "documents" in tables and "alembic_version" not in tables:
            raise LegacyDatabase(f"{engine.url.render_as_string(hide_password=True)} holds policyx tables made "
                                 "before migrations existed; move it aside and run again to rebuild it")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def session_factory(url: str | None = None, read_only: bool = False, create: bool = True) -> sessionmaker:
    """The project's one way to open database sessions. `read_only` sessions never
    wait for a writer on SQLite (they must not write). With `create` False a SQLite
    file that does not exist is an error (NoSuchDatabase), never a new empty database:
    readers pass it. Any URL that gives no database raises BadDatabase."""
    engine = get_engine(check_database(database_url(url), create=create))
    if read_only and engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
    return sessionmaker(engine, expire_on_commit=False)
