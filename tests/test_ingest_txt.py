"""TXT decoding: every encoding a Chinese web page comes in gives the same text."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, seed
from models.records import IngestError
from pipeline.ingest import read_source
from pipeline.normalize import normalize
from pipeline.segment import segment

ENCODINGS = [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("gb18030", b""),
    ("gbk", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b""),
    ("utf-16-be", b""),
]


def _encodable(text: str, encoding: str) -> str:
    """The seed with characters the legacy encoding lacks replaced, identically for
    the UTF-8 reference, so both sides hold the same text."""
    return text.encode(encoding, errors="replace").decode(encoding)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
@pytest.mark.parametrize("encoding,bom", ENCODINGS, ids=lambda v: v if isinstance(v, str) else ("bom" if v else "nobom"))
def test_every_encoding_gives_identical_results(tmp_path, path, encoding, bom):
    original = path.read_text(encoding="utf-8")
    text = _encodable(original, encoding)
    reference = tmp_path / "ref.txt"
    reference.write_bytes(text.encode("utf-8"))
    variant = tmp_path / f"variant.{encoding}.txt"
    variant.write_bytes(bom + text.encode(encoding))
    a, b = read_source(reference), read_source(variant)
    assert b.text == a.text == text
    na, nb = normalize(a), normalize(b)
    assert na.text == nb.text
    assert [s.path_label for s in segment(na).sections] == [s.path_label for s in segment(nb).sections]


@pytest.mark.parametrize("name", ["001", "002"])
def test_big5_traditional_seeds(tmp_path, name):
    """Big5 pages carry traditional script: the traditional seeds round-trip through
    Big5-HKSCS (which has the pinyin tone letters the sites insert)."""
    text = _encodable(seed(name).read_text(encoding="utf-8"), "big5hkscs")
    assert text.count("?") < len(text) * 0.01
    ref, big5 = tmp_path / "ref.txt", tmp_path / "big5.txt"
    ref.write_text(text, encoding="utf-8")
    big5.write_bytes(text.encode("big5hkscs"))
    a, b = read_source(ref), read_source(big5)
    assert b.encoding in ("big5hkscs", "cp950")
    assert a.text == b.text
    assert normalize(a).text == normalize(b).text


def test_source_text_keeps_the_file_exactly(tmp_path):
    raw = "第一条\r\n  全角１２３，ＡＢＣ\r\n"
    f = tmp_path / "crlf.txt"
    f.write_bytes(codecs.BOM_UTF8 + raw.encode("utf-8"))
    src = read_source(f)
    assert src.text == raw  # BOM dropped, nothing else changed
    assert src.encoding == "utf-8-sig"


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (bytes(range(256)) * 40, "binary"),
    ("政策文件第一条".encode("gb18030") + b"\xff\xfe\xfd\x80" + "规定".encode("gb18030"), "undecodable"),
])
def test_bad_text_files_get_a_clear_error(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(IngestError, match=message):
        read_source(f)


def test_unsupported_format(tmp_path):
    f = tmp_path / "slides.pptx"
    f.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError, match="unsupported"):
        read_source(f)


GREENING = ROOT.parent / "shared" / "corpus/regulations/greening"


@pytest.mark.skipif(not GREENING.is_dir(), reason="the regulations live in ../shared")
def test_a_txt_copied_from_a_page_layout_is_joined_where_it_wraps():
    """焦作's regulation was copied from a PDF: every line wrapped, a blank line after
    each. Its wraps are joined (责令限\n\n期改正 is one phrase again); its 题注 entries,
    each on its own dated line, stay apart; a TXT typed a paragraph a line is left as is."""
    wrapped = read_source(next(GREENING.glob("焦作市*.txt")))
    text = normalize(wrapped).text
    assert "违反本条例第二十二条第五项规定的,责令限期改正,逾期未改正的,处二千元以上一万元以下罚款。\n" in text
    assert "会议通过\n2018年9月29日" in text
    typed = read_source(next(GREENING.glob("济宁市*.txt")))
    assert typed.soft_breaks == []
