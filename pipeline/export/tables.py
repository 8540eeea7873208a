"""The comparison as tables: comparison.csv, matrix.csv and codebook.csv for programs,
comparison.xlsx for people.

The CSVs are data: every value is written as stated, so `pandas.read_csv` (or R, or
csv.DictReader) gives back exactly what was exported (an `op` of "=" stays "=", a
quote stays the quote); they carry a UTF-8 BOM, which pandas and `utf-8-sig` read
transparently and which lets Excel show the Chinese if someone opens one there anyway.
No CSV is "for Excel": comparison.xlsx is, and it holds everything they do (the
comparison's provisions, the matrices, the codebook). Document text is untrusted, so
in the workbook every text cell is stored as text, never a formula, and a text Excel
would run if it were typed in (=…, +…, -…, @… that is not a plain number) is also
marked with Excel's quote prefix, so editing the cell keeps it text; the value itself
stays exact.
"""
from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path

from models.vocab import Kind, Per
from pipeline.compare import ComparisonRow, IndicatorComparison, comparison_rows
from pipeline.export.files import atomic_path, target_path
from pipeline.matrix import CODEBOOK_COLUMNS, SubjectMatrix, codebook_rows, matrix_rows

# Fields of the provision itself that a reader of a sanction needs beside its sentence:
# what triggers it, the rule it enforces, the currency of its amount.
PROVISION_COLUMNS = ("condition", "cites", "currency")
# The table's columns, in order (comparison_rows()'s keys plus PROVISION_COLUMNS); also
# the header when there is nothing to compare.
DEFAULT_COLUMNS = ["indicator", "kind", "jurisdiction", "jurisdiction_code", "jurisdiction_level", "value", "verdict", "unit_class", "op", "value_min",
                   "value_max", "value_duration", "value_max_duration", "value_date", "value_max_date", "unit", "currency", "per", "quote", "sentence", "condition", "cites", "section", "doc",
                   "copies", "policy_area", "span_start", "span_end"]
VERDICTS = ("stricter", "looser", "overlapping", "same", "only", "n/a")
FORMULA_START = ("=", "+", "-", "@")  # what makes Excel read a typed cell as a formula
SIGNED_NUMBER = re.compile(r"[+-]\s*(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")
OVERVIEW = "overview"
PROVISIONS = "provisions"
CODEBOOK = "codebook"
# Excel: at most 31 characters, none of []:*?/\ , not starting or ending with ', and
# "History" is reserved; names compare case-insensitively.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31
RESERVED_SHEETS = {"history"}


def table_rows(comparisons: list[IndicatorComparison]) -> list[dict]:
    """comparison_rows() with the PROVISION_COLUMNS of each row's record, in
    DEFAULT_COLUMNS order (keys comparison_rows may add later follow at the end)."""
    records = [r.record for c in comparisons for r in c.rows]
    out = []
    for row, record in zip(comparison_rows(comparisons), records, strict=True):
        row = {**row, **{k: record.get(k) for k in PROVISION_COLUMNS}}
        out.append({**{k: row.get(k) for k in DEFAULT_COLUMNS}, **row})
    return out


def columns_of(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for r in rows for k in r)) or list(DEFAULT_COLUMNS)


def excel_would_run(value) -> bool:
    """Whether Excel would take this text, typed into a cell, as a formula: it starts
    (after blanks) with =, +, - or @ and is more than the sign and more than a signed
    number. "=" and ">=" (an op), "-2" and "+3.5" are not; "=HYPERLINK(…)", "-2+3" and
    "@SUM(A1)" are."""
    if not isinstance(value, str):
        return False
    text = value.lstrip(" \t\r\n")
    if len(text) < 2 or not text.startswith(FORMULA_START):
        return False
    return not (text[0] in "+-" and SIGNED_NUMBER.fullmatch(text))


def write_csv(out_dir: Path, rows: list[dict], name: str = "comparison.csv") -> Path:
    return write_rows_csv(out_dir, name, columns_of(rows), rows)


