"""Compare the same provision across jurisdictions.

Provisions that answer one question share an `indicator` (pipeline/grouping.py). Here
each value becomes an interval on the axis of its unit class (an amount in its currency,
a multiple of its base, a per-item amount, days, percent, a quantity in its unit), and
each jurisdiction is marked stricter, looser, same or overlapping against the other
jurisdictions' values of the same class only: CNY and TWD never share an axis, and no
provision is compared with another of its own document.

A document read from several files (TXT, DOCX, PDF of one text) is one voice: its
copies are found by content (jurisdiction and the set of sentences it states) and only
the first is compared, the others named in `copies`.

A fine "以下" (op <=) runs from 0, not from minus infinity: at most 500 overlaps
200–1000; two such caps compare by their tops (at most 1000 is stricter than at most 500).
"""
from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath

from models.records import DURATION_DAYS, DURATION_WORDS, ISO_DURATION, duration_part
from models.vocab import UnitClass
from pipeline.grouping import align_indicators, unit_of_comparison

log = logging.getLogger(__name__)

PER_YEAR = {"year": 1, "half-year": 2, "quarter": 4, "month": 12, "week": 52, "day": 365}
# threshold units that are lengths of time: compared in days
TIME_UNIT_DAYS = {"年": 365, "个月": 30, "月": 30, "周": 7, "星期": 7, "日": 1, "天": 1, "工作日": 1, "小时": 1 / 24}
FORMAT_RANK = {".txt": 0, ".docx": 1, ".doc": 2, ".pdf": 3}  # which copy of one text speaks for it


@dataclass(frozen=True)
class ValueClass:
    """The axis a value lies on: its unit class and what qualifies it (the currency of
    an amount, the base of a multiple or share, the unit of a quantity)."""

    unit_class: UnitClass
    qualifier: str | None = None

    def __str__(self) -> str:
        return self.unit_class.value + (f":{self.qualifier}" if self.qualifier else "")


@dataclass
class Interval:
    lo: float
    hi: float

    def overlaps(self, other: "Interval") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


@dataclass
class ComparisonRow:
    indicator: str
    kind: str
    jurisdiction: str | None
    doc: str
    section: str | None
    quote: str
    sentence: str
    value_text: str  # the bound as a researcher reads it: ≥2 %, 1–2 %, ≤ 2012-04-15
    interval: Interval | None
    verdict: str  # stricter | looser | overlapping | same | only | n/a
    record: dict = field(repr=False, default_factory=dict)
    value_class: ValueClass | None = None
    copies: list[str] = field(default_factory=list)  # other files of the same text


@dataclass
class IndicatorComparison:
    indicator: str
    kind: str
    direction: int  # +1: a higher value demands more; -1: lower; 0: not comparable
    rows: list[ComparisonRow]

    @property
    def jurisdictions(self) -> list[str]:
        return sorted({r.jurisdiction or "?" for r in self.rows})

    @property
    def value_classes(self) -> list[str]:
        return sorted({str(r.value_class) for r in self.rows if r.value_class})


def value_class(record: dict) -> ValueClass | None:
    """The unit class of the record's value, or None when it states no number."""
    kind, unit = record["kind"], record.get("unit") or ""
    if kind == "deadline":
        return ValueClass(UnitClass.DAYS) if record.get("op") == "within" else None
    if kind == "sanction" and record.get("duration"):
        return ValueClass(UnitClass.DAYS)
    if not isinstance(record.get("value"), (int, float)):
        return None
    base = record.get("base")
    if unit == "倍":
        return ValueClass(UnitClass.MULTIPLE, base)
    if unit in ("%", "‰") and base and kind == "sanction":
        return ValueClass(UnitClass.SHARE, base)
    if unit in ("%", "‰"):
        return ValueClass(UnitClass.PERCENT)
    if unit.startswith("元/"):
        return ValueClass(UnitClass.PER_ITEM, f"{unit} {record.get('currency') or '?'}")
    if unit == "元":
        return ValueClass(UnitClass.AMOUNT, record.get("currency") or "?")
    if kind == "threshold" and unit in TIME_UNIT_DAYS and record.get("per") in (None, ""):
        return ValueClass(UnitClass.DAYS)
    per = "/年" if kind == "threshold" and record.get("per") in PER_YEAR else ""
    return ValueClass(UnitClass.QUANTITY, (unit + per) or None)


