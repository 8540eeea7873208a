"""Exports of a run: the rule database as files people and programs open directly.

`write_exports` writes, into out_dir and under fixed names only (never a name taken
from a document), each file atomically:

- rules.jsonl        one provision record per line (the contract, PROVISIONS.md)
- rules.schema.json  JSON Schema (draft 2020-12) of that record, for consumers to validate;
                     generated from the record and models.vocab (pipeline.export.schema)
- comparison.csv     compare()'s rows with each provision's condition, cites and currency,
                     UTF-8 with BOM; values exact (data for programs, like every CSV here)
- comparison.xlsx    for Excel: overview, one provisions sheet (autofilter, frozen header),
                     one matrix sheet per subject, the codebook; text never runs as a formula
- report.html        one offline page: the matrix per subject first, per-question charts, the
                     provisions (filters, search) and each one's source (pipeline/export/report.py)
- matrix.csv         per policy subject, one row per jurisdiction and one column per question
                     (pipeline/matrix.py): the value with its citation, or 未见规定
- codebook.csv       each question of the matrix: its definition, kind, unit class, provisions
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from pipeline.export.files import atomic_path, target_path, write_text

SCHEMA = Path(__file__).parent / "rules.schema.json"
EXPORT_NAMES = ("rules.jsonl", "rules.schema.json", "comparison.csv", "comparison.xlsx", "report.html", "matrix.csv",
                "codebook.csv")

__all__ = ["write_exports", "write_rules_jsonl", "load_schema", "SCHEMA", "EXPORT_NAMES"]


def load_schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def write_rules_jsonl(out_dir: Path, records: Iterable[dict], name: str = "rules.jsonl") -> Path:
    """One record per line, Chinese kept as is (ensure_ascii=False), written atomically."""
    with atomic_path(out_dir, name) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return target_path(out_dir, name)


def write_exports(out_dir: Path, records: list[dict], sources: dict[str, str],
                  documents: list[dict] | None = None, aligned: bool = False) -> list[Path]:
    """Write every export of `records` into out_dir and return their paths.

    rules.jsonl holds the records as given; the comparison tables and the matrix group
    their indicators (pipeline/compare.py `prepare`) unless they are `aligned` already,
    so that every file of a run names a provision's question alike.

    `sources` maps a record's `doc` to its source text (source[span[0]:span[1]] ==
    quote); documents missing from it are shown without context in the report.
    `documents` ({doc, jurisdiction, policy_area}) are the documents with no provision
    for the matrix's 未见规定 rows; by default they are described from `sources`.
    """
    from pipeline.compare import compare
    from pipeline.export.report import render_report
    from pipeline.export.tables import table_rows, write_codebook_csv, write_csv, write_matrix_csv, write_xlsx
    from pipeline.matrix import build_matrices, silent_documents

    out_dir = Path(out_dir)
    records = list(records)
    paths = [write_rules_jsonl(out_dir, records),
             write_text(out_dir, "rules.schema.json", SCHEMA.read_text(encoding="utf-8"))]
    comparisons = compare(records, aligned=aligned)
    rows = table_rows(comparisons)
    if documents is None:
        documents = silent_documents(sources, records)
    matrices = build_matrices(records, documents=documents, aligned=aligned)
    paths.append(write_csv(out_dir, rows))
    paths.append(write_xlsx(out_dir, comparisons, rows, matrices=matrices))
    paths.append(write_text(out_dir, "report.html", render_report(records, sources, comparisons, matrices)))
    paths.append(write_matrix_csv(out_dir, matrices))
    paths.append(write_codebook_csv(out_dir, matrices))
    return paths
