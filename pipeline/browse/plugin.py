"""The Datasette plugin `policyx browse` registers: Chinese-aware search.

Datasette's search box runs `... match escape_fts(:search)`; this replaces that SQL
function with pipeline.browse.fts.escape_fts, which matches how the browse copy's index
was written. `trylast`, so it runs after Datasette's own definition and wins.
"""
from __future__ import annotations

from datasette import hookimpl

from pipeline.browse.fts import escape_fts


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
