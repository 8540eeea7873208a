"""Cross-references (extractors/references.py): table-driven cases in
data/reference_cases.yaml, and the cites of the compare-dev gold on the real texts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from extractors import references
from extractors.references import resolve_citation
from models.records import SourceText
from pipeline.normalize import normalize
from pipeline.segment import segment

CASES = yaml.safe_load((Path(__file__).parent / "data" / "reference_cases.yaml").read_text(encoding="utf-8"))["cases"]
COMPARE_DEV = ROOT.parent / "shared" / "corpus/compare-dev"
COMPARE_GOLD = ROOT.parent / "shared" / "gold/compare-dev"


def _segmentation(text: str):
    return segment(normalize(SourceText(path="case.txt", text=text, format="txt")))


def _checks():
    for case in CASES:
        for i, check in enumerate(case["checks"]):
            yield pytest.param(case, check, id=f"{case['id']}-{i + 1}")


@pytest.mark.parametrize("case,check", list(_checks()))
def test_case(case, check):
    seg = _segmentation(case["doc"])
    text = seg.text.text
    pos = -1
    for _ in range(check.get("nth", 1)):
        pos = text.find(check["at"], pos + 1)
    assert pos >= 0, f"{check['at']!r} not in the normalized text"
    sentence = seg.sentence_at(pos)
    trigger = check["trigger"]
    if trigger is not None:
        assert trigger in text[sentence.start:pos], "the trigger must stand in the sanction's sentence"
    cites, condition = resolve_citation(seg, sentence.start, trigger, pos)
    assert cites == check["cites"]
    assert condition == (trigger if check["condition"] == "TRIGGER" else check["condition"])


def test_no_trigger_no_citation_leaves_nothing():
    seg = _segmentation("第五条对在控制吸烟工作中作出突出贡献的单位给予表彰。\n")
    pos = seg.text.text.find("给予表彰")
    assert resolve_citation(seg, seg.sentence_at(pos).start, None, pos) == (None, None)


def test_index_is_built_once_per_document():
    seg = _segmentation(CASES[0]["doc"])
    text = seg.text.text
    pos = text.find("依法查处")
    resolve_citation(seg, seg.sentence_at(pos).start, "违反本条例第十一条第二款第三项规定", pos)
    index = seg._reference_index
    resolve_citation(seg, seg.sentence_at(pos).start, "违反本条例第十一条第二款第三项规定", pos)
    assert seg._reference_index is index


def test_bad_pattern_names_file_and_key(tmp_path, monkeypatch):
    raw = yaml.safe_load(references.DATA.read_text(encoding="utf-8"))
    raw["duty"] = "应当("
    bad = tmp_path / "references.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(references, "DATA", bad)
    references.grammar.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"references\.yaml:duty"):
            references.grammar()
    finally:
        monkeypatch.undo()
        references.grammar.cache_clear()


def _gold_sanctions():
    for path in sorted(COMPARE_GOLD.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        yield path, [r for r in records if r["kind"] == "sanction"]


@pytest.mark.skipif(not COMPARE_DEV.is_dir() or not COMPARE_GOLD.is_dir(), reason="compare-dev corpus not present")
def test_compare_dev_cites_match_gold():
    """Each gold sanction of the six smoking-control regulations, resolved at its own
    span with no trigger given: every cite the gold states is found exactly, and none is
    invented where the gold has none."""
    from pipeline.ingest import read_source

    missed, invented, cited = [], [], 0
    for _, gold in _gold_sanctions():
        if not gold:
            continue
        normalized = normalize(read_source(COMPARE_DEV / gold[0]["doc"]))
        seg = segment(normalized)
        for g in gold:
            pos = normalized.offset_map.to_derived(g["span"][0])
            sentence = seg.sentence_at(pos)
            cites, _ = resolve_citation(seg, sentence.start if sentence else pos, None, pos)
            if g.get("cites"):
                cited += 1
                if cites != g["cites"]:
                    missed.append((g["doc"], g["quote"], g["cites"], cites))
            elif cites is not None:
                invented.append((g["doc"], g["quote"], cites))
    assert cited >= 30, "the gold states cites for the sanctions of five documents"
    assert not missed, missed
    assert not invented, invented


@pytest.mark.skipif(not COMPARE_DEV.is_dir() or not COMPARE_GOLD.is_dir(), reason="compare-dev corpus not present")
def test_compare_dev_duty_lists_become_gold_conditions():
    """The conditions of a cited duty list come out as the gold words them (济南 第六条,
    郑州 第七条 with its result clause)."""
    from pipeline.ingest import read_source

    want = {}
    for _, gold in _gold_sanctions():
        for g in gold:
            if g.get("cites") in ("第六条", "第七条") and g["doc"][:2] in ("s4", "s5"):
                want.setdefault((g["doc"], g["span"][0]), g)
    assert len(want) >= 4
    for (doc, start), g in want.items():
        normalized = normalize(read_source(COMPARE_DEV / doc))
        seg = segment(normalized)
        pos = normalized.offset_map.to_derived(start)
        cites, condition = resolve_citation(seg, seg.sentence_at(pos).start, None, pos)
        assert (cites, condition) == (g["cites"], g["condition"]), doc


@pytest.mark.parametrize("sentence,condition", [
    # no 的 before the authority that enforces: the violation that opens the sentence
    ("采供血机构违反操作规程和制度采集血液,由市或者区、县卫生行政部门责令改正;", "采供血机构违反操作规程和制度采集血液"),
    # a clause that opens with 对 names whom the measure is put on, not a conduct
    ("对不服从公共绿地管理单位管理的商业、服务摊点,由城市人民政府城市绿化行政主管部门给予警告;", None),
    # a clause that states no violation is no trigger
    ("本市的献血工作,由市卫生行政部门责令改正;", None),
])
def test_trigger_before_the_enforcing_authority(sentence, condition):
    from extractors.sanctions import find_sanctions

    [first, *_] = find_sanctions(sentence)
    assert first.condition == condition
