"""Shared fixtures: the shipped corpus and the seed documents."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


def seed(name_prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(name_prefix))


def records_and_sources(paths) -> tuple[list[dict], dict[str, str]]:
    """Records and source texts of the real pipeline over the given documents."""
    from pipeline.run import process_document

    records, sources = [], {}
    for path in paths:
        result = process_document(path)
        assert result.ok, result.error
        records += [p.to_json() for p in result.provisions]
        sources[result.source.name] = result.source.text
    return records, sources
