"""Hostile and unlucky inputs (issue 13): nothing hangs, nothing is silently lost."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from db_fixtures import db_url, postgres_server  # noqa: F401  (fixtures)
from models.db import Document, ProvisionRow, session_factory
from pipeline.corpus import run_corpus
from pipeline.run import iter_files, process_document
from pipeline.workers import WORKERS_PER_CPU, worker_count

RULES = "第一条 单位应当每年报告一次。\n第二条 违反本规定的，处二百元罚款。\n"


def test_a_fifo_fails_at_once_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    result = process_document(fifo)
    assert result.error == "not a regular file"
    assert time.monotonic() - t0 < 10  # hashing it would have blocked for ever


def _folder_with_a_link_out(tmp_path):
    """docs/ holding a.txt and passwd.txt, a link to outside/secret.txt."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(RULES, encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(RULES, encoding="utf-8")
    (docs / "passwd.txt").symlink_to(outside / "secret.txt")
    return docs, outside


def test_a_link_out_of_the_input_folder_is_skipped(tmp_path):
    docs, _ = _folder_with_a_link_out(tmp_path)
    (docs / "inside.txt").symlink_to(docs / "a.txt")  # a link within the folder is its document
    skipped = []
    files = list(iter_files([docs], on_skip=lambda p, why: skipped.append((p.name, why))))
    assert sorted(p.name for p in files) == ["a.txt", "inside.txt"]
    assert [name for name, _ in skipped] == ["passwd.txt"] and "outside" in skipped[0][1]


def test_a_folder_link_out_of_the_input_folder_is_skipped_unless_followed(tmp_path):
    docs, outside = _folder_with_a_link_out(tmp_path)
    (docs / "etc").symlink_to(outside, target_is_directory=True)
    skipped = []
    files = list(iter_files([docs], on_skip=lambda p, why: skipped.append((p.name, why))))
    assert [p.name for p in files] == ["a.txt"]
    assert sorted(name for name, _ in skipped) == ["etc", "passwd.txt"]
    assert all("--follow-links" in why for _, why in skipped)
    followed = list(iter_files([docs], follow_links=True))
    assert sorted(p.name for p in followed) == ["a.txt", "passwd.txt", "secret.txt"]


def test_a_file_over_the_size_cap_is_failed_unread(tmp_path, monkeypatch):
    import pipeline.ingest as ingest

    big = tmp_path / "big.txt"
    big.write_text(RULES * 50, encoding="utf-8")
    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", 1024)
    result = process_document(big)
    assert result.error.startswith("file too large") and "limit" in result.error


