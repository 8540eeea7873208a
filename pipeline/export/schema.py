"""rules.schema.json, generated from the record and the vocabularies, never by hand.

The properties are the contract fields of models.records.Provision (COMMON and
KIND_FIELDS, in dataclass order, JSON types from the annotations), the closed value
lists come from models.vocab, and what each kind requires is its KIND_FIELDS; only
what the code cannot say (descriptions, bounds, the TIMEX pattern, which operators a
kind admits) is written here. A new sanction type or field is one edit in models/,
then:

    python -m pipeline.export.schema > pipeline/export/rules.schema.json

tests/test_schema.py fails while the committed file differs from a fresh generation.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from enum import Enum

from models.records import ISO_DURATION, Provision
from models.vocab import Currency, Kind, Op, Per, Polarity, SanctionType, values

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:policyx:rules.schema.json"
DESCRIPTION = ("One line of rules.jsonl: a provision extracted from a Chinese policy document, grounded to its span "
               "in the document's source text (quote == source_text[span[0]:span[1]]). Follows the provision "
               "contract (PROVISIONS.md); fields not listed may be added.")
ENUMS: dict[str, type[Enum]] = {"kind": Kind, "op": Op, "per": Per, "sanction": SanctionType,
                                "polarity": Polarity, "currency": Currency}
# Optional in the dataclass because other kinds lack them; a sanction always has both.
NEVER_NULL = frozenset({"sanction", "polarity"})
EXTRA: dict[str, dict] = {
    "doc": {"minLength": 1, "description": "the source file's name"},
    "span": {"description": "[start, end) in Unicode code points into the document's source text"},
    "quote": {"description": "exactly source_text[span[0]:span[1]]"},
    "sentence": {"description": "the clause or sentence around it, cleaned, simplified Chinese"},
    "section": {"description": "section path, outermost first, joined by ' > '"},
    "confidence": {"minimum": 0, "maximum": 1},
    "cites": {"description": "the rule a sanction enforces, as a section path of the same document joined by "
                             "' > ' (第十四条 > 第二款); null when none is cited"},
    "currency": {"description": "ISO 4217 code of an amount of money (fines, thresholds in 元), inferred from the "
                                "text or the jurisdiction; null when there is none"},
}
REPLACE: dict[str, dict] = {"duration": {"$ref": "#/$defs/duration_or_null"}}
NUMERIC_OPS = (Op.GE, Op.GT, Op.LE, Op.LT, Op.EQ, Op.RANGE)
DEADLINE_OPS = (Op.LE, Op.EQ, Op.RANGE, Op.WITHIN)
DEFS = {
    "timex": {
        "type": "string",
        "description": "ISO 8601 / TIMEX3 style: 2012-04-15, XXXX-04-15, XXXX-12, 2012, XXXX, 2012-H1, 2012-Q3, "
                       "or a duration P3M, P30D, P1Y",
        "pattern": r"^(?:(?:\d{4}|XXXX)(?:-(?:H[12]|Q[1-4]|(?:0[1-9]|1[0-2]|XX)(?:-(?:0[1-9]|[12]\d|3[01]|XX))?))?"
                   rf"|{ISO_DURATION.pattern})$",
    },
    "duration_or_null": {"type": ["string", "null"], "pattern": rf"^(?:{ISO_DURATION.pattern})$"},
}


def _enum(members, nullable: bool = False) -> dict:
    return {"enum": [m.value for m in members] + ([None] if nullable else [])}


def kind_properties(kind: Kind) -> dict:
    """What a kind admits beyond the top-level types: its operators and value types."""
    if kind in (Kind.THRESHOLD, Kind.RATIO):
        return {"op": _enum(NUMERIC_OPS), "value": {"type": "number"}, "value_max": {"type": ["number", "null"]},
                "unit": {"type": "string", "minLength": 1}}
    if kind is Kind.DEADLINE:
        return {"op": _enum(DEADLINE_OPS), "value": {"$ref": "#/$defs/timex"},
                "value_max": {"anyOf": [{"$ref": "#/$defs/timex"}, {"type": "null"}]}}
    return {"op": _enum(NUMERIC_OPS, nullable=True), "value": {"type": ["number", "null"]},
            "value_max": {"type": ["number", "null"]}}


_JSON_TYPES = {str: "string", bool: "boolean", float: "number", int: "integer", type(None): "null"}


def json_type(tp) -> dict:
    """The JSON Schema of a field annotation: scalars and their unions, and the fixed-length
    integer tuples (spans; the contract's only integers are code-point offsets)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        names = [json_type(a)["type"] for a in typing.get_args(tp)]
        return {"type": names}
    if typing.get_origin(tp) is tuple:
        items = [json_type(a) for a in typing.get_args(tp)]
        return {"type": "array", "prefixItems": items, "items": False, "minItems": len(items),
                "maxItems": len(items)}
    if tp is int:
        return {"type": "integer", "minimum": 0}
    if tp in _JSON_TYPES:
        return {"type": _JSON_TYPES[tp]}
    raise TypeError(f"no JSON type for annotation {tp!r}")


def contract_fields() -> list[dataclasses.Field]:
    """Provision's fields that the contract lists, in dataclass order."""
    listed = set(Provision.COMMON).union(Provision.OPTIONAL, *Provision.KIND_FIELDS.values())
    return [f for f in dataclasses.fields(Provision) if f.name in listed]


def field_schema(name: str, tp) -> dict:
    if name in REPLACE:
        return dict(REPLACE[name])
    if name in ENUMS:
        nullable = type(None) in typing.get_args(tp) and name not in NEVER_NULL
        out = {"enum": values(ENUMS[name]) + ([None] if nullable else [])}
    else:
        out = json_type(tp)
    return {**out, **EXTRA.get(name, {})}


def provision_schema() -> dict:
    """The JSON Schema (draft 2020-12) of one rules.jsonl record."""
    hints = typing.get_type_hints(Provision)
    rules = [{"if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
              "then": {"required": list(Provision.KIND_FIELDS[kind.value]), "properties": kind_properties(kind)}}
             for kind in Kind]
    rules.append({"if": {"properties": {"op": {"const": Op.RANGE.value}}, "required": ["op"]},
                  "then": {"properties": {"value_max": {"not": {"type": "null"}}}}})
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "policyx provision record",
        "description": DESCRIPTION,
        "type": "object",
        "required": list(Provision.COMMON),
        "properties": {f.name: field_schema(f.name, hints[f.name]) for f in contract_fields()},
        "allOf": rules,
        "$defs": DEFS,
    }


