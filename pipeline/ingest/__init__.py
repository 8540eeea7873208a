"""Readers: a file path in, a SourceText out, or an IngestError naming the cause."""
from __future__ import annotations

import hashlib
import importlib
import logging
from pathlib import Path

from models.records import IngestError, SourceText

log = logging.getLogger(__name__)

FORMATS = {".txt": "txt", ".text": "txt", ".docx": "docx", ".pdf": "pdf", ".doc": "doc", ".html": "html", ".htm": "html"}
# each format's reader, imported on first use: `module:function` taking a Path
READERS = {
    "txt": "pipeline.ingest.txt:read_txt",
    "docx": "pipeline.ingest.docx:read_docx",
    "pdf": "pipeline.ingest.pdf:read_pdf",
    "html": "pipeline.ingest.html:read_html",
    "doc": "pipeline.ingest.doc:read_doc",
}


MAX_INPUT_BYTES = 1024 * 2**20  # no policy document is larger; a larger file is not read, nor hashed


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}")
    return fmt


def read_source(path: Path, ocr: bool = False) -> SourceText:
    """Read any supported file into its SourceText; `ocr` lets the PDF reader recognize
    a scan's page images (slow: seconds a page)."""
    path = Path(path)
    fmt = detect_format(path)
    if path.is_symlink() and not path.exists():
        raise IngestError("broken or looping symbolic link")
    if not path.is_file():
        raise IngestError("not a regular file")
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise IngestError(f"file too large ({size // 2**20} MB > {MAX_INPUT_BYTES // 2**20} MB limit)")
    module, function = READERS[fmt].split(":")
    options = {"ocr": True} if ocr and fmt == "pdf" else {}
    source = getattr(importlib.import_module(module), function)(path, **options)
    if "\x00" in source.text:
        # no database stores U+0000 in text (PostgreSQL refuses it): the replacement
        # character stands in for it, one for one, so every offset holds
        log.warning("%s: %d NUL characters read as U+FFFD", path.name, source.text.count("\x00"))
        source.text = source.text.replace("\x00", "\ufffd")
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
