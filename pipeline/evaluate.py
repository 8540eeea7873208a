"""Score extracted provisions against gold annotations, as PROVISIONS.md defines it.

This is the project's own copy of the scoring rules in ``shared/tools/score_provisions.py``
(the reference). It is written out here, not imported, because the shared folder is not
part of the installed package; ``tests/test_evaluate.py`` holds the two to identical
output, so any change to the rules must be made in both places.

The numbers are computed with the same operations in the same order as the reference,
so that even the floats (and hence ``--json``) come out bit for bit the same.
"""
from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipeline.grouping import unit_of_comparison

KINDS = ("threshold", "ratio", "deadline", "sanction")
VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "threshold": ("op", "value", "value_max", "unit", "per", "currency"),
    "ratio": ("op", "value", "value_max", "unit", "per"),
    "deadline": ("op", "value", "value_max"),
    "sanction": ("sanction", "value", "value_max", "duration", "currency"),
}
# Compared even where gold leaves them empty (a prediction must then leave them empty too).
ALWAYS = frozenset({"op", "value", "sanction"})
SANCTION_ALWAYS = frozenset({"sanction"})  # a sanction's op/value only matter for fines and bans

Record = dict[str, Any]


class EvaluationError(ValueError):
    """Input that cannot be scored (unreadable file, malformed line, unknown gold kind):
    reported to the user instead of a traceback."""


# ---------------------------------------------------------------------------- loading

def load_records(path: Path) -> list[Record]:
    """Records of one JSONL file, or of every ``*.jsonl`` in a folder (sorted by name, as
    the reference reads them, since record order decides ties and report order)."""
    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    out: list[Record] = []
    for f in files:
        try:
            with f.open(encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            out.append(json.loads(line))
                        except json.JSONDecodeError as e:
                            raise EvaluationError(f"{f}:{n}: not a JSON record: {e}") from None
        except OSError as e:
            raise EvaluationError(f"{f}: cannot read: {e.strerror or e}") from None
        except UnicodeDecodeError as e:
            raise EvaluationError(f"{f}: not UTF-8: {e}") from None
    return out


def check_gold(gold: list[Record]) -> None:
    """Gold must be scoreable: a record without doc, a known kind or a span is an
    annotation error to report, not something to score around."""
    for i, g in enumerate(gold, 1):
        if not isinstance(g, dict) or not isinstance(g.get("doc"), str):
            raise EvaluationError(f"gold record {i}: no 'doc'")
        if g.get("kind") not in KINDS:
            raise EvaluationError(f"gold record {i} ({g['doc']}): unknown kind {g.get('kind')!r}")
        span = g.get("span")
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(x, int) for x in span)):
            raise EvaluationError(f"gold record {i} ({g['doc']}): bad span {span!r}")


def gold_documents(gold: Iterable[Record]) -> list[str]:
    """The documents a gold set covers, in a stable order: only these are scored."""
    return sorted({g["doc"] for g in gold})


# ---------------------------------------------------------------------------- primitives

