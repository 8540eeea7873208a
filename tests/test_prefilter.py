"""The prefilter (extractors/prefilter.py) may skip a pattern only where it cannot match:
its reading of patterns on crafted cases, and on every sentence of the corpora for every
sanction and deadline pattern."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT
from extractors.deadlines import SCANNED, grammar
from extractors.prefilter import Prefilter, may_match, required_text
from extractors.sanctions import vocabulary
from pipeline.ingest import read_source
from pipeline.normalize import normalize
from pipeline.segment import segment

SHARED = ROOT.parent / "shared" / "corpus"


@pytest.mark.parametrize("pattern,required", [
    ("处罚款", {"处罚款"}),
    ("(?:责令|限期)改正", {"改正"}),
    ("(?:警告|通报批评)", {"警告", "通报批评"}),
    ("[一二三]次", {"次"}),
    ("给予[一二三]次", {"给予"}),
    ("(?:给予)?警告", {"警告"}),
    ("没收(?:违法所得)+", {"违法所得"}),
    (r"\d+元", {"元"}),
    ("(?=罚款)", None),
    ("(?:罚款|)", None),
    ("[^罚]+", None),
    (".*", None),
    (r"\d+", None),
])
def test_required_text(pattern, required):
    assert required_text(re.compile(pattern)) == (frozenset(required) if required else None)


def test_ignorecase_patterns_promise_nothing():
    assert required_text(re.compile("page", re.IGNORECASE)) is None


def test_prefilter_names_only_patterns_that_can_match():
    patterns = [re.compile(p) for p in ("罚款", "警告", r"\d+")]
    pre = Prefilter(patterns)
    assert pre.candidates("处二百元罚款") == [0, 2]
    assert pre.candidates("给予警告，并处罚款") == [0, 1, 2]
    assert pre.candidates("无") == [2]


def _sentences():
    paths = sorted(CORPUS.glob("*.txt"))
    for folder in ("seeds", "compare-dev", "regulations"):
        if (SHARED / folder).is_dir():
            paths += sorted((SHARED / folder).rglob("*.txt"))
    for path in paths:
        seg = segment(normalize(read_source(path)))
        text = seg.text.text
        for s in seg.sentences:
            yield text[s.start:s.end]


def test_no_pattern_is_skipped_where_it_matches():
    patterns = [t.regex for t in vocabulary()["types"]] + [grammar()[k] for k in SCANNED]
    sentences = list(_sentences())
    assert len(sentences) > 5000
    matched = 0
    for sentence in sentences:
        for p in patterns:
            if p.search(sentence):
                matched += 1
                assert may_match(p, sentence), (p.pattern, sentence)
    assert matched > 1000
