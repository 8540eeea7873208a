"""The language data: every YAML file under extractors/data, pipeline/data and
pipeline/ingest/data fits its model in models/language_data.py, every key it defines
is read by some code, and a broken file fails at load naming the file and key."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from models import language_data as ld

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted(p for d in ("extractors/data", "pipeline/data", "pipeline/ingest/data")
                    for p in (ROOT / d).glob("*.yaml"))
BY_NAME = {Path(m._file).name: m for m in ld.MODELS}


def _consumers() -> None:
    """Run every loader that reads language data, so that their reads are recorded."""
    import extractors.numbers  # noqa: F401  (compiled at import)
    from extractors import conducts, deadlines, indicators, references, sanctions, subjects, thresholds
    from pipeline import areas, metadata, normalize, resolve, segment

    thresholds.rules()
    sanctions.vocabulary()
    references.grammar()
    deadlines.grammar()
    subjects.lexicon()
    indicators.vocabulary()
    indicators._curated_pattern()
    conducts.thesaurus()
    normalize.noise_rules()
    metadata.cues()
    segment.rules()
    resolve.gazetteer()
    resolve._cues()
    areas.vocabulary()
    from pipeline.ingest import html, layout

    html.rules()
    layout.layout_rules()


def test_every_data_file_has_a_model():
    names = [p.name for p in DATA_FILES]
    assert sorted(set(names)) == sorted(names), "two data files share a name"
    assert sorted(BY_NAME) == sorted(names)


@pytest.mark.parametrize("model", ld.MODELS, ids=lambda m: Path(m._file).name)
def test_every_data_file_validates(model):
    path = ROOT / model._file
    data = ld.parse(model, path.read_text(encoding="utf-8"), path.name)
    assert isinstance(data, model)
    assert ld.load(model) is ld.load(model)  # one model per process


def test_every_key_is_read_by_the_code():
    _consumers()
    for model in ld.MODELS:
        ld.load(model)
    assert ld.unread() == [], "keys defined in the data but read by no code"


def test_models_are_frozen():
    numbers = ld.load(ld.Numbers)
    with pytest.raises(AttributeError):
        numbers.units = ()
    with pytest.raises(TypeError):
        numbers.digits["十"] = 10  # type: ignore[index]


# --- broken files: the error names file:key -------------------------------------------

def _raw(model) -> dict:
    return yaml.safe_load((ROOT / model._file).read_text(encoding="utf-8"))


def _parse(model, raw: dict):
    return ld.parse(model, yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))


def test_unknown_key():
    raw = _raw(ld.Numbers)
    raw["hedges"]["prefx"] = ["约"]
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:hedges\.prefx: unknown key"):
        _parse(ld.Numbers, raw)


def test_unknown_top_level_key():
    raw = _raw(ld.Noise)
    raw["lines"] = raw["line"]
    with pytest.raises(ld.LanguageDataError, match=r"^noise\.yaml:lines: unknown key"):
        _parse(ld.Noise, raw)


def test_missing_key():
    raw = _raw(ld.Numbers)
    del raw["max_prefix_gap"]
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:max_prefix_gap: missing key"):
        _parse(ld.Numbers, raw)


def test_missing_key_in_a_list_entry():
    raw = _raw(ld.Numbers)
    del raw["comparators"]["prefix"][3]["op"]
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:comparators\.prefix\[3\]\.op: missing key"):
        _parse(ld.Numbers, raw)


def test_duplicate_mapping_key():
    text = (ROOT / ld.Indicators._file).read_text(encoding="utf-8") + "\nwindow: 41\n"
    with pytest.raises(ld.LanguageDataError, match=r"^indicators\.yaml:window: duplicate key \(lines \d+ and \d+\)"):
        ld.parse(ld.Indicators, text)


def test_duplicate_nested_mapping_key():
    text = "lead_heading:\n  max_chars: 25\n  min_count: 3\n  max_chars: 30\n"
    with pytest.raises(ld.LanguageDataError, match=r"^outline\.yaml:lead_heading\.max_chars: duplicate key \(lines 2 and 4\)"):
        ld.parse(ld.Outline, text)


def test_duplicate_list_entry():
    raw = _raw(ld.Numbers)
    raw["stoplist"].append(raw["stoplist"][0])
    n = len(raw["stoplist"]) - 1
    with pytest.raises(ld.LanguageDataError, match=rf"^numbers\.yaml:stoplist\[{n}\]: duplicate entry '.+' \(first at \[0\]\)"):
        _parse(ld.Numbers, raw)


def test_duplicate_list_entry_by_field():
    raw = _raw(ld.Numbers)
    raw["comparators"]["prefix"].append(dict(raw["comparators"]["prefix"][0]))
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:comparators\.prefix\[\d+\]: duplicate entry"):
        _parse(ld.Numbers, raw)


def test_bad_regex():
    raw = _raw(ld.Noise)
    raw["line"][2] = "(?:首页"
    with pytest.raises(ld.LanguageDataError, match=r"^noise\.yaml:line\[2\]: bad regex: missing \)"):
        _parse(ld.Noise, raw)


def test_bad_regex_in_a_template():
    raw = _raw(ld.Outline)
    raw["markers"][1]["pattern"] = "(?P<label>第{N}章"
    with pytest.raises(ld.LanguageDataError, match=r"^outline\.yaml:markers\[1\]\.pattern: bad regex"):
        _parse(ld.Outline, raw)
    raw = _raw(ld.Numbers)
    raw["skip_patterns"][0] = "{YAER}年"
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:skip_patterns\[0\]: unknown piece \{YAER\}"):
        _parse(ld.Numbers, raw)


def test_wrong_type():
    raw = _raw(ld.Indicators)
    raw["window"] = "forty"
    with pytest.raises(ld.LanguageDataError, match=r"^indicators\.yaml:window: expected an integer, got str 'forty'"):
        _parse(ld.Indicators, raw)


def test_closed_vocabulary():
    raw = _raw(ld.Indicators)
    raw["indicators"][0]["kinds"] = ["thresholds"]
    with pytest.raises(ld.LanguageDataError, match=r"^indicators\.yaml:indicators\[0\]\.kinds\[0\]: 'thresholds' is not one of Kind: threshold"):
        _parse(ld.Indicators, raw)
    raw = _raw(ld.Numbers)
    raw["comparators"]["postfix"][0]["op"] = "=>"
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:comparators\.postfix\[0\]\.op: '=>' is not one of Op: >="):
        _parse(ld.Numbers, raw)


def test_folding_is_char_for_char():
    raw = _raw(ld.Numbers)
    raw["traditional"]["萬萬"] = "万万"
    with pytest.raises(ld.LanguageDataError, match=r"^numbers\.yaml:traditional\.萬萬: expected one character"):
        _parse(ld.Numbers, raw)


def test_unknown_fragment():
    raw = _raw(ld.Metadata)
    raw["doc_number"] = "{doc_yaer}号"
    with pytest.raises(ld.LanguageDataError, match=r"^metadata\.yaml:doc_number: unknown fragment \{doc_yaer\}"):
        _parse(ld.Metadata, raw)


def test_fragments_expand_verbatim():
    lexicon = ld.load(ld.Lexicon)
    metadata = ld.load(ld.Metadata)
    assert lexicon.fragments["doc_year"] == r"[〔\[【(]\s*(?:19|20)\d{2}\s*[〕\]】)]"
    assert lexicon.fragments["doc_year"] in metadata.doc_number
    assert "{doc_year}" not in metadata.doc_number


def test_sanction_types_come_from_the_vocabulary():
    raw = _raw(ld.Sanctions)
    raw["types"]["fines"] = raw["types"].pop("fine")
    with pytest.raises(ld.LanguageDataError, match=r"^sanctions\.yaml:types\.fines: 'fines' is not one of SanctionType"):
        _parse(ld.Sanctions, raw)
    raw = _raw(ld.Sanctions)
    raw["self_evident"].append("penalty")
    with pytest.raises(ld.LanguageDataError, match=r"^sanctions\.yaml:self_evident\[\d+\]: 'penalty' is not one of SanctionType"):
        _parse(ld.Sanctions, raw)


def test_sanction_bad_regex_names_type_and_index():
    raw = _raw(ld.Sanctions)
    raw["types"]["fine"] = ["罚款", {"re": "处以罚款", "evident": False}, "(?:罚款"]
    with pytest.raises(ld.LanguageDataError, match=r"^sanctions\.yaml:types\.fine\[2\]: bad regex"):
        _parse(ld.Sanctions, raw)
    raw["types"]["fine"] = ["罚款", {"re": "处以罚款", "requires": "[的"}]
    with pytest.raises(ld.LanguageDataError, match=r"^sanctions\.yaml:types\.fine\[1\]\.requires: bad regex"):
        _parse(ld.Sanctions, raw)


def test_recurrence_comes_from_the_vocabulary():
    raw = _raw(ld.Lexicon)
    raw["recurrence"]["每年"] = "yearly"
    with pytest.raises(ld.LanguageDataError, match=r"^lexicon\.yaml:recurrence\.每年: 'yearly' is not one of Per"):
        _parse(ld.Lexicon, raw)


def test_unknown_word_list():
    raw = _raw(ld.Bounds)
    raw["time_units"] = ["{duration_unit}", "岁"]
    with pytest.raises(ld.LanguageDataError, match=r"^bounds\.yaml:time_units\[0\]: unknown word list \{duration_unit\}"):
        _parse(ld.Bounds, raw)


def test_spliced_word_lists():
    lexicon = ld.load(ld.Lexicon)
    bounds = ld.load(ld.Bounds)
    assert set(bounds.time_units) == set(lexicon.duration_units) | {"分钟", "秒", "岁"}
    assert set(lexicon.duration_units) <= set(ld.load(ld.Numbers).time_units)


def test_not_yaml():
    with pytest.raises(ld.LanguageDataError, match=r"^noise\.yaml: not valid YAML"):
        ld.parse(ld.Noise, "line: [unclosed\n")
