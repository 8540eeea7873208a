"""The language data (every YAML file under extractors/data, pipeline/data and
pipeline/ingest/data) as frozen, validated models: `load(Numbers)`.

Why a loader of its own: a slip in a data file (an unknown or missing key, a duplicate
entry, a regex that does not compile, a sanction type the contract lacks) must fail at
load time naming the file and key (`sanctions.yaml:types.fine[2]: bad regex ...`),
not turn into a pattern that silently never matches. The models also record which keys
the code reads, so a key that no code uses is found (`unread()`, checked by
tests/test_language_data.py) instead of misleading whoever edits it.

Vocabulary several files share lives once in extractors/data/lexicon.yaml. A regex in
any file names one of its `fragments` as `{name}` (inserted verbatim); an item `{name}`
of a word list splices in one of its word lists or the keys of one of its word maps.
Closed vocabularies (sanction types, comparators, recurrences) come from models/vocab.py.
"""
from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, ClassVar

import yaml

from models.vocab import Currency, Kind, Op, Per, SanctionType, values

ROOT = Path(__file__).resolve().parents[1]
DATA_DIRS = (ROOT / "extractors" / "data", ROOT / "pipeline" / "data", ROOT / "pipeline" / "ingest" / "data")


class LanguageDataError(ValueError):
    """A data file that does not fit its model; the message starts with `file:key:`."""


# --- what the code read --------------------------------------------------------------

_DEFINED: set[tuple[str, str]] = set()  # (file, key) of every key a loaded (shipped) file defines
_READ: set[tuple[str, str]] = set()  # (file, key) of every key some code has read
_tracking = True  # off while the loader itself looks at a model


class Model:
    """Base of the data models. Reading a field records its key; lists and mappings
    record it at the field (`comparators.prefix[].word`), not per item."""

    _shorthand: ClassVar[str | None] = None  # a bare scalar stands for {this field: scalar}

    def __getattribute__(self, name: str) -> Any:
        if _tracking and name[0] != "_":
            keys = object.__getattribute__(self, "__dict__").get("_keys")
            if keys is not None and name in keys:
                _READ.add(keys[name])
        return object.__getattribute__(self, name)

    def _check(self, at: _At, ctx: _Context) -> None:
        """Cross-field checks of a model, after its fields converted."""


def model(cls):
    """A frozen, keyword-only dataclass: data models are built once and shared."""
    return dataclass(frozen=True, kw_only=True)(cls)


def defined_keys() -> set[str]:
    return {f"{f}:{k}" for f, k in _DEFINED}


def read_keys() -> set[str]:
    return {f"{f}:{k}" for f, k in _READ}


def unread() -> list[str]:
    """Keys that the loaded files define and no code has read, as `file:key`."""
    return sorted(f"{f}:{k}" for f, k in _DEFINED - _READ)


# --- field types -----------------------------------------------------------------------

class Regex(str):
    """A regex string, fragments expanded, that compiled at load; `.compiled` is it."""

    compiled: re.Pattern


@dataclass(frozen=True)
class OneOf:
    """The value must be one of a closed vocabulary (an enum of models/vocab.py, or
    strings); it is kept as a plain string, so it compares and hashes like the text."""

    allowed: tuple[str, ...]
    name: str

    @classmethod
    def of(cls, enum: type[Enum]) -> OneOf:
        return cls(tuple(values(enum)), enum.__name__)


@dataclass(frozen=True)
class Distinct:
    """A list that is a set: a repeated entry (or entry `by` field) is an error."""

    by: str | None = None


@dataclass(frozen=True)
class Local:
    """`{name}` placeholders a regex field leaves for its code to fill (not fragments)."""

    names: tuple[str, ...]


class _Fragments:
    """Marks the lexicon's fragment map: each entry may use the ones before it."""


Char = Annotated[str, "char"]
Words = Annotated[tuple[str, ...], Distinct()]
Regexes = Annotated[tuple[Regex, ...], Distinct()]
SanctionName = Annotated[str, OneOf.of(SanctionType)]
OpName = Annotated[str, OneOf.of(Op)]
PerName = Annotated[str, OneOf.of(Per)]
KindName = Annotated[str, OneOf.of(Kind)]
CurrencyName = Annotated[str, OneOf.of(Currency)]
QuantityKind = Annotated[str, OneOf(("percent", "permille"), "share kind")]
Designator = Annotated[str, OneOf(("Y", "M", "W", "D", "H"), "ISO 8601 duration designator")]