def interval_of(record: dict) -> Interval | None:
    """The record's bound as a numeric interval on the axis of its value_class."""
    kind, op = record["kind"], record.get("op")
    if kind in ("threshold", "ratio"):
        v, vmax = record.get("value"), record.get("value_max")
        if not isinstance(v, (int, float)):
            return None
        scale = 1.0
        unit = record.get("unit")
        if unit == "‰":
            scale = 0.1
        per = record.get("per")
        if per in PER_YEAR and kind == "threshold":
            scale *= PER_YEAR[per]
        elif kind == "threshold" and unit in TIME_UNIT_DAYS and not per:
            scale *= TIME_UNIT_DAYS[unit]
        v = v * scale
        vmax = vmax * scale if isinstance(vmax, (int, float)) else None
        return _interval(op, v, vmax)
    if kind == "deadline" and op == "within":
        days = _days(record.get("value"))
        return Interval(0, days) if days is not None else None
    if kind == "sanction":
        if record.get("duration"):
            days = _days(record["duration"])
            return Interval(days, days) if days is not None else None
        v, vmax = record.get("value"), record.get("value_max")
        if isinstance(v, (int, float)):
            scale = 0.1 if record.get("unit") == "‰" else 1.0
            vmax = vmax * scale if isinstance(vmax, (int, float)) else None
            # amounts, multiples and shares are never negative: 以下 opens at 0
            return _interval(op, v * scale, vmax, floor=0.0)
    return None


def _interval(op: str | None, v: float, vmax: float | None, floor: float = -math.inf) -> Interval:
    eps = 1e-9
    if op == "range" and vmax is not None:
        return Interval(v, vmax)
    if op == ">=":
        return Interval(v, math.inf)
    if op == ">":
        return Interval(v + eps, math.inf)
    if op == "<=":
        return Interval(floor, v)
    if op == "<":
        return Interval(floor, v - eps)
    return Interval(v, v)


def _days(value) -> float | None:
    part = duration_part(value)
    return part[0] * DURATION_DAYS[part[1]] if part else None


def value_text(record: dict) -> str:
    op, v, vmax = record.get("op"), record.get("value"), record.get("value_max")
    unit = record.get("unit") or ""
    per = {"year": "/年", "half-year": "/半年", "quarter": "/季度", "month": "/月", "week": "/周", "day": "/日",
           "term": "/届"}.get(record.get("per") or "", "")
    num = lambda x: f"{x:g}" if isinstance(x, (int, float)) else str(x)
    symbol = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}.get(op or "", "")
    if record["kind"] == "sanction":
        if record.get("duration"):
            extra = record["duration"]
        elif v is None:
            extra = ""
        else:
            amount = f"{num(v)}–{num(vmax)}" if vmax is not None else f"{symbol}{num(v)}"
            base = record.get("base")
            if unit == "倍" and base:
                extra = f"{amount}倍{base}"
            elif base:
                extra = f"{base}的{amount}{unit}"
            else:
                extra = f"{amount}{unit}"
            currency = record.get("currency")
            if currency and currency != "CNY" and unit.startswith("元"):
                extra += f" {currency}"  # 新臺幣 is not 人民币: say which
        return f"{record.get('sanction')} {extra}".strip()
    if unit == "ratio":  # a:b stored as a/b
        unit, v, vmax = "", f"{num(v)}:1", (f"{num(vmax)}:1" if vmax is not None else None)
    if record["kind"] == "deadline" and isinstance(v, str) and DATE_VALUE.fullmatch(v):
        # 每年12月 / 2012年6月25日 / ≤6月25日 / 4月12日–4月14日, not the stored =XXXX-06-25
        when = "–".join(_date_words(x) for x in (v, vmax) if isinstance(x, str))
        lead = "每年" if record.get("per") == "year" else ""
        bound = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}.get(op or "", "") if v != "XXXX" else ""
        return f"{bound}{lead}{when}"
    if op == "range":
        return f"{num(v)}–{num(vmax)}{unit}{per}"
    if op == "within":
        return f"within {_duration_words(str(v))}"
    symbol = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}.get(op or "", op or "")
    return f"{symbol}{num(v)}{unit}{per}"


DATE_VALUE = re.compile(r"(?:\d{4}|XXXX)(?:-\d{2}(?:-\d{2})?)?")


def _date_words(value: str) -> str:
    """2012-06-25 -> 2012年6月25日; XXXX-12 -> 12月 (a month of any year); XXXX -> 事件前
    (a deadline tied to an event with no date)."""
    parts = value.split("-")
    if parts == ["XXXX"]:
        return "事件前"
    words = "" if parts[0] == "XXXX" else f"{parts[0]}年"
    for part, unit in zip(parts[1:], "月日"):
        words += f"{int(part)}{unit}"
    return words


def _duration_words(value: str) -> str:
    part = duration_part(value)
    return f"{part[0]:g}{DURATION_WORDS[part[1]]}" if part else value


