"""Group provisions of different documents that answer one question.

Provisions share an `indicator` when they govern the same thing: the curated
vocabulary gives most; sanctions that name their conduct are grouped by the
similarity of their conducts, and the generated labels of bounds and deadlines by
theirs (IDF-weighted content words, average linkage inside blocks of one measure or
one kind and unit).
"""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field


def unit_of_comparison(record: dict) -> tuple:
    """A document, or one part (第X篇) of a compilation: provisions of one unit are one voice."""
    head = (record.get("section") or "").split(" > ")[0]
    return record["doc"], head if head.startswith("第") and head.endswith("篇") else ""


def align_indicators(records: list[dict], speaks=None) -> list[dict]:
    """Give provisions of different documents that answer one question one label (the
    curated vocabulary's labels stay as they are). Where `speaks` is given, only the
    records it admits are grouped (a copy of a text must not weigh its words twice);
    the copies, holding the same labels, take the same shared ones."""
    mapping = label_alignment((r["kind"], r.get("unit"), r.get("sanction"), r.get("indicator"), unit_of_comparison(r),
                               r.get("cites"), r.get("policy_area")) for r in records if speaks is None or speaks(r))
    for r in records:
        key = label_key(r)
        if key in mapping:
            r["indicator"] = mapping[key]
    return records


def label_key(record: dict) -> tuple:
    """The key label_alignment's mapping is looked up by: (kind, unit, sanction, label, policy area)."""
    return record["kind"], record.get("unit"), record.get("sanction"), record.get("indicator"), record.get("policy_area")


def label_alignment(items) -> dict[tuple, str]:
    """(kind, unit, sanction, label, policy area) -> the shared label, computed over distinct labels
    (not records), so it stays cheap and small however large the corpus. Sanction labels
    that name a conduct are grouped by their conduct (conduct_alignment), generated labels
    of bounds and deadlines by their words (duty_alignment). An item may carry a sixth element, the
    sanction's `cites`: sanctions of one unit that enforce items of one cited paragraph
    answer one question (divided_rule); and a seventh, its document's policy area: labels
    of two areas never group (未经许可经营 of a gas law and of a fireworks law are two questions)."""
    from extractors.conducts import parse_label
    from extractors.indicators import is_curated

    units: dict[tuple, set] = defaultdict(set)
    conducts: dict[tuple, set] = defaultdict(set)
    curated: dict[str, set] = defaultdict(set)  # a curated sanction label -> its units
    divides: dict[tuple, set] = defaultdict(set)  # a conduct label -> (unit, cited paragraph)
    for kind, unit, sanction, label, where, *rest in items:
        if not label:
            continue
        cites, area = (rest + [None, None])[:2]
        key = (kind, unit, sanction, label, area)
        if kind == "sanction" and parse_label(label):
            conducts[key].add(where)
            rule = divided_rule(cites)
            if rule:
                divides[key].add((where, *rule))
        elif not is_curated(label):
            units[key].add(where)
        elif kind == "sanction":
            curated[label].add(where)
    mapping = duty_alignment(units)
    mapping.update(conduct_alignment(conducts, curated, divides))
    return mapping


def duty_alignment(labels: dict[tuple, set]) -> dict[tuple, str]:
    """Group the generated labels of bounds and deadlines (存放烟花爆竹的总量, 变更后备案期限)
    of different units by their content words, as conducts are grouped: blocks of one kind
    and unit, IDF-weighted words, average linkage above DUTY_SIMILARITY, one label per
    unit; a deadline that names the event it runs from only with others that do. The group
    takes its most central label (the shortest, 报告期限, read as the whole group's)."""
    from extractors.subjects import names_event

    items = [_Conduct(key, set(where), key[:3] + key[4:] + (key[0] == "deadline" and names_event(key[3]),), key[3], (), None)
             for key, where in sorted(labels.items(), key=str)]
    _, groups = _group_alike(items, DUTY_SIMILARITY)
    mapping = {}
    for ids in groups.groups().values():
        if len(ids) > 1:
            label = _medoid([items[i] for i in ids]).core
            for i in ids:
                mapping[items[i].key] = label
    return mapping


