#!/usr/bin/env python3
"""Validate the held-out gold annotations against their documents (stdlib plus the
project's closed vocabularies, models/vocab.py).

    python3 tests/data/heldout/check_gold.py [HELDOUT_DIR]

Checks, for every record of gold/<stem>.jsonl:
  * docs/<stem>.txt exists and the record's `doc` names it;
  * span is [start, end] in code points and text[start:end] == quote
    (text = the file decoded as UTF-8, a BOM dropped);
  * kind, op, per, unit, sanction and polarity come from the contract's enums
    (../../../shared/spec/PROVISIONS.md), numbers are numbers, ranges carry value_max,
    deadline values are TIMEX-like strings, durations are ISO 8601;
  * no two records share (doc, kind, span, sanction).
Exits 1 and lists the problems when any check fails.
"""
import json
import pathlib
import re
import sys
from collections import Counter

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3]))
from models.vocab import Kind, Per, Polarity, SanctionType, values  # noqa: E402

KINDS = set(values(Kind))
OPS = {
    "threshold": {">=", ">", "<=", "<", "=", "range"},
    "ratio": {">=", ">", "<=", "<", "=", "range"},
    "deadline": {"<=", "=", "range", "within"},
}
PERS = {None, *values(Per)}
SANCTIONS = set(values(SanctionType))
POLARITY = set(values(Polarity))
RATIO_UNITS = {"%", "‰", "ratio"}
REQUIRED = {"doc", "kind", "quote", "span", "section", "jurisdiction", "approx"}
# TIMEX3-like point values: 2012, XXXX, 2012-H1, XXXX-12, 2012-04-15, XXXX-XX-15
POINT = re.compile(r"^(\d{4}|XXXX)(-(H[12]|Q[1-4]|\d{2}|XX)(-(\d{2}|XX))?)?$")
DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


def is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_record(r: dict, text: str, where: str) -> list[str]:
    p = []
    missing = REQUIRED - r.keys()
    if missing:
        p.append(f"{where}: missing fields {sorted(missing)}")
    kind = r.get("kind")
    if kind not in KINDS:
        return p + [f"{where}: bad kind {kind!r}"]
    span, quote = r.get("span"), r.get("quote")
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)
            and 0 <= span[0] < span[1] <= len(text)):
        p.append(f"{where}: bad span {span!r}")
    elif text[span[0]:span[1]] != quote:
        p.append(f"{where}: text[span] = {text[span[0]:span[1]]!r} != quote {quote!r}")
    if not isinstance(r.get("approx"), bool):
        p.append(f"{where}: approx must be a bool")
    if r.get("per") not in PERS:
        p.append(f"{where}: bad per {r.get('per')!r}")
    if kind in ("threshold", "ratio"):
        op = r.get("op")
        if op not in OPS[kind]:
            p.append(f"{where}: bad op {op!r}")
        if not is_num(r.get("value")):
            p.append(f"{where}: value must be a number")
        vmax = r.get("value_max")
        if op == "range":
            if not is_num(vmax) or (is_num(r.get("value")) and vmax < r["value"]):
                p.append(f"{where}: range needs a numeric value_max >= value")
        elif vmax is not None:
            p.append(f"{where}: value_max only for op range")
        unit = r.get("unit")
        if not isinstance(unit, str) or not unit:
            p.append(f"{where}: unit missing")
        elif kind == "ratio" and unit not in RATIO_UNITS:
            p.append(f"{where}: ratio unit must be one of {sorted(RATIO_UNITS)}")
    elif kind == "deadline":
        op, v, vmax = r.get("op"), r.get("value"), r.get("value_max")
        if op not in OPS[kind]:
            p.append(f"{where}: bad op {op!r}")
        if op == "within":
            if not (isinstance(v, str) and DURATION.match(v)):
                p.append(f"{where}: within needs an ISO 8601 duration, got {v!r}")
        elif not (isinstance(v, str) and POINT.match(v)):
            p.append(f"{where}: bad TIMEX value {v!r}")
        if op == "range":
            if not (isinstance(vmax, str) and POINT.match(vmax)):
                p.append(f"{where}: range needs a TIMEX value_max, got {vmax!r}")
        elif vmax is not None:
            p.append(f"{where}: value_max only for op range")
    else:
        if r.get("sanction") not in SANCTIONS:
            p.append(f"{where}: bad sanction {r.get('sanction')!r}")
        pol = r.get("polarity")
        if pol not in POLARITY:
            p.append(f"{where}: bad polarity {pol!r}")
        elif (pol == "positive") != (r.get("sanction") == "reward"):
            p.append(f"{where}: polarity {pol!r} does not fit sanction {r.get('sanction')!r}")
        d = r.get("duration")
        if d is not None and not (isinstance(d, str) and DURATION.match(d)):
            p.append(f"{where}: bad duration {d!r}")
        if r.get("value") is not None:
            if not is_num(r["value"]) or not r.get("unit"):
                p.append(f"{where}: sanction value needs a number and a unit")
            if r.get("value_max") is not None and (not is_num(r["value_max"]) or r.get("op") != "range"):
                p.append(f"{where}: sanction value_max needs op range")
    return p


def main() -> int:
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent
    problems, counts, seen = [], Counter(), set()
    golds = sorted((root / "gold").glob("*.jsonl"))
    if not golds:
        problems.append(f"no gold files under {root / 'gold'}")
    for g in golds:
        src = root / "docs" / (g.stem + ".txt")
        if not src.exists():
            problems.append(f"{g.name}: no document {src.name}")
            continue
        text = src.read_bytes().decode("utf-8-sig")
        for n, line in enumerate(g.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{g.name}:{n}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{where}: bad JSON ({e})")
                continue
            if r.get("doc") != src.name:
                problems.append(f"{where}: doc {r.get('doc')!r} != {src.name!r}")
            problems += check_record(r, text, where)
            key = (r.get("doc"), r.get("kind"), tuple(r.get("span") or ()), r.get("sanction"))
            if key in seen:
                problems.append(f"{where}: duplicate record {key}")
            seen.add(key)
            counts[(src.name, r.get("kind"))] += 1
    for doc in sorted({d for d, _ in counts}):
        per = ", ".join(f"{k} {counts[(doc, k)]}" for k in ("threshold", "ratio", "deadline", "sanction"))
        print(f"{doc}: {per}")
    print(f"{sum(counts.values())} records, {len(problems)} problems")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
