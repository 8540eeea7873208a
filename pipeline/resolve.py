"""Which jurisdiction issued a document, or each part of a compilation.

Evidence, strongest first: the title (a local regulation is titled by its place: 青岛市控制
吸烟条例; a state law or regulation names none: 烟花爆竹安全管理条例 is 全国), the issuer's
name, the document number's prefix (京政发 -> 北京市, 梅市组通 -> 梅州市), place names in
the text, and how the issuer speaks of itself (本市, 全县). Places the text names as objects
never issue it: a road or product named after a place (西藏牦牛), the districts a scope
clause lists (they tell of the place above them), a document cited (参照《上海市…》);
those named as superiors (根据宜春市委下发的标准) sit above the issuer. When the issuer's
own level lies below every named place, its name is hidden: 江西省宜春市X市.
Codes come from GB/T 2260 data shipped in the cpca package; nothing is fetched.
"""
from __future__ import annotations

import csv
import bisect
import importlib.resources
import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from models.language_data import Jurisdictions, load
from models.records import DocumentMeta, Jurisdiction, Segmentation

log = logging.getLogger(__name__)
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
        for short, code in [*data.province_short.items(), *data.economic_zones.items()]:
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
        "title_lead": re.compile(d.title_lead),
        "national_genre": re.compile(d.national_genre),
        "regions": [(m.region, re.compile(m.pattern)) for m in d.region_markers],
        "word_runs_on": re.compile(d.word_runs_on),
        "generic": frozenset(d.generic_names),
        "thing_after": re.compile(d.named_thing_after),
        "thing_before": re.compile(d.named_thing_before),
        "cited_title": re.compile(d.cited_title),
        "peer_before": re.compile(d.peer_before),
        "within_before": re.compile(d.within_before),
        "list_joiner": re.compile(d.list_joiner),
        "list_before": re.compile(d.list_before),
        "list_after": re.compile(d.list_after),
    }


@lru_cache(maxsize=1)
def _words():
    """A jieba tokenizer of its own (no user dictionary), so that where a word starts does
    not depend on what else the process has loaded."""
    import jieba

    jieba.setLogLevel(60)
    return jieba.Tokenizer()


def resolve_jurisdictions(seg: Segmentation, meta: DocumentMeta, parts: list[DocumentMeta]) -> list[tuple[int, int, Jurisdiction | None]]:
    """(start, end, jurisdiction) for the document, or for each part of a compilation."""
    text = seg.text.text
    units = [(p.span[0], p.span[1], p) for p in parts] or [(0, len(text), meta)]
    out = [(s, e, resolve_unit(text[s:e], m)) for s, e, m in units]
    for s, e, j in out:
        log.debug("%s [%d, %d): %s (%s)", seg.text.source.name, s, e, j.name if j else None, j.evidence if j else "")
    return out