def _direction(records: list[dict]) -> int:
    """Minimums (≥) make a higher value stricter; maximums (≤) and time limits a lower one."""
    kind = records[0]["kind"]
    if kind == "deadline":
        return -1
    if kind == "sanction":
        return 1
    ops = Counter(r.get("op") for r in records)
    up, down = ops[">="] + ops[">"], ops["<="] + ops["<"]
    return 1 if up >= down else -1


@dataclass
class Voices:
    """Which files say the same thing: each unit of comparison (a document, or one part of
    a compilation) maps to a content key, jurisdiction plus the set of sentences its
    provisions state, so the TXT, DOCX and PDF of one text are one voice."""

    key: dict[tuple, str]
    speaker: dict[str, tuple]  # voice -> the unit that speaks for it
    copies: dict[tuple, list[str]]  # the speaking unit -> the other files of its text

    @classmethod
    def of(cls, records: list[dict]) -> "Voices":
        stated: dict[tuple, set] = defaultdict(set)
        place: dict[tuple, str] = {}
        for r in records:
            u = unit_of_comparison(r)
            stated[u].add((r["kind"], r.get("sentence") or r.get("quote") or ""))
            place.setdefault(u, r.get("jurisdiction") or "")
        key = {}
        for u, sentences in stated.items():
            h = hashlib.sha256("\n".join([place[u], u[1], *("\t".join(x) for x in sorted(sentences))]).encode())
            key[u] = h.hexdigest()[:16]
        speaker: dict[str, tuple] = {}
        for u in sorted(key, key=lambda u: (FORMAT_RANK.get(PurePath(u[0]).suffix.lower(), 9), u)):
            speaker.setdefault(key[u], u)
        copies: dict[tuple, list[str]] = defaultdict(list)
        for u, k in sorted(key.items()):
            if speaker[k] != u:
                copies[speaker[k]].append(u[0])
        if copies:
            log.info("%d files repeat the text of another and are not compared again",
                     sum(len(v) for v in copies.values()))
        return cls(key, speaker, dict(copies))

    def speaks(self, record: dict) -> bool:
        return self.speaks_as(unit_of_comparison(record))

    def speaks_as(self, unit: tuple) -> bool:
        """The unit of comparison speaks for its text (no other file said it first)."""
        return self.speaker[self.key[unit]] == unit

    def voice(self, record: dict) -> str:
        return self.key[unit_of_comparison(record)]


def prepare(records: list[dict], aligned: bool = False) -> tuple[list[dict], Voices]:
    """Records with their shared indicators (pipeline/grouping.py), copies of a text
    already read dropped first, and the voices they were found in. `aligned` records
    carry their shared indicators already (an export's, as rules.jsonl has them): they
    are not grouped again, since grouping the groups' labels would move some of them."""
    voices = Voices.of(records)  # before grouping: a copy of a text must not weigh its words twice
    speaking = [dict(r) for r in records if voices.speaks(r)]
    return (speaking if aligned else align_indicators(speaking)), voices


def matches_jurisdiction(record: dict, wanted: list[str] | tuple[str, ...] | None) -> bool:
    """A jurisdiction filter names places as people write them: 济南 finds 山东省济南市."""
    if not wanted:
        return True
    j = record.get("jurisdiction") or ""
    return any(w and w in j for w in wanted)


def compare(records: list[dict], indicator: str | None = None, kind: str | None = None,
            jurisdictions: list[str] | None = None, subject: str | None = None,
            aligned: bool = False) -> list[IndicatorComparison]:
    """Indicators held by at least two jurisdictions, each with its rows; filters by
    indicator text, kind, jurisdiction (several: the comparison is among them) and
    policy subject (pipeline/areas.py)."""
    from pipeline.areas import record_areas

    records, voices = prepare(records, aligned)
    areas = record_areas(records) if subject else {}
    by: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        if not r.get("indicator"):
            continue
        if kind and r["kind"] != kind:
            continue
        if indicator and indicator not in r["indicator"]:
            continue
        if not matches_jurisdiction(r, jurisdictions):
            continue
        if subject and areas.get(unit_of_comparison(r)) != subject:
            continue
        by[(r["indicator"], r["kind"])].append(r)
    out = []
    for (ind, k), rs in sorted(by.items()):
        if len({_speaker(r) for r in rs}) < 2 and not indicator:
            continue
        direction = _direction(rs)
        rows = [ComparisonRow(ind, k, r.get("jurisdiction"), r["doc"], r.get("section"), r["quote"],
                              r.get("sentence") or "", value_text(r), interval_of(r), "n/a", r,
                              value_class(r), list(voices.copies.get(unit_of_comparison(r), ()))) for r in rs]
        _verdicts(rows, direction)
        rows.sort(key=lambda x: (x.jurisdiction or "", x.doc, x.record.get("span", [0])[0]))
        out.append(IndicatorComparison(ind, k, direction, rows))
    return out


