"""report.html: one self-contained page a researcher can open offline or mail around.

The page opens on the jurisdiction × question matrix of each policy subject
(pipeline/matrix.py's matrices, as matrix.csv has them), each cell its value coloured
by compare()'s verdict and linked to its source. Everything else is drawn on demand by
the page's script from one embedded JSON block: the per-question charts (on the axes of
pipeline/export/charts.py), the provision list (a page at a time), and the source
panel, which shows a provision's quote highlighted in its document's text. The block
holds each document's text only around its provisions (their sentences and some
context, overlapping windows merged) and every other string once, so 10,000
provisions stay under REPORT_BUDGET_BYTES.

Everything a document says is untrusted: Jinja2 autoescapes the page, the script sets
text with textContent only (never innerHTML), the JSON is escaped for a <script>
element, and a Content-Security-Policy admits only our own inline script and style (by
hash), so an injected tag could not run even if escaping were ever missed.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from models.vocab import Kind, SanctionType, values
from pipeline.compare import IndicatorComparison, interval_of, value_text
from pipeline.export.charts import question_axes
from pipeline.matrix import NO_PROVISION, SubjectMatrix, place_of

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
CONTEXT = 12  # source characters kept on each side of a provision's sentence (or quote)
MERGE_GAP = 12  # windows of one document closer than this are kept as one excerpt
REPORT_BUDGET_BYTES = 3_000_000  # for 10,000 provisions (policyx bench measures it)
REPORT_BUDGET_MS = 2000  # navigation start to first render, 10,000 provisions
KINDS = tuple(values(Kind))
VERDICTS = ("stricter", "looser", "overlapping", "same", "only", "n/a")
SANCTIONS = tuple(values(SanctionType))
LABELS = {
    "kind": {"threshold": "数量标准", "ratio": "比例", "deadline": "期限", "sanction": "处罚"},
    "verdict": {"stricter": "较严", "looser": "较宽", "overlapping": "交叉", "same": "相同", "only": "仅一地",
                "n/a": "不可比"},
    "sanction": {"warning": "警告", "criticism": "批评", "interview": "约谈", "rectification": "责令整改",
                 "rating_cap": "评级限制", "veto": "一票否决", "disqualification": "取消资格", "removal": "免职",
                 "promotion_ban": "限制晋升", "accountability": "问责", "referral": "移送", "revocation": "撤销",
                 "deduction": "扣分", "reward": "奖励", "fine": "罚款", "confiscation": "没收",
                 "license": "吊销许可", "suspension": "停产停业", "detention": "拘留", "compulsory": "强制措施",
                 "credit": "信用惩戒", "compensation": "赔偿", "other": "其他"},
    "none": NO_PROVISION,
}
# the columns of a provision in the JSON block ("p"), in order; trailing -1 are left out
P_COLUMNS = ("doc", "kind", "jurisdiction", "subject", "section", "question", "value", "verdict", "excerpt",
             "quote_start", "quote_length", "sentence_before", "sentence_after", "sentence", "condition", "cites",
             "sanction", "currency", "axis", "lo", "hi", "quote", "condition_start", "condition_length")
# stored as the change from the row before (rows in document order repeat them)
DELTA_COLUMNS = tuple(P_COLUMNS.index(c) for c in ("doc", "jurisdiction", "subject", "excerpt"))
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def script_json(data) -> str:
    """JSON safe inside <script>: no '</script>', '<!--' or line separators can end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JS_ESCAPES[m.group()], text)


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _key(r: dict) -> tuple:
    """Identifies a record across prepare()'s copies (which may relabel `indicator`)."""
    span = r.get("span") or (None, None)
    return (r.get("doc"), r.get("kind"), tuple(span), r.get("quote"), r.get("sanction"), r.get("op"),
            str(r.get("value")))


def _as_dict(r) -> dict:
    """A typed Provision (models.records) or its JSON form."""
    return r if isinstance(r, dict) else r.to_json()


def _u16(text: str, i: int) -> int:
    """A code-point offset as the script counts it (UTF-16 code units)."""
    return i if not _ASTRAL.search(text, 0, i) else len(text[:i].encode("utf-16-le")) // 2


