"""Alembic environment for the policyx rule database.

models.db.upgrade() hands in an open connection (config.attributes["connection"]) inside
its own transaction and lock; the alembic command line (`alembic -c
models/migrations/alembic.ini upgrade head`) connects to -x db=URL, sqlalchemy.url, or
$POLICYX_DB / the default database. Logging is left to the application.
"""
from __future__ import annotations

from alembic import context

from models.db import Base, database_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("db") or config.get_main_option("sqlalchemy.url") \
        or database_url()


def _configure(**kw) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode recreates the table.
    context.configure(target_metadata=target_metadata, render_as_batch=True, compare_type=True, **kw)


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
        return
    from models.db import _make_engine  # our SQLite settings, without get_engine's own upgrade

    engine = _make_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
