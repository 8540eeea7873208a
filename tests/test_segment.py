"""Structure of the five seeds, checked against what the documents show."""
from __future__ import annotations

from collections import Counter

import pytest

from conftest import seed
from models.records import SourceText
from pipeline.ingest import read_source
from pipeline.normalize import normalize
from pipeline.segment import segment


def _seg(prefix: str):
    return segment(normalize(read_source(seed(prefix))))


def _kinds(seg):
    return Counter(s.kind for s in seg.sections)


def test_x_city_measures_have_six_chapters_seventeen_articles():
    seg = _seg("000")
    chapters = [s for s in seg.sections if s.kind == "chapter"]
    articles = [s for s in seg.sections if s.kind == "article"]
    assert [c.label for c in chapters] == ["第一章", "第二章", "第三章", "第四章", "第五章", "第六章"]
    assert [c.title for c in chapters] == ["总则", "明责知责", "履责尽责", "督责促责", "考责评责", "附则"]
    assert len(articles) == 17 and articles[-1].label == "第十七条"
    assert all(a.parent.kind == "chapter" for a in articles)
    items = {a.label: [c.label for c in a.children] for a in articles if a.children}
    assert items == {"第四条": ["(一)", "(二)", "(三)", "(四)"], "第七条": ["(一)", "(二)", "(三)", "(四)", "(五)"],
                     "第十二条": ["(一)", "(二)", "(三)"], "第十五条": ["(一)", "(二)"]}
    pos = seg.text.text.index("不少于6次")
    assert seg.section_path(pos) == "第三章 > 第八条"
    pos = seg.text.text.index("3年内不得提拔使用")
    assert seg.section_path(pos) == "第五章 > 第十五条 > (一)"


def test_compilation_has_five_parts_with_their_outlines():
    seg = _seg("002")
    parts = seg.parts()
    assert [p.label for p in parts] == ["第一篇", "第二篇", "第三篇", "第四篇", "第五篇"]
    assert parts[0].title == "做好基层党组织分类定级工作推进基层组织建设年的实施意见"
    assert parts[1].title == "关于做好兵团基层党组织分类定级工作的实施意见"
    assert parts[4].title == "基层组织建设年实施意见"
    tops = {p.label: [c.label for c in p.children if c.kind == "item"] for p in parts}
    assert tops["第一篇"] == ["一", "二", "三", "四", "五"]
    assert tops["第二篇"] == ["一", "二", "三", "四"]
    assert tops["第三篇"] == ["一", "二", "三"]
    assert tops["第五篇"] == ["一", "二", "三", "四", "五"]
    text = seg.text.text
    assert seg.section_path(text.index("90分以上")) == "第一篇 > 二"
    assert seg.section_path(text.index("4月12日至14日")) == "第一篇 > 三 > 1"
    assert seg.section_path(text.index("3月中旬至下旬")) == "第四篇 > 三 > (一)"
    five = next(p for p in parts if p.label == "第五篇")
    four = next(c for c in five.children if c.label == "四")
    assert [c.label for c in four.children] == ["(一)", "(二)", "(三)"]
    assert [c.label for c in four.children[1].children] == ["6", "7", "8", "9", "10", "11"]
    # every position of a part answers with that part first
    for p in parts:
        assert seg.section_path(p.start).split(" > ")[0] == p.label
        assert seg.section_path(p.end - 1).split(" > ")[0] == p.label


def test_ten_measures_are_lead_headings():
    seg = _seg("001")
    heads = [s for s in seg.sections if s.kind == "heading"]
    assert len(heads) == 10
    assert heads[0].label == "开展机关基层党组织分类晋级行动"
    assert seg.section_path(seg.text.text.index("不超过30%")) == "开展机关基层党组织分类晋级行动"
    assert seg.section_path(seg.text.text.index("约谈提醒")) == "实行机关党建工作约谈提醒制度"


def test_scraped_paper_recovers_inline_outline():
    seg = _seg("003")
    text = seg.text.text
    assert seg.section_path(text.index("3万5万元")) == "三 > (四) > 3"
    assert [c.label for c in seg.sections if c.level == 0] == ["一", "三"]  # 二、 is lost in the scrape


def test_web_article_headings():
    seg = _seg("004")
    heads = [s.label for s in seg.sections if s.kind == "heading"]
    assert heads[0] == "抓实基层党组织书记集中轮训" and "选优配强村党组织带头人" in heads
    assert seg.section_path(seg.text.text.index("至少参加1次培训")) == "抓实基层党组织书记集中轮训"


def test_sentences_and_clauses_cover_text():
    seg = _seg("000")
    text = seg.text.text
    sent = seg.sentence_at(text.index("不少于6次"))
    assert text[sent.start:sent.end].startswith("加大抓乡促村工作") and text[sent.end - 1] == "。"
    assert len(sent.clauses) >= 3
    assert all(s.start < s.end for s in seg.sentences)


@pytest.mark.parametrize("text,expected", [
    ("第一章 总则\n第一条 目的。\n第二条 范围。\n第二章 职责\n第三条 内容:\n(一)甲。\n(二)乙。\n第四条 完。",
     ["第一章", "第一章 > 第一条", "第一章 > 第二条", "第二章", "第二章 > 第三条", "第二章 > 第三条 > (一)",
      "第二章 > 第三条 > (二)", "第二章 > 第四条"]),
    ("一、总体要求\n1.目标。\n2.原则。\n二、重点任务\n(一)任务一。\n1.事项。\n①细目。\n(二)任务二。",
     ["一", "一 > 1", "一 > 2", "二", "二 > (一)", "二 > (一) > 1", "二 > (一) > 1 > ①", "二 > (二)"]),
])
def test_outline_nesting_by_first_use(text, expected):
    seg = segment(normalize(SourceText(path="t.txt", text=text, format="txt")))
    assert [s.path_label for s in seg.sections] == expected


def test_paragraph_after_an_articles_items_belongs_to_the_article():
    """（一）…；（二）…。 then 单位违反…的，处…: the last paragraph is the article's."""
    from models.records import SourceText
    from pipeline.normalize import normalize

    text = ("第二十六条 有下列行为之一的，责令改正：\n（一）在禁止区域吸烟的；\n（二）未设置标志的。\n"
            "单位违反前款规定的，处一千元罚款。\n第二十七条 本条例自公布之日起施行。")
    seg = segment(normalize(SourceText(path="a.txt", text=text, format="txt")))
    assert seg.section_path(seg.text.text.index("未设置")) == "第二十六条 > (二)"
    assert seg.section_path(seg.text.text.index("单位违反")) == "第二十六条"
