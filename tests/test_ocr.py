"""OCR of scanned PDFs (pipeline/ingest/ocr.py).

The accuracy check needs a scan whose text is known, so one is made here: the start of
a seed rendered as a 200 dpi A4 page image and saved as an image-only PDF. That needs a
CJK font (fonts-noto-cjk, installed by .ci/setup-chromium.sh); skipped with a reason
when there is none. rf07 is a real scan from ../shared, skipped when absent.
"""
from __future__ import annotations

import logging
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from models.records import IngestError
from pipeline.ingest import ocr

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_d1701e8db34252ee.txt"
RF07 = ROOT.parent / "shared" / "corpus" / "realformats" / "rf07_moe_sci_notext.pdf"
SEED_CHARS = 600
PAGE_DPI = 200
# measured 0.0% with RapidOCR (tesseract chi_sim: 2.0%); the bound leaves room for
# another onnxruntime build rounding a score across the threshold
MAX_CER = 0.03
CJK_CHAR = re.compile(r"[\u3400-\u9fff]")

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 13),
                                reason="rapidocr-onnxruntime has no wheels past Python 3.12")


def cjk_font() -> tuple[str, int] | None:
    """A simplified-Chinese face (file, index in a .ttc) from fontconfig, or None."""
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=zh-cn", "--format", "%{file}\t%{index}\t%{family}\t%{style}\n"],
            capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces = [line.split("\t") for line in listing.splitlines() if line.count("\t") == 3]
    # a Song (serif) face first: official documents are set in 宋体/仿宋
    faces.sort(key=lambda face: ("SC" not in face[2], "Regular" not in face[3], "Mono" in face[2],
                                 "Serif" not in face[2], face[0], face[1]))
    return (faces[0][0], int(faces[0][1])) if faces else None


def render_scanned_pdf(text: str, path: Path, dpi: int = PAGE_DPI) -> Path:
    """`text` typeset black on white on an A4 page image, saved as a PDF with no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    font_face = cjk_font()
    if font_face is None:
        pytest.skip("no CJK font (apt-get install fonts-noto-cjk, or .ci/setup-chromium.sh)")
    width, height = round(8.27 * dpi), round(11.69 * dpi)  # A4 in inches
    margin = dpi  # one inch
    font = ImageFont.truetype(font_face[0], round(14 / 72 * dpi), index=font_face[1])  # 14 pt
    lines = []
    for paragraph in text.splitlines():
        line = ""
        for char in paragraph:
            if line and font.getlength(line + char) > width - 2 * margin:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((margin, margin + number * round(font.size * 1.6)), line, font=font, fill=0)
    page.save(path, "PDF", resolution=dpi)
    return path


def cer(recognized: str, reference: str) -> float:
    """Edit distance over the reference length, whitespace removed and widths folded.

    Widths are folded (NFKC) because the normalizer folds them too: OCR's ，for a
    seed's , is no error for the pipeline.
    """
    hyp = unicodedata.normalize("NFKC", "".join(recognized.split()))
    ref = unicodedata.normalize("NFKC", "".join(reference.split()))
    previous = list(range(len(hyp) + 1))
    for i, ref_char in enumerate(ref, 1):
        current = [i]
        for j, hyp_char in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref_char != hyp_char)))
        previous = current
    return previous[-1] / len(ref)


def test_ocr_is_available():
    assert ocr.ocr_available()


def test_scanned_seed_page_reads_back(tmp_path):
    import pdfplumber

    reference = SEED.read_text(encoding="utf-8")[:SEED_CHARS]
    pdf = render_scanned_pdf(reference, tmp_path / "scan.pdf")
    with pdfplumber.open(pdf) as document:
        assert not (document.pages[0].extract_text() or "").strip()  # truly image-only
    pages = ocr.ocr_pdf(pdf)
    assert len(pages) == 1
    rate = cer(pages[0], reference)
    log.info("CER of the scanned seed page: %.4f", rate)
    assert rate <= MAX_CER, pages[0]
    lines = pages[0].splitlines()
    assert lines[0].startswith("下面是小编为大家整理的")  # reading order: the first line first
    assert any(line.startswith("第一章总则") for line in lines)


@pytest.mark.skipif(not RF07.exists(), reason="rf07 lives in ../shared/corpus/realformats")
def test_real_scan_gives_chinese():
    pages = ocr.ocr_pdf(RF07, pages=1)
    assert len(pages) == 1
    cjk = len(CJK_CHAR.findall(pages[0]))  # measured 811
    assert cjk >= 100, pages[0]
    assert "教育部" in pages[0] and "SCI论文" in pages[0]


def test_reading_order_groups_boxes_into_lines():
    """Boxes of one line at slightly different heights stay one line, left to right."""
    def box(x, y, w, h, text):
        return [[[x, y], [x + w, y], [x + w, y + h], [x, y + h]], text, 0.99]

    boxes = [box(600, 104, 300, 40, "生成日期：2020-02-20"), box(100, 100, 400, 44, "信息索引：360A16"),
             box(100, 160, 800, 42, "发文机构：教育部"), box(100, 220, 10, 40, " ")]
    assert ocr.reading_order(boxes) == ["信息索引：360A16 生成日期：2020-02-20", "发文机构：教育部"]
    assert ocr.reading_order([]) == []


def test_unreadable_pdf_is_an_ingest_error(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(IngestError, match="cannot open PDF for OCR"):
        ocr.ocr_pdf(bad)


def test_missing_engine_says_how_to_install(monkeypatch):
    ocr._engine.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import now fails
    try:
        assert not ocr.ocr_available()
        with pytest.raises(IngestError, match="pip install rapidocr-onnxruntime"):
            ocr.ocr_pdf(Path("unused.pdf"))
    finally:
        monkeypatch.undo()
        ocr._engine.cache_clear()


@pytest.mark.skipif(not RF07.exists(), reason="rf07 lives in ../shared/corpus/realformats")
def test_scan_through_the_pipeline_only_with_ocr():
    """Without --ocr a scan fails naming the flag; with it the recognized text is the
    source text, marked (format pdf+ocr, lower confidence), its wrapped lines joined."""
    from pipeline.run import OCR_CONFIDENCE, process_document

    plain = process_document(RF07)
    assert not plain.ok and "--ocr" in plain.error
    result = process_document(RF07, ocr=True)
    assert result.ok, result.error
    assert result.source.ocr and result.format == "pdf+ocr"
    assert "于2020年7月31日前送教育部科技司" in result.normalized.text  # a sentence the scan wraps
    deadlines = [p for p in result.provisions if p.kind == "deadline"]
    assert deadlines and all(p.confidence <= OCR_CONFIDENCE for p in result.provisions)
    for p in result.provisions:
        assert result.source.text[p.span[0]:p.span[1]] == p.quote
