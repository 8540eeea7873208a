"""policyx for notebooks: the rule database as pandas DataFrames.

    import policyx
    df = policyx.load_provisions("sqlite:///outputs/rules.db")
    table = policyx.compare("sqlite:///outputs/rules.db", indicator="党务工作人员")
"""
from __future__ import annotations

from pipeline import __version__

__all__ = ["__version__", "load_provisions", "compare"]


def load_provisions(db_url: str | None = None, kind: str | None = None):
    """All current provisions as a DataFrame, one row per record, contract columns."""
    import pandas as pd

    from pipeline.query import current_records

    return pd.DataFrame(current_records(db_url, kind=kind))


def compare(db_url: str | None = None, indicator: str | None = None, kind: str | None = None):
    """The cross-jurisdiction comparison as a DataFrame, the columns of comparison.csv:
    one row per provision, with its indicator, jurisdiction, value, verdict
    (stricter/looser/overlapping), evidence, and a sanction's condition, cites and currency."""
    import pandas as pd

    from pipeline.compare import compare as build
    from pipeline.export.tables import DEFAULT_COLUMNS, table_rows
    from pipeline.query import current_records

    rows = table_rows(build(current_records(db_url), indicator=indicator, kind=kind))
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*DEFAULT_COLUMNS, *(k for r in rows for k in r)])))
