"""PDF reader: the text layer line by line, plus the layout facts only we can see.

A PDF has no paragraphs, only positioned lines. We keep every extracted line in the
source text (so offsets point at what the file really holds) and report two layout
facts for the normalizer to apply:

* removals — running headers/footers and page numbers (`— 3 —`, `第 3 页 共 9 页`,
  a line repeated at the same height on most pages), which would otherwise land
  in the middle of sentences that cross a page;
* soft_breaks — newlines the layout made inside a paragraph (the line is full and
  the next one continues it), including the one between pages.

Without both, a sentence broken by a page would read "…每年研究\n— 3 —\n不少于4次",
and the extractors would miss the rule.
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
import statistics
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from models.language_data import Outline, load
from models.records import IngestError, Removal, SourceText
from pipeline.ingest.layout import ends_sentence, is_heading, layout_rules, percentile, wrapped_line_breaks

# pdfminer warns on every page of a font without a FontBBox ("Could not get FontBBox"),
# which real government PDFs often lack; the text is read all the same
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MAX_PAGES = 5000

EDGE_LINES = 3  # how deep into a page edge furniture may sit
OUTER_BAND = 0.15  # share of the page height where a bare page number may sit
BASELINE_TOLERANCE = 0.3  # glyphs whose baselines differ by less than this share of the font size share a line
DUPLICATE_OFFSET = 1.0  # a glyph repeated within this many points of itself is drawn twice (fake bold)
TITLE_SIZE = 1.15  # a title is set at least this much larger than the body's median size
WORD_GAP = 3.0  # a gap wider than this (points) between glyphs is a space, as pdfplumber's x tolerance


@dataclass
class Line:
    """One extracted line with the geometry the layout analysis needs (PDF points)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    em: float  # font size: a CJK character is about 1 em wide
    lead: float  # width of the first unbreakable piece (a CJK char, a Latin word)
    page: int
    page_width: float
    page_height: float
    start: int = 0
    end: int = 0
    table: bool = False  # a table row: its cells parted by tabs, never joined with another line


class NoText(IngestError):
    """The PDF holds no readable text layer: OCR (--ocr) may read its page images."""


def read_pdf(path: Path, ocr: bool = False) -> SourceText:
    """The text layer; a scan (no text layer) is read by OCR where `ocr` is set, and its
    source text is then the recognized text, marked as such."""
    path = Path(path)
    data = path.read_bytes()
    _check_envelope(data)
    try:
        pages = _extract(path)
    except NoText:
        if not ocr:
            raise
        pages = []  # a text layer that is no text: the page images are the document
    text, removals, soft_breaks = analyse(pages)
    body = _without(text, removals)
    sha = hashlib.sha256(data).hexdigest()
    if not body.strip():
        if not ocr:
            raise NoText("PDF has no text layer (a scan?): run with --ocr to read it by OCR (about 5 s a page)")
        from pipeline.ingest.ocr import ocr_pdf

        recognized = ocr_pdf(path)
        if not "".join(recognized).strip():
            raise IngestError("PDF has no text layer and OCR recognized no text in it")
        text = "\n".join(recognized)
        return SourceText(path=str(path), text=text, format="pdf", encoding=None, pages=len(recognized),
                          sha256=sha, ocr=True, soft_breaks=wrapped_line_breaks(text))
    return SourceText(path=str(path), text=text, format="pdf", encoding=None, pages=len(pages),
                      sha256=sha, removals=removals, soft_breaks=soft_breaks)


def _check_envelope(data: bytes) -> None:
    """Cheap checks pdfminer would otherwise paper over: it rebuilds a damaged file
    from whatever objects it finds, so a truncated download reads as a shorter
    document instead of failing."""
    if b"%PDF-" not in data[:1024]:
        raise IngestError("not a PDF file (no %PDF header)")
    if b"%%EOF" not in data.rstrip(b"\x00 \t\r\n\x0c")[-2048:]:  # padding after %%EOF is harmless
        raise IngestError("corrupt PDF: truncated (no %%EOF at end of file)")


