"""The jurisdiction × question matrix and the comparable values under it, on real
regulations: six cities' smoking-control regulations (../shared/corpus/compare-dev) and
21 fireworks regulations (../shared/corpus/regulations/fireworks), read from ../shared."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from conftest import ROOT, records_and_sources
from pipeline.compare import Interval, compare, interval_of, prepare, value_class
from pipeline.matrix import NO_PROVISION, build_matrices, codebook_rows, matrix_rows, silent_documents

SHARED = ROOT.parent / "shared" / "corpus"
COMPARE_DEV = SHARED / "compare-dev"
FIREWORKS = SHARED / "regulations" / "fireworks"
TAIWAN = ROOT / "tests" / "data" / "heldout2" / "docs" / "g02_hsinchu_arcade_ordinance.txt"

pytestmark = pytest.mark.skipif(not COMPARE_DEV.is_dir() or not FIREWORKS.is_dir(), reason="../shared/corpus missing")


def run(paths) -> tuple[list[dict], dict[str, str]]:
    return records_and_sources(paths)


@pytest.fixture(scope="module")
def smoking():
    return run(sorted(COMPARE_DEV.glob("*.txt")))


@pytest.fixture(scope="module")
def fireworks():
    return run(sorted(FIREWORKS.glob("*.txt")))


def test_every_document_knows_its_policy_area(smoking, fireworks):
    assert {r["policy_area"] for r in smoking[0]} == {"控制吸烟"}
    assert {r["policy_area"] for r in fireworks[0]} == {"烟花爆竹"}


def test_smoking_matrix_one_row_per_city(smoking):
    records, _ = smoking
    [m] = build_matrices(records)
    assert m.subject == "控制吸烟"
    cities = {r["jurisdiction"] for r in records}
    assert len(cities) == 6 and sorted(cities) == m.jurisdictions
    rows = m.wide_rows()
    assert [r["jurisdiction"] for r in rows] == m.jurisdictions  # one row each, none twice
    assert m.questions and all(len(q.jurisdictions) >= 2 for q in m.questions)
    cells = [r[q.indicator] for r in rows for q in m.questions]
    assert NO_PROVISION in cells, "a city silent on a question says so"
    stated = [c for c in cells if c != NO_PROVISION]
    assert stated and all(any(doc in c for doc in m.documents[r["jurisdiction"]])
                          for r in rows for c in (r[q.indicator] for q in m.questions) if c != NO_PROVISION)
    # the cell is NO_PROVISION exactly where the city has no record of the question
    held = {(x["jurisdiction"], x["indicator"]) for x in prepare(records)[0]}
    for r in rows:
        for q in m.questions:
            assert (r[q.indicator] != NO_PROVISION) == ((r["jurisdiction"], q.indicator) in held)


def test_the_smoking_fine_of_a_person_is_one_column(smoking):
    records, _ = smoking
    [m] = build_matrices(records)
    fines = [q for q in m.questions if "吸烟" in q.indicator and q.indicator.endswith("罚款·个人")]
    assert fines, [q.indicator for q in m.questions]
    best = max(fines, key=lambda q: len(q.jurisdictions))
    assert len(best.jurisdictions) >= 4
    assert best.unit_classes == ["amount:CNY"]
    book = {b["question"]: b for b in codebook_rows([m])}
    assert "吸烟" in book[best.indicator]["definition"] and book[best.indicator]["definition"].endswith("罚款的金额")


def test_fireworks_matrix_has_every_city_even_the_silent(fireworks):
    records, sources = fireworks
    silent = silent_documents(sources, records)
    [m] = build_matrices(records, documents=silent)
    assert m.subject == "烟花爆竹"
    assert len(m.jurisdictions) == len(sources) == 21  # 21 regulations, each of another place
    quiet = {d["jurisdiction"] for d in silent}
    assert quiet and quiet <= set(m.jurisdictions)
    for r in m.wide_rows():
        if r["jurisdiction"] in quiet:
            assert {r[q.indicator] for q in m.questions} == {NO_PROVISION}
    # the fine for discharging in a banned place or time stands in one column for many cities
    fines = [q for q in m.questions if "燃放" in q.indicator and "罚款" in q.indicator]
    assert max(len(q.jurisdictions) for q in fines) >= 5
    columns, rows = matrix_rows([m])
    assert columns[:2] == ["subject", "jurisdiction"] and len(rows) == 21


def test_no_verdict_inside_one_document_or_one_jurisdiction(smoking, fireworks):
    records = smoking[0] + fireworks[0]
    comparisons = compare(records)
    assert comparisons
    for c in comparisons:
        for row in c.rows:
            if row.verdict in ("only", "n/a"):
                continue
            peers = [o for o in c.rows if o.jurisdiction != row.jurisdiction and o.value_class == row.value_class
                     and o.interval is not None]
            assert peers, (c.indicator, row.jurisdiction, row.verdict)
    # two fines of one document for one question, and a second document of the same city:
    # nothing to compare them with
    fine = next(r for r in fireworks[0] if r["kind"] == "sanction" and r.get("value") and r.get("unit") == "元")
    one_city = [{**fine, "value": 100.0, "value_max": 500.0, "op": "range", "indicator": "Q"},
                {**fine, "value": 1000.0, "value_max": 5000.0, "op": "range", "indicator": "Q", "span": [1, 2]},
                {**fine, "doc": "another.txt", "value": 9.0, "value_max": None, "op": "=", "indicator": "Q"}]
    [c] = compare(one_city, indicator="Q")
    assert {r.verdict for r in c.rows} == {"only"}
    assert compare(one_city) == []  # one jurisdiction holds it: no comparison


def test_cny_and_twd_never_share_an_axis():
    """Taiwan fines are 新臺幣: a real one (新竹市) beside mainland fines of the same
    question is not stricter or looser than them; two TWD fines compare."""
    [twd] = [r for r in run([TAIWAN])[0] if r["kind"] == "sanction" and r.get("currency") == "TWD"][:1]
    assert twd["unit"] == "元" and value_class(twd).qualifier == "TWD"
    q = {"indicator": "Q"}
    cny = {**twd, **q, "doc": "mainland.txt", "jurisdiction": "山东省青岛市", "currency": "CNY", "op": "range",
           "value": 200.0, "value_max": 1000.0}
    rows = {r.jurisdiction: r for r in compare([{**twd, **q}, cny])[0].rows}
    assert {r.verdict for r in rows.values()} == {"n/a"}
    assert str(rows["山东省青岛市"].value_class) == "amount:CNY" and str(rows[twd["jurisdiction"]].value_class) == "amount:TWD"
    assert "TWD" in rows[twd["jurisdiction"]].value_text and "TWD" not in rows["山东省青岛市"].value_text
    other_twd = {**twd, **q, "doc": "taipei.txt", "jurisdiction": "台湾省台北市", "op": "range",
                 "value": twd["value_max"] * 10, "value_max": twd["value_max"] * 20}
    rows = {r.jurisdiction: r.verdict for r in compare([{**twd, **q}, cny, other_twd])[0].rows}
    assert rows == {twd["jurisdiction"]: "looser", "台湾省台北市": "stricter", "山东省青岛市": "n/a"}


def test_multiples_and_per_item_fines_are_their_own_class():
    base = {"kind": "sanction", "sanction": "fine", "indicator": "Q", "span": [0, 1], "quote": "q", "sentence": "s",
            "op": "range", "value": 1.0, "value_max": 3.0}
    a = {**base, "doc": "a.txt", "jurisdiction": "甲市", "unit": "倍", "base": "违法所得"}
    b = {**base, "doc": "b.txt", "jurisdiction": "乙市", "unit": "元", "currency": "CNY", "value": 500.0,
         "value_max": 1000.0}
    c = {**base, "doc": "c.txt", "jurisdiction": "丙市", "unit": "元/株", "currency": "CNY", "value": 100.0,
         "value_max": 500.0}
    d = {**base, "doc": "d.txt", "jurisdiction": "丁市", "unit": "倍", "base": "违法所得", "value": 4.0, "value_max": 6.0}
    rows = {r.jurisdiction: r for r in compare([a, b, c, d])[0].rows}
    assert {j: str(r.value_class) for j, r in rows.items()} == {
        "甲市": "multiple:违法所得", "乙市": "amount:CNY", "丙市": "per-item:元/株 CNY", "丁市": "multiple:违法所得"}
    assert rows["乙市"].verdict == rows["丙市"].verdict == "n/a"
    assert rows["甲市"].verdict == "looser" and rows["丁市"].verdict == "stricter"  # 1–3 vs 4–6 times
    assert rows["甲市"].value_text == "fine 1–3倍违法所得"


def test_a_fine_up_to_an_amount_opens_at_zero():
    """以下 (op <=): 0..v, so at most 500 overlaps 200–1000; two caps compare by their tops."""
    cap = {"doc": "a.txt", "kind": "sanction", "sanction": "fine", "indicator": "Q", "jurisdiction": "甲市",
           "op": "<=", "value": 500.0, "value_max": None, "unit": "元", "currency": "CNY", "span": [0, 1],
           "quote": "处五百元以下罚款", "sentence": "s"}
    assert interval_of(cap) == Interval(0.0, 500.0) and not math.isinf(interval_of(cap).lo)
    span = {**cap, "doc": "b.txt", "jurisdiction": "乙市", "op": "range", "value": 200.0, "value_max": 1000.0}
    assert {r.verdict for r in compare([cap, span])[0].rows} == {"overlapping"}
    big = {**cap, "doc": "c.txt", "jurisdiction": "丙市", "value": 1000.0}
    rows = {r.jurisdiction: r for r in compare([cap, big])[0].rows}
    assert (rows["甲市"].verdict, rows["丙市"].verdict) == ("looser", "stricter")
    assert rows["甲市"].value_text == "fine ≤500元"


def test_deadlines_compare_in_days():
    d = {"kind": "deadline", "indicator": "Q", "span": [0, 1], "quote": "q", "sentence": "s", "op": "within"}
    rows = {r.jurisdiction: r.verdict for r in compare([{**d, "doc": "a.txt", "jurisdiction": "甲市", "value": "P15D"},
                                                         {**d, "doc": "b.txt", "jurisdiction": "乙市", "value": "P1M"}])[0].rows}
    assert rows == {"甲市": "stricter", "乙市": "looser"}  # 15 days is shorter than a month


def test_txt_and_docx_of_one_text_are_one_voice(smoking, tmp_path):
    docx = pytest.importorskip("docx")
    src = COMPARE_DEV / "s3_qingdao_kongyan.txt"
    d = docx.Document()
    for line in src.read_text(encoding="utf-8").splitlines():
        d.add_paragraph(line)
    copy = tmp_path / "s3_qingdao_kongyan.docx"
    d.save(copy)
    extra, _ = run([copy])
    qingdao = {r["jurisdiction"] for r in smoking[0] if r["doc"] == src.name}
    assert {r["jurisdiction"] for r in extra} == qingdao and len(extra) == sum(r["doc"] == src.name for r in smoking[0])
    alone, both = compare(smoking[0]), compare(smoking[0] + extra)
    assert [(c.indicator, [(r.jurisdiction, r.doc, r.verdict) for r in c.rows]) for c in both] == \
        [(c.indicator, [(r.jurisdiction, r.doc, r.verdict) for r in c.rows]) for c in alone]
    assert all(r.copies == [copy.name] for c in both for r in c.rows if r.doc == src.name)
    [m1], [m2] = build_matrices(smoking[0]), build_matrices(smoking[0] + extra)
    assert m1.wide_rows() == m2.wide_rows()
