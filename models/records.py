"""Typed records that flow one way through the pipeline.

file -> SourceText -> NormalizedText (with OffsetMap) -> Segmentation -> Provision.
Each stage takes the previous record and nothing else.
"""
from __future__ import annotations

import bisect
import re
from array import array
from dataclasses import dataclass, field
from typing import Iterable

from models.vocab import Kind, values


class IngestError(Exception):
    """A document that cannot be read; the message is one line naming the cause."""


@dataclass(frozen=True)
class Removal:
    """A source range that is not body text (page furniture, running headers)."""

    start: int
    end: int
    reason: str


@dataclass
class SourceText:
    """The text offsets refer to, exactly as the format's reader produced it.

    `removals` and `soft_breaks` are layout facts only the reader knows (PDF page
    furniture, line breaks the layout made mid-sentence); normalization applies them.
    """

    path: str
    text: str
    format: str  # txt | docx | pdf | doc | html
    encoding: str | None = None
    pages: int | None = None
    sha256: str = ""
    removals: list[Removal] = field(default_factory=list)
    soft_breaks: list[int] = field(default_factory=list)
    # what the container states about the document besides its text (a web page's
    # title, 发布日期, 文号 and 来源 fields): its title wins, its other fields fill what
    # the text does not say (pipeline/metadata.py)
    declared: DocumentMeta | None = None
    ocr: bool = False  # the text was recognized from page images, not read from a text layer

    @property
    def name(self) -> str:
        from pathlib import PurePath

        return PurePath(self.path).name


class OffsetMap:
    """Maps each position of a derived text to a span of the source text.

    Position i of the derived text came from source[starts[i]:ends[i]]. Both arrays
    are non-decreasing, so a derived span [a, b) maps to source [starts[a], ends[b-1]).
    """

    __slots__ = ("starts", "ends", "source_len")

    def __init__(self, starts: array, ends: array, source_len: int):
        self.starts = starts
        self.ends = ends
        self.source_len = source_len

    @classmethod
    def identity(cls, n: int) -> "OffsetMap":
        return cls(array("q", range(n)), array("q", range(1, n + 1)), n)

    def __len__(self) -> int:
        return len(self.starts)

    def to_runs(self) -> list[list[int]]:
        """Compact form for storage: [position, start, end, count, step] runs where
        step 1 is a copied stretch and step 0 a replacement sharing one source span."""
        runs: list[list[int]] = []
        run = None
        rs = re_ = n = step = 0
        for i, (s, e) in enumerate(zip(self.starts, self.ends)):
            if run is not None:
                if n == 1 and s == rs + 1 and e == re_ + 1 and e - s == 1:
                    run[4] = step = 1
                if step == 1 and s == rs + n and e == re_ + n and e - s == 1:
                    n += 1
                    run[3] = n
                    continue
                if step == 0 and s == rs and e == re_:
                    n += 1
                    run[3] = n
                    continue
            run = [i, s, e, 1, 0]
            runs.append(run)
            rs, re_, n, step = s, e, 1, 0
        return runs

    @classmethod
    def from_runs(cls, runs: list[list[int]], source_len: int) -> "OffsetMap":
        starts, ends = array("q"), array("q")
        for _, rs, re_, n, step in runs:
            starts.extend(rs + k * step for k in range(n))
            ends.extend(re_ + k * step for k in range(n))
        return cls(starts, ends, source_len)

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """Source span covering the derived span [start, end)."""
        if not 0 <= start <= end <= len(self.starts):
            raise IndexError(f"span [{start}, {end}) outside text of length {len(self.starts)}")
        if start == end:
            pos = self.starts[start] if start < len(self.starts) else self.source_len
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def to_derived(self, source_pos: int) -> int:
        """First derived position whose source span ends after `source_pos`."""
        return bisect.bisect_right(self.ends, source_pos)


@dataclass(frozen=True)
class Noise:
    """Text the normalizer removed, kept so that nothing is lost (a 发布日期 line)."""

    kind: str  # line | trailer | inline | pinyin | furniture | page-marker
    source_span: tuple[int, int]
    text: str


@dataclass
class NormalizedText:
    """Clean simplified text plus the map of every position back to the source."""

    source: SourceText
    text: str
    offset_map: OffsetMap
    noise: list[Noise] = field(default_factory=list)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.offset_map.to_source(start, end)

    def source_quote(self, start: int, end: int) -> tuple[tuple[int, int], str]:
        s, e = self.source_span(start, end)
        return (s, e), self.source.text[s:e]


@dataclass
class Section:
    """A node of the document outline; offsets are into the normalized text."""

    kind: str  # part | chapter | section | article | item | heading
    label: str  # 第二篇 · 第三章 · 第七条 · 二 · (一) · 1 · ①, or a heading's text
    title: str
    start: int
    end: int
    level: int
    parent: "Section | None" = field(default=None, repr=False)
    children: list["Section"] = field(default_factory=list, repr=False)

    @property
    def path(self) -> list["Section"]:
        node, out = self, []
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]

    @property
    def path_label(self) -> str:
        return " > ".join(s.label for s in self.path)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    clauses: tuple[tuple[int, int], ...] = ()