def _extract(path: Path) -> list[list[Line]]:
    import pdfplumber

    try:
        with pdfplumber.open(path) as pdf:
            n = len(pdf.pages)
            if n > MAX_PAGES:
                raise IngestError(f"PDF too long ({n} pages > {MAX_PAGES} limit)")
            pages = []
            cid = total = 0
            for i, page in enumerate(pdf.pages):
                width, height = float(page.width), float(page.height)
                rows = table_rows(page) if page.lines or page.rects else []
                free, cells = _place_in_cells(page.chars, rows)
                lines = [_line(chars, i, width, height) for chars in baseline_lines(free, height)]
                for bbox, row in zip(rows, cells):
                    if any(row):
                        lines.append(_row_line(bbox, row, i, width, height))
                lines.sort(key=lambda ln: ln.top)
                for chars in [c for row in cells for cell in row for c in cell] + free:
                    total += 1
                    cid += chars["text"].startswith("(cid:")
                pages.append(lines)
                page.close()
    except IngestError:
        raise
    except Exception as e:
        raise _pdf_error(e) from None
    if total and cid > total / 2:
        raise NoText("PDF text is not extractable (fonts without a Unicode mapping): run with --ocr to read its page images")
    unmapped = sum(1 for page in pages for ln in page for c in ln.text if _no_character(c))
    if total and unmapped > total / 2:
        # fonts whose ToUnicode maps glyphs to private-use code points, NUL or U+FFFD: the
        # text layer is no text, and storing it "ok" with no provisions would hide that
        raise NoText("PDF text is not extractable (glyphs mapped to no character or to private-use code points): "
                          "run with --ocr to read its page images")
    return pages


def _no_character(c: str) -> bool:
    o = ord(c)
    return 0xE000 <= o <= 0xF8FF or o >= 0xF0000 or o == 0xFFFD or (o < 0x20 and c not in "\t\n\r")


def _pdf_error(e: BaseException) -> IngestError:
    """pdfplumber wraps pdfminer's errors; name the real cause in one line."""
    chain, seen = [], set()
    todo = [e]
    while todo:
        x = todo.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        chain.append(x)
        todo += [x.__cause__, x.__context__] + [a for a in getattr(x, "args", ()) if isinstance(a, BaseException)]
    names = {type(x).__name__ for x in chain}
    if "PDFPasswordIncorrect" in names:
        return IngestError("encrypted PDF (password required)")
    if "PDFEncryptionError" in names or any("encrypt" in n.lower() for n in names):
        return IngestError("encrypted PDF (unsupported encryption)")
    root = chain[-1] if len(chain) > 1 else e
    msg = " ".join(str(root).split()) or type(root).__name__
    if "ord() expected" in msg:  # pdfminer decoding a font that maps no glyph to Unicode
        return NoText("PDF text is not extractable (a font without a Unicode mapping): "
                      "run with --ocr to read its page images")
    return IngestError(f"corrupt PDF: {msg[:200]}")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F


NO_LINE_START = set("，。、；：！？）》」』】”’,.;:!?)")
NO_LINE_END = set("“‘《（(「『【〈")


def table_rows(page) -> list[list[tuple]]:
    """The cell boxes of each row of the page's ruled tables that has two cells or more
    (pdfplumber's table finder). A row of one cell spanning the table is a framed
    paragraph, not a table row: its text stays running text."""
    rows = []
    for table in page.find_tables():
        for row in table.rows:
            boxes = [c for c in row.cells if c is not None]
            if len(boxes) >= 2:
                rows.append(boxes)
    return rows