def divided_rule(cites: str | None) -> tuple[str, frozenset] | None:
    """The paragraph whose items a sanction enforces, and those items (`第十三条 > 第一款`,
    {(五)} for cites `第十三条 > 第一款 > (五)`), when every rule it cites is an item of that one paragraph:
    a penalty list that punishes items (一)–(四) and item (五) of one list of duties
    divides one offence, so its sanctions answer one question."""
    if not cites:
        return None
    heads, cited = set(), set()
    for path in cites.split("; "):
        parts = path.split(" > ")
        if len(parts) < 2 or not re.fullmatch(r"[(（][^)）]+[)）]|[^、]+、", parts[-1]):
            return None
        heads.add(" > ".join(parts[:-1]))
        cited.add(parts[-1])
    return (heads.pop(), frozenset(cited)) if len(heads) == 1 else None


@dataclass
class _Conduct:
    key: tuple  # (kind, unit, sanction, label[, policy area])
    units: set
    block: tuple  # (sanction, measure, distinguishing tiers): only equal blocks group
    core: str  # the conduct without its escalations
    tiers: tuple[str, ...]
    bearer: str | None
    vector: dict[str, float] = field(default_factory=dict)
    divides: set = field(default_factory=set)  # (unit, cited paragraph, cited items)


class _Groups:
    """Labels in groups: each label's group, and per group its members, units and bearer.
    A label can leave its group again (eject) when a better one claims its unit."""

    def __init__(self, items: list[_Conduct]):
        self.items = items
        self.owner = list(range(len(items)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(items))}
        self.units: dict[int, set] = {i: set(c.units) for i, c in enumerate(items)}
        self.bearer: dict[int, str | None] = {i: c.bearer for i, c in enumerate(items)}
        self.vsum: dict[int, Counter] = {}  # per group, the sum of its members' vectors (made on demand)

    def find(self, i: int) -> int:
        return self.owner[i]

    def compatible(self, a: int, b: int, same_unit_ok: bool = False) -> bool:
        """Two groups may merge: another unit each (or one rule divided), one bearer."""
        if a == b or (not same_unit_ok and self.units[a] & self.units[b]):
            return False
        return not (self.bearer[a] and self.bearer[b] and self.bearer[a] != self.bearer[b])

    def vector_sum(self, a: int) -> Counter:
        if a not in self.vsum:
            total: Counter = Counter()
            for x in self.members[a]:
                total.update(self.items[x].vector)
            self.vsum[a] = total
        return self.vsum[a]

    def linkage(self, a: int, b: int) -> float:
        """The mean cosine over all pairs of the two groups' members (average linkage),
        exactly and cheaply: the dot product of their vector sums over the pair count."""
        va, vb = self.vector_sum(a), self.vector_sum(b)
        if len(va) > len(vb):
            va, vb = vb, va
        return sum(x * vb[t] for t, x in va.items() if t in vb) / (len(self.members[a]) * len(self.members[b]))

    def merge(self, a: int, b: int) -> None:
        if a in self.vsum or b in self.vsum:
            self.vsum[a] = self.vector_sum(a) + self.vector_sum(b)
            self.vsum.pop(b, None)
        for x in self.members[b]:
            self.owner[x] = a
        self.members[a] += self.members.pop(b)
        self.units[a] |= self.units.pop(b)
        self.bearer[a] = self.bearer[a] or self.bearer.pop(b)

    def eject(self, i: int) -> None:
        a = self.owner[i]
        if len(self.members[a]) == 1:
            return
        rest = [x for x in self.members[a] if x != i]
        del self.members[a], self.units[a], self.bearer[a]
        self.vsum.pop(a, None)
        root = rest[0]
        for x in rest:
            self.owner[x] = root
        self.members[root] = rest
        self.units[root] = set().union(*(self.items[x].units for x in rest))
        self.bearer[root] = next((self.items[x].bearer for x in rest if self.items[x].bearer), None)
        self.owner[i] = i
        self.members[i], self.units[i], self.bearer[i] = [i], set(self.items[i].units), self.items[i].bearer

    def groups(self) -> dict[int, list[int]]:
        return {root: sorted(ids) for root, ids in self.members.items()}


