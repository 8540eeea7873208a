"""`policyx bench` runs and prints every figure issue 12 asks for (the figures themselves
are measured by the benchmark, never asserted here)."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_bench_prints_every_figure(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "bench", "corpus", "--full", "--sizes", "4,6",
                          "--office", "2", "--small", "30", "--report-provisions", "0", "--work", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    for figure in ("extraction vs jieba", "grouping across documents", "corpus: ", "end to end",
                   "end-to-end TXT / jieba alone on the same text", "speed-up 2 workers vs 1",
                   "PDF end-to-end / pdfplumber's own extraction", "peak RSS 6 / 4 documents",
                   "30 small files: every export"):
        assert figure in text, figure
    assert (tmp_path / "small-out" / "report.html").is_file() and (tmp_path / "small-out" / "matrix.csv").is_file()
