"""Exports of a real run of the seed corpus: the files researchers and other programs
open (rules.jsonl + schema, comparison CSV/XLSX, report.html) must be valid, grounded,
readable in Excel, offline, and safe against hostile document text."""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser

import pytest

from conftest import SEEDS, records_and_sources
from models.records import Provision
from pipeline.compare import compare, comparison_rows
from pipeline.export import EXPORT_NAMES, SCHEMA, write_exports
from pipeline.export.files import target_path
from pipeline.export.report import provision_order, read_data, script_json, unpack
from pipeline.export.tables import DEFAULT_COLUMNS, PROVISION_COLUMNS, excel_would_run, sheet_names, table_rows
from pipeline.matrix import CODEBOOK_COLUMNS, NO_PROVISION, build_matrices, codebook_rows

jsonschema = pytest.importorskip("jsonschema")
openpyxl = pytest.importorskip("openpyxl")

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PWN = "<img src=x onerror=\"window.__pwned=1;alert(1)\">"


def seed_records() -> tuple[list[dict], dict[str, str]]:
    """Records and source texts of the real pipeline over the seed TXT documents."""
    return records_and_sources(SEEDS)


def hostile_records() -> tuple[list[dict], dict[str, str]]:
    """Two documents whose every text field carries markup, script-ending sequences and
    line separators; they share an indicator, so they reach the comparison too."""
    out, sources = [], {}
    for n, jur in enumerate([f"{SCRIPT}省", f"</script><script>window.__pwned=1</script>{IMG}市\u2028"]):
        doc = f"evil{n}\"'><svg onload=alert(1)>.txt"
        quote = f"不少于{n + 2}次{PWN}"
        text = f"前文{SCRIPT}{IMG}……每年召开会议{quote}。后文</textarea>{PWN}]]>--><!--"
        start = text.index(quote)
        sources[doc] = text
        out.append({
            "doc": doc, "kind": "threshold", "span": [start, start + len(quote)], "quote": quote,
            "sentence": f"每年召开会议{quote}", "section": f"第一章 > {SCRIPT}", "jurisdiction": jur,
            "subject": IMG, "indicator": f"会议次数{IMG}[]:*?/\\'", "approx": False, "confidence": 0.9,
            "op": ">=", "value": float(n + 2), "value_max": None, "unit": f"次{SCRIPT}", "per": "year"})
    out.append({**out[0], "kind": "sanction", "quote": out[0]["quote"], "indicator": "=HYPERLINK(\"http://x\")",
                "sanction": "fine", "polarity": "negative", "target": SCRIPT, "condition": IMG,
                "cites": f"第十四条 > {SCRIPT}", "duration": None, "op": "range", "value": 200.0, "value_max": 1000.0,
                "unit": "元", "base": None, "currency": "CNY"})
    out.append({**out[2], "doc": out[1]["doc"], "span": out[1]["span"], "quote": out[1]["quote"],
                "jurisdiction": out[1]["jurisdiction"]})
    for r in out[2:]:
        del r["per"]  # sanctions carry no recurrence
    return out, sources


@pytest.fixture(scope="module")
def seed_run():
    return seed_records()


@pytest.fixture(scope="module")
def exported(seed_run, tmp_path_factory):
    records, sources = seed_run
    out = tmp_path_factory.mktemp("exports")
    paths = write_exports(out, records, sources)
    return out, paths, records, sources


@pytest.fixture(scope="module")
def hostile(seed_run, tmp_path_factory):
    records, sources = hostile_records()
    out = tmp_path_factory.mktemp("hostile")
    write_exports(out, records, sources)
    return out, records, sources


def test_fixed_file_names_inside_out_dir(exported):
    out, paths, _, _ = exported
    assert [p.name for p in paths] == list(EXPORT_NAMES)
    assert all(p.parent == out and p.is_file() for p in paths)
    assert sorted(x.name for x in out.iterdir()) == sorted(EXPORT_NAMES), "temp files left behind"


def test_export_names_cannot_escape(tmp_path):
    for bad in ("../x", "a/b", "/etc/passwd", "..", ".hidden", "", "x\\y"):
        with pytest.raises(ValueError):
            target_path(tmp_path, bad)


