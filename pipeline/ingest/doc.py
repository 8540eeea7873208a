"""Legacy .doc reader: whatever a file named .doc really holds, sniffed from its bytes.

A ".doc" on a government site is not always a Word 97-2003 binary: Word 2003 XML,
DOCX, RTF and HTML ("web page" saves) all travel under that name. We read:

* OLE compound files (Word 97-2003 binary) by converting them with LibreOffice to
  DOCX and reading that with the DOCX reader. LibreOffice keeps automatic list
  labels ("（六）", "第一条") that antiword drops and the segmenter needs; catdoc
  garbles fast-saved files. On rf11 (.doc) against its twin rf08 (.docx) it is
  character-exact once rf08's own defects are allowed for, at ~2 s a file against
  antiword's milliseconds. Each run gets a private profile (parallel workers would
  otherwise share one and block each other) and a time limit.
* Word 2003 XML (<w:wordDocument>) by parsing it ourselves, because LibreOffice
  turns floating tables into text frames the DOCX reader rightly skips. The
  parser resolves no entities and loads nothing (no XXE, no billion laughs).
* A DOCX under a .doc name by the DOCX reader.

RTF, HTML, MHTML, other OLE files (Excel, PowerPoint, encrypted packages) and
anything else are refused with an IngestError saying what the file is.
"""
from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from models.records import IngestError, SourceText

log = logging.getLogger(__name__)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_DOC_BYTES = 64 * 1024 * 1024
# Below the worker's per-document limit (pipeline.workers.DEFAULT_TIMEOUT), so a
# hung conversion is reported as such instead of the worker being killed.
CONVERT_TIMEOUT_S = 60.0
INSTALL_HINT = "legacy .doc needs LibreOffice: apt-get install libreoffice-writer-nogui"
# FIB signature (wIdent) -> LibreOffice import filter. Naming the filter keeps
# LibreOffice from falling back to importing a damaged file as plain text.
WORD_FILTERS = {0xA5EC: "MS Word 97", 0xA5DC: "MS Word 95"}

WML = "http://schemas.microsoft.com/office/word/2003/wordml"
WX = "http://schemas.microsoft.com/office/word/2003/auxHint"
AML = "http://schemas.microsoft.com/aml/2001/core"


def read_doc(path: Path) -> SourceText:
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_DOC_BYTES:
        raise IngestError(f".doc file too large ({size // (1024 * 1024)} MB > "
                          f"{MAX_DOC_BYTES // (1024 * 1024)} MB limit)")
    data = path.read_bytes()
    kind = sniff(data)
    log.debug("%s: content is %s", path.name, kind)
    if kind == "ole-word":
        text = _convert_with_libreoffice(path, WORD_FILTERS[_word_fib(data)[0]])
    elif kind == "wordml":
        text = wordml_text(data)
    elif kind == "docx":
        from pipeline.ingest.docx import read_docx

        log.info("%s: a DOCX file named .doc; reading it as DOCX", path.name)
        text = read_docx(path).text
    elif kind == "html":
        from pipeline.ingest.html import read_html

        log.info("%s: a web page saved by Word as .doc; reading it as HTML", path.name)
        page = read_html(path)
        return SourceText(path=str(path), text=page.text, format="doc", encoding=page.encoding,
                          sha256=hashlib.sha256(data).hexdigest(), declared=page.declared)
    else:
        raise IngestError(f"not a Word document: the .doc file is {kind}")
    return SourceText(path=str(path), text=text, format="doc", encoding=None,
                      sha256=hashlib.sha256(data).hexdigest())


# ---------------------------------------------------------------- sniffing


def sniff(data: bytes) -> str:
    """'ole-word', 'wordml' or 'docx' for what we read; otherwise a phrase naming
    what the bytes are, for the error message."""
    if data.startswith(OLE_MAGIC):
        return _ole_kind(data)
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    head = _decoded_head(data)
    lead = head.lstrip().lower()
    if lead.startswith("{\\rtf"):
        return "RTF (Rich Text Format); save it as .docx"
    if lead.startswith("mime-version:") or "content-type: multipart/related" in lead[:2000]:
        return "a web archive (MHTML); save it as .docx"
    if lead.startswith("<"):
        if "<w:worddocument" in lead or WML in head:
            return "wordml"
        if "<pkg:package" in lead:
            return "Word 2007 XML (Flat OPC); save it as .docx"
        if "<html" in lead or "<!doctype html" in lead:
            return "html"
        return "an XML file that is not Word 2003 XML"
    if data.startswith(b"\xffWPC"):
        return "a WordPerfect document"
    if data.startswith(b"%PDF-"):
        return "a PDF file; rename it to .pdf"
    if head and not re.search(r"[\x00-\x08\x0e-\x1f]", head[:4096]):
        return "plain text; rename it to .txt"
    return f"of unrecognized content (starts with bytes {data[:8].hex(' ') or 'none'})"


