"""Cross-references inside one document: a sanction that cites the rule it enforces
(违反本条例第十一条第二款第一项规定的) gets that rule's conduct as its `condition` and the
rule's section path as `cites` (`第十一条 > 第二款 > (一)`).

This needs the whole outline — articles, their paragraphs (款, the lines of an article)
and items (项, the (一)(二) sections numbered within their paragraph) — which the
sentence-level sanction finder never sees, so it runs when records are assembled.

Mainland drafting numbers paragraphs 款 and items 项; Taiwan drafting the reverse
(違反第四條第一款 cites the first item). The convention is read once per document from
words only Taiwan texts use (罚锾, 本自治条例); paths always call a paragraph 第N款.

A citation that does not resolve — another law (违反《…法》第十条), an article the document
lacks, an item number that is missing or repeated — leaves the condition as written and
`cites` None: a wrong article is worse than none. Patterns are data: data/references.yaml.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extractors.numbers import parse_int_zh
from models.language_data import References, parse
from models.records import Section, Segmentation

DATA = Path(__file__).parent / "data" / "references.yaml"
ART, PARA, ITEM = 0, 1, 2
FINAL = "。；;:：!！?？"
MAX_DEPTH = 3  # a cited paragraph may itself cite (未成年人有前款规定情形的); no deeper


@dataclass(frozen=True)
class Grammar:
    """references.yaml, compiled once."""

    opener: re.Pattern
    keep_subject: re.Pattern
    generic: re.Pattern
    token: re.Pattern
    after_cite: re.Pattern
    taiwan: re.Pattern
    escalation: re.Pattern
    unnamed_rule: re.Pattern
    parallel: re.Pattern
    result: re.Pattern
    list_intro: re.Pattern
    imposes: re.Pattern
    prohibition: re.Pattern
    duty: re.Pattern
    ban_attributive: re.Pattern
    ban_attributive_inner: re.Pattern
    duty_lead: re.Pattern
    prohibition_lead: re.Pattern
    list_genus: re.Pattern  # 禁止下列损害城市绿化及其设施的行为
    place_before: re.Pattern   # 禁止在下列场所吸烟
    place_subject: re.Pattern  # 下列公共场所的室外区域禁止吸烟
    locative: re.Pattern
    place_suffix: re.Pattern
    party_suffix: re.Pattern
    universal_subject: re.Pattern
    negate_with_bu: re.Pattern
    topic: re.Pattern
    topic_prefix: re.Pattern
    conjunction: re.Pattern
    alternative: re.Pattern
    trigger_lead: re.Pattern
    inner_measure: re.Pattern  # 由…部门责令…， inside a trigger: no conduct
    cite_clause: re.Pattern
    filler: re.Pattern
    not_paragraph: re.Pattern
    proviso: re.Pattern
    aside: re.Pattern
    cited_rule: re.Pattern  # a rule cited by number, named groups aside (本条例第二十条, 第十条第二款, 第（五）项)


def _compile(key: str, pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{DATA.name}:{key}: {e}") from e


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    data = parse(References, DATA.read_text(encoding="utf-8"), DATA.name)  # keys checked, regexes compiled

    def get(key: str) -> str:
        return getattr(data, key)

    n = rf"[(（]?{get('numeral')}[)）]?"
    unit = rf"第(?P<nums>{n}(?:[、,，]{n})*)(?:(?:{get('range')})第?(?P<nend>{n}))?(?P<lvl>[条款项])"
    token = (rf"(?P<unit>{unit})|(?P<rel>{get('relative')})|(?P<sep>{get('separator')})"
             rf"|(?P<range>{get('range')})")
    ban, places = get("prohibition"), get("place_nouns")
    simple = ("after_cite", "generic", "taiwan", "escalation", "unnamed_rule", "parallel", "result", "list_intro", "imposes", "prohibition",
              "duty", "ban_attributive", "ban_attributive_inner", "duty_lead", "prohibition_lead", "list_genus", "locative",
              "place_suffix", "party_suffix", "universal_subject", "negate_with_bu", "topic", "topic_prefix",
              "conjunction", "alternative", "trigger_lead", "inner_measure", "cite_clause", "filler", "not_paragraph", "proviso", "aside")
    opener = rf"(?P<verb>{get('openers')})(?:(?P<self>{get('self_names')})(?:{get('self_filler')})?)?"
    return Grammar(
        opener=_compile("openers", opener),
        keep_subject=_compile("keep_subject", rf"(?:{get('keep_subject')})$"),
        token=_compile("numeral/relative/separator/range", token),
        place_before=_compile("place_nouns", rf"(?:{ban})在下列(?P<cat>[^,，:：]*?(?:{places}))(?P<rest>[^,，:：]*)$"),
        place_subject=_compile("place_nouns", rf"下列(?P<cat>[^,，:：的]*?(?:{places}))(?P<mod>的[^,，:：]*?)?"
                                              rf"(?:{ban})(?P<rest>[^,，:：]+)$"),
        cited_rule=_compile("numeral/self_names", rf"(?:{get('self_names')})?第{n}(?:[、,，]{n})*(?:(?:{get('range')})第?{n})?"
                                                  rf"[条款项](?:之{get('numeral')})?|[(（]{get('numeral')}[)）]项?"),
        **{k: _compile(k, get(k)) for k in simple},
    )


# --- the outline index -----------------------------------------------------------------

@dataclass
class _Article:
    section: Section
    number: int
    unit: int  # start of the part (篇) it belongs to; -1 outside parts
    paragraphs: list[tuple[int, int]]
    items: list[dict[int, Section | None]]  # per paragraph: number -> item, None where repeated
    position: int = 0  # index among the articles of its unit, for 前条

    def __post_init__(self):
        self.starts = [s for s, _ in self.paragraphs]


class _Index:
    """Articles, paragraphs and items of one document, looked up in O(log n)."""

    def __init__(self, seg: Segmentation):
        self.seg, self.text = seg, seg.text.text
        self.taiwan = bool(grammar().taiwan.search(self.text))
        self.by_number: dict[tuple[int, int], _Article | None] = {}
        self.by_start: dict[int, _Article] = {}
        self.order: dict[int, list[_Article]] = {}
        for s in seg.sections:
            if s.kind != "article":
                continue
            number = parse_int_zh(s.label[1:-1])
            if number is None:
                continue
            unit = next((a.start for a in s.path if a.kind == "part"), -1)
            art = _Article(s, number, unit, *self._paragraphs(s))
            key = (unit, number)
            self.by_number[key] = None if key in self.by_number else art  # repeated: ambiguous
            self.by_start[s.start] = art
            art.position = len(self.order.setdefault(unit, []))
            self.order[unit].append(art)
        self.sentence_starts = [s.start for s in seg.sentences]
        self.leads: dict[tuple[int, int], list[tuple[_Article, int | None, Section | None]] | None] = {}

    def _paragraphs(self, art: Section) -> tuple[list[tuple[int, int]], list[dict[int, Section | None]]]:
        """A paragraph is a line that opens neither an item nor continues a line the layout
        broke mid-sentence (no final punctuation before it)."""
        text = self.text
        body = art.start + len(art.label)
        while body < art.end and text[body] in " \t\u3000":
            body += 1
        item_starts = {c.start for c in art.children if c.kind == "item"}
        paras: list[list[int]] = []
        pos = body
        while pos < art.end:
            nl = text.find("\n", pos, art.end)
            end = art.end if nl < 0 else nl
            line = text[pos:end].strip()
            if line and grammar().not_paragraph.match(line):
                break
            if line:
                if paras and (pos in item_starts or text[paras[-1][1] - 1] not in FINAL):
                    paras[-1][1] = pos + len(text[pos:end].rstrip())
                else:
                    paras.append([pos, pos + len(text[pos:end].rstrip())])
            pos = end + 1
        spans = [(s, e) for s, e in paras] or [(body, art.end)]
        items: list[dict[int, Section | None]] = [{} for _ in spans]
        starts = [s for s, _ in spans]
        for c in art.children:
            k = _label_number(c.label) if c.kind == "item" else None
            if k is None:
                continue
            i = max(bisect.bisect_right(starts, c.start) - 1, 0)
            items[i][k] = None if k in items[i] else c
        return spans, items

    def article(self, unit: int, number: int) -> _Article | None:
        return self.by_number.get((unit, number))

    def article_at(self, pos: int) -> _Article | None:
        node = self.seg.section_at(pos)
        while node is not None and node.kind != "article":
            node = node.parent
        return self.by_start.get(node.start) if node is not None else None

    def paragraph_of(self, art: _Article, pos: int) -> int:
        """1-based number of the paragraph of `art` holding `pos`."""
        return max(bisect.bisect_right(art.starts, pos), 1)

    def item_at(self, art: _Article, pos: int) -> Section | None:
        node = self.seg.section_at(pos)
        while node is not None and node.parent is not art.section:
            node = node.parent
        return node if node is not None and node.kind == "item" else None

    def sentence_index(self, pos: int) -> int:
        return bisect.bisect_right(self.sentence_starts, pos) - 1


def _index(seg: Segmentation) -> _Index:
    idx = getattr(seg, "_reference_index", None)
    if idx is None:
        idx = _Index(seg)
        seg._reference_index = idx
    return idx


def _label_number(label: str) -> int | None:
    return parse_int_zh(label.strip("()（）、.． "))


_ZH = "零一二三四五六七八九"


def _zh(n: int) -> str:
    """2 -> 二, 12 -> 十二, 23 -> 二十三: how paths name a paragraph (第二款)."""
    if n < 10:
        return _ZH[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _ZH[tens]) + "十" + (_ZH[ones] if ones else "")


# --- citations -------------------------------------------------------------------------

Ref = tuple  # (article number, paragraph | None, item | None); paragraph and item 1-based
Located = tuple  # (_Article, paragraph | None, item Section | None)


@dataclass
class _Outcome:
    paths: list[str]
    condition: str | None
    ok: bool = True  # False: something is cited that does not resolve
    cited: bool = False
    units: list[str] | None = None  # the alternatives `condition` joins, when it only joins them


def _tokens(text: str, pos: int, end: int) -> tuple[list[re.Match], int]:
    """The citation tokens from `pos`, trailing separators dropped; and where they end."""
    g = grammar()
    toks: list[re.Match] = []
    while pos < end:
        m = g.token.match(text, pos, end)
        if not m or (not toks and m.lastgroup in ("sep", "range")):
            break
        toks.append(m)
        pos = m.end()
    while toks and toks[-1].lastgroup in ("sep", "range"):
        toks.pop()
    return toks, (toks[-1].end() if toks else pos)


def _depth(ref: Ref) -> int:
    return max(i for i, v in enumerate(ref) if v is not None)


def _refs(idx: _Index, toks: list[re.Match], at: int) -> list[Ref] | None:
    """Refs of a token run. A unit right after a shallower one refines it (第十一条第二款);
    after a separator it starts a new ref inheriting the levels above it (第二款第一项、第二项);
    a bare first unit (违反第八项规定) hangs under the article the context names."""
    levels = {"条": ART, "款": ITEM if idx.taiwan else PARA, "项": PARA if idx.taiwan else ITEM}
    art = idx.article_at(at)
    here = _here(idx, art, at)
    refs: list[Ref] = []
    last: list[int] = []
    sep = rng = False
    for t in toks:
        kind = t.lastgroup
        if kind == "sep":
            sep = True
            continue
        if kind == "range":
            rng = True
            continue
        if kind == "rel":
            new = _relative(idx, art, here, t.group(), levels)
            if new is None:
                return None
        else:
            level = levels[t.group("lvl")]
            values = [_label_number(v) for v in re.split(r"[、,，]", t.group("nums"))]
            if t.group("nend"):
                values.append(_label_number(t.group("nend")))
                if None not in values:
                    values = list(range(values[0], values[-1] + 1))
            if None in values or not values:
                return None
            if rng and last and _depth(refs[last[-1]]) == level:
                prev = refs[last[-1]]
                new = [prev[:level] + (v,) + (None,) * (2 - level) for v in range(prev[level] + 1, values[-1] + 1)]
            elif not sep and not rng and last and all(_depth(refs[i]) < level for i in last):
                expanded = [refs[i][:level] + (v,) + (None,) * (2 - level) for i in last for v in values]
                refs = refs[:last[0]] + expanded
                last = list(range(last[0], len(refs)))
                continue
            else:
                parent = () if level == ART else (refs[-1][:level] if refs else _context(idx, art, at, level)[:level])
                if level > ART and (not parent or parent[0] is None):
                    return None
                new = [parent + (v,) + (None,) * (2 - level) for v in values]
        last = list(range(len(refs), len(refs) + len(new)))
        refs += new
        sep = rng = False
    return refs or None


def _here(idx: _Index, art: _Article | None, at: int) -> Ref:
    if art is None:
        return (None, None, None)
    item = idx.item_at(art, at)
    return (art.number, idx.paragraph_of(art, at), _label_number(item.label) if item else None)


def _relative(idx: _Index, art: _Article | None, here: Ref, word: str, levels: dict) -> list[Ref] | None:
    """本条 · 本款 · 前款 · 前两款 · 前条 · 前项, counted from where the citation stands."""
    if art is None:
        return None
    level = levels[word[-1]]
    if word.startswith("本"):
        return [here[:level + 1] + (None,) * (2 - level)] if here[level] is not None else None
    count = parse_int_zh(word[1:-1]) if len(word) > 2 and word[1] != "一" else 1
    if level == ART:
        arts, i = idx.order.get(art.unit, []), art.position
        return [(arts[i - 1].number, None, None)] if i > 0 else None
    cur = here[level]
    if cur is None or count is None or cur - count < 1:
        return None
    return [here[:level] + (k,) + (None,) * (2 - level) for k in range(cur - count, cur)]


def _context(idx: _Index, art: _Article | None, at: int, level: int) -> Ref:
    """Where a bare 第N款/第N项 points: inside an item of a penalty list whose lead cites one
    article (违反本条例第二十九条规定，…按照下列规定处罚：(一)违反第一项…), that article; an
    item number after an earlier citation of a paragraph in the same line (…从事第三十四条
    第二款第一项活动的…；从事第二项至第五项活动之一的), that paragraph; else the article the
    citation stands in."""
    lead = _lead(idx, at)
    if lead and len(lead) == 1:
        a, p, sec = lead[0]
        if sec is None:
            return (a.number, p, None)
    if level == ITEM:
        line = idx.text.rfind("\n", 0, at) + 1
        prev = None
        while True:
            hit = _cite_in(idx, line, at)
            if hit is None or not hit[2]:
                break
            prev, line = hit, hit[1]
        if prev:
            a, p, _ = prev[2][-1]
            if p is not None:
                return (a.number, p, None)
    return (art.number if art else None, None, None)


def _locate(idx: _Index, unit: int, ref: Ref) -> Located | None:
    art = idx.article(unit, ref[0])
    if art is None:
        return None
    para, item = ref[1], ref[2]
    if para is not None and not 1 <= para <= len(art.paragraphs):
        return None
    sec = None
    if item is not None:
        pool = [para - 1] if para is not None else [i for i, d in enumerate(art.items) if item in d]
        if len(pool) != 1:
            return None
        sec = art.items[pool[0]].get(item)
        if sec is None:
            return None
    return art, para, sec


def _path(loc: Located) -> str:
    art, para, sec = loc
    return " > ".join([art.section.label] + ([f"第{_zh(para)}款"] if para else []) + ([sec.label] if sec else []))


def _lead_span(idx: _Index, art: _Article, item: Section) -> tuple[int, int]:
    """(start, end) of the lead of the list `item` stands in: its paragraph up to the first item."""
    p = idx.paragraph_of(art, item.start)
    first = min((s.start for s in art.items[p - 1].values() if s is not None), default=item.start)
    return art.paragraphs[p - 1][0], first


def _lead(idx: _Index, at: int) -> list[Located] | None:
    """What the lead of the list an item stands in cites (违反本条例第十三条第一款规定的，按照
    下列规定处罚：), when `at` is inside such an item."""
    art = idx.article_at(at)
    item = idx.item_at(art, at) if art else None
    if item is None:
        return None
    key = (art.section.start, idx.paragraph_of(art, item.start))
    if key not in idx.leads:
        idx.leads[key] = None
        out = _cite_in(idx, *_lead_span(idx, art, item))
        idx.leads[key] = out[2] if out and out[2] else None
    return idx.leads[key]


def rule_context(seg: Segmentation, pos: int) -> str:
    """The text that states whom the sanction at `pos` binds: its paragraph up to `pos`,
    after the lead of the list it is an item of (场所的经营者、管理者违反本条例第十三条第一款
    规定的，按照下列规定处罚：(一)…)."""
    idx = _index(seg)
    art = idx.article_at(pos)
    if art is None:
        sent = seg.sentence_at(pos)
        return idx.text[sent.start if sent else pos:pos]
    item = idx.item_at(art, pos)
    if item is None:
        return idx.text[art.paragraphs[idx.paragraph_of(art, pos) - 1][0]:pos]
    s0, first = _lead_span(idx, art, item)
    return idx.text[s0:first] + "\n" + idx.text[item.start:pos]


def _cite_in(idx: _Index, start: int, end: int):
    """The first citation in text[start:end]: (opener match, token end, located refs) —
    located None where it does not resolve — or None where nothing is cited."""
    g, text = grammar(), idx.text
    generic = None
    for m in g.opener.finditer(text, start, end):
        toks, cend = _tokens(text, m.end(), end)
        if toks:
            refs = _refs(idx, toks, m.start())
            art = idx.article_at(m.start())
            unit = art.unit if art else -1
            located = [_locate(idx, unit, r) for r in refs] if refs else None
            if located is None or None in located:
                return m, cend, None
            return m, cend, located
        if m.group("self") and generic is None:
            generic = (m, m.end(), [])
    return generic


# --- from a cited rule to its conduct ------------------------------------------------------

def _join(units: list[str]) -> str | None:
    """A, B, 或者C: how the gold (and drafting) lists alternative conducts."""
    units = [u for u in units if u]
    if not units:
        return None
    return units[0] if len(units) == 1 else ",".join(units[:-1]) + ",或者" + units[-1]


def _negate(text: str) -> str:
    """The failure of a duty: 设置… -> 未设置…, 符合… -> 不符合…, 对不听劝阻的要求… -> 对不听劝阻的未要求…"""
    g = grammar()
    m = g.topic_prefix.match(text)
    if m:
        return m.group() + _negate(text[m.end():])
    if text.startswith("未"):
        return text
    if g.negate_with_bu.match(text):
        return "不" + text
    return "未" + text


def _prefix(before: str, prohibition: bool) -> str:
    """What of the text before a modal stays: a place (在…, 于…, or a place subject of a
    prohibition: 禁止吸烟场所不得… -> 在禁止吸烟场所…), or the act a prohibition bounds
    (储存烟花爆竹制品不得超过三十千克); a bound party does not."""
    g = grammar()
    b = before.strip(" ,，")
    if not b:
        return ""
    if g.locative.match(b):
        return b
    i = b.find("在")
    if i > 0:
        return b[i:]
    if not prohibition or g.party_suffix.search(b):
        return ""
    if g.place_suffix.search(b):
        return "在" + b
    return g.universal_subject.sub("", b)


def _modal(clause: str, which: re.Pattern) -> re.Match | None:
    g = grammar()
    for m in which.finditer(clause):
        if which is g.prohibition and (g.ban_attributive.match(clause, m.start()) or (
                m.start() > 0 and g.ban_attributive_inner.match(clause, m.start()))):
            continue  # 禁止吸烟场所 names a place
        return m
    return None


def _sub_conduct(sub: str, mode: str | None) -> str | None:
    """One sub-sentence of a rule as conduct: prohibitions lose their modal, duties are
    negated; consecutive duties share one 未 (未建立…、做好…); a clause ending in 的 conditions
    the next (对不听劝阻且不离开的未向…投诉举报)."""
    g = grammar()
    clauses = [c for c in (g.conjunction.sub("", c.strip()) for c in re.split(r"[,，]", sub)) if c]
    pieces: list[tuple[str, str, bool]] = []  # kind, text, an alternative (或者…)
    topic = ""
    for i, c in enumerate(clauses):
        if g.proviso.search(c):
            if c.startswith("但"):
                break  # the rest of the sentence is the carve-out
            continue
        alt = bool(g.alternative.match(c))
        c = g.alternative.sub("", c)
        ban, duty = _modal(c, g.prohibition), _modal(c, g.duty)
        if ban and (not duty or ban.start() <= duty.start()):
            kind, body, mode = "act", _prefix(c[:ban.start()], True) + c[ban.end():], "prohibit"
        elif duty:
            kind, body, mode = "duty", _prefix(c[:duty.start()], False) + c[duty.end():], "duty"
        elif g.topic.search(c) and i < len(clauses) - 1:
            topic += c
            continue
        elif mode == "duty":
            kind, body = "duty", c
        elif mode == "prohibit":
            kind, body = "act", c
        else:
            continue
        if kind == "duty" and body.startswith("不"):  # 不设置任何… under a duty: the act itself
            kind, body = "act", re.sub(r"^(不得?)(.{0,3}?)任何", r"\1\2", body)[2 if body.startswith("不得") else 1:]
        if not body or (kind == "duty" and g.filler.match(body)):
            topic = ""
            continue
        if kind == "duty":
            alone = bool(topic) or bool(g.topic_prefix.match(body)) or not pieces or pieces[-1][0] != "duty"
            body = _negate(body) if alone else body
        pieces.append((kind, topic + body, alt))
        topic = ""
    if not pieces:
        return None
    out = pieces[0][1]
    for (k0, _, _), (k1, t1, alt) in zip(pieces, pieces[1:]):
        out += ("、" if k0 == k1 and not alt else "或者") + t1
    return out


def _rule_units(text: str, mode: str | None, prefix: str = "") -> list[str]:
    """A rule's conduct, one unit per sub-sentence that states one."""
    g = grammar()
    out = []
    for sub in re.split(r"[;；。!！]", g.aside.sub("", text).replace("\n", "")):
        sub = sub.strip(" ,，:：\n")
        if not sub or g.proviso.match(sub):
            continue
        u = _sub_conduct(sub, mode)
        if u:
            out.append(prefix + u if prefix and not u.startswith(prefix) else u)
    return out


