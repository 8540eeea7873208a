"""DOCX reader: the body text a reader of the document sees, in document order.

Word keeps list numbers ("第一条", "(一)", "1、") out of the text, in numbering.xml;
policy documents number their articles that way, so we render the labels back in,
otherwise the segmenter would find no article boundaries. Headers, footers, text
boxes, deleted revisions and field codes are not body text and are left out.

A .docx is a zip of XML written by whoever sent it: we check the archive before
python-docx unpacks it (no zip bombs) and python-docx parses with entity
resolution off (no XXE / billion laughs).
"""
from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from pathlib import Path
from typing import Callable

from models.records import IngestError, SourceText

log = logging.getLogger(__name__)

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _q(tag: str) -> str:
    return f"{{{W}}}{tag}"


P, TBL, SDT, SDT_CONTENT, CUSTOM_XML = _q("p"), _q("tbl"), _q("sdt"), _q("sdtContent"), _q("customXml")
TR, TC, PPR, RPR, VAL = _q("tr"), _q("tc"), _q("pPr"), _q("rPr"), _q("val")
TXBX_CONTENT, NOTES = _q("txbxContent"), {_q("footnote"), _q("endnote")}
# Subtrees whose text is not part of the paragraph as read: deleted revisions, moved-away
# text, drawings/text boxes (anchored objects, not flow), the VML fallback copy of
# drawings, and properties.
SKIP = {_q("del"), _q("moveFrom"), _q("drawing"), _q("pict"), _q("object"), _q("txbxContent"),
        f"{{{MC}}}Fallback", PPR, RPR, _q("sectPr")}


def read_docx(path: Path) -> SourceText:
    path = Path(path)
    data = path.read_bytes()
    _check_archive(path)
    try:
        import docx  # python-docx

        document = docx.Document(str(path))
        text = _DocumentText(document).render()
    except IngestError:
        raise
    except Exception as e:  # python-docx / lxml / zipfile raise many kinds
        raise IngestError(f"cannot read DOCX: {_one_line(e)}") from None
    return SourceText(path=str(path), text=text, format="docx", encoding=None,
                      sha256=hashlib.sha256(data).hexdigest())


