"""rules.schema.json is generated from models.records and models.vocab: the committed
file is a fresh generation, its closed lists are the enums, each kind requires its
KIND_FIELDS, and records of the v2 contract (new sanction types, cites, currency)
validate while records off it do not."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT
from models.records import Provision
from models.vocab import Currency, Kind, Op, Per, Polarity, SanctionType, values
from pipeline.export import SCHEMA, load_schema
from pipeline.export.schema import provision_schema, render_schema

jsonschema = pytest.importorskip("jsonschema")

REGENERATE = "python -m pipeline.export.schema > pipeline/export/rules.schema.json"


def test_committed_schema_is_a_fresh_generation():
    assert SCHEMA.read_text(encoding="utf-8") == render_schema(), f"stale schema: run {REGENERATE}"
    assert json.loads(render_schema()) == provision_schema()


def test_module_prints_the_schema():
    r = subprocess.run([sys.executable, "-m", "pipeline.export.schema"], cwd=ROOT, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode("utf-8") == render_schema()


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(provision_schema())


def test_closed_lists_are_the_enums():
    props = provision_schema()["properties"]
    assert props["kind"]["enum"] == values(Kind)
    assert props["sanction"]["enum"] == values(SanctionType)
    assert props["polarity"]["enum"] == values(Polarity)
    assert props["op"]["enum"] == values(Op) + [None]
    assert props["per"]["enum"] == values(Per) + [None]
    assert props["currency"]["enum"] == values(Currency) + [None]


def test_fields_and_requirements_are_the_records():
    schema = provision_schema()
    listed = set(Provision.COMMON).union(Provision.OPTIONAL, *Provision.KIND_FIELDS.values())
    assert set(schema["properties"]) == listed
    assert schema["required"] == list(Provision.COMMON)  # the optional fields are required nowhere
    required = {rule["if"]["properties"]["kind"]["const"]: rule["then"]["required"]
                for rule in schema["allOf"] if "kind" in rule["if"]["properties"]}
    assert required == {k: list(v) for k, v in Provision.KIND_FIELDS.items()}
    assert schema["properties"]["cites"]["description"] and schema["properties"]["currency"]["description"]


def _sanction(**kw) -> dict:
    base = dict(doc="x.txt", kind="sanction", span=(3, 20), quote="处五日以上十日以下拘留", sentence="处五日以上十日以下拘留",
                section="第五章 > 第三十条", jurisdiction="X市", indicator="殴打他人·拘留", confidence=0.9,
                sanction="detention", polarity="negative", condition="殴打他人", cites="第十四条 > 第二款", op="range",
                value=5.0, value_max=10.0, unit="日")
    return Provision(**{**base, **kw}).to_json()


def test_a_table_provision_validates_with_its_headers():
    record = _sanction(table_row="党建", table_column="要求")
    jsonschema.Draft202012Validator(load_schema()).validate(record)
    assert list(record)[-2:] == ["table_row", "table_column"]


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(load_schema())


@pytest.mark.parametrize("sanction", values(SanctionType))
def test_every_sanction_type_validates(validator, sanction):
    assert validator.is_valid(_sanction(sanction=sanction))


@pytest.mark.parametrize("currency", values(Currency) + [None])
def test_fines_and_thresholds_carry_a_currency(validator, currency):
    fine = _sanction(sanction="fine", value=200.0, value_max=1000.0, unit="元", currency=currency)
    assert validator.is_valid(fine)
    threshold = Provision(doc="x.txt", kind="threshold", span=(0, 4), quote="3万元以上", op=">=", value=30000.0,
                          unit="元", currency=currency).to_json()
    assert validator.is_valid(threshold)


@pytest.mark.parametrize("change", [
    {"currency": "USD"}, {"currency": "cny"}, {"cites": 14}, {"sanction": "beheading"}, {"sanction": None},
    {"polarity": None},
])
def test_v2_fields_off_contract_are_rejected(validator, change):
    assert not validator.is_valid({**_sanction(), **change})


@pytest.mark.parametrize("kind,missing", [("sanction", "cites"), ("sanction", "currency"), ("sanction", "base"),
                                          ("threshold", "currency")])
def test_kind_fields_are_required(validator, kind, missing):
    record = _sanction() if kind == "sanction" else Provision(
        doc="x.txt", kind="threshold", span=(0, 4), quote="不少于6次", op=">=", value=6.0, unit="次").to_json()
    assert validator.is_valid(record)
    del record[missing]
    assert not validator.is_valid(record)