def _speaker(record: dict) -> str:
    """Who a row speaks for: its jurisdiction, or its document where the place is unknown."""
    return record.get("jurisdiction") or f"?{record['doc']}"


def _verdicts(rows: list[ComparisonRow], direction: int) -> None:
    """Each row against the other jurisdictions' values of its own unit class; a
    provision is never compared with another of its own jurisdiction (its own document
    included). A verdict depends only on which intervals other speakers hold, so rows
    are compared with the distinct intervals of their class, once per interval and
    speaker: linear in the rows where values repeat (4,000 fines of one question took
    38 s when every row met every other)."""
    speakers = {_speaker(r.record) for r in rows}
    held: dict = defaultdict(lambda: defaultdict(set))  # value class -> (lo, hi) -> speakers
    for r in rows:
        if r.interval is not None:
            held[r.value_class][(r.interval.lo, r.interval.hi)].add(_speaker(r.record))
    cache: dict = {}
    for row in rows:
        me = _speaker(row.record)
        if speakers == {me}:
            row.verdict = "only"
        elif row.interval is None or direction == 0:
            row.verdict = "n/a"
        else:
            key = (row.value_class, row.interval.lo, row.interval.hi, me)
            if key not in cache:
                cache[key] = _verdict(row.interval, me, held[row.value_class], direction)
            row.verdict = cache[key]


def _verdict(a: Interval, me: str, held: dict, direction: int) -> str:
    """`a` against the intervals other speakers than `me` hold (`held`: interval -> speakers)."""
    stricter = looser = overlap = same = False
    for (lo, hi), who in held.items():
        if not who - {me}:
            continue
        b = Interval(lo, hi)
        if (a.lo, a.hi) == (b.lo, b.hi):
            same = True
        elif a.hi == b.hi or a.lo == b.lo:
            # two minimums (≥4 vs ≥6), two maximums (≤30% vs ≤20%, 以下 fines from 0),
            # two ranges with one end in common: the other ends compare
            mine, theirs = (a.lo, b.lo) if a.hi == b.hi else (a.hi, b.hi)
            if (mine > theirs) == (direction > 0):
                stricter = True
            else:
                looser = True
        elif a.overlaps(b):
            overlap = True
        elif (a.lo > b.hi) == (direction > 0):
            stricter = True
        else:
            looser = True
    if stricter and not looser and not overlap:
        return "stricter"
    if looser and not stricter and not overlap:
        return "looser"
    if same and not (stricter or looser or overlap):
        return "same"
    if not (stricter or looser or overlap or same):
        return "n/a"
    return "overlapping"


def typed_value(value) -> tuple[float | None, str | None, str | None]:
    """(number, ISO duration, date) of a record's value: one of them is set, so a table's
    number column holds numbers only (a deadline's P30D and its 2012-04-15 or XXXX-12
    have columns of their own)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None, None
    if isinstance(value, str):
        return (None, value, None) if ISO_DURATION.fullmatch(value) else (None, None, value)
    return None, None, None


def comparison_rows(comparisons: list[IndicatorComparison]) -> list[dict]:
    """Flat rows for tables (CSV, Excel, DataFrames): plain values only, numbers in
    value_min/value_max, durations and dates beside them."""
    out = []
    for c in comparisons:
        for r in c.rows:
            (lo, lo_duration, lo_date), (hi, hi_duration, hi_date) = (typed_value(r.record.get("value")),
                                                                      typed_value(r.record.get("value_max")))
            out.append({
                "indicator": c.indicator, "kind": c.kind, "policy_area": r.record.get("policy_area"),
                "jurisdiction": r.jurisdiction, "jurisdiction_code": r.record.get("jurisdiction_code"),
                "jurisdiction_level": r.record.get("jurisdiction_level"), "value": r.value_text, "verdict": r.verdict,
                "unit_class": str(r.value_class) if r.value_class else None, "op": r.record.get("op"),
                "value_min": lo, "value_max": hi, "value_duration": lo_duration, "value_max_duration": hi_duration,
                "value_date": lo_date, "value_max_date": hi_date,
                "unit": r.record.get("unit"), "per": r.record.get("per"), "quote": r.quote, "sentence": r.sentence,
                "section": r.section, "doc": r.doc, "copies": "; ".join(r.copies) or None,
                "span_start": r.record["span"][0], "span_end": r.record["span"][1],
            })
    return out
