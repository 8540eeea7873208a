"""The `policyx` command: a thin layer over the pipeline library."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from models.vocab import Kind, values
from pipeline import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn Chinese policy documents into a rule database you can query and compare.")
err = Console(stderr=True)
out = Console()


def shown(text: object) -> str:
    """Text from outside (a file name, an error about it) as the terminal should show it:
    Rich markup in it (`[/b]`) is printed, not parsed, and control characters (escape
    sequences in a file name) are written as their escapes, not sent to the terminal."""
    from rich.markup import escape

    return escape("".join(c if c.isprintable() or c in "\n" else repr(c)[1:-1] for c in str(text)))


def unwritable_folder(folder: Path) -> str | None:
    """Why the exports could not be written into `folder` (None when they can): a file
    in its place, or a folder (or the nearest existing parent) this user cannot write."""
    if folder.exists() and not folder.is_dir():
        return "is a file, not a folder"
    existing = next(p for p in [folder, *folder.absolute().parents] if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def _database_error(e: Exception) -> typer.Exit:
    """A --db that gives no database (models.db.BadDatabase): one line, exit 2."""
    from rich.markup import escape

    err.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.callback()
def main() -> None:
    """policyx: ingest, normalize, extract, store and compare policy provisions."""


@app.command()
def run(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files and folders to process (default: corpus/).")] = None,
    db: Annotated[Optional[str], typer.Option(help="SQLAlchemy URL; default $POLICYX_DB or sqlite:///outputs/rules.db.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for rules.jsonl and other exports.")] = Path("outputs"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes on this machine.")] = 1,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds one document may take before it is failed.")] = 120,
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address (tcp://HOST:PORT) to run on a cluster.")] = None,
    exports: Annotated[str, typer.Option(help="all: rules.jsonl, schema, comparison.csv/.xlsx, report.html; "
                                               "jsonl: rules.jsonl and its schema only (streamed).")] = "all",
    ocr: Annotated[bool, typer.Option("--ocr", help="Read scanned PDFs (no text layer) by OCR: about 5 s a page, "
                                                    "so raise --timeout for long scans.")] = False,
    follow_links: Annotated[bool, typer.Option("--follow-links", help="Read symbolic links that lead out of the "
                                                                      "folders given (skipped by default).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Read every file again, unchanged ones too, and replace their "
                                                        "stored readings.")] = False,
) -> None:
    """Process documents into the database and write exports; exit 1 if any failed (or
    nothing could be read: every file was of a type no reader takes). Files of other
    types are listed as skipped, in the summary and in the database."""
    from pipeline.corpus import run_corpus

    if exports not in ("all", "jsonl"):
        err.print(f"[red]error:[/] --exports must be all or jsonl, not {exports!r}")
        raise typer.Exit(2)
    paths = paths or [Path("corpus")]
    missing = [p for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        err.print(f"[red]error:[/] no such file or directory: {', '.join(map(shown, missing))}", highlight=False)
        raise typer.Exit(2)
    problem = unwritable_folder(out_dir)
    if problem:  # said before the documents are read, not after
        err.print(f"[red]error:[/] --out {shown(out_dir)}: {problem}", highlight=False)
        raise typer.Exit(2)
    from models.db import BadDatabase, masked_url
    from pipeline.corpus import ExportError

    try:
        summary = run_corpus(paths, db_url=db, out_dir=out_dir, show_progress=not quiet, console=err,
                             workers=workers, timeout=timeout, scheduler=scheduler, exports=exports, ocr=ocr,
                             follow_links=follow_links, force=force)
    except BadDatabase as e:
        raise _database_error(e)
    except ExportError as e:
        err.print(f"[red]error:[/] {shown(e)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    for failure in summary.failures:
        err.print(f"[red]failed[/] {shown(failure.path)}: {shown(failure.error)}", highlight=False, soft_wrap=True)
    for skip in summary.skipped:
        err.print(f"[yellow]skipped[/] {shown(skip.path)}: {shown(skip.error)}", highlight=False, soft_wrap=True)
    n = len(summary.skipped)
    skipped = f", {n} other file{'s' if n > 1 else ''} skipped" if n else ""
    table = Table(title=f"policyx {__version__}: {summary.total} documents{skipped}")
    for col in ("format", "ok", "unchanged", "failed", "provisions"):
        table.add_column(col, justify="right" if col != "format" else "left")
    for fmt, c in sorted(summary.by_format.items()):
        table.add_row(fmt, str(c["ok"]), str(c["unchanged"]), str(c["failed"]), str(c["provisions"]))
    err.print(table)
    err.print(f"database: {shown(masked_url(summary.db_url))}\nexports: {', '.join(shown(p) for p in summary.exports)}",
              highlight=False, soft_wrap=True)
    raise typer.Exit(1 if summary.failures or (summary.skipped and not summary.total) else 0)


@app.command()
def text(
    file: Annotated[Path, typer.Argument(help="A TXT, DOCX or PDF file.")],
    normalized: Annotated[bool, typer.Option("--normalized", help="Print the normalized text instead.")] = False,
) -> None:
    """Print a document's source text (what offsets count in) or its normalized text."""
    from models.records import IngestError
    from pipeline.ingest import read_source
    from pipeline.normalize import normalize

    if not file.exists():
        err.print(f"[red]error:[/] no such file: {shown(file)}", highlight=False)
        raise typer.Exit(2)
    try:
        source = read_source(file)
    except (IngestError, OSError) as e:
        err.print(f"[red]error:[/] {shown(file)}: {shown(e)}", highlight=False)
        raise typer.Exit(1)
    sys.stdout.write(normalize(source).text if normalized else source.text)
    if not (normalized or source.text.endswith("\n")):
        sys.stdout.write("\n")