def _ole_kind(data: bytes) -> str:
    """Name the OLE file by its streams: the directory stores names in UTF-16LE."""
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("EncryptedPackage"):
        return "a password-protected Office document; remove the password and save it as .docx"
    if has("WordDocument"):
        fib = _word_fib(data)
        if fib is None:
            return "a damaged Word file (no readable WordDocument stream)"
        ident, flags = fib
        if ident not in WORD_FILTERS:
            return f"a Word file of an unsupported version (FIB signature {ident:#06x})"
        if flags & 0x0100:  # FIB fEncrypted
            return "a password-protected Word document; remove the password and save it again"
        return "ole-word"
    if has("Workbook") or has("Book"):
        return "an Excel workbook (OLE)"
    if has("PowerPoint Document"):
        return "a PowerPoint presentation (OLE)"
    return "an OLE compound file without a WordDocument stream"


def _word_fib(data: bytes) -> tuple[int, int] | None:
    """(wIdent, flags) from the start of the WordDocument stream, found through its
    directory entry (entries are 128-byte aligned, the stream's first sector is in
    the entry). Enough to pick LibreOffice's import filter and spot encryption
    without an OLE library; None when no consistent entry exists."""
    name = "WordDocument".encode("utf-16-le") + b"\0\0"
    sector_size = 1 << int.from_bytes(data[0x1E:0x20], "little") if len(data) >= 512 else 512
    if sector_size not in (512, 4096):
        return None
    pos = data.find(name)
    while pos != -1:
        entry = data[pos:pos + 128]
        if pos % 128 == 0 and len(entry) == 128 and entry[0x40:0x42] == b"\x1a\x00" and entry[0x42] == 2:
            start = int.from_bytes(entry[0x74:0x78], "little")
            offset = (start + 1) * sector_size
            if offset + 12 <= len(data):
                return (int.from_bytes(data[offset:offset + 2], "little"),
                        int.from_bytes(data[offset + 10:offset + 12], "little"))
        pos = data.find(name, pos + 1)
    return None


def _zip_kind(data: bytes) -> str:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            mimetype = z.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as e:
        return f"a broken ZIP archive ({' '.join(str(e).split())[:100]})"
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx"
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        return f"an OpenDocument file ({mimetype}); save it as .docx"
    return "a ZIP archive that is not a Word document"


def _decoded_head(data: bytes, size: int = 65536) -> str:
    """The first bytes as text, for sniffing: BOM-aware, otherwise UTF-8 with
    replacement (GB18030 text still reads as 'not control characters')."""
    chunk = data[:size]
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if chunk.startswith(bom):
            return chunk[len(bom):].decode(enc, "replace")
    if chunk[:2] in (b"<\x00", b"\x00<"):  # UTF-16 XML without a BOM
        return chunk.decode("utf-16-le" if chunk[0] == 0x3C else "utf-16-be", "replace")
    return chunk.decode("utf-8", "replace")


# ---------------------------------------------------------------- OLE binary via LibreOffice


