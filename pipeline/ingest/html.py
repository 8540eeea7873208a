"""HTML reader: the main text of a saved web page, and what the page states about it.

A government page wraps one document in navigation, metadata tables, share bars,
related links and footers; only the document is source text, so that offsets, sentences
and provisions refer to it and not to the chrome. readability-lxml chooses the article
container (measured against trafilatura and GNE on real pages, it found the right
start and end most often: see tests/test_ingest_html.py). Around it stand a few
general rules that a generic extractor cannot know about these pages:

* an end tag `</html>` or `</body>` in the middle of a page (a server-side include)
  does not end the page, as in a browser; otherwise the article after it is lost;
* a hidden `<body>` is a script's loading trick, not hidden content; hidden elements
  (print and mobile copies) are dropped so their text does not count twice;
* page chrome lines (print/share bars, QR codes) and link lines at the ends of the
  container (downloads, attachments, 政策解读) are not main text.

The text keeps paragraphs as lines and a data table's rows one a line, cells separated
by a tab. Metadata (`declared`) comes from the page's <meta> tags and its labelled
fields (发布日期：…, a 文号 cell and its value cell), the words in data/html.yaml.
"""
from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import lxml.html
from lxml import etree

from models.language_data import Html, load
from models.records import DocumentMeta, IngestError, SourceText

log = logging.getLogger(__name__)

MAX_HTML_BYTES = 64 * 1024 * 1024
CJK = "\u3400-\u9fff\uf900-\ufaff"
_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_STRAY_END = re.compile(r"</(?:html|body)\s*>", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACE = re.compile(r"[ \t\n\r\f\v]+")  # HTML collapses these; &nbsp; and U+3000 are text
_NEXT_LABEL = re.compile(rf"\s+(?=[\[【]?[{CJK}]{{2,8}}\s*[\]】]?\s*[:：])|\s*[|｜]\s*")
TABLE_TAGS = frozenset(("table", "thead", "tbody", "tfoot", "tr", "td", "th"))
# Legacy codecs a declared charset stands for: GB2312/GBK pages use GB18030 characters.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5hkscs",
              "big5hkscs": "big5hkscs", "cp950": "big5hkscs"}


