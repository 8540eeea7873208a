"""Title, issuing body, document number and dates of a document or of each part of
a compilation, read from the normalized text (and the noise lines the cleaner kept)."""
from __future__ import annotations

import re
from functools import lru_cache

from extractors.numbers import parse_int_zh
from models.language_data import Metadata, load
from models.records import DocumentMeta, Segmentation, iter_lines

ZH_DIGITS = "零〇○一二三四五六七八九十两"
DATE = re.compile(
    rf"(?P<y>(?:19|20)\d{{2}}|[{ZH_DIGITS}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[{ZH_DIGITS}]{{1,3}})\s*月"
    rf"\s*(?P<d>\d{{1,2}}|[{ZH_DIGITS}]{{1,3}})\s*日"
)
ISO_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")


@lru_cache(maxsize=1)
def cues() -> dict:
    d = load(Metadata)
    org = rf"(?P<org>[\u4e00-\u9fff()]{{2,30}}?{d.issuer_suffix})"
    return {
        "signature": re.compile(rf"^{org}\s*(?={DATE.pattern})", re.M),
        "signature_line": re.compile(rf"^{org}\s*$", re.M),
        "decides": re.compile(rf"{org}{d.issuer_verbs}"),
        "place_tail": re.compile(d.place_tail),
        "doc_number": re.compile(d.doc_number),
        "cited_before": re.compile(d.cited_before),
        "cited_lead": re.compile(d.cited_lead),
        "title_words": re.compile(d.title_words),
        "not_title": re.compile(d.not_title),
        "published": re.compile(d.published),
        "effective_on_issue": re.compile(d.effective_on_issue),
        "effective_date": re.compile(d.effective_date),
    }


def parse_date(text: str) -> str | None:
    """`二○一二年三月二十二日`, `2012年3月22日`, `2020-05-09` -> ISO date."""
    m = DATE.search(text) or ISO_DATE.search(text)
    if not m:
        return None
    y, mo, d = (parse_int_zh(m.group(g)) for g in ("y", "m", "d"))
    if y is None or mo is None or d is None or not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def extract_metadata(seg: Segmentation) -> tuple[DocumentMeta, list[DocumentMeta]]:
    """Metadata of the whole document, and of each part (第X篇) of a compilation."""
    text = seg.text.text
    parts = [DocumentMeta(**_describe(text, p.start, p.end, p.title), span=(p.start, p.end)) for p in seg.parts()]
    first_part = parts[0].span[0] if parts else len(text)
    fields = _describe(text, 0, len(text), _title(text, 0, first_part))
    noise = "\n".join(n.text for n in seg.text.noise)
    m = cues()["published"].search(noise)
    if m:
        fields["published"] = parse_date(m.group("date"))
    doc = DocumentMeta(**fields, span=(0, len(text)))
    if parts:  # the compilation's own fields are those its parts agree on
        for f in ("issuer", "doc_number", "issued", "effective"):
            values = {getattr(p, f) for p in parts}
            setattr(doc, f, values.pop() if len(values) == 1 else None)
    _declared(doc, seg.text.source.declared)
    if doc.year is None:
        doc.year = _year(text[:400] + "\n" + noise)
    return doc, parts


def _declared(doc: DocumentMeta, declared: DocumentMeta | None) -> None:
    """What the container states (a web page's title and 发布日期 fields): its title wins
    (a page often sets the title outside the text it publishes), its other fields fill
    what the text does not say itself."""
    if declared is None:
        return
    doc.title = declared.title or doc.title
    for f in ("issuer", "doc_number", "issued", "published", "effective"):
        if getattr(doc, f) is None:
            setattr(doc, f, getattr(declared, f))
    if doc.year is None and (doc.issued or doc.published):
        doc.year = int((doc.issued or doc.published)[:4])


def _describe(text: str, start: int, end: int, title: str | None) -> dict:
    c = cues()
    body = text[start:end]
    issuer, issued = None, None
    m = c["signature"].search(body)
    if m:
        issuer = m.group("org")
        issued = parse_date(body[m.end():m.end() + 20])
    if issued is None:  # a date alone on a line near the end signs the document
        for ls, le in list(iter_lines(body))[::-1][:6]:
            line = body[ls:le].strip()
            if len(line) <= 16 and (DATE.fullmatch(line) or ISO_DATE.fullmatch(line)):
                issued = parse_date(line)
                prev = body[:ls].rstrip("\n").rsplit("\n", 1)[-1].strip()
                if issuer is None and c["signature_line"].fullmatch(prev):
                    issuer = prev
                break
    if issuer is None:
        for m in c["decides"].finditer(body[:600]):
            org = _trim_org(m.group("org"))
            if org and c["place_tail"].search(org):
                issuer = org
                break
    doc_number = None
    for m in c["doc_number"].finditer(body):
        num = re.sub(r"\s+", "", m.group("num"))
        lead = c["cited_lead"].match(num)
        if lead or c["cited_before"].search(body[max(0, m.start() - 30):m.start()]):
            continue
        doc_number = num
        break
    effective = None
    if c["effective_on_issue"].search(body):
        effective = "on-issue"
    else:
        m = c["effective_date"].search(body)
        if m:
            effective = parse_date(m.group("date"))
    year = int(issued[:4]) if issued else _year((title or "") + body[:300])
    return {"title": title, "issuer": issuer, "doc_number": doc_number, "issued": issued,
            "effective": effective, "year": year}


def _trim_org(org: str) -> str:
    """`经研究，云南省楚雄彝族自治州武定县委` -> the name only: cut at clause words."""
    return re.split(r"[,，。、;；:：]|(?:为|由|经|现|特|根据|按照)", org)[-1]


def _unmark(line: str) -> str:
    """A line without the markdown heading marks (# 济南市…规定) texts are published with."""
    return re.sub(r"^#+\s*", "", line.strip())


def _title(text: str, start: int, end: int) -> str | None:
    """The first short line that reads as a title (no sentence end, a title word)."""
    c = cues()
    lines = [(s, e) for s, e in iter_lines(text[start:end])][:8]
    lines = [(s, e) for s, e in lines if not c["not_title"].fullmatch(line := _unmark(text[start + s:start + e]))
             and not c["doc_number"].fullmatch(line)]
    for s, e in lines:
        line = _unmark(text[start + s:start + e])
        if 4 <= len(line) <= 80 and "。" not in line and c["title_words"].search(line):
            return line
    if lines:
        line = _unmark(text[start + lines[0][0]:start + lines[0][1]])
        if 4 <= len(line) <= 60 and "。" not in line:
            return line
    return None


def _year(text: str) -> int | None:
    """The first year the text speaks of, titles of other documents (《…》) aside."""
    m = YEAR.search(re.sub(r"《[^》]*》", "", text))
    return int(m.group(1)) if m else None