def conduct_alignment(conducts: dict[tuple, set], curated: dict[str, set] | None = None,
                      divides: dict[tuple, set] | None = None) -> dict[tuple, str]:
    """Group sanction labels of different units whose conducts are alike.

    A conduct is an IDF-weighted set of its content words (extractors/conducts.py, idf over
    the units compared). Only labels of one block (sanction type, measure name and the
    escalations that distinguish it) are compared, and within a block only pairs that
    share a word (an inverted index), so the cost follows the number of similar pairs,
    not the square of the labels. Steps: alike pairs merge best first under average
    linkage while a group holds one label per unit and one bearer, then reconcile
    (_alike); a label left alone joins the group of a label of its unit that punishes
    other items of the same cited list (_divided); a label moves to the group its own
    conduct's other measures point to (_by_siblings); then labels (_labels)."""
    items = _conduct_items(conducts, divides or {})
    blocks, groups = _group_alike(items, CONDUCT_SIMILARITY)
    _divided(items, groups)
    _by_siblings(items, blocks, groups)
    return _labels(items, groups, curated or {})


def _group_alike(items: list[_Conduct], threshold: float) -> tuple[dict[tuple, list[int]], _Groups]:
    """The items weighed, their blocks, and their groups after alike ones merged per block."""
    _weigh(items)
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(items):
        blocks[c.block].append(i)
    groups = _Groups(items)
    for ids in blocks.values():
        _alike(items, ids, groups, threshold)
    return blocks, groups


def _conduct_items(conducts: dict[tuple, set], divides: dict[tuple, set]) -> list[_Conduct]:
    from extractors.conducts import parse_label, split_tiers, thesaurus

    items: list[_Conduct] = []
    for key, where in sorted(conducts.items(), key=lambda kv: str(kv[0])):
        parsed = parse_label(key[3])
        core, tiers = split_tiers(parsed.conduct)
        items.append(_Conduct(key, set(where), (key[2], parsed.measure), core, tiers, parsed.bearer,
                              divides=set(divides.get(key, ()))))
    # an escalation is part of the question only where the same unit also punishes the
    # conduct without it by the same measure, or where it names the law a referral refers to
    present = {(w, c.block, c.core, c.tiers) for c in items for w in c.units}
    always = thesaurus().escalation_kept
    for c in items:
        kept = tuple(t for i, t in enumerate(c.tiers)
                     if c.key[2] in always or any((w, c.block, c.core, c.tiers[:i]) in present for w in c.units))
        c.block = c.block + (kept,) + tuple(c.key[4:])  # the policy area last, where the key names one
    return items


def _weigh(items: list[_Conduct]) -> None:
    """Each conduct's unit vector of smoothed idf weights over the units compared."""
    from extractors.conducts import conduct_kind, conduct_tokens, first_clause, head_act

    # a conduct that names its kind (损害城市绿化及其设施：在公共绿地内采摘…) is that kind
    tokens = [conduct_tokens(conduct_kind(c.core)) for c in items]
    # the first clause as written, a clause of place or time alone too: reading on to its
    # act (first_conduct, as labels do) measured fireworks 0.830 / 0.804 -> 0.854 / 0.768,
    # gas 0.777 / 0.355 -> 0.774 / 0.349; its manner (擅自, 未经批准) is no part of the head
    heads = [set(conduct_tokens(head_act(first_clause(c.core)))) for c in items]
    # a word's document frequency counts the units that use it, each once (counting its
    # labels instead made the words of every unit the heaviest), among the units of the
    # conduct's policy area: labels of two areas never group, and across a corpus of
    # several, 烟花爆竹 is a rare word that every fireworks conduct would share
    seen: dict[tuple, set] = defaultdict(set)
    units: dict[tuple, set] = defaultdict(set)
    for c, toks in zip(items, tokens):
        area = c.key[4:]
        units[area] |= c.units
        for t in set(toks):
            seen[(area, t)] |= c.units
    for c, toks, head in zip(items, tokens, heads):
        area = c.key[4:]
        n = len(units[area])
        # a word counts once: a list of duties repeating 禁止吸烟场所 is not thereby
        # closer to 在禁止吸烟场所吸烟; a word of every unit says little about which question
        # in sorted order: sums over a set's order (which the hash seed decides) differ in
        # the last bit, and a near tie then fell either way from one run to the next
        v = {t: (math.log((1 + n) / (1 + len(seen[(area, t)]))) + IDF_FLOOR) * (HEAD_WEIGHT if t in head else 1.0)
             for t in sorted(set(toks))}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        c.vector = {t: x / norm for t, x in v.items()}


