"""One document end to end, and the corpus loop around it.

`process_document` is pure (path in, result out) so that workers can run it anywhere;
only `run_corpus` touches the database, one transaction per document.
"""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from models.records import DocumentMeta, IngestError, Jurisdiction, NormalizedText, Provision, Segmentation, SourceText
from pipeline.ingest import FORMATS, file_sha256, read_source


@dataclass
class DocumentResult:
    path: str
    format: str | None
    sha256: str
    source: SourceText | None = None
    normalized: NormalizedText | None = None
    segmentation: Segmentation | None = None
    meta: DocumentMeta | None = None
    parts: list[DocumentMeta] = field(default_factory=list)
    jurisdictions: list[tuple[int, int, Jurisdiction | None]] = field(default_factory=list)
    provisions: list[Provision] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    skipped: bool = False  # a file of a type no reader takes: listed, not read

    @property
    def ok(self) -> bool:
        return self.error is None


Extractor = Callable[..., list[Provision]]


def no_extraction(seg: Segmentation, meta: DocumentMeta, parts: list[DocumentMeta], jurisdictions=()) -> list[Provision]:
    """For callers that need everything up to extraction (the benchmark)."""
    return []


# the code and data that turn a file into provisions: a change to any of them reads
# stored files again (pipeline.store: a file read by older rules is stale)
EXTRACTION_SOURCES = ("extractors", "pipeline/ingest", "pipeline/data", "pipeline/normalize.py", "pipeline/segment.py",
                      "pipeline/metadata.py", "pipeline/resolve.py", "pipeline/areas.py", "pipeline/run.py",
                      "models/records.py", "models/language_data.py", "models/vocab.py")


@lru_cache(maxsize=1)
def extraction_version() -> str:
    """The package version and a fingerprint of EXTRACTION_SOURCES, as the run stores it:
    `0.1.0+3f2a9c01d4`."""
    from pipeline import __version__

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for rel in EXTRACTION_SOURCES:
        top = root / rel
        for f in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if f.is_file() and f.suffix in (".py", ".yaml", ".json", ".txt", ".tsv"):
                h.update(f.relative_to(root).as_posix().encode("utf-8") + b"\0" + f.read_bytes())
    return f"{__version__}+{h.hexdigest()[:10]}"


OCR_CONFIDENCE = 0.8  # recognized text may hold misread characters: its provisions count for less


def process_document(path: Path, extract: Extractor | None = None, ocr: bool = False) -> DocumentResult:
    """Ingest, normalize, segment, describe and extract one file; never raises for
    bad input: the error is attached to the result. `ocr`: read scanned PDFs by OCR."""
    from extractors.pipeline import extract_provisions
    from pipeline.metadata import extract_metadata
    from pipeline.normalize import normalize
    from pipeline.resolve import resolve_jurisdictions
    from pipeline.segment import segment

    t0 = time.perf_counter()
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    result = DocumentResult(path=str(path), format=fmt, sha256="")
    try:
        result.source = read_source(path, ocr=ocr)
        result.sha256 = result.source.sha256  # the reader hashed the bytes it read
        if result.source.ocr:
            result.format = f"{fmt}+ocr"  # stored and summarized apart: recognized, not read
        result.normalized = normalize(result.source)
        result.segmentation = segment(result.normalized)
        result.meta, result.parts = extract_metadata(result.segmentation)
        result.jurisdictions = resolve_jurisdictions(result.segmentation, result.meta, result.parts)
        result.provisions = (extract or extract_provisions)(result.segmentation, result.meta, result.parts,
                                                             result.jurisdictions)
        if result.source.ocr:
            for p in result.provisions:
                p.confidence = round(p.confidence * OCR_CONFIDENCE, 3)
        _check_grounding(result)
    except IngestError as e:
        result.error = str(e)
    except OSError as e:
        result.error = f"cannot read file: {e.strerror or e}"
    except Exception as e:  # a bug must not stop the corpus; it is reported per document
        result.error = f"internal error: {type(e).__name__}: {e}"
    if not result.sha256 and path.is_file():  # a failure is stored under its content hash too (not a FIFO's: it would block)
        try:
            result.sha256 = file_sha256(path)
        except OSError:
            pass
    result.seconds = time.perf_counter() - t0
    return result


