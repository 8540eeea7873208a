"""Worker processes: a hanging or crashing document costs only itself."""
from __future__ import annotations

import os
import time
from pathlib import Path

from conftest import SEEDS
from pipeline.run import process_document
from pipeline.workers import process_many


def hang_or_crash(path: Path):
    """Stands in for a parser that loops (hang) or a native crash (crash)."""
    if "hang" in path.name:
        time.sleep(3600)
    if "crash" in path.name:
        os._exit(3)
    return process_document(path)


def test_hanging_and_crashing_documents_fail_alone(tmp_path):
    good = [tmp_path / p.name for p in SEEDS[:2]]
    for src, dst in zip(SEEDS[:2], good):
        dst.write_bytes(src.read_bytes())
    hang, crash = tmp_path / "hang.txt", tmp_path / "crash.txt"
    hang.write_text("第一条 每年不少于4次。", encoding="utf-8")
    crash.write_text("第一条 每年不少于4次。", encoding="utf-8")
    t0 = time.monotonic()
    results = {Path(r.path).name: r for r in process_many([hang, *good, crash], workers=2, timeout=3,
                                                          task=hang_or_crash)}
    assert time.monotonic() - t0 < 60
    assert set(results) == {"hang.txt", "crash.txt", *(p.name for p in good)}
    assert "timed out after 3s" in results["hang.txt"].error
    assert "worker died" in results["crash.txt"].error
    for p in good:
        assert results[p.name].ok and results[p.name].provisions


def test_parallel_results_equal_serial(tmp_path):
    serial = {Path(p).name: [x.to_json() for x in process_document(p).provisions] for p in SEEDS}
    parallel = {Path(r.path).name: [x.to_json() for x in r.provisions] for r in process_many(SEEDS, workers=2)}
    assert parallel == serial


def test_large_results_come_whole_through_the_spill_folder(tmp_path, monkeypatch):
    """A result larger than a pipe holds is handed over through a file (so the worker
    never waits for the parent to store the one before); it arrives equal to the one
    made in process, and no file is left behind."""
    import pickle
    import tempfile

    import pipeline.workers as workers

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    paths = sorted(SEEDS)
    expected = {str(p): process_document(p) for p in paths}
    assert any(len(pickle.dumps(r)) > workers.PIPE_BYTES for r in expected.values())
    got = {r.path: r for r in process_many(paths, workers=2)}
    assert set(got) == set(expected)
    for path, r in got.items():
        assert [p.to_json() for p in r.provisions] == [p.to_json() for p in expected[path].provisions]
        assert r.normalized.text == expected[path].normalized.text
    assert not list(tmp_path.glob("policyx-results-*"))


def test_warm_up_loads_before_the_fork_what_workers_would_load_each():
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import jieba; from pipeline import resolve; from pipeline.run import warm_up; "
            "before = (jieba.dt.initialized, resolve._words.cache_info().currsize); warm_up(); "
            "print(before, jieba.dt.initialized, resolve._words().initialized)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["(False,", "0)", "True", "True"], out.stderr
