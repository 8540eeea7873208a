"""report.html: one self-contained page a researcher can open offline or mail around.

Everything a document says is untrusted: Jinja2 autoescapes every value, the SVG is
built with html.escape, the JSON for the script is escaped for a <script> element, and
a Content-Security-Policy admits only our own inline script and style (by hash), so an
injected tag could not run even if escaping were ever missed.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from models.vocab import Kind, values
from pipeline.compare import IndicatorComparison, value_text
from pipeline.export.svg import VERDICT_COLORS, interval_chart
from pipeline.export.tables import PROVISION_COLUMNS, scale_unit, value_range

TEMPLATES = Path(__file__).parent / "templates"
CONTEXT = 60  # source characters shown on each side of a quote (~120 in all)
KINDS = tuple(values(Kind))
DIRECTION = {1: "higher is stricter", -1: "lower is stricter", 0: "not ordered"}
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data) -> str:
    """JSON safe inside <script>: no '</script>', '<!--' or line separators can end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JS_ESCAPES[m.group()], text)


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _key(r: dict) -> tuple:
    """Identifies a record across compare()'s copies (which may relabel `indicator`)."""
    span = r.get("span") or (None, None)
    return (r.get("doc"), r.get("kind"), tuple(span), r.get("quote"), r.get("sanction"), r.get("op"),
            str(r.get("value")))


def _context(text: str | None, r: dict) -> dict:
    """The quote with about CONTEXT characters of source text on each side, whitespace
    runs shown as one space; `grounded` is false when the span does not give the quote."""
    quote = r.get("quote") or ""
    span = r.get("span") or [0, 0]
    s, e = span[0], span[1]
    if not text or not (0 <= s <= e <= len(text)) or text[s:e] != quote:
        return {"before": "", "quote": quote, "after": "", "cut_before": False, "cut_after": False,
                "grounded": False}
    lo, hi = max(0, s - CONTEXT), min(len(text), e + CONTEXT)
    squash = lambda t: re.sub(r"\s+", " ", t)
    return {"before": squash(text[lo:s]), "quote": quote, "after": squash(text[e:hi]),
            "cut_before": lo > 0, "cut_after": hi < len(text), "grounded": True}


def _facts(r: dict) -> list[tuple[str, str]]:
    """(label, text) of the record's PROVISION_COLUMNS that are set: shown as text in the
    row, because a sanction without its trigger or cited rule cannot be compared."""
    return [(k, str(r[k])) for k in PROVISION_COLUMNS if r.get(k) not in (None, "")]


def build_context(records: list[dict], sources: dict[str, str], comparisons: list[IndicatorComparison]) -> dict:
    """Everything the template shows, as plain strings and numbers (the template escapes)."""
    src_id: dict[tuple, str] = {}
    by_doc: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for i, r in enumerate(records):
        src_id.setdefault(_key(r), f"src-{i}")
        by_doc[r.get("doc") or "?"].append((i, r))

    docs, doc_sources = [], []
    for d, (doc, items) in enumerate(sorted(by_doc.items())):
        kinds = Counter(r.get("kind") for _, r in items)
        jurs = sorted({r.get("jurisdiction") or "?" for _, r in items})
        docs.append({"name": doc, "id": f"doc-{d}", "jurisdictions": jurs, "total": len(items),
                     "kinds": [kinds.get(k, 0) for k in KINDS]})
        entries = []
        for i, r in sorted(items, key=lambda x: ((x[1].get("span") or [0])[0], x[0])):
            entries.append({"id": f"src-{i}", "kind": r.get("kind") or "?",
                            "jurisdiction": r.get("jurisdiction") or "?", "section": r.get("section"),
                            "indicator": r.get("indicator"), "value": _value_text(r),
                            "sentence": r.get("sentence") or "", "facts": _facts(r),
                            **_context(sources.get(doc), r)})
        doc_sources.append({"name": doc, "id": f"doc-{d}", "entries": entries})

    jur_counts = Counter(r.get("jurisdiction") or "?" for r in records)
    jur_docs: dict[str, set] = defaultdict(set)
    for r in records:
        jur_docs[r.get("jurisdiction") or "?"].add(r.get("doc"))
    jurisdictions = [{"name": j, "provisions": n, "documents": len(jur_docs[j])}
                     for j, n in sorted(jur_counts.items(), key=lambda x: (-x[1], x[0]))]

    indicators = []
    for n, c in enumerate(comparisons):
        verdicts = Counter(r.verdict for r in c.rows)
        rows = [{"jurisdiction": r.jurisdiction or "?", "value": r.value_text, "verdict": r.verdict,
                 "quote": r.quote, "sentence": r.sentence, "facts": _facts(r.record), "section": r.section,
                 "doc": r.doc,
                 "src": src_id.get(_key(r.record), ""), "kind": c.kind} for r in c.rows]
        chart = interval_chart(c, scale_unit(c.rows))
        indicators.append({"id": f"ind-{n}", "indicator": c.indicator, "kind": c.kind,
                           "direction": DIRECTION.get(c.direction, ""), "jurisdictions": c.jurisdictions,
                           "range": value_range(c), "verdicts": [(v, verdicts[v]) for v in VERDICT_COLORS
                                                                 if verdicts.get(v)],
                           "chart": chart, "rows": rows})

    kind_counts = Counter(r.get("kind") for r in records)
    n_rows = sum(len(i["rows"]) for i in indicators)
    data = {"kinds": [k for k in KINDS if kind_counts.get(k) or any(i["kind"] == k for i in indicators)],
            "jurisdictions": sorted(jur_counts), "rows": n_rows, "provisions": len(records)}
    return {"n_docs": len(docs), "n_jurisdictions": len(jur_counts), "n_provisions": len(records),
            "n_indicators": len(indicators), "n_rows": n_rows, "kinds": KINDS,
            "kind_counts": [(k, kind_counts.get(k, 0)) for k in KINDS], "docs": docs,
            "jurisdictions": jurisdictions, "indicators": indicators, "sources": doc_sources,
            "verdict_colors": VERDICT_COLORS, "data": data}


def _value_text(r: dict) -> str:
    try:
        return value_text(r)
    except Exception:  # a malformed record still gets its source shown
        return ""


def render_report(records: list[dict], sources: dict[str, str], comparisons: list[IndicatorComparison]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    ctx = build_context(records, sources, comparisons)
    for ind in ctx["indicators"]:
        ind["chart"] = Markup(ind["chart"]) if ind["chart"] else None  # built escaped in svg.py
    csp = (f"default-src 'none'; script-src {csp_hash(js)}; style-src {csp_hash(css)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    return env.get_template("report.html.j2").render(
        **ctx, css=Markup(css), js=Markup(js), data_json=Markup(script_json(ctx["data"])), csp=csp)