def sheet_names(titles: list[str], taken: set[str] | None = None) -> list[str]:
    """One valid, unique, readable Excel sheet name per title, in order: at most 31
    characters (a longer title cut, ending in …), numbered " (2)", " (3)" only where two
    would otherwise be the same."""
    used = {t.lower() for t in (taken or set())}
    out = []
    for title in titles:
        base = SHEET_FORBIDDEN.sub("_", title or "")
        base = " ".join("".join(ch if ch.isprintable() else " " for ch in base).split()).strip("'").strip() or "sheet"
        if base.lower() in RESERVED_SHEETS:
            base += "_"
        name, n = _fit(base, ""), 1
        while name.lower() in used:
            n += 1
            name = _fit(base, f" ({n})")
        used.add(name.lower())
        out.append(name)
    return out


def _fit(base: str, suffix: str) -> str:
    room = SHEET_MAX - len(suffix)
    if len(base) > room:
        base = base[:room - 1].rstrip().rstrip("'") + "…"
    return base + suffix


def value_range(c: IndicatorComparison) -> str:
    """The spread of an indicator's values: numeric ends where the comparison has a
    scale (per-year counts, %, days), else the distinct stated values."""
    ends = [x for r in c.rows if r.interval for x in (r.interval.lo, r.interval.hi) if math.isfinite(x)]
    if ends:
        lo, hi = min(ends), max(ends)
        return f"{lo:g}–{hi:g}{scale_unit(c.rows)}" if lo != hi else f"{lo:g}{scale_unit(c.rows)}"
    values = list(dict.fromkeys(r.value_text for r in c.rows if r.value_text))
    return " · ".join(values[:8]) + (" …" if len(values) > 8 else "")


def scale_unit(rows: list[ComparisonRow]) -> str:
    """The unit interval_of() compares in: per-year for recurring counts, days for
    durations, % for ‰."""
    units = Counter(r.record.get("unit") for r in rows if r.interval).most_common(1)
    unit = units[0][0] if units else None
    kind = rows[0].kind if rows else ""
    if kind == Kind.DEADLINE or (kind == Kind.SANCTION and any(r.record.get("duration") for r in rows)):
        return " 天"
    if unit == "‰":
        unit = "%"
    per_year = kind == Kind.THRESHOLD and any(r.record.get("per") not in (None, Per.TERM) for r in rows)
    return f" {unit or ''}{'/年' if per_year else ''}".rstrip()


def overview_rows(comparisons: list[IndicatorComparison]) -> list[dict]:
    out = []
    for c in comparisons:
        verdicts = Counter(r.verdict for r in c.rows)
        out.append({"indicator": c.indicator, "kind": c.kind, "jurisdictions_n": len(c.jurisdictions),
                    "jurisdictions": "、".join(c.jurisdictions), "range": value_range(c), "rows": len(c.rows),
                    **{v: verdicts.get(v, 0) for v in VERDICTS}})
    return out


OVERVIEW_HEADER = {"indicator": "indicator", "kind": "kind", "jurisdictions_n": "jurisdictions (n)",
                   "jurisdictions": "jurisdictions", "range": "range of values", "rows": "provisions",
                   "stricter": "stricter", "looser": "looser", "overlapping": "overlapping", "same": "same",
                   "only": "only", "n/a": "n/a"}
WIDE = {"indicator": 32, "sentence": 60, "quote": 24, "condition": 40, "cites": 24, "section": 28, "doc": 26,
        "jurisdiction": 24, "copies": 26}
CODEBOOK_WIDE = {"subject": 16, "question": 36, "definition": 48, "documents": 48}


def write_rows_csv(out_dir: Path, name: str, columns: list[str], rows: list[dict]) -> Path:
    """A table of the given columns, UTF-8 with BOM, every value as it is (comparison,
    matrix, codebook): data for programs, see the module docstring."""
    with atomic_path(out_dir, name) as tmp:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    return target_path(out_dir, name)


def write_matrix_csv(out_dir: Path, matrices: list[SubjectMatrix], name: str = "matrix.csv") -> Path:
    """Every subject's matrix in one wide table: subject, jurisdiction, one column per question."""
    columns, rows = matrix_rows(matrices)
    return write_rows_csv(out_dir, name, columns, rows)


def write_codebook_csv(out_dir: Path, matrices: list[SubjectMatrix], name: str = "codebook.csv") -> Path:
    return write_rows_csv(out_dir, name, CODEBOOK_COLUMNS, codebook_rows(matrices))


MATRIX_SHEET = "矩阵 {subject}"  # one sheet per subject, after the provisions