def test_nul_characters_are_stored_on_every_database(tmp_path, db_url):  # noqa: F811
    """PostgreSQL refuses U+0000 in text; a stray NUL no longer aborts the run, and the
    line it sits in keeps its provisions."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "nul.txt").write_bytes("\ufeff第一条 单位应当每年报告\x00一次。\n第二条 违反本规定的，处二百元罚款。\n".encode("utf-8"))
    summary = run_corpus([docs], db_url=db_url, out_dir=tmp_path / "out", exports="jsonl")
    assert not summary.failures
    with session_factory(db_url)() as s:
        doc = s.scalars(select(Document)).one()
        assert "\x00" not in doc.source_text and "\ufffd" in doc.source_text
        quotes = {r.quote for r in s.scalars(select(ProvisionRow))}
    assert {"一次", "处二百元罚款"} <= quotes


def test_an_article_ending_in_for_your_reference_is_kept(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("第一条 各单位应当每年报送一次工作总结，供大家参考。\n第二条 违反本规定的，处二百元罚款。\n",
                 encoding="utf-8")
    result = process_document(f)
    assert "第一条各单位应当每年报送一次工作总结,供大家参考。" in result.normalized.text
    teaser = tmp_path / "b.txt"
    teaser.write_text("下面是本站为大家整理的范文，供大家参考。\n" + RULES, encoding="utf-8")
    assert "供大家参考" not in process_document(teaser).normalized.text


def test_a_document_past_spacys_length_limit(tmp_path):
    f = tmp_path / "long.txt"
    body = "".join(f"第{n}条 单位应当每年报告一次。\n" for n in range(1, 80_000))
    assert len(body) > 1_000_000
    f.write_text(body, encoding="utf-8")
    result = process_document(f)
    assert result.ok, result.error
    assert len(result.provisions) > 50_000


def test_workers_are_capped():
    cap = WORKERS_PER_CPU * (os.cpu_count() or 1)
    assert worker_count(100_000, 10_000_000) == cap
    assert worker_count(8, 3) == 3  # no more processes than documents
    assert worker_count(0, 0) == 1


def test_changed_rules_read_the_same_files_again(tmp_path, monkeypatch, db_url):  # noqa: F811
    """A run by other extraction code or data re-reads an unchanged file and replaces
    its provisions; the same version leaves it alone; nothing is duplicated."""
    import pipeline.corpus as corpus
    from sqlalchemy import func

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(RULES, encoding="utf-8")

    def counts():
        with session_factory(db_url)() as s:
            return (s.scalar(select(func.count()).select_from(Document)),
                    s.scalar(select(func.count()).select_from(ProvisionRow)))

    first = run_corpus([docs], db_url=db_url, out_dir=tmp_path / "out", exports="jsonl")
    assert first.by_format["txt"]["ok"] == 1
    n = counts()
    again = run_corpus([docs], db_url=db_url, out_dir=tmp_path / "out", exports="jsonl")
    assert again.by_format["txt"]["unchanged"] == 1 and counts() == n
    monkeypatch.setattr(corpus, "extraction_version", lambda: "0.0.0+newrules")
    newer = run_corpus([docs], db_url=db_url, out_dir=tmp_path / "out", exports="jsonl")
    assert newer.by_format["txt"]["ok"] == 1  # read again, not "unchanged"
    assert counts() == n  # replaced, not added
    with session_factory(db_url)() as s:
        from models.db import Run

        doc = s.scalars(select(Document)).one()
        assert s.get(Run, doc.run_id).version == "0.0.0+newrules"


def test_force_reads_unchanged_files_again_and_replaces_them(tmp_path, db_url):  # noqa: F811
    """policyx run --force: the same files, the same pipeline, read again; each stored
    reading replaced by the new one (a new row of this run), none duplicated."""
    from sqlalchemy import func

    from conftest import ROOT

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(RULES, encoding="utf-8")
    first = run_corpus([docs], db_url=db_url, out_dir=tmp_path / "out", exports="jsonl")
    with session_factory(db_url)() as s:
        n = s.scalar(select(func.count()).select_from(ProvisionRow))
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(docs), "--db", db_url, "--out", str(tmp_path / "out"),
           "--quiet", "--exports", "jsonl", "--force"]
    forced = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert forced.returncode == 0, forced.stderr
    assert "txt │ 1 │ 0 │" in " ".join(forced.stderr.split())  # read (ok), not unchanged
    with session_factory(db_url)() as s:
        doc = s.scalars(select(Document)).one()
        assert doc.run_id != first.run_id and doc.current  # this run's reading (SQLite may reuse the row id)
        assert s.scalar(select(func.count()).select_from(ProvisionRow)) == n


def test_a_scrape_saved_on_one_line_keeps_its_text(tmp_path):
    f = tmp_path / "one_line.txt"
    f.write_text("首页 > 政策文件 发布日期:2020-05-09 来源:某某县 " + RULES.replace("\n", " ") * 20, encoding="utf-8")
    result = process_document(f)
    assert result.ok and "处二百元罚款" in result.normalized.text
    assert result.provisions


def test_files_of_one_name_in_two_folders_stay_two_documents(tmp_path):
    import json

    for city, fine in (("bj", "二百"), ("sh", "五百")):
        (tmp_path / "docs" / city).mkdir(parents=True)
        (tmp_path / "docs" / city / "附件1.txt").write_text(f"第一条 违反本规定的，处{fine}元罚款。\n", encoding="utf-8")
    out = tmp_path / "out"
    run_corpus([tmp_path / "docs"], db_url=f"sqlite:///{tmp_path / 'r.db'}", out_dir=out)
    records = [json.loads(line) for line in (out / "rules.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((r["doc"], r["quote"]) for r in records) == [("bj/附件1.txt", "处二百元罚款"),
                                                                ("sh/附件1.txt", "处五百元罚款")]
    from pipeline.store import export_names, source_texts

    with session_factory(f"sqlite:///{tmp_path / 'r.db'}")() as s:
        ids = list(s.scalars(select(Document.id)))
        sources = source_texts(s, ids, export_names(s, ids))
    assert sorted(sources) == ["bj/附件1.txt", "sh/附件1.txt"]  # the report shows each its own text
    assert "五百" in sources["sh/附件1.txt"] and "二百" in sources["bj/附件1.txt"]


def test_a_pdf_padded_with_nul_bytes_is_read(tmp_path):
    from conftest import CORPUS
    from pipeline.ingest.pdf import read_pdf

    pdf = CORPUS / "000_d1701e8db34252ee.pdf"
    padded = tmp_path / "padded.pdf"
    padded.write_bytes(pdf.read_bytes() + b"\x00" * 8192)  # as some download tools leave it
    assert read_pdf(padded).text == read_pdf(pdf).text


def test_a_pdf_whose_glyphs_map_to_no_character_is_flagged(tmp_path):
    """A font that maps its glyphs to nothing (NUL) gave "text" stored ok with no
    provisions; now it fails naming --ocr."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Unmapped", "Vera.ttf"))  # shipped with reportlab
    c = canvas.Canvas(str(tmp_path / "unmapped.pdf"))
    c.setFont("Unmapped", 12)
    for i in range(20):  # code points the font has no glyph for: mapped to NUL
        c.drawString(50, 800 - 20 * i, "".join(chr(0xE000 + i * 30 + k) for k in range(30)))
    c.save()
    result = process_document(tmp_path / "unmapped.pdf")
    assert not result.ok and "not extractable" in result.error and "--ocr" in result.error