def test_symlinked_target_is_replaced_not_followed(tmp_path, seed_run):
    """A link planted at an export name must not let the export write elsewhere."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "rules.jsonl").symlink_to(outside)
    records, sources = seed_run
    write_exports(out, records[:5], sources)
    assert outside.read_text(encoding="utf-8") == "keep"
    assert not (out / "rules.jsonl").is_symlink()


def test_jsonl_round_trip(exported):
    out, _, records, _ = exported
    raw = (out / "rules.jsonl").read_text(encoding="utf-8")
    lines = raw.splitlines()
    assert len(lines) == len(records) > 100
    assert [json.loads(line) for line in lines] == records
    assert "不少于" in raw and "\\u" not in raw, "Chinese must be written as is (ensure_ascii=False)"


def test_schema_validates_every_record(exported):
    out, _, _, _ = exported
    schema = json.loads((out / "rules.schema.json").read_text(encoding="utf-8"))
    assert schema == json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    lines = (out / "rules.jsonl").read_text(encoding="utf-8").splitlines()
    kinds = set()
    for line in lines:
        record = json.loads(line)
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(record)]
        assert not errors, (record, errors)
        kinds.add(record["kind"])
    assert kinds == {"threshold", "ratio", "deadline", "sanction"}


@pytest.mark.parametrize("change", [
    {"kind": "rule"}, {"span": [1, 2, 3]}, {"span": [1.5, 2]}, {"span": ["1", 2]}, {"confidence": 1.5},
    {"op": "≥"}, {"per": "decade"}, {"value": "4"}, {"unit": None}, {"approx": "no"}, {"doc": None},
    {"op": "range", "value_max": None},
])
def test_schema_rejects_records_off_contract(seed_run, change):
    records, _ = seed_run
    threshold = next(r for r in records if r["kind"] == "threshold")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert validator.is_valid(threshold)
    assert not validator.is_valid({**threshold, **change})


@pytest.mark.parametrize("kind,change", [
    ("sanction", {"sanction": "beheading"}), ("sanction", {"polarity": "neutral"}),
    ("sanction", {"duration": "3 years"}), ("deadline", {"value": "April 15"}), ("deadline", {"op": ">="}),
])
def test_schema_rejects_kind_fields_off_contract(seed_run, kind, change):
    records, _ = seed_run
    record = next(r for r in records if r["kind"] == kind)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert validator.is_valid(record)
    assert not validator.is_valid({**record, **change})


def test_every_quote_is_grounded_in_its_source(exported):
    out, _, _, sources = exported
    for line in (out / "rules.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        s, e = r["span"]
        assert sources[r["doc"]][s:e] == r["quote"], r


def test_csv_has_bom_and_chinese_intact(exported):
    out, _, records, _ = exported
    raw = (out / "comparison.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    expected = table_rows(compare(records))
    with open(out / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(expected) == len(comparison_rows(compare(records))) > 20
    assert list(rows[0]) == list(expected[0]) == DEFAULT_COLUMNS
    assert set(comparison_rows(compare(records))[0]) | set(PROVISION_COLUMNS) == set(DEFAULT_COLUMNS)
    for got, want in zip(rows, expected):
        assert got["indicator"] == want["indicator"]
        assert got["jurisdiction"] == (want["jurisdiction"] or "")
        assert got["quote"] == want["quote"]
        assert int(got["span_start"]) == want["span_start"]
    assert any("党" in r["indicator"] for r in rows)


def test_csvs_are_exact_and_the_xlsx_never_runs_document_text(hostile):
    """The CSVs are data for programs: every value exactly as stated (no apostrophe
    before a '='); comparison.xlsx is the file for Excel: no cell is a formula, and a
    text Excel would run if typed is marked as text (quotePrefix), its value exact."""
    out, _, _ = hostile
    with open(out / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        indicators = {r["indicator"] for r in csv.DictReader(f)}
    assert "=HYPERLINK(\"http://x\")" in indicators and not any(i.startswith("'") for i in indicators)
    assert excel_would_run("=1+1") and excel_would_run("@SUM(A1)") and excel_would_run("-2+3") and excel_would_run(" =1")
    assert not any(excel_would_run(x) for x in ("=", ">=", "<=", "-", "-2", "+3.5", "-1e5", -2.0, None, "不少于", "≥2 %"))
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "document text stored as a formula"
    hyperlink = [c for c in cells if c.value == "=HYPERLINK(\"http://x\")"]
    assert hyperlink, "text kept exactly in the workbook"
    assert all(c.data_type == "s" and c.quotePrefix for c in hyperlink)
    assert not [c.coordinate for c in cells if c.quotePrefix and not excel_would_run(c.value)]


def test_machine_csvs_round_trip_through_pandas(exported):
    """comparison.csv, matrix.csv and codebook.csv read back with pandas give the values
    written: an `op` of "=" stays "=", numbers stay numbers."""
    pd = pytest.importorskip("pandas")
    out, _, records, _ = exported
    rows = table_rows(compare(records))
    text = lambda v: "" if v is None else str(v)
    df = pd.read_csv(out / "comparison.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == DEFAULT_COLUMNS
    assert df.values.tolist() == [[text(r[c]) for c in DEFAULT_COLUMNS] for r in rows]
    typed = pd.read_csv(out / "comparison.csv")
    assert "=" in set(typed["op"]) and not typed["op"].dropna().str.startswith("'").any()
    assert typed["span_start"].tolist() == [r["span_start"] for r in rows]
    matrices = build_matrices(records)
    book = pd.read_csv(out / "codebook.csv", dtype=str, keep_default_na=False)
    assert book.values.tolist() == [[text(b[c]) for c in CODEBOOK_COLUMNS] for b in codebook_rows(matrices)]


def _valid_sheet_name(name: str) -> bool:
    return (0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
            and not name.startswith("'") and not name.endswith("'") and name.lower() != "history")


def test_xlsx_is_a_workbook_for_people(exported):
    """overview, ONE provisions sheet (autofilter, frozen header, a condition column),
    one matrix sheet per subject, the codebook: a handful of readable sheets, not one
    per indicator."""
    out, _, records, _ = exported
    comparisons = compare(records)
    rows = table_rows(comparisons)
    matrices = build_matrices(records)
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    assert matrices and len(comparisons) > 20
    assert wb.sheetnames == ["overview", "provisions", *[f"矩阵 {m.subject}" for m in matrices], "codebook"]
    assert all(_valid_sheet_name(n) and "~" not in n for n in wb.sheetnames)
    ws = wb["provisions"]
    header = [c.value for c in ws[1]]
    assert header == DEFAULT_COLUMNS and {"condition", "cites", "currency", "sentence"} <= set(header)
    assert ws.max_row - 1 == len(rows)
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    last = openpyxl.utils.get_column_letter(len(header))
    assert ws.auto_filter.ref == f"A1:{last}{len(rows) + 1}"
    body = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[header.index("quote")]) for r in body] == [(r["indicator"], r["kind"], r["quote"]) for r in rows]
    sentence = openpyxl.utils.get_column_letter(header.index("sentence") + 1)
    assert ws.column_dimensions[sentence].width >= 20  # the sentence column is wide enough to read
    ov = wb["overview"]
    header = [c.value for c in ov[1]]
    assert header[:6] == ["indicator", "kind", "jurisdictions (n)", "jurisdictions", "range of values", "provisions"]
    assert {"stricter", "looser", "overlapping"} <= set(header)
    assert ov.freeze_panes == "A2" and ov["A1"].font.bold
    listed = list(ov.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in listed] == [(c.indicator, c.kind) for c in comparisons]
    assert [r[2] for r in listed] == [len(c.jurisdictions) for c in comparisons]
    for n, c in enumerate(comparisons, start=2):  # each indicator links to its first provision
        sheet, cell = ov.cell(row=n, column=1).hyperlink.location.split("!")
        assert sheet == "'provisions'"
        assert ws[cell].value == c.indicator and ws[cell].offset(row=-1).value != c.indicator
    book = wb["codebook"]
    assert [c.value for c in book[1]] == CODEBOOK_COLUMNS and book.freeze_panes == "A2"
    assert [list(r) for r in book.iter_rows(min_row=2, values_only=True)] == [
        [b[k] for k in CODEBOOK_COLUMNS] for b in codebook_rows(matrices)]


def test_matrix_and_codebook_files(exported):
    """matrix.csv: subject, jurisdiction, then one column per question, every cell a value
    with its citation or 未见规定; its subject's sheet in the workbook says the same;
    codebook.csv defines each question."""
    out, _, records, _ = exported
    matrices = build_matrices(records)
    with open(out / "matrix.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    assert header[:4] == ["subject", "jurisdiction", "jurisdiction_code", "jurisdiction_level"] and len(header) > 4
    # every row names its place's GB/T 2260 code and level as the records do
    assert all(r["jurisdiction_level"] for r in rows)
    assert len(rows) == sum(len(m.jurisdictions) for m in matrices)
    m = matrices[0]
    questions = [q.indicator for q in m.questions]
    for r in (r for r in rows if r["subject"] == m.subject):
        for q in questions:
            cell = r[q]
            assert cell == NO_PROVISION or ("（" in cell and cell.endswith("）")), cell
    assert sum(r[q] != NO_PROVISION for r in rows if r["subject"] == m.subject for q in questions) >= 2 * len(questions)
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    ws = wb[f"矩阵 {m.subject}"]
    assert [c.value for c in ws[1]] == ["jurisdiction", "jurisdiction_code", "jurisdiction_level", *questions]
    sheet = {line[0]: line[3:] for line in ws.iter_rows(min_row=2, values_only=True)}
    assert {j: list(v) for j, v in sheet.items()} == {
        r["jurisdiction"]: [r[q] for q in questions] for r in rows if r["subject"] == m.subject}
    with open(out / "codebook.csv", encoding="utf-8-sig", newline="") as f:
        book = list(csv.DictReader(f))
    assert [b["question"] for b in book if b["subject"] == m.subject] == questions
    assert {"definition", "kind", "unit_class", "provisions", "documents"} <= set(book[0])
    assert all(b["definition"] and int(b["provisions"]) >= int(b["jurisdictions_n"]) >= 2 for b in book)
    with open(out / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        compared = list(csv.DictReader(f))
    levels = {r["jurisdiction"]: r.get("jurisdiction_level") for r in records}
    assert compared and all(c["jurisdiction_level"] == (levels[c["jurisdiction"]] or "") for c in compared)


def test_sheet_names_follow_excel_rules():
    titles = ["a" * 40, "a" * 40, "x[y]:z*?/\\w", "History", "'quoted'", "", "overview", "OVERVIEW", "同名", "同名",
              "'" + "长" * 30 + "'", "\x07bell"]
    names = sheet_names(titles, taken={"overview"})
    assert len(names) == len(titles)
    assert all(_valid_sheet_name(n) for n in names), names
    assert len({n.lower() for n in names} | {"overview"}) == len(names) + 1


def test_sheet_names_are_readable_and_numbered_only_when_needed():
    long = "矩阵 " + "关于进一步加强和改进新形势下城市社区党的建设工作的若干意见的实施办法"
    assert len(long) > 31
    names = sheet_names([long, long, "矩阵 党建", "a", "A", "History"], taken={"overview", "provisions"})
    assert names[0] == long[:30] + "…" and len(names[0]) == 31
    assert names[1].endswith(" (2)") and len(names[1]) <= 31 and names[1].startswith(long[:20])
    assert names[2:5] == ["矩阵 党建", "a", "A (2)"]
    assert all(_valid_sheet_name(n) and "~" not in n for n in names)
    assert sheet_names(["overview"], taken={"overview"}) == ["overview (2)"]


def test_sheet_names_of_hostile_indicators_are_valid(hostile):
    out, _, _ = hostile
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    assert len(wb.sheetnames) >= 3
    assert all(_valid_sheet_name(n) for n in wb.sheetnames), wb.sheetnames


def sanction_records() -> tuple[list[dict], dict[str, str]]:
    """Fines of two cities for one conduct: condition, cited rule and currency set."""
    out, sources = [], {}
    for n, (jur, currency, low) in enumerate([("甲市", "CNY", 200), ("乙市", "HKD", 500)]):
        doc = f"dog{n}.txt"
        quote = f"处{low}元以上1000元以下罚款"
        text = f"第二十条 违反本条例第十四条第二款规定，携犬出户未束犬链的，由公安机关责令改正，{quote}。"
        start = text.index(quote)
        sources[doc] = text
        out.append(Provision(
            doc=doc, kind="sanction", span=(start, start + len(quote)), quote=quote, sentence=text[5:],
            section="第二十条", jurisdiction=jur, indicator="携犬出户未束犬链·罚款", confidence=0.9, sanction="fine",
            polarity="negative", condition=f"携犬出户未束犬链{n}", cites=f"第十四条 > 第{n + 2}款", op="range",
            value=float(low), value_max=1000.0, unit="元", currency=currency).to_json())
    return out, sources


def test_sanction_terms_in_csv_xlsx_and_report(tmp_path):
    """A sanction's condition, cited rule and currency are columns of the tables and
    visible text in its report row, not hidden in a tooltip."""
    records, sources = sanction_records()
    write_exports(tmp_path, records, sources)
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert all(validator.is_valid(r) for r in records)
    with open(tmp_path / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["doc"])
    assert [(r["condition"], r["cites"], r["currency"]) for r in rows] == [
        ("携犬出户未束犬链0", "第十四条 > 第2款", "CNY"), ("携犬出户未束犬链1", "第十四条 > 第3款", "HKD")]
    wb = openpyxl.load_workbook(tmp_path / "comparison.xlsx")
    ws = wb["provisions"]
    header = [c.value for c in ws[1]]
    cells = sorted((dict(zip(header, line)) for line in ws.iter_rows(min_row=2, values_only=True)),
                   key=lambda r: r["doc"])
    assert [(r["condition"], r["cites"], r["currency"]) for r in cells] == [
        (r["condition"], r["cites"], r["currency"]) for r in rows]

    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    shown = unpack(read_data(html))  # what the page's script shows as text in each row
    assert len(shown) == 2
    for r in records:
        row = next(t for t in shown if t["jurisdiction"] == r["jurisdiction"])
        assert (row["sentence"], row["condition"], row["cites"], row["currency"]) == (
            r["sentence"], r["condition"], r["cites"], r["currency"])
    assert 'title="' not in html and ".title" not in html, "no tooltips"


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.ids.add(a["id"])


def _parse(html: str) -> _Elements:
    p = _Elements()
    p.feed(html)
    return p


def test_report_is_self_contained_and_offline(exported):
    out, _, records, _ = exported
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", html, re.I)
    p = _parse(html)
    assert not [a for t, a in p.tags if t == "script" and "src" in a]
    assert not [a for t, a in p.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert not [t for t, a in p.tags if t in ("iframe", "object", "embed", "img", "video", "audio")]
    csp = next(a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp


def test_report_content(exported):
    """The page's data: every provision (quote grounded in its document's text), the
    matrices of pipeline/matrix.py cell for cell, compare()'s verdicts, chart axes."""
    out, _, records, sources = exported
    html = (out / "report.html").read_text(encoding="utf-8")
    data = read_data(html)
    shown = unpack(data)
    ordered = provision_order(records)
    assert len(shown) == len(records)
    assert [(p["doc"], p["kind"], p["quote"]) for p in shown] == [(r["doc"], r["kind"], r["quote"]) for r in ordered]
    assert all(p["grounded"] for p in shown)
    assert sum(p["sentence"] == r["sentence"] for p, r in zip(shown, ordered)) > len(records) / 2
    matrices = build_matrices(records)
    assert [data["subjects"][m[0]] for m in data["matrices"]] == [m.subject for m in matrices]
    for m, packed in zip(matrices, data["matrices"]):
        assert sorted(data["jurisdictions"][j] for j in packed[1]) == m.jurisdictions
        assert [data["str"][data["questions"][q][1]] for q in packed[2]] == [q.indicator for q in m.questions]
        cells = {(data["str"][data["questions"][q][1]], data["jurisdictions"][j]): [shown[i]["quote"] for i in ps]
                 for q, j, ps in packed[3]}
        assert cells == {(ind, j): [c.record["quote"] for c in cs] for (j, ind), cs in m.cells.items()}
    verdicts = {(r.doc, r.record["span"][0], r.kind): r.verdict for c in compare(records) for r in c.rows}
    assert verdicts and all(p["verdict"] == verdicts[(r["doc"], r["span"][0], r["kind"])]
                            for p, r in zip(shown, ordered) if (r["doc"], r["span"][0], r["kind"]) in verdicts)
    assert len({p["question"] for p in shown if p["axis"] >= 0}) >= 5, "numeric questions get chart axes"
    assert {p["kind"] for p in shown} == {"threshold", "ratio", "deadline", "sanction"}