def write_xlsx(out_dir: Path, comparisons: list[IndicatorComparison], rows: list[dict],
               name: str = "comparison.xlsx", matrices: list[SubjectMatrix] | None = None) -> Path:
    """The workbook for people: `overview` (one line per indicator, linked to its first
    provision), `provisions` (every row of comparison.csv, one sheet with an autofilter
    and a frozen header: filter by indicator, kind or jurisdiction), one jurisdiction ×
    question sheet `矩阵 <subject>` per subject, and `codebook` (each question defined).
    Styled header, widths that fit CJK text, text cells never formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    wrap = Alignment(wrap_text=True, vertical="top")
    matrices = matrices or []

    wb = Workbook()
    ws = wb.active
    ws.title = OVERVIEW

    def fill(sheet, header: list[str], body: list[list], widths: dict[int, int], wrapped: bool = False):
        sheet.append([_cell(h) for h in header])
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="center", wrap_text=wrapped)
        for line in body:
            sheet.append([_cell(v) for v in line])
        _force_text(sheet)
        if wrapped:
            for line in sheet.iter_rows(min_row=2):
                for cell in line:
                    cell.alignment = wrap
        for i, h in enumerate(header, start=1):
            width = max([_display_width(h)] + [_display_width(line[i - 1]) for line in body])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), widths.get(i, 40))
        sheet.freeze_panes = "A2"
        if body:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(body) + 1}"
        return sheet

    ov = overview_rows(comparisons)
    keys = list(OVERVIEW_HEADER)
    fill(ws, [OVERVIEW_HEADER[k] for k in keys], [[o[k] for k in keys] for o in ov], {1: 40, 4: 60, 5: 36})

    columns = columns_of(rows)
    sheet = wb.create_sheet(PROVISIONS)
    fill(sheet, columns, [[r.get(k) for k in columns] for r in rows],
         {i: WIDE.get(k, 16) for i, k in enumerate(columns, start=1)}, wrapped=True)
    first_row: dict[tuple[str, str], int] = {}
    for n, r in enumerate(rows, start=2):
        first_row.setdefault((r["indicator"], r["kind"]), n)
    for row_idx, c in enumerate(comparisons, start=2):
        target = first_row.get((c.indicator, c.kind))
        if target is None:
            continue
        cell = ws.cell(row=row_idx, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{_quote_sheet(PROVISIONS)}!A{target}")
        cell.font = Font(color="0563C1", underline="single")

    names = sheet_names([MATRIX_SHEET.format(subject=m.subject) for m in matrices], taken={OVERVIEW, PROVISIONS, CODEBOOK})
    for m, sheet_name in zip(matrices, names):
        sheet = wb.create_sheet(sheet_name)
        places = ["jurisdiction", "jurisdiction_code", "jurisdiction_level"]
        header = places + [q.indicator for q in m.questions]
        body = [[*(row[p] for p in places), *(row[q.indicator] for q in m.questions)] for row in m.wide_rows()]
        fill(sheet, header, body, {i: 24 if i == 1 else (12 if i <= len(places) else 36) for i in range(1, len(header) + 1)},
             wrapped=True)
        sheet.freeze_panes = "D2"  # the jurisdiction stays in view while scrolling questions

    book = codebook_rows(matrices)
    fill(wb.create_sheet(CODEBOOK), CODEBOOK_COLUMNS, [[b[k] for k in CODEBOOK_COLUMNS] for b in book],
         {i: CODEBOOK_WIDE.get(k, 14) for i, k in enumerate(CODEBOOK_COLUMNS, start=1)}, wrapped=True)
    with atomic_path(out_dir, name) as tmp:
        wb.save(tmp)
    return target_path(out_dir, name)


def _cell(value):
    """Text without the control characters XML (and so XLSX) cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _force_text(sheet) -> None:
    """openpyxl stores any string starting with '=' as a formula; document text must
    stay text, so every string cell is typed as a string, and one Excel would run if it
    were typed in gets the quote prefix (Excel's own "this is text" mark)."""
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if excel_would_run(cell.value):
                    cell.quotePrefix = True


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _display_width(value) -> int:
    """Characters as Excel columns count them: CJK and full-width characters are two."""
    if value is None:
        return 0
    s = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