def _lead_mode(lead: str) -> tuple[str | None, str, re.Match | None]:
    """How a list lead binds its items: ('duty'|'prohibit'|None, a place prefix, template)."""
    g = grammar()
    clauses = [c for c in re.split(r"[,，;；]", lead.strip(" :：\n")) if c]
    if not clauses:
        return None, "", None
    intro = clauses[-1]
    prefix = "".join(c for c in clauses[:-1] if g.locative.match(c))
    if g.duty_lead.search(intro):
        return "duty", prefix, None
    if g.prohibition_lead.search(intro):
        return "prohibit", prefix, g.place_before.search(intro) or g.place_subject.search(intro)
    return None, prefix, None


def _item_span(idx: _Index, art: _Article, sec: Section) -> tuple[int, int]:
    """An item's text after its label, up to the end of its paragraph at most."""
    p = idx.paragraph_of(art, sec.start)
    end = min(sec.end, art.paragraphs[p - 1][1])
    m = re.match(r"\s*[(（]?[一二三四五六七八九十\d]+[)）]?[、.．]?\s*", idx.text[sec.start:end])
    return sec.start + (m.end() if m else 0), end


def _item_text(idx: _Index, art: _Article, sec: Section) -> str:
    s, e = _item_span(idx, art, sec)
    return idx.text[s:e].replace("\n", "").strip()


