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
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from models.records import IngestError, Removal, SourceText

MAX_PAGES = 5000

SENTENCE_END = set("。！？；：!?;:")
CLOSERS = "”’」』）)】》〉\"'"
DASHES = "-—–－‐‑―~～·•"
# Page-number lines that need no repetition to be recognised, at a page edge.
PAGE_NUMBER = [
    re.compile(rf"^[{DASHES}]+\s*([0-9]+|[一二三四五六七八九十百〇]+)\s*[{DASHES}]*$"),
    re.compile(rf"^[{DASHES}]*\s*([0-9]+|[一二三四五六七八九十百〇]+)\s*[{DASHES}]+$"),
    re.compile(r"^第\s*[0-9]+\s*页\s*([,，/、|]?\s*共\s*[0-9]+\s*页)?$"),
    re.compile(r"^共\s*[0-9]+\s*页\s*[,，/、|]?\s*第\s*[0-9]+\s*页$"),
    re.compile(r"^[0-9]+\s*/\s*[0-9]+$"),
    re.compile(r"^(page|p\.)\s*[0-9]+(\s*(of|/)\s*[0-9]+)?$", re.IGNORECASE),
]
BARE_NUMBER = re.compile(r"^[0-9]{1,4}$")
# Lines that start a new unit even when the previous line is full.
HEADING = re.compile(
    r"^(第[一二三四五六七八九十百千零〇两0-9]+[编篇章节条款部分]"
    r"|[一二三四五六七八九十百]+[、．.]"
    r"|[（(][一二三四五六七八九十百0-9]+[)）]"
    r"|[0-9]+[、．.](?![0-9])"
    r"|[①-⑳])"
)
EDGE_LINES = 3  # how deep into a page edge furniture may sit
OUTER_BAND = 0.15  # share of the page height where a bare page number may sit


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


def read_pdf(path: Path) -> SourceText:
    path = Path(path)
    data = path.read_bytes()
    _check_envelope(data)
    pages = _extract(path)
    text, removals, soft_breaks = analyse(pages)
    body = _without(text, removals)
    if not body.strip():
        raise IngestError("PDF has no text layer (scanned?)")
    return SourceText(path=str(path), text=text, format="pdf", encoding=None, pages=len(pages),
                      sha256=hashlib.sha256(data).hexdigest(), removals=removals, soft_breaks=soft_breaks)


def _check_envelope(data: bytes) -> None:
    """Cheap checks pdfminer would otherwise paper over: it rebuilds a damaged file
    from whatever objects it finds, so a truncated download reads as a shorter
    document instead of failing."""
    if b"%PDF-" not in data[:1024]:
        raise IngestError("not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
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
                lines = []
                for d in page.extract_text_lines(strip=True, return_chars=True):
                    chars = d.get("chars") or []
                    if not d["text"].strip() or not chars:
                        continue
                    total += len(chars)
                    cid += sum(1 for c in chars if c["text"].startswith("(cid:"))
                    lines.append(_line(d, chars, i, float(page.width), float(page.height)))
                pages.append(lines)
                page.close()
    except IngestError:
        raise
    except Exception as e:
        raise _pdf_error(e) from None
    if total and cid > total / 2:
        raise IngestError("PDF text is not extractable (fonts without a Unicode mapping)")
    return pages


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
    return IngestError(f"corrupt PDF: {msg[:200]}")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F


NO_LINE_START = set("，。、；：！？）》」』】”’,.;:!?)")
NO_LINE_END = set("“‘《（(「『【〈")


def _line(d: dict, chars: list[dict], page: int, width: float, height: float) -> Line:
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
    return Line(text=d["text"], x0=float(d["x0"]), x1=float(d["x1"]), top=float(d["top"]),
                bottom=float(d["bottom"]), em=em, lead=lead, page=page, page_width=width, page_height=height)


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
    return re.sub(r"[0-9]+", "#", "".join(text.split()))


def _is_page_number(line: Line, edge_index: int) -> bool:
    t = line.text.strip()
    if any(p.match(t) for p in PAGE_NUMBER):
        return True
    if BARE_NUMBER.match(t) and edge_index == 0:
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


def _percentile(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))]


def _ends_sentence(text: str) -> bool:
    t = text.rstrip().rstrip(CLOSERS)
    return bool(t) and t[-1] in SENTENCE_END


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
        left = _percentile([ln.x0 for ln in same], 0.05)
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
    sure = [b for a, b in pairs if _ends_sentence(a.text) and not full(a, b) and not gap(a, b)]
    indent_style = len(sure) >= 3 and sum(map(indented, sure)) >= 0.7 * len(sure)

    soft = []
    for a, b in pairs:
        if not full(a, b) or indented(b) or gap(a, b) or HEADING.match(b.text.lstrip()):
            continue
        if not indent_style and _ends_sentence(a.text):
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
