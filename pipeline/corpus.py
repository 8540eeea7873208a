"""The corpus loop: walk inputs, process each document, store it, write exports."""
from __future__ import annotations

import logging
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from sqlalchemy.exc import SQLAlchemyError

from models.db import Run, database_url, session_factory, shared_between_processes, writer_turn
from pipeline.compare import Voices
from pipeline.grouping import label_alignment, label_key
from pipeline.ingest import FORMATS, MAX_INPUT_BYTES, file_sha256
from pipeline.run import DocumentResult, extraction_version, iter_files, process_document
from pipeline.store import (export_names, indicator_keys, is_unchanged, prepare_rows, provisions_of, save_result,
                            source_texts, voice_rows)
from pipeline.workers import DEFAULT_TIMEOUT, process_many


log = logging.getLogger(__name__)


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
    skipped: list[Failure] = field(default_factory=list)  # files of a type no reader takes
    by_format: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(
        lambda: {"ok": 0, "unchanged": 0, "failed": 0, "provisions": 0}))
    document_ids: list[int] = field(default_factory=list)
    exports: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class StoredResult:
    """What a worker that stored its document itself sends back: the figures of the
    summary, not the document (pickling every text, offset map and provision to the
    parent, and storing them there, made the parent the bottleneck of two workers)."""

    path: str
    format: str | None
    document_id: int
    provisions: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ReadAndStore:
    """A worker's task where the database is shared between processes: process the
    file and store it through the worker's own connection, in one transaction, as the
    parent would. A result the worker cannot store (database locked past its wait, disk
    full) goes to the parent whole, which stores it or reports why not."""

    db_url: str
    run_id: int
    force: bool = False
    ocr: bool = False

    def __call__(self, path: Path) -> StoredResult | DocumentResult:
        result = process_document(path, ocr=self.ocr)
        rows = prepare_rows(result) if result.ok else None
        try:
            with writer_turn(self.db_url), session_factory(self.db_url).begin() as s:
                doc_id = save_result(s, result, self.run_id, self.force, rows).id
        except (SQLAlchemyError, OSError) as e:
            log.warning("%s: the worker could not store it (%s); the run stores it", path, e)
            return result
        return StoredResult(result.path, result.format, doc_id, len(result.provisions), result.error)


def run_corpus(paths: list[Path], db_url: str | None = None, out_dir: Path = Path("outputs"),
               show_progress: bool = False, console: Console | None = None, workers: int = 1,
               timeout: float = DEFAULT_TIMEOUT, scheduler: str | None = None, exports: str = "all",
               ocr: bool = False, follow_links: bool = False, force: bool = False) -> RunSummary:
    """Process every supported file under `paths`: unchanged files are skipped by content
    hash, the rest run in worker processes (or on a Dask cluster) and each result is
    stored in its own transaction as it arrives; then the exports are written."""
    url = database_url(db_url)
    Session = session_factory(url)
    with Session.begin() as s:
        run = Run(version=extraction_version())
        s.add(run)
    summary = RunSummary(db_url=url, run_id=run.id)
    walk_errors: list[Failure] = []
    files = list(iter_files(paths, on_error=lambda p, why: walk_errors.append(Failure(str(p), why)),
                            on_skip=lambda p, why: summary.skipped.append(Failure(str(p), why)),
                            follow_links=follow_links))
    for skip in summary.skipped:
        with Session.begin() as s:  # listed in the database too, replaced when the file is read later
            save_result(s, DocumentResult(path=skip.path, format=None, sha256="", error=skip.error, skipped=True),
                        run.id)
    progress = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), TextColumn("{task.fields[name]}"), console=console,
                        disable=not show_progress, transient=True)
    with progress:
        task = progress.add_task("processing", total=len(files), name="")
        todo = []
        for path in files:
            summary.total += 1
            if not force and _unchanged(Session, path, summary):
                progress.advance(task)
            else:
                todo.append(path)
        if scheduler:
            from pipeline.distributed import process_on_dask
            results = process_on_dask(todo, scheduler, ocr=ocr, timeout=timeout)
        elif shared_between_processes(url):
            results = process_many(todo, workers=workers, timeout=timeout, task=ReadAndStore(url, run.id, force, ocr))
        else:  # an in-memory database: only this process reaches it
            results = process_many(todo, workers=workers, timeout=timeout,
                                   task=partial(process_document, ocr=True) if ocr else process_document)
        for result in results:
            progress.update(task, name=Path(result.path).name[:40])
            _store(Session, result, run.id, summary, force)
            progress.advance(task)
    summary.failures += walk_errors
    with Session.begin() as s:
        run = s.get(Run, run.id)
        run.finished_at = datetime.now(timezone.utc)
        run.n_ok = sum(c["ok"] for c in summary.by_format.values())
        run.n_unchanged = sum(c["unchanged"] for c in summary.by_format.values())
        run.n_failed = len(summary.failures)
    status = (console or Console(stderr=True)).status(f"writing exports of {len(summary.document_ids)} documents …")
    with status if show_progress else nullcontext():
        try:
            summary.exports += export_run(Session, summary.document_ids, out_dir, exports)
        except OSError as e:  # the documents are stored; only the files could not be written
            raise ExportError(f"writing the exports to {out_dir} failed: {e.strerror or e}; the database holds "
                              "every document, so `policyx run` again writes them") from None
    return summary


