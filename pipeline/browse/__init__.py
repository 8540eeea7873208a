"""`policyx browse`: the rule database as a Datasette site, served from a browse copy.

Why a copy: the rule database is the product and its schema belongs to the migrations,
while Datasette wants one flat, labelled table to facet, sort and search. So a SQLite
file beside the database (`rules.db` → `rules.browse.db`; in the cache folder for a
PostgreSQL URL or a folder we may not write) holds the current provisions exactly as
rules.jsonl has them (read through pipeline.store, indicators aligned across documents
as pipeline.corpus.export_run aligns them), the documents with their status and error,
and an FTS5 index. It is rebuilt whenever the rule database changed since (its runs,
documents or provisions), and never written in place: a new copy replaces the old.

The site's titles, column labels, facets and canned queries are data beside this file
(data/metadata.json, data/*.sql).
"""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import sqlite3
from collections import Counter, defaultdict
from contextlib import nullcontext
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

DATA = Path(__file__).parent / "data"
LAYOUT = 1  # raise when the copy's tables change: older copies are then rebuilt
SOURCE_TABLE = "browse_source"
FTS_TABLE = "provisions_fts"
FTS_COLUMNS = ("sentence", "condition")

# (column, SQLite type) of the browse tables, in display order.
PROVISION_COLUMNS = (
    ("id", "integer primary key"), ("doc", "text"), ("title", "text"), ("jurisdiction", "text"),
    ("jurisdiction_code", "text"), ("jurisdiction_level", "text"), ("policy_area", "text"), ("kind", "text"),
    ("sanction", "text"), ("indicator", "text"), ("subject", "text"), ("condition", "text"), ("cites", "text"),
    ("op", "text"), ("value", "real"), ("value_max", "real"), ("value_text", "text"), ("unit", "text"),
    ("per", "text"), ("base", "text"), ("currency", "text"), ("duration", "text"), ("target", "text"),
    ("sentence", "text"), ("quote", "text"), ("section", "text"),
    ("document_id", "integer references documents(id)"), ("span_start", "integer"), ("span_end", "integer"),
)
DOCUMENT_COLUMNS = (
    ("id", "integer primary key"), ("name", "text"), ("title", "text"), ("status", "text"), ("error", "text"),
    ("format", "text"), ("encoding", "text"), ("issuer", "text"), ("doc_number", "text"), ("issued", "text"),
    ("published", "text"), ("effective", "text"), ("jurisdiction", "text"), ("jurisdiction_code", "text"),
    ("jurisdiction_level", "text"), ("policy_area", "text"), ("provisions", "integer"), ("current", "integer"),
    ("path", "text"), ("created_at", "text"),
)
INDEXES = {"provisions": ("jurisdiction", "policy_area", "kind", "sanction", "indicator", "document_id"),
           "documents": ("status", "format", "policy_area")}
SETTINGS = {"facet_time_limit_ms": 1000, "sql_time_limit_ms": 5000}  # facets of a large corpus take a while


class BrowseError(ValueError):
    """What the user gave cannot be browsed (a bad URL, no such database, a port in
    use); the message is one line."""


# --- the rule database ------------------------------------------------------------------

class Source:
    """The rule database a URL names, checked without creating or changing it."""

    def __init__(self, url: str | None = None):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        from models.db import database_url

        self.url = database_url(url)
        try:
            u = make_url(self.url)
            u.get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError) as e:
            raise BrowseError(f"bad database URL {_hide_password(self.url)!r}: {_first_line(e)}") from None
        self.shown = u.render_as_string(hide_password=True)
        self.password = u.password
        self.backend, self.driver = u.get_backend_name(), u.get_driver_name()
        self.path: Path | None = None
        if self.backend == "sqlite":
            if not u.database or u.database == ":memory:" or u.database.startswith("file:"):
                raise BrowseError(f"bad database URL {self.shown!r}: name a database file (sqlite:///PATH)")
            self.path = Path(u.database).expanduser().absolute()
            if not self.path.is_file():
                raise BrowseError(f"no such database: {self.path}")
            self.name = self.path.stem
        else:
            self.name = u.database or self.backend

    def check(self) -> None:
        """A policyx rule database that can be opened: else BrowseError, and nothing made."""
        needed = {"alembic_version", "runs", "documents", "provisions"}
        try:
            if self.path is not None:  # read-only, so not even an empty file is written to
                con = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
                try:
                    tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
                finally:
                    con.close()
            else:
                from sqlalchemy import create_engine, inspect

                args = {"connect_timeout": 10} if self.driver == "psycopg" else {}  # no minutes-long hang
                engine = create_engine(self.url, connect_args=args)
                try:
                    with engine.connect() as conn:
                        tables = set(inspect(conn).get_table_names())
                finally:
                    engine.dispose()
        except Exception as e:  # the driver's own errors: not a database, refused, no such database
            raise BrowseError(f"cannot open {self.shown}: {self.reason(e)}") from None
        if not needed <= tables:
            raise BrowseError(f"{self.path or self.shown} is not a policyx rule database "
                              f"(no {', '.join(sorted(needed - tables))} table); make one with policyx run")

    def reason(self, e: BaseException) -> str:
        """The cause, in one line, without the password."""
        cause = getattr(e, "orig", None) or e
        text = _first_line(cause)
        if isinstance(cause, ImportError):
            text = f"driver not installed ({text})"
        return text.replace(self.password, "***") if self.password else text