_REF = re.compile(r"\{([a-z][a-z0-9_]*)\}")  # {name}; {1,3} and {YEAR} are not references


@dataclass(frozen=True)
class _At:
    """Where a value sits in its file: the key path for messages, and the same path
    with list indices and mapping entries generalized for the read record."""

    file: str
    parts: tuple = ()

    def __truediv__(self, part) -> _At:
        return _At(self.file, self.parts + (part,))

    def key(self) -> str:
        out = ""
        for p in self.parts:
            if isinstance(p, int):
                out += f"[{p}]"
            else:
                out += f".{p[1]}" if out else str(p[1])
        return out

    def schema(self) -> str:
        out = ""
        for p in self.parts:
            if isinstance(p, int):
                out += "[]"
            elif p[0] == "field":
                out += f".{p[1]}" if out else p[1]
            else:
                out += ".*" if out else "*"
        return out

    def error(self, message: str) -> LanguageDataError:
        return LanguageDataError(f"{self.file}:{self.key() or '(top)'}: {message}")


@dataclass
class _Context:
    """The lexicon that references resolve against while a file converts, and the
    keys the file defines."""

    fragments: dict[str, str]
    lexicon: Lexicon | None
    defined: set[tuple[str, str]]


def _field(name: str) -> tuple[str, str]:
    return ("field", name)


def _entry(name) -> tuple[str, str]:
    return ("entry", str(name))