def _divided(items: list[_Conduct], groups: _Groups) -> None:
    """A label left alone that punishes other items of one cited paragraph than a label
    of its unit in a group, by the same measure (第二十四条(二) for item (五) of
    第十三条第一款, beside (一) for items (一)–(四)), joins that group where it is alike
    to it: one offence divided by its penalty list. Only a label left alone: a list
    whose parts each find their own counterparts (古树名木: its sign, felling it) stays
    divided."""
    rules: dict[tuple, list[tuple[int, frozenset]]] = defaultdict(list)
    for i, c in enumerate(items):
        for where, paragraph, cited in sorted(c.divides, key=str):
            rules[(c.block, where, paragraph)].append((i, cited))
    for labels in rules.values():
        for (i, cited_i), (j, cited_j) in itertools.permutations(labels, 2):
            a, b = groups.find(i), groups.find(j)
            if (len(groups.members[a]) == 1 < len(groups.members[b]) and not cited_i & cited_j
                    and groups.compatible(b, a, same_unit_ok=True) and groups.linkage(b, a) >= CONDUCT_SIMILARITY):
                groups.merge(b, a)


def _alike(items: list[_Conduct], ids: list[int], groups: _Groups, threshold: float) -> None:
    edges = _similar_pairs(items, ids, threshold)
    sims = {(i, j): d for d, i, j in edges}
    _merge_best_first(edges, sims, groups, threshold)
    if _reconcile(items, sims, groups, threshold):
        _merge_best_first(edges, sims, groups, threshold)


def _mean_similarity(sims: dict, xs: list[int], ys: list[int]) -> float:
    """The mean over pairs of xs and ys of their similarity where it reaches the threshold
    (0 below): a rival is kept for the pairs that are alike, not for faint overlaps."""
    if not xs or not ys:
        return 0.0
    cross = [sims.get((min(x, y), max(x, y)), 0.0) for x in xs for y in ys]
    return sum(cross) / len(cross)


def _merge_best_first(edges, sims: dict, groups: _Groups, threshold: float) -> None:
    """Alike pairs merge best first; average linkage, so that a long list of duties that
    shares a word with each of two unrelated conducts does not chain them into one group."""
    for _, i, j in sorted(edges, reverse=True):
        a, b = groups.find(i), groups.find(j)
        if groups.compatible(a, b) and groups.linkage(a, b) >= threshold:
            groups.merge(a, b)


