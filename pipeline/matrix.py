"""The jurisdiction × question matrix (the LawAtlas / policy-surveillance form).

Per policy subject (pipeline/areas.py): one row per jurisdiction that has a document on
the subject, one column per question (an indicator held by at least two of those
jurisdictions), each cell the jurisdiction's value with its citation, and an explicit
NO_PROVISION where its document on the subject says nothing on that question, because
a blank cannot tell "not regulated" from "not looked at". The codebook defines each
question in one line.

Copies of one text (TXT, DOCX, PDF) count once (pipeline/compare.py `prepare`).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from models.vocab import Kind, UnitClass
from pipeline.compare import _direction, matches_jurisdiction, prepare, value_class, value_text
from pipeline.grouping import unit_of_comparison

log = logging.getLogger(__name__)

NO_PROVISION = "未见规定"  # the jurisdiction's document on the subject states nothing on the question
UNKNOWN_PLACE = "(未知地区)"
CELL_SEP = "；"
ASPECT = {UnitClass.AMOUNT: "金额", UnitClass.MULTIPLE: "倍数", UnitClass.SHARE: "比例", UnitClass.PER_ITEM: "单价",
          UnitClass.DAYS: "期限", UnitClass.PERCENT: "比例", UnitClass.QUANTITY: "数量"}


@dataclass
class Question:
    """A column of a subject's matrix and its codebook line."""

    indicator: str
    kind: str
    definition: str
    unit_classes: list[str]
    provisions: int
    documents: list[str]
    jurisdictions: list[str]


@dataclass
class Cell:
    value: str
    doc: str
    section: str | None
    record: dict = field(repr=False, default_factory=dict)

    def text(self) -> str:
        where = " ".join(x for x in (self.doc, self.section) if x)
        return f"{self.value}（{where}）"


@dataclass
class SubjectMatrix:
    subject: str
    jurisdictions: list[str]
    questions: list[Question]
    cells: dict[tuple[str, str], list[Cell]]  # (jurisdiction, question indicator) -> its provisions
    documents: dict[str, list[str]]  # jurisdiction -> its documents on the subject
    places: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # -> (GB/T 2260 code, level)

    def cell(self, jurisdiction: str, indicator: str) -> str:
        cells = self.cells.get((jurisdiction, indicator))
        if not cells:
            return NO_PROVISION
        return CELL_SEP.join(dict.fromkeys(c.text() for c in cells))

    def wide_rows(self) -> list[dict]:
        """One dict per jurisdiction: subject, jurisdiction (its code and level), then one key
        per question."""
        return [{"subject": self.subject, "jurisdiction": j, "jurisdiction_code": self.places.get(j, (None, None))[0],
                 "jurisdiction_level": self.places.get(j, (None, None))[1],
                 **{q.indicator: self.cell(j, q.indicator) for q in self.questions}} for j in self.jurisdictions]


def place_of(record: dict) -> str:
    return record.get("jurisdiction") or f"{UNKNOWN_PLACE} {record['doc']}"


def build_matrices(records: list[dict], subject: str | None = None, jurisdictions: list[str] | None = None,
                   documents: list[dict] | None = None, aligned: bool = False) -> list[SubjectMatrix]:
    """One matrix per policy subject that has a question held by two jurisdictions or more,
    subjects with the most jurisdictions first. `documents` ({doc, jurisdiction,
    policy_area}) adds the documents on a subject that state no provision at all: their
    jurisdictions are rows of NO_PROVISION, which is what the matrix is for."""
    from pipeline.areas import record_areas

    records, _ = prepare(records, aligned)
    records = [r for r in records if matches_jurisdiction(r, jurisdictions)]
    areas = record_areas(records)
    by_subject: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_subject[areas[unit_of_comparison(r)]].append(r)
    silent: dict[str, list[dict]] = defaultdict(list)
    stated = {r["doc"] for r in records}
    for d in documents or ():
        if d["doc"] not in stated and d.get("policy_area") and matches_jurisdiction(d, jurisdictions):
            silent[d["policy_area"]].append(d)
    out = []
    for name, rs in by_subject.items():
        if subject and name != subject:
            continue
        m = subject_matrix(name, rs, silent.get(name, ()))
        if m.questions:
            out.append(m)
    out.sort(key=lambda m: (-len(m.jurisdictions), m.subject))
    return out