def _describe(value) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _convert(tp, value, at: _At, ctx: _Context, meta: tuple = ()):
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *extra = typing.get_args(tp)
        return _convert(base, value, at, ctx, meta + tuple(extra))
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(options[0], value, at, ctx, meta)
    if isinstance(tp, type) and issubclass(tp, Model):
        return _build(tp, value, at, ctx)
    if tp is Regex:
        return _regex(value, at, ctx, meta)
    if origin is tuple:
        return _sequence(tp, value, at, ctx, meta)
    if origin is Mapping:
        return _mapping(tp, value, at, ctx, meta)
    if tp is bool:
        if not isinstance(value, bool):
            raise at.error(f"expected true or false, got {_describe(value)}")
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise at.error(f"expected an integer, got {_describe(value)}")
        return value
    if tp is float:  # an int stays an int: 1 and 1.0 differ as Decimal(str(x))
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise at.error(f"expected a number, got {_describe(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise at.error(f"expected a string, got {_describe(value)}")
        if "char" in meta and len(value) != 1:
            raise at.error(f"expected one character, got {value!r}")
        for m in meta:
            if isinstance(m, OneOf) and value not in m.allowed:
                raise at.error(f"{value!r} is not one of {m.name}: {', '.join(m.allowed)}")
        return value
    raise TypeError(f"{at.file}:{at.key()}: no conversion for {tp!r}")


def _regex(value, at: _At, ctx: _Context, meta: tuple) -> Regex:
    if not isinstance(value, str):
        raise at.error(f"expected a regex string, got {_describe(value)}")
    local = {n for m in meta if isinstance(m, Local) for n in m.names}

    def expand(m: re.Match) -> str:
        name = m.group(1)
        if name in local:
            return m.group(0)
        if name not in ctx.fragments:
            raise at.error(f"unknown fragment {{{name}}} (lexicon.yaml fragments: {', '.join(ctx.fragments) or 'none'})")
        _READ.update({("lexicon.yaml", "fragments"), ("lexicon.yaml", f"fragments.{name}")})
        return ctx.fragments[name]

    pattern = Regex(_REF.sub(expand, value))
    try:
        pattern.compiled = re.compile(pattern)
    except re.error as e:
        raise at.error(f"bad regex: {e}: {value!r}") from None
    return pattern


def _splice(items: list, at: _At, ctx: _Context, regex_items: bool) -> list[tuple[int, Any]]:
    """(index in the file, item) with items `{name}` replaced by the lexicon's word
    list (or word map keys) `name`; in a list of regexes any other `{name}` is left to
    the regex (a fragment)."""
    out = []
    for i, item in enumerate(items):
        m = _REF.fullmatch(item) if isinstance(item, str) else None
        if m and ctx.lexicon is not None and m.group(1) in _SPLICEABLE:
            out.extend((i, w) for w in getattr(ctx.lexicon, m.group(1)))  # a read of that key
        elif m and not regex_items:
            raise (at / i).error(f"unknown word list {item} (lexicon.yaml lists: {', '.join(_SPLICEABLE)})")
        else:
            out.append((i, item))
    return out


def _sequence(tp, value, at: _At, ctx: _Context, meta: tuple) -> tuple:
    if not isinstance(value, list):
        raise at.error(f"expected a list, got {_describe(value)}")
    args = typing.get_args(tp)
    if len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        while typing.get_origin(item) is Annotated:
            item = typing.get_args(item)[0]
        indexed = _splice(value, at, ctx, item is Regex)
        item_types = [args[0]] * len(indexed)
    else:
        if len(value) != len(args):
            raise at.error(f"expected a list of {len(args)}, got {len(value)} items")
        indexed, item_types = list(enumerate(value)), list(args)
    out = tuple(_convert(t, v, at / i, ctx) for t, (i, v) in zip(item_types, indexed))
    for m in meta:
        if isinstance(m, Distinct):
            seen: dict = {}
            for (i, _), item in zip(indexed, out):
                key = item if m.by is None else object.__getattribute__(item, m.by)
                if key in seen:
                    raise (at / i).error(f"duplicate entry {key!r} (first at [{seen[key]}])")
                seen[key] = i
    return out


def _mapping(tp, value, at: _At, ctx: _Context, meta: tuple) -> Mapping:
    if not isinstance(value, dict):
        raise at.error(f"expected a mapping, got {_describe(value)}")
    key_type, value_type = typing.get_args(tp)
    out = {}
    for k, v in value.items():
        k = _convert(key_type, k, at / _entry(k), ctx)
        out[k] = _convert(value_type, v, at / _entry(k), ctx)
        if any(m is _Fragments for m in meta):
            if k in ctx.fragments:
                raise (at / _entry(k)).error("duplicate fragment")
            ctx.fragments[k] = out[k]
            ctx.defined.add((at.file, f"{at.schema()}.{k}"))
    return types.MappingProxyType(out)


def _build(cls: type[Model], value, at: _At, ctx: _Context) -> Model:
    hints = _hints(cls)
    short = cls._shorthand is not None and not isinstance(value, dict)
    if short:  # a bare scalar: its errors name the entry itself (types.fine[2])
        value = {cls._shorthand: value}
    if not isinstance(value, dict):
        raise at.error(f"expected a mapping, got {_describe(value)}")
    names = [f.name for f in fields(cls)]
    for k in value:
        if k not in names:
            raise (at / _field(str(k))).error(f"unknown key (allowed: {', '.join(names)})")
    kwargs = {}
    for f in fields(cls):
        if f.name not in value:
            if f.default is f.default_factory:  # both MISSING: a required key
                raise (at / _field(f.name)).error("missing key")
            continue
        kwargs[f.name] = _convert(hints[f.name], value[f.name], at if short else at / _field(f.name), ctx)
    obj = cls(**kwargs)
    schema = at.schema()
    keys = {n: (at.file, f"{schema}.{n}" if schema else n) for n in names}
    object.__setattr__(obj, "_keys", keys)
    ctx.defined.update(keys[n] for n in value)
    global _tracking
    _tracking = False
    try:
        obj._check(at, ctx)
    finally:
        _tracking = True
    return obj


@cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls, include_extras=True)


# --- YAML ------------------------------------------------------------------------------