def _check_archive(path: Path) -> None:
    """Refuse what python-docx should never be handed: non-zips and zip bombs."""
    if not zipfile.is_zipfile(path):
        raise IngestError("not a DOCX file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise IngestError(f"not a DOCX file (broken zip archive: {_one_line(e)})") from None
    # ZipExtFile never yields more than the declared file_size, so the declared
    # sizes bound what unpacking can produce.
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise IngestError(f"DOCX too large when unpacked ({total // (1024 * 1024)} MB > "
                          f"{MAX_UNZIPPED_BYTES // (1024 * 1024)} MB limit)")
    if "[Content_Types].xml" not in names:
        raise IngestError("not a DOCX file (zip archive without [Content_Types].xml)")


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    return msg[:200]


class _DocumentText:
    """Walks the body XML; holds the list counters, which run across the document."""

    def __init__(self, document):
        self.body = document.element.body
        part = document.part
        self.numbering = _Numbering(_related(part, "numbering"), _related(part, "styles"))
        self.notes = [root for root in (_related(part, "footnotes"), _related(part, "endnotes")) if root is not None]

    def render(self) -> str:
        """The body, then the footnotes and endnotes (their text states rules too)."""
        lines = self._blocks(self.body)
        for root in self.notes:
            for note in root:
                if note.tag in NOTES and note.get(_q("type"), "normal") == "normal":
                    lines += [line for line in self._blocks(note) if line.strip()]
        return "\n".join(lines)

    def _blocks(self, parent) -> list[str]:
        """Lines of the block-level children, in document order. Content controls
        (w:sdt) and custom XML wrap body content in Word templates, so we descend
        into them, which Document.iter_inner_content() does not."""
        out: list[str] = []
        for child in parent:
            if child.tag == P:
                out.append(self._paragraph(child))
                for box in _text_boxes(child):  # anchored in the paragraph: read after it
                    out.extend(self._blocks(box))
            elif child.tag == TBL:
                out.extend(self._table(child))
            elif child.tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    out.extend(self._blocks(content))
            elif child.tag == CUSTOM_XML:
                out.extend(self._blocks(child))
        return out

    def _paragraph(self, p) -> str:
        label = self.numbering.label(p)
        return label + _inline_text(p)

    def _table(self, tbl) -> list[str]:
        """A merged cell is one w:tc (horizontal span) or a w:tc marked vMerge=continue
        (vertical span) in the rows below: written once, not once per grid column as
        row.cells does."""
        return table_lines(tbl, (TBL, TR, TC), _is_vmerge_continuation, self._blocks)


def _text_boxes(p) -> list:
    """The text boxes drawn in a paragraph, each once: DrawingML's and, where a drawing
    has none, its VML copy (mc:Fallback repeats an mc:Choice text box)."""
    boxes = []
    for box in p.iter(TXBX_CONTENT):
        el, fallback = box.getparent(), False
        while el is not None and el is not p:
            fallback = fallback or el.tag == f"{{{MC}}}Fallback"
            el = el.getparent()
        if not fallback:
            boxes.append(box)
    return boxes


def _related(part, name: str):
    """The XML root of a related part (numbering, styles, footnotes, endnotes), or None;
    python-docx's own accessors would create empty parts instead."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rt = {"numbering": RT.NUMBERING, "styles": RT.STYLES, "footnotes": RT.FOOTNOTES, "endnotes": RT.ENDNOTES}[name]
    try:
        related = part.part_related_by(rt)
    except KeyError:
        return None
    if hasattr(related, "element"):
        return related.element
    from docx.oxml import parse_xml  # a part python-docx has no class for (footnotes): its bytes

    return parse_xml(related.blob)


def table_lines(tbl, tags: tuple[str, str, str], continues: Callable, blocks: Callable) -> list[str]:
    """One line per row of `tbl`, its cells joined by a tab, each cell's blocks on one
    line, a merged cell once, where it starts (`continues(tc)`: a continuation); a
    nested table is read inside its cell. `tags` are the (table, row, cell) tags of the
    dialect: DOCX and Word 2003 XML differ in their namespace and merge marks only."""
    tbl_tag, tr_tag, tc_tag = tags

    def owner(el):
        el = el.getparent()
        while el is not None and el.tag != tbl_tag:
            el = el.getparent()
        return el

    lines = []
    for tr in tbl.iter(tr_tag):
        if owner(tr) is not tbl:
            continue  # a nested table's row: read inside its cell
        cells = [" ".join(" ".join(s.split()) for s in blocks(tc) if s.strip())
                 for tc in tr.iter(tc_tag) if owner(tc) is tbl and not continues(tc)]
        lines.append("\t".join(cells))
    return lines


def _is_vmerge_continuation(tc) -> bool:
    tcpr = tc.find(_q("tcPr"))
    if tcpr is None:
        return False
    vm = tcpr.find(_q("vMerge"))
    return vm is not None and vm.get(VAL, "continue") == "continue"


def _inline_text(p) -> str:
    """Visible text of one paragraph: runs, hyperlinks, inserted revisions, field
    results; not field codes, deleted text, hidden runs or drawings."""
    out: list[str] = []

    def walk(el):
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP:
                continue
            if tag == _q("r") and _hidden(child):
                continue
            if tag == _q("t"):
                out.append(child.text or "")
            elif tag == _q("tab") or tag == _q("ptab"):
                out.append(" ")  # spacing inside a paragraph: a tab in the text parts table cells
            elif tag == _q("br") or tag == _q("cr"):
                out.append("\n")
            elif tag == _q("noBreakHyphen"):
                out.append("-")
            elif tag == P:  # paragraphs nested in inline content controls
                if out:
                    out.append("\n")
                walk(child)
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _hidden(r) -> bool:
    rpr = r.find(RPR)
    if rpr is None:
        return False
    v = rpr.find(_q("vanish"))
    return v is not None and v.get(VAL, "true") not in ("0", "false", "off")


# ---------------------------------------------------------------- list numbering


class _Numbering:
    """Renders list labels as Word would display them.

    Counters follow Word: they belong to the abstract list, so two w:num instances of
    one abstractNum continue each other, and a w:num with a startOverride restarts
    the level the first time it is used. (When each numId has its own abstractNum, as
    LibreOffice writes them, this is the same as per-numId counters.) A level counts
    on from its own last value and restarts when a shallower level is used again.
    """

    def __init__(self, numbering, styles):
        self.nums: dict[str, tuple[str, dict]] = {}  # numId -> (abstractNumId, overrides)
        self.abstract: dict[str, dict[int, dict]] = {}
        self.style_link: dict[str, str] = {}  # abstractNumId -> numStyleLink style id
        self.styles: dict[str, tuple[str | None, str | None, str | None]] = {}  # id -> (numId, ilvl, basedOn)
        self.counters: dict[str, dict[int, int]] = {}
        self.started_overrides: set[tuple[str, int]] = set()
        if styles is not None:
            self._read_styles(styles)
        if numbering is not None:
            self._read_numbering(numbering)

    def _read_styles(self, styles) -> None:
        for st in styles.iter(_q("style")):
            if st.get(_q("type")) != "paragraph":
                continue
            sid = st.get(_q("styleId"))
            ppr = st.find(PPR)
            num_id = ilvl = None
            if ppr is not None and (numpr := ppr.find(_q("numPr"))) is not None:
                num_id = _val(numpr.find(_q("numId")))
                ilvl = _val(numpr.find(_q("ilvl")))
            based = _val(st.find(_q("basedOn")))
            self.styles[sid] = (num_id, ilvl, based)

    def _read_numbering(self, numbering) -> None:
        for an in numbering.findall(_q("abstractNum")):
            aid = an.get(_q("abstractNumId"))
            link = _val(an.find(_q("numStyleLink")))
            if link:
                self.style_link[aid] = link
            self.abstract[aid] = {int(lvl.get(_q("ilvl"), "0")): _level(lvl) for lvl in an.findall(_q("lvl"))}
        for num in numbering.findall(_q("num")):
            nid = num.get(_q("numId"))
            aid = _val(num.find(_q("abstractNumId")))
            overrides = {}
            for ov in num.findall(_q("lvlOverride")):
                ilvl = int(ov.get(_q("ilvl"), "0"))
                entry = {}
                start = _val(ov.find(_q("startOverride")))
                if start is not None and start.lstrip("-").isdigit():
                    entry["start"] = int(start)
                lvl = ov.find(_q("lvl"))
                if lvl is not None:
                    entry["level"] = _level(lvl)
                overrides[ilvl] = entry
            self.nums[nid] = (aid, overrides)

    def _style_numbering(self, style_id: str | None) -> tuple[str | None, str | None]:
        seen = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            num_id, ilvl, based = self.styles[style_id]
            if num_id is not None:
                return num_id, ilvl
            style_id = based
        return None, None

    def _levels(self, aid: str | None) -> dict[int, dict]:
        """Level definitions, following one numStyleLink indirection (list styles)."""
        levels = self.abstract.get(aid, {})
        if not levels and aid in self.style_link:
            num_id, _ = self._style_numbering(self.style_link[aid])
            if num_id in self.nums:
                levels = self.abstract.get(self.nums[num_id][0], {})
        return levels

    def label(self, p) -> str:
        ppr = p.find(PPR)
        num_id = ilvl = None
        style_id = None
        if ppr is not None:
            style_id = _val(ppr.find(_q("pStyle")))
            numpr = ppr.find(_q("numPr"))
            if numpr is not None:
                num_id = _val(numpr.find(_q("numId")))
                ilvl = _val(numpr.find(_q("ilvl")))
        if num_id is None:
            num_id, style_ilvl = self._style_numbering(style_id)
            ilvl = ilvl if ilvl is not None else style_ilvl
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return ""
        aid, overrides = self.nums[num_id]
        levels = self._levels(aid)
        if ilvl is None or not ilvl.isdigit():
            # Style-linked numbering names its level by the style, not by w:ilvl.
            ilvl = next((str(k) for k, v in levels.items() if style_id and v.get("pStyle") == style_id), "0")
        level_no = min(int(ilvl), 8)

        def level_def(n: int) -> dict:
            base = dict(levels.get(n, {}))
            base.update(overrides.get(n, {}).get("level", {}))
            return base

        lvl = level_def(level_no)
        if not lvl:
            return ""
        counters = self.counters.setdefault(aid, {})
        override_start = overrides.get(level_no, {}).get("start")
        if override_start is not None and (num_id, level_no) not in self.started_overrides:
            self.started_overrides.add((num_id, level_no))
            counters[level_no] = override_start
        elif level_no in counters:
            counters[level_no] += 1
        else:
            counters[level_no] = lvl.get("start", 1)
        for deeper in [k for k in counters if k > level_no]:
            restart = level_def(deeper).get("restart")
            if restart is None or restart > level_no:  # w:lvlRestart: restart after that level
                del counters[deeper]
        if lvl.get("fmt") == "bullet":
            return ""
        template = lvl.get("text")
        if template is None:
            return ""

        def number(m: re.Match) -> str:
            n = int(m.group(1)) - 1
            d = level_def(n)
            value = counters.get(n, d.get("start", 1))
            fmt = "decimal" if lvl.get("legal") and n != level_no else d.get("fmt", "decimal")
            return format_number(value, fmt)

        text = re.sub(r"%([1-9])", number, template)
        if not text:
            return ""
        suffix = {"nothing": ""}.get(lvl.get("suff", "tab"), " ")
        return text + suffix


def _val(el) -> str | None:
    return None if el is None else el.get(VAL)


def _level(lvl) -> dict:
    d: dict = {}
    start = _val(lvl.find(_q("start")))
    if start is not None and start.lstrip("-").isdigit():
        d["start"] = int(start)
    fmt = _val(lvl.find(_q("numFmt")))
    if fmt is not None:
        d["fmt"] = fmt
    text = _val(lvl.find(_q("lvlText")))
    if text is not None:
        if len(text) > MAX_LABEL_TEXT:  # a label of 20,000 characters on 5,000 paragraphs took gigabytes
            log.warning("list label of %d characters cut to %d", len(text), MAX_LABEL_TEXT)
        d["text"] = text[:MAX_LABEL_TEXT]
    suff = _val(lvl.find(_q("suff")))
    if suff is not None:
        d["suff"] = suff
    restart = _val(lvl.find(_q("lvlRestart")))
    if restart is not None and restart.isdigit():
        d["restart"] = int(restart)  # 1-based level number; 0 = never restart
    style = _val(lvl.find(_q("pStyle")))
    if style is not None:
        d["pStyle"] = style
    legal = lvl.find(_q("isLgl"))
    if legal is not None and legal.get(VAL, "true") not in ("0", "false", "off"):
        d["legal"] = True
    return d


MAX_LABEL_TEXT = 64  # a list label's template (第%1条, （%2）): real ones are a few characters
CN_DIGITS = "〇一二三四五六七八九"
CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
CN_LEGAL_TRAD = "零壹貳參肆伍陸柒捌玖"
TIANGAN = "甲乙丙丁戊己庚辛壬癸"
DIZHI = "子丑寅卯辰巳午未申酉戌亥"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
FULLSTOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"


def format_number(n: int, fmt: str) -> str:
    """A list counter in one of Word's w:numFmt styles (unknown styles: decimal)."""
    if fmt in ("none", "bullet"):
        return ""
    if n < 0:
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        s = _letters(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s = _roman(n)
        return s.lower() if fmt == "lowerRoman" else s
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting"):
        return _chinese(n, CN_DIGITS, "十百千", "万")
    if fmt in ("chineseLegalSimplified", "japaneseLegal"):
        return _chinese(n, CN_LEGAL, "拾佰仟", "万", legal=True)
    if fmt == "ideographLegalTraditional":
        return _chinese(n, CN_LEGAL_TRAD, "拾佰仟", "萬", legal=True)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join(CN_DIGITS[int(c)] for c in str(n))
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return TIANGAN[n - 1]
    if fmt == "ideographZodiac" and 1 <= n <= 12:
        return DIZHI[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle") and 1 <= n <= 20:
        return CIRCLED[n - 1]
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return PAREN[n - 1]
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return FULLSTOP[n - 1]
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    return str(n)


def _letters(n: int) -> str:
    """Word repeats the letter: a … z, aa … zz, aaa …"""
    if not 0 < n <= 26 * 30:
        return str(n)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _chinese(n: int, digits: str, units: str, wan: str, legal: bool = False) -> str:
    """十一, 二十, 一百零五 (零 fills gaps, 〇 is only zero itself); the legal
    (financial) digits keep the leading 壹 of 壹拾."""
    if n == 0:
        return digits[0]
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = _chinese(low, digits, units, wan, legal) if low else ""
        if low and low < 1000:
            rest = "零" + rest
        return _chinese(high, digits, units, wan, legal) + wan + rest
    out = []
    parts = [(n // 1000) % 10, (n // 100) % 10, (n // 10) % 10, n % 10]
    unit_for = [units[2], units[1], units[0], ""]
    zero = False
    started = False
    for d, u in zip(parts, unit_for):
        if d == 0:
            zero = started
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(digits[d] + u)
        started = True
    s = "".join(out)
    if not legal and 10 <= n < 20:
        s = s[1:]  # 十一, not 一十一
    return s
