"""Table-driven generalization tests for provision extraction, end to end.

Each case of data/extraction_cases.yaml is a short text the extractors have never
seen. It is written to a UTF-8 .txt file and run through
`pipeline.run.process_document`; the predicted provisions must equal the case's
`expect` list under the contract's matching rule (../shared/spec/PROVISIONS.md):
same kind and overlapping spans, one to one, with equal value fields — and nothing
predicted may be left over.

`doc_date` is applied by a first line `发布日期: <date>`: the normalizer drops it as web
noise (pipeline/data/noise.yaml, `line`) and the metadata stage reads it back from the
noise as the published date (pipeline/data/metadata.yaml, `published`), which dates the
document for year inference (extractors/pipeline.py, `_year_contexts`).
"""
from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pipeline.run import process_document
from models.vocab import SanctionType, values

CASES_FILE = Path(__file__).parent / "data" / "extraction_cases.yaml"
CASES: list[dict] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))

KINDS = ("threshold", "ratio", "deadline", "sanction")
SANCTIONS = tuple(values(SanctionType))
# the value fields the contract scores, per kind; `required` ones every case must state
REQUIRED = {"threshold": ("op", "value"), "ratio": ("op", "value"), "deadline": ("op", "value"),
            "sanction": ("sanction",)}
OPTIONAL = {"threshold": ("value_max", "unit", "per"), "ratio": ("value_max", "unit", "per"),
            "deadline": ("value_max",), "sanction": ("value", "value_max", "duration", "op", "unit", "base", "currency",
                                                    "target")}
NUMERIC = {"threshold": ("value", "value_max"), "ratio": ("value", "value_max"), "sanction": ("value", "value_max")}
DATE_LINE = "发布日期: {}\n"


def _source_for(case: dict) -> str:
    """The text as it is written to the file (the quote positions refer to it)."""
    prefix = DATE_LINE.format(case["doc_date"]) if case.get("doc_date") else ""
    return prefix + case["text"]


def _locate(source: str, quote: str, nth: int = 1) -> tuple[int, int] | None:
    pos = -1
    for _ in range(nth):
        pos = source.find(quote, pos + 1)
        if pos < 0:
            return None
    return pos, pos + len(quote)


def _same(kind: str, field: str, got, want) -> bool:
    if field in NUMERIC.get(kind, ()) and got is not None and want is not None:
        try:
            return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    return got == want


def _fields(exp: dict) -> tuple[str, ...]:
    kind = exp["kind"]
    return REQUIRED[kind] + tuple(f for f in OPTIONAL[kind] if f in exp)


def _show(p) -> str:
    keys = ("op", "value", "value_max", "unit", "per") if p.kind != "sanction" else ("sanction", "value", "value_max", "duration")
    vals = ", ".join(f"{k}={getattr(p, k)!r}" for k in keys if getattr(p, k, None) is not None)
    return f"{p.kind} {p.quote!r} {list(p.span)} [{vals}]"


def _show_exp(e: dict) -> str:
    vals = ", ".join(f"{k}={e[k]!r}" for k in _fields(e))
    return f"{e['kind']} {e['quote']!r} [{vals}]"


# ----------------------------------------------------------------------------------
# the table itself is well formed
# ----------------------------------------------------------------------------------

