"""policyx for notebooks: the rule database as pandas DataFrames.

    import policyx
    df = policyx.load_provisions("sqlite:///outputs/rules.db")
    table = policyx.compare("sqlite:///outputs/rules.db", indicator="党务工作人员")
    fines = policyx.compare("sqlite:///outputs/rules.db", kind="sanction", subject="控制吸烟", jurisdiction=["北京", "上海"])

Neither creates a database: a SQLite path that does not exist raises NoSuchDatabase (a
FileNotFoundError, "no such database file: PATH"); an unknown kind, subject or
jurisdiction raises ValueError naming it and the allowed values.
"""
from __future__ import annotations

from models.db import BadDatabase, NoSuchDatabase
from pipeline import __version__

__all__ = ["__version__", "load_provisions", "compare", "BadDatabase", "NoSuchDatabase"]

# the typed columns load_provisions() puts after value_max: a record's value is a number,
# an ISO 8601 duration (a deadline's P30D) or a date (2012-04-15, XXXX-12, 2012-H1)
VALUE_COLUMNS = ("value", "value_max", "value_duration", "value_max_duration", "value_date", "value_max_date")


def load_provisions(db_url: str | None = None, kind: str | None = None):
    """All current provisions as a DataFrame, one row per record, contract columns, with
    typed values: `value` and `value_max` are float (NaN where the record's value is not
    a number), a deadline's ISO duration is in `value_duration` / `value_max_duration`
    (P30D) and a date in `value_date` / `value_max_date` (2012-04-15; XXXX- where the
    text gives no year), so numbers are numeric. rules.jsonl keeps the record as is."""
    import pandas as pd

    from pipeline.query import current_records

    rows = [typed_values(r) for r in current_records(db_url, kind=kind)]
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    columns = list(df.columns)
    head = [c for c in columns[:columns.index("value")] if c not in VALUE_COLUMNS] if "value" in columns else columns
    order = list(dict.fromkeys([*head, *VALUE_COLUMNS, *columns]))
    df = df.reindex(columns=order)
    for c in ("value", "value_max"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in VALUE_COLUMNS[2:]:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def typed_values(record: dict) -> dict:
    """The record with value/value_max split by type: numbers stay, durations and dates
    move to their own keys."""
    from pipeline.compare import typed_value

    out = dict(record)
    for key in ("value", "value_max"):
        out[key], out[f"{key}_duration"], out[f"{key}_date"] = typed_value(out.get(key))
    return out


def compare(db_url: str | None = None, indicator: str | None = None, kind: str | None = None,
            jurisdiction: str | list[str] | None = None, subject: str | None = None):
    """The cross-jurisdiction comparison as a DataFrame, the rows `policyx compare
    --format csv` prints (the columns of comparison.csv): one row per provision, with its
    indicator, jurisdiction, value, unit class, verdict (stricter/looser/same/overlapping,
    only against other jurisdictions' values of one unit class), evidence, and a
    sanction's condition (the conduct), cites and currency. `jurisdiction` takes one
    name or several (济南 finds 山东省济南市), `subject` a stored policy area (控制吸烟);
    an unknown kind, subject or jurisdiction raises ValueError naming the allowed ones."""
    import pandas as pd

    from pipeline.export.tables import DEFAULT_COLUMNS
    from pipeline.query import comparison_table

    wanted = [jurisdiction] if isinstance(jurisdiction, str) else jurisdiction
    _, rows = comparison_table(db_url, indicator=indicator, kind=kind, jurisdictions=wanted, subject=subject)
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*DEFAULT_COLUMNS, *(k for r in rows for k in r)])))