class Strings:
    """Each distinct string stored once (-1 for none); a long one that begins like an
    earlier one of its group is stored as [that one, its shared length, the rest]
    (a cited list's conduct with and without 情节严重)."""

    SHARE_MIN = 40  # characters two long strings must share to be stored so

    def __init__(self):
        self.items: list = []
        self.uses: list[int] = []
        self.index: dict[str, int] = {}
        self.recent: dict[str, list[int]] = defaultdict(list)

    def __call__(self, s, group: str | None = None) -> int:
        if s is None or s == "":
            return -1
        s = str(s)
        i = self.index.get(s)
        if i is not None:
            self.uses[i] += 1
            return i
        item = s
        if group is not None and len(s) > self.SHARE_MIN:
            best, shared = -1, self.SHARE_MIN - 1
            for j in self.recent[group][-24:]:
                n = len(os.path.commonprefix([self.text(j), s]))
                if n > shared:
                    best, shared = j, n
            if best >= 0:
                item = [best, _u16(self.text(best), shared), s[shared:]]
            self.recent[group].append(len(self.items))
        i = self.index[s] = len(self.items)
        self.items.append(item)
        self.uses.append(1)
        return i

    def by_use(self) -> list[int]:
        """Renumber the strings most used first (short indices where they repeat most):
        returns old index -> new, and reorders the table."""
        order = sorted(range(len(self.items)), key=lambda i: -self.uses[i])
        new = [0] * len(order)
        for n, i in enumerate(order):
            new[i] = n
        self.items = [self.items[i] if isinstance(self.items[i], str) else
                      [new[self.items[i][0]], *self.items[i][1:]] for i in order]
        self.index = {s: new[i] for s, i in self.index.items()}
        self.uses = [self.uses[i] for i in order]
        return new

    def text(self, i: int) -> str:
        item = self.items[i]
        if isinstance(item, str):
            return item
        base = self.text(item[0])
        return _cut16(base, 0, item[1]) + item[2]


def _cut16(text: str, a: int, b: int) -> str:
    """text[a:b] with a and b counted in UTF-16 code units, as the script slices."""
    if not _ASTRAL.search(text):
        return text[a:b]
    return text.encode("utf-16-le")[2 * a:2 * b].decode("utf-16-le")


class Positions:
    """The report position of each record, found again from prepare()'s copies (which
    may relabel `indicator`): records alike in every _key field take theirs in turn."""

    def __init__(self, records: list[dict]):
        self.of: dict[tuple, list[int]] = defaultdict(list)
        for i, r in enumerate(records):
            self.of[_key(r)].append(i)

    def finder(self):
        """A lookup for one pass over the copies (each copy taken once)."""
        used: Counter = Counter()

        def find(record: dict) -> int | None:
            key = _key(record)
            ids = self.of.get(key)
            if not ids:
                return None
            n = used[key]
            used[key] += 1
            return ids[min(n, len(ids) - 1)]
        return find


@dataclass
class Grounding:
    """Where a provision's quote (and its sentence, when the source has it verbatim)
    lies in its document's text."""

    start: int
    end: int
    sentence: tuple[int, int] | None = None

    @property
    def window(self) -> tuple[int, int]:
        lo, hi = (min(self.start, self.sentence[0]), max(self.end, self.sentence[1])) if self.sentence else (
            self.start, self.end)
        return lo - CONTEXT, hi + CONTEXT


@dataclass
class Excerpt:
    doc: int
    start: int
    end: int
    members: list[int] = field(default_factory=list)  # provision positions


_FOLD = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}  # full-width forms, as normalize folds them


def _find_sentence(text: str, sentence: str, s: int, e: int) -> tuple[int, int] | None:
    """Where the (normalized) sentence lies in the source around the quote [s, e):
    full-width forms folded and whitespace (layout line breaks) skipped, so the source's
    own characters can stand for it."""
    lo, hi = max(0, s - len(sentence) - 8), min(len(text), e + len(sentence) + 8)
    window = text[lo:hi].translate(_FOLD)
    target = sentence.translate(_FOLD)
    at = window.find(target)
    while at != -1:
        if lo + at <= s and lo + at + len(target) >= e:
            return lo + at, lo + at + len(target)
        at = window.find(target, at + 1)
    keep = [i for i, ch in enumerate(window) if not ch.isspace()]
    squeezed, goal = "".join(window[i] for i in keep), re.sub(r"\s+", "", target)
    at = squeezed.find(goal) if goal else -1
    while at != -1:
        start, end = lo + keep[at], lo + keep[at + len(goal) - 1] + 1
        if start <= s and end >= e:
            return start, end
        at = squeezed.find(goal, at + 1)
    return None


def _find_in(text: str, part: str | None, near: int) -> tuple[int, int] | None:
    """The occurrence of `part` (full-width forms folded) in an excerpt nearest `near`."""
    if not part:
        return None
    folded, goal = text.translate(_FOLD), part.translate(_FOLD)
    best, at = None, folded.find(goal)
    while at != -1:
        if best is None or abs(at - near) < abs(best - near):
            best = at
        at = folded.find(goal, at + 1)
    return (best, best + len(goal)) if best is not None else None