def resolve_unit(text: str, meta: DocumentMeta) -> Jurisdiction | None:
    g, c = gazetteer(), _cues()
    evidence: Counter[Place] = Counter()
    superiors: set[Place] = set()
    cited_superiors: list[Place] = []
    why: dict[Place, str] = {}

    def note(place: Place, weight: int, reason: str, superior: bool = False) -> None:
        evidence[place] += weight
        why.setdefault(place, reason)
        if superior:
            superiors.add(place)

    self_level, suffix, hidden_name = _self_level(text, meta)
    titled = _title_place(g, meta.title, text, self_level)
    if titled is not None:
        return titled
    if meta.issuer:
        for _, _, name in g.find(meta.issuer):
            note(_pick(g, name, text), 10, f"issuer {meta.issuer}")
    own = _from_doc_number(g, meta.doc_number, text) if meta.doc_number else None
    if own is not None:
        note(own, 6, f"document number {meta.doc_number}")
    for m in c["doc_number"].finditer(text):
        place = _from_doc_number(g, m.group(0), text)
        if place is not None and m.group(0) != meta.doc_number:
            note(place, 3, f"document number {m.group(0)}")
    for start, end, name, role in _mentions(g, text, self_level):
        if role == "within":  # one of the issuer's own places: evidence of those above it,
            # whichever of the places so named it is (东城区、西城区、朝阳区 agree on 北京市)
            for a in {a for p in g.by_name[name] for a in g.ancestors(p) if a.level != "national"}:
                note(a, 1, f"above {name}, named within the issuer")
        elif role == "cited superior":
            cited_superiors.append(_pick(g, name, text))
        elif role in ("named", "superior"):
            note(_pick(g, name, text), 1, f"named in text: {name}", role == "superior")
    if not evidence:
        if hidden_name:
            return Jurisdiction(hidden_name, None, self_level or "prefecture", hidden=True, evidence="hidden name")
        above = [p for p in cited_superiors if self_level and not _speaks_as(p, self_level, suffix)
                 and LEVEL_RANK[self_level] > LEVEL_RANK[p.level]]
        if above:
            p = above[0]
            return Jurisdiction(f"{g.path_name(p)}X{suffix}", None, self_level, hidden=True, parent_code=p.code,
                                evidence=f"cites its superior {p.name}; the issuer speaks as {self_level} below it")
        region = _region(g, text)
        if region is not None:
            return _jurisdiction(g, region, "the region's institutions, no place named")
        if c["national"].search(text) and not self_level:
            return Jurisdiction("全国", None, "national", evidence="national bodies, no place named")
        if self_level:
            return Jurisdiction(f"X{suffix}", None, self_level, hidden=True,
                                evidence=f"the issuer speaks as {self_level}; its place is not named")
        return None
    anchor = _anchor(g, evidence)
    if self_level is not None and LEVEL_RANK[anchor.level] > LEVEL_RANK[self_level]:
        # the text names places below the one it speaks as (本市 … 长清区): that one is the issuer
        up = [a for a in g.ancestors(anchor) if a.level == self_level or _speaks_as(a, self_level, suffix)]
        if up:
            anchor = up[-1]
            why.setdefault(anchor, f"above places it names, speaking as {self_level}")
    if evidence[anchor] <= 1 and len(c["national"].findall(text)) >= 2 and not self_level:
        return Jurisdiction("全国", None, "national", evidence="national bodies; a place named only in passing")
    name = g.path_name(anchor)
    below_anchor = (self_level is not None and LEVEL_RANK[self_level] > LEVEL_RANK[anchor.level]
                    and not _speaks_as(anchor, self_level, suffix))
    same_level_superior = (self_level == anchor.level and anchor in superiors and evidence[anchor] <= 3)
    if below_anchor or same_level_superior:
        return Jurisdiction(f"{name}X{suffix}", None, self_level, hidden=True, parent_code=anchor.code,
                            evidence=f"{why[anchor]}; the issuer speaks as {self_level} below it")
    return _jurisdiction(g, anchor, why[anchor])


def _jurisdiction(g: Gazetteer, place: Place, evidence: str) -> Jurisdiction:
    """The place with its name path from the province down and the code of the nearest
    place above it that has one (北京市东城区 -> 110000: 110100 市辖区 is no place)."""
    above = g.ancestors(place)
    return Jurisdiction(g.path_name(place), place.code, place.level,
                        parent_code=above[-1].code if above else None, evidence=evidence)


def _place_level(g: Gazetteer, name: str, text: str) -> str:
    return _pick(g, name, text).level


def _speaks_as(place: Place, level: str, suffix: str) -> bool:
    """A place speaking of itself with a lower level's word: a municipality says 本市
    (北京市 is a province), an autonomous region 全区."""
    return LEVEL_RANK[level] > LEVEL_RANK[place.level] and place.name.endswith(suffix) and place.level == "province"


def _region(g: Gazetteer, text: str) -> Place | None:
    for region, pattern in _cues()["regions"]:
        if pattern.search(text):
            return g.by_name[region][0]
    return None


