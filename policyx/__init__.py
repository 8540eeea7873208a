"""policyx for notebooks: the rule database as pandas DataFrames.

    import policyx
    df = policyx.load_provisions("sqlite:///outputs/rules.db")
    table = policyx.compare("sqlite:///outputs/rules.db", indicator="党务工作人员")
    fines = policyx.compare("sqlite:///outputs/rules.db", kind="sanction", subject="控制吸烟", jurisdiction=["北京", "上海"])
"""
from __future__ import annotations

from pipeline import __version__

__all__ = ["__version__", "load_provisions", "compare"]


def load_provisions(db_url: str | None = None, kind: str | None = None):
    """All current provisions as a DataFrame, one row per record, contract columns."""
    import pandas as pd

    from pipeline.query import current_records

    return pd.DataFrame(current_records(db_url, kind=kind))


def compare(db_url: str | None = None, indicator: str | None = None, kind: str | None = None,
            jurisdiction: str | list[str] | None = None, subject: str | None = None):
    """The cross-jurisdiction comparison as a DataFrame, the rows `policyx compare
    --format csv` prints (the columns of comparison.csv): one row per provision, with its
    indicator, jurisdiction, value, unit class, verdict (stricter/looser/same/overlapping,
    only against other jurisdictions' values of one unit class), evidence, and a
    sanction's condition (the conduct), cites and currency. `jurisdiction` takes one
    name or several (济南 finds 山东省济南市), `subject` a policy area (控制吸烟); an
    unknown kind or subject raises ValueError."""
    import pandas as pd

    from pipeline.export.tables import DEFAULT_COLUMNS
    from pipeline.query import comparison_table

    wanted = [jurisdiction] if isinstance(jurisdiction, str) else jurisdiction
    _, rows = comparison_table(db_url, indicator=indicator, kind=kind, jurisdictions=wanted, subject=subject)
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*DEFAULT_COLUMNS, *(k for r in rows for k in r)])))
