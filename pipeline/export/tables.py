"""The comparison as tables for spreadsheets: comparison.csv and comparison.xlsx.

Researchers open these in Excel, so the CSV carries a BOM (Excel otherwise reads UTF-8
as the local code page and garbles Chinese) and cells that Excel would evaluate as
formulas are defused: document text is untrusted.
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
                   "value_max", "unit", "currency", "per", "quote", "sentence", "condition", "cites", "section", "doc",
                   "copies", "policy_area", "span_start", "span_end"]
VERDICTS = ("stricter", "looser", "overlapping", "same", "only", "n/a")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
OVERVIEW = "overview"
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


def defuse(value):
    """A string Excel would run as a formula (=, +, -, @ first) gets a leading
    apostrophe, OWASP's advice for CSV injection; numbers and other text pass as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(out_dir: Path, rows: list[dict], name: str = "comparison.csv") -> Path:
    return write_rows_csv(out_dir, name, columns_of(rows), rows)


def sheet_names(titles: list[str], taken: set[str] | None = None) -> list[str]:
    """One valid, unique Excel sheet name per title, in order."""
    used = {t.lower() for t in (taken or set())}
    out = []
    for title in titles:
        base = SHEET_FORBIDDEN.sub("_", title or "")
        base = "".join(ch for ch in base if ch.isprintable()).strip().strip("'").strip() or "indicator"
        if base.lower() in RESERVED_SHEETS:
            base += "_"
        base = base[:SHEET_MAX].strip().strip("'") or "indicator"
        name, n = base, 1
        while name.lower() in used:
            n += 1
            suffix = f"~{n}"
            name = base[:SHEET_MAX - len(suffix)].rstrip("'") + suffix
        used.add(name.lower())
        out.append(name)
    return out


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
SHEET_COLUMNS = [c for c in DEFAULT_COLUMNS if c not in ("indicator", "kind")]  # the sheet is the indicator
WIDE = {"sentence": 60, "quote": 24, "condition": 40, "cites": 24, "section": 28, "doc": 26, "jurisdiction": 24}


def write_rows_csv(out_dir: Path, name: str, columns: list[str], rows: list[dict]) -> Path:
    """A table of the given columns, UTF-8 with BOM, formulas defused (comparison, matrix, codebook)."""
    with atomic_path(out_dir, name) as tmp:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            w.writeheader()
            for r in rows:
                w.writerow({k: defuse(v) for k, v in r.items()})
    return target_path(out_dir, name)


def write_matrix_csv(out_dir: Path, matrices: list[SubjectMatrix], name: str = "matrix.csv") -> Path:
    """Every subject's matrix in one wide table: subject, jurisdiction, one column per question."""
    columns, rows = matrix_rows(matrices)
    return write_rows_csv(out_dir, name, columns, rows)


def write_codebook_csv(out_dir: Path, matrices: list[SubjectMatrix], name: str = "codebook.csv") -> Path:
    return write_rows_csv(out_dir, name, CODEBOOK_COLUMNS, codebook_rows(matrices))


MATRIX_SHEET = "矩阵 {subject}"  # one sheet per subject, after the indicator sheets


def write_xlsx(out_dir: Path, comparisons: list[IndicatorComparison], rows: list[dict],
               name: str = "comparison.xlsx", matrices: list[SubjectMatrix] | None = None) -> Path:
    """An overview sheet (one line per indicator, linked to its sheet), one sheet per
    indicator with its provisions, then one jurisdiction × question sheet per subject;
    styled header, frozen, widths that fit CJK text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = Workbook()
    ws = wb.active
    ws.title = OVERVIEW
    names = sheet_names([c.indicator for c in comparisons], taken={OVERVIEW})
    by_indicator: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        by_indicator.setdefault((r["indicator"], r["kind"]), []).append(r)

    def fill(sheet, header: list[str], body: list[list], widths: dict[int, int]):
        sheet.append([_cell(h) for h in header])
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="center")
        for line in body:
            sheet.append([_cell(v) for v in line])
        _force_text(sheet)
        for i, h in enumerate(header, start=1):
            width = max([_display_width(h)] + [_display_width(line[i - 1]) for line in body])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), widths.get(i, 40))
        sheet.freeze_panes = "A2"
        if body:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(body) + 1}"
        return sheet

    ov = overview_rows(comparisons)
    keys = list(OVERVIEW_HEADER)
    fill(ws, [OVERVIEW_HEADER[k] for k in keys], [[o[k] for k in keys] for o in ov],
         {1: 40, 4: 60, 5: 36})
    for row_idx, sheet_name in enumerate(names, start=2):
        cell = ws.cell(row=row_idx, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{_quote_sheet(sheet_name)}!A1")
        cell.font = Font(color="0563C1", underline="single")

    for c, sheet_name in zip(comparisons, names):
        sheet = wb.create_sheet(sheet_name)
        body = [[r.get(k) for k in SHEET_COLUMNS] for r in by_indicator.get((c.indicator, c.kind), [])]
        fill(sheet, SHEET_COLUMNS, body, {i: WIDE.get(k, 16) for i, k in enumerate(SHEET_COLUMNS, start=1)})
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = wrap
    matrices = matrices or []
    taken = {OVERVIEW, *names}
    for m, sheet_name in zip(matrices, sheet_names([MATRIX_SHEET.format(subject=m.subject) for m in matrices],
                                                   taken=taken)):
        sheet = wb.create_sheet(sheet_name)
        places = ["jurisdiction", "jurisdiction_code", "jurisdiction_level"]
        header = places + [q.indicator for q in m.questions]
        body = [[*(row[p] for p in places), *(row[q.indicator] for q in m.questions)] for row in m.wide_rows()]
        fill(sheet, header, body, {i: 24 if i == 1 else (12 if i <= len(places) else 36) for i in range(1, len(header) + 1)})
        sheet.freeze_panes = "D2"  # the jurisdiction stays in view while scrolling questions
        for line in sheet.iter_rows(min_row=1):
            for cell in line:
                cell.alignment = wrap
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
    stay text, so every string cell is typed as a string."""
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _display_width(value) -> int:
    """Characters as Excel columns count them: CJK and full-width characters are two."""
    if value is None:
        return 0
    s = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)
