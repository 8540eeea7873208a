"""From a segmented document to Provision records, through the spaCy pipeline.

Extractors work on normalized text; here, once, each span is mapped back to the
source so that `source_text[span] == quote`.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc

from extractors.components import make_nlp
from extractors.deadlines import YearContext
from extractors.conducts import offender_of, sanction_label
from extractors.indicators import curated_indicator, measure_only
from extractors.references import resolve_citation, rule_context
from extractors.sanctions import currency_of, jurisdiction_currency
from extractors.subjects import deadline_label, find_subject, indicator_label
from models.records import DocumentMeta, Jurisdiction, Provision, Segmentation
from pipeline.areas import area_at
from pipeline.metadata import cues

SCHEDULE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?=\s*(?:\d{1,2}\s*月|上半年|下半年|底|年底|为|开始|起))")


def extract_provisions(seg: Segmentation, meta: DocumentMeta, parts: list[DocumentMeta],
                       jurisdictions: list[tuple[int, int, Jurisdiction | None]] = ()) -> list[Provision]:
    nlp = make_nlp()
    doc = prepare_doc(nlp, seg, meta, parts)
    doc._.jurisdictions = list(jurisdictions)
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc._.provisions


def prepare_doc(nlp, seg: Segmentation, meta: DocumentMeta, parts: list[DocumentMeta]) -> Doc:
    """The Doc with what the components read attached to it. Its tokens are the
    sentences (and the text between them): the components read sentences and
    characters, and jieba's words only of the phrases they label (extractors/conducts.py),
    so segmenting the whole text into words was most of the run and read by none."""
    doc = sentence_doc(nlp, seg)
    doc._.segmentation, doc._.meta, doc._.parts = seg, meta, parts
    doc._.year_contexts = _year_contexts(seg, meta, parts)
    return doc


def sentence_doc(nlp, seg: Segmentation) -> Doc:
    """A Doc whose tokens are the segmentation's sentences and the gaps between them, in
    order, so that its text is the normalized text exactly."""
    text, words, pos = seg.text.text, [], 0
    for sent in seg.sentences:
        start, end = max(pos, sent.start), sent.end
        if start > pos:
            words.append(text[pos:start])
        if end > start:
            words.append(text[start:end])
            pos = end
    if pos < len(text):
        words.append(text[pos:])
    return Doc(nlp.vocab, words=words, spaces=[False] * len(words))


def _year_contexts(seg: Segmentation, meta: DocumentMeta, parts: list[DocumentMeta]) -> list[tuple[int, int, YearContext]]:
    units = [(p.span[0], p.span[1], p) for p in parts] or [(0, len(seg.text.text), meta)]
    out = []
    for s, e, m in units:
        dated = _year_of_date(m.issued) or _year_of_date(m.published) or _year_of_date(meta.published)
        stated = {int(y) for y in SCHEDULE_YEAR.findall(re.sub(r"《[^》]*》", "", seg.text.text[s:e]))}
        if not stated:  # a 2012 notice schedules 6月25日 in 2012: its own number, else those it cites
            numbers = [m.doc_number] if m.doc_number else [x.group("num") for x in cues()["doc_number"].finditer(
                seg.text.text, s, e)]
            stated = {int(y) for n in numbers for y in re.findall(r"(?:19|20)\d{2}", n)}
        schedule = dated or (stated.pop() if len(stated) == 1 else None)
        out.append((s, e, YearContext(dated=dated, schedule=schedule)))
    return out


def _year_of_date(iso: str | None) -> int | None:
    return int(iso[:4]) if iso and iso[:4].isdigit() else None


def year_context_at(doc: Doc, pos: int) -> YearContext:
    for s, e, ctx in doc._.year_contexts:
        if s <= pos < e:
            return ctx
    return YearContext()


def _jurisdiction_at(doc: Doc, pos: int) -> Jurisdiction | None:
    for s, e, j in doc._.jurisdictions or []:
        if s <= pos < e and j is not None:
            return j
    return None


def table_headers(text: str, pos: int) -> tuple[str | None, str | None]:
    """(row header, column header) of a position inside a table row (the readers write
    a row as one line, its cells parted by tabs): the row's first cell, where the
    position is in another, and the cell above it in the table's first row, where the
    position is below it."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start:end if end >= 0 else len(text)]
    if "\t" not in line:
        return None, None
    column = line.count("\t", 0, pos - start)
    cells = line.split("\t")
    row = cells[0].strip() or None if column > 0 else None
    top = start
    while top > 0:
        prev = text.rfind("\n", 0, top - 1) + 1
        if "\t" not in text[prev:top - 1]:
            break
        top = prev
    header = text[top:text.find("\n", top)].split("\t") if top < start else []
    return row, (header[column].strip() or None) if column < len(header) else None