def same(a: Any, b: Any) -> bool:
    """Field equality of the contract: numbers to 1e-6 (so 0.1+0.2 equals 0.3), and an
    empty string equals a missing value (extractors differ in which they emit)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    if a in ("", None) and b in ("", None):
        return True
    return a == b


def overlap(a, b) -> int:
    """Code points two half-open spans share (0 when they only touch)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match(gold: list[Record], pred: list[Record]) -> list[tuple[Record, Record]]:
    """Greedy one-to-one matching of one (doc, kind) group, largest overlap first.

    Ties are broken as the reference breaks them (sorting (overlap, gold index, pred
    index) descending: later records first), because the chosen pairs decide which
    value is compared and which record is reported as a miss."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            o = overlap(g["span"], p["span"])
            if o > 0:
                cands.append((o, gi, pi))
    cands.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in cands:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gold[gi], pred[pi]))
    return pairs


def value_ok(kind: str, g: Record, p: Record) -> bool:
    """The normalized fields agree; optional ones count only where gold states them."""
    always = SANCTION_ALWAYS if kind == "sanction" else ALWAYS
    return all(same(g.get(f), p.get(f)) for f in VALUE_FIELDS[kind] if g.get(f) is not None or f in always)


def _div(a: int, b: int) -> float:
    return a / b if b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


# ---------------------------------------------------------------------------- results

@dataclass
class KindScore:
    """Counts of one kind, with the records behind them (for the --misses report)."""
    kind: str
    gold: int = 0
    pred: int = 0
    matched: int = 0
    value_ok: int = 0
    misses: list[Record] = field(default_factory=list)
    spurious: list[Record] = field(default_factory=list)
    wrong: list[tuple[Record, Record]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return _div(self.matched, self.pred)

    @property
    def recall(self) -> float:
        return _div(self.matched, self.gold)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    @property
    def value_acc(self) -> float:
        return _div(self.value_ok, self.matched)

    def to_dict(self) -> dict:
        return {"gold": self.gold, "pred": self.pred, "P": self.precision, "R": self.recall,
                "F1": self.f1, "value_acc": self.value_acc}


@dataclass
class TotalScore:
    """All kinds together; strict F1 counts a match only when its value is right too."""
    gold: int = 0
    pred: int = 0
    matched: int = 0
    value_ok: int = 0

    @property
    def precision(self) -> float:
        return _div(self.matched, self.pred)

    @property
    def recall(self) -> float:
        return _div(self.matched, self.gold)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    @property
    def value_acc(self) -> float:
        return _div(self.value_ok, self.matched)

    @property
    def strict_f1(self) -> float:
        return _f1(_div(self.value_ok, self.pred), _div(self.value_ok, self.gold))

    def to_dict(self) -> dict:
        return {"gold": self.gold, "pred": self.pred, "P": self.precision, "R": self.recall,
                "F1": self.f1, "value_acc": self.value_acc, "strict_F1": self.strict_f1}


@dataclass
class CompareScore:
    """Pairwise agreement of the predicted `indicator` grouping with gold `topic`.

    Pairs are matched gold records from different comparison units; precision is over
    pairs the prediction groups, recall over all same-topic gold pairs (matched or not),
    so missing a provision also costs comparison recall."""
    gold_pairs: int = 0
    pred_pairs: int = 0
    both: int = 0

    @property
    def precision(self) -> float:
        return _div(self.both, self.pred_pairs)

    @property
    def recall(self) -> float:
        return _div(self.both, self.gold_pairs)

    def to_dict(self) -> dict:
        return {"gold_pairs": self.gold_pairs, "P": self.precision, "R": self.recall}


@dataclass
class Score:
    """The whole result; `to_dict()` is the reference scorer's ``--json`` object."""
    kinds: dict[str, KindScore]
    total: TotalScore
    compare: CompareScore

    def to_dict(self) -> dict:
        out: dict[str, dict] = {k: self.kinds[k].to_dict() for k in KINDS}
        out["all"] = self.total.to_dict()
        out["compare"] = self.compare.to_dict()
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def report(self, misses: int = 0) -> str:
        """The reference scorer's text output, line for line."""
        lines = [f"{'kind':10} {'gold':>5} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6} {'value':>6}"]
        rows: list[tuple[str, KindScore | TotalScore]] = [(k, self.kinds[k]) for k in KINDS]
        rows.append(("all", self.total))
        for name, r in rows:
            lines.append(f"{name:10} {r.gold:5d} {r.pred:5d} {r.precision:6.3f} {r.recall:6.3f} "
                         f"{r.f1:6.3f} {r.value_acc:6.3f}")
        c = self.compare
        lines.append(f"compare    gold pairs {c.gold_pairs}, indicator pairwise P {c.precision:.3f} R {c.recall:.3f}")
        if misses:
            for k in KINDS:
                d = self.kinds[k]
                for g in d.misses[:misses]:
                    lines.append(f"MISS  {k:9} {g['doc']} {g['span']} {g['quote']}")
                for p in d.spurious[:misses]:
                    lines.append(f"EXTRA {k:9} {p['doc']} {p['span']} {p.get('quote')}")
                fs = VALUE_FIELDS[k]
                for g, p in d.wrong[:misses]:
                    lines.append(f"VALUE {k:9} {g['doc']} {g['quote']} "
                                 f"gold={[g.get(f) for f in fs]} pred={[p.get(f) for f in fs]}")
        lines.append(f"strict F1 {self.total.strict_f1:.3f}")
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- scoring