def test_case_table_is_well_formed():
    ids = [c["id"] for c in CASES]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate case ids: {dupes}"
    problems = []
    for c in CASES:
        where = c.get("id", "?")
        for key in ("id", "family", "script", "text", "expect"):
            if key not in c:
                problems.append(f"{where}: missing {key}")
        if c.get("script") not in ("simplified", "traditional"):
            problems.append(f"{where}: script {c.get('script')!r}")
        if c.get("doc_date") is not None and not isinstance(c["doc_date"], str):
            problems.append(f"{where}: doc_date must be a quoted string, got {c['doc_date']!r}")
        source = _source_for(c)
        for e in c.get("expect") or []:
            kind = e.get("kind")
            if kind not in KINDS:
                problems.append(f"{where}: kind {kind!r}")
                continue
            for f in REQUIRED[kind]:
                if f not in e:
                    problems.append(f"{where}: {e.get('quote')!r} lacks {f}")
            if kind == "sanction" and e.get("sanction") not in SANCTIONS:
                problems.append(f"{where}: sanction type {e.get('sanction')!r}")
            if kind == "deadline":
                for f in ("value", "value_max"):
                    if e.get(f) is not None and not isinstance(e[f], str):
                        problems.append(f"{where}: deadline {f} must be a string, got {e[f]!r}")
            quote = e.get("quote") or ""
            count = c["text"].count(quote)
            if not quote or count == 0:
                problems.append(f"{where}: quote {quote!r} not in text")
            elif count > 1 and "quote_nth" not in e:
                problems.append(f"{where}: quote {quote!r} occurs {count} times; give quote_nth")
            elif _locate(source, quote, e.get("quote_nth", 1)) is None:
                problems.append(f"{where}: quote_nth {e.get('quote_nth')} of {quote!r} not found")
    assert not problems, "\n".join(problems)


def test_case_table_coverage():
    families = Counter(c["family"] for c in CASES)
    for t in SANCTIONS:
        assert families[f"sanction-{t}"] >= 1, f"no sanction-{t} case"
    assert sum(1 for c in CASES if not c["expect"]) >= 25
    assert sum(1 for c in CASES if c["script"] == "traditional") >= 15
    assert len(CASES) >= 120


# ----------------------------------------------------------------------------------
# extraction against the table
# ----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_extraction_case(case, tmp_path):
    path = tmp_path / f"{case['id']}.txt"
    path.write_text(_source_for(case), encoding="utf-8")
    result = process_document(path)
    assert result.error is None, result.error
    source = result.source.text
    assert source == _source_for(case)
    if case.get("doc_date"):
        assert result.meta.published == case["doc_date"], "the 发布日期 line did not date the document"

    predicted = list(result.provisions)
    for p in predicted:
        assert source[p.span[0]:p.span[1]] == p.quote, f"ungrounded: {p.quote!r} at {p.span}"

    expected = []
    for e in case["expect"]:
        loc = _locate(source, e["quote"], e.get("quote_nth", 1))
        assert loc is not None, f"quote {e['quote']!r} not in source"
        expected.append((e, loc))

    # one-to-one matching as the scorer does it (same kind, overlapping spans, largest
    # overlap first), preferring a prediction whose values agree
    pairs = []
    for i, (e, (qs, qe)) in enumerate(expected):
        for j, p in enumerate(predicted):
            if p.kind != e["kind"]:
                continue
            overlap = min(qe, p.span[1]) - max(qs, p.span[0])
            if overlap <= 0:
                continue
            agree = all(_same(e["kind"], f, getattr(p, f, None), e.get(f)) for f in _fields(e))
            pairs.append((agree, overlap, -i, -j, i, j))
    pairs.sort(reverse=True)
    match: dict[int, int] = {}
    used: set[int] = set()
    for agree, overlap, _, _, i, j in pairs:
        if i in match or j in used:
            continue
        match[i] = j
        used.add(j)

    problems = []
    for i, (e, _) in enumerate(expected):
        if i not in match:
            problems.append(f"MISSING   {_show_exp(e)}")
            continue
        p = predicted[match[i]]
        wrong = [f"{f}: got {getattr(p, f, None)!r}, want {e.get(f)!r}" for f in _fields(e)
                 if not _same(e["kind"], f, getattr(p, f, None), e.get(f))]
        if wrong:
            problems.append(f"WRONG     {_show_exp(e)} <- {_show(p)}: " + "; ".join(wrong))
    for j, p in enumerate(predicted):
        if j not in used:
            problems.append(f"SPURIOUS  {_show(p)}")
    assert not problems, f"{case['id']}: {case['text']!r}\n" + "\n".join(problems)