def _item_conduct(idx: _Index, art: _Article, sec: Section) -> list[str]:
    """An item's conduct under its lead: duties negated, prohibitions without their modal,
    places put into the lead's template; the item as written where its lead states no rule."""
    p = idx.paragraph_of(art, sec.start)
    s0 = art.paragraphs[p - 1][0]
    first = min(s.start for s in art.items[p - 1].values() if s is not None)
    mode, prefix, template = _lead_mode(idx.text[s0:first])
    body = _item_text(idx, art, sec)
    if template is not None:
        place = body.rstrip("。；;,， ")
        return [prefix + "在" + place + (template.groupdict().get("mod") or "") + template.group("rest")]
    units = _rule_units(body, mode, prefix) if mode else []
    return units or [body.rstrip("。；;,， 的")]


KIND_MARK = "："  # between the kind of conduct a list names and its instances


def named_kind(kind: str | None, conduct: str) -> str:
    """The conduct of a whole list as its lead names it: 损害城市绿化及其设施：(一)…,或者(八)."""
    return f"{kind}{KIND_MARK}{conduct}" if kind else conduct


def _lead_kind(lead: str) -> str | None:
    """The kind of conduct a prohibition lead names for its list (禁止下列损害城市绿化及其设施的行为:
    损害城市绿化及其设施), if it names one."""
    m = grammar().list_genus.search(lead) if _lead_mode(lead)[0] == "prohibit" else None
    return m.group("genus") if m else None


