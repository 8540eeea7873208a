"""Cross-jurisdiction comparison: shared indicators, normalized intervals, verdicts."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS
from pipeline.compare import align_indicators, compare, comparison_rows, interval_of


def rec(doc, kind, indicator, jurisdiction, op, value, value_max=None, unit="次", per=None, **kw):
    return {"doc": doc, "kind": kind, "indicator": indicator, "jurisdiction": jurisdiction, "op": op,
            "value": value, "value_max": value_max, "unit": unit, "per": per, "quote": kw.get("quote", "q"),
            "span": [0, 1], "section": kw.get("section"), "sentence": "s", **{k: v for k, v in kw.items()
                                                                              if k not in ("quote", "section")}}


def test_minimums_compare_by_their_bound_and_recurrence():
    rows = compare([
        rec("a.txt", "threshold", "研究党建工作次数", "甲县", ">=", 4, per="year"),
        rec("b.txt", "threshold", "研究党建工作次数", "乙市", ">=", 1, per="quarter"),  # 4 a year: same
        rec("c.txt", "threshold", "研究党建工作次数", "丙镇", ">=", 6, per="year"),
    ])[0].rows
    verdict = {r.jurisdiction: r.verdict for r in rows}
    assert verdict == {"丙镇": "stricter", "甲县": "looser", "乙市": "looser"}
    assert interval_of(rows[1].record).lo == 4  # ≥1 per quarter is ≥4 a year


def test_ranges_overlap_and_maximums_invert():
    [staff] = compare([
        rec("a.txt", "ratio", "党务工作人员比例", "X市", "range", 1, 2, unit="%"),
        rec("b.txt", "ratio", "党务工作人员比例", "武定县", ">=", 2, unit="%"),
    ])
    assert {r.verdict for r in staff.rows} == {"overlapping"}
    [cap] = compare([
        rec("a.txt", "ratio", "“好”等次比例", "甲县", "<=", 30, unit="%"),
        rec("b.txt", "ratio", "“好”等次比例", "乙市", "<=", 20, unit="%"),
    ])
    assert {r.jurisdiction: r.verdict for r in cap.rows} == {"甲县": "looser", "乙市": "stricter"}


def test_one_jurisdiction_alone_is_not_a_comparison_and_filters_apply():
    records = [rec("a.txt", "threshold", "甲", "甲县", ">=", 1), rec("a.txt", "threshold", "甲", "甲县", ">=", 2),
               rec("b.txt", "ratio", "乙", "乙县", "<=", 3, unit="%"), rec("c.txt", "ratio", "乙", "丙县", "<=", 5, unit="%")]
    assert [c.indicator for c in compare(records)] == ["乙"]
    assert compare(records, kind="threshold") == []
    assert [c.indicator for c in compare(records, indicator="甲")] == ["甲"]  # asked for: shown even alone
    flat = comparison_rows(compare(records))
    assert {r["jurisdiction"] for r in flat} == {"乙县", "丙县"} and all("verdict" in r for r in flat)


def test_similarity_groups_uncurated_labels_across_documents_only():
    records = [rec("a.txt", "threshold", "乡镇干部下村走访农户户数", "甲县", ">=", 10, unit="户", subject="乡镇干部"),
               rec("b.txt", "threshold", "乡镇干部下村走访农户户数量", "乙县", ">=", 20, unit="户", subject="乡镇干部"),
               rec("c.txt", "threshold", "村级活动场所维修资金", "丙县", ">=", 5, unit="户")]
    aligned = align_indicators(records)
    assert aligned[0]["indicator"] == aligned[1]["indicator"] != aligned[2]["indicator"]


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    docs = tmp / "docs"
    docs.mkdir()
    for p in SEEDS:
        shutil.copy(p, docs)
    db = f"sqlite:///{tmp / 'rules.db'}"
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(docs), "--db", db, "--out", str(tmp / "out"), "-q"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return db


def test_compare_command_on_the_seeds(seed_db):
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "compare", "--db", seed_db, "--indicator", "党务工作人员",
                        "--format", "table"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env={"COLUMNS": "200", "PATH": ""})
    assert r.returncode == 0, r.stderr
    assert "党务工作人员配备比例" in r.stdout and "X市" in r.stdout and "武定县" in r.stdout
    assert "overlapping" in r.stdout


def test_notebook_api(seed_db):
    import policyx

    df = policyx.load_provisions(seed_db)
    assert {"doc", "kind", "span", "quote", "indicator", "jurisdiction"} <= set(df.columns)
    assert set(df["kind"]) == {"threshold", "ratio", "deadline", "sanction"}
    table = policyx.compare(seed_db, kind="ratio")
    assert {"indicator", "jurisdiction", "value", "verdict", "quote"} <= set(table.columns)
    assert (table["verdict"] == "stricter").any()


COMPARE_DEV = ROOT.parent / "shared" / "corpus" / "compare-dev"


@pytest.fixture(scope="module")
def smoking_db(tmp_path_factory):
    """The six cities' smoking-control regulations, run as a user runs them."""
    if not COMPARE_DEV.is_dir():
        pytest.skip("../shared/corpus/compare-dev missing")
    tmp = tmp_path_factory.mktemp("smoking")
    db = f"sqlite:///{tmp / 'rules.db'}"
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(COMPARE_DEV), "--db", db, "--out",
                        str(tmp / "out"), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return db


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "compare", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"COLUMNS": "250", "PATH": ""})