def _title_place(g: Gazetteer, title: str | None, text: str, self_level: str | None) -> Jurisdiction | None:
    """A local regulation is titled by the place that enacts it (临沂市烟花爆竹燃放管理条例,
    山东省青岛市…办法); districts its articles name lie within that place, they do not
    issue it. A law of the state is titled 中华人民共和国…; a State Council regulation
    names no place at all (城镇燃气管理条例)."""
    if not title:
        return None
    c = _cues()
    title = title.strip()
    if title.startswith(c["state_title"]):
        return Jurisdiction("全国", None, "national", evidence=f"title {title}")
    lead = c["title_lead"].match(title)
    body = title[lead.end():] if lead else title
    place, pos = None, 0
    for start, end, name in g.find(body):
        if start != pos or c["thing_after"].match(body[end:end + 8]):
            break
        place, pos = _pick(g, name, text), end
    if place is None:
        if c["hidden"].match(body) or not c["national_genre"].search(title) or self_level:
            return None
        region = _region(g, text)
        if region is not None:
            return _jurisdiction(g, region, f"title {title} names no place; the region's institutions")
        return Jurisdiction("全国", None, "national", evidence=f"title {title}: a state regulation names no place")
    if c["hidden"].match(body, pos - 1):
        return None
    return _jurisdiction(g, place, f"title {title}")


def _mentions(g: Gazetteer, text: str, self_level: str | None):
    """(start, end, name, role) of each place name in the text. Roles: `named` (evidence
    of the issuer), `superior` (named as the issuer's superior), `within` (the issuer's
    own subdivision or one of a list), `cited superior` (in the title of a superior's
    document), `object` (a thing named after it, a cited or peer document: no evidence)."""
    c = _cues()
    hits = [h for h in g.find(text) if _is_mention(g, text, *h)]
    cited = [(m.start(), m.end()) for m in c["cited_title"].finditer(text)]
    cited_starts = [s for s, _ in cited]
    for i, (start, end, name) in enumerate(hits):
        before = text[max(0, start - 16):start]
        k = bisect.bisect_right(cited_starts, start) - 1
        if k >= 0 and cited[k][0] < start < cited[k][1]:
            lead = text[max(0, cited[k][0] - 16):cited[k][0]]
            superior = c["superior_before"].search(lead) and not c["peer_before"].search(lead)
            yield start, end, name, "cited superior" if superior and start == cited[k][0] + 1 else "object"
            continue
        if i and hits[i - 1][1] == start and not _child_of(g, name, hits[i - 1][2]):
            yield start, end, name, "object"  # 漯河市西城区管委会: a zone of 漯河市, not Beijing's district
            continue
        if (c["thing_after"].match(text[end:end + 8]) or c["thing_before"].search(before)
                or c["peer_before"].search(before)):
            yield start, end, name, "object"
            continue
        joined = ((i > 0 and c["list_joiner"].match(text[hits[i - 1][1]:start]))
                  or (i + 1 < len(hits) and c["list_joiner"].match(text[end:hits[i + 1][0]])))
        listed = joined or c["list_before"].search(text, 0, start) or c["list_after"].match(text[end:end + 4])
        below = self_level is None or LEVEL_RANK[_place_level(g, name, text)] > LEVEL_RANK[self_level]
        if below and (listed or c["within_before"].search(text[max(0, start - 60):start])):
            yield start, end, name, "within"
            continue
        if listed:  # 香港特别行政区、澳门特别行政区居民: places the text speaks of, side by side
            yield start, end, name, "object"
            continue
        superior = bool(c["superior_before"].search(before) or c["superior_after"].match(text[end:end + 6]))
        yield start, end, name, "superior" if superior else "named"


def _child_of(g: Gazetteer, name: str, parent: str) -> bool:
    parents = g.by_name[parent]
    return any(a in parents for p in g.by_name[name] for a in g.ancestors(p))


def _is_mention(g: Gazetteer, text: str, start: int, end: int, name: str) -> bool:
    """A gazetteer name that is a word of the text, not part of one (适应城市, 和县级,
    主城区); a name that is also a common noun only after its parent (阳泉市城区)."""
    c = _cues()
    if c["word_runs_on"].match(text[end:end + 8]):
        return False
    if name in c["generic"]:
        return any(text.endswith(a.name, 0, start) for p in g.by_name[name] for a in g.ancestors(p))
    lo = max(0, start - 6)
    pos, bounds = lo, set()
    for w in _words().lcut(text[lo:start + len(name) + 2], HMM=False):
        bounds.add(pos)
        pos += len(w)
    return start in bounds or start == 0


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