def _cited_kind(idx: _Index, located: list[Located]) -> str | None:
    """The kind of conduct a citation of whole lists names, where every cited rule is a
    list whose lead names it, and names one kind (违反本条例第二十九条规定, 第二十九条
    禁止下列损害…的行为)."""
    kinds = set()
    for art, para, sec in located:
        if sec is not None:
            return None
        firsts = [min(items, key=lambda s: s.start)
                  for k in ([para] if para is not None else range(1, len(art.paragraphs) + 1))
                  if (items := [s for s in art.items[k - 1].values() if s is not None])]
        found = {x for first in firsts if (x := _lead_kind(idx.text[slice(*_lead_span(idx, art, first))]))}
        if not found:
            return None
        kinds |= found
    return kinds.pop() if len(kinds) == 1 else None


def _paragraph_conduct(idx: _Index, art: _Article, p: int, depth: int,
                       rules_only: bool) -> tuple[list[str], list[str] | None]:
    """Units of paragraph `p`: its items under their lead, or its rule sentences. A
    paragraph that is itself a sanction gives its trigger's conduct and citations."""
    g, text = grammar(), idx.text
    s0, s1 = art.paragraphs[p - 1]
    items = sorted((s for s in art.items[p - 1].values() if s is not None), key=lambda s: s.start)
    if items:
        mode, _, template = _lead_mode(text[s0:items[0].start])
        if mode is None and template is None and rules_only:
            return [], None
        units: list[str] = []
        for sec in items:
            units += _item_conduct(idx, art, sec)
        # a sanction on the whole list punishes the kind its lead names, before its instances
        kind = _lead_kind(text[s0:items[0].start])
        return ([named_kind(kind, _join(units))] if kind and units else units), None
    units, penalty = [], None
    for sm in re.finditer(r"[^。!！]+", text[s0:s1]):
        a, b = s0 + sm.start(), s0 + sm.end()
        m = g.imposes.search(text, a, b)
        if m:
            penalty = penalty or (a, m.start())
        else:
            units += _rule_units(text[a:b], None)
    if units or penalty is None or depth >= MAX_DEPTH:
        return units, None
    cut = max(text.rfind(c, penalty[0], penalty[1]) for c in ";；")
    out = _resolve_region(idx, max(cut + 1, penalty[0]), penalty[1], depth + 1)
    return ([out.condition] if out.ok and out.condition else []), (out.paths if out.ok else None)


