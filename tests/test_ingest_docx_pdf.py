"""DOCX and PDF readers on files LibreOffice really wrote (corpus/make_formats.sh).

The seeds exist as TXT, DOCX and PDF, so the TXT is the answer key: the DOCX must
give the same paragraphs, and the PDF the same characters once its page furniture
is removed and its layout line breaks are rejoined.

PDF-vs-TXT difference is measured on whitespace-free text with
difflib.SequenceMatcher(autojunk=False): differing characters =
len(pdf) + len(txt) - 2 * matched, and must stay within 1% of len(txt).
"""
from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import CORPUS
from models.records import IngestError
from pipeline.ingest import read_source
from pipeline.ingest.docx import format_number, read_docx
from pipeline.ingest.pdf import Line, analyse, read_pdf

NAMES = ["000_d1701e8db34252ee", "001_96b35f2300c62106", "002_4a1c25df51dd8fdf"]
# Running headers make_formats.sh put on the PDFs (001 has none).
HEADERS = {
    "000_d1701e8db34252ee": "关于进一步压实党组织书记大抓基层党建工作责任制的实施办法",
    "002_4a1c25df51dd8fdf": "做好基層黨組織分類定級工作推進基層組織建設年的實施意見",
}
# Written independently of the reader's own patterns.
FURNITURE_LINE = re.compile(r"^\s*([-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|\d+)\s*$")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def _txt(name: str) -> str:
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8")


def _squash(s: str) -> str:
    return "".join(s.split())


def _apply_layout(src) -> str:
    """What the normalizer does with the reader's layout facts: delete removals and
    the newlines at soft breaks."""
    drop = bytearray(len(src.text))
    for r in src.removals:
        drop[r.start:r.end] = b"\1" * (r.end - r.start)
    for p in src.soft_breaks:
        assert src.text[p] == "\n", f"soft break {p} is not a newline"
        drop[p] = 1
    return "".join(c for c, d in zip(src.text, drop) if not d)


def _differing_chars(a: str, b: str) -> int:
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in sm.get_matching_blocks())
    return len(a) + len(b) - 2 * matched


# ------------------------------------------------------------------- corpus DOCX


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n[:3])
def test_docx_gives_the_txt_paragraphs(name):
    path = CORPUS / f"{name}.docx"
    src = read_docx(path)
    assert src.format == "docx" and src.encoding is None
    assert len(src.sha256) == 64
    got = [" ".join(p.split()) for p in src.text.split("\n")]
    want = [" ".join(p.split()) for p in _txt(name).split("\n")]
    assert got == want  # also shows headers/footers stayed out


def test_read_source_dispatches_to_both_readers():
    assert read_source(CORPUS / f"{NAMES[0]}.docx").format == "docx"
    pdf = read_source(CORPUS / f"{NAMES[0]}.pdf")
    assert pdf.format == "pdf" and pdf.pages == 3


# -------------------------------------------------------------------- corpus PDF