COMPARE_FORMATS = ("table", "csv", "json")


@app.command()
def compare(
    indicator: Annotated[Optional[str], typer.Option(help="Only indicators containing this text.")] = None,
    kind: Annotated[Optional[str], typer.Option(help=" | ".join(values(Kind)))] = None,
    jurisdiction: Annotated[Optional[list[str]], typer.Option(
        "--jurisdiction", "-j", help="Only these jurisdictions (repeat for several; 济南 finds 山东省济南市); "
                                     "the comparison is among them.")] = None,
    subject: Annotated[Optional[str], typer.Option(help="Only documents on this policy subject (控制吸烟, 烟花爆竹 …).")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", help="table | csv | json, to stdout (default: table on a "
                                                                 "terminal, csv when piped or redirected).")] = None,
    db: Annotated[Optional[str], typer.Option(help="SQLAlchemy URL; default $POLICYX_DB or sqlite:///outputs/rules.db.")] = None,
) -> None:
    """The same provision side by side across jurisdictions, stricter or looser, with the
    conduct it concerns and its evidence."""
    import csv
    import json

    from rich.markup import escape

    from models.db import BadDatabase
    from pipeline.export.tables import DEFAULT_COLUMNS, columns_of
    from pipeline.query import UnknownFilter, comparison_table

    if fmt is None:  # a table cut to a pipe's 80 columns helps no one: the rows as CSV instead
        fmt = "table" if sys.stdout.isatty() else "csv"
    if fmt not in COMPARE_FORMATS:
        err.print(f"[red]error:[/] --format must be one of {', '.join(COMPARE_FORMATS)}, not {fmt!r}", highlight=False)
        raise typer.Exit(2)
    try:
        comparisons, rows = comparison_table(db, indicator=indicator, kind=kind, jurisdictions=jurisdiction,
                                             subject=subject)
    except UnknownFilter as e:
        err.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    except BadDatabase as e:
        raise _database_error(e)
    if fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=columns_of(rows) if rows else DEFAULT_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        raise typer.Exit(0)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        raise typer.Exit(0)
    if not comparisons:
        err.print("no indicator is held by two or more jurisdictions" + (f" matching {indicator!r}" if indicator else ""))
        raise typer.Exit(0)
    for c in comparisons:
        table = Table(title=escape(f"{c.indicator} ({c.kind})"), title_justify="left", show_lines=False)
        for col in ("jurisdiction", "value", "verdict", "conduct", "quote", "section", "document"):
            table.add_column(col, overflow="fold")
        for r in c.rows:  # document text is not rich markup: [..] stays as written
            table.add_row(*(escape(x) for x in (r.jurisdiction or "?", r.value_text, r.verdict,
                                                r.record.get("condition") or "", r.quote, r.section or "", r.doc)))
        out.print(table)


