"""Accuracy on documents written apart from the seeds (tests/data/heldout: a municipal
regulation with fines, a Taiwan ordinance, a star-rating scheme, a civil-service
assessment measure, a provincial notice, a noisy township web page) and on the dev
gold when the shared folder is beside the repo. The floors are the issue's targets."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from pipeline.evaluate import gold_documents, load_records, locate_documents, predict, score

HELDOUT = ROOT / "tests" / "data" / "heldout"
HELDOUT2 = ROOT / "tests" / "data" / "heldout2"
DEV = ROOT.parent / "shared" / "gold" / "dev"
SEEDS = ROOT / "corpus"
REGULATIONS_GOLD = ROOT / "tests" / "data" / "regulations" / "gold"
REGULATIONS4_GOLD = ROOT / "tests" / "data" / "regulations4" / "gold"
REGULATIONS5_GOLD = ROOT / "tests" / "data" / "regulations5" / "gold"
REGULATIONS = ROOT.parent / "shared" / "corpus" / "regulations"


def _score(gold_dir: Path, docs_dir: Path):
    gold = load_records(gold_dir)
    found, missing = locate_documents(gold_documents(gold), docs_dir)
    assert not missing
    pred, failures = predict(found.values())
    assert not failures
    return score(gold, pred)


def _check(result, f1=0.92, value_acc=0.95, strict=0.90, compare=True):
    for kind in ("threshold", "ratio", "deadline", "sanction"):
        assert result.kinds[kind].f1 >= f1, (kind, result.kinds[kind].to_dict())
    assert result.total.value_acc >= value_acc
    assert result.total.strict_f1 >= strict
    if compare:
        assert result.compare.precision >= 0.8 and result.compare.recall >= 0.8


def test_heldout_documents():
    _check(_score(HELDOUT / "gold", HELDOUT / "docs"))


def test_second_heldout_documents():
    """Written last (a regulation, a Taiwan ordinance, a community scoring scheme, a
    cadre accountability measure); first measured at F1 0.854. No shared topics."""
    _check(_score(HELDOUT2 / "gold", HELDOUT2 / "docs"), f1=0.9, value_acc=0.9, strict=0.85, compare=False)


@pytest.mark.skipif(not DEV.is_dir(), reason="the shared dev gold is not beside the repo")
def test_dev_gold():
    _check(_score(DEV, SEEDS))


# Real regulations annotated blind against contract v2, first measured (F1 / value acc.):
# tests/data/regulations 0.942 / 0.977, regulations4 0.915 / 0.967, regulations5 (annotated
# last) 0.927 / 1.000. The total floors are the targets for real regulations.
@pytest.mark.skipif(not REGULATIONS.is_dir(), reason="the shared regulations corpus is not beside the repo")
@pytest.mark.parametrize("gold_dir, kind_f1", [(REGULATIONS_GOLD, 0.9), (REGULATIONS4_GOLD, 0.9),
                                              (REGULATIONS5_GOLD, 0.88)], ids=["set3", "set4", "set5"])
def test_unseen_regulations(gold_dir, kind_f1):
    result = _score(gold_dir, REGULATIONS)
    _check(result, f1=kind_f1, value_acc=0.95, strict=0.90, compare=False)
    assert result.total.f1 >= 0.92