def _first_line(e: object) -> str:
    lines = [x.strip() for x in str(e).splitlines() if x.strip()]
    return lines[0] if lines else type(e).__name__


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def cache_dir() -> Path:
    """Where copies of databases without a folder of our own go ($XDG_CACHE_HOME/policyx/browse)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "policyx" / "browse"


def browse_path(src: Source, cache: Path | None = None) -> Path:
    """`<db stem>.browse.db` beside a SQLite database whose folder we may write, else a
    file in the cache folder named by the database and a hash of its URL."""
    if src.path is not None and os.access(src.path.parent, os.W_OK):
        return src.path.with_name(f"{src.path.stem}.browse.db")
    key = sha256(src.shown.encode("utf-8")).hexdigest()[:12]
    safe = re.sub(r"[^\w.-]+", "_", src.name)[:60] or "db"
    return (cache or cache_dir()) / f"{safe}-{key}.browse.db"


# --- building the copy ---------------------------------------------------------------

def build_browse_db(url: str | None = None, path: Path | None = None, cache: Path | None = None,
                    force: bool = False) -> Path:
    """The browse copy of the rule database at `url`, rebuilt first when the database
    changed since it was made (or `force`). Returns its path."""
    from sqlalchemy.exc import SQLAlchemyError

    from models import db as models_db
    from models.db import LegacyDatabase, session_factory

    src = Source(url)
    src.check()
    target = Path(path) if path is not None else browse_path(src, cache)
    try:
        Session = session_factory(src.url, read_only=True)
        with Session() as s:  # one read transaction: the copy is one consistent state
            state = _state(s, src)
            if not force and built_state(target) == state:
                logger.info("browse copy %s is up to date", target)
                return target
            logger.info("building browse copy %s of %s", target, src.shown)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            try:
                _write(tmp, s, state, src)
                os.replace(tmp, target)
            except (OSError, sqlite3.Error) as e:  # a full disk, a folder we may not write
                raise BrowseError(f"cannot write the browse copy {target}: "
                                  f"{getattr(e, 'strerror', None) or _first_line(e)}") from None
            finally:
                tmp.unlink(missing_ok=True)
    except (LegacyDatabase, getattr(models_db, "BadDatabase", LegacyDatabase), SQLAlchemyError) as e:
        raise BrowseError(f"cannot read {src.shown}: {src.reason(e)}") from None
    return target


def _state(s, src: Source) -> dict:
    """What a copy was built from: any run, new document version or provision changes it."""
    from sqlalchemy import func, select

    from models.db import Document, ProvisionRow, Run
    from pipeline import __version__

    one = lambda q: s.scalar(q)  # noqa: E731
    return {"layout": LAYOUT, "policyx": __version__, "source": src.shown,
            "runs": one(select(func.max(Run.id))),
            "documents": one(select(func.count(Document.id))),
            "documents_max": one(select(func.max(Document.id))),
            "current": one(select(func.count(Document.id)).where(Document.current.is_(True))),
            "provisions": one(select(func.count(ProvisionRow.id))),
            "provisions_max": one(select(func.max(ProvisionRow.id)))}


def built_state(path: Path) -> dict | None:
    """The state a copy was built from, None when there is no readable copy."""
    if not Path(path).is_file():
        return None
    try:
        con = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute(f"select value from {SOURCE_TABLE} where key = 'state'").fetchone()
        finally:
            con.close()
        return json.loads(row[0]) if row else None
    except (sqlite3.Error, ValueError):
        return None


def browse_info(path: Path) -> dict[str, str]:
    """The copy's browse_source table: its database name, source, state, when built."""
    con = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
    try:
        return dict(con.execute(f"select key, value from {SOURCE_TABLE}").fetchall())
    finally:
        con.close()


