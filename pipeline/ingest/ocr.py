"""OCR for scanned PDFs: page images in, text lines in reading order out.

A scanned PDF has no text layer, so pdfplumber reads nothing and the document would be
rejected as empty. Here each page is rendered with pdfium (already installed with
pdfplumber) and read by RapidOCR, which ships PaddleOCR's Chinese detection and
recognition models inside its wheel: offline, CPU only, nothing fetched at run time.

RapidOCR was measured against Debian's tesseract (chi_sim) on a page rendered from a
seed and on the scanned rf07: it read more correctly on both (0.0% character error on
the rendered page, widths folded, against 2.2%; on rf07 tesseract misread 凭, 营造, 痼 and
dropped field labels), and it installs from PyPI without apt packages. It is slower:
about 3-7 CPU-seconds a page against tesseract's 1.4-2.9, so callers should OCR only
pages without a text layer, and budget time by pages.
"""
from __future__ import annotations

import logging
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from models.records import IngestError

log = logging.getLogger(__name__)

ENGINE_PACKAGE = "rapidocr-onnxruntime"
# A common scanning resolution: 10.5 pt body text is ~29 px high, which the recognizer
# (lines scaled to 48 px) reads without loss; higher buys nothing because RapidOCR
# shrinks the long side to 2000 px anyway (A4 at 200 dpi is 2339 px), and 250 dpi with
# that cap raised read rf07 the same at +70% time.
RENDER_DPI = 200
# RapidOCR's own default: recognitions scoring below it are mostly stains and rules.
MIN_SCORE = 0.5
# The 180-degree line classifier flipped an upright line of the test page and lost it;
# scanned policy documents are upright, and skipping it saves a model pass per line.
USE_ANGLE_CLASSIFIER = False
# onnxruntime threads per process: parallelism comes from worker processes (--workers),
# and one thread each avoids oversubscribing the cores; on the 2-core test machine one
# thread was even faster alone (3.8 s against 5.0 s wall for the seed page).
ENGINE_THREADS = 1
# Two boxes sit on one line when they overlap vertically by at least this share of the
# shorter one: boxes of one line differ by a few pixels, adjacent lines barely touch.
LINE_OVERLAP = 0.5
# Pages per document at most, as the text-layer reader's MAX_PAGES: a bound on time.
MAX_PAGES = 5000


@lru_cache(maxsize=1)
def _engine() -> Any:
    """The RapidOCR engine, loaded once per process: loading costs ~0.5 s."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:  # the package, or a native library under it (onnxruntime, cv2)
        raise IngestError(f"OCR engine is not installed ({exc}): pip install {ENGINE_PACKAGE}") from exc
    started = time.perf_counter()
    engine = RapidOCR(text_score=MIN_SCORE, intra_op_num_threads=ENGINE_THREADS,
                      inter_op_num_threads=ENGINE_THREADS)
    log.info("loaded RapidOCR in %.2f s", time.perf_counter() - started)
    return engine


def ocr_available() -> bool:
    """Whether OCR can run here, so a caller can say so instead of failing mid-corpus."""
    try:
        _engine()
    except IngestError as exc:
        log.debug("OCR unavailable: %s", exc)
        return False
    return True


def ocr_pdf(path: Path, pages: int | None = None) -> list[str]:
    """The recognized text of each page (the first `pages` when given), one string a page.

    Lines come top to bottom, boxes within a line left to right, joined by newlines.
    """
    import pypdfium2 as pdfium

    path = Path(path)
    engine = _engine()
    try:
        document = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise IngestError(f"cannot open PDF for OCR: {exc}") from exc
    try:
        count = len(document)
        if pages is not None:
            count = min(count, max(pages, 0))
        if count > MAX_PAGES:
            raise IngestError(f"PDF has more than {MAX_PAGES} pages to OCR")
        texts = []
        started = time.perf_counter()
        for number in range(count):
            texts.append(_ocr_page(engine, document, number))
        if count:
            log.info("OCR of %s: %d pages in %.1f s", path.name, count, time.perf_counter() - started)
        return texts
    finally:
        document.close()


def _ocr_page(engine: Any, document: Any, number: int) -> str:
    """One page rendered at RENDER_DPI and recognized; render failures name the page."""
    try:
        page = document[number]
        try:
            bitmap = page.render(scale=RENDER_DPI / 72, grayscale=True)
            image = bitmap.to_numpy().copy()
        finally:
            page.close()
    except Exception as exc:  # pdfium raises its own errors, or MemoryError on a huge page
        raise IngestError(f"cannot render page {number + 1} for OCR: {exc}") from exc
    return ocr_image(image, engine=engine, label=f"page {number + 1}")


def ocr_image(image: Any, engine: Any = None, label: str = "image") -> str:
    """Text of one page image (a numpy array, gray or BGR), lines in reading order."""
    engine = engine or _engine()
    try:
        result, _ = engine(image, use_cls=USE_ANGLE_CLASSIFIER)
    except Exception as exc:  # the engine's own errors (bad image shape, onnxruntime)
        raise IngestError(f"OCR failed on {label}: {exc}") from exc
    return "\n".join(reading_order(result or []))


def reading_order(boxes: Sequence[Sequence[Any]]) -> list[str]:
    """Engine results `[quad, text, score]` as lines, top to bottom, left to right.

    The engine's own order breaks when a line's boxes differ by a few pixels in height
    (a field label and its value), so lines are rebuilt by vertical overlap.
    """
    items = []
    for quad, text, *_ in boxes:
        if not text or not text.strip():
            continue
        ys = [point[1] for point in quad]
        xs = [point[0] for point in quad]
        items.append((min(ys), max(ys), min(xs), text.strip()))
    items.sort(key=lambda item: ((item[0] + item[1]) / 2, item[2]))
    lines: list[list[tuple[float, float, float, str]]] = []
    for item in items:
        top, bottom = item[0], item[1]
        if lines:
            line = lines[-1]
            line_top = min(box[0] for box in line)
            line_bottom = max(box[1] for box in line)
            overlap = min(bottom, line_bottom) - max(top, line_top)
            shorter = min(bottom - top, min(box[1] - box[0] for box in line))
            if overlap > 0 and overlap >= LINE_OVERLAP * max(shorter, 1.0):
                line.append(item)
                continue
        lines.append([item])
    return [" ".join(box[3] for box in sorted(line, key=lambda box: box[2])) for line in lines]