@app.command()
def browse(
    db: Annotated[Optional[str], typer.Option(help="SQLAlchemy URL; default $POLICYX_DB or sqlite:///outputs/rules.db.")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")] = 8001,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the provisions table in a web browser.")] = True,
) -> None:
    """Browse the rule database in Datasette: facets, full-text search and canned
    comparisons, served from a read-only copy beside it (rebuilt when the database has
    changed). Ctrl-C stops it."""
    from rich.markup import escape

    from pipeline.browse import BrowseError, build_browse_db, serve

    def ready(url: str) -> None:
        out.print(f"serving {url}  (Ctrl-C stops)", highlight=False, soft_wrap=True)
        sys.stdout.flush()

    try:
        path = build_browse_db(db)
        err.print(f"browse copy: {escape(str(path))}", highlight=False, soft_wrap=True)
        serve(path, host=host, port=port, open_browser=open_browser, ready=ready)
    except BrowseError as e:
        err.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)


@app.command()
def bench(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Seed documents (default: corpus/).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Build 1k/10k TXT and DOCX/PDF corpora and time whole runs.")] = False,
    sizes: Annotated[str, typer.Option(help="TXT corpus sizes for --full, comma-separated.")] = "1000,10000",
    office: Annotated[int, typer.Option(help="DOCX and PDF documents each for --full.")] = 200,
    small: Annotated[int, typer.Option(help="Small files for the export-share measure of --full (0: skip).")] = 20_000,
    work: Annotated[Optional[Path], typer.Option(help="Folder for the generated corpora (default: a temp folder).")] = None,
    repeat: Annotated[int, typer.Option(help="Passes over the documents for the extraction measure.")] = 5,
    report_provisions: Annotated[int, typer.Option(help="Provisions in the report.html measure (Chromium; 0: skip).")] = 10_000,
) -> None:
    """Speed and memory figures, measured in one run (a benchmark, never a test)."""
    import tempfile

    from pipeline.bench import corpus_figures, extraction_cost, full_bench, grouping_cost, report_cost, report_lines
    from pipeline.run import iter_files

    roots = paths or [Path("corpus")] + [p for p in (REPO.parent / "shared" / "corpus" / "regulations",) if p.is_dir()]
    files = [p for p in iter_files(roots) if p.suffix.lower() == ".txt"]
    if not files:
        err.print("[red]error:[/] no TXT documents to measure")
        raise typer.Exit(2)
    cost = extraction_cost(files, repeat=repeat)
    out.print(f"extraction vs jieba: {cost.documents} documents, {cost.characters} characters; "
              f"jieba {cost.jieba_seconds:.3f}s, extraction {cost.extraction_seconds:.3f}s, "
              f"ratio {cost.ratio:.2f} (target <= 2)", highlight=False)
    group = grouping_cost(files)
    out.print(f"grouping across documents: {group.provisions} provisions of {group.documents} documents, "
              f"{group.labels} distinct labels; grouped in {group.align_seconds:.1f}s, grouped and compared "
              f"in {group.compare_seconds:.1f}s (target: seconds, not minutes)", highlight=False)
    for root in (r for r in roots if r.is_dir()):
        run, jieba = corpus_figures(root)
        out.print(f"{root}: {run.documents} files end to end in {run.seconds:.1f}s (start-up and rules.jsonl "
                  f"included), jieba alone {jieba:.1f}s on its text: ratio {run.seconds / jieba:.2f} "
                  f"(target <= 1.5), peak RSS {run.peak_rss_mb:.0f} MB", highlight=False, soft_wrap=True)
    if report_provisions:
        for line in report_lines(report_cost(files, target=report_provisions)):
            out.print(line, highlight=False, soft_wrap=True)
    if full:
        corpus = roots[0] if roots[0].is_dir() else roots[0].parent
        with tempfile.TemporaryDirectory() as tmp:
            full_bench(corpus, work or Path(tmp), tuple(int(x) for x in sizes.split(",")), office, small,
                       report=lambda line: out.print(line, highlight=False, soft_wrap=True))