def _reconcile(items: list[_Conduct], sims: dict, groups: _Groups, threshold: float, rounds: int = 5) -> bool:
    """Two alike groups kept apart only because a unit has a label in each (a city that
    fines discharging in a banned area and, apart, in a banned time) merge, unless most
    of their units have a label in each (felling a tree, felling an ancient tree: two
    questions most cities ask apart); in each unit
    they share, the label most alike to the others stays and the rest leave. Best first
    merging alone lets the first pair of a unit's two labels decide."""
    changed = False
    for _ in range(rounds):
        candidates = {tuple(sorted((groups.find(i), groups.find(j)))) for i, j in sims}
        merged_any = False
        for a, b in sorted(candidates):
            if a == b or a not in groups.members or b not in groups.members:
                continue
            shared = groups.units[a] & groups.units[b]
            if not shared or not groups.compatible(a, b, same_unit_ok=True):
                continue
            smaller = min(len(groups.units[a]), len(groups.units[b]))
            if len(shared) > RIVAL_SHARE * smaller:
                continue  # most of their units hold a label in each: two questions, not one
            xs, ys = groups.members[a], groups.members[b]
            pool = xs + ys
            leave = []
            for unit in sorted(shared):
                rivals = [x for x in pool if unit in items[x].units]
                others = [y for y in pool if unit not in items[y].units]
                if not others:
                    leave = pool
                    break
                keep = max(rivals, key=lambda x: (_mean_similarity(sims, [x], others), -x))
                leave += [x for x in rivals if x != keep]
            stay = [x for x in pool if x not in leave]
            if len(stay) <= max(len(xs), len(ys)) or _mean_similarity(sims, [x for x in stay if x in xs],
                                                                     [y for y in stay if y in ys]) < threshold:
                continue
            for x in sorted(set(leave)):
                groups.eject(x)
            a, b = groups.find(stay[0]), next(groups.find(y) for y in stay if groups.find(y) != groups.find(stay[0]))
            groups.merge(a, b)
            merged_any = changed = True
        if not merged_any:
            break
    return changed


class _Siblings:
    """Per label, the groups its conduct's other measures stand in (the same unit and
    conduct in another block, in a group of several): where a city's fine for X stands
    with the other cities' fines for X, its order for X belongs with their orders.
    Answers are kept until the groups change (`changed`)."""

    def __init__(self, items: list[_Conduct], groups: _Groups, blocks: dict[tuple, list[int]]):
        self.items, self.groups, self.blocks = items, groups, blocks
        self.by_conduct: dict[tuple, list[int]] = defaultdict(list)  # (unit, core) -> labels
        for i, c in enumerate(items):
            for w in c.units:
                self.by_conduct[(w, c.core)].append(i)
        self._of: dict[int, frozenset[int]] = {}
        self._index: dict[tuple, dict[int, list[int]]] = {}  # block -> sibling group -> its labels

    def changed(self) -> None:
        self._of.clear()
        self._index.clear()

    def of(self, i: int) -> frozenset[int]:
        if i not in self._of:
            c, groups = self.items[i], self.groups
            self._of[i] = frozenset(groups.find(j) for w in c.units for j in self.by_conduct[(w, c.core)]
                                    if self.items[j].block != c.block and len(groups.members[groups.find(j)]) > 1)
        return self._of[i]

    def votes(self, i: int) -> Counter:
        """Per group of i's block, its members whose siblings stand where i's do."""
        mine = self.of(i)
        if not mine:
            return Counter()
        block = self.items[i].block
        if block not in self._index:
            index: dict[int, list[int]] = defaultdict(list)
            for j in self.blocks[block]:
                for g in self.of(j):
                    index[g].append(j)
            self._index[block] = index
        voters = {j for g in mine for j in self._index[block].get(g, ()) if j != i}
        return Counter(self.groups.find(j) for j in voters)


def _by_siblings(items: list[_Conduct], blocks: dict[tuple, list[int]], groups: _Groups) -> None:
    """A label whose siblings (_Siblings) stand with most members of another group's
    siblings, more than with its own group's, moves to that group. The best supported
    move goes first and each is checked again when its turn comes: where a city's fine
    and order of one conduct landed in two ill-matched groups, the order that twelve
    cities' pairs support moves, and the fine then stays. A label alone (a city's warning
    for X worded unlike the others' warnings) needs only the best support of two."""
    siblings = _Siblings(items, groups, blocks)

    def move(i: int) -> tuple[int, int] | None:
        votes = siblings.votes(i)
        a, c = groups.find(i), items[i]
        b, n = max(votes.items(), key=lambda kv: (kv[1], -kv[0]), default=(None, 0))
        if b is None or b == a or n < 2 or n <= votes.get(a, 0):
            return None
        if len(groups.members[a]) > 1 and n < FOLLOW_SHARE * len(groups.members[b]):
            return None  # leaving a group takes most of the new group's support
        if c.units & groups.units[b] or (c.bearer and groups.bearer[b] and c.bearer != groups.bearer[b]):
            return None
        return n, b

    proposed = [(m[0], i) for i in range(len(items)) if (m := move(i))]
    for _, i in sorted(proposed, key=lambda x: (-x[0], x[1])):
        if m := move(i):
            groups.eject(i)
            groups.merge(m[1], i)
            siblings.changed()


