"""Jurisdiction of each seed document and compilation part, with GB/T 2260 codes."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import seed
from models.records import DocumentMeta
from pipeline.ingest import read_source
from pipeline.metadata import extract_metadata
from pipeline.normalize import normalize
from pipeline.resolve import resolve_jurisdictions, resolve_unit
from pipeline.segment import segment


def _resolve(prefix):
    seg = segment(normalize(read_source(seed(prefix))))
    meta, parts = extract_metadata(seg)
    return [j for _, _, j in resolve_jurisdictions(seg, meta, parts)]


def test_county_from_issuer_with_full_path_and_code():
    [j] = _resolve("001")
    assert (j.name, j.code, j.level, j.hidden) == ("云南省楚雄彝族自治州武定县", "532329", "county", False)


def test_hidden_city_is_said_not_guessed():
    [j] = _resolve("000")
    assert j.name == "X市" and j.hidden and j.code is None


def test_compilation_parts_each_resolve():
    js = _resolve("002")
    assert [j.name for j in js] == ["江西省宜春市X市", "新疆生产建设兵团", "广东省梅州市", "吉林省X市", "湖南省X镇"]
    assert js[0].parent_code == "360900"  # under 宜春市: its name is a superior's, cited
    assert js[1].code == "660000"  # 兵党组发 prefix
    assert js[2].code == "441400"  # 梅市组通 prefix
    assert js[3].parent_code == "220000"  # 吉组通字 prefix, the issuer speaks as 全市


def test_bingtuan_paper_and_national_article():
    assert _resolve("003")[0].name == "新疆生产建设兵团"
    j = _resolve("004")[0]
    assert (j.name, j.level) == ("全国", "national")


@pytest.mark.parametrize("text,name,code", [
    ("北京市海淀区人民政府关于印发实施办法的通知\n全区各街道办事处:", "北京市海淀区", "110108"),
    ("臺北市政府為維護市容整潔，特制定本自治條例。臺北市", "台湾省台北市", None),
    ("香港特别行政区政府公布", "香港特别行政区", "810000"),
    ("鄂考核〔2020〕3号 各市、州党委组织部:全省考核工作安排如下。", "湖北省", "420000"),
])
def test_places_codes_and_prefixes(text, name, code):
    from pipeline.normalize import normalize as norm
    from models.records import SourceText
    t = norm(SourceText(path="t.txt", text=text, format="txt")).text
    j = resolve_unit(t, DocumentMeta())
    assert (j.name, j.code) == (name, code)


REGULATIONS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "regulations"


@pytest.mark.skipif(not REGULATIONS.is_dir(), reason="the shared regulations corpus is not beside the repo")
@pytest.mark.parametrize("name, expected", [
    ("fireworks/临沂市烟花爆竹燃放管理条例(2020-01-15).txt", ("山东省临沂市", "371300")),  # names its districts
    ("blood/上海市献血条例.txt", ("上海市", "310000")),  # a municipality speaks of 本市
    ("greening/舟山市城市绿化条例(2018-04-16).txt", ("浙江省舟山市", "330900")),
    ("blood/献血法(1997-12-29).txt", ("全国", None)),  # 中华人民共和国献血法
    ("gas/城镇燃气管理条例(2016-02-06).txt", ("全国", None)),
])
def test_regulation_is_issued_by_the_place_its_title_names(name, expected):
    seg = segment(normalize(read_source(REGULATIONS / name)))
    meta, parts = extract_metadata(seg)
    [(_, _, j)] = resolve_jurisdictions(seg, meta, parts)
    assert (j.name, j.code) == expected
