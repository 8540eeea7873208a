"""Legacy .doc reader on real files from ../shared/corpus/realformats.

rf11 (Word 97-2003 binary, written by WPS) is the same document as rf08 (DOCX):
the normalized texts are compared with difflib.SequenceMatcher(autojunk=False).ratio(),
which must be >= 0.99. The two differ by design in two places: rf08 carries its
footer ("PAGE - 1 -") as body text and lost the automatic label "(六)" that the
.doc keeps as a list item; both are < 0.2% of the text.
rf12 is Word 2003 XML under a .doc name: a one-table form, one row per line.
"""
from __future__ import annotations

import difflib
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT
from models.records import IngestError
from pipeline.ingest import read_source
from pipeline.ingest import doc as doc_reader
from pipeline.ingest.doc import read_doc, sniff
from pipeline.normalize import normalize

REAL = ROOT.parent / "shared" / "corpus/realformats"
RF08 = REAL / "rf08_pbc_wangluoyingxiao.docx"
RF11 = REAL / "rf11_pbc_wangluoyingxiao.doc"
RF12 = REAL / "rf12_nanning_wordxml.doc"

needs_real = pytest.mark.skipif(not (RF08.is_file() and RF11.is_file() and RF12.is_file()),
                                reason="the real-format corpus lives in ../shared")
needs_soffice = pytest.mark.skipif(doc_reader.soffice_binary() is None,
                                   reason="LibreOffice (soffice) is not installed")

WML_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<?mso-application progid="Word.Document"?>\n')
WML_NS = ('xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml" '
          'xmlns:wx="http://schemas.microsoft.com/office/word/2003/auxHint" '
          'xmlns:aml="http://schemas.microsoft.com/aml/2001/core"')


def _wml(body: str, doctype: str = "", lists: str = "") -> bytes:
    return (WML_HEAD + doctype + f"<w:wordDocument {WML_NS}>{lists}<w:body><wx:sect>{body}</wx:sect>"
            "</w:body></w:wordDocument>").encode("utf-8")


def _p(text: str, ppr: str = "") -> str:
    return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"


# ---------------------------------------------------------------- OLE binary


@needs_real
@needs_soffice
def test_rf11_matches_its_docx_twin():
    doc_text = normalize(read_source(RF11)).text
    docx_text = normalize(read_source(RF08)).text
    ratio = difflib.SequenceMatcher(None, docx_text, doc_text, autojunk=False).ratio()
    assert ratio >= 0.99, ratio
    assert doc_text.startswith("金融产品网络营销管理办法\n(征求意见稿)\n第一章")
    assert "第三十七条【实施日期和整改期限】" in doc_text
    # the automatic list label Word shows is part of the text (rf08 lost it)
    assert "\n(六)法律法规、规章和规范性文件禁止的其他内容。" in doc_text


@needs_real
@needs_soffice
def test_rf11_through_the_pipeline():
    from pipeline.run import process_document

    result = process_document(RF11)
    assert result.ok, result.error
    assert result.format == "doc" and result.source.format == "doc"
    assert result.provisions
    assert sum(1 for line in result.normalized.text.split("\n") if line.startswith("第") and "条【" in line) == 37


