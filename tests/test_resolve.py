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


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
REGULATIONS = SHARED / "regulations"
needs_corpus = pytest.mark.skipif(not REGULATIONS.is_dir(), reason="the shared regulations corpus is not beside the repo")


@needs_corpus
@pytest.mark.parametrize("name, expected", [
    ("fireworks/临沂市烟花爆竹燃放管理条例(2020-01-15).txt", ("山东省临沂市", "371300")),  # names its districts
    ("blood/上海市献血条例.txt", ("上海市", "310000")),  # a municipality speaks of 本市
    ("greening/舟山市城市绿化条例(2018-04-16).txt", ("浙江省舟山市", "330900")),
    ("blood/献血法(1997-12-29).txt", ("全国", None)),  # 中华人民共和国献血法
    ("gas/城镇燃气管理条例(2016-02-06).txt", ("全国", None)),
    ("fireworks/烟花爆竹安全管理条例(2016-02-06).txt", ("全国", None)),  # State Council: no place in the title
    ("greening/城市绿化条例(2017-03-01).txt", ("全国", None)),
    ("fireworks/重庆市燃放烟花爆竹管理条例(2018-12-29).txt", ("重庆市", "500000")),
    ("gas/山东省燃气管理条例(2016-03-30).txt", ("山东省", "370000")),
    ("blood/浙江省实施《献血法》办法(2020-11-27).txt", ("浙江省", "330000")),  # cites the state's law in its title
    ("blood/青岛市实施《献血法》若干规定(2020-01-15).txt", ("山东省青岛市", "370200")),
])
def test_regulation_is_issued_by_the_place_its_title_names(name, expected):
    seg = segment(normalize(read_source(REGULATIONS / name)))
    meta, parts = extract_metadata(seg)
    [(_, _, j)] = resolve_jurisdictions(seg, meta, parts)
    assert (j.name, j.code) == expected


def _unit(text: str, title: str | None = None):
    from models.records import SourceText
    t = normalize(SourceText(path="t.txt", text=text, format="txt")).text
    return resolve_unit(t, DocumentMeta(title=title))


def _blind(name: str):
    """A regulation read without its title or adoption lines: from 第一条 on."""
    seg = segment(normalize(read_source(REGULATIONS / name)))
    text = seg.text.text
    return resolve_unit(text[text.index("第一条"):], DocumentMeta())


@needs_corpus
@pytest.mark.parametrize("name, code, path", [
    ("fireworks/临沂市烟花爆竹燃放管理条例(2020-01-15).txt", "371300", "山东省临沂市"),  # 兰山区、罗庄区、河东区禁止燃放
    ("fireworks/济南市禁止燃放烟花爆竹的规定(2019-02-12).txt", "370100", "山东省济南市"),  # (二)长清区、章丘区…
    ("gas/洛阳市燃气管理条例(2015-12-15).txt", "410300", "河南省洛阳市"),  # 吉利区按照县(市)权限
    ("greening/平顶山市城市绿化条例(2018-11-01).txt", "410400", "河南省平顶山市"),  # 县(市)、石龙区人民政府
    ("parking/郑州市停车场建设管理条例(2019-08-27).txt", "410100", "河南省郑州市"),  # 县(市)、上街区参照本条例
    ("greening/宁波市城市绿化条例(2017-12-18).txt", "330200", "浙江省宁波市"),  # 适应城市 is no 应城市
    ("greening/周口市城市绿化条例(2019-11-05).txt", "411600", "河南省周口市"),  # 市和县(市) is no 和县
    ("greening/漯河市城市绿化条例(2020-09-17).txt", "411100", "河南省漯河市"),  # 漯河市西城区管委会 is no Beijing district
    ("blood/上海市献血条例.txt", "310000", "上海市"),  # 香港特别行政区居民、…和台湾地区居民
])
def test_regulation_body_never_names_an_object_place_as_issuer(name, code, path):
    """Without the title, the districts, lists and look-alike words a regulation's body
    names do not become the issuer: it is the title's place, or hidden within a place above it."""
    j = _blind(name)
    assert j is not None
    if j.hidden:
        assert path.startswith(j.name.split("X")[0]) and j.code is None
    else:
        assert (j.name, j.code) == (path, code)


def test_scope_clause_districts_tell_of_the_city_above_them():
    j = _unit("第一条 为了加强管理,结合本市实际,制定本办法。\n第二条 本办法适用于本市东城区、西城区、朝阳区。")
    assert (j.name, j.code, j.level) == ("北京市", "110000", "province") and not j.hidden


@pytest.mark.parametrize("text", [
    "第一条 为了规范西藏牦牛、青海牦牛的养殖,结合本县实际,制定本办法。",
    "第一条 为促进金华火腿、宣威火腿和西湖龙井产业发展,结合本县实际,制定本办法。",
    "第一条 原产于云南的三七,产自宁夏的枸杞,按照本县规定收购。",
])
def test_products_and_breeds_named_after_a_place_are_objects(text):
    j = _unit(text)
    assert (j.name, j.code, j.hidden) == ("X县", None, True)