@pytest.fixture(scope="module")
def pdfs():
    return {name: read_pdf(CORPUS / f"{name}.pdf") for name in NAMES}


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n[:3])
def test_pdf_text_matches_txt_within_one_percent(pdfs, name):
    src = pdfs[name]
    assert src.format == "pdf" and src.pages and src.pages >= 3
    got, want = _squash(_apply_layout(src)), _squash(_txt(name))
    diff = _differing_chars(got, want)
    assert diff <= 0.01 * len(want), f"{diff} of {len(want)} characters differ"


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n[:3])
def test_pdf_furniture_is_removed(pdfs, name):
    src = pdfs[name]
    clean = _apply_layout(src).split("\n")
    assert not [ln for ln in clean if FURNITURE_LINE.match(ln)]
    removed = [src.text[r.start:r.end].strip() for r in src.removals]
    assert all(r.reason == "page-furniture" for r in src.removals)
    # One page number per page, and the running header once per page; nothing else.
    assert sum(bool(FURNITURE_LINE.match(t)) for t in removed) == src.pages
    header = HEADERS.get(name)
    assert len(removed) == src.pages * (2 if header else 1)
    if header:
        assert removed.count(header) == src.pages
        # The title on page 1 repeats the header but sits lower: it is body text.
        assert clean.count(header) == _txt(name).split("\n").count(header)


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n[:3])
def test_pdf_soft_breaks_rebuild_paragraphs(pdfs, name):
    """Every TXT paragraph end is still a line end, and the only extra ends are
    wraps that fell right after 。！？；： in a document without first-line indents
    (there a full line ending a sentence cannot be told from a paragraph end)."""
    src = pdfs[name]
    lines = [_squash(ln) for ln in _apply_layout(src).split("\n")]
    paras = [_squash(p) for p in _txt(name).split("\n")]
    assert "".join(lines) == "".join(paras)

    def ends(parts):
        out, pos = set(), 0
        for p in parts:
            pos += len(p)
            out.add(pos)
        return out

    got, want = ends(lines), ends(paras)
    assert want <= got, "soft break joined two paragraphs"
    joined = "".join(paras)
    extra = sorted(got - want)
    assert all(joined[p - 1] in "。！？；：" for p in extra)
    assert len(extra) <= 2
    assert len(src.soft_breaks) > len(paras)  # the layout wrapped many lines


@pytest.mark.parametrize("name", NAMES, ids=lambda n: n[:3])
def test_corpus_pdfs_embed_cjk_fonts(name):
    """pdffonts is not installed here; subset-prefixed font names (ABCDEF+Name) mean
    the font is embedded, and the CJK text must come from an embedded CJK font."""
    import pdfplumber

    with pdfplumber.open(CORPUS / f"{name}.pdf") as pdf:
        chars = [c for page in pdf.pages for c in page.chars]
    assert chars and all(re.match(r"^[A-Z]{6}\+", c["fontname"]) for c in chars)
    cjk = {c["fontname"] for c in chars if "\u4e00" <= c["text"] <= "\u9fff"}
    assert cjk and all("CJK" in f for f in cjk)
    assert not [c for c in chars if c["text"].startswith("(cid:")]


def test_pdf_soft_break_crosses_a_page(pdfs):
    """Page 1 of 000 ends mid-sentence (…党委组织部门负责 / 同志进行任前…): the newline
    before the footer is a soft break, so the sentence comes back whole."""
    clean = _apply_layout(pdfs["000_d1701e8db34252ee"])
    assert "由上级党组织书记或党委组织部门负责同志进行任前抓基层党建工作谈话" in clean


# ------------------------------------------------------- layout analysis, no PDF


def _ln(text, page, top, x0=72.0, x1=None, em=10.0, width=595.0, height=842.0):
    x1 = x0 + em * len(text) if x1 is None else x1
    return Line(text=text, x0=x0, x1=x1, top=top, bottom=top + em, em=em, lead=em, page=page,
                page_width=width, page_height=height)


def _page(p, body, header=None, footer=None, top=100.0):
    lines = []
    if header:
        lines.append(_ln(header, p, 40.0, x0=200.0))
    for i, (text, x0, x1) in enumerate(body):
        lines.append(_ln(text, p, top + 15 * i, x0=x0, x1=x1))
    if footer:
        lines.append(_ln(footer, p, 800.0, x0=280.0))
    return lines


FULL = 522.0  # right edge of the text block in these synthetic pages


@pytest.mark.parametrize("footer", ["— 3 —", "- 3 -", "第 3 页 共 9 页", "第3页", "3/9", "3", "Page 3 of 9"])
def test_page_number_forms_are_furniture(footer):
    pages = [_page(0, [("正文第一行。", 72.0, 132.0), ("第二行。", 72.0, 112.0)], footer=footer)]
    text, removals, _ = analyse(pages)
    assert [text[r.start:r.end].strip() for r in removals] == [footer]