def _medoid(members: list[_Conduct]) -> _Conduct:
    """The member closest to the group's centroid (the shorter on a tie): the wording most
    of the group shares, not the barest one (燃放烟花爆竹 where a citation was left vague)."""
    centroid: Counter = Counter()
    for c in members:
        centroid.update(c.vector)
    return max(members, key=lambda c: (round(sum(x * centroid[t] for t, x in c.vector.items()), 6), -len(c.core), c.core))


def _labels(items: list[_Conduct], groups: _Groups, curated: dict[str, set]) -> dict[tuple, str]:
    """Each group's label: its most central conduct (first clause), measure and bearer."""
    from extractors.conducts import SEP, first_conduct, thesaurus
    from extractors.indicators import measure_only
    from extractors.subjects import words_within

    mapping: dict[tuple, str] = {}
    taken = set(curated)
    for root, ids in sorted(groups.groups().items(), key=lambda g: str(items[g[1][0]].key)):
        if len(ids) == 1:
            c = items[ids[0]]
            alone = measure_only(c.key[2]) if c.key[2] in thesaurus().measure_alone else None
            if alone in curated and curated[alone] - c.units:
                mapping[c.key] = alone
            continue
        rep = _medoid([items[i] for i in ids])
        kept = rep.block[2]
        # the first of listed conducts, at most 30 characters cut between words
        head = words_within(first_conduct(rep.core), 30, keep_end=False).rstrip("、，,")
        # the bearer the members name (a group holds one), if two of them or half do: one
        # member's reading alone (a city's fine read as put on officials) does not
        # relabel every city's fine
        named = Counter(items[i].bearer for i in ids if items[i].bearer)
        bearer, count = named.most_common(1)[0] if named else (None, 0)
        bearer = bearer if count >= 2 or 2 * count >= len(ids) else None
        label = None
        for conduct in (head, rep.core):
            cand = SEP.join([conduct + "".join("," + t for t in kept), rep.block[1]] + ([bearer] if bearer else []))
            if cand not in taken:
                label = cand
                break
        label = label or f"{cand}#{len(taken)}"
        taken.add(label)
        for i in ids:
            mapping[items[i].key] = label
    return mapping


IDF_FLOOR = 1.0  # the weight left to a word every unit uses (smoothed idf: log((1+n)/(1+df)) + 1)
CONDUCT_SIMILARITY = 0.18  # tf-idf cosine of two conducts that counts as one question
FOLLOW_SHARE = 2 / 3  # a label follows its siblings into a group where most members' siblings stand with its own
RIVAL_SHARE = 2 / 3  # groups whose units hold a label in each, in more than this share of the smaller, are two questions
HEAD_WEIGHT = 1.6  # a word of the first listed conduct weighs this much more than the list's other words
DUTY_SIMILARITY = 0.3  # the same for the short labels of bounds and deadlines
_POSTINGS_CAP = 400  # a word in more labels of a block than this proposes no pairs


def _similar_pairs(items: list[_Conduct], ids: list[int], threshold: float) -> list[tuple[float, int, int]]:
    """(cosine, i, j) of labels of different units in one block at or above the threshold,
    found through the words they share."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i in ids:
        for t in items[i].vector:
            postings[t].append(i)
    out = []
    for i in ids:
        dots: Counter = Counter()
        for t, x in items[i].vector.items():
            plist = postings[t]
            if len(plist) > _POSTINGS_CAP:
                continue
            for j in plist:
                if j > i:
                    dots[j] += x * items[j].vector[t]
        for j, d in dots.items():
            if d >= threshold and not (items[i].units & items[j].units):
                out.append((d, i, j))
    return out