WARM_UP_TEXT = ("某市某某管理条例\n第一条 为了加强管理，制定本条例。本条例适用于平阳县和安溪县。\n"
                "第二条 单位应当每年至少组织1次检查，并于每年3月31日前报送报告。\n"
                "第三条 违反本条例第二条规定的，由主管部门责令限期改正，处五百元以上二千元以下罚款。\n")


def warm_up() -> None:
    """Every stage once on a small text, so that what they load on first use (jieba's
    dictionaries, the gazetteer, the language data, compiled patterns) is loaded here:
    before workers fork, so that they share it instead of each loading its own (1.3 s
    and 150 MB for one tokenizer alone, in every worker and in each that replaced one)."""
    from extractors.pipeline import extract_provisions
    from pipeline.metadata import extract_metadata
    from pipeline.normalize import normalize
    from pipeline.resolve import resolve_jurisdictions
    from pipeline.segment import segment

    seg = segment(normalize(SourceText(path="warm-up.txt", text=WARM_UP_TEXT, format="txt")))
    meta, parts = extract_metadata(seg)
    extract_provisions(seg, meta, parts, resolve_jurisdictions(seg, meta, parts))


def unsupported_reason(path: Path) -> str:
    kinds = ", ".join(sorted(FORMATS))
    return f"unsupported file type {path.suffix.lower() or '(none)'!r}: policyx reads {kinds}"


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _check_grounding(result: DocumentResult) -> None:
    text = result.source.text
    for p in result.provisions:
        if text[p.span[0]:p.span[1]] != p.quote:
            raise AssertionError(f"provision quote {p.quote!r} does not match source span {p.span}")


def _outside_reason(path: Path, root: Path) -> str:
    return f"symbolic link to {os.path.realpath(path)}, outside {root} (--follow-links to read it)"


def iter_files(paths: Iterable[Path], on_error: Callable[[Path, str], None] | None = None,
               on_skip: Callable[[Path, str], None] | None = None, follow_links: bool = False) -> Iterator[Path]:
    """Supported files under the given files and folders, in a stable order; symlink
    loops and unreadable folders are reported, not fatal, and a file of a type no
    reader takes is reported to `on_skip` with the reason. A symbolic link (to a file
    or a folder) that leads out of the folder given is skipped with its target named,
    unless `follow_links`: a link to /etc/passwd is not a document of the folder."""
    seen: set[str] = set()
    for root in paths:
        root = Path(root)
        if root.is_dir():
            top = os.path.realpath(root)

            def outside(path: Path) -> bool:
                return not follow_links and path.is_symlink() and not _inside(os.path.realpath(path), top)

            for dirpath, dirnames, filenames in os.walk(root, followlinks=True,
                                                        onerror=lambda e: on_error and on_error(Path(e.filename or root), str(e.strerror))):
                real = os.path.realpath(dirpath)
                if real in seen:
                    dirnames[:] = []
                    continue
                seen.add(real)
                kept = []
                for name in sorted(dirnames):
                    if outside(Path(dirpath) / name):
                        if on_skip:
                            on_skip(Path(dirpath) / name, _outside_reason(Path(dirpath) / name, root))
                    else:
                        kept.append(name)
                dirnames[:] = kept
                for name in sorted(filenames):
                    path = Path(dirpath) / name
                    if outside(path):
                        if on_skip:
                            on_skip(path, _outside_reason(path, root))
                    elif Path(name).suffix.lower() in FORMATS:
                        yield path
                    elif on_skip:
                        on_skip(path, unsupported_reason(Path(name)))
        elif root.exists() or root.is_symlink():
            yield root
        elif on_error:
            on_error(root, "no such file or directory")
