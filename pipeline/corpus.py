"""The corpus loop: walk inputs, process each document, store it, write exports."""
from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from models.db import Run, database_url, session_factory
from pipeline import __version__
from pipeline.compare import align_indicators
from pipeline.ingest import FORMATS, file_sha256
from pipeline.run import DocumentResult, iter_files, process_document
from pipeline.store import is_unchanged, provisions_of, save_result


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class RunSummary:
    db_url: str
    run_id: int
    total: int = 0
    failures: list[Failure] = field(default_factory=list)
    by_format: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(
        lambda: {"ok": 0, "unchanged": 0, "failed": 0, "provisions": 0}))
    document_ids: list[int] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)


def run_corpus(paths: list[Path], db_url: str | None = None, out_dir: Path = Path("outputs"),
               show_progress: bool = False, console: Console | None = None) -> RunSummary:
    url = database_url(db_url)
    Session = session_factory(url)
    with Session.begin() as s:
        run = Run(version=__version__)
        s.add(run)
    summary = RunSummary(db_url=url, run_id=run.id)
    walk_errors: list[Failure] = []
    files = list(iter_files(paths, on_error=lambda p, why: walk_errors.append(Failure(str(p), why))))
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), TextColumn("{task.fields[name]}"), console=console,
                        disable=not show_progress, transient=True)
    with progress:
        task = progress.add_task("processing", total=len(files), name="")
        for path in files:
            progress.update(task, name=path.name[:40])
            _one(Session, path, run.id, summary)
            progress.advance(task)
    summary.failures += walk_errors
    with Session.begin() as s:
        run = s.get(Run, run.id)
        run.finished_at = datetime.now(timezone.utc)
        run.n_ok = sum(c["ok"] for c in summary.by_format.values())
        run.n_unchanged = sum(c["unchanged"] for c in summary.by_format.values())
        run.n_failed = len(summary.failures)
        records = align_indicators(provisions_of(s, summary.document_ids))
    summary.exports.append(write_jsonl(out_dir, "rules.jsonl", records))
    return summary


def _one(Session, path: Path, run_id: int, summary: RunSummary) -> None:
    fmt = FORMATS.get(path.suffix.lower(), "other")
    counts = summary.by_format[fmt]
    summary.total += 1
    try:
        sha = file_sha256(path)
        with Session() as s:
            existing = is_unchanged(s, str(path), sha)
            if existing is not None:
                counts["unchanged"] += 1
                counts["provisions"] += len(existing.provisions)
                summary.document_ids.append(existing.id)
                return
    except OSError:
        pass  # process_document reports the cause
    result: DocumentResult = process_document(path)
    with Session.begin() as s:
        doc = save_result(s, result, run_id)
        doc_id = doc.id
    if result.ok:
        counts["ok"] += 1
        counts["provisions"] += len(result.provisions)
        summary.document_ids.append(doc_id)
    else:
        counts["failed"] += 1
        summary.failures.append(Failure(str(path), result.error))


def write_jsonl(out_dir: Path, name: str, records: list[dict]) -> Path:
    """Write atomically inside out_dir; `name` is ours, never taken from a document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, target)
    return target