def _place_in_cells(chars: list[dict], rows: list[list[tuple]]) -> tuple[list[dict], list[list[list[dict]]]]:
    """The characters outside every table cell, and per row and cell those inside it
    (by the glyph's centre)."""
    cells: list[list[list[dict]]] = [[[] for _ in row] for row in rows]
    if not rows:
        return list(chars), cells
    free = []
    for c in chars:
        x, y = (float(c["x0"]) + float(c["x1"])) / 2, (float(c["top"]) + float(c["bottom"])) / 2
        for r, row in enumerate(rows):
            k = next((k for k, (x0, top, x1, bottom) in enumerate(row) if x0 <= x <= x1 and top <= y <= bottom), None)
            if k is not None:
                cells[r][k].append(c)
                break
        else:
            free.append(c)
    return free, cells


def _row_line(boxes: list[tuple], cells: list[list[dict]], page: int, width: float, height: float) -> Line:
    """A table row as one line: each cell's text (its own lines joined), cells parted by
    a tab, so a number stays beside its label and the row is never read as an article."""
    texts = ["".join("".join(c["text"] for c in line) for line in baseline_lines(cell, height)) for cell in cells]
    sizes = [float(c.get("size") or 0) for cell in cells for c in cell]
    return Line(text="\t".join(t.replace("\t", " ") for t in texts), x0=min(b[0] for b in boxes),
                x1=max(b[2] for b in boxes), top=min(b[1] for b in boxes), bottom=max(b[3] for b in boxes),
                em=statistics.median(sizes) if sizes else 10.0, lead=0.0, page=page, page_width=width,
                page_height=height, table=True)


def baseline_lines(chars: list[dict], page_height: float) -> list[list[dict]]:
    """The page's characters as lines, top to bottom, each left to right.

    Lines are told by the baseline of the glyphs' text matrix, not by their boxes: a
    document that sets its digits in a second font (方正 documents: 仿宋 text, digits
    in Times) has boxes of another height on one baseline, and grouping by box top
    splits "由30万元提高至50万元" into two lines. A glyph drawn twice at one place (fake
    bold, 第第一一条条) is kept once."""
    placed = []
    for c in chars:
        if not c["text"] or c["text"].isspace() and not c["text"] == "\u3000":
            continue
        m = c.get("matrix")
        base = page_height - float(m[5]) if m else float(c["bottom"])
        placed.append((base, float(c["x0"]), c))
    placed.sort(key=lambda t: (t[0], t[1]))
    rows: list[list[tuple]] = []
    for item in placed:
        size = float(item[2].get("size") or 10.0)
        if rows and item[0] - rows[-1][0][0] <= BASELINE_TOLERANCE * size:
            rows[-1].append(item)
        else:
            rows.append([item])
    return [line for row in rows if (line := _deduplicated(sorted(row, key=lambda t: t[1])))]


def _deduplicated(row: list[tuple]) -> list[dict]:
    """Glyphs left to right without those drawn again over an earlier one, and with a
    space glyph where a gap wider than DUPLICATE_GAP... (pdfplumber's x tolerance) parts two words."""
    out: list[dict] = []
    for _, x0, c in row:
        if any(p["text"] == c["text"] and abs(float(p["x0"]) - x0) < DUPLICATE_OFFSET
               and abs(float(p["top"]) - float(c["top"])) < DUPLICATE_OFFSET for p in out[-3:]):
            continue
        if out and x0 - float(out[-1]["x1"]) > WORD_GAP and not out[-1]["text"].isspace():
            out.append({**out[-1], "text": " ", "x0": float(out[-1]["x1"]), "x1": x0})
        out.append(c)
    while out and out[-1]["text"].isspace():
        out.pop()
    while out and out[0]["text"].isspace():
        out.pop(0)
    return out