REPO = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = Path("tests/data/heldout/gold")  # in the repository, as every default of eval


@app.command("eval")
def evaluate(
    gold: Annotated[Optional[Path], typer.Option(
        help="Gold annotations: a folder of *.jsonl or one .jsonl file (default: the repository's "
             f"{DEFAULT_GOLD}; also tests/data/heldout2/gold, tests/data/regulations/gold …).")] = None,
    pred: Annotated[Optional[Path], typer.Option(help="Predicted records (rules.jsonl); default: extract the gold's documents now.")] = None,
    docs: Annotated[Optional[Path], typer.Option(help="Where the gold's documents are, found by file name (default: the docs "
                                                      "folder beside the gold folder, as in tests/data/heldout/, else the "
                                                      "repository's corpus/).")] = None,
    misses: Annotated[int, typer.Option(min=0, help="Show up to N misses, spurious records and wrong values per kind.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as one JSON object.")] = False,
) -> None:
    """Score provisions against gold by the provision contract's matching rules
    (pipeline/evaluate.py): P, R, F1 and value accuracy per kind, strict F1, and the
    indicator grouping's pairwise P/R. Alone, it scores the held-out set the repository
    ships (tests/data/heldout/gold on tests/data/heldout/docs)."""
    from rich.markup import escape

    from pipeline import evaluate as ev

    gold = gold or REPO / DEFAULT_GOLD
    if not gold.exists():
        err.print(f"[red]error:[/] no such gold folder or file: {escape(str(gold))} (the repository ships "
                  f"{DEFAULT_GOLD}, the default)", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    if pred is not None and not pred.exists():
        err.print(f"[red]error:[/] no such prediction file: {escape(str(pred))}", highlight=False)
        raise typer.Exit(2)
    try:
        gold_records = ev.load_records(gold)
        if not gold_records:
            err.print(f"[red]error:[/] no gold records in {escape(str(gold))}", highlight=False)
            raise typer.Exit(2)
        ev.check_gold(gold_records)
        if pred is not None:
            pred_records = ev.load_records(pred)
        else:
            docs_dir = docs or default_docs(gold)
            if not docs_dir.is_dir():
                err.print(f"[red]error:[/] no such documents folder: {escape(str(docs_dir))}", highlight=False)
                raise typer.Exit(2)
            found, missing = ev.locate_documents(ev.gold_documents(gold_records), docs_dir)
            if missing:
                err.print(f"[red]error:[/] {len(missing)} gold document(s) not found in {escape(str(docs_dir))}: "
                          f"{escape(', '.join(missing))} (--docs names their folder)", highlight=False, soft_wrap=True)
                raise typer.Exit(2)
            pred_records, failures = ev.predict(found.values())
            for f in failures:
                err.print(f"[red]failed[/] {escape(f.path)}: {escape(f.error)}", highlight=False, soft_wrap=True)
            if failures:
                raise typer.Exit(1)
        result = ev.score(gold_records, pred_records)
    except ev.EvaluationError as e:
        err.print(f"[red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    sys.stdout.write(result.to_json() + "\n" if as_json else result.report(misses))


def default_docs(gold: Path) -> Path:
    """Where a gold set's documents are by default: a `docs` folder beside its gold
    folder (tests/data/heldout/{gold,docs}), else the repository's corpus/."""
    folder = gold if gold.is_dir() else gold.parent
    beside = folder.parent / "docs"
    return beside if beside.is_dir() and beside.resolve() != folder.resolve() else REPO / "corpus"


if __name__ == "__main__":
    app()
