"""Sanctions: consequences the text attaches to conduct or results — penalties, and
rewards with positive polarity — typed by the contract's vocabulary.

A vocabulary hit alone is not a sanction (整改 is also plain work); it must sit in a
sentence with a trigger clause (…的，) or right after a verb that imposes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.numbers import find_comparator, find_quantities, parse_int_zh
from extractors.prefilter import Prefilter
from models.language_data import SanctionPattern, Sanctions, load


@dataclass
class Sanction:
    start: int
    end: int
    sanction: str
    polarity: str
    condition: str | None = None
    tier: str | None = None  # 拒不改正, 情节严重: the escalation this record's size applies to
    target: str | None = None
    duration: str | None = None
    op: str | None = None
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None
    base: str | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Pattern:
    """A vocabulary entry: `evident` False makes a self-evident type need a trigger
    (罚款 as a bare noun); `requires` must also occur in the sentence (调整 of a person)."""

    kind: str
    regex: re.Pattern
    evident: bool | None = None
    requires: re.Pattern | None = None
    noun: bool = False


def _pattern(kind: str, entry: SanctionPattern) -> Pattern:
    return Pattern(kind, re.compile(entry.re), entry.evident,
                   re.compile(entry.requires) if entry.requires else None, entry.noun)


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    d = load(Sanctions)
    types = [_pattern(t, p) for t, ps in d.types.items() for p in ps]
    return {
        "types": types,
        "prefilter": Prefilter([t.regex for t in types]),
        "positive": set(d.positive),
        "self_evident": set(d.self_evident),
        "not_before": re.compile(d.not_before),
        "negated": re.compile(d.negated),
        "modifier_after": re.compile(d.modifier_after),
        "condition_before": re.compile(d.condition_before),
        "list_intro": re.compile(d.list_intro),
        "conditions_list": re.compile(d.conditions_list),
        "measures_list": re.compile(d.measures_list),
        "task_list_after": re.compile(d.task_list_after),
        "trigger": re.compile(d.trigger),
        "enforced_trigger": re.compile(d.enforced_trigger),
        "violation": re.compile(d.violation),
        "imposing_before": re.compile(d.imposing_before),
        "merge_gap": re.compile(d.merge_gap),
        "noun_head_after": re.compile(d.noun_head_after),
        "tier": re.compile(d.tier),
        "target": re.compile(d.target),
        "amount_units": {k: set(u) for k, u in d.amount_units.items()},
        "per_item": re.compile(d.per_item),
        "multiple_base": re.compile(d.multiple_base),
        "currencies": {k: re.compile(p) for k, p in d.currencies.items()},
        "jurisdiction_currency": dict(d.jurisdiction_currency),
    }


def find_sanctions(text: str, start: int = 0, end: int | None = None) -> list[Sanction]:
    """Sanctions in the sentence text[start:end]."""
    end = len(text) if end is None else end
    v = vocabulary()
    hits = []
    sentence = text[start:end]
    for i in v["prefilter"].candidates(sentence):
        entry = v["types"][i]
        if entry.requires is not None and not entry.requires.search(sentence):
            continue
        for m in entry.regex.finditer(text, start, end):
            if m.end() > m.start():
                hits.append((m.start(), m.end(), entry, m))
    hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
    chosen: list[tuple[int, int, str, re.Match]] = []
    for h in hits:
        if all(h[1] <= c[0] or c[1] <= h[0] for c in chosen):
            chosen.append(h)
    chosen.sort()
    out: list[Sanction] = []
    for s, e, entry, m in chosen:
        kind = entry.kind
        if _inside_quote_name(text, s, e) or v["not_before"].match(text[e:e + 6]) \
                or v["modifier_after"].match(text[e:e + 8]) \
                or (entry.noun and v["noun_head_after"].search(text[start:s])) \
                or v["task_list_after"].match(text[e:e + 24]):
            continue
        if _heads_list_of_measures(text, start, s, e, kind):
            continue
        clause = re.split(r"[,，;；:：]", text[start:s])[-1]
        if v["negated"].search(text[start:s]) or v["condition_before"].search(clause):
            continue
        evident = entry.evident if entry.evident is not None else kind in v["self_evident"]
        if not evident and not _attached(text, start, s):
            continue
        if out and out[-1].sanction == kind and v["merge_gap"].match(text[out[-1].end:s]):
            out[-1].end = e
            continue
        sanc = Sanction(s, e, kind, "positive" if kind in v["positive"] else "negative")
        if kind in ("promotion_ban", "disqualification") and m.groupdict().get("n"):
            sanc.duration = _duration(m.group("n"), m.group("u"))
        if kind in v["amount_units"]:
            _amount(text, sanc)
        sanc.condition = _condition(text, start, s)
        _split_tier(sanc, out)
        sanc.target = _target(text, start, s)
        out.append(sanc)
    return out


def _heads_list_of_measures(text: str, start: int, s: int, e: int, kind: str) -> bool:
    """A measure before a colon heads a list: of measures (进行亮牌提醒：(一)黄牌预警…;
    可以并处罚款：(一)…处五百元罚款 — the lead is none of them), or of the conduct it
    punishes (依法追究刑事责任：(一)擅自…的 — the lead is the measure). A fine with no
    amount leads the fines of a list later on its line (可以并处罚款；造成损失的，…：)."""
    v = vocabulary()
    if v["measures_list"].search(text[start:e]):
        return True  # 按照下列规定予以处罚；…：the items carry the measures
    colon = e if v["list_intro"].match(text[e:e + 1]) else -1
    if colon < 0 and kind == "fine":
        eol = text.find("\n", e)
        found = v["list_intro"].search(text, e, eol if eol >= 0 else len(text))
        sized = found and any(q.unit in v["amount_units"]["fine"] for q in find_quantities(text[s:e]))
        colon = found.start() if found and not sized else -1
    if colon < 0:
        return False
    types = _item_measures(text, colon + 1)
    return kind in types or (kind == "other" and bool(types))


def _item_measures(text: str, pos: int) -> set[str]:
    """The sanction types the first item of a list names."""
    item = re.match(r"\s*([^。;；]{0,120})", text[pos:pos + 160]).group(1)
    return {entry.kind for entry in vocabulary()["types"] if entry.regex.search(item)}


def _split_tier(sanc: Sanction, earlier: list[Sanction]) -> None:
    """拒不改正的，处二百元罚款: a tier escalates the conduct of the measures before it in
    the sentence, so that conduct stays the condition and the tier is kept beside it."""
    if not sanc.condition or not vocabulary()["tier"].fullmatch(sanc.condition):
        return
    base = next((e.condition for e in reversed(earlier) if e.condition and e.condition != sanc.condition), None)
    if base:
        sanc.tier, sanc.condition = sanc.condition, base


def _attached(text: str, sent_start: int, pos: int) -> bool:
    v = vocabulary()
    before = text[sent_start:pos]
    return bool(v["trigger"].search(before) or v["imposing_before"].search(before[-24:]))


def _inside_quote_name(text: str, s: int, e: int) -> bool:
    """A sanction word inside 《》 is a title, not a measure."""
    o, c = text.rfind("《", 0, s), text.rfind("》", 0, s)
    return o > c and text.find("》", e) >= 0


def _condition(text: str, start: int, pos: int) -> str | None:
    """The trigger clause before a measure: …的， in mainland drafting, …者， in Taiwan's;
    else a violation that opens the sentence before the authority enforcing it (…，由…部门)."""
    before = text[start:pos]
    m = None
    for m in re.finditer(r"(?:的|者)[,，]", before):
        pass
    if not m:
        v = vocabulary()
        enforced = v["enforced_trigger"].match(before.lstrip())
        head = enforced.group("head").strip() if enforced else ""
        return head if head and v["violation"].search(head) else None
    head = before[:m.start()]
    head = re.split(r"[。;；]", head)[-1]
    head = re.sub(r"^(?:对于?|凡|如|若|经)", "", head.strip(" ,，"))
    return head or None


def _target(text: str, start: int, pos: int) -> str | None:
    """Who bears the measure: the last 对X before it in the sentence, so that
    对单位处…，对个人处… gives each fine its own target."""
    last = None
    for last in vocabulary()["target"].finditer(text, start, pos):
        pass
    if last is None or last.group("target").endswith("的"):
        return None  # 对违反规定的，…: a conduct clause, not who bears the measure
    return last.group("target")


def _duration(n: str, unit: str) -> str | None:
    """半年 -> P6M, 3年 -> P3Y, 六个月 -> P6M."""
    if n == "半":
        return "P6M" if unit == "年" else None
    k = parse_int_zh(n)
    return f"P{k}{'Y' if unit == '年' else 'M'}" if k else None


def _amount(text: str, sanc: Sanction) -> None:
    """What sizes a measure: money (per item where the text counts per item), a multiple
    of a base (违法所得), points, or the days of a detention; the comparator decides the
    op (处五百元以下罚款 is at most 500, not exactly 500)."""
    v = vocabulary()
    body = text[sanc.start:sanc.end]
    units = v["amount_units"][sanc.sanction]
    for q in find_quantities(body):
        unit = "%" if q.kind == "percent" else q.unit  # 工程合同价款百分之二以上百分之四以下
        if unit not in units:
            continue
        comp = find_comparator(body, q)
        sanc.value, sanc.value_max = q.value, q.value_max
        sanc.op = "range" if q.value_max is not None else (comp.op if comp else "=")
        sanc.unit = unit
        before = body[:q.start]
        item = v["per_item"].search(before)
        if unit == "元" and item:
            sanc.unit = f"元/{item.group('item')}"
        elif unit in ("倍", "%"):
            base = v["multiple_base"].search(before)
            sanc.base = base.group("base") if base else None
        sanc.currency = currency_of(body)
        return


def currency_of(text: str) -> str | None:
    """ISO 4217 code a text names for its amounts (新台币, 港元); None leaves it to the
    jurisdiction."""
    for code, pattern in vocabulary()["currencies"].items():
        if pattern.search(text):
            return code
    return None


def jurisdiction_currency(code: str | None) -> str:
    """ISO 4217 code of a jurisdiction by its GB/T 2260 province prefix (71 Taiwan,
    81 Hong Kong, 82 Macao); the mainland's otherwise."""
    by_province = vocabulary()["jurisdiction_currency"]
    return by_province.get((code or "")[:2], by_province["default"])
