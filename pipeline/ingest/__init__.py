"""Readers: a file path in, a SourceText out, or an IngestError naming the cause."""
from __future__ import annotations

import hashlib
from pathlib import Path

from models.records import IngestError, SourceText

FORMATS = {".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf"}


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}")
    return fmt


def read_source(path: Path) -> SourceText:
    """Read any supported file into its SourceText."""
    path = Path(path)
    fmt = detect_format(path)
    if path.is_symlink() and not path.exists():
        raise IngestError("broken or looping symbolic link")
    if not path.is_file():
        raise IngestError("not a regular file")
    if fmt == "txt":
        from pipeline.ingest.txt import read_txt as reader
    elif fmt == "docx":
        from pipeline.ingest.docx import read_docx as reader
    else:
        from pipeline.ingest.pdf import read_pdf as reader
    source = reader(path)
    if not source.sha256:
        source.sha256 = file_sha256(path)
    if not source.text.strip():
        raise IngestError("document is empty")
    return source


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
