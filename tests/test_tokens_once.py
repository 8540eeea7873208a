"""The Doc holds the segmentation's sentences, not jieba's words of the whole text
(extractors/pipeline.py sentence_doc): no component reads those words, so records must
be the same either way; and grouping must not depend on the hash seed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.tokens import Doc

import extractors.pipeline as extraction
from conftest import CORPUS, ROOT
from extractors.components import make_nlp
from extractors.conducts import segmenter
from pipeline.ingest import read_source
from pipeline.normalize import normalize
from pipeline.run import process_document
from pipeline.segment import segment

GREENING = ROOT.parent / "shared" / "corpus/regulations/greening"


def _jieba_doc(nlp, seg):
    words = segmenter().lcut(seg.text.text)
    return Doc(nlp.vocab, words=words, spaces=[False] * len(words))


def _records(paths):
    return [p.to_json() for path in paths for p in process_document(path).provisions]


def test_sentence_doc_text_is_the_normalized_text():
    result = process_document(next(CORPUS.glob("*.txt")))
    assert result.ok
    seg = segment(normalize(read_source(next(CORPUS.glob("*.txt")))))
    doc = extraction.sentence_doc(make_nlp(), seg)
    assert doc.text == seg.text.text
    assert len(doc) < len(_jieba_doc(make_nlp(), seg)) / 5  # sentences, far fewer than words


def test_records_do_not_depend_on_the_docs_tokens(monkeypatch):
    paths = sorted(p for p in CORPUS.iterdir() if p.suffix in (".txt", ".docx", ".pdf"))
    if GREENING.is_dir():
        paths += sorted(GREENING.glob("*.txt"))[:6]
    by_sentences = _records(paths)
    monkeypatch.setattr(extraction, "sentence_doc", _jieba_doc)
    assert _records(paths) == by_sentences
    assert len(by_sentences) > 300


@pytest.mark.skipif(not GREENING.is_dir(), reason="the regulations live in ../shared")
def test_grouping_does_not_depend_on_the_hash_seed():
    code = ("import json, hashlib, sys; from pathlib import Path; from pipeline.evaluate import predict; "
            "r, _ = predict(sorted(Path(sys.argv[1]).glob('*.txt'))); "
            "print(hashlib.sha256(json.dumps(r, ensure_ascii=False, sort_keys=True).encode()).hexdigest())")
    runs = [subprocess.Popen([sys.executable, "-c", code, str(GREENING)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "2", "3")]
    digests = {p.communicate(timeout=600)[0].strip() for p in runs}
    assert len(digests) == 1 and all(digests), digests
