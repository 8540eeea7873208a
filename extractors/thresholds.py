"""Thresholds and ratios: numeric bounds on counts, amounts, sizes and shares.

Built on the one numeral parser: each quantity in a sentence becomes a bound when a
comparator carries it (不少于6次, 30%以下) or, bare, when the clause requires it
(每季度公布1次). Dates, names, quoted slogans and statistics are left out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.numbers import Quantity, find_comparator, find_quantities
from models.language_data import Bounds, Lexicon, load


@dataclass
class Bound:
    kind: str  # threshold | ratio
    start: int
    end: int
    op: str
    value: float
    value_max: float | None
    unit: str | None
    per: str | None
    base: str | None
    approx: bool
    number_start: int  # where the number itself begins, for subject/indicator lookup


@lru_cache(maxsize=1)
def rules() -> dict:
    d = load(Bounds)
    rec = dict(load(Lexicon).recurrence)  # shared with deadlines
    return {
        "time_units": set(d.time_units),
        "bare_units": set(d.bare_units),
        "requirement": re.compile(d.requirement),
        "activity_verb": re.compile(d.activity_verb),
        "not_after": re.compile(d.not_after),
        "categorical_units": set(d.categorical_units),
        "quoted_name_max": d.quoted_name_max,
        "recurrence": re.compile("|".join(sorted(map(re.escape, rec), key=len, reverse=True))),
        "recurrence_map": rec,
        "statistics": re.compile(d.statistics),
        "or_more": re.compile(d.or_more),
        "nominal_units": set(d.nominal_units),
        "prescriptive": re.compile(d.prescriptive),
        "per_deduction_after": re.compile(d.per_deduction_after),
        "time_minimum_ops": set(d.time_minimum_ops),
        "time_cap_after": d.time_cap_after,
        "time_cap_before": re.compile(d.time_cap_before),
        "time_condition_after": re.compile(d.time_condition_after),
        "criterion_after": re.compile(d.criterion_after),
        "stated_before": re.compile(d.stated_before),
        "measure_units": set(d.measure_units),
        "activity_length_before": re.compile(d.activity_length_before),
        "time_before_event_after": re.compile(d.time_before_event_after),
        "time_after_event_before": re.compile(d.time_after_event_before),
        "activity_length_after": re.compile(d.activity_length_after),
        "daily_length_before": re.compile(d.daily_length_before),
        "daily_length_after": re.compile(d.daily_length_after),
        "hedge": re.compile(d.hedge),
        "base": re.compile(d.base),
        "point_units": set(d.point_units),
        "ten_thousand": re.compile(d.ten_thousand),
    }


def find_bounds(text: str, start: int = 0, end: int | None = None) -> list[Bound]:
    """Bounds in the sentence text[start:end]; offsets are into `text`."""
    end = len(text) if end is None else end
    sentence = text[start:end]
    r = rules()
    quantities = _merge_adjacent(find_quantities(sentence))
    out: list[Bound] = []
    accepted: set[int] = set()
    for i, q in enumerate(quantities):
        comp = find_comparator(sentence, q)
        if _excluded(sentence, q, comp):
            continue
        ratio = q.kind in ("percent", "permille", "fraction", "ratio") or q.unit in r["point_units"]
        if q.value_max is not None:
            op = "range"
        elif comp is not None:
            op = comp.op
        else:
            op = q.op or (">" if re.search(r"\d[余多]|[十百千万][余多]", q.text) else "=")  # 20余名: more than 20
        s, e = (comp.start, comp.end) if comp else (q.start, q.end)
        s, e = min(s, q.start), max(e, q.end)
        more = r["or_more"].match(sentence, q.end) if comp is None else None
        if ratio and comp is None and re.search(r"(?:排名|名次|位次|处于|列)[^,，。;；]{0,4}[前后]$", sentence[:q.start]):
            op = "<="  # 排名后10%: a rank position within a share
        if more:
            op, e = ">=", more.end()
        elif not ratio and comp is None and q.value_max is None and not (
                _bare_bound(sentence, q) or _activity_length(sentence, q) or _stated_quantity(sentence, q)
                or _continues_enumeration(sentence, q, quantities[:i], accepted)):
            continue
        accepted.add(q.start)
        clause_start = _clause_start(sentence, q.start)
        approx = q.approx or bool(r["hedge"].search(sentence[clause_start:q.start]) or
                                  r["hedge"].search(sentence[:q.start][:8]))
        unit = {"percent": "%", "permille": "‰", "ratio": "ratio", "fraction": "%"}.get(q.kind, "%") if ratio else q.unit
        value, value_max = q.value, q.value_max
        if not ratio and unit != "元" and r["ten_thousand"].search(q.text):
            # 3万 = 30000 only in 元; 十万平方米 stays 10 万平方米 (the contract)
            value, value_max, unit = value / 10000, value_max and value_max / 10000, f"万{unit}"
        base = None
        if ratio:
            m = r["base"].search(sentence[max(0, q.start - 30):q.start])
            base = m.group("base") if m else None
        out.append(Bound("ratio" if ratio else "threshold", start + s, start + e, op, value, value_max, unit,
                         _recurrence(sentence, q, quantities[:i]), base, approx, start + q.start))
    return out


def _merge_adjacent(qs: list[Quantity]) -> list[Quantity]:
    """`3万5万元`: a range whose dash a scrape lost — two amounts back to back."""
    out: list[Quantity] = []
    for q in qs:
        p = out[-1] if out else None
        if (p and p.end == q.start and p.unit is None and q.unit and p.kind == q.kind == "number"
                and p.value_max is None and q.value_max is None and p.value < q.value):
            out[-1] = Quantity(p.start, q.end, p.value, q.value, q.unit, "number", p.approx or q.approx,
                               p.text + q.text)
        else:
            out.append(q)
    return out


def _excluded(sentence: str, q: Quantity, comp) -> bool:
    r = rules()
    if r["per_deduction_after"].match(sentence[q.end:q.end + 6]):
        return True
    if q.kind == "number":
        if q.unit is None or q.unit in r["categorical_units"]:
            return True
        if q.unit in r["time_units"]:
            if r["time_before_event_after"].match(sentence[q.end:]) or r["time_after_event_before"].search(sentence[:q.start]):
                return True  # 届满六十日前, 开工前二十四小时: a length before an event is a deadline
            minimum = comp and comp.op in r["time_minimum_ops"] and (
                comp.end <= q.end or r["time_condition_after"].match(sentence[comp.end:]))
            # 不得超过二十四小时: a stated cap on how long something may last, not a time limit
            cap = comp and (sentence[q.end:comp.end] == r["time_cap_after"]
                            or (comp.op == "<=" and comp.end <= q.end and r["time_cap_before"].search(sentence[comp.start:q.start])))
            if not (minimum or cap or (comp is None and _activity_length(sentence, q))):
                return True  # a minimum length (不少于3天) or a cap (以二年为限) binds; limits are deadlines
    before = sentence[:q.start]
    if before.count("《") > before.count("》"):
        return True  # inside a title: 《…(2023—2025年)》
    if before.count("“") > before.count("”"):
        opening = before.rindex("“")
        closing = sentence.find("”", q.end)
        if closing < 0 or closing - opening - 1 <= r["quoted_name_max"]:
            return True  # a quoted name: “五个好”, “两个维护”
    prescribed = comp is not None and (r["prescriptive"].match(sentence[comp.start:q.start] + " ")
                                       or r["criterion_after"].match(sentence[max(comp.end, q.end):]))
    if not prescribed and r["statistics"].search(sentence[_clause_start(sentence, q.start):q.start]):
        return True
    return False


def _clause_start(sentence: str, pos: int) -> int:
    cut = max(sentence.rfind(c, 0, pos) for c in ",，;；:：")
    return cut + 1


def _bare_bound(sentence: str, q: Quantity) -> bool:
    """A number with no comparator binds only where the clause requires it."""
    r = rules()
    if q.unit not in r["bare_units"]:
        return False
    before = sentence[:q.start]
    after = sentence[q.end:q.end + 4]
    if r["not_after"].search(before) or (q.unit in r["nominal_units"] and re.match(r"[、,，。;；]|$", after)):
        return False  # 的一项职责, 每一个支部, 新一轮; 整顿一个、转化一个 counts nothing
    if before.count("“") > before.count("”"):
        return False  # a bare number in a quotation names (“一个好的带头人”), it does not bind
    clause = before[_clause_start(sentence, q.start):]
    if len(sentence.strip()) < 40 and not re.search(r"[。;；]$", sentence.strip()):
        return False  # a heading: 二、明确五个类别基层党组织定级标准
    return bool(r["requirement"].search(clause) or r["activity_verb"].search(clause)
                or r["recurrence"].search(before))


def _stated_quantity(sentence: str, q: Quantity) -> bool:
    """每次献血量一般为二百毫升: the amount a measure is set at, stated with 为."""
    r = rules()
    return q.unit in r["measure_units"] and bool(r["stated_before"].search(sentence[:q.start]))


def _activity_length(sentence: str, q: Quantity) -> bool:
    """停止售烟一天: a bare length of time closing an activity's clause is its duration;
    每天二十四小时值班: so is a length each day that an activity fills."""
    r = rules()
    if q.unit not in r["time_units"]:
        return False
    return bool((r["activity_length_after"].match(sentence[q.end:])
                 and r["activity_length_before"].search(sentence[:q.start]))
                or (r["daily_length_before"].search(sentence[:q.start])
                    and r["daily_length_after"].match(sentence[q.end:])))


def _continues_enumeration(sentence: str, q: Quantity, earlier: list[Quantity], accepted: set[int]) -> bool:
    """联系一个后进村、一个贫困户: items after an accepted one, joined by 、, are bounds too."""
    if not earlier or earlier[-1].start not in accepted or earlier[-1].unit != q.unit:
        return False
    gap = sentence[earlier[-1].end:q.start]
    return gap.endswith("、") and not re.search(r"[,，。;；]", gap)


def _recurrence(sentence: str, q: Quantity, earlier: list[Quantity]) -> str | None:
    """The nearest recurrence word before the number; an enumeration item (、) with its
    own number in between starts a new scope."""
    r = rules()
    last = None
    for m in r["recurrence"].finditer(sentence, 0, q.start):
        last = m
    if last is None:
        return None
    for p in earlier:
        if p.start >= last.end():
            gap = sentence[p.end:q.start]
            if "、" in gap and not re.search(r"[,，]", gap):
                return None
    return r["recurrence_map"].get(last.group(0))