def test_bare_number_mid_page_is_body():
    pages = [_page(0, [("数量为", 72.0, 102.0), ("3", 72.0, 78.0), ("个。", 72.0, 92.0)])]
    _, removals, _ = analyse(pages)
    assert removals == []


def test_repeated_header_and_cross_page_soft_break():
    body1 = [("办法", 300.0, 320.0), ("第一条各级党组织每年研究基层党建工作", 72.0, FULL)]
    body2 = [("不少于4次。", 72.0, 132.0), ("第二条本办法自印发之日起施行。", 72.0, 222.0)]
    pages = [_page(0, body1, header="办法", footer="1"), _page(1, body2, header="办法", footer="2")]
    text, removals, soft = analyse(pages)
    assert sorted(text[r.start:r.end] for r in removals) == sorted(["办法\n", "1\n", "办法\n", "\n2"])
    removed = sorted((r.start, r.end) for r in removals)
    kept = "".join(c for i, c in enumerate(text) if not any(s <= i < e for s, e in removed))
    # The header at the top edge goes; the same word lower on page 1 is a title and stays.
    assert kept.split("\n")[0] == "办法"
    assert kept.count("办法") == 2  # the title and 本办法
    joined = "".join(c for i, c in enumerate(text) if i not in soft and not any(s <= i < e for s, e in removed))
    assert "每年研究基层党建工作不少于4次。\n第二条" in joined


def test_heading_indent_and_short_lines_stay_breaks():
    body = [
        ("总则部分的最后一行文字写满了整个版心宽度", 72.0, FULL),
        ("第二条下一条款开始。", 72.0, 172.0),
        ("这一行也写满了整个版心宽度没有标点符号", 72.0, FULL),
        ("缩进开始新的一段。", 92.0, 182.0),
        ("短行", 72.0, 92.0),
        ("下一行。", 72.0, 112.0),
        ("写满整行并以分号结尾的一行文字到右边界；", 72.0, FULL),
        ("不缩进的下一行。", 72.0, 152.0),
    ]
    text, _, soft = analyse([_page(0, body)])
    assert soft == []


def test_indented_document_joins_a_wrap_after_a_full_stop():
    """When paragraphs start indented, a full line ending in 。 followed by an
    unindented line is a wrap, not a paragraph end."""
    body = [
        ("第一段首行缩进。", 92.0, 172.0),
        ("第二段首行缩进两个字符的写满一整行文字。", 92.0, FULL),
        ("接续行没有缩进。", 72.0, 152.0),
        ("第三段首行缩进。", 92.0, 172.0),
        ("第四段首行缩进。", 92.0, 172.0),
    ]
    text, _, soft = analyse([_page(0, body)])
    assert [text[p - 1:p + 2] for p in soft] == ["。\n接"]


# --------------------------------------------------------- DOCX lists and tables

FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:styles>
  <text:list-style style:name="Articles">
   <text:list-level-style-number text:level="1" style:num-prefix="第" style:num-suffix="条" style:num-format="一, 二, 三, ..."/>
  </text:list-style>
  <text:list-style style:name="Items">
   <text:list-level-style-number text:level="1" style:num-suffix="、" style:num-format="1"/>
   <text:list-level-style-number text:level="2" style:num-prefix="(" style:num-suffix=")" style:num-format="一, 二, 三, ..."/>
  </text:list-style>
  <text:list-style style:name="Bullets">
   <text:list-level-style-bullet text:level="1" text:bullet-char="•"/>
  </text:list-style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"/></style:page-layout>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">
   <style:header><text:p>页眉不是正文</text:p></style:header>
   <style:footer><text:p>页脚不是正文</text:p></style:footer>
  </style:master-page>
 </office:master-styles>
 <office:body><office:text>
  <text:p>前言段落。</text:p>
  <text:list text:style-name="Articles">ARTICLES</text:list>
  <text:list text:style-name="Items">
   <text:list-item><text:p>第一项</text:p>
    <text:list><text:list-item><text:p>子项甲</text:p></text:list-item>
     <text:list-item><text:p>子项乙</text:p></text:list-item></text:list>
   </text:list-item>
   <text:list-item><text:p>第二项</text:p>
    <text:list><text:list-item><text:p>子项丙</text:p></text:list-item></text:list>
   </text:list-item>
  </text:list>
  <text:list text:style-name="Bullets"><text:list-item><text:p>要点</text:p></text:list-item></text:list>
  <table:table table:name="T1">
   <table:table-column table:number-columns-repeated="3"/>
   <table:table-row>
    <table:table-cell table:number-columns-spanned="2"><text:p>指标</text:p></table:table-cell>
    <table:covered-table-cell/>
    <table:table-cell><text:p>要求</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell table:number-rows-spanned="2"><text:p>党建</text:p></table:table-cell>
    <table:table-cell><text:p>学习</text:p></table:table-cell>
    <table:table-cell><text:p>每年不少于4次</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:covered-table-cell/>
    <table:table-cell><text:p>述职</text:p></table:table-cell>
    <table:table-cell><text:p>每年1次</text:p><text:p>书面报告</text:p></table:table-cell>
   </table:table-row>
  </table:table>
  <text:p>结束语。</text:p>
 </office:text></office:body>
</office:document>
"""


def _soffice(tmp: Path, *args: str) -> None:
    """Run LibreOffice with a private profile, so parallel runs cannot collide."""
    profile = (tmp / "lo-profile").as_uri()
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", *args],
                          cwd=tmp, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def lists_docx(tmp_path_factory) -> Path:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot make the list/table DOCX")
    tmp = tmp_path_factory.mktemp("lists")
    articles = "".join(f"<text:list-item><text:p>条文{i}</text:p></text:list-item>" for i in range(1, 13))
    (tmp / "lists.fodt").write_text(FODT.replace("ARTICLES", articles), encoding="utf-8")
    _soffice(tmp, "--convert-to", "docx", "--outdir", str(tmp), str(tmp / "lists.fodt"))
    return tmp / "lists.docx"


def test_docx_lists_and_tables_from_libreoffice(lists_docx):
    lines = read_docx(lists_docx).text.split("\n")
    assert lines[0] == "前言段落。"
    assert lines[1] == "第一条条文1"
    assert lines[11] == "第十一条条文11"
    assert lines[12] == "第十二条条文12"
    assert lines[13:18] == ["1、第一项", "(一)子项甲", "(二)子项乙", "2、第二项", "(一)子项丙"]
    assert lines[18] == "要点"  # bullets carry no label
    # Merged cells once: the horizontal span and the vertical span are not repeated.
    assert lines[19:22] == ["指标\t要求", "党建\t学习\t每年不少于4次", "述职\t每年1次 书面报告"]
    assert lines[22:] == ["结束语。"]
    assert "页眉" not in "".join(lines) and "页脚" not in "".join(lines)


def test_a_provision_in_a_table_knows_its_row_and_column(lists_docx):
    from pipeline.run import process_document

    result = process_document(lists_docx)
    assert "党建\t学习\t每年不少于4次" in result.normalized.text  # the cells stay cells
    bound = next(p for p in result.provisions if p.quote == "不少于4次")
    assert (bound.table_row, bound.table_column) == ("党建", None)  # the merged header has no third cell
    record = bound.to_json()
    assert record["table_row"] == "党建" and "table_column" not in record
    from extractors.pipeline import table_headers

    text = result.normalized.text
    assert table_headers(text, text.index("每年1次")) == ("述职", "要求")
    assert table_headers(text, text.index("述职")) == (None, "指标")  # the row's own first cell
    assert table_headers(text, text.index("要求")) == ("指标", None)  # the header row has none above
    assert table_headers(text, text.index("结束语")) == (None, None)


def test_docx_inline_content(tmp_path):
    """Deleted revisions, field codes and hidden runs are not read; content controls and
    style-based list numbering are."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    d.add_paragraph("甲", style="List Number")
    d.add_paragraph("乙", style="List Number")
    body = d.element.body
    p = parse_xml(
        f'<w:p {w}><w:r><w:t>每年</w:t></w:r><w:del><w:r><w:delText>删去</w:delText></w:r></w:del>'
        f'<w:ins><w:r><w:t>不少于</w:t></w:r></w:ins>'
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>4</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
        f'<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r><w:r><w:t>次</w:t><w:tab/><w:t>。</w:t></w:r></w:p>')
    sdt = parse_xml(f'<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>控件内正文</w:t></w:r></w:p></w:sdtContent></w:sdt>')
    body.insert(len(body) - 1, p)
    body.insert(len(body) - 1, sdt)
    d.save(tmp_path / "inline.docx")
    assert read_docx(tmp_path / "inline.docx").text == "1. 甲\n2. 乙\n每年不少于4次 。\n控件内正文"