def test_report_escapes_hostile_text(hostile):
    out, records, _ = hostile
    html = (out / "report.html").read_text(encoding="utf-8")
    for payload in (SCRIPT, IMG, PWN, "<svg onload=alert(1)>", "</script><script>"):
        assert payload not in html, payload
    p = _parse(html)
    assert [t for t, _ in p.tags].count("script") == 2  # the JSON block and our own code
    assert not [t for t, _ in p.tags if t in ("img", "iframe", "textarea", "svg")]
    handlers = [(t, k) for t, a in p.tags for k in a if k.lower().startswith("on")]
    assert not handlers, handlers
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    assert not re.search("[<>&\u2028\u2029]", block)
    data = json.loads(block)
    assert records[1]["jurisdiction"] in data["jurisdictions"]
    assert "innerHTML" not in html and "insertAdjacentHTML" not in html and "document.write" not in html
    # the payloads reach the script as data, exactly, to be set as text
    shown = unpack(data)
    assert {p["quote"] for p in shown} == {r["quote"] for r in records}
    assert {p["condition"] for p in shown} >= {IMG}
    assert len(compare(records)) == 2 and data["questions"]


def test_script_json_cannot_close_its_element():
    text = script_json({"x": "</script><!--<script>\u2028\u2029&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"x": "</script><!--<script>\u2028\u2029&"}


def test_missing_source_still_reports_the_quote(tmp_path, seed_run):
    records, sources = seed_run
    doc = records[0]["doc"]
    write_exports(tmp_path, records, {k: v for k, v in sources.items() if k != doc})
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "source text not available" in html
    shown = unpack(read_data(html))
    assert [p["quote"] for p in shown] == [r["quote"] for r in provision_order(records)]
    assert {p["doc"] for p in shown if not p["grounded"]} == {doc}


def test_empty_run_writes_all_files(tmp_path):
    paths = write_exports(tmp_path, [], {})
    assert [p.name for p in paths] == list(EXPORT_NAMES)
    assert (tmp_path / "rules.jsonl").read_text(encoding="utf-8") == ""
    with open(tmp_path / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f))[0] == "indicator"
    assert openpyxl.load_workbook(tmp_path / "comparison.xlsx").sheetnames == ["overview", "provisions", "codebook"]
    assert "No indicator is stated" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_chart_axes_one_per_unit_class_log_for_decades():
    """A question's chart: one axis per unit class and currency (CNY and TWD, 元 and 倍
    never share one), logarithmic where the amounts span two decades."""
    from pipeline.export.charts import question_axes

    fine = {"kind": "sanction", "sanction": "fine", "op": "range", "unit": "元"}
    records = [{**fine, "value": 200.0, "value_max": 1000.0, "currency": "CNY"},
               {**fine, "value": 20000.0, "value_max": 100000.0, "currency": "CNY"},
               {**fine, "value": 3000.0, "value_max": 15000.0, "currency": "TWD"},
               {**fine, "value": 1.0, "value_max": 3.0, "unit": "倍", "base": "违法所得"},
               {"kind": "sanction", "sanction": "warning"}]
    axes, placed = question_axes(records)
    assert [(a.label, a.scale) for a in axes] == [("金额（人民币元）", "log"), ("金额（新台币元）", "linear"),
                                                  ("倍数（违法所得的倍数）", "linear")]
    assert placed == [0, 0, 1, 2, None]
    assert axes[0].lo <= 200 and axes[0].hi >= 100000 and ("1万", "10万") <= tuple(t for _, t in axes[0].ticks[-2:])