def assemble_provisions(doc: Doc) -> list[Provision]:
    seg: Segmentation = doc._.segmentation
    normalized = seg.text
    name = normalized.source.name
    text = normalized.text
    out: list[Provision] = []

    def base(kind: str, start: int, end: int, confidence: float) -> Provision:
        span, quote = normalized.source_quote(start, end)
        sent = seg.sentence_at(start)
        s0, s1 = (sent.start, sent.end) if sent else (start, end)
        place = _jurisdiction_at(doc, start)
        row, column = table_headers(text, start)
        return Provision(doc=name, kind=kind, span=span, quote=quote, sentence=text[s0:s1].strip(),
                         table_row=row, table_column=column,
                         section=seg.section_path(start), confidence=confidence,
                         jurisdiction=place.name if place else None,
                         jurisdiction_code=place.code if place else None,
                         jurisdiction_level=place.level if place else None,
                         policy_area=area_at(doc, start))

    measures = [(x.start, x.end) for x in doc._.sanctions or []]
    conditions = tier_conditions(text, doc._.bounds or [])
    for b in doc._.bounds or []:
        if b.kind == "threshold" and any(b.start < e and s < b.end for s, e in measures):
            continue  # a fine's amount or a ban's length lives in the sanction's record, never twice
        p = base(b.kind, b.start, b.end, 0.85 if b.op != "=" else 0.7)
        sent = seg.sentence_at(b.start)
        s0 = sent.start if sent else b.start
        p.subject = find_subject(text, s0, b.number_start)
        p.indicator = (curated_indicator(text, b.start, b.end, b.kind, b.unit, sentence_start=s0, area=p.policy_area)
                       or indicator_label(text, s0, b.start, b.unit, p.subject, b.end))
        if b in conditions:
            p.indicator = None  # the tier's condition: the bound it conditions names it
        p.op, p.value, p.value_max, p.unit, p.per, p.base, p.approx = b.op, b.value, b.value_max, b.unit, b.per, b.base, b.approx
        out.append(p)
    lengths = [(x.start, x.end) for x in doc._.sanctions or [] if x.duration]
    for d in doc._.deadlines or []:
        if any(d.start < e and s < d.end for s, e in lengths):
            continue  # 二年内不予许可: the length belongs to the sanction
        p = base("deadline", d.start, d.end, 0.8)
        p.op, p.value, p.value_max, p.per, p.approx = d.op, d.value, d.value_max, d.per, d.approx
        sent = seg.sentence_at(d.start)
        p.subject = find_subject(text, sent.start if sent else d.start, d.start)
        p.indicator = (curated_indicator(text, d.start, d.end, "deadline", sentence_start=sent.start if sent else 0,
                                         area=p.policy_area)
                       or deadline_label(text, sent.start if sent else d.start, d.start, d.end, p.subject))
        out.append(p)
    for x in doc._.sanctions or []:
        p = base("sanction", x.start, x.end, 0.75)
        p.sanction, p.polarity, p.target, p.condition, p.duration = x.sanction, x.polarity, x.target, x.condition, x.duration
        p.op, p.value, p.value_max, p.unit, p.base, p.currency = x.op, x.value, x.value_max, x.unit, x.base, x.currency
        sent = seg.sentence_at(x.start)
        # a trigger that only cites a rule (违反本条例第十四条第二款规定的) takes that rule's conduct
        p.cites, p.condition = resolve_citation(seg, sent.start if sent else x.start, x.condition, x.start)
        if x.tier:  # the escalated conduct: 在禁止吸烟场所吸烟,拒不改正
            p.condition = f"{p.condition},{x.tier}" if p.condition else x.tier
        p.subject = find_subject(text, sent.start if sent else x.start, x.start)
        curated = curated_indicator(text, x.start, x.end, "sanction", sanction=x.sanction)
        # a label for the measure alone (罚款金额) yields to the conduct it punishes
        own = sanction_label(p.condition, p.target, x.sanction, p.quote, offender_of(rule_context(seg, x.start)))
        p.indicator = own if own and (curated is None or curated == measure_only(x.sanction)) else curated
        out.append(p)
    for p in out:
        if p.unit and p.unit.startswith("元") and p.currency is None:
            p.currency = currency_of(p.sentence) or _currency_at(doc, normalized.offset_map.to_derived(p.span[0]))
    out.sort(key=lambda p: (p.span[0], p.span[1], p.kind))
    return out


def tier_conditions(text: str, bounds: list) -> list:
    """Bounds that only say which tier a later bound holds for: a bound ending in 的 that a
    threshold or ratio follows within its clause (红线宽度大于五十米的道路绿地率不低于百分之三十),
    or that ends its clause before the bound of the next (道路红线宽度大于五十米的，不低于百分之
    三十). They answer no question of their own; one that conditions no other bound
    (累计献血一千毫升以上的，可以终身…) does, and so does the object of a list's item
    (规划一处二千平方米以上的绿地，五百米半径内…)."""
    out = []
    for b in bounds:
        if not text.startswith("的", b.end):
            continue
        for o in bounds:
            if o.kind in ("threshold", "ratio") and o.start > b.end and o.start - b.end <= 40:
                gap = text[b.end:o.start]
                if re.fullmatch(r"的[,，]|[^,，。;；\n]*", gap):
                    out.append(b)
                    break
    return out


def _currency_at(doc: Doc, pos: int) -> str:
    """The currency of the jurisdiction issuing the text at `pos` (TWD for a Taiwan
    ordinance), the mainland's where nothing else is known."""
    j = _jurisdiction_at(doc, pos)
    return jurisdiction_currency(j and (j.code or j.parent_code))