def _line(chars: list[dict], page: int, width: float, height: float) -> Line:
    sizes = [float(c.get("size") or 0) for c in chars if not c["text"].isspace()]
    em = statistics.median(sizes) if sizes else 10.0
    # The first piece the line breaker could not split: one CJK character, or a run of
    # non-CJK characters (a Latin word, a number, "(guān)"), with the opening marks
    # before it and the punctuation after it that may not end / start a line.
    k = 1
    while k < len(chars) and chars[k - 1]["text"] in NO_LINE_END:
        k += 1
    if not _is_cjk(chars[k - 1]["text"]):
        while k < len(chars) and not _is_cjk(chars[k]["text"]) and not chars[k]["text"].isspace():
            k += 1
    while k < len(chars) and chars[k]["text"] in NO_LINE_START:
        k += 1
    lead = float(chars[k - 1]["x1"]) - float(chars[0]["x0"])
    return Line(text="".join(c["text"] for c in chars), x0=float(chars[0]["x0"]), x1=max(float(c["x1"]) for c in chars),
                top=min(float(c["top"]) for c in chars), bottom=max(float(c["bottom"]) for c in chars),
                em=em, lead=lead, page=page, page_width=width, page_height=height)


# ---------------------------------------------------------------- layout analysis


def analyse(pages: list[list[Line]]) -> tuple[str, list[Removal], list[int]]:
    """Source text, furniture removals and soft breaks of extracted pages.

    Pure geometry on Line records, so it can be tested without PDFs.
    """
    parts, pos = [], 0
    for p, lines in enumerate(pages):
        if p:
            parts.append("\n")
            pos += 1
        for i, line in enumerate(lines):
            if i:
                parts.append("\n")
                pos += 1
            line.start, line.end = pos, pos + len(line.text)
            parts.append(line.text)
            pos = line.end
    text = "".join(parts)

    furniture = find_furniture(pages)
    removals = []
    for line in (ln for lines in pages for ln in lines if id(ln) in furniture):
        if line.end < len(text):
            removals.append(Removal(line.start, line.end + 1, "page-furniture"))
        else:
            removals.append(Removal(max(0, line.start - 1), line.end, "page-furniture"))
    body = [[ln for ln in lines if id(ln) not in furniture] for lines in pages]
    return text, removals, find_soft_breaks(body, text)


def _key(text: str) -> str:
    return re.sub(r"[0-9]+", "#", "".join(unicodedata.normalize("NFKC", text).split()))


def _is_page_number(line: Line, edge_index: int) -> bool:
    t = unicodedata.normalize("NFKC", line.text).strip()  # — １ — in full-width digits too
    if any(p.match(t) for p in layout_rules().page_number):
        return True
    if layout_rules().bare_page_number.match(t) and edge_index == 0:
        band = line.page_height * OUTER_BAND
        return line.bottom <= band or line.top >= line.page_height - band
    return False


def find_furniture(pages: list[list[Line]]) -> set[int]:
    """ids of the lines that are page furniture.

    Furniture sits at a page edge: we walk in from the top and from the bottom of each
    page and stop at the first body line. A line there is furniture when it is a page
    number, or when the same text (digits aside) stands at the same height near the
    same edge on at least half of the pages (two at least) — the height test keeps a
    title on page 1 that repeats the running header.
    """
    n = len(pages)
    groups: dict[tuple[str, str], list[Line]] = {}
    for lines in pages:
        for zone, edge in (("top", lines[:EDGE_LINES]), ("bottom", lines[-EDGE_LINES:])):
            for line in edge:
                groups.setdefault((zone, _key(line.text)), []).append(line)
    repeated: dict[tuple[str, str], float] = {}
    if n >= 2:
        for key, lines in groups.items():
            y = statistics.median(ln.top for ln in lines)
            pages_at_y = {ln.page for ln in lines if abs(ln.top - y) <= 2.0}
            if len(pages_at_y) >= max(2, math.ceil(n * 0.5)):
                repeated[key] = y

    found: set[int] = set()
    for lines in pages:
        for zone, order in (("top", lines), ("bottom", lines[::-1])):
            used = set()
            for edge_index, line in enumerate(order[:EDGE_LINES]):
                if id(line) in found:
                    break
                key = (zone, _key(line.text))
                if key in repeated and key not in used and abs(line.top - repeated[key]) <= 2.0:
                    used.add(key)
                elif not _is_page_number(line, edge_index):
                    break
                found.add(id(line))
    return found