class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (plain PyYAML keeps
    the last and drops the first without a word)."""

    file = "?"

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None:
            self._check_duplicates(node, _At(self.file))
        return node

    def _check_duplicates(self, node, at: _At) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                here = at / (_field(key) if not at.parts else _entry(key))
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise here.error(f"duplicate key (lines {seen[key]} and {line})")
                seen[key] = line
                self._check_duplicates(value_node, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._check_duplicates(item, at / i)


def read_yaml(text: str, file: str):
    """YAML text -> Python data, with duplicate keys an error naming file:key."""
    loader = _StrictLoader(text)
    loader.file = file
    try:
        return loader.get_single_data()
    except yaml.YAMLError as e:
        raise LanguageDataError(f"{file}: not valid YAML: {e}") from None
    finally:
        loader.dispose()


def parse(cls: type[Model], text: str, file: str | None = None, defined: set | None = None) -> Model:
    """A model from YAML text (tests feed edited copies of the shipped files);
    `defined` collects the (file, key) pairs the text defines."""
    file = file or Path(cls._file).name
    lexicon = None if cls is Lexicon else load(Lexicon)
    fragments = {} if lexicon is None else dict(object.__getattribute__(lexicon, "fragments"))
    ctx = _Context(fragments, lexicon, set() if defined is None else defined)
    return _build(cls, read_yaml(text, file), _At(file), ctx)


@cache
def load(cls: type[Model]) -> Model:
    """The model of a shipped data file, loaded once per process."""
    path = ROOT / cls._file
    return parse(cls, path.read_text(encoding="utf-8"), path.name, _DEFINED)


# --- the shared lexicon ----------------------------------------------------------------

@model
class Lexicon(Model):
    """lexicon.yaml: vocabulary with one home, used by several files and extractors."""

    _file: ClassVar[str] = "extractors/data/lexicon.yaml"
    fragments: Annotated[Mapping[str, Regex], _Fragments]
    recurrence: Mapping[str, PerName | None]
    duration_units: Mapping[str, Designator]


_SPLICEABLE = tuple(f.name for f in fields(Lexicon) if f.name != "fragments")  # word lists and maps


# --- extractors/data -------------------------------------------------------------------

@model
class FractionBase(Model):
    kind: QuantityKind
    scale: float


@model
class HalfWord(Model):
    value: float
    op: OpName | None = None


@model
class BareBig(Model):
    approx: bool
    op: OpName | None = None


@model
class Hedges(Model):
    prefix: Regexes
    prefix_not_time: Words
    infix: Annotated[tuple[Char, ...], Distinct()]
    infix_round_only: Annotated[tuple[Char, ...], Distinct()]
    after_time_unit: Annotated[tuple[Char, ...], Distinct()]
    postfix: Mapping[str, Words]


@model
class PrefixComparator(Model):
    word: str
    op: OpName
    gap: int | None = None


@model
class PostfixComparator(Model):
    word: str
    op: OpName
    time_only: bool = False


@model
class Comparators(Model):
    prefix: Annotated[tuple[PrefixComparator, ...], Distinct("word")]
    postfix: Annotated[tuple[PostfixComparator, ...], Distinct("word")]


@model
class SloganQuotes(Model):
    open: str
    close: str
    max_len: int


@model
class Numbers(Model):
    """numbers.yaml: the numeral parser's language (extractors/numbers.py)."""

    _file: ClassVar[str] = "extractors/data/numbers.yaml"
    traditional: Mapping[Char, Char]  # one character each, so folding keeps offsets
    digits: Mapping[Char, int]
    small_units: Mapping[Char, int]
    big_units: Mapping[Char, int]
    decimal_point: Char
    approx_pairs: Annotated[tuple[tuple[Char, Char], ...], Distinct()]
    arabic_multiplier_not_before: Mapping[Char, Words]
    fraction_bases: Mapping[int, FractionBase]
    percent_signs: Mapping[str, QuantityKind]
    cheng_not_before: Annotated[tuple[Char, ...], Distinct()]
    half_words: Mapping[str, HalfWord]
    half_units: Words
    half_not_after: str
    half_after_unit_not_before: str
    half_words_not_after: str
    units: Words
    mainland_units: Mapping[str, str]
    unit_not_before: Mapping[str, Words]
    time_units: Words
    length_units: Words
    hedges: Hedges
    bare_not_after: Words
    bare_big_after: Mapping[Char, BareBig]
    range_connectors: Words
    range_lower: Words
    range_upper: Words
    range_lower_sep: Regex
    ratio_connectors: Words
    ordinal_prefix: Annotated[tuple[Char, ...], Distinct()]
    max_prefix_gap: int
    comparators: Comparators
    slogan_quotes: SloganQuotes
    stoplist: Words
    stop_patterns: Regexes
    skip_first_chars: str
    skip_pieces: Mapping[Annotated[str, OneOf(("YEAR", "MON", "DAY", "CONN"), "skip piece")], Regex]
    skip_patterns: Regexes

    def _check(self, at: _At, ctx: _Context) -> None:
        """Skip patterns compile only with their {PIECES} filled in."""
        pieces = self.skip_pieces
        for i, p in enumerate(self.skip_patterns):
            missing = [n for n in re.findall(r"\{([A-Z]+)\}", p) if n not in pieces]
            if missing:
                raise (at / _field("skip_patterns") / i).error(f"unknown piece {{{missing[0]}}}")
            try:
                re.compile(re.sub(r"\{([A-Z]+)\}", lambda m: pieces[m[1]], p))
            except re.error as e:
                raise (at / _field("skip_patterns") / i).error(f"bad regex: {e}: {p!r}") from None