def render_schema() -> str:
    """The text of rules.schema.json, as committed."""
    return _dump(provision_schema()) + "\n"


WIDTH = 110  # characters a line may take before a value is spread over lines


def _dump(value, indent: int = 0, used: int = 0) -> str:
    """Two-space indents, whatever fits the line on one line, lists of plain values
    wrapped like prose, Chinese as is: a file that reads and diffs well. `used` is what
    the line already holds before the value (indent and key)."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    one = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if used + len(one) <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return one
    if isinstance(value, dict):
        lines = []
        for k, v in value.items():
            key = f"{inner}{json.dumps(k, ensure_ascii=False)}: "
            lines.append(key + _dump(v, indent + 1, len(key)))
        return "{\n" + ",\n".join(lines) + "\n" + pad + "}"
    if any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _dump(v, indent + 1, len(inner)) for v in value) + "\n" + pad + "]"
    lines, line, start = [], "", used + 1  # plain values: fill lines, continuing under the first
    for item in (json.dumps(v, ensure_ascii=False) for v in value):
        if line and start + len(line) + len(item) + 2 > WIDTH:
            lines.append(line + ",")
            line = ""
        line = f"{line}, {item}" if line else item
    return "[" + f"\n{' ' * (used + 1)}".join(lines + [line]) + "]"


def main() -> None:
    sys.stdout.write(render_schema())


if __name__ == "__main__":
    main()
