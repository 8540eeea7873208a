"""`policyx eval` and pipeline.evaluate: the project's scoring must be the reference's.

The reference scorer (shared/tools/score_provisions.py) is what results are reported
with; our copy is only useful if it agrees to the last digit, so the agreement tests
compare stdout byte for byte on inputs built to reach every branch of the rules.
The unit tests pin the rules themselves on cases small enough to count by hand.
"""
from __future__ import annotations

import copy
import json
import random
from collections import Counter
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from pipeline import evaluate as ev
from pipeline.grouping import unit_of_comparison

SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "tools" / "score_provisions.py"
DEV_GOLD = SHARED / "gold" / "dev"

needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason=f"reference scorer not found at {REFERENCE}")
needs_gold = pytest.mark.skipif(not DEV_GOLD.is_dir(), reason=f"dev gold not found at {DEV_GOLD}")


def policyx(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def reference(gold, pred, *args):
    return subprocess.run([sys.executable, str(REFERENCE), str(gold), str(pred), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- inputs

@pytest.fixture(scope="module")
def run_export(tmp_path_factory) -> Path:
    """rules.jsonl of `policyx run` over the shipped TXT seeds: the real predictions."""
    tmp = tmp_path_factory.mktemp("run")
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", *sorted(map(str, (ROOT / "corpus").glob("*.txt"))),
                        "--db", f"sqlite:///{tmp / 'rules.db'}", "--out", str(tmp), "-q"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return tmp / "rules.jsonl"


def perturb(gold: list[dict]) -> tuple[list[dict], list[dict]]:
    """Synthetic (extra gold, predictions) from the gold: every scoring branch is hit.

    Misses (dropped, or moved so the spans only touch), spurious records (far away, in
    a kind the document has no gold for), partial overlaps and competing predictions
    (largest overlap wins, ties), wrong values of every field, values within the 1e-6
    tolerance and just outside it, "" against None, a bool against an int, records the
    scorer must ignore, and indicators that group topics partially, wrongly or not at all.
    """
    rng = random.Random(20240601)
    extra_gold = [
        # a fine: value, value_max compared for sanctions only because gold states them
        {"doc": "zz_synthetic.txt", "kind": "sanction", "quote": "处二百元以上一千元以下罚款", "sanction": "fine",
         "op": "range", "value": 200, "value_max": 1000, "unit": "元", "duration": None,
         "section": "第一篇 > 第三条", "topic": "fine_band", "span": [10, 23]},
        {"doc": "zz_synthetic.txt", "kind": "sanction", "quote": "处二百元以上一千元以下罚款", "sanction": "fine",
         "op": "range", "value": 200, "value_max": 1000, "unit": "元", "duration": None,
         "section": "第一篇 > 第九条", "topic": "fine_band", "span": [100, 113]},  # same unit: no pair
        {"doc": "zz_synthetic.txt", "kind": "sanction", "quote": "处二百元以上一千元以下罚款", "sanction": "fine",
         "op": "range", "value": 200, "value_max": 1000, "unit": "元", "duration": None,
         "section": "第二篇 > 第三条", "topic": "fine_band", "span": [300, 313]},  # another part: pairs
        {"doc": "zz_synthetic.txt", "kind": "ratio", "quote": "0.1%", "op": "=", "value": 0.1, "value_max": None,
         "unit": "%", "per": None, "section": None, "topic": "", "span": [400, 404]},
        {"doc": "zz_synthetic.txt", "kind": "threshold", "quote": "1次", "op": "=", "value": 1, "value_max": None,
         "unit": "次", "per": None, "section": "第二篇", "span": [500, 502]},
        {"doc": "zz_synthetic.txt", "kind": "deadline", "quote": "年底前", "op": None, "value": "XXXX",
         "value_max": None, "section": "", "topic": "year_end", "span": [600, 603]},
    ]
    topics = sorted({g["topic"] for g in gold + extra_gold if g.get("topic")})
    merged = {t: topics[(i // 3) * 3] for i, t in enumerate(topics)}  # three topics share one label
    pred: list[dict] = []
    seen = Counter()
    for i, g in enumerate(gold + extra_gold):
        p = copy.deepcopy(g)
        p.pop("topic", None)
        p["confidence"] = 0.5
        a, b = g["span"]
        t = g.get("topic")
        p["indicator"] = (None if i % 11 == 0 else f"label-{i}" if i % 5 == 0 else
                          merged[t] if t and i % 2 else t or g.get("indicator"))
        case = seen[g["kind"]] % 13  # counted per kind, so that every kind gets every case
        seen[g["kind"]] += 1
        if case == 0:
            continue  # miss
        if case == 1:
            p["span"] = [a + 1, b + 1]  # partial overlap still matches
        elif case == 2:
            p["span"] = [b, b + 3]  # touching only: a miss and a spurious record
        elif case == 3:
            if isinstance(g.get("value"), (int, float)):
                p["value"] = g["value"] * (1 + 1e-7)  # within tolerance
            else:
                p["value_max"] = "" if g.get("value_max") is None else g["value_max"]
                p["per"] = "" if g.get("per") is None else g["per"]
        elif case == 4:
            if isinstance(g.get("value"), (int, float)):
                p["value"] = g["value"] * 1.001 + 0.01  # outside tolerance
            elif g["kind"] == "sanction":
                p["sanction"] = "other" if g["sanction"] != "other" else "warning"
            else:
                p["value"] = (g.get("value") or "") + "-01"
        elif case == 5:
            p["op"] = "<" if g.get("op") != "<" else ">"  # wrong for all but sanctions
        elif case == 6:
            # a competing shorter prediction first: the larger overlap must win
            pred.append({**p, "span": [a, a + 1], "quote": g["quote"][:1], "op": "bogus", "sanction": "bogus"})
        elif case == 7:
            p["unit"] = "个" if g.get("unit") != "个" else "次"
            p["per"] = None if g.get("per") else "year"  # optional when gold leaves it empty
            p["duration"] = "P1Y" if g.get("duration") else "P9Y"
        elif case == 8:
            pred.append({**p, "span": [a, b], "op": "tie"})  # equal overlaps: the tie-break decides
        elif case == 9:
            if g.get("value") == 1:
                p["value"] = True
            p["value_max"] = g["value_max"] + 1e-9 if isinstance(g.get("value_max"), (int, float)) else p.get("value_max")
        elif case == 10:
            p["span"] = [a + 100000, b + 100000]  # far away: miss and spurious
        elif case == 11:
            p["kind"] = "ratio" if g["kind"] != "ratio" else "deadline"  # right place, wrong kind
        pred.append(p)
    # hand-made pairs for edges the generic cases cannot reach
    z = {"doc": "zz_synthetic.txt", "quote": "x", "value_max": None, "per": None, "section": "第三篇"}
    edges = [
        ({**z, "kind": "threshold", "op": "=", "value": 0, "unit": "次", "span": [700, 702]},
         {"value": 5e-7}),  # equal only by the absolute tolerance
        ({**z, "kind": "threshold", "op": "=", "value": 0, "unit": "次", "span": [710, 712]},
         {"value": 2e-6}),  # beyond it
        ({**z, "kind": "deadline", "op": None, "value": "XXXX", "span": [720, 722]},
         {"op": ""}),  # an always-compared field: "" equals None
        ({**z, "kind": "ratio", "op": "=", "value": 5, "value_max": "", "unit": "%", "span": [730, 732]},
         {"value_max": None}),  # gold states "", the prediction None
        ({**z, "kind": "sanction", "sanction": "promotion_ban", "duration": "P3Y", "span": [740, 742]},
         {"duration": "P3Y", "value": 3, "op": "<="}),  # value compared only where gold states it
        ({**z, "kind": "threshold", "op": "range", "value": 0, "value_max": 0, "unit": "分", "span": [750, 752]},
         {"value_max": None}),  # a stated 0 is compared: None is not 0
        ({**z, "kind": "ratio", "op": "=", "value": 1, "unit": "%", "topic": "", "span": [760, 762]},
         {"indicator": "shared", "topic": None}),  # an empty topic groups nothing ...
        ({**z, "kind": "ratio", "op": "=", "value": 1, "unit": "%", "topic": "", "section": "第四篇",
          "span": [770, 772]}, {"indicator": "shared", "topic": None}),  # ... even across parts
        ({**z, "kind": "ratio", "op": "=", "value": 2, "unit": "%", "topic": "halves", "section": "上篇 > 一",
          "span": [780, 782]}, {"indicator": "halves", "topic": None}),  # 上篇/下篇 are not 第X篇 parts:
        ({**z, "kind": "ratio", "op": "=", "value": 2, "unit": "%", "topic": "halves", "section": "下篇 > 一",
          "span": [790, 792]}, {"indicator": "halves", "topic": None}),  # one unit, so no pair
    ]
    for g, change in edges:
        extra_gold.append(g)
        pred.append({**g, **change})
    docs = sorted({g["doc"] for g in gold + extra_gold})
    pred += [
        {"doc": "not_in_gold.txt", "kind": "threshold", "span": [0, 3], "quote": "不少于"},  # ignored: other doc
        {"doc": docs[0], "kind": "quota", "span": [0, 3], "quote": "x"},  # ignored: unknown kind
        {"doc": docs[0], "kind": "threshold", "span": [], "quote": "x"},  # ignored: no span
        {"doc": docs[0], "kind": "threshold", "quote": "x"},  # ignored: no span
        {"doc": docs[-1], "kind": "deadline", "span": [0, 2]},  # spurious, no quote
    ]
    rng.shuffle(pred)
    return extra_gold, pred


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[Path, Path]:
    """A gold folder (dev gold + a synthetic compilation) and a perturbed prediction file."""
    tmp = tmp_path_factory.mktemp("synthetic")
    gold = ev.load_records(DEV_GOLD)
    extra_gold, pred = perturb(gold)
    gdir = tmp / "gold"
    gdir.mkdir()
    for f in sorted(DEV_GOLD.glob("*.jsonl")):
        (gdir / f.name).write_bytes(f.read_bytes())
    write_jsonl(gdir / "zz_synthetic.jsonl", extra_gold)
    return gdir, write_jsonl(tmp / "pred.jsonl", pred)


# ---------------------------------------------------------------------------- (a) agreement

ARGSETS = [(), ("--misses", "20"), ("--json",)]


def assert_agree(gold: Path, pred: Path, args: tuple) -> str:
    ref = reference(gold, pred, *args)
    assert ref.returncode == 0, ref.stderr
    ours = policyx("eval", "--gold", gold, "--pred", pred, *args)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == ref.stdout
    return ours.stdout


@needs_reference
@needs_gold
@pytest.mark.parametrize("args", ARGSETS, ids=["text", "misses", "json"])
def test_agrees_with_reference_on_run_output(run_export, args):
    out = assert_agree(DEV_GOLD, run_export, args)
    assert out.strip()


@needs_reference
@needs_gold
@pytest.mark.parametrize("args", ARGSETS, ids=["text", "misses", "json"])
def test_agrees_with_reference_on_perturbed_predictions(synthetic, args):
    gold, pred = synthetic
    out = assert_agree(gold, pred, args)
    if args == ("--misses", "20"):
        # the perturbation reached every kind of report line
        for tag in ("MISS  threshold", "MISS  sanction", "EXTRA deadline", "EXTRA ratio", "VALUE threshold",
                    "VALUE deadline", "VALUE sanction"):
            assert tag in out, tag


@needs_gold
def test_perturbed_predictions_hit_every_branch(synthetic):
    """Guard for the agreement test above: it only proves something if the synthetic
    input really produces misses, extras, wrong values and partial topic grouping."""
    gold_dir, pred_file = synthetic
    s = ev.score(ev.load_records(gold_dir), ev.load_records(pred_file))
    for k in ev.KINDS:
        d = s.kinds[k]
        assert d.misses and d.spurious and d.wrong and d.value_ok, k
    assert 0 < s.compare.precision < 1 and 0 < s.compare.recall < 1
    assert 0 < s.total.strict_f1 < s.total.f1 < 1
    # a fine judged on its amounts, a ban on its duration
    assert any(g["sanction"] in ("fine", "promotion_ban") for g, _ in s.kinds["sanction"].wrong) or any(
        g.get("sanction") in ("fine", "promotion_ban") for g in s.kinds["sanction"].misses)


@needs_reference
@needs_gold
def test_agrees_with_reference_on_single_gold_file(synthetic, tmp_path):
    gold_dir, pred = synthetic
    one = tmp_path / "gold.jsonl"
    one.write_bytes(b"".join(f.read_bytes() for f in sorted(gold_dir.glob("*.jsonl"))))
    assert_agree(one, pred, ("--misses", "5"))


@needs_reference
def test_agrees_with_reference_on_empty_predictions(tmp_path):
    gold = write_jsonl(tmp_path / "g.jsonl", [{"doc": "a.txt", "kind": "ratio", "span": [0, 3], "quote": "30%",
                                                "op": "=", "value": 30, "unit": "%"}])
    pred = write_jsonl(tmp_path / "p.jsonl", [])
    for args in ARGSETS:
        assert_agree(gold, pred, args)


# ---------------------------------------------------------------------------- (b) the rules by hand

def rec(kind, span, doc="a.txt", **kw):
    base = {"doc": doc, "kind": kind, "span": list(span), "quote": "q"}
    if kind in ("threshold", "ratio"):
        base.update(op=">=", value=1, value_max=None, unit="次", per=None)
    elif kind == "deadline":
        base.update(op="<=", value="XXXX-12", value_max=None)
    else:
        base.update(sanction="interview", value=None, value_max=None, duration=None)
    base.update(kw)
    return base


def test_counts_by_hand():
    gold = [rec("threshold", (0, 5)), rec("threshold", (10, 15)), rec("ratio", (20, 25), unit="%")]
    pred = [rec("threshold", (1, 4)),  # matches (0,5), value right
            rec("threshold", (12, 20), value=2),  # matches (10,15), value wrong
            rec("threshold", (30, 35))]  # spurious
    s = ev.score(gold, pred)
    t, r, a = s.kinds["threshold"], s.kinds["ratio"], s.total
    assert (t.gold, t.pred, t.matched, t.value_ok) == (2, 3, 2, 1)
    assert t.precision == pytest.approx(2 / 3) and t.recall == 1.0 and t.f1 == pytest.approx(0.8)
    assert t.value_acc == 0.5
    assert (r.precision, r.recall, r.f1, r.value_acc) == (0.0, 0.0, 0.0, 0.0)
    assert r.misses == [gold[2]] and t.spurious == [pred[2]] and t.wrong == [(gold[1], pred[1])]
    assert (a.gold, a.pred) == (3, 3)
    assert a.precision == pytest.approx(2 / 3) and a.recall == pytest.approx(2 / 3) and a.f1 == pytest.approx(2 / 3)
    assert a.value_acc == 0.5
    assert a.strict_f1 == pytest.approx(1 / 3)  # 1 right value of 3 predicted, of 3 gold
    d = s.to_dict()
    assert list(d) == [*ev.KINDS, "all", "compare"]
    assert list(d["threshold"]) == ["gold", "pred", "P", "R", "F1", "value_acc"]
    assert list(d["all"]) == ["gold", "pred", "P", "R", "F1", "value_acc", "strict_F1"]
    assert list(d["compare"]) == ["gold_pairs", "P", "R"]


def test_largest_overlap_first_and_one_prediction_per_gold():
    gold = [rec("deadline", (0, 10))]
    short, long_ = rec("deadline", (0, 3), value="bad"), rec("deadline", (2, 10))
    s = ev.score(gold, [short, long_])
    d = s.kinds["deadline"]
    assert d.matched == 1 and d.value_ok == 1 and d.spurious == [short]
    assert d.precision == 0.5 and d.recall == 1.0 and d.f1 == pytest.approx(2 / 3)
    # one prediction over two gold records takes the one it overlaps most
    g1, g2 = rec("deadline", (0, 4)), rec("deadline", (4, 10))
    s = ev.score([g1, g2], [rec("deadline", (3, 9))])
    assert s.kinds["deadline"].misses == [g1]


def test_spans_that_only_touch_do_not_match_nor_do_other_kinds_or_documents():
    gold = [rec("threshold", (5, 10))]
    pred = [rec("threshold", (10, 12)), rec("ratio", (5, 10)), rec("threshold", (5, 10), doc="b.txt"),
            {**rec("threshold", (5, 10)), "kind": "quota"}, {"doc": "a.txt", "kind": "threshold", "span": []}]
    s = ev.score(gold, pred)
    assert s.kinds["threshold"].matched == 0
    assert s.kinds["threshold"].pred == 1 and s.kinds["ratio"].pred == 1  # other doc, kind and no span ignored
    assert s.total.pred == 2


@pytest.mark.parametrize("a,b,equal", [
    (1, 1.0000001, True), (30, 30.00001, True), (1, 1.00001, False), (0, 1e-7, True), (0, 1e-5, False),
    ("", None, True), (None, "", True), ("", "", True), ("year", "", False), (1, True, True), ("1", 1, False),
    ("XXXX-12", "XXXX-12", True), ("P3Y", "P2Y", False),
])
def test_same(a, b, equal):
    assert ev.same(a, b) is equal


def test_value_rules_by_kind():
    g = rec("threshold", (0, 1), per=None, value_max=None)
    assert ev.value_ok("threshold", g, {**g, "per": "year", "value_max": 3})  # optional, gold silent
    assert not ev.value_ok("threshold", g, {**g, "unit": "名"})
    assert not ev.value_ok("threshold", {**g, "op": None}, {**g, "op": ">="})  # op is always compared
    assert ev.value_ok("threshold", {**g, "op": None}, {**g, "op": ""})
    s = rec("sanction", (0, 1), op=None)
    assert ev.value_ok("sanction", s, {**s, "op": "range", "value": 5})  # sanction: only the type always
    assert not ev.value_ok("sanction", s, {**s, "sanction": "criticism"})
    ban = {**s, "sanction": "promotion_ban", "duration": "P3Y"}
    assert not ev.value_ok("sanction", ban, {**ban, "duration": "P2Y"})
    fine = {**s, "sanction": "fine", "value": 200, "value_max": 1000}
    assert ev.value_ok("sanction", fine, {**fine, "value": 200.0000001})
    assert not ev.value_ok("sanction", fine, {**fine, "value_max": 500})
    d = rec("deadline", (0, 1))
    assert ev.value_ok("deadline", d, {**d, "per": "year", "unit": "x"})  # not deadline fields
    assert not ev.value_ok("deadline", d, {**d, "value": "XXXX-11"})


def test_compare_pairs_by_hand():
    """Topics A (docs a, b, and two parts of compilation c) and B (a, b); a pair inside
    one unit never counts, and an unmatched gold record still counts for recall."""
    gold = [
        rec("threshold", (0, 2), doc="a.txt", topic="A"),
        rec("threshold", (0, 2), doc="b.txt", topic="A"),
        rec("threshold", (0, 2), doc="c.txt", topic="A", section="第一篇 > 第二条"),
        rec("threshold", (5, 7), doc="c.txt", topic="A", section="第二篇 > 第二条"),
        rec("threshold", (9, 11), doc="c.txt", topic="A", section="第二篇 > 第五条"),  # same unit as above
        rec("threshold", (10, 12), doc="a.txt", topic="B"),
        rec("threshold", (10, 12), doc="b.txt", topic="B"),  # not predicted
        rec("threshold", (20, 22), doc="a.txt"),  # no topic
    ]
    # gold pairs across units: A has 4 units (a, b, c/第一篇, c/第二篇 twice): pairs between
    # different units among 5 records = C(5,2) - 1 (the two in c/第二篇) = 9; B: 1. Total 10.
    pred = [
        rec("threshold", (0, 2), doc="a.txt", indicator="x"),
        rec("threshold", (0, 2), doc="b.txt", indicator="x"),
        rec("threshold", (0, 2), doc="c.txt", indicator="x", section="第一篇 > 第二条"),
        rec("threshold", (5, 7), doc="c.txt", indicator="y"),
        rec("threshold", (9, 11), doc="c.txt", indicator="y"),
        rec("threshold", (10, 12), doc="a.txt", indicator="x"),
        rec("threshold", (20, 22), doc="a.txt", indicator="x"),  # gold has no topic: not in the pairs
    ]
    s = ev.score(gold, pred)
    assert s.compare.gold_pairs == 10
    # matched topical: a/A, b/A, c1/A (x); c2/A, c2'/A (y, same unit); a/B (x).
    # predicted-together pairs across units: (aA,bA), (aA,c1A), (bA,c1A), (bA,aB), (c1A,aB) = 5
    # [(aA,aB) is one unit]; of them same topic: 3. Recall 3/10.
    assert s.compare.pred_pairs == 5 and s.compare.both == 3
    assert s.compare.precision == pytest.approx(3 / 5) and s.compare.recall == pytest.approx(3 / 10)
    assert unit_of_comparison({"doc": "c.txt", "section": "第十二篇"}) == ("c.txt", "第十二篇")
    assert unit_of_comparison({"doc": "c.txt", "section": "第二章 > 第一篇"}) == ("c.txt", "")
    assert unit_of_comparison({"doc": "c.txt", "section": None}) == ("c.txt", "")


def test_empty_indicator_never_groups():
    gold = [rec("ratio", (0, 2), doc="a.txt", topic="A"), rec("ratio", (0, 2), doc="b.txt", topic="A")]
    s = ev.score(gold, [rec("ratio", (0, 2), doc="a.txt", indicator=""), rec("ratio", (0, 2), doc="b.txt", indicator="")])
    assert (s.compare.gold_pairs, s.compare.pred_pairs, s.compare.precision, s.compare.recall) == (1, 0, 0.0, 0.0)


def test_bad_gold_is_an_error_not_a_score(tmp_path):
    with pytest.raises(ev.EvaluationError, match="unknown kind"):
        ev.score([rec("quota", (0, 1))], [])
    bad = tmp_path / "g.jsonl"
    bad.write_text('{"doc": "a.txt"\n', encoding="utf-8")
    with pytest.raises(ev.EvaluationError, match="g.jsonl:1"):
        ev.load_records(bad)


def test_report_format():
    s = ev.score([rec("threshold", (0, 5), quote="不少于6次")], [rec("threshold", (0, 5), value=7)])
    lines = s.report(misses=3).splitlines()
    assert lines[0] == "kind        gold  pred      P      R     F1  value"
    assert lines[1] == "threshold      1     1  1.000  1.000  1.000  0.000"
    assert lines[6] == "compare    gold pairs 0, indicator pairwise P 0.000 R 0.000"
    assert lines[7] == "VALUE threshold a.txt 不少于6次 gold=['>=', 1, None, '次', None, None] pred=['>=', 7, None, '次', None, None]"
    assert lines[-1] == "strict F1 0.000"
    assert "VALUE" not in s.report()


# ---------------------------------------------------------------------------- (c) the command

@needs_gold
def test_eval_without_pred_extracts_the_gold_documents(run_export):
    r = policyx("eval", "--gold", DEV_GOLD)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["kind", "gold", "pred", "P", "R", "F1", "value"]
    assert [l.split()[0] for l in lines[1:6]] == [*ev.KINDS, "all"]
    assert lines[6].startswith("compare    gold pairs ") and lines[-1].startswith("strict F1 ")
    # in memory it scores exactly what `policyx run` exports for the same documents
    assert r.stdout == policyx("eval", "--gold", DEV_GOLD, "--pred", run_export).stdout
    j = policyx("eval", "--gold", DEV_GOLD, "--json")
    assert j.returncode == 0 and json.loads(j.stdout)["all"]["gold"] == int(lines[5].split()[1])


@needs_gold
def test_eval_missing_documents_is_exit_2(tmp_path):
    (tmp_path / "docs").mkdir()
    r = policyx("eval", "--gold", DEV_GOLD, "--docs", tmp_path / "docs")
    assert r.returncode == 2
    assert "not found" in r.stderr and "000_d1701e8db34252ee.txt" in r.stderr
    assert r.stdout == ""


def test_eval_missing_gold_or_pred_is_exit_2(tmp_path):
    r = policyx("eval", "--gold", tmp_path / "nope")
    assert r.returncode == 2 and "no such gold" in r.stderr
    gold = write_jsonl(tmp_path / "g.jsonl", [rec("ratio", (0, 1))])
    r = policyx("eval", "--gold", gold, "--pred", tmp_path / "nope.jsonl")
    assert r.returncode == 2 and "no such prediction" in r.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    r = policyx("eval", "--gold", gold, "--pred", bad)
    assert r.returncode == 2 and "bad.jsonl:1" in r.stderr


def test_eval_defaults_work_in_a_fresh_clone(tmp_path):
    """No ../shared, any working directory: `policyx eval` alone scores the held-out set
    the repository ships (its gold, its documents beside it), and its help names only
    files the repository has."""
    import os
    import re

    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", *map(str, args)], cwd=tmp_path,
                                       capture_output=True, text=True, timeout=600, env=env)
    r = run()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["kind", "gold", "pred", "P", "R", "F1", "value"] and lines[-1].startswith("strict F1 ")
    gold = ROOT / "tests" / "data" / "heldout" / "gold"
    assert int(lines[5].split()[1]) == len(ev.load_records(gold))
    # a gold folder with a docs/ folder beside it finds its documents there
    heldout2 = ROOT / "tests" / "data" / "heldout2"
    r2 = run("--gold", heldout2 / "gold", "--json")
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout)["all"]["gold"] == len(ev.load_records(heldout2 / "gold"))
    # a gold whose documents are elsewhere says which option finds them
    (tmp_path / "g").mkdir()
    write_jsonl(tmp_path / "g" / "x.jsonl", [rec("ratio", (0, 1), doc="nowhere.txt")])
    r3 = run("--gold", tmp_path / "g")
    assert r3.returncode == 2 and "nowhere.txt" in r3.stderr and "--docs" in r3.stderr
    help_text = run("--help").stdout
    assert "PROVISIONS.md" not in help_text and "score_provisions" not in help_text
    named = re.findall(r"(?:tests|corpus|pipeline)/[\w./*-]*\w", help_text)
    assert "tests/data/heldout/gold" in named
    for path in named:
        assert list(ROOT.glob(path)), f"--help names {path}, which the repository lacks"


@pytest.mark.skipif(not (SHARED / "corpus" / "compare-dev").is_dir(), reason="compare-dev lives in ../shared")
def test_a_copy_of_a_text_weighs_in_no_grouping_of_the_evaluation(tmp_path):
    """predict() groups as the run's exports do: a second file of one regulation changes
    no other document's indicators, and its records take the original's."""
    import shutil

    docs = sorted((SHARED / "corpus" / "compare-dev").glob("*.txt"))
    alone, _ = ev.predict(docs)
    copy = tmp_path / f"copy_{docs[0].name}"
    shutil.copy(docs[0], copy)
    together, _ = ev.predict(docs + [copy])
    by_doc = lambda recs, name: [(r["span"], r["indicator"]) for r in recs if r["doc"] == name]
    for d in docs:
        assert by_doc(together, d.name) == by_doc(alone, d.name)
    assert by_doc(together, copy.name) == by_doc(alone, docs[0].name)