def test_chinese_and_other_number_formats():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 21, 100, 101, 110)] == \
        ["一", "十", "十一", "二十", "二十一", "一百", "一百零一", "一百一十"]
    assert format_number(12, "chineseLegalSimplified") == "壹拾贰"
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(28, "upperLetter") == "BB"
    assert format_number(14, "lowerRoman") == "xiv"
    assert format_number(3, "decimalEnclosedCircle") == "③"
    assert format_number(7, "bullet") == ""


# -------------------------------------------------------------- hostile inputs


def test_non_zip_docx(tmp_path):
    f = tmp_path / "fake.docx"
    f.write_bytes(b"<html>this is a web page saved as .docx</html>")
    with pytest.raises(IngestError, match=r"^not a DOCX file \(not a zip archive\)$"):
        read_docx(f)


def test_zip_without_word_parts(tmp_path):
    f = tmp_path / "other.docx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match=r"^not a DOCX file"):
        read_docx(f)


def test_zip_bomb_docx(tmp_path):
    f = tmp_path / "bomb.docx"
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as out:
            for _ in range(201):
                out.write(chunk)
    assert f.stat().st_size < 1 << 20
    with pytest.raises(IngestError, match=r"^DOCX too large when unpacked \(201 MB > 200 MB limit\)$"):
        read_docx(f)