def test_a_list_label_bomb_stays_small(tmp_path):
    """A 38 KB DOCX whose list label (20,000 characters) numbers 5,000 paragraphs took
    4.6–7.7 GB; labels are cut to a label's length."""
    import docx

    from pipeline.ingest.docx import MAX_LABEL_TEXT, read_docx

    d = docx.Document()
    for _ in range(5000):
        d.add_paragraph("每年不少于4次。", style="List Number")
    numbering = d.part.numbering_part.element
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for lvl_text in numbering.iter(f"{w}lvlText"):
        lvl_text.set(f"{w}val", "第%1条" + "长" * 20_000)
    d.save(tmp_path / "bomb.docx")
    text = read_docx(tmp_path / "bomb.docx").text
    lines = text.split("\n")
    assert len(lines) == 5000 and all(len(line) <= MAX_LABEL_TEXT + 20 for line in lines)
    assert lines[0].startswith("第1条")


def test_workers_die_with_a_killed_run(tmp_path):
    """kill -9 of the run left a worker on a slow document running (and growing)."""
    import signal
    import subprocess
    import sys

    from conftest import ROOT

    script = tmp_path / "run.py"
    pids = tmp_path / "pids"
    script.write_text(f"""
import os, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from pipeline.workers import process_many

def slow(path):
    Path({str(pids)!r}).write_text(str(os.getpid()))
    time.sleep(600)

for _ in process_many([Path("a.txt")], workers=1, timeout=900, task=slow):
    pass
""", encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.monotonic() + 120
        while not (pids.exists() and pids.read_text()) and time.monotonic() < deadline:
            time.sleep(0.2)
        worker = int(pids.read_text())
        run.send_signal(signal.SIGKILL)
        run.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            with open(f"/proc/{worker}/stat") as f:  # a zombie waiting for init counts as gone
                if f.read().split()[2] == "Z":
                    break
            time.sleep(0.1)
        else:
            os.kill(worker, signal.SIGKILL)
            pytest.fail("the worker outlived the killed run")
    finally:
        if run.poll() is None:
            run.kill()


def test_exports_that_cannot_be_written_are_one_line_and_nothing_is_lost(tmp_path, monkeypatch):
    """Disk full while writing the exports: a 100–490-line traceback after every document
    had been processed; now one line, exit 1, and the documents stay stored."""
    import errno

    from typer.testing import CliRunner

    import pipeline.corpus as corpus
    from pipeline.cli import app

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(corpus, "export_run", full)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(RULES, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    r = CliRunner().invoke(app, ["run", str(docs), "--db", db, "--out", str(tmp_path / "out"), "--quiet"])
    assert r.exit_code == 1
    out = r.output
    assert "No space left on device" in out and "Traceback" not in out, out
    with session_factory(db)() as s:
        assert s.scalars(select(Document)).one().status == "ok"