def ground(text: str | None, r: dict) -> Grounding | None:
    """The record's span when it gives the quote, with its sentence found around it."""
    quote = r.get("quote") or ""
    span = r.get("span") or [0, 0]
    s, e = span[0], span[1]
    if not text or not quote or not (0 <= s <= e <= len(text)) or text[s:e] != quote:
        return None
    sentence = r.get("sentence") or ""
    return Grounding(s, e, _find_sentence(text, sentence, s, e) if sentence else None)


def display_value(r: dict, text: str) -> str:
    """compare's value text in the report's words: 罚款 200–1000元, 15日内."""
    kind = r.get("kind")
    if kind == Kind.DEADLINE and text.startswith("within "):
        return text[len("within "):] + "内"
    sanction = r.get("sanction")
    if kind == Kind.SANCTION and sanction and (text == sanction or text.startswith(sanction + " ")):
        return (LABELS["sanction"].get(sanction, sanction) + text[len(sanction):]).strip()
    return text


def _value_text(r: dict) -> str:
    try:
        return value_text(r)
    except Exception:  # a malformed record still gets its source shown
        return ""


def _end(x: float) -> float | None:
    return None if math.isinf(x) else (int(x) if float(x).is_integer() else round(x, 6))


def report_data(records: list, sources: dict[str, str], comparisons: list[IndicatorComparison],
                matrices: list[SubjectMatrix]) -> dict:
    """The JSON block the page's script draws from: plain strings and numbers only."""
    from pipeline.areas import record_areas
    from pipeline.grouping import unit_of_comparison

    recs = provision_order(records)
    strings = Strings()
    positions = Positions(recs)

    verdict: dict[int, str] = {}
    copy_of: dict[str, str] = {}
    find = positions.finder()
    for c in comparisons:
        for row in c.rows:
            i = find(row.record)
            if i is not None:
                verdict.setdefault(i, row.verdict)
            for d in row.copies:
                copy_of.setdefault(d, row.doc)

    areas = record_areas(recs) if recs else {}
    subjects = list(dict.fromkeys([m.subject for m in matrices] + sorted({a for a in areas.values() if a})))
    subject_id = {s: n for n, s in enumerate(subjects)}

    places = Counter(place_of(r) for r in recs if r.get("doc"))
    for m in matrices:
        places.update({j: 0 for j in m.jurisdictions})
    jurisdictions = sorted(places)
    jur_id = {j: n for n, j in enumerate(jurisdictions)}

    doc_names = set(sources) | {r.get("doc") or "?" for r in recs} | {d for m in matrices for ds in m.documents.values()
                                                                      for d in ds}
    docs = sorted(doc_names)
    doc_id = {d: n for n, d in enumerate(docs)}
    doc_place: dict[str, Counter] = defaultdict(Counter)
    doc_subject: dict[str, str] = {}
    for r in recs:
        doc_place[r.get("doc") or "?"][place_of(r) if r.get("doc") else "?"] += 1
        doc_subject.setdefault(r.get("doc") or "?", areas.get(unit_of_comparison(r)) if r.get("doc") else None)
    for m in matrices:
        for j, ds in m.documents.items():
            for d in ds:
                doc_place[d][j] += 0
                doc_subject.setdefault(d, m.subject)

    # questions, their axes, and the provisions of each matrix cell
    question: dict[int, int] = {}
    axis_of: dict[int, tuple[int, float, float]] = {}
    value: dict[int, str] = {}
    questions, matrix_json = [], []
    axis_id: dict[str, int] = {}  # questions on the same scale share one axis
    find = positions.finder()
    for m in matrices:
        cell_at: dict[int, int] = {}  # id(Cell) -> its provision's position
        qpos = {}
        for q in m.questions:
            cells = [(j, c) for j in m.jurisdictions for c in m.cells.get((j, q.indicator), ())]
            q_axes, placed = question_axes([c.record for _, c in cells])
            ids = [axis_id.setdefault(json.dumps(a.to_json(), ensure_ascii=False), len(axis_id)) for a in q_axes]
            qpos[q.indicator] = len(questions)
            questions.append([subject_id[m.subject], strings(q.indicator), KINDS.index(q.kind) if q.kind in KINDS else -1,
                              strings(q.definition), ids, len(q.jurisdictions), q.provisions])
            for (_, c), a in zip(cells, placed):
                i = find(c.record)
                if i is None:
                    continue
                cell_at[id(c)] = i
                question.setdefault(i, qpos[q.indicator])
                value.setdefault(i, c.value)
                if a is not None:
                    iv = interval_of(c.record)
                    axis_of.setdefault(i, (ids[a], iv.lo, iv.hi))
        cells_json = []
        for (j, ind), cells in m.cells.items():
            if ind not in qpos or j not in jur_id:
                continue
            members = [cell_at[id(c)] for c in cells if id(c) in cell_at]
            if members:
                cells_json.append([qpos[ind], jur_id[j], members])
        filled = Counter(j for (j, ind) in m.cells if ind in qpos)
        columns = sorted(m.jurisdictions, key=lambda j: (-filled[j], j))  # the most answered first
        matrix_json.append([subject_id[m.subject], [jur_id[j] for j in columns],
                            [qpos[q.indicator] for q in m.questions], cells_json])

    # the source text around every provision, overlapping windows merged per document
    grounding = [ground(sources.get(r.get("doc") or ""), r) for r in recs]
    excerpts: list[Excerpt] = []
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        if grounding[i]:
            by_doc[r.get("doc") or "?"].append(i)
    excerpt_of: dict[int, int] = {}
    for d, members in by_doc.items():
        text = sources[d]
        current: Excerpt | None = None
        for i in sorted(members, key=lambda i: grounding[i].window):
            lo, hi = grounding[i].window
            lo, hi = max(0, lo), min(len(text), hi)
            if current is None or lo > current.end + MERGE_GAP:
                current = Excerpt(doc_id[d], lo, hi)
                excerpts.append(current)
            current.end = max(current.end, hi)
            current.members.append(i)
            excerpt_of[i] = len(excerpts) - 1
    excerpt_json = []
    for x in excerpts:
        text = sources[docs[x.doc]]
        excerpt_json.append([x.doc, text[x.start:x.end], int(x.start > 0), int(x.end < len(text))])

    rows = []
    for i, r in enumerate(recs):
        g = grounding[i]
        row = [doc_id[r.get("doc") or "?"], KINDS.index(r["kind"]) if r.get("kind") in KINDS else -1,
               jur_id.get(place_of(r), -1) if r.get("doc") else -1,
               subject_id.get(areas.get(unit_of_comparison(r)), -1) if r.get("doc") else -1,
               strings(r.get("section")), question.get(i, -1),
               strings(display_value(r, value[i] if i in value else _value_text(r))),
               VERDICTS.index(verdict[i]) if i in verdict else -1]
        if g:
            x = excerpts[excerpt_of[i]]
            text = sources[docs[x.doc]][x.start:x.end]
            qs, qe = _u16(text, g.start - x.start), _u16(text, g.end - x.start)
            row += [excerpt_of[i], qs, qe - qs]
            row += ([qs - _u16(text, g.sentence[0] - x.start), _u16(text, g.sentence[1] - x.start) - qe, -1]
                    if g.sentence else [-1, -1, strings(r.get("sentence"), r.get("doc"))])
        else:
            row += [-1, -1, -1, -1, -1, strings(r.get("sentence"), r.get("doc"))]
        cond = _find_in(text, r.get("condition"), g.start - x.start) if g else None
        row += [-1 if cond else strings(r.get("condition"), r.get("doc")), strings(r.get("cites")),
                SANCTIONS.index(r["sanction"]) if r.get("sanction") in SANCTIONS else -1, strings(r.get("currency"))]
        if i in axis_of:
            a, lo, hi = axis_of[i]
            row += [a, _end(lo), _end(hi)]
        else:
            row += [-1, -1, -1]
        row.append(-1 if g else strings(r.get("quote")))
        if cond:
            row += [_u16(text, cond[0]), _u16(text, cond[1]) - _u16(text, cond[0])]
        rows.append(row)
    new = strings.by_use()
    text_columns = [P_COLUMNS.index(c) for c in ("section", "value", "sentence", "condition", "cites", "currency",
                                                 "quote")]
    for q in questions:
        q[1], q[3] = new[q[1]] if q[1] >= 0 else -1, new[q[3]] if q[3] >= 0 else -1
    previous = [0] * len(P_COLUMNS)
    for row in rows:
        for c in text_columns:
            if row[c] >= 0:
                row[c] = new[row[c]]
        for c in DELTA_COLUMNS:
            row[c], previous[c] = row[c] - previous[c], row[c]
        while len(row) > DELTA_COLUMNS[-1] + 1 and row[-1] == -1:
            row.pop()

    doc_json = []
    for d in docs:
        place = doc_place[d].most_common(1)[0][0] if doc_place.get(d) else None
        doc_json.append([d, jur_id.get(place, -1), subject_id.get(doc_subject.get(d), -1),
                         doc_id.get(copy_of[d], -1) if d in copy_of else -1])
    return {"v": 2, "labels": LABELS, "kinds": list(KINDS), "verdicts": list(VERDICTS), "sanctions": list(SANCTIONS),
            "jurisdictions": jurisdictions, "subjects": subjects, "docs": doc_json, "columns": list(P_COLUMNS), "delta": list(DELTA_COLUMNS),
            "questions": questions, "axes": [json.loads(a) for a in axis_id], "matrices": matrix_json, "excerpts": excerpt_json, "p": rows,
            "str": strings.items, "provisions": len(recs)}