def _documents(s):
    """Current versions of every path, and failures recorded beside a good version."""
    from sqlalchemy import or_, select

    from models.db import Document
    from models.db import Jurisdiction as JurisdictionRow

    return s.execute(
        select(Document.id, Document.name, Document.title, Document.status, Document.error, Document.format,
               Document.encoding, Document.issuer, Document.doc_number, Document.issued, Document.published,
               Document.effective, JurisdictionRow.name.label("jurisdiction"),
               JurisdictionRow.code.label("jurisdiction_code"), JurisdictionRow.level.label("jurisdiction_level"),
               Document.current, Document.path, Document.created_at)
        .outerjoin(JurisdictionRow, Document.jurisdiction_id == JurisdictionRow.id)
        .where(or_(Document.current.is_(True), Document.status != "ok"))
        .order_by(Document.id)).all()


def _part_titles(s, document_ids: list[int]) -> dict[int, list[tuple[int, int, str | None]]]:
    """document id -> (source start, end, title) of each part of a compilation."""
    from sqlalchemy import select

    from models.db import Part

    out: dict[int, list] = defaultdict(list)
    for i in range(0, len(document_ids), 1000):
        for doc_id, start, end, title in s.execute(
                select(Part.document_id, Part.source_start, Part.source_end, Part.title)
                .where(Part.document_id.in_(document_ids[i:i + 1000])).order_by(Part.document_id, Part.ordinal)):
            out[doc_id].append((start, end, title))
    return out


def _title(record: dict, parts: list | None, default: str | None) -> str | None:
    """The title of the part (第X篇) of a compilation the provision is in, else the document's."""
    start = (record.get("span") or [None])[0]
    for p_start, p_end, title in parts or ():
        if title and start is not None and p_start <= start < p_end:
            return title
    return default