@model
class Bounds(Model):
    """bounds.yaml: which numbers bound an activity (extractors/thresholds.py)."""

    _file: ClassVar[str] = "extractors/data/bounds.yaml"
    time_units: Words
    bare_units: Words
    requirement: Regex
    activity_verb: Regex
    not_after: Regex
    per_deduction_after: Regex
    nominal_units: Words
    prescriptive: Regex
    time_minimum_ops: Annotated[tuple[OpName, ...], Distinct()]
    activity_length_before: Regex
    activity_length_after: Regex
    daily_length_before: Regex
    daily_length_after: Regex
    point_units: Words
    ten_thousand: Regex
    time_before_event_after: Regex
    time_after_event_before: Regex
    time_cap_after: str
    time_cap_before: Regex
    time_condition_after: Regex
    criterion_after: Regex
    stated_before: Regex
    measure_units: Words
    categorical_units: Words
    quoted_name_max: int
    statistics: Regex
    or_more: Regex
    hedge: Regex
    base: Regex


@model
class Deadlines(Model):
    """deadlines.yaml: the language of time limits (extractors/deadlines.py)."""

    _file: ClassVar[str] = "extractors/data/deadlines.yaml"
    month: Regex
    day: Regex
    year: Regex
    every: Regex
    month_parts: Mapping[str, tuple[int | None, int]]
    half_year: Mapping[str, Annotated[str, OneOf(("H1", "H2"), "half")]]
    year_parts: Mapping[str, Annotated[str, OneOf(("start", "mid", "end", "within"), "year part")]]
    before: Regex
    range_sep: Regex
    duration_lead: Regex
    duration_tail: Regex
    duration_not_after: Regex
    duration_not_before: Regex
    festivals: Mapping[str, str]
    events: Regex
    event_not_before: Regex
    length_before_event: Regex
    lookback_after: Regex
    metadata_after: Regex
    past_after: Regex
    past_before: Regex

    def _check(self, at: _At, ctx: _Context) -> None:
        """Festival dates are MM-DD (the value is {year}-MM-DD)."""
        for name, md in self.festivals.items():
            if not re.fullmatch(r"(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])", md):
                raise (at / _field("festivals") / _entry(name)).error(f"expected MM-DD, got {md!r}")


@model
class SanctionPattern(Model):
    """A vocabulary entry: a regex, or {re, evident, requires, noun}."""

    _shorthand: ClassVar[str] = "re"
    re: Regex
    evident: bool | None = None
    requires: Regex | None = None
    noun: bool = False


@model
class Sanctions(Model):
    """sanctions.yaml: consequences and their triggers (extractors/sanctions.py). Any
    sanction type of models/vocab.py may have patterns."""

    _file: ClassVar[str] = "extractors/data/sanctions.yaml"
    types: Mapping[SanctionName, Annotated[tuple[SanctionPattern, ...], Distinct("re")]]
    positive: Annotated[tuple[SanctionName, ...], Distinct()]
    self_evident: Annotated[tuple[SanctionName, ...], Distinct()]
    not_before: Regex
    noun_head_after: Regex
    target: Regex
    modifier_after: Regex
    condition_before: Regex
    list_intro: Regex
    conditions_list: Regex
    measures_list: Regex
    task_list_after: Regex
    negated: Regex
    trigger: Regex
    enforced_trigger: Regex
    violation: Regex
    imposing_before: Regex
    merge_gap: Regex
    amount_units: Mapping[SanctionName, Words]
    per_item: Regex
    multiple_base: Regex
    currencies: Mapping[CurrencyName, Regex]
    jurisdiction_currency: Mapping[str, CurrencyName]
    tier: Regex