@dataclass
class DocumentMeta:
    """What a document (or one part of a compilation) says about itself."""

    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    issued: str | None = None  # ISO date
    published: str | None = None
    effective: str | None = None  # ISO date, or "on-issue" for 自印发之日起施行
    year: int | None = None  # the year the document speaks from, for dates without one
    span: tuple[int, int] | None = None  # normalized range the metadata describes


@dataclass
class Segmentation:
    """Outline and sentences of one normalized text."""

    text: NormalizedText
    sections: list[Section]  # every node, in document order
    sentences: list[Sentence]

    def section_at(self, pos: int) -> Section | None:
        """The innermost section containing `pos`: the last one opened before it, or
        the nearest of its ancestors still open there."""
        if not hasattr(self, "_starts"):
            self._starts = [s.start for s in self.sections]
        i = bisect.bisect_right(self._starts, pos) - 1
        node = self.sections[i] if i >= 0 else None
        while node is not None and not node.start <= pos < node.end:
            node = node.parent
        return node

    def section_path(self, pos: int) -> str | None:
        s = self.section_at(pos)
        return s.path_label if s else None

    def parts(self) -> list[Section]:
        return [s for s in self.sections if s.kind == "part"]

    def sentence_at(self, pos: int) -> Sentence | None:
        if not hasattr(self, "_sentence_starts"):
            self._sentence_starts = [s.start for s in self.sentences]
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and self.sentences[i].start <= pos < self.sentences[i].end:
            return self.sentences[i]
        return None


def iter_lines(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each line, newline excluded."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


PROVISION_KINDS = tuple(values(Kind))

# An ISO 8601 duration as the contract writes one: P3M, P30D, P1Y (several parts: P1Y6M),
# or hours as a time part, PT48H
ISO_DURATION = re.compile(r"P(?:\d+(?:\.\d+)?[YMWD])+|PT\d+(?:\.\d+)?H")
_ONE_PART = re.compile(r"PT?(\d+(?:\.\d+)?)([YMWDH])")
DURATION_DAYS = {"Y": 365, "M": 30, "W": 7, "D": 1, "H": 1 / 24}  # a month as 30 days, to compare
DURATION_WORDS = {"Y": "年", "M": "个月", "W": "周", "D": "日", "H": "小时"}


def duration_part(value) -> tuple[float, str] | None:
    """(count, designator) of a one-part duration (P30D -> (30.0, "D"), PT48H -> (48.0, "H"))."""
    m = _ONE_PART.fullmatch(str(value or ""))
    return (float(m.group(1)), m.group(2)) if m else None


@dataclass
class Provision:
    """One extracted provision, per the record contract (shared spec PROVISIONS.md).

    `span` is always into the source text and `quote == source_text[span]`.
    """

    doc: str
    kind: str
    span: tuple[int, int]
    quote: str
    sentence: str = ""
    section: str | None = None
    jurisdiction: str | None = None
    jurisdiction_code: str | None = None  # GB/T 2260; null for 全国, a hidden place, a Taiwan city
    jurisdiction_level: str | None = None  # national | province | prefecture | county | town
    policy_area: str | None = None  # what the document regulates (pipeline/areas.py): 控制吸烟, 烟花爆竹
    subject: str | None = None
    indicator: str | None = None
    approx: bool = False
    confidence: float = 0.5
    op: str | None = None
    value: float | str | None = None
    value_max: float | str | None = None
    unit: str | None = None
    per: str | None = None
    base: str | None = None
    sanction: str | None = None
    polarity: str | None = None
    target: str | None = None
    condition: str | None = None
    cites: str | None = None
    duration: str | None = None
    currency: str | None = None
    table_row: str | None = None  # in a table: the first cell of the provision's row
    table_column: str | None = None  # and the header cell above its own

    KIND_FIELDS = {
        "threshold": ("op", "value", "value_max", "unit", "per", "currency"),
        "ratio": ("op", "value", "value_max", "unit", "per", "base"),
        "deadline": ("op", "value", "value_max", "per"),
        "sanction": ("sanction", "polarity", "target", "condition", "cites", "duration", "op", "value", "value_max",
                     "unit", "base", "currency"),
    }
    COMMON = ("doc", "kind", "span", "quote", "sentence", "section", "jurisdiction", "jurisdiction_code",
              "jurisdiction_level", "policy_area", "subject", "indicator", "approx", "confidence")
    OPTIONAL = ("table_row", "table_column")  # written only where set: a provision found in a table

    def to_json(self) -> dict:
        """The JSON boundary: the contract's fields for this kind, in a stable order."""
        out = {f: getattr(self, f) for f in self.COMMON}
        out["span"] = list(self.span)
        for f in self.KIND_FIELDS[self.kind]:
            out[f] = getattr(self, f)
        out.update((f, getattr(self, f)) for f in self.OPTIONAL if getattr(self, f) is not None)
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Provision":
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["span"] = tuple(data["span"])
        return cls(**kwargs)


@dataclass(frozen=True)
class Jurisdiction:
    """The issuing jurisdiction as far as the text shows.

    `name` is the path from the province down (云南省楚雄彝族自治州武定县); a place the
    text hides is named with X (江西省宜春市X市), and `hidden` says so; `code` is the
    GB/T 2260 code of the most specific known place.
    """

    name: str
    code: str | None
    level: str  # national | province | prefecture | county | town
    hidden: bool = False
    parent_code: str | None = None
    evidence: str = ""
