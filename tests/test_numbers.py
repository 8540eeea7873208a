"""Table-driven and property tests for extractors/numbers.py (cases in data/numbers_cases.yaml)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.numbers import Comparison, Quantity, find_comparator, find_quantities, parse_int_zh, parse_number

CASES = yaml.safe_load((Path(__file__).parent / "data" / "numbers_cases.yaml").read_text(encoding="utf-8"))
FIELDS = ("text", "value", "value_max", "unit", "kind", "approx")


def _same(field, got, want) -> bool:
    if field in ("value", "value_max") and got is not None and want is not None:
        return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-6)
    return got == want


@pytest.mark.parametrize("case", CASES["quantities"], ids=[c["text"] for c in CASES["quantities"]])
def test_quantities(case):
    text = case["text"]
    got = find_quantities(text)
    want = case["expect"]
    assert len(got) == len(want), [q.text for q in got]
    for q, w in zip(got, want):
        for f in FIELDS:
            if f in w:
                assert _same(f, getattr(q, f), w[f]), (f, getattr(q, f), w[f], q)
        assert text[q.start:q.end] == q.text
    if "op" in case or "op_text" in case:
        c = find_comparator(text, got[0])
        if case.get("op", "") is None:
            assert c is None, c
        else:
            assert c is not None
            if "op" in case:
                assert c.op == case["op"], c
            if "op_text" in case:
                assert text[c.start:c.end] == case["op_text"], c


@pytest.mark.parametrize("s, want", CASES["parse_int"], ids=[str(c[0]) for c in CASES["parse_int"]])
def test_parse_int_zh(s, want):
    assert parse_int_zh(s) == want


@pytest.mark.parametrize("s, want", CASES["parse_number"], ids=[str(c[0]) for c in CASES["parse_number"]])
def test_parse_number(s, want):
    got = parse_number(s)
    assert got == want if want is None else math.isclose(got, want)


def test_case_count():
    assert len(CASES["quantities"]) + len(CASES["parse_int"]) + len(CASES["parse_number"]) >= 80


def test_comparison_is_a_tuple():
    text = "每年至少开展1次"
    op, start, end = find_comparator(text, find_quantities(text)[0])
    assert (op, text[start:end]) == (">=", "至少开展1次")
    assert isinstance(Comparison(op, start, end), tuple)


# --- properties -------------------------------------------------------------------

DIG = "零一二三四五六七八九"
DAXIE = "零壹贰叁肆伍陆柒捌玖"


def render(n: int, digits: str = DIG, units: str = "十百千", liang: bool = False) -> str:
    """Standard Chinese reading of 0 <= n < 10**8 (零 for gaps, 十五 not 一十五)."""
    if n == 0:
        return digits[0]

    def section(x: int) -> str:
        out, gap = "", False
        for place, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
            d = x // place % 10
            if d:
                if gap:
                    out += digits[0]
                digit = "两" if liang and d == 2 and place >= 100 else digits[d]
                out += digit + unit
                gap = False
            elif out:
                gap = True
        return out

    hi, lo = divmod(n, 10000)
    out = section(hi) + "万" if hi else ""
    if lo:
        if hi and lo < 1000:
            out += digits[0]
        out += section(lo)
    if digits is DIG and out.startswith("一十"):
        out = out[1:]
    return out


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=99_999_999))
def test_integer_renderings_round_trip(n):
    assert parse_int_zh(str(n)) == n
    assert parse_number(f"{n:,}") == n
    assert parse_int_zh(render(n)) == n, render(n)
    assert parse_int_zh(render(n, liang=True)) == n, render(n, liang=True)
    assert parse_int_zh(render(n, DAXIE, "拾佰仟")) == n, render(n, DAXIE, "拾佰仟")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=100, max_value=99_999_999))
def test_digit_by_digit_round_trip(n):
    assert parse_int_zh("".join("〇一二三四五六七八九"[int(c)] for c in str(n))) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=99_999_999), st.sampled_from(["", "共", "补助", "罚款"]))
def test_rendered_amount_is_found(n, lead):
    for num in (str(n), render(n)):
        text = f"{lead}{num}元"
        qs = find_quantities(text)
        assert len(qs) == 1, (text, qs)
        assert qs[0].value == n and qs[0].unit == "元" and qs[0].text == f"{num}元"


FRAGMENTS = ["一", "两", "三", "十", "百", "千", "万", "亿", "零", "〇", "半", "0", "1", "2", "5", "9", "12",
             "3.5", "1,000", "%", "‰", "个", "月", "年", "日", "天", "人", "次", "元", "万元", "分", "之",
             "分之", "成", "数", "过", "至", "到", "-", "—", "~", "～", ":", "比", "/", "以上", "以下", "以内",
             "内", "不少于", "至少", "超过", "不足", "约", "近", "余", "多", "来", "几", "左右", "上下",
             "第", "统一", "一般", "十分", "，", "。", "\n", " ", "　", "１", "％", "兩", "萬", "個", "開展",
             "的", "罚款", "处", "年满", "周岁", "(", ")", "A", "G", "号", "〔", "〕", "“", "”", "附件",
             "过半数", "半数", "一半", "逾", "上", "壹", "拾", "点", "百分之", "及以上", "个半", "个多", "、"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_spans_are_exact_and_ordered(text):
    qs = find_quantities(text)
    last = 0
    for q in qs:
        assert isinstance(q, Quantity)
        assert last <= q.start < q.end <= len(text)
        assert text[q.start:q.end] == q.text
        assert q.kind in ("number", "percent", "permille", "fraction", "ratio")
        assert q.value_max is None or q.value_max >= q.value
        last = q.end
        c = find_comparator(text, q)
        if c is not None:
            assert c.start <= q.start and q.end <= c.end <= len(text)
            assert c.op in (">=", "<=", ">", "<", "range")


def test_dense_100kb():
    """A long dense text parses whole; its speed is measured by `policyx bench` (extraction
    cost), not asserted here, where a loaded machine would make it flaky."""
    para = ("各级党组织每年至少开展1次专题培训，培训时间不少于3个月，参训人数占比应达到30%左右。"
            "对违反规定的，处二百元以上一千元以下罚款；情节严重的，处1万元至5万元罚款。"
            "统一规划、进一步加强一线队伍建设，两三个部门联合检查，经全体成员过半数同意。"
            "2023年3月15日起施行，自收到通知之日起30日内完成整改，三分之二以上委员出席。\n")
    text = (para * (100_000 // len(para) + 1))[:100_000]
    qs = find_quantities(text)
    assert len(qs) > 4000