@model
class References(Model):
    """references.yaml: the citation grammar and its conduct words (extractors/references.py)."""

    _file: ClassVar[str] = "extractors/data/references.yaml"
    numeral: Regex
    self_names: Regex
    openers: Regex
    keep_subject: Regex
    self_filler: Regex
    relative: Regex
    separator: Regex
    range: Regex
    after_cite: Regex
    generic: Regex
    taiwan: Regex
    escalation: Regex
    unnamed_rule: Regex
    parallel: Regex
    result: Regex
    list_intro: Regex
    imposes: Regex
    prohibition: Regex
    duty: Regex
    ban_attributive: Regex
    ban_attributive_inner: Regex
    duty_lead: Regex
    prohibition_lead: Regex
    list_genus: Regex
    place_nouns: Regex
    locative: Regex
    place_suffix: Regex
    party_suffix: Regex
    universal_subject: Regex
    negate_with_bu: Regex
    topic: Regex
    topic_prefix: Regex
    conjunction: Regex
    alternative: Regex
    trigger_lead: Regex
    inner_measure: Regex
    cite_clause: Regex
    filler: Regex
    not_paragraph: Regex
    proviso: Regex
    aside: Regex


@model
class Subjects(Model):
    """subjects.yaml: who a bound binds and what it measures (extractors/subjects.py)."""

    _file: ClassVar[str] = "extractors/data/subjects.yaml"
    heads: Words
    lead_words: Regex
    predicate: Regex
    label_strip: Regex
    label_lead: Regex
    label_after: Regex
    measure_by_unit: Mapping[str, str]
    deadline_event: Regex
    advance_event: Regex
    advance_condition: Regex
    event_lead: Regex
    duty_strip: Regex
    deadline_suffix: str
    date_designation: Regex
    duty_modal: Regex
    label_chars: int


@model
class Indicator(Model):
    label: str
    kinds: Annotated[tuple[KindName, ...], Distinct()]
    units: Words | None = None
    sanctions: Annotated[tuple[SanctionName, ...], Distinct()] | None = None
    all: Annotated[tuple[Annotated[Regex, Local(("grade_near",))], ...], Distinct()] = ()
    any: Annotated[tuple[Annotated[Regex, Local(("grade_near",))], ...], Distinct()] = ()
    none: Annotated[tuple[Annotated[Regex, Local(("grade_near",))], ...], Distinct()] = ()
    areas: Words | None = None  # the policy areas (pipeline/data/policy_areas.yaml) it is written for


@model
class Indicators(Model):
    """indicators.yaml: curated indicator labels (extractors/indicators.py)."""

    _file: ClassVar[str] = "extractors/data/indicators.yaml"
    grades: Mapping[str, Words]
    window: int
    indicators: Annotated[tuple[Indicator, ...], Distinct("label")]

    def _check(self, at: _At, ctx: _Context) -> None:
        """A grade word names one tier only."""
        tier_of: dict[str, str] = {}
        for tier, words in self.grades.items():
            for w in words:
                if w in tier_of:
                    raise (at / _field("grades") / _entry(tier)).error(f"{w!r} is already a word of {tier_of[w]!r}")
                tier_of[w] = tier


@model
class QuoteMeasure(Model):
    sanction: SanctionName
    name: str
    re: Regex