def subject_matrix(subject: str, records: list[dict], silent=()) -> SubjectMatrix:
    documents: dict[str, set] = defaultdict(set)
    codes: dict[str, tuple[str | None, str | None]] = {}
    for d in silent:
        documents[place_of(d)].add(d["doc"])
        codes.setdefault(place_of(d), (d.get("jurisdiction_code"), d.get("jurisdiction_level")))
    by_question: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in records:
        documents[place_of(r)].add(r["doc"])
        codes.setdefault(place_of(r), (r.get("jurisdiction_code"), r.get("jurisdiction_level")))
        if r.get("indicator"):
            by_question[(r["indicator"], r["kind"])].append(r)
    questions, cells = [], {}
    for (ind, kind), rs in by_question.items():
        places = sorted({place_of(r) for r in rs})
        if len(places) < 2:
            continue
        questions.append(Question(ind, kind, definition(ind, kind, rs), sorted({str(c) for c in map(value_class, rs) if c}),
                                  len(rs), sorted({r["doc"] for r in rs}), places))
    # a question is one column: an indicator stated as two kinds keeps the one more places hold
    questions.sort(key=lambda q: (-len(q.jurisdictions), -q.provisions, q.indicator, q.kind))
    seen: set[str] = set()
    questions = [q for q in questions if not (q.indicator in seen or seen.add(q.indicator))]
    kinds = {q.indicator: q.kind for q in questions}
    for (ind, kind), rs in by_question.items():
        if kinds.get(ind) != kind:
            continue
        for r in sorted(rs, key=lambda r: (r["doc"], r["span"][0])):
            cells.setdefault((place_of(r), ind), []).append(Cell(cell_value(r), r["doc"], r.get("section"), r))
    return SubjectMatrix(subject, sorted(documents), questions, cells,
                         {j: sorted(d) for j, d in sorted(documents.items())}, codes)


def cell_value(record: dict) -> str:
    """What the cell says: the value (fine 100–500元, within 15日), or the measure's own
    words where it has no number (责令改正)."""
    if record["kind"] == Kind.SANCTION and value_class(record) is None:
        return record["quote"]
    return value_text(record) or record["quote"]


def definition(indicator: str, kind: str, records: list[dict]) -> str:
    """The question in one line: 在禁止区域吸烟的个人所受罚款的金额."""
    from extractors.conducts import parse_label

    classes = [c.unit_class for c in map(value_class, records) if c]
    # on a tie the first class in sorted order: set order follows the hash seed
    aspect = ASPECT.get(max(sorted(set(classes)), key=classes.count)) if classes else None
    if kind == Kind.SANCTION:
        label = parse_label(indicator)
        if label:
            who = f"的{label.bearer}" if label.bearer else ""
            if aspect:
                return f"{label.conduct}{who}所受{label.measure}的{aspect}"
            return f"{label.conduct}{who}是否受{label.measure}"
        return f"{indicator}的{aspect}" if aspect else f"是否规定{indicator}"
    if kind == Kind.DEADLINE:
        return f"{indicator}的期限（天）"
    bound = "下限" if _direction(records) > 0 else "上限"
    unit = next((r.get("unit") for r in records if r.get("unit")), None)
    return f"{indicator}的{bound}" + (f"（{unit}）" if unit else "")


def codebook_rows(matrices: list[SubjectMatrix]) -> list[dict]:
    return [{"subject": m.subject, "question": q.indicator, "definition": q.definition, "kind": q.kind,
             "unit_class": "; ".join(q.unit_classes) or None, "jurisdictions_n": len(q.jurisdictions),
             "provisions": q.provisions, "documents_n": len(q.documents), "documents": "; ".join(q.documents)}
            for m in matrices for q in m.questions]


CODEBOOK_COLUMNS = ["subject", "question", "definition", "kind", "unit_class", "jurisdictions_n", "provisions",
                    "documents_n", "documents"]


def matrix_rows(matrices: list[SubjectMatrix]) -> tuple[list[str], list[dict]]:
    """All subjects in one wide table: subject, jurisdiction, then every question; a
    question of another subject is left blank (not asked), never NO_PROVISION."""
    columns = ["subject", "jurisdiction", "jurisdiction_code", "jurisdiction_level"] + list(
        dict.fromkeys(q.indicator for m in matrices for q in m.questions))
    return columns, [row for m in matrices for row in m.wide_rows()]


MAX_DESCRIBED = 5000  # documents without provisions described for the matrix (each is read again)


def silent_documents(sources: dict[str, str], records: list[dict]) -> list[dict]:
    """{doc, jurisdiction, policy_area} of the documents in `sources` that have no
    provision, found as the pipeline finds them (title, issuer, then text): they are the
    rows of NO_PROVISION of their subject's matrix."""
    from models.records import SourceText
    from pipeline.areas import document_areas
    from pipeline.metadata import extract_metadata
    from pipeline.normalize import normalize
    from pipeline.resolve import resolve_unit
    from pipeline.segment import segment

    stated = {r["doc"] for r in records}
    names = [d for d in sorted(sources) if d not in stated and sources[d]]
    if len(names) > MAX_DESCRIBED:
        log.warning("%d documents without provisions; the matrix rows of the first %d only", len(names), MAX_DESCRIBED)
        names = names[:MAX_DESCRIBED]
    out = []
    for name in names:
        try:
            seg = segment(normalize(SourceText(path=name, text=sources[name], format="txt")))
            meta, parts = extract_metadata(seg)
            place = resolve_unit(seg.text.text, meta)
            area = document_areas(meta, parts, seg.text.text)[0][2]
        except Exception as e:  # a document the pipeline read once must not stop the export
            log.warning("%s: not described for the matrix: %s", name, e)
            continue
        out.append({"doc": name, "jurisdiction": place.name if place else None,
                    "jurisdiction_code": place.code if place else None,
                    "jurisdiction_level": place.level if place else None, "policy_area": area})
    return out
