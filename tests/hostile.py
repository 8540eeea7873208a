"""Builders of hostile and broken input files, made by the tests themselves."""
from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

from conftest import CORPUS

DOCX = CORPUS / "000_d1701e8db34252ee.docx"


def pdf_bytes(content: bytes, encrypt: bool = False) -> bytes:
    """A one-page PDF with the given (compressed) content stream."""
    stream = zlib.compress(content, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if encrypt:
        objs.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -44 >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    enc = b" /Encrypt 6 0 R /ID [<0123456789abcdef0123456789abcdef><0123456789abcdef0123456789abcdef>]" if encrypt else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, enc, xref)
    return bytes(out)


def slow_pdf() -> bytes:
    """A small file whose page holds millions of glyphs: the parser grinds for
    minutes, as a malicious or broken PDF makes it loop."""
    line = b"BT /F1 1 Tf 10 10 Td (" + b"a" * 200 + b") Tj ET\n"
    return pdf_bytes(line * 40000)


def docx_with(document_xml: str) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(DOCX) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, document_xml if info.filename == "word/document.xml" else src.read(info))
    return buf.getvalue()


def billion_laughs_docx() -> bytes:
    ents = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">'
                   for i in range(1, 10))
    xml = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "哈哈哈哈哈">' + ents + ']>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           '<w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>')
    return docx_with(xml)


def zip_bomb_docx(path: Path) -> None:
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as out:
            for _ in range(260):
                out.write(chunk)


def big_text(path: Path, mb: int = 200) -> None:
    """A 200 MB text file of real Chinese text (written in blocks, never held)."""
    block = (CORPUS / "000_d1701e8db34252ee.txt").read_bytes()
    with open(path, "wb") as f:
        written = 0
        while written < mb << 20:
            f.write(block)
            written += len(block)


def hostile_corpus(folder: Path) -> dict[str, str]:
    """Make the bad files; returns name -> the word its failure reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    expect = {}

    def put(name: str, data: bytes, why: str) -> None:
        (folder / name).write_bytes(data)
        expect[name] = why

    put("empty.txt", b"", "empty")
    put("junk.txt", os.urandom(1 << 16), "binary")
    put("bad-gb18030.txt", "第一条 每年不少于4次。".encode("gb18030") + b"\x81\x20\xff" + "规定。".encode("gb18030"),
        "undecodable")
    big_text(folder / "huge.txt")
    expect["huge.txt"] = "too large"
    good_pdf = (CORPUS / "000_d1701e8db34252ee.pdf").read_bytes()
    put("truncated.pdf", good_pdf[: len(good_pdf) // 3], "corrupt")
    put("locked.pdf", pdf_bytes(b"BT /F1 12 Tf 72 700 Td (x) Tj ET", encrypt=True), "encrypted")
    put("slow.pdf", slow_pdf(), "timed out")
    put("notzip.docx", b"PK? this is not a zip at all", "zip")
    zip_bomb_docx(folder / "bomb.docx")
    expect["bomb.docx"] = "too large"
    put("laughs.docx", billion_laughs_docx(), "DOCX")
    loop_a, loop_b = folder / "loop", folder / "loop" / "again"
    loop_a.mkdir()
    os.symlink(loop_a, loop_b)  # a folder that contains itself
    os.symlink(folder / "selfref.txt", folder / "selfref.txt")
    expect["selfref.txt"] = "symbolic link"
    return expect