def find_soft_breaks(pages: list[list[Line]], text: str) -> list[int]:
    """Indexes of the newlines that end a line the layout wrapped mid-paragraph.

    A line is full when the first piece of the next line would not have fitted into
    the room left before the right edge of the text block. Full lines continue into
    the next line unless that line is indented, starts a heading (第X条, 一、, (一),
    1、), or sits a paragraph gap lower. Where the document marks paragraphs by
    indenting their first line (most Chinese official documents), indentation alone
    decides, so a wrap right after 。 is still joined; otherwise a full line ending
    with 。！？；： ends its paragraph.
    """
    lines = [ln for page in pages for ln in page]
    if len(lines) < 2:
        return []
    blocks = {}
    for width in {round(ln.page_width) for ln in lines}:
        same = [ln for ln in lines if round(ln.page_width) == width]
        left = percentile([ln.x0 for ln in same], 0.05)
        # The right edge of the text block: the longest line of a typical page, so a
        # line that overflows on one page (a URL, a wide table) does not move it.
        widest = [max(ln.x1 for ln in page) for page in pages
                  if len(page) >= 5 and round(page[0].page_width) == width]
        right = statistics.median_high(widest) if widest else max(ln.x1 for ln in same)
        blocks[width] = (left, right)
    steps = [b.top - a.top for page in pages for a, b in zip(page, page[1:]) if b.top > a.top]
    pitch = statistics.median(steps) if steps else None

    def indented(ln: Line) -> bool:
        return ln.x0 > blocks[round(ln.page_width)][0] + 0.8 * ln.em

    def full(a: Line, b: Line) -> bool:
        room = blocks[round(a.page_width)][1] - a.x1
        return room < b.lead + 1.0 * a.em

    def gap(a: Line, b: Line) -> bool:
        if a.page != b.page or pitch is None:
            return False
        step = b.top - a.top
        return step > pitch * 1.45 and step - pitch > 0.4 * a.em

    pairs = list(zip(lines, lines[1:]))
    # Do paragraphs start indented? Judge on sure paragraph ends: short lines ending a sentence.
    sure = [b for a, b in pairs if ends_sentence(a.text) and not full(a, b) and not gap(a, b)]
    indent_style = len(sure) >= 3 and sum(map(indented, sure)) >= 0.7 * len(sure)

    body_em = statistics.median(ln.em for ln in lines)

    def title_pair(a: Line, b: Line) -> bool:
        """Two lines of one centred title set larger than the body: a red-header title
        broken over lines (…办公厅关于⏎印发…⏎…的通知) is one line of text."""
        if a.page != b.page or abs(a.em - b.em) > 0.05 * a.em or a.em < TITLE_SIZE * body_em:
            return False
        return abs((a.x0 + a.x1) - (b.x0 + b.x1)) / 2 < 0.5 * a.em and not ends_sentence(a.text)

    contents = load(Outline).contents_entry.compiled  # a 目录 line: outline.yaml, as the segmenter reads it
    soft = []
    for a, b in pairs:
        if a.table or b.table or contents.search(a.text):
            continue  # a table row, or a 目录 entry (title …… page) that fills its line
        if title_pair(a, b) and not gap(a, b) and not is_heading(b.text.lstrip()):
            if text[a.end:a.end + 1] == "\n":
                soft.append(a.end)
            continue
        if not full(a, b) or indented(b) or gap(a, b) or is_heading(b.text.lstrip()):
            continue
        if not indent_style and ends_sentence(a.text):
            continue
        if text[a.end:a.end + 1] == "\n":
            soft.append(a.end)
    return soft


def _without(text: str, removals: list[Removal]) -> str:
    out, pos = [], 0
    for r in sorted(removals, key=lambda r: r.start):
        if r.start >= pos:
            out.append(text[pos:r.start])
        pos = max(pos, r.end)
    out.append(text[pos:])
    return "".join(out)