@model
class Conducts(Model):
    """conducts.yaml: the conduct thesaurus a sanction's indicator is built and compared
    with (extractors/conducts.py, pipeline/grouping.py)."""

    _file: ClassVar[str] = "extractors/data/conducts.yaml"
    measures: Mapping[SanctionName, str]
    measure_alone: Annotated[tuple[SanctionName, ...], Distinct()]
    escalation_kept: Annotated[tuple[SanctionName, ...], Distinct()]
    quote_measures: Annotated[tuple[QuoteMeasure, ...], Distinct("name")]
    synonyms: Mapping[str, Words]
    stopwords: Words
    actor_words: Regex
    bearers: Mapping[str, Regex]
    doer: Regex
    actor_lead: Regex
    offender: Regex
    setting: Regex
    manner: Regex

    def _check(self, at: _At, ctx: _Context) -> None:
        """A variant wording belongs to one canonical only, or normalization would depend on order."""
        owner: dict[str, str] = {}
        for canon, words in self.synonyms.items():
            for w in words:
                if w in owner:
                    raise (at / _field("synonyms") / _entry(canon)).error(f"{w!r} is already a variant of {owner[w]!r}")
                owner[w] = canon


# --- pipeline/data ---------------------------------------------------------------------

@model
class Noise(Model):
    """noise.yaml: web and doc-sharing noise (pipeline/normalize.py)."""

    _file: ClassVar[str] = "pipeline/data/noise.yaml"
    line: Regexes
    line_max_chars: int
    trailer: Regexes
    trailer_share: float
    inline: Regexes
    pinyin: Regex
    punct_run: Regex


@model
class Glyphs(Model):
    """glyphs.yaml: characters that stand for others (pipeline/normalize.py)."""

    _file: ClassVar[str] = "pipeline/data/glyphs.yaml"
    radicals: Mapping[Char, Char]
    misencoded: Mapping[Char, Char]
    quote_marks: Mapping[Char, Char]

    def _check(self, at: _At, ctx: _Context) -> None:
        for radical, ideograph in self.radicals.items():
            if not 0x2E80 <= ord(radical) <= 0x2EFF or not 0x4E00 <= ord(ideograph) <= 0x9FFF:
                raise (at / _field("radicals") / _entry(radical)).error(
                    f"{radical!r} -> {ideograph!r}: expected a radical of U+2E80–2EFF mapped to an ideograph of U+4E00–9FFF")


@model
class Metadata(Model):
    """metadata.yaml: cues to issuer, number and dates (pipeline/metadata.py)."""

    _file: ClassVar[str] = "pipeline/data/metadata.yaml"
    issuer_suffix: Regex
    issuer_verbs: Regex
    place_tail: Regex
    doc_number: Regex
    cited_before: Regex
    cited_lead: Regex
    not_title: Regex
    title_words: Regex
    published: Regex
    effective_on_issue: Regex
    effective_date: Regex


@model
class Marker(Model):
    kind: str
    rank: int | None = None
    pattern: Regex


@model
class LeadHeading(Model):
    max_chars: int
    min_count: int


@model
class Outline(Model):
    """outline.yaml: outline markers and sentence ends (pipeline/segment.py)."""

    _file: ClassVar[str] = "pipeline/data/outline.yaml"
    contents_entry: Regex
    numeral: Regex
    markers: Annotated[tuple[Marker, ...], Distinct("kind")]
    inline_after: Regex
    inline_kinds: Words
    lead_heading: LeadHeading
    sentence_end: Regex
    clause_sep: Regex

    def _check(self, at: _At, ctx: _Context) -> None:
        """Marker patterns compile with {N} filled in; inline kinds name markers."""
        kinds = [m.kind for m in self.markers]
        for i, m in enumerate(self.markers):
            try:
                re.compile(m.pattern.replace("{N}", self.numeral))
            except re.error as e:
                raise (at / _field("markers") / i / _field("pattern")).error(f"bad regex: {e}: {m.pattern!r}") from None
        for i, k in enumerate(self.inline_kinds):
            if k not in kinds:
                raise (at / _field("inline_kinds") / i).error(f"{k!r} is no marker kind ({', '.join(kinds)})")


@model
class SpecialPlace(Model):
    name: str
    aliases: Words
    code: str | None
    level: str
    parent: str | None


@model
class DocNumberPrefix(Model):
    pattern: Regex
    national: bool = False
    special: str | None = None
    city_abbr: bool = False
    province_abbr: bool = False


@model
class SelfReference(Model):
    pattern: Regex
    level: str
    suffix: Char