def score(gold: list[Record], pred: list[Record]) -> Score:
    """Score predictions against gold. Only documents present in gold are scored;
    predictions of another kind or without a span are ignored, not counted as wrong."""
    check_gold(gold)
    docs = {g["doc"] for g in gold}
    pred = [p for p in pred if p.get("doc") in docs and p.get("kind") in KINDS and p.get("span")]
    # Groups in first-seen order (gold first): this order is the order of the reports.
    groups: dict[tuple[str, str], tuple[list[Record], list[Record]]] = defaultdict(lambda: ([], []))
    for g in gold:
        groups[(g["doc"], g["kind"])][0].append(g)
    for p in pred:
        groups[(p["doc"], p["kind"])][1].append(p)

    kinds = {k: KindScore(k) for k in KINDS}
    all_pairs: list[tuple[Record, Record]] = []
    for (_, kind), (gs, ps) in groups.items():
        r = kinds[kind]
        pairs = match(gs, ps)
        r.gold += len(gs)
        r.pred += len(ps)
        r.matched += len(pairs)
        matched_g = {id(g) for g, _ in pairs}
        matched_p = {id(p) for _, p in pairs}
        r.misses += [g for g in gs if id(g) not in matched_g]
        r.spurious += [p for p in ps if id(p) not in matched_p]
        for g, p in pairs:
            if value_ok(kind, g, p):
                r.value_ok += 1
            else:
                r.wrong.append((g, p))
        all_pairs += pairs

    total = TotalScore()
    for k in KINDS:
        r = kinds[k]
        total.gold += r.gold
        total.pred += r.pred
        total.matched += r.matched
        total.value_ok += r.value_ok
    return Score(kinds=kinds, total=total, compare=_compare(gold, all_pairs))


def _compare(gold: list[Record], pairs: list[tuple[Record, Record]]) -> CompareScore:
    c = CompareScore()
    topical = [(g, p) for g, p in pairs if g.get("topic")]
    for (g1, p1), (g2, p2) in itertools.combinations(topical, 2):
        if unit_of_comparison(g1) == unit_of_comparison(g2):
            continue
        same_topic = g1["topic"] == g2["topic"]
        same_indicator = bool(p1.get("indicator")) and p1.get("indicator") == p2.get("indicator")
        c.pred_pairs += same_indicator
        c.both += same_topic and same_indicator
    with_topic = [g for g in gold if g.get("topic")]
    for g1, g2 in itertools.combinations(with_topic, 2):
        if unit_of_comparison(g1) != unit_of_comparison(g2) and g1["topic"] == g2["topic"]:
            c.gold_pairs += 1
    return c


# ---------------------------------------------------------------------------- predictions

@dataclass
class PredictionFailure:
    path: str
    error: str


def locate_documents(names: Iterable[str], docs_dir: Path) -> tuple[dict[str, Path], list[str]]:
    """Gold names documents by file name; find each under `docs_dir` (first in walk
    order if a name occurs twice). Returns (found, missing names)."""
    from pipeline.run import iter_files

    by_name: dict[str, Path] = {}
    for path in iter_files([Path(docs_dir)]):
        by_name.setdefault(path.name, path)
    names = list(names)
    return {n: by_name[n] for n in names if n in by_name}, [n for n in names if n not in by_name]


def predict(paths: Iterable[Path]) -> tuple[list[Record], list[PredictionFailure]]:
    """Extract the given documents in memory (no database) and return their records as
    `policyx run` would export them: indicators aligned across the documents (a copy of
    a text weighing in no grouping) and the records in (doc, span) order, so that scoring
    these equals scoring rules.jsonl."""
    from pipeline.compare import Voices
    from pipeline.grouping import align_indicators
    from pipeline.run import process_document

    records: list[Record] = []
    failures: list[PredictionFailure] = []
    for path in paths:
        result = process_document(Path(path))
        if not result.ok:
            failures.append(PredictionFailure(str(path), result.error or "failed"))
            continue
        records += [p.to_json() for p in result.provisions]
    # stable sort: equal spans keep extraction order, as the export's row ids do
    records.sort(key=lambda r: (r["doc"], r["span"][0], r["span"][1]))
    return align_indicators(records, Voices.of(records).speaks), failures
