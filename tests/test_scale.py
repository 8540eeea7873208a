"""Hostile input, crash safety and scale-out: the run finishes, loses nothing and
stores nothing twice."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import ROOT, SEEDS
from db_fixtures import db_url, postgres_server  # noqa: F401  (fixtures)
from hostile import hostile_corpus
from models.db import Document, ProvisionRow, dispose_engine, session_factory


def policyx(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_hostile_corpus_fails_file_by_file_and_never_hangs(tmp_path):
    docs = tmp_path / "docs"
    expect = hostile_corpus(docs)
    good = {"-- leading dash.txt": SEEDS[0], "名字 有空格.txt": SEEDS[1], "政策文件.txt": SEEDS[4]}
    for name, src in good.items():
        shutil.copy(src, docs / name)
    db = f"sqlite:///{tmp_path / 'rules.db'}"
    t0 = time.monotonic()
    r = policyx("run", docs, "--db", db, "--out", tmp_path / "out", "--quiet", "--workers", "2", "--timeout", "10")
    assert time.monotonic() - t0 < 600
    assert r.returncode == 1, r.stderr
    with session_factory(db)() as s:
        rows = {d.name: d for d in s.scalars(select(Document))}
    for name, why in expect.items():
        assert rows[name].status == "failed", name
        assert why.lower() in rows[name].error.lower(), (name, rows[name].error)
        assert "\n" not in rows[name].error
        assert name in r.stderr
    for name in good:
        assert rows[name].status == "ok", (name, rows[name].error)
    assert len(rows) == len(expect) + len(good)
    records = [json.loads(line) for line in (tmp_path / "out" / "rules.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {rec["doc"] for rec in records} == set(good)


def _corpus(folder, copies=8):
    folder.mkdir()
    for i in range(copies):
        for p in SEEDS:
            text = p.read_text(encoding="utf-8").replace("X市", f"第{i}号X市")
            (folder / f"{i:02d}_{p.name}").write_text(text + f"\n(副本 {i})\n", encoding="utf-8")
    return sorted(folder.iterdir())


def _state(db):
    with session_factory(db)() as s:
        docs = s.execute(select(Document.name, func.count()).where(Document.current.is_(True))
                         .group_by(Document.name)).all()
        provs = s.execute(select(ProvisionRow.doc, func.count()).join(Document, ProvisionRow.document_id == Document.id)
                          .where(Document.current.is_(True)).group_by(ProvisionRow.doc)).all()
    return dict(docs), dict(provs)


def test_sigkill_half_way_then_rerun_stores_each_document_once(tmp_path):
    files = _corpus(tmp_path / "docs")
    db = f"sqlite:///{tmp_path / 'rules.db'}"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", str(tmp_path / "docs"), "--db", db,
                             "--out", str(tmp_path / "out"), "--quiet"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
        try:
            stored = sum(_state(db)[0].values())
        except Exception:
            continue
        finally:
            dispose_engine(db)
        if stored >= len(files) // 3:
            break
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < stored < len(files)
    r = policyx("run", tmp_path / "docs", "--db", db, "--out", tmp_path / "out", "--quiet")
    assert r.returncode == 0, r.stderr
    docs, provs = _state(db)
    assert docs == {f.name: 1 for f in files}
    serial_db = f"sqlite:///{tmp_path / 'serial.db'}"
    assert policyx("run", tmp_path / "docs", "--db", serial_db, "--out", tmp_path / "out2", "--quiet").returncode == 0
    assert provs == _state(serial_db)[1]
    assert (tmp_path / "out" / "rules.jsonl").read_bytes() == (tmp_path / "out2" / "rules.jsonl").read_bytes()


def test_dask_local_cluster_equals_serial_run(tmp_path, db_url):
    distributed = pytest.importorskip("distributed")
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SEEDS:
        shutil.copy(p, docs)
    serial_db = f"sqlite:///{tmp_path / 'serial.db'}"
    assert policyx("run", docs, "--db", serial_db, "--out", tmp_path / "serial", "--quiet").returncode == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        r = policyx("run", docs, "--db", db_url, "--out", tmp_path / "dask", "--quiet",
                    "--scheduler", cluster.scheduler_address)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "dask" / "rules.jsonl").read_bytes() == (tmp_path / "serial" / "rules.jsonl").read_bytes()
    assert _state(db_url) == _state(serial_db)


def slow_or_normal(path: str, ocr: bool = False):
    """A cluster task that parses forever on one document (a slow PDF) and normally on the rest."""
    from pipeline.distributed import _task

    if "slow" in path:
        time.sleep(3600)
    return _task(path, ocr)


def test_dask_honours_the_time_limit_and_frees_the_worker(tmp_path):
    distributed = pytest.importorskip("distributed")
    import cloudpickle

    from pipeline.distributed import process_on_dask

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import the tests
    docs = [tmp_path / "slow.txt", *[tmp_path / p.name for p in SEEDS[:3]]]
    docs[0].write_text("第一条 每年不少于4次。", encoding="utf-8")
    for src, dst in zip(SEEDS[:3], docs[1:]):
        dst.write_bytes(src.read_bytes())
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        first = dict(cluster.scheduler_info["workers"])
        t0 = time.monotonic()
        results = {os.path.basename(r.path): r for r in process_on_dask(docs, cluster.scheduler_address, timeout=5,
                                                                        task=slow_or_normal)}
        elapsed = time.monotonic() - t0
        with distributed.Client(cluster.scheduler_address) as c:
            c.wait_for_workers(1, timeout=60)
            now = c.scheduler_info()["workers"]
    assert results["slow.txt"].error == "timed out after 5s (document processing limit)"
    assert all(results[p.name].ok for p in docs[1:])  # the one worker went on with the rest
    assert elapsed < 120
    assert set(now) != set(first)  # the worker that ran the slow document was restarted


def test_workers_store_through_their_own_connection_as_the_run_would(tmp_path, db_url):
    """With a database other processes reach (a SQLite file, PostgreSQL) two workers store
    their documents themselves and send back figures only; the database then holds what
    one process storing everything (an in-memory database) holds, and rules.jsonl is the
    same byte for byte."""
    from pipeline.corpus import ReadAndStore, StoredResult, run_corpus
    from pipeline.workers import process_many

    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SEEDS:
        shutil.copy(p, docs)
    here = run_corpus([docs], db_url="sqlite://", out_dir=tmp_path / "here", exports="jsonl")
    state_here = _state("sqlite://")
    dispose_engine("sqlite://")
    there = run_corpus([docs], db_url=db_url, out_dir=tmp_path / "there", workers=2, exports="jsonl")
    assert not there.failures and len(there.document_ids) == len(here.document_ids) == len(SEEDS)
    assert (tmp_path / "there" / "rules.jsonl").read_bytes() == (tmp_path / "here" / "rules.jsonl").read_bytes()
    assert _state(db_url) == state_here
    # what the workers sent back: counts and the row id, not the documents
    results = list(process_many(sorted(docs.iterdir()), workers=2, task=ReadAndStore(db_url, there.run_id)))
    assert all(isinstance(r, StoredResult) for r in results)
    assert sorted(r.document_id for r in results) == sorted(there.document_ids)
    assert _state(db_url) == state_here  # stored again: the same rows, none doubled


def test_a_result_a_worker_cannot_store_goes_to_the_run_whole(tmp_path, monkeypatch):
    """Storing fails in the worker (here: the database refuses the write): the worker sends
    the whole result, so the run stores it or reports why, and nothing is lost."""
    import pipeline.corpus as corpus
    from sqlalchemy.exc import OperationalError

    def locked(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(corpus, "save_result", locked)
    out = corpus.ReadAndStore(f"sqlite:///{tmp_path / 'r.db'}", run_id=1)(SEEDS[0])
    assert not isinstance(out, corpus.StoredResult)
    assert out.ok and out.provisions and out.path == str(SEEDS[0])


REGULATIONS = ROOT.parent / "shared" / "corpus/regulations"


@pytest.mark.skipif(not REGULATIONS.is_dir(), reason="the regulations live in ../shared")
def test_the_regulations_come_out_the_same_however_they_are_stored(tmp_path):
    """The 70 real regulations: one process storing everything (an in-memory database)
    and two workers storing their own documents into a SQLite file give the same
    rules.jsonl, matrix and codebook byte for byte and the same database rows."""
    from pipeline.corpus import run_corpus

    here = run_corpus([REGULATIONS], db_url="sqlite://", out_dir=tmp_path / "here", exports="all")
    state_here = _state("sqlite://")
    dispose_engine("sqlite://")
    db = f"sqlite:///{tmp_path / 'rules.db'}"
    there = run_corpus([REGULATIONS], db_url=db, out_dir=tmp_path / "there", workers=2, exports="all")
    assert not here.failures and not there.failures and len(there.document_ids) == len(here.document_ids)
    for name in ("rules.jsonl", "matrix.csv", "codebook.csv"):
        assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes(), name
    assert _state(db) == state_here