def test_a_cited_peer_document_is_not_the_issuer():
    j = _unit("第一条 参照《上海市公共场所控制吸烟条例》,结合本县实际,制定本办法。\n"
              "第二条 违反《北京市控制吸烟条例》的,依照其规定处罚。")
    assert j.name == "X县" and j.hidden and j.parent_code is None


def test_a_cited_superior_document_sits_above_the_issuer():
    j = _unit("第一条 根据《北京市控制吸烟条例》,结合本区实际,制定本办法。")
    assert (j.name, j.level, j.hidden, j.parent_code) == ("北京市X区", "county", True, "110000")


@pytest.mark.parametrize("title, text, name", [
    ("臺北市菸害防制自治條例", "第一條 臺北市政府為維護市民健康,特制定本自治條例。", "台湾省台北市"),
    ("高雄市公共場所禁菸自治條例", "第一條 本市為維護市民健康,特制定本自治條例。", "台湾省高雄市"),
    ("桃園市菸害防制自治條例", "第一條 本市為維護市民健康,特制定本自治條例。", "台湾省桃园市"),
])
def test_taiwan_cities_are_themselves_under_their_region(title, text, name):
    from models.records import SourceText
    t = normalize(SourceText(path="t.txt", text=f"# {title}\n{text}", format="txt"))
    meta, _ = extract_metadata(segment(t))
    j = resolve_unit(t.text, meta)
    assert (j.name, j.code, j.level, j.parent_code, j.hidden) == (name, None, "prefecture", "710000", False)


def test_a_taiwan_law_without_a_place_is_the_region_not_the_state():
    j = _unit("第一條 為防制菸害,特制定本法。第二條 本法所稱主管機關:在中央為衛生福利部;在直轄市為直轄市政府;"
              "在縣(市)為縣(市)政府。違反者處新臺幣一萬元以上五萬元以下罰鍰。", title="菸害防制法")
    assert (j.name, j.code, j.level) == ("台湾省", "710000", "province")


@pytest.mark.parametrize("title, text", [
    ("烟花爆竹安全管理条例", "第一条 为了加强烟花爆竹安全管理,制定本条例。第四条 县级以上地方人民政府安全生产监督管理部门负责。"),
    ("中华人民共和国献血法", "第一条 为保证医疗临床用血需要和安全,制定本法。"),
    ("国务院关于加强食品安全工作的决定", "各省、自治区、直辖市人民政府,国务院各部委、各直属机构:"),
])
def test_state_laws_and_regulations_are_national(title, text):
    j = _unit(text, title=title)
    assert (j.name, j.code, j.level) == ("全国", None, "national")


def test_a_local_text_under_a_placeless_title_is_not_national():
    j = _unit("第一条 为了加强本市烟花爆竹管理,制定本条例。", title="烟花爆竹燃放管理条例")
    assert j.level != "national" and j.name == "X市"


@pytest.mark.parametrize("title, name, code, parent", [
    ("北京市东城区控制吸烟办法", "北京市东城区", "110101", "110000"),  # under 北京市, not 110100 市辖区
    ("山东省青岛市市南区养犬管理办法", "山东省青岛市市南区", "370202", "370200"),
    ("深圳经济特区控制吸烟条例", "广东省深圳市", "440300", "440000"),
    ("中共北京市委关于加强基层党建的意见", "北京市", "110000", None),
    ("关于印发《上海市控制吸烟办法》的通知", "上海市", "310000", None),
])
def test_title_place_with_its_path_and_parent(title, name, code, parent):
    j = _unit("第一条 本办法自发布之日起施行。", title=title)
    assert (j.name, j.code, j.parent_code) == (name, code, parent)


def test_a_municipality_speaking_of_itself_as_a_city_is_not_hidden_below_itself():
    j = _unit("北京市人民政府关于加强停车管理的通知\n本市各区人民政府:本市停车管理工作要求如下。")
    assert (j.name, j.code, j.hidden) == ("北京市", "110000", False)


def test_document_number_names_the_issuer():
    j = _unit("关于印发办法的通知\n京政发〔2020〕3号\n各区人民政府:现将办法印发给你们。")
    assert (j.name, j.code) == ("北京市", "110000")


@needs_corpus
def test_every_provision_exports_the_jurisdiction_code_and_level():
    from pipeline.run import process_document
    result = process_document(SHARED / "compare-dev" / "s3_qingdao_kongyan.txt")
    assert result.ok and result.provisions
    records = [p.to_json() for p in result.provisions]
    assert {(r["jurisdiction"], r["jurisdiction_code"], r["jurisdiction_level"]) for r in records} == \
        {("山东省青岛市", "370200", "prefecture")}