def test_broken_docx_xml(tmp_path):
    f = tmp_path / "broken.docx"
    with zipfile.ZipFile(CORPUS / f"{NAMES[0]}.docx") as src, zipfile.ZipFile(f, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data[: len(data) // 2] if info.filename == "word/document.xml" else data)
    with pytest.raises(IngestError, match=r"^cannot read DOCX: \S") as e:
        read_docx(f)
    assert "\n" not in str(e.value)


def test_docx_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           '<w:p><w:r><w:t>前&x;后</w:t></w:r></w:p></w:body></w:document>')
    f = tmp_path / "xxe.docx"
    with zipfile.ZipFile(CORPUS / f"{NAMES[0]}.docx") as src, zipfile.ZipFile(f, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, xml if info.filename == "word/document.xml" else src.read(info))
    try:
        text = read_docx(f).text
    except IngestError:
        return
    assert "TOPSECRET" not in text


def test_truncated_pdf(tmp_path):
    data = (CORPUS / f"{NAMES[0]}.pdf").read_bytes()
    f = tmp_path / "cut.pdf"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"^corrupt PDF: truncated"):
        read_pdf(f)
    # Cut, but with an end marker pasted on: pdfminer itself must fail cleanly.
    f.write_bytes(data[: len(data) // 2] + b"\n%%EOF\n")
    with pytest.raises(IngestError, match=r"^corrupt PDF: \S"):
        read_pdf(f)


def test_not_a_pdf(tmp_path):
    f = tmp_path / "page.pdf"
    f.write_bytes(b"<html>404 not found</html>")
    with pytest.raises(IngestError, match=r"^not a PDF file"):
        read_pdf(f)


def _minimal_encrypted_pdf() -> bytes:
    """A one-page PDF whose standard security handler wants a password we do not
    have (its /U entry matches no password). Built by hand: pypdf and qpdf are not
    installed here."""
    from hostile import pdf_bytes

    return pdf_bytes(b"", encrypt=True)


def test_encrypted_pdf_handmade(tmp_path):
    f = tmp_path / "locked.pdf"
    f.write_bytes(_minimal_encrypted_pdf())
    with pytest.raises(IngestError, match=r"^encrypted PDF \(password required\)$"):
        read_pdf(f)


@needs_soffice
def test_encrypted_pdf_from_libreoffice(tmp_path):
    (tmp_path / "locked.fodt").write_text(FODT.replace("ARTICLES", ""), encoding="utf-8")
    options = ('{"EncryptFile":{"type":"boolean","value":"true"},'
               '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    _soffice(tmp_path, "--convert-to", f"pdf:writer_pdf_Export:{options}", "--outdir", str(tmp_path),
             str(tmp_path / "locked.fodt"))
    with pytest.raises(IngestError, match=r"^encrypted PDF \(password required\)$"):
        read_pdf(tmp_path / "locked.pdf")


@needs_soffice
def test_pdf_without_text_layer(tmp_path):
    """A page without text (what a scan looks like to a text extractor): say so
    instead of returning ''."""
    fodt = ('<?xml version="1.0" encoding="UTF-8"?><office:document '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3" '
            'office:mimetype="application/vnd.oasis.opendocument.text">'
            '<office:body><office:text><text:p/></office:text></office:body></office:document>')
    (tmp_path / "blank.fodt").write_text(fodt, encoding="utf-8")
    _soffice(tmp_path, "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "blank.fodt"))
    with pytest.raises(IngestError, match=r"^PDF has no text layer \(a scan\?\): run with --ocr"):
        read_pdf(tmp_path / "blank.pdf")


def test_text_boxes_and_notes_are_read(tmp_path):
    """Text in a text box (read once, though Word stores a VML copy beside it) and in
    footnotes was dropped without a word; rules stand there too."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    d = docx.Document()
    d.add_paragraph("第一条 正文。")
    box = '<w:txbxContent><w:p><w:r><w:t>框内：每年不少于2次。</w:t></w:r></w:p></w:txbxContent>'
    anchored = parse_xml(
        f'<w:p {w} {mc}><w:r><w:t>见右框。</w:t></w:r><w:r><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing><wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/'
        f'wordprocessingShape"><wps:txbx>{box}</wps:txbx></wps:wsp></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>{box}</v:textbox>'
        f'</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
        f'<w:r><w:footnoteReference w:id="1"/></w:r></w:p>')
    body = d.element.body
    body.insert(len(body) - 1, anchored)
    d.save(tmp_path / "plain.docx")
    notes = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="1"><w:p><w:r><w:t>注：逾期不改正的，处五百元罚款。</w:t></w:r></w:p></w:footnote>'
             '</w:footnotes>')
    rel = ('<Relationship Id="rIdNotes" Target="footnotes.xml" '
           'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"/>')
    override = ('<Override PartName="/word/footnotes.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>')
    with zipfile.ZipFile(tmp_path / "plain.docx") as src, zipfile.ZipFile(tmp_path / "notes.docx", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            dst.writestr(item, data)
        dst.writestr("word/footnotes.xml", notes)
    assert read_docx(tmp_path / "notes.docx").text == "第一条 正文。\n见右框。\n框内：每年不少于2次。\n注：逾期不改正的，处五百元罚款。"
