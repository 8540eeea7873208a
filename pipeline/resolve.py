"""Which jurisdiction issued a document, or each part of a compilation.

Evidence, strongest first: the issuer's name, the document number's prefix (梅市组通 ->
梅州市, 吉组通字 -> 吉林省), place names in the text (those named as superiors — 根据宜春市委
下发的标准 — sit above the issuer), and how the issuer speaks of itself (我市, 全县). When
the issuer's own level lies below every named place, its name is hidden: 江西省宜春市X市.
Codes come from GB/T 2260 data shipped in the cpca package; nothing is fetched.
"""
from __future__ import annotations

import csv
import importlib.resources
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from models.language_data import Jurisdictions, load
from models.records import DocumentMeta, Jurisdiction, Segmentation

LEVEL_RANK = {level: rank for rank, level in enumerate(load(Jurisdictions).levels)}  # national 0 ... town 4
SKIP_NAMES = {"市辖区", "县", "自治区直辖县级行政区划", "省直辖县级行政区划", "直辖县级行政区划"}


@dataclass(frozen=True)
class Place:
    name: str
    code: str | None
    level: str
    parent: str | None  # code


class Gazetteer:
    """GB/T 2260 places by code and by name, plus the special bodies of our data."""

    def __init__(self) -> None:
        self.by_code: dict[str, Place] = {}
        self.by_name: dict[str, list[Place]] = {}
        self.data = data = load(Jurisdictions)
        self.province_abbr = dict(data.province_abbr)
        source = importlib.resources.files("cpca.resources") / "adcodes.csv"
        with source.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code = row["adcode"][:6]
                if row["name"] in SKIP_NAMES or code in self.by_code:
                    continue
                self._add(Place(row["name"], code, _level(code), _parent(code)))
        for s in data.special:
            place = Place(s.name, s.code, s.level, s.parent)
            if place.code:
                self.by_code[place.code] = place
            for name in [s.name, *s.aliases]:
                self.by_name.setdefault(name, []).insert(0, place)
        for short, code in data.province_short.items():
            self.by_name.setdefault(short, []).append(self.by_code[code])
        import ahocorasick  # ships with cpca: one pass over the text for 3,500 names

        self.automaton = ahocorasick.Automaton()
        for name in self.by_name:
            self.automaton.add_word(name, name)
        self.automaton.make_automaton()

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Place names in text, leftmost-longest and non-overlapping, like a regex
        alternation of all names would give."""
        hits = sorted(((end - len(name) + 1, end + 1, name) for end, name in self.automaton.iter(text)),
                      key=lambda h: (h[0], -(h[1] - h[0])))
        out, pos = [], 0
        for start, end, name in hits:
            if start >= pos:
                out.append((start, end, name))
                pos = end
        return out

    def _add(self, place: Place) -> None:
        self.by_code[place.code] = place
        self.by_name.setdefault(place.name, []).append(place)

    def ancestors(self, place: Place) -> list[Place]:
        out, code = [], place.parent
        while code:
            p = self.by_code.get(code)
            if p is None:  # 110100 市辖区 is not a place of its own: go up a level
                code = _parent(code)
                continue
            out.append(p)
            code = p.parent
        return out[::-1]

    def path_name(self, place: Place) -> str:
        return "".join(p.name for p in self.ancestors(place) if p.level != "national") + (
            place.name if place.level != "national" or not self.ancestors(place) else "")


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _parent(code: str) -> str | None:
    if code.endswith("0000"):
        return None
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()


@lru_cache(maxsize=1)
def _cues() -> dict:
    d = gazetteer().data
    return {
        "self": [(re.compile(s.pattern), s.level, s.suffix) for s in d.self_reference],
        "superior_before": re.compile(d.superior_before),
        "superior_after": re.compile(d.superior_after),
        "national": re.compile(d.national),
        "hidden": re.compile(d.hidden),
        "prefixes": [(re.compile(p.pattern), {"national": p.national, "special": p.special, "city_abbr": p.city_abbr,
                                              "province_abbr": p.province_abbr}) for p in d.doc_number_prefix],
        "doc_number": re.compile(d.doc_number),
        "state_title": tuple(d.state_title),
    }


def resolve_jurisdictions(seg: Segmentation, meta: DocumentMeta, parts: list[DocumentMeta]) -> list[tuple[int, int, Jurisdiction | None]]:
    """(start, end, jurisdiction) for the document, or for each part of a compilation."""
    text = seg.text.text
    units = [(p.span[0], p.span[1], p) for p in parts] or [(0, len(text), meta)]
    return [(s, e, resolve_unit(text[s:e], m)) for s, e, m in units]


def resolve_unit(text: str, meta: DocumentMeta) -> Jurisdiction | None:
    g, c = gazetteer(), _cues()
    evidence: Counter[Place] = Counter()
    superiors: set[Place] = set()
    why: dict[Place, str] = {}

    def note(place: Place, weight: int, reason: str, superior: bool = False) -> None:
        evidence[place] += weight
        why.setdefault(place, reason)
        if superior:
            superiors.add(place)

    titled = _title_place(g, meta.title, text)
    if titled is not None:
        return titled
    if meta.issuer:
        for _, _, name in g.find(meta.issuer):
            note(_pick(g, name, text), 10, f"issuer {meta.issuer}")
    for m in c["doc_number"].finditer(text):
        place = _from_doc_number(g, m.group(0), text)
        if place is not None:
            note(place, 3, f"document number {m.group(0)}")
    for start, end, name in g.find(text):
        place = _pick(g, name, text)
        before = text[max(0, start - 16):start]
        after = text[end:end + 6]
        superior = bool(c["superior_before"].search(before) or c["superior_after"].match(after))
        note(place, 1, f"named in text: {name}", superior)
    self_level, suffix, hidden_name = _self_level(text, meta)
    if not evidence:
        if hidden_name:
            return Jurisdiction(hidden_name, None, self_level or "prefecture", hidden=True, evidence="hidden name")
        if c["national"].search(text):
            return Jurisdiction("全国", None, "national", evidence="national bodies, no place named")
        return None
    anchor = _anchor(g, evidence)
    if evidence[anchor] <= 1 and len(c["national"].findall(text)) >= 2 and not self_level:
        return Jurisdiction("全国", None, "national", evidence="national bodies; a place named only in passing")
    name = g.path_name(anchor)
    below_anchor = self_level is not None and LEVEL_RANK[self_level] > LEVEL_RANK[anchor.level]
    same_level_superior = (self_level == anchor.level and anchor in superiors and evidence[anchor] <= 3)
    if below_anchor or same_level_superior:
        return Jurisdiction(f"{name}X{suffix}", None, self_level, hidden=True, parent_code=anchor.code,
                            evidence=f"{why[anchor]}; the issuer speaks as {self_level} below it")
    return Jurisdiction(name, anchor.code, anchor.level, parent_code=anchor.parent, evidence=why[anchor])


def _title_place(g: Gazetteer, title: str | None, text: str) -> Jurisdiction | None:
    """A local regulation is titled by the place that enacts it (临沂市烟花爆竹燃放管理条例,
    山东省青岛市…办法); districts its articles name lie within that place, they do not
    issue it. A law of the state is titled 中华人民共和国…."""
    if not title:
        return None
    title = re.sub(r"^(?:中共|中国共产党)", "", title)
    if title.startswith(_cues()["state_title"]):
        return Jurisdiction("全国", None, "national", evidence=f"title {title}")
    place, pos = None, 0
    for start, end, name in g.find(title):
        if start != pos:
            break
        place, pos = _pick(g, name, text), end
    if place is None or _cues()["hidden"].match(title, pos - 1 if pos else 0):
        return None
    return Jurisdiction(g.path_name(place), place.code, place.level, parent_code=place.parent,
                        evidence=f"title {title}")


def _pick(g: Gazetteer, name: str, text: str) -> Place:
    """Among places sharing a name, the one whose ancestors the text also names."""
    cands = g.by_name[name]
    if len(cands) == 1:
        return cands[0]
    return max(cands, key=lambda p: sum(a.name in text for a in g.ancestors(p)))


def _anchor(g: Gazetteer, evidence: Counter) -> Place:
    """The most specific place on the best-supported line of descent."""
    def support(p: Place) -> int:
        return evidence[p] + sum(evidence[a] for a in g.ancestors(p))
    best = max(evidence, key=lambda p: (support(p), LEVEL_RANK[p.level]))
    for p in sorted(evidence, key=lambda p: -LEVEL_RANK[p.level]):
        if best in g.ancestors(p) and evidence[p] >= 2:
            return p
    return best


def _from_doc_number(g: Gazetteer, number: str, text: str) -> Place | None:
    for pattern, rule in _cues()["prefixes"]:
        m = pattern.match(number)
        if not m:
            continue
        if rule["national"]:
            return None
        if rule["special"]:
            return g.by_name[rule["special"]][0]
        if rule["province_abbr"]:
            return g.by_code.get(g.province_abbr[m.group("prov")])
        if rule["city_abbr"]:
            cands = [p for ps in g.by_name.values() for p in ps
                     if p.level == "prefecture" and p.name.startswith(m.group("city")) and p.name.endswith("市")]
            named = [p for p in cands if p.name in text or p.name[:-1] in text]
            if len(cands) == 1 or len(named) == 1:
                return (named or cands)[0]
    return None


def _self_level(text: str, meta: DocumentMeta) -> tuple[str | None, str, str | None]:
    c = _cues()
    hidden = c["hidden"].search(text)
    hidden_name = hidden.group(0) if hidden else None
    if hidden_name:
        hidden_name = re.sub(r"^(?:XX|XXX|\*+|某)", "X", hidden_name)
    counts = Counter()
    suffixes = {}
    for pattern, level, suffix in c["self"]:
        n = len(pattern.findall(text))
        if n:
            counts[level] += n
            suffixes.setdefault(level, suffix)
    if hidden:
        level = {"省": "province", "市": "prefecture", "州": "prefecture", "县": "county", "区": "county",
                 "镇": "town", "乡": "town"}[hidden.group("suffix")]
        counts[level] += 5
        suffixes[level] = hidden.group("suffix")
    if not counts:
        return None, "", hidden_name
    level = max(counts, key=lambda lv: (counts[lv], LEVEL_RANK[lv]))
    return level, suffixes[level], hidden_name
