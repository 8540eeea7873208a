"""Title, issuer, document number and dates, per document and per compilation part."""
from __future__ import annotations

import pytest

from conftest import seed
from models.records import SourceText
from pipeline.ingest import read_source
from pipeline.metadata import extract_metadata, parse_date
from pipeline.normalize import normalize
from pipeline.segment import segment


def _meta(prefix):
    return extract_metadata(segment(normalize(read_source(seed(prefix)))))


def _meta_text(text):
    return extract_metadata(segment(normalize(SourceText(path="t.txt", text=text, format="txt"))))


@pytest.mark.parametrize("text,iso", [
    ("二○一二年三月二十二日", "2012-03-22"),
    ("二〇二三年十二月一日", "2023-12-01"),
    ("2012年3月18日", "2012-03-18"),
    ("发布日期: 2020-05-09", "2020-05-09"),
    ("2012年13月1日", None),
    ("三月二十二日", None),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_measures_title_and_effective_on_issue():
    doc, parts = _meta("000")
    assert doc.title == "关于进一步压实党组织书记大抓基层党建工作责任制的实施办法"
    assert doc.effective == "on-issue"
    assert parts == []


def test_county_issuer_from_decision_sentence():
    doc, _ = _meta("001")
    assert doc.issuer == "云南省楚雄彝族自治州武定县委"
    assert doc.year != 2025  # (2023—2025年) belongs to a cited plan's title


def test_web_article_published_date_from_kept_noise():
    doc, _ = _meta("004")
    assert doc.published == "2020-05-09"
    assert doc.title.startswith("扎实推进基层党建工作重点任务落实")


def test_compilation_parts_each_have_their_own_metadata():
    doc, parts = _meta("002")
    assert len(parts) == 5
    bt = parts[1]
    assert bt.title == "关于做好兵团基层党组织分类定级工作的实施意见"
    assert bt.issuer == "兵直党工委" and bt.issued == "2012-03-22"
    assert bt.doc_number == "兵党组发〔2012〕26号"
    assert parts[0].doc_number is None  # 根据中组发[2012]6号文件 is cited, not its own
    # 按照省委组织部《关于…的实施意见》(吉组通字〔2012〕18号)要求: the number of the
    # document it follows, not its own (it has none)
    assert parts[3].doc_number is None
    assert doc.issuer is None  # five issuers: the compilation has none of its own


def test_signature_block_gives_issuer_and_date():
    doc, _ = _meta_text("关于加强村级组织建设的通知\n各乡镇党委:\n现将有关事项通知如下。\n中共某某县委组织部\n2021年6月3日")
    assert doc.title == "关于加强村级组织建设的通知"
    assert doc.issuer == "中共某某县委组织部"
    assert doc.issued == "2021-06-03"


def test_effective_date():
    doc, _ = _meta_text("某某办法\n第一条 为了规范管理。\n第二十条 本办法自2023年1月1日起施行。")
    assert doc.effective == "2023-01-01"