def render_report(records: list, sources: dict[str, str], comparisons: list[IndicatorComparison] | None = None,
                  matrices: list[SubjectMatrix] | None = None) -> str:
    """The page for `records` (dicts of the provision contract or typed Provisions):
    `comparisons` from pipeline.compare.compare and `matrices` from
    pipeline.matrix.build_matrices, computed here when not given."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    records = [_as_dict(r) for r in records]
    if comparisons is None:
        from pipeline.compare import compare

        comparisons = compare(records)
    if matrices is None:
        from pipeline.matrix import build_matrices

        matrices = build_matrices(records)
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    data = report_data(records, sources, comparisons, matrices)
    csp = (f"default-src 'none'; script-src {csp_hash(js)}; style-src {csp_hash(css)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    n_questions = len(data["questions"])
    html = env.get_template("report.html.j2").render(
        n_docs=len(data["docs"]), n_jurisdictions=len(data["jurisdictions"]), n_provisions=len(records),
        n_questions=n_questions, n_subjects=len(matrices), css=Markup(css), js=Markup(js),
        data_json=Markup(script_json(data)), csp=csp)
    log.info("report: %d provisions, %d questions, %d excerpts, %.1f kB", len(records), n_questions,
             len(data["excerpts"]), len(html.encode("utf-8")) / 1000)
    return html


def provision_order(records: list) -> list[dict]:
    """The records in the order of the report's provisions (`#p-N` is the N-th)."""
    return sorted((_as_dict(r) for r in records),
                  key=lambda r: (str(r.get("doc") or ""), (r.get("span") or [0])[0], (r.get("span") or [0, 0])[1]))