def _number(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def provision_row(row_id: int, document_id: int, title: str | None, r: dict) -> tuple:
    """One record as a row of PROVISION_COLUMNS."""
    value, value_max = r.get("value"), r.get("value_max")
    texts = [v for v in (value, value_max) if isinstance(v, str)]
    span = r.get("span") or (None, None)
    fields = {**r, "id": row_id, "document_id": document_id, "title": title, "value": _number(value),
              "value_max": _number(value_max), "value_text": "–".join(texts) or None,
              "span_start": span[0], "span_end": span[1]}
    return tuple(fields.get(c) for c, _ in PROVISION_COLUMNS)


def _create(con: sqlite3.Connection) -> None:
    for table, columns in (("documents", DOCUMENT_COLUMNS), ("provisions", PROVISION_COLUMNS)):
        con.execute(f"create table {table} ({', '.join(f'[{c}] {t}' for c, t in columns)})")
    con.execute(f"create table {SOURCE_TABLE} (key text primary key, value text)")
    # External content (Datasette's convention, so the table page gets its search box),
    # indexed with fts_text's tokens, not the stored text: never run FTS5 'rebuild' on it.
    con.execute(f"create virtual table {FTS_TABLE} using fts5({', '.join(FTS_COLUMNS)}, "
                f"content=\"provisions\", content_rowid=\"id\", tokenize=\"unicode61 remove_diacritics 2\")")


def _write(path: Path, s, state: dict, src: Source) -> None:
    from pipeline.browse.fts import fts_text

    path.unlink(missing_ok=True)
    docs = _documents(s)
    ok = [d for d in docs if d.status == "ok" and d.current]
    parts = _part_titles(s, [d.id for d in ok])
    titles = {d.id: d.title or " / ".join(dict.fromkeys(t for _, _, t in parts.get(d.id, []) if t)) or None
              for d in docs}
    con = sqlite3.connect(path)
    try:
        con.execute("pragma journal_mode = off")  # a private file, renamed into place when complete
        con.execute("pragma synchronous = off")
        _create(con)
        areas: dict[int, Counter] = defaultdict(Counter)
        counts: Counter = Counter()
        insert = f"insert into provisions values ({', '.join('?' * len(PROVISION_COLUMNS))})"
        batch = []
        from pipeline.corpus import aligned_records

        for n, (doc_id, r) in enumerate(aligned_records(lambda: nullcontext(s), [d.id for d in ok]), 1):
            batch.append(provision_row(n, doc_id, _title(r, parts.get(doc_id), titles[doc_id]), r))
            counts[doc_id] += 1
            if r.get("policy_area"):
                areas[doc_id][r["policy_area"]] += 1
            if len(batch) >= 1000:
                con.executemany(insert, batch)
                batch.clear()
        con.executemany(insert, batch)
        con.executemany(
            f"insert into documents values ({', '.join('?' * len(DOCUMENT_COLUMNS))})",
            [(d.id, d.name, titles[d.id], d.status, d.error, d.format, d.encoding, d.issuer, d.doc_number, d.issued,
              d.published, d.effective, d.jurisdiction, d.jurisdiction_code, d.jurisdiction_level,
              areas[d.id].most_common(1)[0][0] if areas.get(d.id) else None, counts.get(d.id, 0), int(d.current),
              d.path, d.created_at.isoformat() if d.created_at else None) for d in docs])
        for table, columns in INDEXES.items():
            for c in columns:
                con.execute(f"create index ix_{table}_{c} on {table} ([{c}])")
        con.create_function("fts_text", 1, fts_text, deterministic=True)
        con.execute(f"insert into {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) "
                    f"select id, {', '.join(f'fts_text([{c}])' for c in FTS_COLUMNS)} from provisions")
        con.execute(f"insert into {FTS_TABLE} ({FTS_TABLE}) values ('optimize')")
        n_rows = sum(counts.values())
        con.executemany(f"insert into {SOURCE_TABLE} values (?, ?)", [
            ("state", json.dumps(state, ensure_ascii=False, sort_keys=True)), ("name", src.name),
            ("source", src.shown), ("built_at", datetime.now(timezone.utc).isoformat(timespec="seconds")),
            ("provisions", str(n_rows)), ("documents", str(len(docs)))])
        con.commit()
        con.execute("analyze")
    finally:
        con.close()
    logger.info("browse copy: %d provisions of %d documents", n_rows, len(ok))


# --- the site -----------------------------------------------------------------------------

def site_metadata(name: str) -> dict:
    """Datasette metadata for the copy served as database `name`: data/metadata.json with
    each canned query's SQL read from its data/*.sql file."""
    meta = json.loads((DATA / "metadata.json").read_text(encoding="utf-8"))
    database = meta.pop("database")
    for query_name, query in database.get("queries", {}).items():
        sql_file = DATA / query.pop("sql_file")
        if not sql_file.is_file():
            raise ValueError(f"metadata.json: queries.{query_name}: no such file {sql_file.name}")
        query["sql"] = sql_file.read_text(encoding="utf-8").strip()
    meta["databases"] = {name: database}
    return meta


def datasette_app(path: Path, name: str | None = None):
    """A Datasette instance serving the copy, immutable, as database `name` (the rule
    database's stem: /rules/provisions), with the Chinese-aware search plugin."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from pipeline.browse import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="policyx-browse")
    path = Path(path).absolute()
    name = name or browse_info(path).get("name") or path.stem
    ds = Datasette(immutables=[str(path)], metadata=site_metadata(name), settings=SETTINGS)
    key, db = next((k, d) for k, d in ds.databases.items() if d.path == str(path))
    ds.remove_database(key)
    ds.add_database(db, name=name)
    return ds


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, so that a port in use is a clear error before anything is printed."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as e:
        raise BrowseError(f"cannot listen on {host}: {e.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise BrowseError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    return sock


def serve(path: Path, host: str = "127.0.0.1", port: int = 8001, open_browser: bool = False,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve the copy until Ctrl-C (or SIGTERM). `ready` gets the provisions table's URL
    once the port is bound."""
    import webbrowser

    import uvicorn

    ds = datasette_app(path)
    sock = listen(host, port)
    name = next(k for k, d in ds.databases.items() if d.path == str(Path(path).absolute()))
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{sock.getsockname()[1]}{ds.urls.table(name, 'provisions')}"
    logger.info("serving %s at %s", path, url)
    if ready is not None:
        ready(url)
    if open_browser:
        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(ds.app(), log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on
        logger.info("stopped")
    finally:
        sock.close()