def _cited_conduct(idx: _Index, located: list[Located], depth: int) -> tuple[list[str], list[str]]:
    """The conducts of the cited rules, and the paths they stand for (a cited sanction
    paragraph stands for what it enforces)."""
    units: list[str] = []
    paths: list[str] = []
    for loc in located:
        art, para, sec = loc
        inner = None
        if sec is not None:
            u = _item_conduct(idx, art, sec)
        elif para is not None:
            u, inner = _paragraph_conduct(idx, art, para, depth, rules_only=False)
        else:
            u = []
            for k in range(1, len(art.paragraphs) + 1):
                u += _paragraph_conduct(idx, art, k, depth, rules_only=True)[0]
        units += u
        for path in (inner if inner is not None else [_path(loc)]):
            if path not in paths:
                paths.append(path)
    return [u for u in units if u], paths


def _list_conduct(idx: _Index, at: int, depth: int) -> _Outcome | None:
    """有下列行为之一的: the items that follow `at` in its paragraph, each item's own trigger
    where the item imposes its own measure."""
    g, text = grammar(), idx.text
    art = idx.article_at(at)
    if art is None:
        return None
    p = idx.paragraph_of(art, at)
    items = sorted((s for s in art.items[p - 1].values() if s is not None and s.start > at), key=lambda s: s.start)
    entries = [_item_span(idx, art, sec) for sec in items]
    if not entries and re.search(r"[:：]\s*$", text[at:art.paragraphs[p - 1][1]]):
        # a list whose numbers were lost (a web copy): the article's next paragraphs
        entries = [(bs, be) for bs, be in art.paragraphs[p:] if text[bs:be].strip()]
    if not entries:
        return None
    units, paths = [], []
    for bs, be in entries:
        body = text[bs:be].replace("\n", "").strip()
        m = g.imposes.search(text, bs, be)
        if m and depth < MAX_DEPTH:
            out = _resolve_region(idx, bs, m.start(), depth + 1)
            if out.ok and out.condition:
                units += out.units or [out.condition]
                paths += [x for x in out.paths if x not in paths]
                continue
        units.append(g.aside.sub("", body).rstrip("。；;,， ").removesuffix("的"))
    return _Outcome(paths, _join(units), cited=bool(paths), units=units)