def read_data(html: str) -> dict:
    """The JSON block of a report page."""
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1)) if m else {}


def unpack(data: dict) -> list[dict]:
    """The provisions of a report's data block as the script reads them: the text it
    shows for each (quote, sentence, condition, …), in `#p-N` order."""
    strings, excerpts = data["str"], data["excerpts"]

    def s(i: int) -> str:
        if not 0 <= i < len(strings):
            return ""
        item = strings[i]
        return item if isinstance(item, str) else _cut16(s(item[0]), 0, item[1]) + item[2]

    out = []
    previous = [0] * len(P_COLUMNS)
    for row in data["p"]:
        row = row + [-1] * (len(P_COLUMNS) - len(row))
        for c in DELTA_COLUMNS:
            row[c] = previous[c] = previous[c] + row[c]
        p = dict(zip(P_COLUMNS, row))
        x = excerpts[p["excerpt"]][1] if p["excerpt"] >= 0 else ""
        qs, qe = p["quote_start"], p["quote_start"] + p["quote_length"]
        cut = lambda a, b: _cut16(x, a, b)  # offsets count UTF-16 code units, as the script does
        out.append({
            "doc": data["docs"][p["doc"]][0], "kind": data["kinds"][p["kind"]] if p["kind"] >= 0 else None,
            "jurisdiction": data["jurisdictions"][p["jurisdiction"]] if p["jurisdiction"] >= 0 else None,
            "subject": data["subjects"][p["subject"]] if p["subject"] >= 0 else None,
            "question": p["question"], "value": s(p["value"]), "section": s(p["section"]),
            "verdict": data["verdicts"][p["verdict"]] if p["verdict"] >= 0 else None,
            "grounded": p["excerpt"] >= 0,
            "quote": cut(qs, qe) if p["excerpt"] >= 0 else s(p["quote"]),
            "sentence": cut(qs - p["sentence_before"], qe + p["sentence_after"]) if p["sentence_before"] >= 0
            else s(p["sentence"]),
            "condition": cut(p["condition_start"], p["condition_start"] + p["condition_length"])
            if p["condition_start"] >= 0
            else s(p["condition"]),
            "cites": s(p["cites"]), "currency": s(p["currency"]),
            "sanction": data["sanctions"][p["sanction"]] if p["sanction"] >= 0 else None,
            "axis": p["axis"]})
    return out