def read_html(path: Path) -> SourceText:
    """A saved web page -> its main text, with the page's own metadata as `declared`."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_HTML_BYTES:
        mb = 1024 * 1024
        raise IngestError(f"web page too large ({size // mb} MB > {MAX_HTML_BYTES // mb} MB limit)")
    html, encoding = decode_html(path.read_bytes())
    root = parse_html(html)
    lines = main_lines(root)
    if not lines:
        raise IngestError("no main text found in the web page")
    text = "\n".join(lines)
    declared = page_metadata(root, lines)
    log.debug("%s: %d characters of main text (%s)", path.name, len(text), encoding)
    return SourceText(path=str(path), text=text, format="html", encoding=encoding, declared=declared)


# --- bytes -> text -----------------------------------------------------------------------

def decode_html(data: bytes) -> tuple[str, str]:
    """The page's declared charset when it decodes every byte, else a sniffed one
    (a server may have sent the charset in an HTTP header the saved file lacks)."""
    from pipeline.ingest.txt import decode

    if not data.strip():
        raise IngestError("web page is empty")
    if data[:4].startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data)
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError as e:
            log.info("declared charset %s fails at byte %d; sniffing instead", declared, e.start)
    return decode(data)


def _declared_charset(data: bytes) -> str | None:
    """The first <meta> charset before <body>: a later one belongs to pasted fragments."""
    body = re.search(rb"<body[\s>]", data, re.I)
    m = _CHARSET.search(data, 0, body.start() if body else min(len(data), 65536))
    if not m:
        return None
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    name = _SUPERSETS.get(name.replace("_", "").replace("-", ""), name)
    return "utf-8" if name.startswith("utf-16") else name  # a UTF-16 page would have a BOM


def parse_html(html: str) -> lxml.html.HtmlElement:
    """The page as a browser would build it, minus what no reader sees."""
    html = _XML_DECL.sub("", html.replace("\x00", ""), count=1)
    html = _STRAY_END.sub("", html)  # the parser closes them at the end of input
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as e:
        raise IngestError(f"cannot parse the web page: {' '.join(str(e).split())[:120]}") from None
    hidden = rules().hidden
    for el in root.iter("html", "body"):
        el.attrib.pop("hidden", None)
        el.attrib.pop("style", None)
    for el in list(root.iter(etree.Element)):
        if el.tag in ("html", "body") or el.getparent() is None:
            continue
        if el.get("hidden") is not None or hidden.search(el.get("style") or ""):
            el.drop_tree()
    return root


# --- data/html.yaml ----------------------------------------------------------------------

FIELDS = ("title", "doc_number", "issued", "published", "issuer")


@dataclass(frozen=True)
class Rules:
    """data/html.yaml, read once into the forms the reader uses."""

    skip_tags: frozenset[str]
    block_tags: frozenset[str]
    hidden: re.Pattern
    layout_cell_chars: int
    chrome: tuple[re.Pattern, ...]
    download_link: re.Pattern
    link_line_share: float
    labels: MappingProxyType  # DocumentMeta field -> its labels, in order of trust
    meta: MappingProxyType  # field (and "site") -> <meta> names, lower case
    not_issuer: re.Pattern
    title_separator: re.Pattern
    label_patterns: MappingProxyType  # label -> (label and value in one cell, label alone)


@lru_cache(maxsize=1)
def rules() -> Rules:
    d = load(Html)
    labels = {f: tuple(getattr(d.labels, f)) for f in FIELDS}
    patterns = {}
    for label in dict.fromkeys(x for f in FIELDS for x in labels[f]):
        spaced = r"\s*".join(map(re.escape, label))  # 文  号：
        patterns[label] = (re.compile(rf"(?<![{CJK}\w])[\[【]?{spaced}\s*(?:[\]】]\s*[:：]?|[:：])\s*"),
                           re.compile(rf"^[\[【]?{spaced}\s*[\]】]?\s*[:：]?$"))
    return Rules(
        skip_tags=frozenset(d.skip_tags), block_tags=frozenset(d.block_tags) | TABLE_TAGS,
        hidden=d.hidden_style.compiled, layout_cell_chars=d.layout_cell_chars,
        chrome=tuple(p.compiled for p in d.chrome_line), download_link=d.download_link.compiled,
        link_line_share=d.link_line_share, labels=MappingProxyType(labels),
        meta=MappingProxyType({f: tuple(n.lower() for n in getattr(d.meta, f))
                               for f in ("title", "published", "issuer", "site")}),
        not_issuer=d.not_issuer.compiled, title_separator=d.title_separator.compiled,
        label_patterns=MappingProxyType(patterns))


# --- main text -------------------------------------------------------------------------

def main_lines(root: lxml.html.HtmlElement) -> list[str]:
    """The lines of the article container readability chooses, chrome cut."""
    from readability import Document
    from readability.readability import Unparseable

    page = lxml.html.tostring(root, encoding="unicode")
    try:  # a string, not the tree: readability re-parses it on its second pass
        summary = Document(page).summary(html_partial=True)
    except Unparseable as e:
        raise IngestError(f"cannot find the main text of the web page: {' '.join(str(e).split())[:120]}") from None
    article = lxml.html.fragment_fromstring(summary, create_parent="div")
    return _trim(render(article))


@dataclass
class Line:
    """A rendered line and how much of it is link text."""

    text: str
    link_chars: int = 0

    @property
    def link_share(self) -> float:
        n = len(re.sub(r"\s+", "", self.text))
        return self.link_chars / n if n else 0.0


@dataclass
class _Writer:
    lines: list[Line] = field(default_factory=list)
    pieces: list[tuple[str, bool]] = field(default_factory=list)

    def add(self, text: str | None, link: bool) -> None:
        if text:
            self.pieces.append((text, link))

    def add_line(self, line: Line) -> None:
        self.end()
        self.lines.append(line)

    def end(self) -> None:
        if self.pieces:
            text = _SPACE.sub(" ", "".join(t for t, _ in self.pieces)).strip()
            if text:
                link = sum(len(re.sub(r"\s+", "", t)) for t, is_link in self.pieces if is_link)
                self.lines.append(Line(text, link))
            self.pieces = []


def render(el) -> list[Line]:
    """Text of an element, a line per paragraph and per table row."""
    w = _Writer()
    _walk(el, w, link=False, rules=rules())
    w.end()
    return w.lines


def _walk(el, w: _Writer, link: bool, rules: Rules) -> None:
    tag = el.tag if isinstance(el.tag, str) else None  # comments and PIs have no text
    if tag is None or tag in rules.skip_tags:
        return
    if tag == "br":
        w.end()
        return
    if tag == "pre":  # preformatted: its own line breaks are the lines
        w.end()
        for line in el.text_content().split("\n"):
            w.add(line, link)
            w.end()
        return
    if tag == "table" and _is_data_table(el, rules):
        for row in el.xpath("./tr|./*/tr"):
            cells = [_cell_text(c, rules) for c in row.xpath("./td|./th")]
            if any(text for text, _ in cells):
                w.add_line(Line("\t".join(text for text, _ in cells).rstrip("\t"), sum(n for _, n in cells)))
        return
    block = tag in rules.block_tags  # a layout table's cells read as blocks
    if block:
        w.end()
    link = link or tag == "a"
    w.add(el.text, link)
    for child in el:
        _walk(child, w, link, rules)
        w.add(child.tail, link)
    if block:
        w.end()


def _is_data_table(table, rules: Rules) -> bool:
    """Rows of data, not a page laid out in cells (nested tables or long cells)."""
    if table.xpath(".//table"):
        return False
    return all(len(c.text_content()) <= rules.layout_cell_chars for c in table.xpath("./tr/*|./*/tr/*"))


def _cell_text(cell, rules: Rules) -> tuple[str, int]:
    w = _Writer()
    _walk(cell, w, link=False, rules=rules)
    w.end()
    return " ".join(line.text for line in w.lines).replace("\t", " "), sum(line.link_chars for line in w.lines)


def _trim(lines: list[Line]) -> list[str]:
    """Drop chrome lines, and link lines at either end of the container."""
    r = rules()
    kept = [ln for ln in lines if not any(p.search(ln.text) for p in r.chrome)]

    def is_link_line(ln: Line) -> bool:
        download = ln.link_chars > 0 and r.download_link.search(ln.text) is not None
        return download or ln.link_share >= r.link_line_share

    while kept and is_link_line(kept[-1]):
        log.debug("dropped trailing link line %r", kept[-1].text[:60])
        kept.pop()
    while kept and is_link_line(kept[0]):
        log.debug("dropped leading link line %r", kept[0].text[:60])
        kept.pop(0)
    return [ln.text for ln in kept]


# --- metadata --------------------------------------------------------------------------

def page_metadata(root: lxml.html.HtmlElement, body_lines: list[str]) -> DocumentMeta | None:
    """What the page states about the document: labelled fields win over <meta> tags
    (a template's meta date can lag the date the page shows)."""
    from pipeline.metadata import cues, parse_date

    r = rules()
    metas: dict[str, str] = {}
    for m in root.iter("meta"):
        name, content = (m.get("name") or "").strip().lower(), " ".join((m.get("content") or "").split())
        if name and content and name not in metas:
            metas[name] = content
    sites = {metas[n] for n in r.meta["site"] if n in metas}
    body = root.find("body")
    cells = [c.strip() for ln in render(body if body is not None else root) for c in ln.text.split("\t")]
    cells = [c for c in cells if c]
    in_body = {c.strip() for ln in body_lines for c in ln.split("\t")}
    doc_number_re = cues()["doc_number"]

    def doc_number(value: str) -> str | None:
        m = doc_number_re.search(value)
        if m:
            return re.sub(r"\s+", "", m.group("num"))
        return value if len(value) <= 40 and re.search(r"\d\s*号$", value) else None

    def issuer(value: str) -> str | None:
        ok = 2 <= len(value) <= 40 and re.search(f"[{CJK}]", value) and not r.not_issuer.search(value)
        return value if ok and not value.endswith((":", "：")) else None

    def title(value: str) -> str | None:
        return value if len(value) >= 4 and not value.endswith((":", "：")) else None

    def page_title(value: str) -> str | None:  # a <title> or meta title may carry the site name
        parts = [p for p in r.title_separator.split(value) if p and p not in sites]
        return title(max(parts, key=len, default=""))

    checks = {"title": title, "doc_number": doc_number, "issued": parse_date, "published": parse_date,
              "issuer": issuer}
    found = {f: _labelled(cells, in_body, r.labels[f], check) for f, check in checks.items()}
    meta_checks = {**checks, "title": page_title}
    for f in ("title", "published", "issuer"):
        for name in r.meta[f] if found[f] is None else ():
            if metas.get(name) and (value := meta_checks[f](metas[name])):
                found[f] = value
                break
    if found["title"] is None:
        el = root.find(".//title")
        found["title"] = page_title(" ".join(el.text_content().split())) if el is not None else None
    if found["doc_number"] is None and found["title"]:  # 处罚信息公开表（浙金罚决字〔2024〕52号）
        m = doc_number_re.search(found["title"])
        if m and found["title"][m.end():].strip() in (")", "）"):
            found["doc_number"] = re.sub(r"\s+", "", m.group("num"))
    if not any(found.values()):
        return None
    return DocumentMeta(**found)


def _labelled(cells: list[str], in_body: set[str], names: tuple[str, ...], check) -> str | None:
    """The first valid value of the first label that has one, outside the main text:
    in the label's own cell (发布日期：2023-11-24) or in the cell after it."""
    patterns = rules().label_patterns
    for name in names:
        inline, alone = patterns[name]
        for i, cell in enumerate(cells):
            if cell in in_body:
                continue
            if alone.match(cell):
                nxt = cells[i + 1] if i + 1 < len(cells) else ""
                if nxt and not _is_label(nxt) and (value := check(nxt)):
                    return value
                continue
            for m in inline.finditer(cell):
                value = _NEXT_LABEL.split(cell[m.end():], maxsplit=1)[0].strip()
                if value and (value := check(value)):
                    return value
    return None


def _is_label(cell: str) -> bool:
    """A cell that names a field (索引号：, 成文日期) rather than holding a value."""
    if re.fullmatch(rf"[\[【]?[{CJK}/ ]{{1,10}}[\]】]?\s*[:：]", cell):
        return True
    return any(alone.match(cell) for _, alone in rules().label_patterns.values())