def soffice_binary() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert_with_libreoffice(path: Path, import_filter: str) -> str:
    """Convert to DOCX in a private temporary directory (its own LibreOffice profile
    included) and read the DOCX; everything is removed afterwards."""
    from pipeline.ingest.docx import read_docx

    soffice = soffice_binary()
    if soffice is None:
        raise IngestError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="policyx-doc-") as tmp:
        tmp_dir = Path(tmp)
        # A fixed ASCII name: LibreOffice names the output after the input, and the
        # input's own name may start with '-' or hold characters a shell would mangle.
        source = tmp_dir / "source.doc"
        shutil.copyfile(path, source)
        out_dir = tmp_dir / "out"
        out_dir.mkdir()
        args = [soffice, f"-env:UserInstallation={(tmp_dir / 'profile').as_uri()}", "--headless",
                "--norestore", "--nolockcheck", "--nologo", f"--infilter={import_filter}",
                "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(out_dir), str(source)]
        t0 = time.perf_counter()
        stdout, stderr, rc = _run(args, cwd=tmp_dir, timeout=CONVERT_TIMEOUT_S)
        converted = out_dir / "source.docx"
        if rc != 0 or not converted.is_file():
            raise IngestError(f"LibreOffice could not convert the .doc ({_why(stdout, stderr, rc)})")
        log.info("%s: converted by LibreOffice in %.2fs", path.name, time.perf_counter() - t0)
        return read_docx(converted).text


def _run(args: list[str], cwd: Path, timeout: float) -> tuple[str, str, int]:
    """Run in its own process group, so a timeout kills soffice.bin too and not only
    the launcher script."""
    env = dict(os.environ, HOME=str(cwd))  # nothing written to the real home
    try:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        raise IngestError(f"cannot start LibreOffice ({e.strerror or e}); {INSTALL_HINT}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise IngestError(f"LibreOffice timed out converting the .doc (over {timeout:g}s)") from None
    except BaseException:
        _kill_group(proc)
        raise
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), proc.returncode


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


def _why(stdout: str, stderr: str, rc: int) -> str:
    lines = [ln.strip() for ln in (stderr + "\n" + stdout).splitlines()
             if ln.strip() and "javaldx" not in ln and not ln.startswith("convert ")]
    reason = lines[-1][:200] if lines else "no output file"
    return f"exit status {rc}: {reason}" if rc else reason


# ---------------------------------------------------------------- Word 2003 XML


def _q(tag: str) -> str:
    return f"{{{WML}}}{tag}"


P, TBL, TR, TC, T = _q("p"), _q("tbl"), _q("tr"), _q("tc"), _q("t")
PPR, RPR, VAL = _q("pPr"), _q("rPr"), _q("val")
ANNOTATION, AML_CONTENT = f"{{{AML}}}annotation", f"{{{AML}}}content"
# Not body text: properties, pictures and text boxes (VML), footnotes/endnotes (which
# 2003 XML writes inline, where the reference mark is), embedded binary data.
SKIP = {PPR, RPR, _q("tblPr"), _q("trPr"), _q("tcPr"), _q("tblGrid"), _q("tblPrEx"), _q("sectPr"),
        _q("pict"), _q("object"), _q("footnote"), _q("endnote"), _q("binData"), _q("txbxContent")}
# Revision and comment annotations whose content is not what the reader sees.
SKIP_ANNOTATIONS = {"Word.Deletion", "Word.Comment", "Word.Formatting", "Word.Comment.Start",
                    "Word.Comment.End"}
# w:nfc codes (the Word binary's number formats) -> the w:numFmt names the DOCX numbering uses.
NFC = {0: "decimal", 1: "upperRoman", 2: "lowerRoman", 3: "upperLetter", 4: "lowerLetter",
       5: "ordinal", 6: "cardinalText", 7: "ordinalText", 10: "ideographDigital",
       11: "japaneseCounting", 14: "decimalFullWidth", 16: "japaneseLegal",
       17: "japaneseDigitalTenThousand", 18: "decimalEnclosedCircle", 19: "decimalFullWidth2",
       22: "decimalZero", 23: "bullet", 26: "decimalEnclosedFullstop", 27: "decimalEnclosedParen",
       28: "decimalEnclosedCircleChinese", 29: "ideographEnclosedCircle", 30: "ideographTraditional",
       31: "ideographZodiac", 33: "taiwaneseCounting", 34: "ideographLegalTraditional",
       35: "taiwaneseCountingThousand", 36: "taiwaneseDigital", 37: "chineseCounting",
       38: "chineseLegalSimplified", 39: "chineseCountingThousand", 255: "none"}


def _parser():
    """lxml with every way of reaching outside the file closed: no entity
    substitution, no DTD loading, no network, and a resolver that answers every
    load with nothing (external parameter entities included)."""
    from lxml import etree

    class _NoLoads(etree.Resolver):
        def resolve(self, url, pubid, context):
            log.warning("Word XML asked to load %r: refused", url)
            return self.resolve_string("", context)

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    parser.resolvers.add(_NoLoads())
    return parser


def wordml_text(data: bytes) -> str:
    """The body text of a Word 2003 XML document, laid out as the DOCX reader lays
    out a DOCX: one line per paragraph, one line per table row with cells joined
    by a tab, automatic list labels written in."""
    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise IngestError(f"cannot read Word 2003 XML: {' '.join(str(e).split())[:200]}") from None
    if root.tag != _q("wordDocument"):
        raise IngestError("not a Word 2003 XML document (no w:wordDocument root)")
    body = root.find(_q("body"))
    if body is None:
        return ""
    return "\n".join(_WordML(root).blocks(body))


class _WordML:
    def __init__(self, root):
        self.lists = _ListLabels(root)

    def blocks(self, parent) -> list[str]:
        """Block content in document order. Sections (wx:sect, wx:sub-section),
        insertions and custom-schema elements wrap paragraphs, so anything that is
        not skipped is descended into."""
        out: list[str] = []
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP or _skipped_annotation(child):
                continue
            if tag == P:
                out.append(self.lists.label(child) + _inline_text(child))
            elif tag == TBL:
                out.extend(self.table(child))
            else:
                out.extend(self.blocks(child))
        return out

    def table(self, tbl) -> list[str]:
        """As the DOCX reader: 2003 XML marks merged-cell continuations with w:vmerge /
        w:hmerge without 'restart'."""
        from pipeline.ingest.docx import table_lines

        return table_lines(tbl, (TBL, TR, TC), _merge_continuation, self.blocks)


def _skipped_annotation(el) -> bool:
    return el.tag == ANNOTATION and el.get(_q("type")) in SKIP_ANNOTATIONS


def _merge_continuation(tc) -> bool:
    tcpr = tc.find(_q("tcPr"))
    if tcpr is None:
        return False
    for name in ("vmerge", "hmerge"):
        m = tcpr.find(_q(name))
        if m is not None and m.get(VAL, "continue") != "restart":
            return True
    return False


def _inline_text(p) -> str:
    """Visible text of a paragraph: runs, hyperlinks, simple fields' results and
    inserted text; not deleted text, field codes, hidden runs, pictures, notes.
    A line feed inside w:t is XML layout, not a Word line break (that is w:br)."""
    out: list[str] = []

    def walk(el):
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP or _skipped_annotation(child):
                continue
            if tag == _q("r") and _hidden(child):
                continue
            if tag == T:
                out.append(re.sub(r"[\r\n]", " ", _t_text(child)))
            elif tag == _q("tab"):
                out.append("\t")
            elif tag in (_q("br"), _q("cr")):
                out.append("\n")
            elif tag == _q("noBreakHyphen"):
                out.append("-")
            elif tag == P:
                if out:
                    out.append("\n")
                walk(child)
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _t_text(t) -> str:
    """A w:t's text; an unresolved entity reference inside it is a child node whose
    own text is skipped but whose tail is the rest of the run's text."""
    return (t.text or "") + "".join(c.tail or "" for c in t)


def _hidden(r) -> bool:
    rpr = r.find(RPR)
    if rpr is None:
        return False
    v = rpr.find(_q("vanish"))
    return v is not None and v.get(VAL, "on") not in ("0", "false", "off")


class _ListLabels:
    """List labels for 2003 XML paragraphs.

    Word writes each paragraph's displayed label as a hint (w:listPr/wx:t), which we
    take as is. Writers that leave it out get the label computed by the DOCX
    reader's numbering engine, from the w:lists definitions translated to DOCX
    numbering markup; the engine is called for every list paragraph either way so
    its counters stay in step."""

    def __init__(self, root):
        from lxml import etree

        from pipeline.ingest.docx import W, _Numbering

        self.levels: dict[str, dict[int, dict]] = {}  # ilfo -> level definitions
        numbering = etree.Element(f"{{{W}}}numbering")
        styles = etree.Element(f"{{{W}}}styles")
        lists = root.find(_q("lists"))
        defs: dict[str, dict[int, dict]] = {}
        if lists is not None:
            for ld in lists.findall(_q("listDef")):
                aid = ld.get(_q("listDefId"), "")
                an = etree.SubElement(numbering, f"{{{W}}}abstractNum", {f"{{{W}}}abstractNumId": aid})
                link = _wval(ld.find(_q("listStyleLink")))
                if link:
                    _ox(an, "numStyleLink", link)
                for lvl in ld.findall(_q("lvl")):
                    an.append(_ooxml_level(lvl))
                defs[aid] = {int(lvl.get(_q("ilvl"), "0") or 0): _level_info(lvl)
                             for lvl in ld.findall(_q("lvl"))}
            for lst in lists.findall(_q("list")):
                ilfo = lst.get(_q("ilfo"), "")
                aid = _wval(lst.find(_q("ilst"))) or ""
                num = etree.SubElement(numbering, f"{{{W}}}num", {f"{{{W}}}numId": ilfo})
                _ox(num, "abstractNumId", aid)
                levels = dict(defs.get(aid, {}))
                for ov in lst.findall(_q("lvlOverride")):
                    o = etree.SubElement(num, f"{{{W}}}lvlOverride", {f"{{{W}}}ilvl": ov.get(_q("ilvl"), "0")})
                    start = _wval(ov.find(_q("startOverride")))
                    if start is not None:
                        _ox(o, "startOverride", start)
                    if (lvl := ov.find(_q("lvl"))) is not None:
                        o.append(_ooxml_level(lvl))
                        levels[int(ov.get(_q("ilvl"), "0") or 0)] = _level_info(lvl)
                self.levels[ilfo] = levels
        st_root = root.find(_q("styles"))
        if st_root is not None:
            for st in st_root.findall(_q("style")):
                if st.get(_q("type")) != "paragraph":
                    continue
                s = etree.SubElement(styles, f"{{{W}}}style", {f"{{{W}}}type": "paragraph",
                                                             f"{{{W}}}styleId": st.get(_q("styleId"), "")})
                based = _wval(st.find(_q("basedOn")))
                if based:
                    _ox(s, "basedOn", based)
                lp = st.find(f"{PPR}/{_q('listPr')}")
                if lp is not None:
                    numpr = etree.SubElement(etree.SubElement(s, f"{{{W}}}pPr"), f"{{{W}}}numPr")
                    if (ilvl := _wval(lp.find(_q("ilvl")))) is not None:
                        _ox(numpr, "ilvl", ilvl)
                    _ox(numpr, "numId", _wval(lp.find(_q("ilfo"))) or "0")
        self.engine = _Numbering(numbering if len(numbering) else None, styles if len(styles) else None)
        self._w = W

    def label(self, p) -> str:
        from lxml import etree

        W = self._w
        ppr = p.find(PPR)
        style = ilfo = ilvl = hint = None
        if ppr is not None:
            style = _wval(ppr.find(_q("pStyle")))
            lp = ppr.find(_q("listPr"))
            if lp is not None:
                ilfo = _wval(lp.find(_q("ilfo")))
                ilvl = _wval(lp.find(_q("ilvl")))
                t = lp.find(f"{{{WX}}}t")
                hint = None if t is None else t.get(f"{{{WX}}}val")
        if style is None and ilfo is None:
            return ""
        op = etree.Element(f"{{{W}}}p")
        oppr = etree.SubElement(op, f"{{{W}}}pPr")
        if style is not None:
            _ox(oppr, "pStyle", style)
        if ilfo is not None:
            numpr = etree.SubElement(oppr, f"{{{W}}}numPr")
            if ilvl is not None:
                _ox(numpr, "ilvl", ilvl)
            _ox(numpr, "numId", ilfo)
        computed = self.engine.label(op)
        if hint is None:
            return computed
        level = self.levels.get(ilfo or "", {}).get(int(ilvl) if ilvl and ilvl.isdigit() else 0, {})
        if not hint or level.get("fmt") == "bullet":
            return ""
        return hint + ("" if level.get("suff") == "nothing" else " ")


def _wval(el) -> str | None:
    return None if el is None else el.get(VAL)


def _ox(parent, tag: str, val: str):
    """Append a DOCX-namespace element with a w:val."""
    from lxml import etree

    from pipeline.ingest.docx import W

    return etree.SubElement(parent, f"{{{W}}}{tag}", {f"{{{W}}}val": val})


def _level_info(lvl) -> dict:
    nfc = _wval(lvl.find(_q("nfc")))
    suff = (_wval(lvl.find(_q("suff"))) or "Tab").lower()
    return {"fmt": NFC.get(int(nfc), "decimal") if nfc and nfc.isdigit() else "decimal", "suff": suff}


def _ooxml_level(lvl):
    """A 2003 w:lvl as a DOCX w:lvl: the same children except w:nfc (a number)
    becomes w:numFmt (a name) and w:suff values are lower-cased."""
    from lxml import etree

    from pipeline.ingest.docx import W

    info = _level_info(lvl)
    out = etree.Element(f"{{{W}}}lvl", {f"{{{W}}}ilvl": lvl.get(_q("ilvl"), "0")})
    _ox(out, "numFmt", info["fmt"])
    _ox(out, "suff", info["suff"])
    for name in ("start", "lvlText", "lvlRestart", "pStyle"):
        v = _wval(lvl.find(_q(name)))
        if v is not None:
            _ox(out, name, v)
    legal = lvl.find(_q("isLgl"))
    if legal is not None:
        _ox(out, "isLgl", legal.get(VAL, "on"))
    return out