def test_compare_filters_by_jurisdictions_and_subject_as_json(smoking_db):
    import json

    r = _cli("--db", smoking_db, "--subject", "控制吸烟", "--kind", "sanction", "--jurisdiction", "北京",
             "--jurisdiction", "上海", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and {x["jurisdiction"] for x in rows} == {"北京市", "上海市"}
    assert {x["kind"] for x in rows} == {"sanction"} and {x["policy_area"] for x in rows} == {"控制吸烟"}
    assert any(x["condition"] and "吸烟" in x["condition"] for x in rows), "the conduct is part of each row"
    assert any(x["verdict"] in ("stricter", "looser", "same", "overlapping") for x in rows)
    import policyx

    df = policyx.compare(smoking_db, kind="sanction", subject="控制吸烟", jurisdiction=["北京", "上海"])
    assert json.loads(df.to_json(orient="records", force_ascii=False)) == rows  # the same rows, same filters


def test_compare_csv_to_stdout_and_table_with_conduct(smoking_db):
    import csv
    import io

    r = _cli("--db", smoking_db, "--format", "csv", "--kind", "sanction")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len({x["jurisdiction"] for x in rows}) == 6 and "condition" in rows[0] and "unit_class" in rows[0]
    r = _cli("--db", smoking_db, "--kind", "sanction", "--indicator", "罚款·个人", "--format", "table")
    assert r.returncode == 0, r.stderr
    assert "conduct" in r.stdout and "吸烟" in r.stdout


@pytest.mark.parametrize("args", [["--subject", "宇宙航行"], ["--kind", "rule"], ["--format", "xml"]])
def test_compare_unknown_filter_is_one_line_and_exit_2(smoking_db, args):
    r = _cli("--db", smoking_db, *args)
    assert r.returncode == 2
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1 and "error" in r.stderr


# --- what the read side refuses ------------------------------------------------------

def test_notebook_api_never_creates_a_database(tmp_path, monkeypatch):
    import policyx

    monkeypatch.chdir(tmp_path)
    for call in (lambda url: policyx.load_provisions(url), lambda url: policyx.compare(url, kind="ratio")):
        for url in ("sqlite:///other/folder/rules.db", "sqlite:///nope.db", f"sqlite:///{tmp_path / 'x.db'}"):
            with pytest.raises(FileNotFoundError, match="no such database file: .*(rules|nope|x).db"):
                call(url)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("filters,bad,allowed", [
    ({"kind": "nonsense"}, "'nonsense'", "threshold, ratio, deadline, sanction"),
    ({"subject": "烟花爆竹"}, "'烟花爆竹'", "党建"),  # a known area, but no stored document is about it
    ({"subject": "宇宙航行"}, "'宇宙航行'", "党建"),
    ({"jurisdiction": ["云南", "火星"]}, "'火星'", "云南省楚雄彝族自治州武定县"),
    ({"jurisdiction": "火星"}, "'火星'", "广东省梅州市"),
])
def test_unknown_filters_name_the_value_and_the_allowed_ones(seed_db, filters, bad, allowed):
    import policyx

    with pytest.raises(ValueError) as e:
        policyx.compare(seed_db, **filters)
    assert bad in str(e.value) and allowed in str(e.value), e.value
    args = [f"--{k}" for k in filters for _ in ([filters[k]] if isinstance(filters[k], str) else filters[k])]
    values = [v for k in filters for v in ([filters[k]] if isinstance(filters[k], str) else filters[k])]
    r = subprocess.run([sys.executable, "-m", "pipeline.cli", "compare", "--db", seed_db,
                        *[x for pair in zip(args, values) for x in pair]],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and bad in r.stderr and allowed in r.stderr


def test_load_provisions_unknown_kind_names_the_kinds(seed_db):
    import policyx

    with pytest.raises(ValueError, match="unknown kind 'nonsense' .*threshold, ratio, deadline, sanction"):
        policyx.load_provisions(seed_db, kind="nonsense")


def test_load_provisions_types_its_values(seed_db):
    """Numbers numeric, durations and dates each in their own column."""
    import policyx

    df = policyx.load_provisions(seed_db)
    assert str(df["value"].dtype) == "float64" and str(df["value_max"].dtype) == "float64"
    for c in ("value_duration", "value_max_duration", "value_date", "value_max_date"):
        assert c in df.columns
    records = {(r["doc"], tuple(r["span"]), r["kind"], r["quote"]): r for r in _records(seed_db)}
    assert len(records) == len(df)
    durations = dates = numbers = 0
    for row in df.itertuples(index=False):
        record = records[(row.doc, tuple(row.span), row.kind, row.quote)]
        for key in ("value", "value_max"):
            v = record.get(key)
            got = getattr(row, key)
            if isinstance(v, (int, float)):
                assert got == v
                numbers += 1
            else:
                assert got != got  # NaN
            if isinstance(v, str) and v.startswith("P"):
                assert getattr(row, f"{key}_duration") == v and getattr(row, f"{key}_date") is None
                durations += 1
            elif isinstance(v, str):
                assert getattr(row, f"{key}_date") == v and getattr(row, f"{key}_duration") is None
                dates += 1
    assert numbers and durations and dates
    assert df["value"].sum() > 0  # arithmetic works
    deadlines = policyx.load_provisions(seed_db, kind="deadline")
    assert set(deadlines["kind"]) == {"deadline"} and str(deadlines["value"].dtype) == "float64"
    assert deadlines["value_duration"].notna().any() and deadlines["value_date"].notna().any()


def _records(db):
    from pipeline.query import current_records

    return current_records(db)


def test_compare_switches_to_csv_when_piped(seed_db):
    """Piped (not a terminal), the table would be cut to 80 columns: compare writes CSV
    instead; an explicit --format wins; on a terminal it is still the table."""
    import csv
    import io
    import json
    import os
    import pty

    base = [sys.executable, "-m", "pipeline.cli", "compare", "--db", seed_db, "--indicator", "党务工作人员"]
    piped = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    rows = list(csv.DictReader(io.StringIO(piped.stdout)))
    assert rows and {"indicator", "jurisdiction", "verdict", "condition"} <= set(rows[0])
    assert {r["jurisdiction"] for r in rows} >= {"X市", "云南省楚雄彝族自治州武定县"}
    table = subprocess.run([*base, "--format", "table"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "COLUMNS": "200"})
    assert table.returncode == 0 and "┃" in table.stdout and "overlapping" in table.stdout
    as_json = subprocess.run([*base, "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert [r["quote"] for r in json.loads(as_json.stdout)] == [r["quote"] for r in rows]
    master, slave = pty.openpty()
    proc = subprocess.Popen(base, cwd=ROOT, stdout=slave, stderr=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"})
    os.close(slave)
    out = b""
    try:
        while chunk := os.read(master, 65536):
            out += chunk
    except OSError:  # EIO: the child closed the terminal
        pass
    finally:
        os.close(master)
    assert proc.wait(timeout=300) == 0
    text = out.decode("utf-8", "replace")
    assert "党务工作人员" in text and "indicator,kind" not in text


@pytest.mark.parametrize("value,value_max,op,per,text", [
    ("XXXX-12", None, "=", "year", "每年12月"),
    ("XXXX-06-25", None, "<=", None, "≤6月25日"),
    ("2012-06-25", None, "=", None, "2012年6月25日"),
    ("XXXX", None, "<=", None, "事件前"),
    ("XXXX-04-12", "XXXX-04-14", "range", None, "4月12日–4月14日"),
])
def test_deadline_dates_read_as_dates(value, value_max, op, per, text):
    """The matrix showed =XXXX-12/年 where a reader expects 每年12月."""
    from pipeline.compare import value_text

    assert value_text({"kind": "deadline", "value": value, "value_max": value_max, "op": op, "per": per}) == text


def test_compare_frame_types_its_values(seed_db):
    """compare()'s value_min/value_max are numbers only (they mixed floats, P30D and
    dates); a deadline's duration and date stand in columns of their own, in the CSV too."""
    import pandas as pd

    import policyx

    df = policyx.compare(seed_db)
    numbers = pd.to_numeric(df["value_min"].dropna(), errors="coerce")
    assert numbers.notna().all() and len(numbers) > 0
    deadlines = df[df["kind"] == "deadline"]
    assert deadlines["value_duration"].dropna().str.fullmatch(r"P\d+[YMWD]").all()
    assert (deadlines["value_duration"].notna() | deadlines["value_date"].notna()).any()


def test_hours_are_a_duration_that_compares_in_days():
    """PT48H (四十八小时内) was read as a date: left out of the comparison, typed as a date in
    the frame, and refused by the export schema."""
    import jsonschema

    from pipeline.compare import typed_value, value_text
    from pipeline.export.schema import DEFS

    [notice] = compare([
        rec("a.txt", "deadline", "报告期限", "甲市", "within", "PT48H", unit=None),
        rec("b.txt", "deadline", "报告期限", "乙市", "within", "P3D", unit=None),
    ])
    assert {r.jurisdiction: interval_of(r.record).hi for r in notice.rows} == {"甲市": 2, "乙市": 3}
    assert {r.jurisdiction: r.verdict for r in notice.rows} == {"甲市": "stricter", "乙市": "looser"}
    assert typed_value("PT48H") == (None, "PT48H", None)
    assert value_text({"kind": "deadline", "value": "PT48H", "op": "within", "value_max": None, "per": None}) == "within 48小时"
    for value in ("PT48H", "P30D", "P1Y6M"):
        jsonschema.validate(value, DEFS["timex"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("P48H", DEFS["timex"])
