"""Real government PDFs (../shared/corpus/realformats, read in place): the facts
issue 10 names per file, checked on what the pipeline reads from them."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline.normalize import normalize
from pipeline.run import process_document

REAL = ROOT.parent / "shared" / "corpus/realformats"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="the shared realformats corpus is not beside the repo")


@lru_cache(maxsize=None)
def _result(name: str):
    result = process_document(REAL / name)
    assert result.ok, result.error
    return result


def _text(name: str) -> str:
    return _result(name).normalized.text


def test_founder_pdf_digits_stay_on_their_line():
    """rf01 sets digits in a second font whose glyph boxes sit 11.7 pt higher: the
    baseline, not the box, tells the line."""
    text = _text("rf01_sichuan_chuangye.pdf")
    assert "创业担保贷款个人申请额度由30万元提高至50万元、小微企业申请额度由400万元提高至600万元" in text
    assert "川办规〔2025〕6号" in text
    assert "四川省人民政府办公厅\n2025年4月30日" in text
    assert "低于5.5%的企业" in text  # the private-use decimal point is a point


def test_founder_private_punctuation_is_folded():
    text = _text("rf01_sichuan_chuangye.pdf")
    assert not set("ꎬꎮꎻ«»") & set(text)
    assert "制定以下政策措施。" in text and "《支持创业带动就业的若干政策措施》已经省政府同意," in text


def test_founder_page_numbers_in_full_width_digits_are_dropped():
    text = _text("rf01_sichuan_chuangye.pdf")
    assert not re.search(r"—\s*\d+\s*—", text)
    assert "充分发挥担保基金效益。" in text  # the sentence a page number had cut


def test_founder_pdf_numbers_reach_the_extractors():
    """对…用工人数减少水平低于5.5%的企业: the share, not 5% (the point is a private-use glyph)."""
    ratios = [p for p in _result("rf01_sichuan_chuangye.pdf").provisions if p.kind == "ratio"]
    assert [(p.op, p.value, p.unit) for p in ratios] == [("<", 5.5, "%")]


def test_doubled_bold_glyphs_and_radicals():
    """rf04 draws each bold glyph twice and names 701 characters by their Kangxi or
    supplement radical (⼈ ⽇ ⻓)."""
    text = _text("rf04_nfra_xiaoshou.pdf")
    articles = [s for s in _result("rf04_nfra_xiaoshou.pdf").segmentation.sections if s.kind == "article"]
    assert len(articles) >= 50
    assert "第第" not in text and "条条" not in text
    assert not any(0x2E80 <= ord(c) <= 0x2FDF for c in text)
    assert "自2024年3月1日起施行" in text and "局长李云泽" in text


def test_radical_deadline_is_read():
    deadlines = [p for p in _result("rf04_nfra_xiaoshou.pdf").provisions if p.kind == "deadline"]
    assert deadlines, "⽇ folded to 日: 30⽇内 and its like are deadlines"


@pytest.mark.parametrize("name,title,number", [
    ("rf02_hangzhou_zuqiu.pdf", "杭州市人民政府办公厅关于印发杭州市加快推进全国足球发展重点城市建设若干措施的通知", "杭政办函〔2025〕16号"),
    ("rf03_hangzhou_jingji.pdf", "杭州市人民政府印发关于进一步推动经济高质量发展若干政策的通知", "杭政函〔2024〕16号"),
    ("rf01_sichuan_chuangye.pdf", "四川省人民政府办公厅关于印发《支持创业带动就业的若干政策措施》的通知", "川办规〔2025〕6号"),
])
def test_red_header_title_joined_and_own_number(name, title, number):
    meta = _result(name).meta
    assert meta.title == title
    assert meta.doc_number == number


def test_a_cited_number_is_not_the_documents_own():
    """rf05 cites 《中华人民共和国政府信息公开条例》(国令第711号) and has no number of its own."""
    assert _result("rf05_hongze_nianbao.pdf").meta.doc_number is None


def test_table_cells_keep_numbers_beside_labels():
    text = _text("rf06_putuo_yusuan.pdf")
    assert "一、财政拨款收入\t91,016,775.35\t一、一般公共服务支出\t82,096,797.42" in text
    assert "201\t03\t01\t行政运行\t12,029,501.84\t12,029,501.84" in text
    text = _text("rf05_hongze_nianbao.pdf")
    assert "行政许可\t550" in text and "行政事业性收费\t7730.28" in text


def test_table_rows_and_contents_open_no_sections():
    for name in ("rf05_hongze_nianbao.pdf", "rf06_putuo_yusuan.pdf"):
        seg = _result(name).segmentation
        text = seg.text.text
        for s in seg.sections:
            line_end = text.find("\n", s.start)
            line = text[s.start:line_end if line_end >= 0 else len(text)]
            assert "\t" not in line and "……" not in line, (name, s.label, line[:60])
        assert not [s for s in seg.sections if s.kind == "article"], name  # 第二十条第(一)项 is a caption


def test_every_quote_is_grounded():
    for name in ("rf01_sichuan_chuangye.pdf", "rf04_nfra_xiaoshou.pdf", "rf06_putuo_yusuan.pdf"):
        result = _result(name)
        for p in result.provisions:
            assert result.source.text[p.span[0]:p.span[1]] == p.quote


def test_yi_script_and_french_quotes_are_left_alone():
    from models.records import SourceText

    yi = normalize(SourceText(path="x.txt", text="ꆈꌠꁱꂷꎬꆏ。彝文ꎬ在此", format="txt")).text
    assert yi.startswith("ꆈꌠꁱꂷꎬꆏ") and "彝文,在此" in yi
    assert "«bonjour»" in normalize(SourceText(path="x.txt", text="法语 «bonjour» 一词", format="txt")).text
    assert "《条例》" in normalize(SourceText(path="x.txt", text="依照«条例»办理", format="txt")).text
