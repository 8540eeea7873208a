"""`policyx browse`: the browse copy of a real rule database (the pipeline run on the
repo's corpus/ and the held-out regulations, which have fines) holds exactly rules.jsonl's provisions, its full-text index finds
Chinese words, its canned queries answer, bad databases are one-line errors, and the
served site works in a real headless Chromium (skipped with a reason where Debian's
chromium and chromium-driver are missing: .ci/setup-chromium.sh installs them)."""
from __future__ import annotations

import fnmatch
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict

import pytest

from browser import CHROMEDRIVER, CHROMIUM, MISSING, start_chromium
from conftest import CORPUS, ROOT
from test_cli_run import BAD_URLS  # the URLs every command that takes --db is tested on
from db_fixtures import postgres_server  # noqa: F401  (fixture)
from pipeline.browse import (DATA, DOCUMENT_COLUMNS, FTS_TABLE, PROVISION_COLUMNS, BrowseError, browse_path,
                             build_browse_db, built_state, site_metadata, Source)
from pipeline.browse.fts import escape_fts, fts_text

DOCS = [CORPUS, ROOT / "tests" / "data" / "heldout" / "docs", ROOT / "tests" / "data" / "heldout2" / "docs"]


def policyx(*args, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def rule_db(tmp_path_factory):
    """A real rule database: the pipeline run on corpus/ and the held-out documents (a
    dog regulation, Taiwan ordinances, a waste sorting regulation: fines of several
    jurisdictions), with its rules.jsonl."""
    from models.db import dispose_engine
    from pipeline.corpus import run_corpus

    root = tmp_path_factory.mktemp("browse")
    url = f"sqlite:///{root / 'rules.db'}"
    run_corpus(DOCS, db_url=url, out_dir=root / "out", exports="jsonl")
    records = [json.loads(line) for line in (root / "out" / "rules.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) > 300
    yield {"url": url, "db_path": root / "rules.db", "records": records, "root": root}
    dispose_engine(url)


@pytest.fixture(scope="module")
def copy(rule_db):
    path = build_browse_db(rule_db["url"])
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    yield {"path": path, "con": con, **rule_db}
    con.close()


def rows(con, sql, params=()):
    return [dict(r) for r in con.execute(sql, params)]


# --- the copy ---------------------------------------------------------------------------

def test_copy_sits_beside_the_database(copy):
    assert copy["path"] == copy["root"] / "rules.browse.db"


def test_copy_holds_rules_jsonl(copy):
    """Row for row, in order: the same provisions with the same aligned indicators."""
    got = rows(copy["con"], "select * from provisions order by id")
    records = copy["records"]
    assert len(got) == len(records)
    for row, r in zip(got, records):
        assert (row["doc"], row["kind"], [row["span_start"], row["span_end"]], row["quote"], row["sentence"]) == (
            r["doc"], r["kind"], r["span"], r["quote"], r["sentence"])
        assert row["indicator"] == r["indicator"]
        for field in ("jurisdiction", "jurisdiction_code", "jurisdiction_level", "policy_area", "sanction",
                      "condition", "cites", "op", "unit", "currency", "section", "subject"):
            assert row[field] == r.get(field), field
        if isinstance(r["value"], str):
            assert row["value"] is None and row["value_text"].startswith(r["value"])
        else:
            assert row["value"] == r["value"] and row["value_max"] == r["value_max"]
    assert {row["title"] for row in got if row["doc"] == "000_d1701e8db34252ee.txt"} == {
        "关于进一步压实党组织书记大抓基层党建工作责任制的实施办法"}
    # a compilation without a title of its own: each provision has its part's title
    assert {row["title"] for row in got if row["doc"] == "002_4a1c25df51dd8fdf.txt"} >= {
        "做好基层党组织分类定级工作推进基层组织建设年的实施意见"}


def test_copy_indicators_are_the_aligned_ones(copy):
    """rules.jsonl aligns labels across documents; the copy must show the aligned ones
    too, not the per-document labels stored in the provisions table."""
    from sqlalchemy import select

    from models.db import ProvisionRow, session_factory

    with session_factory(copy["url"])() as s:
        stored = Counter(s.scalars(select(ProvisionRow.indicator)))
    shown = Counter(r["indicator"] for r in rows(copy["con"], "select indicator from provisions"))
    assert shown == Counter(r["indicator"] for r in copy["records"])
    assert len(set(shown)) < len(set(stored))  # this corpus has labels that alignment joins


def test_documents_table(copy):
    docs = rows(copy["con"], "select * from documents")
    by_status = Counter(d["status"] for d in docs)
    assert by_status["ok"] == len({r["doc"] for r in copy["records"]})
    assert by_status["skipped"] == 1  # corpus/make_formats.sh
    skipped = next(d for d in docs if d["status"] == "skipped")
    assert skipped["name"] == "make_formats.sh" and "unsupported file type" in skipped["error"]
    assert sum(d["provisions"] for d in docs) == len(copy["records"])
    ok = [d for d in docs if d["status"] == "ok"]
    assert all(d["policy_area"] for d in ok if d["provisions"])
    linked = rows(copy["con"], "select count(*) as n from provisions p join documents d on d.id = p.document_id "
                               "where d.name = p.doc")
    assert linked[0]["n"] == len(copy["records"])


def test_rule_database_is_left_alone(copy):
    """The copy is a file of its own: the rule database gains no table."""
    con = sqlite3.connect(f"{copy['path'].with_name('rules.db').as_uri()}?mode=ro", uri=True)
    tables = {r[0] for r in con.execute("select name from sqlite_master where type in ('table', 'view')")}
    con.close()
    assert not {"browse_source", FTS_TABLE} & tables
    assert sorted(p.name for p in copy["root"].glob("*.browse.db*")) == ["rules.browse.db"]


def test_copy_is_reused_until_the_database_changes(copy):
    from models.db import Run, session_factory

    path, url = copy["path"], copy["url"]
    before = built_state(path)
    stamp = path.stat().st_mtime_ns
    assert build_browse_db(url) == path and path.stat().st_mtime_ns == stamp  # up to date: not rewritten
    with session_factory(url).begin() as s:  # any run changes the rule database
        s.add(Run(version="test"))
    build_browse_db(url)
    after = built_state(path)
    assert after["runs"] == before["runs"] + 1 and path.stat().st_mtime_ns != stamp
    assert rows(copy["con"], "select count(*) as n from provisions")[0]["n"] == len(copy["records"])


def test_copy_of_a_folder_we_cannot_write_goes_to_the_cache(tmp_path, monkeypatch, rule_db):
    src = Source(rule_db["url"])
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    path = browse_path(src, cache=tmp_path / "cache")
    assert path.parent == tmp_path / "cache" and path.name.startswith("rules-") and path.suffix == ".db"


# --- full-text search --------------------------------------------------------------------

def test_fts_text_and_escape():
    assert fts_text("处500元以下罚款，PM2.5") == "处 500 元 以 下 罚 款 ，PM2.5"  # ， separates anyway
    assert escape_fts("吸烟") == '"吸 烟"'
    assert escape_fts('禁止  "吸烟 场所"') == '"禁 止" "吸 烟 场 所"'
    assert escape_fts('AND ( * "') == '"AND" "(" "*"'
    assert escape_fts("") == '""'


@pytest.mark.parametrize("word", ["罚款", "养犬", "未经许可", "不少于", "党", "元以下", "党组织书记", "PM2.5"])
def test_fts_finds_every_sentence_holding_the_word(copy, word):
    """A MATCH finds exactly the rows whose sentence or conduct contains the word, for
    words of one character and of many (jieba's segmentation plays no part)."""
    con = copy["con"]
    con.create_function("escape_fts", 1, escape_fts)
    found = {r["rowid"] for r in rows(con, f"select rowid from {FTS_TABLE} where {FTS_TABLE} match escape_fts(?)",
                                      (word,))}
    holding = {r["id"] for r in rows(con, "select id from provisions where sentence like ? or condition like ?",
                                     (f"%{word}%", f"%{word}%"))}
    assert found == holding
    assert found or word == "PM2.5"


def test_fts_terms_are_all_required(copy):
    con = copy["con"]
    con.create_function("escape_fts", 1, escape_fts)
    both = rows(con, f"select p.sentence, p.condition from {FTS_TABLE} f join provisions p on p.id = f.rowid "
                     f"where {FTS_TABLE} match escape_fts(?)", ("养犬 罚款",))
    assert both and all(("养犬" in (r["sentence"] + (r["condition"] or ""))) and
                        ("罚款" in (r["sentence"] + (r["condition"] or ""))) for r in both)


# --- metadata and canned queries ---------------------------------------------------------

def test_metadata_labels_every_column(copy):
    meta = site_metadata("rules")
    tables = meta["databases"]["rules"]["tables"]
    con = copy["con"]
    for table in ("provisions", "documents", "browse_source"):
        columns = [r["name"] for r in rows(con, f"pragma table_info({table})")]
        described = tables[table]["columns"]
        assert set(described) == set(columns), table
        assert all(" · " in d for d in described.values()), "Chinese · English"
        assert " · " in tables[table]["title"] and " · " in tables[table]["description"]
    assert [c for c, _ in PROVISION_COLUMNS] == [r["name"] for r in rows(con, "pragma table_info(provisions)")]
    assert [c for c, _ in DOCUMENT_COLUMNS] == [r["name"] for r in rows(con, "pragma table_info(documents)")]
    provisions = tables["provisions"]
    assert provisions["facets"] == ["jurisdiction", "policy_area", "kind", "sanction"]
    assert provisions["sort"] == "jurisdiction" and provisions["fts_table"] == FTS_TABLE
    assert set(tables["documents"]["facets"]) <= set(tables["documents"]["columns"])


def test_data_files_are_package_data():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = data["tool"]["setuptools"]["package-data"]
    patterns = package_data["*"] + package_data["pipeline.browse"]
    shipped = [p.relative_to(DATA.parent).as_posix() for p in DATA.iterdir()]
    assert {"data/metadata.json"} < set(shipped)
    assert all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in shipped), shipped
    assert any(d.startswith("datasette") for d in data["project"]["dependencies"])


def canned(copy, name: str, **params) -> list[dict]:
    sql = site_metadata("rules")["databases"]["rules"]["queries"][name]["sql"]
    assert set(re.findall(r":(\w+)", sql)) == set(params), name
    return rows(copy["con"], sql, params)


def test_every_canned_query_has_title_description_and_sql():
    queries = site_metadata("rules")["databases"]["rules"]["queries"]
    assert set(queries) == {"across_jurisdictions", "fines_across_cities", "jurisdiction_requires"}
    for q in queries.values():
        assert " · " in q["title"] and q["description"] and q["sql"].lstrip().startswith("--")
        assert set(q) == {"title", "description", "sql"}


def test_one_question_across_jurisdictions(copy):
    held = defaultdict(set)
    for r in copy["records"]:
        if r["indicator"]:
            held[r["indicator"]].add(r["jurisdiction"])
    indicator = max(held, key=lambda k: (len(held[k]), k))
    assert len(held[indicator]) >= 2
    got = canned(copy, "across_jurisdictions", indicator=indicator)
    assert [r["jurisdiction"] for r in got] == sorted(held[indicator])  # one row per jurisdiction
    assert {r["indicator"] for r in got} == {indicator}
    assert all(r["sentence"] and r["doc"] and r["provisions"] >= 1 for r in got)
    assert sum(r["provisions"] for r in got) == sum(r["indicator"] == indicator for r in copy["records"])
    assert canned(copy, "across_jurisdictions", indicator="") == []


def test_fines_of_one_conduct(copy):
    fines = [r for r in copy["records"] if r["kind"] == "sanction" and r.get("sanction") == "fine"]
    got = canned(copy, "fines_across_cities", conduct="未经许可")
    assert len(got) == sum("未经许可" in (r.get("condition") or "") for r in fines) > 0
    assert all("未经许可" in r["condition"] for r in got)
    assert len({r["jurisdiction"] for r in got}) >= 2  # across cities
    assert [r["jurisdiction"] for r in got] == sorted(r["jurisdiction"] for r in got)
    assert len(canned(copy, "fines_across_cities", conduct="")) == len(fines)


def test_what_one_jurisdiction_requires(copy):
    place = Counter(r["jurisdiction"] for r in copy["records"] if r["jurisdiction"]).most_common(1)[0][0]
    got = canned(copy, "jurisdiction_requires", jurisdiction=place)
    assert len(got) == sum(r["jurisdiction"] == place for r in copy["records"]) > 0
    assert {r["jurisdiction"] for r in canned(copy, "jurisdiction_requires", jurisdiction="宜昌")} == {"湖北省宜昌市"}
    inside = {r["jurisdiction"] for r in copy["records"] if "X" in (r["jurisdiction"] or "")}
    assert len(inside) > 2 and place in inside  # an exact name is that one only, a part finds all holding it
    assert {r["jurisdiction"] for r in canned(copy, "jurisdiction_requires", jurisdiction="X")} == inside
    assert canned(copy, "jurisdiction_requires", jurisdiction="") == []


# --- databases that cannot be browsed ---------------------------------------------------

@pytest.mark.parametrize("url,named", BAD_URLS)
def test_bad_url_is_one_line_and_exit_2(tmp_path, url, named):
    r = policyx("browse", "--db", url, "--no-open", cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and named in lines[0], r.stderr
    assert "s3cret-pw" not in r.stderr + r.stdout and "Traceback" not in r.stderr


def test_missing_database_is_never_created(tmp_path):
    r = policyx("browse", "--db", "sqlite:///nope.db", "--no-open", cwd=tmp_path, timeout=60)
    assert r.returncode == 2 and r.stderr.strip().startswith("error: no such database")
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = policyx("browse", "--db", f"sqlite:///{tmp_path / 'a' / 'b.db'}", "--no-open", timeout=60)
    assert r.returncode == 2 and "no such database" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"not a database at all, just text\n" * 40])
def test_not_a_rule_database(tmp_path, content):
    (tmp_path / "x.db").write_bytes(content)
    with pytest.raises(BrowseError, match="x.db"):
        build_browse_db(f"sqlite:///{tmp_path / 'x.db'}")
    assert (tmp_path / "x.db").read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


def test_the_copy_itself_is_not_a_rule_database(copy):
    with pytest.raises(BrowseError, match="not a policyx rule database"):
        build_browse_db(f"sqlite:///{copy['path']}")


def test_port_in_use_is_one_line_and_exit_2(copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = policyx("browse", "--db", copy["url"], "--no-open", "--port", port, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in r.stderr


# --- PostgreSQL ----------------------------------------------------------------------------

def test_postgresql_database_browses_alike(postgres_server, copy, tmp_path, monkeypatch):
    """The copy of a PostgreSQL rule database (in the cache folder) equals the SQLite one."""
    from models.db import dispose_engine
    from pipeline.corpus import run_corpus

    url = postgres_server.create_database()
    try:
        run_corpus(DOCS, db_url=url, out_dir=tmp_path / "out", exports="jsonl")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        path = build_browse_db(url)
        assert path.parent == tmp_path / "cache" / "policyx" / "browse" and path.name.endswith(".browse.db")
        con = sqlite3.connect(path)
        con.row_factory = sqlite3.Row
        columns = ", ".join(c for c, _ in PROVISION_COLUMNS if c != "document_id")
        pg = [tuple(r) for r in con.execute(f"select {columns} from provisions order by id")]
        lite = [tuple(r) for r in copy["con"].execute(f"select {columns} from provisions order by id")]
        assert pg == lite
        con.close()
        assert build_browse_db(url) == path  # up to date
    finally:
        dispose_engine(url)
        postgres_server.drop_database(url)
    missing = url.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(BrowseError, match="no_such_database"):
        build_browse_db(missing)


# --- the site in a real browser -------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"policyx browse exited {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds}s")


@pytest.fixture(scope="module")
def server(copy, tmp_path_factory):
    """`policyx browse --no-open --port P` on 127.0.0.1, as a user starts it."""
    port = free_port()
    logs = tmp_path_factory.mktemp("server")
    out, err = (logs / "stdout").open("w"), (logs / "stderr").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "browse", "--db", copy["url"], "--no-open",
                             "--port", str(port)], cwd=ROOT, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/rules/provisions.json?_size=1", proc)
        yield {"base": base, "proc": proc, "stdout": logs / "stdout", "stderr": logs / "stderr"}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        out.close()
        err.close()


def test_server_prints_its_url_and_stops_on_ctrl_c(copy, tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "browse", "--db", copy["url"], "--no-open",
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/rules/provisions.json?_size=1", proc)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 0, stderr
        assert f"http://127.0.0.1:{port}/rules/provisions" in stdout
        assert "Traceback" not in stderr and "browse copy:" in stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_site_answers_json(server, copy):
    """Without a browser: facets, search and a canned query through Datasette's JSON."""
    def get(path, **params):
        with urllib.request.urlopen(f"{server['base']}{path}?{urllib.parse.urlencode(params)}", timeout=30) as r:
            return json.loads(r.read())

    data = get("/rules/provisions.json", _size=0)
    assert data["filtered_table_rows_count"] == len(copy["records"])
    kinds = {f["value"]: f["count"] for f in data["facet_results"]["kind"]["results"]}
    assert kinds == Counter(r["kind"] for r in copy["records"])
    assert set(data["facet_results"]) == {"jurisdiction", "policy_area", "kind", "sanction"}
    hits = get("/rules/provisions.json", _search="养犬", _size=0)["filtered_table_rows_count"]
    assert hits == sum("养犬" in r["sentence"] + (r.get("condition") or "") for r in copy["records"]) > 0
    fines = get("/rules/fines_across_cities.json", conduct="未经许可", _shape="array")
    assert fines and all("未经许可" in r["condition"] for r in fines)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(MISSING)
    pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    d = start_chromium(tmp_path_factory.mktemp("chromium-profile"), "1280,2200")
    yield d
    d.quit()


def load(driver, url: str) -> list[dict]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get_log("browser")
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.get_log("browser")


def body_rows(driver):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")


def test_table_page_shows_facet_counts(driver, server, copy):
    from selenium.webdriver.common.by import By

    logs = load(driver, f"{server['base']}/rules/provisions")
    assert not [e for e in logs if e["level"] == "SEVERE"], logs
    assert "条款 · Provisions" in driver.find_element(By.TAG_NAME, "h1").text
    facet = driver.find_element(By.CSS_SELECTOR, "#facet-kind")
    counts = {}
    for li in facet.find_elements(By.CSS_SELECTOR, "li"):
        label, _, n = li.text.rpartition(" ")
        counts[label.strip()] = int(n.replace(",", ""))
    con = sqlite3.connect(copy["path"])
    assert counts["threshold"] == con.execute("select count(*) from provisions where kind = 'threshold'").fetchone()[0]
    assert counts == dict(con.execute("select kind, count(*) from provisions group by kind").fetchall())
    con.close()
    for name in ("jurisdiction", "policy_area", "sanction"):
        assert driver.find_elements(By.CSS_SELECTOR, f"#facet-{name}"), name
    assert driver.find_elements(By.CSS_SELECTOR, "form input[name=_search]"), "the search box"
    assert len(body_rows(driver)) > 0
    driver.save_screenshot("/tmp/policyx_browse.png")


def test_full_text_search_shows_a_hit(driver, server):
    from selenium.webdriver.common.by import By

    word = "未经登记养犬"
    load(driver, f"{server['base']}/rules/provisions?_search={urllib.parse.quote(word)}")
    assert body_rows(driver)
    cells = driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    texts = [" ".join(td.text for td in tr.find_elements(By.CSS_SELECTOR, "td.col-sentence, td.col-condition"))
             for tr in cells]
    assert texts and all(word in t for t in texts)
    assert "search matches" in driver.find_element(By.TAG_NAME, "h3").text


def test_canned_query_page_renders_rows(driver, server, copy):
    from selenium.webdriver.common.by import By

    held = defaultdict(set)
    for r in copy["records"]:
        if r["indicator"]:
            held[r["indicator"]].add(r["jurisdiction"])
    indicator = max(held, key=lambda k: (len(held[k]), k))
    logs = load(driver, f"{server['base']}/rules/across_jurisdictions?indicator={urllib.parse.quote(indicator)}")
    assert not [e for e in logs if e["level"] == "SEVERE"], logs
    assert "One question across jurisdictions" in driver.find_element(By.TAG_NAME, "h1").text
    got = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td.col-jurisdiction")]
    assert got == sorted(held[indicator])
