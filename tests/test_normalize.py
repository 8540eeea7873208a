"""Normalization: clean simplified text whose every position maps to the source."""
from __future__ import annotations

import re
import unicodedata
from array import array

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SEEDS, seed
from models.records import OffsetMap, SourceText
from pipeline.ingest import read_source
from pipeline.normalize import Edit, Rewriter, glyph_folds, normalize

CC = opencc.OpenCC("tw2s.json")


def _norm(text: str, **kw) -> tuple[SourceText, object]:
    src = SourceText(path="x.txt", text=text, format="txt", **kw)
    return src, normalize(src)


def _check_map(src: SourceText, n) -> None:
    """Every normalized character comes from a non-empty source span, spans run in
    order, and converting that source piece yields the character."""
    s, e = n.offset_map.starts, n.offset_map.ends
    assert len(s) == len(e) == len(n.text)
    for i, ch in enumerate(n.text):
        assert 0 <= s[i] < e[i] <= len(src.text)
        if i:
            assert s[i - 1] <= s[i] and e[i - 1] <= e[i]
        piece = src.text[s[i]:e[i]]
        expected = CC.convert(unicodedata.normalize("NFKC", piece))
        _, radicals, misencoded, quotes = glyph_folds()  # one character each, in context
        expected += "".join(table.get(c, "") for table in (radicals, misencoded, quotes) for c in piece)
        expected = CC.convert(unicodedata.normalize("NFKC", expected))
        assert ch in expected or ch in piece or (ch in " \n" and not piece.strip()), (i, ch, piece)
    for a in range(0, len(n.text), 7):
        b = min(len(n.text), a + 11)
        (x, y), quote = n.source_quote(a, b)
        assert src.text[x:y] == quote


def test_traditional_seed_is_simplified_and_free_of_pinyin():
    n = normalize(read_source(seed("001")))
    assert "机关" in n.text and "機關" not in n.text
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", n.text)
    trad = set("機關黨設質發創務責風會議")
    assert not trad & set(n.text)
    # the text reads as the gold sentences do
    assert "按照“先进”不超过30%、“一般”50%左右、“后进”不低于20%的比例进行分类晋级" in n.text
    assert "版权声明" not in n.text


def test_web_noise_is_removed_but_kept_as_noise():
    n = normalize(read_source(seed("004")))
    for junk in ("首页>", "择稿人员", "访问次数", "字体:", "背景色", "相关新闻", "Baidu"):
        assert junk not in n.text
    assert any("发布日期: 2020-05-09" in x.text for x in n.noise)
    n0 = normalize(read_source(seed("000")))
    assert "当前隐藏内容免费查看" not in n0.text and "推荐访问" not in n0.text
    assert "“请进来”传授方法" in n0.text  # the teaser is cut out of the sentence, not the sentence
    assert "***" in n0.text  # redaction marks are content
    n3 = normalize(read_source(seed("003")))
    assert "由会员分享" not in n3.text and "精品文档" not in n3.text
    assert "十八大报告提出" in n3.text  # doc-sharing page markers fused into a sentence are gone
    assert "3万5万元" in n3.text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_offset_map_on_real_documents(path):
    src = read_source(path)
    _check_map(src, normalize(src))


def test_width_punctuation_and_spacing():
    src, n = _norm("第１条　每年不少于４次，，，，，，全年。。。。。\n\n2022 年 X 市\t\n  应当（不少于）３０ ％")
    assert n.text == "第1条每年不少于4次,全年。\n2022年X市\n应当(不少于)30%"
    _check_map(src, n)


def test_pdf_layout_facts_are_applied():
    text = "各级党组织每年\n研究不少于4次。\n— 3 —\n下一段。"
    cut = text.index("— 3 —")
    from models.records import Removal
    src, n = _norm(text, removals=[Removal(cut, cut + len("— 3 —\n"), "page-furniture")], soft_breaks=[text.index("\n")])
    assert n.text == "各级党组织每年研究不少于4次。\n下一段。"
    _check_map(src, n)


CHUNKS = st.sampled_from([
    "機關", "黨建", "不少于", "每年", "4次", "１２", "，", "。", "(guān)", "(zhì)", "  ", "\n", "\n\n", "\r\n",
    "X 市", "2022 年", "當前隱藏內容免費查看", "。。。。", ",,,,", "著力", "(PPP)", "A", "第一條", "台灣", "臺灣",
    "首頁>黨建動態>標題\n", "\u3000", "％", "后", "後", "乾", "髮", "***",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(CHUNKS, st.text(max_size=6)), max_size=40))
def test_offset_map_property(chunks):
    text = "".join(chunks)
    src, n = _norm(text)
    _check_map(src, n)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=60), st.data())
def test_rewriter_composes_length_changing_edits(text, data):
    """Random edits of any length change, applied in two rounds, still map each
    character to the source piece it came from."""
    rw = Rewriter(text, OffsetMap.identity(len(text)))
    for _ in range(2):
        if not rw.text:
            break
        cuts = sorted(set(data.draw(st.lists(st.integers(0, len(rw.text)), max_size=6))))
        edits = []
        for a, b in zip(cuts[::2], cuts[1::2]):
            if b > a:
                edits.append(Edit(a, b, data.draw(st.text(alphabet="xyz", max_size=4))))
        before_text, before = rw.text, rw.offset_map
        rw.apply(edits)
        pos = 0
        new_pos = 0
        for ed in edits:  # characters outside edits keep their old mapping
            for k in range(ed.start - pos):
                assert rw.offset_map.starts[new_pos + k] == before.starts[pos + k]
            new_pos += ed.start - pos + len(ed.replacement)
            pos = ed.end
    m = rw.offset_map
    assert all(0 <= m.starts[i] < m.ends[i] <= len(text) for i in range(len(m)))
    assert list(m.starts) == sorted(m.starts) and list(m.ends) == sorted(m.ends)
    runs = m.to_runs()
    back = OffsetMap.from_runs(runs, len(text))
    assert back.starts == m.starts and back.ends == m.ends


def test_simplified_text_keeps_zhu_where_simplified_writes_it():
    """tw2s would turn 显著 into 显着 in a text that is already simplified; only a
    traditional text is read with Taiwan usage (著力 -> 着力, 顯著 -> 显著)."""
    _, n = _norm("对在城市绿化工作中成绩显著的单位和个人给予表彰，著作权人除外。")
    assert "显著" in n.text and "著作权" in n.text
    _, t = _norm("鄉鎮黨委著力推進，成效顯著，看著辦。")
    assert "着力" in t.text and "显著" in t.text and "看着" in t.text


def test_markdown_heading_marks_and_comments_are_noise():
    """Regulations saved as markdown (# 标题, ## 第六章 奖励与处罚, <!-- INFO END -->):
    the marks go, the headings stay, and a chapter heading is no sanction."""
    src, n = _norm("# 上海市献血条例\n<!-- INFO END -->\n## 第六章　奖励与处罚\n第三十六条 对献血者给予表彰。")
    assert n.text.splitlines()[:2] == ["上海市献血条例", "第六章奖励与处罚"]
    assert "INFO END" not in n.text and any(x.kind == "line" for x in n.noise)
    _check_map(src, n)


def test_noise_line_right_before_the_trailer():
    """A noise line and the trailer after it both claim the newline between them (rf07's
    OCR text ended so): the trailer starts where the noise line's removal ends."""
    src, n = _norm("第一条 单位应当每年报告一次。\n" * 6 + "责任编辑:张三\n相关阅读\n其他文章")
    assert n.text == "\n".join(["第一条单位应当每年报告一次。"] * 6)
    _check_map(src, n)
