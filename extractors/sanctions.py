"""Sanctions: consequences the text attaches to conduct or results — penalties, and
rewards with positive polarity — typed by the contract's vocabulary.

A vocabulary hit alone is not a sanction (整改 is also plain work); it must sit in a
sentence with a trigger clause (…的，) or right after a verb that imposes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.numbers import find_quantities, parse_int_zh

DATA = Path(__file__).parent / "data" / "sanctions.yaml"


@dataclass
class Sanction:
    start: int
    end: int
    sanction: str
    polarity: str
    condition: str | None = None
    target: str | None = None
    duration: str | None = None
    op: str | None = None
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {
        "types": [(t, re.compile(p)) for t, ps in raw["types"].items() for p in ps],
        "positive": set(raw["positive"]),
        "self_evident": set(raw["self_evident"]),
        "not_before": re.compile(raw["not_before"]),
        "negated": re.compile(raw["negated"]),
        "modifier_after": re.compile(raw["modifier_after"]),
        "trigger": re.compile(raw["trigger"]),
        "imposing_before": re.compile(raw["imposing_before"]),
        "merge_gap": re.compile(raw["merge_gap"]),
    }


def find_sanctions(text: str, start: int = 0, end: int | None = None) -> list[Sanction]:
    """Sanctions in the sentence text[start:end]."""
    end = len(text) if end is None else end
    v = vocabulary()
    hits = []
    for kind, pattern in v["types"]:
        for m in pattern.finditer(text, start, end):
            if m.end() > m.start():
                hits.append((m.start(), m.end(), kind, m))
    hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
    chosen: list[tuple[int, int, str, re.Match]] = []
    for h in hits:
        if all(h[1] <= c[0] or c[1] <= h[0] for c in chosen):
            chosen.append(h)
    chosen.sort()
    out: list[Sanction] = []
    for s, e, kind, m in chosen:
        if _inside_quote_name(text, s, e) or v["not_before"].match(text[e:e + 6]) \
                or v["modifier_after"].match(text[e:e + 8]):
            continue
        if v["negated"].search(text[start:s]):
            continue
        if kind not in v["self_evident"] and not _attached(text, start, s):
            continue
        if out and out[-1].sanction == kind and v["merge_gap"].match(text[out[-1].end:s]):
            out[-1].end = e
            continue
        sanc = Sanction(s, e, kind, "positive" if kind in v["positive"] else "negative")
        if kind == "promotion_ban" and m.groupdict().get("n"):
            n = parse_int_zh(m.group("n"))
            sanc.duration = f"P{n}{'Y' if m.group('u') == '年' else 'M'}" if n else None
        if kind in ("fine", "reward"):
            _amount(text, sanc)
        sanc.condition = _condition(text, start, s)
        sanc.target = _target(text, start, s)
        out.append(sanc)
    return out


def _attached(text: str, sent_start: int, pos: int) -> bool:
    v = vocabulary()
    before = text[sent_start:pos]
    return bool(v["trigger"].search(before) or v["imposing_before"].search(before[-24:]))


def _inside_quote_name(text: str, s: int, e: int) -> bool:
    """A sanction word inside 《》 is a title, not a measure."""
    o, c = text.rfind("《", 0, s), text.rfind("》", 0, s)
    return o > c and text.find("》", e) >= 0


def _condition(text: str, start: int, pos: int) -> str | None:
    before = text[start:pos]
    m = None
    for m in re.finditer(r"的[,，]", before):
        pass
    if not m:
        return None
    head = before[:m.start()]
    head = re.split(r"[。;；]", head)[-1]
    head = re.sub(r"^(?:对于?|凡|如|若|经)", "", head.strip(" ,，"))
    return head or None


def _target(text: str, start: int, pos: int) -> str | None:
    before = text[start:pos]
    m = re.search(r"对([^,，。;；]{2,20}?)(?:给予|予以|进行|实行|的|[,，])", before)
    return m.group(1) if m else None


def _amount(text: str, sanc: Sanction) -> None:
    """The money (or multiple of illegal gains) that sizes a fine or an award."""
    for q in find_quantities(text[sanc.start:sanc.end]):
        if q.unit in ("元", "倍"):
            sanc.value, sanc.value_max, sanc.unit = q.value, q.value_max, q.unit
            sanc.op = "range" if q.value_max is not None else "="
            return