# --- the trigger of a sanction ----------------------------------------------------------------

def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The trigger split at 的，: its conduct, then what each later part adds."""
    out, pos = [], start
    for m in re.finditer(r"的[,，]", text[start:end]):
        out.append((pos, start + m.start()))
        pos = start + m.end()
    out.append((pos, end))
    return [(s, e) for s, e in out if e > s]


def _resolve_region(idx: _Index, start: int, end: int, depth: int) -> _Outcome:
    """Conduct and citations of the trigger text[start:end]."""
    g, text = grammar(), idx.text
    parts = _segments(text, start, end)
    if len(parts) == 1:
        return _conduct(idx, start, end, depth)
    total = _Outcome([], None)
    for i, (s, e) in enumerate(parts):
        if i:
            tail = text[s:e]
            cut = max(tail.rfind(","), tail.rfind("，"))
            or_ = re.match(r"[,，]?或者?", tail)
            if or_:
                s += or_.end()
            elif cut >= 0:
                s += cut + 1
        out = _conduct(idx, s, e, depth)
        if not out.ok:
            return out
        total.cited |= out.cited
        total.paths += [x for x in out.paths if x not in total.paths]
        if out.condition:
            joiner = ",或者" if i and re.match(r"[,，]?或者?", text[parts[i][0]:e]) else ","
            total.condition = out.condition if total.condition is None else total.condition + joiner + out.condition
    return total


def _conduct(idx: _Index, start: int, end: int, depth: int) -> _Outcome:
    """One conduct clause: the cited rule's conduct, or the conduct the clause itself states
    after its citation (违反本条例第十四条规定，乱扔烟头), or its list (有下列行为之一)."""
    g, text = grammar(), idx.text
    raw = text[start:end].strip(" ,，")
    hit = _cite_in(idx, start, end)
    if hit is None:
        li = g.list_intro.search(text, start, end)
        if li:
            listed = _list_conduct(idx, li.end(), depth)
            if listed and listed.condition:
                return listed
        return _Outcome([], raw or None)
    m, cend, located = hit
    if located is None:
        return _Outcome([], None, ok=False, cited=True)
    rest = text[cend:end]
    rest = rest[g.after_cite.match(rest).end():].lstrip(" ,，")
    verb, subject = m.group("verb"), text[start:m.start()].strip(" ,，")
    subject = g.generic.sub("", subject).strip(" ,，")
    units, paths = _cited_conduct(idx, located, depth) if located else ([], [])
    cited = _join(units)
    # the list may follow who has it (燃气用户及相关单位和个人有下列行为之一的): in one clause
    li = g.list_intro.search(rest)
    li = li if li and not re.search(r"[,，;；]", rest[:li.start()]) else None
    if li:
        listed = _list_conduct(idx, end - len(rest) + li.end(), depth)
        cond, units = (listed.condition, listed.units) if listed else (None, None)
        kind = _cited_kind(idx, located) if listed else None
        if kind:
            cond = named_kind(kind, cond)
            units = [cond]
        if not paths and listed:
            paths = listed.paths
    elif not rest:
        cond = cited
        if cited and subject and g.keep_subject.match(verb):
            cond, units = subject + cited, None
    elif g.result.match(rest):
        cond, units = (cited + "," + rest if cited else None), None
    else:
        cond, units = (verb + "规定" + rest if verb.startswith(("未", "不")) else rest), None
    return _Outcome(paths, cond or raw, cited=bool(located), units=units if cond else None)


def _trigger_span(text: str, sentence_start: int, trigger: str | None, pos: int) -> tuple[int, int] | None:
    """Where the trigger stands: the finder's own text where given, else the clause before
    the last 的，/者， ahead of the measure (Taiwan drafting: 违反第四条第一款规定者，处…),
    else a citation that opens the sentence (违反本条例第八条规定，责令…)."""
    if trigger:
        i = text.rfind(trigger, sentence_start, pos)
        if i >= 0:
            return i, i + len(trigger)
    last = None
    for last in re.finditer(r"(?:的|者)[,，]", text[sentence_start:pos]):
        pass
    if last is None:
        head = text[sentence_start:pos]
        bare = grammar().cite_clause.match(head, len(head) - len(head.lstrip(" ,，")))
        return (sentence_start + bare.start(), sentence_start + bare.end()) if bare else None
    head_end = sentence_start + last.start()
    cut = max(text.rfind(c, sentence_start, head_end) for c in "。;；")
    s = cut + 1 if cut >= 0 else sentence_start
    while s < head_end and text[s] in " ,，":
        s += 1
    lead = grammar().trigger_lead.match(text, s, head_end)
    if lead:
        s = lead.end()
    return (s, head_end) if head_end > s else None


def _earlier(idx: _Index, sentence_start: int):
    """Triggers of the earlier sentences of the same line and section, nearest first."""
    text = idx.text
    here = idx.seg.section_at(sentence_start)
    i = idx.sentence_index(sentence_start)
    while i > 0:
        i -= 1
        sent = idx.seg.sentences[i]
        if "\n" in text[sent.start:sentence_start] or idx.seg.section_at(sent.start) is not here:
            return
        span = _trigger_span(text, sent.start, None, sent.end)
        if span:
            yield sent.start, span


def _escalated(idx: _Index, sentence_start: int, depth: int = 0) -> _Outcome | None:
    """The conduct an escalation (拒不改正的, 逾期不改正的) aggravates: the nearest earlier
    trigger of the same paragraph, itself followed back through escalations."""
    g, text = grammar(), idx.text
    for s0, (s, e) in _earlier(idx, sentence_start):
        own = text[s:e].strip(" ,，")
        if g.escalation.match(own):
            base = _escalated(idx, s0, depth + 1) if depth < 6 else None
            if base is None or not base.condition:
                return None
            if g.parallel.match(own):
                return base
            return _Outcome(base.paths, base.condition + "," + own, cited=base.cited)
        out = _resolve_region(idx, s, e, 0)
        return out if out.ok else None
    return None


def resolve_citation(seg: Segmentation, sentence_start: int, trigger: str | None,
                     pos: int) -> tuple[str | None, str | None]:
    """(cites, condition) for the sanction at `pos` whose sentence starts at
    `sentence_start` and whose trigger clause (the text before 的，) is `trigger`.

    `cites` is the section paths of the rules enforced, joined by "; "; `condition` the
    conduct those rules describe (or that the trigger states beside its citation). Where
    the trigger cites nothing resolvable, `trigger` comes back unchanged and cites None.
    """
    idx = _index(seg)
    text = idx.text
    span = _trigger_span(text, sentence_start, trigger, pos)
    if span is None:
        # a clause with no trigger of its own continues the sentence before it in its
        # paragraph (…逾期不改正的，对单位处…；对个人处…): it punishes the same conduct
        earlier = next(_earlier(idx, sentence_start), None) if trigger is None else None
        if earlier:
            _, (s, e) = earlier
            return resolve_citation(seg, earlier[0], text[s:e], e)
        return None, trigger
    s, e = span
    g = grammar()
    inner = None
    for inner in g.inner_measure.finditer(text, s, e):
        pass
    if inner:
        # 违反…规定，由…部门责令限期改正，逾期不改正的: the rule broken, then what aggravates it
        # or the act punished after the measure (…，恢复原状，擅自占用或者据为专用的)
        after = text[inner.end():e].strip(" ,，")
        cut = inner.start() - (text[inner.start() - 1] == "的")  # …专用停车位的，由…部门责令…
        before = _resolve_region(idx, s, cut, 0)
        if g.escalation.match(after):
            if before.ok and before.condition:
                return "; ".join(before.paths) or None, (before.condition + "," + after).replace("\n", "")
            return None, (text[s:cut].strip(" ,，") + "," + after).replace("\n", "")
        if before.ok and before.paths and after:
            out = _resolve_region(idx, inner.end(), e, 0)
            condition = out.condition if out.ok and out.condition else after
            return "; ".join(dict.fromkeys(before.paths + (out.paths if out.ok else []))), condition.replace("\n", "")
    own = text[s:e].strip(" ,，")
    if g.escalation.match(own):
        base = _escalated(idx, sentence_start)
        if base and base.condition:
            return "; ".join(base.paths) or None, (base.condition + "," + own).replace("\n", "")
        return None, trigger
    if g.unnamed_rule.match(own):
        stated = _rule_before(idx, s)
        if stated:
            return stated
    out = _resolve_region(idx, s, e, 0)
    if not out.ok:
        return None, trigger
    paths = out.paths
    if not out.cited and _cite_in(idx, s, e) is None:
        paths = _scope(idx, sentence_start, s) or paths
    if trigger is None and not paths:
        return None, None  # nothing cited where the sanction finder saw no trigger either
    return "; ".join(paths) or None, out.condition.replace("\n", "") if out.condition else trigger


def _rule_before(idx: _Index, at: int) -> tuple[str, str] | None:
    """(cites, condition) of the rule a bare 违反规定 breaks: the rule sentences before `at`
    in its paragraph, else the paragraph before it (its items under their lead)."""
    art = idx.article_at(at)
    if art is None:
        return None
    p = idx.paragraph_of(art, at)
    units, para = _rule_units(idx.text[art.paragraphs[p - 1][0]:at], None), p
    if not units and p > 1:
        units, para = _paragraph_conduct(idx, art, p - 1, 0, rules_only=True)[0], p - 1
    if not units:
        return None
    return _path((art, para if len(art.paragraphs) > 1 else None, None)), _join(units).replace("\n", "")


def _scope(idx: _Index, sentence_start: int, at: int) -> list[str]:
    """Citations that reach a trigger citing nothing itself: the lead of the penalty list it
    is an item of, or an earlier citation of the same paragraph (个人违反本条例第十四条规定，
    在…吸烟的，…；在其他…吸烟的，…)."""
    g, text = grammar(), idx.text
    for _, (s, e) in _earlier(idx, sentence_start):
        hit = _cite_in(idx, s, e)
        if hit is None:
            continue
        m, cend, located = hit
        rest = text[cend:e]
        rest = rest[g.after_cite.match(rest).end():].lstrip(" ,，")
        if located and rest and not g.result.match(rest):
            return [_path(loc) for loc in located]
        break
    lead = _lead(idx, at)
    return [_path(loc) for loc in lead] if lead else []