@model
class RegionMarker(Model):
    region: str
    pattern: Regex


@model
class Jurisdictions(Model):
    """jurisdictions.yaml: evidence of the issuing place (pipeline/resolve.py)."""

    _file: ClassVar[str] = "pipeline/data/jurisdictions.yaml"
    levels: Words
    special: Annotated[tuple[SpecialPlace, ...], Distinct("name")]
    province_short: Mapping[str, str]
    province_abbr: Mapping[Char, str]
    doc_number: Regex
    doc_number_prefix: Annotated[tuple[DocNumberPrefix, ...], Distinct("pattern")]
    self_reference: Annotated[tuple[SelfReference, ...], Distinct("pattern")]
    superior_before: Regex
    superior_after: Regex
    national: Regex
    hidden: Regex
    state_title: Words
    economic_zones: Mapping[str, str]
    title_lead: Regex
    national_genre: Regex
    region_markers: Annotated[tuple[RegionMarker, ...], Distinct("region")]
    word_runs_on: Regex
    generic_names: Words
    named_thing_after: Regex
    named_thing_before: Regex
    cited_title: Regex
    peer_before: Regex
    within_before: Regex
    list_joiner: Regex
    list_before: Regex
    list_after: Regex

    def _check(self, at: _At, ctx: _Context) -> None:
        """Levels named anywhere are levels of `levels`."""
        for field, entries in (("special", self.special), ("self_reference", self.self_reference)):
            for i, e in enumerate(entries):
                if e.level not in self.levels:
                    raise (at / _field(field) / i / _field("level")).error(
                        f"{e.level!r} is not a level ({', '.join(self.levels)})")


@model
class PolicyArea(Model):
    name: str
    title: Words
    content: Words


@model
class PolicyAreas(Model):
    """policy_areas.yaml: what a document regulates, from its title then its content
    (pipeline/areas.py); the subjects of the jurisdiction × question matrix."""

    _file: ClassVar[str] = "pipeline/data/policy_areas.yaml"
    areas: Annotated[tuple[PolicyArea, ...], Distinct("name")]
    content_min: int
    place: Regex
    wrapper: Regex
    doc_type: Regex


# --- pipeline/ingest/data --------------------------------------------------------------

@model
class HtmlFields(Model):
    """One list per DocumentMeta field a web page states."""

    title: Words
    doc_number: Words
    issued: Words
    published: Words
    issuer: Words


@model
class HtmlMetaNames(Model):
    title: Words
    published: Words
    issuer: Words
    site: Words


@model
class Html(Model):
    """html.yaml: reading saved web pages, their main text and metadata (pipeline/ingest/html.py)."""

    _file: ClassVar[str] = "pipeline/ingest/data/html.yaml"
    skip_tags: Words
    block_tags: Words
    hidden_style: Regex
    layout_cell_chars: int
    chrome_line: Regexes
    download_link: Regex
    link_line_share: float
    labels: HtmlFields
    meta: HtmlMetaNames
    not_issuer: Regex
    title_separator: Regex

    def _check(self, at: _At, ctx: _Context) -> None:
        """A share is a share, and no tag is both skipped and a block."""
        if not 0 < self.link_line_share <= 1:
            raise (at / _field("link_line_share")).error(f"expected a share in (0, 1], got {self.link_line_share!r}")
        both = sorted(set(self.skip_tags) & set(self.block_tags))
        if both:
            raise (at / _field("block_tags")).error(f"{both[0]!r} is also in skip_tags")


@model
class Layout(Model):
    """layout.yaml: headings and entries that end a wrapped line, and page-number lines
    (pipeline/ingest/layout.py, pipeline/ingest/pdf.py)."""

    _file: ClassVar[str] = "pipeline/ingest/data/layout.yaml"
    heading: Regex
    entry_start: Regex
    page_number: Regexes
    bare_page_number: Regex


MODELS: tuple[type[Model], ...] = (Lexicon, Numbers, Bounds, Deadlines, Sanctions, References, Subjects, Indicators,
                                   Conducts,
                                   Noise, Glyphs, Metadata, Outline, Jurisdictions, PolicyAreas, Html, Layout)
