"""Exports of a real run of the seed corpus: the files researchers and other programs
open (rules.jsonl + schema, comparison CSV/XLSX, report.html) must be valid, grounded,
readable in Excel, offline, and safe against hostile document text."""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from conftest import SEEDS, records_and_sources
from models.records import Provision
from pipeline.compare import compare, comparison_rows
from pipeline.export import EXPORT_NAMES, SCHEMA, write_exports
from pipeline.export.files import target_path
from pipeline.export.report import script_json
from pipeline.export.tables import DEFAULT_COLUMNS, PROVISION_COLUMNS, defuse, sheet_names, table_rows
from pipeline.matrix import NO_PROVISION, build_matrices

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


def test_csv_and_xlsx_defuse_formulas(hostile):
    out, _, _ = hostile
    with open(out / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        indicators = {r["indicator"] for r in csv.DictReader(f)}
    assert "'=HYPERLINK(\"http://x\")" in indicators
    assert defuse("=1+1") == "'=1+1" and defuse("-2") == "'-2" and defuse(-2.0) == -2.0 and defuse("不少于") == "不少于"
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "document text stored as a formula"
    assert any(c.value == "=HYPERLINK(\"http://x\")" for c in cells), "text kept exactly in the workbook"


def _valid_sheet_name(name: str) -> bool:
    return (0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
            and not name.startswith("'") and not name.endswith("'") and name.lower() != "history")


def test_xlsx_overview_and_indicator_sheets(exported):
    out, _, records, _ = exported
    comparisons = compare(records)
    wb = openpyxl.load_workbook(out / "comparison.xlsx")
    matrices = build_matrices(records)
    assert wb.sheetnames[0] == "overview"
    # overview, one sheet per indicator, then one jurisdiction × question sheet per subject
    assert len(wb.sheetnames) == 1 + len(comparisons) + len(matrices) and matrices
    assert wb.sheetnames[1 + len(comparisons):] == [f"矩阵 {m.subject}" for m in matrices]
    assert all(_valid_sheet_name(n) for n in wb.sheetnames)
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    ov = wb["overview"]
    header = [c.value for c in ov[1]]
    assert header[:6] == ["indicator", "kind", "jurisdictions (n)", "jurisdictions", "range of values", "provisions"]
    assert {"stricter", "looser", "overlapping"} <= set(header)
    assert ov.freeze_panes == "A2" and ov["A1"].font.bold
    body = list(ov.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in body] == [(c.indicator, c.kind) for c in comparisons]
    assert [r[2] for r in body] == [len(c.jurisdictions) for c in comparisons]
    for (row, c), name in zip(zip(body, comparisons), wb.sheetnames[1:1 + len(comparisons)], strict=True):
        ws = wb[name]
        assert ws.max_row - 1 == len(c.rows) == row[5]
        assert ws.freeze_panes == "A2"
        assert ws["A1"].value == "jurisdiction" and ws["A1"].font.bold
        header = [cell.value for cell in ws[1]]
        assert {"sentence", *PROVISION_COLUMNS} <= set(header)
        sentence = openpyxl.utils.get_column_letter(header.index("sentence") + 1)
        assert ws.column_dimensions[sentence].width >= 20  # the sentence column is wide enough to read
    assert ov["A2"].hyperlink.location == f"'{wb.sheetnames[1]}'!A1"


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
    assert {j: [defuse(x) for x in v] for j, v in sheet.items()} == {
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
    ws = wb[wb.sheetnames[1]]
    header = [c.value for c in ws[1]]
    cells = sorted((dict(zip(header, line)) for line in ws.iter_rows(min_row=2, values_only=True)),
                   key=lambda r: r["doc"])
    assert [(r["condition"], r["cites"], r["currency"]) for r in cells] == [
        (r["condition"], r["cites"], r["currency"]) for r in rows]

    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    texts = _row_texts(html)
    assert len(texts) == 2
    for r in records:
        row = next(t for t in texts if r["jurisdiction"] in t)
        for part in (r["sentence"], r["condition"], r["cites"], r["currency"]):
            assert part in row, (part, row)
    assert 'title="' not in "".join(re.findall(r'<tr class="cmp-row".*?</tr>', html, re.S)), "no tooltips"


class _RowText(HTMLParser):
    """The visible text of each comparison row."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and dict(attrs).get("class") == "cmp-row":
            self.rows.append("")
            self.depth = 1
        elif self.depth and tag == "tr":
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag == "tr":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.rows[-1] += data


def _row_texts(html: str) -> list[str]:
    p = _RowText()
    p.feed(html)
    return p.rows


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
    out, _, records, _ = exported
    html = (out / "report.html").read_text(encoding="utf-8")
    p = _parse(html)
    rows = comparison_rows(compare(records))
    cmp_rows = [a for t, a in p.tags if t == "tr" and a.get("class") == "cmp-row"]
    assert len(cmp_rows) == len(rows)
    srcs = [a for t, a in p.tags if t == "li" and a.get("class") == "src"]
    assert len(srcs) == len(records)
    assert len([a for t, a in p.tags if t == "svg"]) >= 5, "numeric indicators get interval charts"
    links = [a["href"][1:] for t, a in p.tags if t == "a" and a.get("href", "").startswith("#")]
    assert links and all(target in p.ids for target in links), "every anchor leads somewhere"
    quote_links = [a["href"] for t, a in p.tags if t == "a" and a.get("class") == "quote"]
    assert len(quote_links) == len(rows), "every comparison row links to its source"
    assert html.count("<mark>") == len(records)
    for kind in ("threshold", "ratio", "deadline", "sanction"):
        assert f'data-kind="{kind}"' in html
    for r in records:
        assert f"<mark>{escape(r['quote'])}</mark>" in html


def test_report_escapes_hostile_text(hostile):
    out, records, _ = hostile
    html = (out / "report.html").read_text(encoding="utf-8")
    for payload in (SCRIPT, IMG, PWN, "<svg onload=alert(1)>", "</script><script>"):
        assert payload not in html, payload
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    p = _parse(html)
    assert [t for t, _ in p.tags].count("script") == 2  # the JSON block and our own code
    assert not [t for t, _ in p.tags if t in ("img", "iframe", "textarea")]
    svgs = [a for t, a in p.tags if t == "svg"]
    assert svgs and all(a.get("class") == "chart" for a in svgs)  # our charts only
    handlers = [(t, k) for t, a in p.tags for k in a if k.lower().startswith("on")]
    assert not handlers, handlers
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    assert not re.search("[<>&\u2028\u2029]", block)
    data = json.loads(block)
    assert records[1]["jurisdiction"] in data["jurisdictions"]
    comparisons = compare(records)
    assert len(comparisons) == 2
    assert html.count('class="cmp-row"') == sum(len(c.rows) for c in comparisons)


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
    assert html.count("<mark>") == len(records)


def test_empty_run_writes_all_files(tmp_path):
    paths = write_exports(tmp_path, [], {})
    assert [p.name for p in paths] == list(EXPORT_NAMES)
    assert (tmp_path / "rules.jsonl").read_text(encoding="utf-8") == ""
    with open(tmp_path / "comparison.csv", encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f))[0] == "indicator"
    assert openpyxl.load_workbook(tmp_path / "comparison.xlsx").sheetnames == ["overview"]
    assert "No indicator is stated" in (tmp_path / "report.html").read_text(encoding="utf-8")
