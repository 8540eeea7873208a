"""`policyx run` and `policyx text` end to end, on real files and a real SQLite file."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from conftest import CORPUS, ROOT, seed
from models.db import Document, SectionRow, session_factory


def policyx(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def workdir(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for prefix in ("000", "001", "004"):
        shutil.copy(seed(prefix), docs)
    return tmp_path


def test_run_stores_documents_and_writes_rules(workdir):
    db = f"sqlite:///{workdir / 'rules.db'}"
    r = policyx("run", workdir / "docs", "--db", db, "--out", workdir / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "txt" in r.stderr and "3" in r.stderr
    assert (workdir / "out" / "rules.jsonl").exists()
    for line in (workdir / "out" / "rules.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)
    S = session_factory(db)
    with S() as s:
        docs = s.scalars(select(Document).order_by(Document.name)).all()
        assert [d.status for d in docs] == ["ok"] * 3
        d0 = docs[0]
        assert d0.source_text == seed("000").read_text(encoding="utf-8")
        assert "第三章" in d0.normalized_text and "推荐访问" not in d0.normalized_text
        sections = s.scalars(select(SectionRow).where(SectionRow.document_id == d0.id)).all()
        assert sum(x.kind == "article" for x in sections) == 17
        art8 = next(x for x in sections if x.path == "第三章 > 第八条")
        assert d0.source_text[art8.source_start:art8.source_end].startswith("第八条")
        assert art8.parent.label == "第三章"
    # a second run changes nothing
    r2 = policyx("run", workdir / "docs", "--db", db, "--out", workdir / "out", "--quiet")
    assert r2.returncode == 0, r2.stderr
    with S() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 3
        assert s.scalar(select(func.count()).select_from(SectionRow)) == len(sections) + sum(
            1 for _ in s.scalars(select(SectionRow).where(SectionRow.document_id != d0.id)))


def test_bad_files_fail_alone(workdir):
    docs = workdir / "docs"
    (docs / "empty.txt").write_bytes(b"")
    (docs / "broken.docx").write_bytes(b"this is not a zip file")
    (docs / "truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (docs / "--leading dash 文件.txt").write_text("第一条 每年不少于4次。", encoding="utf-8")
    db = f"sqlite:///{workdir / 'rules.db'}"
    r = policyx("run", docs, "--db", db, "--out", workdir / "out", "--quiet")
    assert r.returncode == 1
    for name in ("empty.txt", "broken.docx", "truncated.pdf"):
        assert name in r.stderr
    S = session_factory(db)
    with S() as s:
        rows = {d.name: d for d in s.scalars(select(Document))}
    assert rows["empty.txt"].status == "failed" and "empty" in rows["empty.txt"].error
    assert rows["broken.docx"].status == "failed" and "zip" in rows["broken.docx"].error
    assert rows["truncated.pdf"].status == "failed" and rows["truncated.pdf"].error
    assert all("\n" not in d.error for d in rows.values() if d.error)
    assert rows["--leading dash 文件.txt"].status == "ok"
    assert sum(d.status == "ok" for d in rows.values()) == 4


def test_other_files_are_listed_as_skipped(workdir):
    """Nothing under the inputs goes unreported: a file of a type no reader takes is
    named in the summary and stored as skipped, once however often the run repeats."""
    docs = workdir / "docs"
    (docs / "budget.xlsx").write_bytes(b"PK\x03\x04 not read")
    (docs / "notes").write_text("no suffix", encoding="utf-8")
    db = f"sqlite:///{workdir / 'rules.db'}"
    for _ in range(2):
        r = policyx("run", docs, "--db", db, "--out", workdir / "out", "--quiet")
        assert r.returncode == 0, r.stderr  # the documents were read; the rest is listed
        assert "skipped" in r.stderr and "budget.xlsx" in r.stderr and "'.xlsx'" in r.stderr
        assert "2 other files skipped" in r.stderr
    with session_factory(db)() as s:
        rows = s.scalars(select(Document).where(Document.status == "skipped")).all()
    assert sorted(d.name for d in rows) == ["budget.xlsx", "notes"]
    assert all("unsupported file type" in d.error for d in rows)


def test_nothing_readable_exits_1(tmp_path):
    (tmp_path / "only.xlsx").write_bytes(b"PK")
    r = policyx("run", tmp_path, "--db", f"sqlite:///{tmp_path / 'r.db'}", "--out", tmp_path / "out", "--quiet")
    assert r.returncode == 1 and "only.xlsx" in r.stderr


def test_bad_usage_exits_2(tmp_path):
    assert policyx("run", tmp_path / "nope").returncode == 2
    assert policyx("run", "--no-such-option").returncode == 2


def test_text_command_prints_source_and_normalized():
    path = seed("001")
    src = policyx("text", path)
    assert src.returncode == 0
    assert src.stdout.rstrip("\n") == path.read_text(encoding="utf-8").rstrip("\n")
    norm = policyx("text", path, "--normalized")
    assert norm.returncode == 0
    assert "机关" in norm.stdout and "(guān)" not in norm.stdout


# --- the database a command is given -------------------------------------------------

BAD_URLS = [
    ("nosuchdriver://x", "nosuchdriver"),
    ("postgresql+psycopg://u:s3cret-pw@127.0.0.1:1/db", "127.0.0.1"),
    ("not a url at all", "not a url"),
    ("mysql://u:s3cret-pw@localhost/db", "driver not installed"),
]


@pytest.mark.parametrize("url,named", BAD_URLS)
@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_db_url_is_one_line_and_exit_2(workdir, command, url, named):
    """Every command that takes --db: a URL that gives no database is one line naming
    the cause (the password masked), exit 2, not a traceback."""
    args = ["run", workdir / "docs", "--out", workdir / "out", "--quiet"] if command == "run" else ["compare"]
    r = policyx(*args, "--db", url)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:") and named in lines[0], lines[0]
    assert "s3cret-pw" not in r.stderr + r.stdout
    assert "Traceback" not in r.stderr
    assert not (workdir / "out").exists()


def test_read_commands_never_create_a_database(workdir):
    """A mistyped SQLite path is an error for a reader, never a new empty database;
    `policyx run` still creates its database."""
    r = policyx("compare", "--db", "sqlite:///nope.db", cwd=workdir)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "no such database file: nope.db" in r.stderr
    assert not list(workdir.glob("nope.db*"))
    r = policyx("compare", "--db", f"sqlite:///{workdir / 'other' / 'folder' / 'rules.db'}")
    assert r.returncode == 2 and "no such database file" in r.stderr
    assert not (workdir / "other").exists()
    db = workdir / "new" / "rules.db"
    r = policyx("run", workdir / "docs", "--db", f"sqlite:///{db}", "--out", workdir / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    assert db.is_file()
    r = policyx("compare", "--db", f"sqlite:///{db}", "--format", "csv")
    assert r.returncode == 0, r.stderr


def test_markup_and_escapes_in_file_names_are_shown_not_run(tmp_path):
    """A path with Rich markup ([/b]) crashed the summary after storing; one with an
    escape sequence wrote it raw to the terminal."""
    docs = tmp_path / "docs[" / "b]"  # the path reads …/docs[/b]
    docs.mkdir(parents=True)
    (docs / "a[b].txt").write_text("第一条 违反本规定的，处二百元罚款。\n", encoding="utf-8")
    (docs / "bad\x1b[31m.txt").write_bytes(b"")
    r = policyx("run", docs, "--db", f"sqlite:///{tmp_path / 'r.db'}", "--out", tmp_path / "out", "--quiet")
    assert r.returncode == 1, r.stderr  # the empty file failed; nothing crashed
    assert "MarkupError" not in r.stderr and "Traceback" not in r.stderr
    assert "\x1b[31m" not in r.stderr and "\\x1b[31m" in r.stderr
    assert "docs[/b]" in r.stderr


def test_another_programs_database_is_refused_untouched(tmp_path):
    import sqlite3

    foreign = tmp_path / "crm.db"
    with sqlite3.connect(foreign) as c:
        c.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(bytes(range(256)) * 20)
    for db in (foreign, corrupt):
        r = policyx("run", seed("000"), "--db", f"sqlite:///{db}", "--out", tmp_path / "out", "--quiet")
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "another program's database" in policyx("run", seed("000"), "--db", f"sqlite:///{foreign}", "--out",
                                                   tmp_path / "out", "--quiet").stderr
    with sqlite3.connect(foreign) as c:  # no tables added, the journal mode kept
        assert [r[0] for r in c.execute("SELECT name FROM sqlite_master")] == ["customers"]
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_out_that_is_a_file_is_refused_before_any_document_is_read(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    db = tmp_path / "r.db"
    r = policyx("run", seed("000"), "--db", f"sqlite:///{db}", "--out", out, "--quiet")
    assert r.returncode == 2 and "is a file, not a folder" in r.stderr and "Traceback" not in r.stderr
    assert not db.exists()


@pytest.mark.skipif(not (ROOT.parent / "shared" / "corpus" / "regulations" / "fireworks").is_dir(),
                    reason="the regulations live in ../shared")
def test_every_file_of_a_run_names_a_provision_s_question_alike(tmp_path):
    """rules.jsonl, comparison.csv, the matrix's codebook and `policyx compare` give one
    provision one indicator: the exports' tables do not group the run's labels a second
    time, and a copy of a text (here a second file of one regulation) weighs in no grouping."""
    import csv

    docs = tmp_path / "docs"
    shutil.copytree(ROOT.parent / "shared" / "corpus" / "regulations" / "fireworks", docs)
    first = sorted(docs.glob("*.txt"))[0]
    shutil.copy(first, docs / f"copy of {first.name}")
    db, out = f"sqlite:///{tmp_path / 'rules.db'}", tmp_path / "out"
    r = policyx("run", docs, "--db", db, "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    jsonl = {(x["doc"], x["span"][0], x["span"][1]): x["indicator"]
             for x in map(json.loads, (out / "rules.jsonl").read_text(encoding="utf-8").splitlines())}
    with open(out / "comparison.csv", encoding="utf-8-sig") as f:
        table = {(x["doc"], int(x["span_start"]), int(x["span_end"])): x["indicator"] for x in csv.DictReader(f)}
    assert table and all(jsonl[k] == v for k, v in table.items())
    with open(out / "codebook.csv", encoding="utf-8-sig") as f:
        questions = {x["question"] for x in csv.DictReader(f)}
    assert questions and questions <= set(jsonl.values())
    printed = policyx("compare", "--db", db, "--format", "csv")
    assert printed.returncode == 0, printed.stderr
    cli = {(x["doc"], int(x["span_start"]), int(x["span_end"])): x["indicator"]
           for x in csv.DictReader(printed.stdout.lstrip("\ufeff").splitlines())}
    assert cli == table