class ExportError(OSError):
    """The run stored its documents but could not write its export files (disk full,
    --out read-only): one line naming the cause."""


def _unchanged(Session, path: Path, summary: RunSummary) -> bool:
    fmt = FORMATS.get(path.suffix.lower(), "other")
    if not path.is_file() or path.stat().st_size > MAX_INPUT_BYTES:
        return False  # a FIFO or a device would block the hash here, a huge file take long; the worker reports it
    try:
        sha = file_sha256(path)
    except OSError:
        return False  # the worker reports the cause
    with Session() as s:
        existing = is_unchanged(s, str(path), sha, extraction_version())
        if existing is None:
            return False
        counts = summary.by_format[fmt]
        counts["unchanged"] += 1
        counts["provisions"] += len(existing.provisions)
        summary.document_ids.append(existing.id)
        return True


def _store(Session, result: DocumentResult | StoredResult, run_id: int, summary: RunSummary,
           force: bool = False) -> None:
    """Store a result (one a worker stored already is only counted)."""
    counts = summary.by_format[result.format or FORMATS.get(Path(result.path).suffix.lower(), "other")]
    if isinstance(result, StoredResult):
        doc_id, provisions = result.document_id, result.provisions
    else:
        with Session.begin() as s:
            doc_id = save_result(s, result, run_id, force).id
        provisions = len(result.provisions)
    if result.ok:
        counts["ok"] += 1
        counts["provisions"] += provisions
        summary.document_ids.append(doc_id)
    else:
        counts["failed"] += 1
        summary.failures.append(Failure(result.path, result.error))


def aligned_records(Session, document_ids: list[int], names: dict[int, str] | None = None):
    """(document id, record) of the documents' provisions as rules.jsonl has them: the
    documents in export-name order (store.export_names, computed unless given), each in
    span order, indicators aligned across all of them; read 200 documents at a time,
    each batch in a session of its own."""
    ids = list(dict.fromkeys(document_ids))
    with Session() as s:
        names = names or export_names(s, ids)
        # grouped as the comparison groups them: a copy of a text (its DOCX beside its TXT)
        # does not weigh its words twice; its labels are the speaker's, so the mapping fits it
        voices = Voices.of(list(voice_rows(s, ids, names)))
        mapping = label_alignment(item for item in indicator_keys(s, ids, names) if voices.speaks_as(item[4]))
    ids.sort(key=lambda i: names[i])
    id_of = {names[i]: i for i in ids}
    for i in range(0, len(ids), 200):
        with Session() as s:
            for r in provisions_of(s, ids[i:i + 200], names):
                key = label_key(r)
                yield id_of[r["doc"]], ({**r, "indicator": mapping[key]} if key in mapping else r)


def export_run(Session, document_ids: list[int], out_dir: Path, exports: str = "all") -> list[Path]:
    """The run's exports with aligned indicators. rules.jsonl is streamed one batch of
    documents at a time; the comparison tables and the report (exports="all") need the
    records and the source texts of the run in memory."""
    from pipeline.export import SCHEMA, write_exports, write_rules_jsonl
    from pipeline.export.files import write_text

    ids = list(dict.fromkeys(document_ids))
    with Session() as s:
        names = export_names(s, ids)

    def records():
        return (r for _, r in aligned_records(Session, ids, names))

    if exports == "jsonl":
        return [write_rules_jsonl(out_dir, records()),
                write_text(out_dir, "rules.schema.json", SCHEMA.read_text(encoding="utf-8"))]
    with Session() as s:
        sources = source_texts(s, ids, names)
    return write_exports(out_dir, list(records()), sources, aligned=True)