@needs_real
@needs_soffice
def test_conversion_leaves_no_temporary_files(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    read_doc(RF11)
    assert list(tmp_path.iterdir()) == []


@needs_real
def test_missing_libreoffice_says_what_to_install(monkeypatch):
    monkeypatch.setattr(doc_reader, "soffice_binary", lambda: None)
    with pytest.raises(IngestError, match="needs LibreOffice: apt-get install libreoffice-writer-nogui"):
        read_doc(RF11)


def _fake_soffice(tmp_path: Path, script: str) -> str:
    exe = tmp_path / "fake-soffice"
    exe.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


@needs_real
def test_converter_failure_is_named(tmp_path, monkeypatch):
    exe = _fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2; exit 1')
    monkeypatch.setattr(doc_reader, "soffice_binary", lambda: exe)
    with pytest.raises(IngestError, match="LibreOffice could not convert .*source file could not be loaded"):
        read_doc(RF11)
    exe = _fake_soffice(tmp_path, "exit 0")  # "succeeds" without writing anything
    monkeypatch.setattr(doc_reader, "soffice_binary", lambda: exe)
    with pytest.raises(IngestError, match="LibreOffice could not convert .*no output file"):
        read_doc(RF11)


@needs_real
def test_converter_timeout_kills_it_and_cleans_up(tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    work = tmp_path / "tmp"
    work.mkdir()
    # the launcher forks a child, as soffice does with soffice.bin
    exe = _fake_soffice(tmp_path, f"sleep 30 & echo $! > {pid_file}; wait")
    monkeypatch.setattr(doc_reader, "soffice_binary", lambda: exe)
    monkeypatch.setattr(doc_reader, "CONVERT_TIMEOUT_S", 1.0)
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    t0 = time.monotonic()
    with pytest.raises(IngestError, match="LibreOffice timed out"):
        read_doc(RF11)
    assert time.monotonic() - t0 < 10
    assert list(work.iterdir()) == []
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the converter's child process survived the timeout")


@needs_real
def test_encrypted_and_damaged_word_binaries(tmp_path):
    data = bytearray(RF11.read_bytes())
    name = "WordDocument".encode("utf-16-le") + b"\0\0"
    entry = data.find(name)
    fib = (int.from_bytes(data[entry + 0x74:entry + 0x78], "little") + 1) * 512
    assert data[fib:fib + 2] == b"\xec\xa5"
    encrypted = bytearray(data)
    encrypted[fib + 11] |= 0x01  # fEncrypted (bit 8 of the flags word at 0x0A)
    (tmp_path / "locked.doc").write_bytes(encrypted)
    with pytest.raises(IngestError, match="password-protected Word document"):
        read_doc(tmp_path / "locked.doc")
    damaged = bytearray(data)
    damaged[fib:fib + 2] = b"\x00\x00"
    (tmp_path / "damaged.doc").write_bytes(damaged)
    with pytest.raises(IngestError, match="unsupported version"):
        read_doc(tmp_path / "damaged.doc")


# ---------------------------------------------------------------- Word 2003 XML


@needs_real
def test_rf12_word_2003_xml_table_rows_as_lines():
    assert sniff(RF12.read_bytes()) == "wordml"
    source = read_source(RF12)
    assert source.format == "doc"
    lines = source.text.split("\n")
    assert lines[0] == "项目名称:\t新建柳州至广州铁路柳州至梧州段\t标段名称:\tLWZQ-1标"
    assert "检查单位:\t南宁监督站\t问题类型（3层）:\t填筑" in lines
    assert "问题描述:\t路基填筑靠近电缆槽侧有明显集料窝，存在质量隐患。" in lines
    assert "检查人1:\t梁开宙\t检查日期:\t2025-10-15" in lines
    assert "限期整改日期:\t2025-11-16\t责任单位负责人:\t黄勇" in lines
    # one line per table row (17), then the empty paragraph Word keeps after a table
    assert len(lines) == 18 and lines[17] == ""
    assert all("\t" in line for line in lines[:17])


def test_word_xml_external_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT", encoding="utf-8")
    uri = secret.as_uri()
    general = f'<!DOCTYPE w:wordDocument [<!ENTITY xxe SYSTEM "{uri}">]>\n'
    parameter = (f'<!DOCTYPE w:wordDocument [<!ENTITY % p SYSTEM "{uri}"> %p;'
                 '<!ENTITY % dtd SYSTEM "http://127.0.0.1:9/evil.dtd"> %dtd;]>\n')
    laughs = ('<!DOCTYPE w:wordDocument [<!ENTITY a "hahahahahahahahahaha">'
              + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
              + "]>\n")
    for name, doctype, body in [("general", general, _p("前文&xxe;后文")),
                                ("parameter", parameter, _p("前文后文")),
                                ("laughs", laughs, _p("前文&i;后文"))]:
        f = tmp_path / f"{name}.doc"
        f.write_bytes(_wml(body, doctype))
        try:
            text = read_doc(f).text
        except IngestError as e:  # libxml2 refuses entity amplification outright
            assert name == "laughs" and "amplification" in str(e), (name, e)
            continue
        assert "TOPSECRET" not in text, name
        assert text == "前文后文", (name, text)


def test_word_xml_paragraphs_tables_and_revisions(tmp_path):
    body = (
        _p("标题")
        + '<w:p><w:r><w:t>可见</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>'
          '<aml:annotation w:type="Word.Deletion"><aml:content><w:r><w:delText>删除</w:delText></w:r>'
          '</aml:content></aml:annotation>'
          '<aml:annotation w:type="Word.Insertion"><aml:content><w:r><w:t>插入</w:t></w:r></aml:content>'
          '</aml:annotation><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
          '<w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
          '<w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
          '<w:r><w:footnote><w:p><w:r><w:t>脚注</w:t></w:r></w:p></w:footnote></w:r>'
          '<w:r><w:tab/><w:t>尾</w:t><w:br/><w:t>次行</w:t></w:r></w:p>'
        + "<w:tbl><w:tr><w:tc><w:tcPr><w:vmerge w:val=\"restart\"/></w:tcPr>" + _p("合并") + "</w:tc>"
          "<w:tc>" + _p("甲") + _p("乙") + "</w:tc><w:tc>" + _p("") + "</w:tc></w:tr>"
          "<w:tr><w:tc><w:tcPr><w:vmerge/></w:tcPr>" + _p("") + "</w:tc><w:tc>" + _p("丙") + "</w:tc>"
          "<w:tc>" + _p("丁") + "</w:tc></w:tr></w:tbl>"
        + _p("结尾")
    )
    f = tmp_path / "form.doc"
    f.write_bytes(_wml(body))
    assert read_doc(f).text.split("\n") == [
        "标题", "可见插入1\t尾", "次行", "合并\t甲 乙\t", "丙\t丁", "结尾"]


def test_word_xml_list_labels(tmp_path):
    lists = ('<w:lists><w:listDef w:listDefId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
             '<w:nfc w:val="37"/><w:lvlText w:val="第%1条"/><w:suff w:val="Space"/></w:lvl>'
             '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:nfc w:val="37"/><w:lvlText w:val="（%2）"/>'
             '<w:suff w:val="Nothing"/></w:lvl></w:listDef>'
             '<w:list w:ilfo="1"><w:ilst w:val="0"/></w:list></w:lists>')

    def item(level: int, text: str, hint: str | None = None) -> str:
        wx = f'<wx:t wx:val="{hint}"/>' if hint is not None else ""
        return _p(text, f'<w:pPr><w:listPr><w:ilvl w:val="{level}"/><w:ilfo w:val="1"/>{wx}</w:listPr></w:pPr>')

    computed = item(0, "目的") + item(1, "甲") + item(1, "乙") + item(0, "范围") + item(1, "丙")
    (tmp_path / "computed.doc").write_bytes(_wml(computed, lists=lists))
    assert read_doc(tmp_path / "computed.doc").text.split("\n") == [
        "第一条 目的", "（一）甲", "（二）乙", "第二条 范围", "（一）丙"]
    # Word's own rendering of the label (wx:t) wins over the computed one
    hinted = item(0, "目的", "第十条") + item(1, "甲", "（五）")
    (tmp_path / "hinted.doc").write_bytes(_wml(hinted, lists=lists))
    assert read_doc(tmp_path / "hinted.doc").text.split("\n") == ["第十条 目的", "（五）甲"]


def test_broken_word_xml(tmp_path):
    f = tmp_path / "broken.doc"
    f.write_bytes(_wml(_p("未闭合"))[:-30])
    with pytest.raises(IngestError, match="cannot read Word 2003 XML"):
        read_doc(f)


# ---------------------------------------------------------------- other content under a .doc name


@needs_real
def test_docx_named_doc_is_read_as_docx(tmp_path):
    f = tmp_path / "really_docx.doc"
    shutil.copyfile(RF08, f)
    from pipeline.ingest.docx import read_docx

    assert read_source(f).text == read_docx(RF08).text


def test_web_page_named_doc_is_read_as_html(tmp_path):
    """Word's "save as web page" keeps the .doc name: the page's text is the document."""
    f = tmp_path / "saved_by_word.doc"
    body = "".join(f"<p>第{n}条 单位应当在三十日内办理变更登记。</p>" for n in "一二三四五六")
    f.write_text('<html xmlns:w="urn:schemas-microsoft-com:office:word"><head><meta charset="utf-8">'
                 f"<title>某某办法</title></head><body><div>{body}</div></body></html>", encoding="utf-8")
    source = read_source(f)
    assert source.format == "doc" and "第六条单位应当在三十日内办理变更登记" in source.text.replace(" ", "")


@pytest.mark.parametrize("content, what", [
    (b"{\\rtf1\\ansi\\deff0 {\\fonttbl{\\f0 SimSun;}}\\f0 \\'d6\\'d0}", "RTF"),
    (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n", "MHTML"),
    ("第一条 这是纯文本。".encode("gb18030"), "plain text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le") + bytes(600), "Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + os.urandom(3000),
     "damaged Word file"),
    (bytes(range(256)) * 8, "unrecognized content"),
    (b"", "unrecognized content"),
])
def test_not_a_word_document(tmp_path, content, what):
    f = tmp_path / "x.doc"
    f.write_bytes(content)
    with pytest.raises(IngestError, match=f"not a Word document: the .doc file is .*{what}"):
        read_doc(f)


def test_garbage_through_read_source(tmp_path):
    f = tmp_path / "garbage.doc"
    f.write_bytes(os.urandom(5000).replace(b"<", b"").replace(b"{", b""))
    with pytest.raises(IngestError):
        read_source(f)
