"""Group provisions of different documents that answer one question.

Provisions share an `indicator` when they govern the same thing: the curated
vocabulary gives most; sanctions that name their conduct are grouped by the
similarity of their conducts (IDF-weighted content words, average linkage inside
blocks of one measure); other labels by the similarity of the labels themselves.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

SIMILARITY = 0.6  # bigram Jaccard of generated labels that counts as the same indicator


def unit_of_comparison(record: dict) -> tuple:
    """A document, or one part (第X篇) of a compilation: provisions of one unit are one voice."""
    head = (record.get("section") or "").split(" > ")[0]
    return record["doc"], head if head.startswith("第") and head.endswith("篇") else ""


def align_indicators(records: list[dict]) -> list[dict]:
    """Give provisions the curated vocabulary did not label a shared label when their
    own labels are alike (same kind and unit, bigram Jaccard ≥ 0.6) across documents."""
    mapping = label_alignment((r["kind"], r.get("unit"), r.get("sanction"), r.get("indicator"), unit_of_comparison(r))
                              for r in records)
    for r in records:
        key = (r["kind"], r.get("unit"), r.get("sanction"), r.get("indicator"))
        if key in mapping:
            r["indicator"] = mapping[key]
    return records


def label_alignment(items) -> dict[tuple, str]:
    """(kind, unit, sanction, label) -> the shared label, computed over distinct labels
    (not records), so it stays cheap and small however large the corpus. Sanction labels
    that name a conduct are grouped by their conduct (conduct_alignment); the others by
    the similarity of the labels themselves."""
    from extractors.conducts import parse_label
    from extractors.indicators import is_curated

    units: dict[tuple, set] = defaultdict(set)
    conducts: dict[tuple, set] = defaultdict(set)
    curated: dict[str, set] = defaultdict(set)  # a curated sanction label -> its units
    for kind, unit, sanction, label, where in items:
        if not label:
            continue
        if kind == "sanction" and parse_label(label):
            conducts[(kind, unit, sanction, label)].add(where)
        elif not is_curated(label):
            units[(kind, unit, sanction, label)].add(where)
        elif kind == "sanction":
            curated[label].add(where)
    groups: list[list[tuple]] = []
    for key in sorted(units, key=lambda k: (-len(units[k]), str(k))):
        for g in groups:
            head = g[0]
            if head[:3] == key[:3] and _similar(head[3], key[3]) >= SIMILARITY:
                g.append(key)
                break
        else:
            groups.append([key])
    mapping = {}
    for g in groups:
        where = set().union(*(units[k] for k in g))
        if len(g) > 1 and len(where) > 1:
            for k in g:
                mapping[k] = g[0][3]
    mapping.update(conduct_alignment(conducts, curated))
    return mapping


@dataclass
class _Conduct:
    key: tuple  # (kind, unit, sanction, label)
    units: set
    block: tuple  # (sanction, measure, distinguishing tiers): only equal blocks group
    core: str  # the conduct without its escalations
    tiers: tuple[str, ...]
    bearer: str | None
    vector: dict[str, float] = field(default_factory=dict)


def conduct_alignment(conducts: dict[tuple, set], curated: dict[str, set] | None = None) -> dict[tuple, str]:
    """Group sanction labels of different units whose conducts are alike.

    A conduct is an IDF-weighted set of its content words (extractors/conducts.py, idf over
    the units compared). Only labels of one block (sanction type, measure name and the
    escalations that distinguish it) are compared, and within a block only pairs that
    share a word (an inverted index), so the cost follows the number of similar pairs,
    not the square of the labels. Pairs are merged best first (single linkage above
    CONDUCT_SIMILARITY) while a group holds at most one label per unit and one bearer:
    two provisions of one document are two questions. A label alike to none elsewhere
    is compared under its measure alone when other units state that measure without a
    conduct (they could be the same question), else keeps its own label."""
    from extractors.conducts import SEP, conduct_tokens, parse_label, split_tiers
    from extractors.indicators import measure_only

    curated = curated or {}
    items: list[_Conduct] = []
    for key, where in sorted(conducts.items(), key=lambda kv: str(kv[0])):
        parsed = parse_label(key[3])
        core, tiers = split_tiers(parsed.conduct)
        items.append(_Conduct(key, set(where), (key[2], parsed.measure), core, tiers, parsed.bearer))
    # an escalation is part of the question only where the same unit also punishes the
    # conduct without it by the same measure
    present = {(w, c.block, c.core, c.tiers) for c in items for w in c.units}
    for c in items:
        kept = tuple(t for i, t in enumerate(c.tiers)
                     if any((w, c.block, c.core, c.tiers[:i]) in present for w in c.units))
        c.block = c.block + (kept,)
    # tf-idf over the units compared
    tokens = [conduct_tokens(c.core) for c in items]
    # a word's document frequency counts the units that use it, each once (counting its
    # labels instead made the words of every unit the heaviest)
    seen: dict[str, set] = defaultdict(set)
    for c, toks in zip(items, tokens):
        for t in set(toks):
            seen[t] |= c.units
    df = {t: len(u) for t, u in seen.items()}
    n = len(set().union(*(c.units for c in items))) if items else 0
    for c, toks in zip(items, tokens):
        # a word counts once: a list of duties repeating 禁止吸烟场所 is not thereby
        # closer to 在禁止吸烟场所吸烟
        # and a word of every unit (吸烟 in smoking bans) says little about which question
        v = {t: math.log((1 + n) / (1 + df[t])) + IDF_FLOOR for t in set(toks)}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        c.vector = {t: x / norm for t, x in v.items()}
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(items):
        blocks[c.block].append(i)
    parent = list(range(len(items)))
    members: dict[int, set] = {i: set(c.units) for i, c in enumerate(items)}
    bearer: dict[int, str | None] = {i: c.bearer for i, c in enumerate(items)}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cluster: dict[int, list[int]] = {i: [i] for i in range(len(items))}
    for ids in blocks.values():
        edges = _similar_pairs(items, ids)
        sims = {(i, j): d for d, i, j in edges}
        for sim, i, j in sorted(edges, reverse=True):
            a, b = find(i), find(j)
            if a == b or members[a] & members[b]:
                continue
            if bearer[a] and bearer[b] and bearer[a] != bearer[b]:
                continue
            # average linkage: a long list of duties that shares a word with each of two
            # unrelated conducts does not chain them into one group
            cross = [sims.get((min(x, y), max(x, y)), 0.0) for x in cluster[a] for y in cluster[b]]
            if sum(cross) / len(cross) < CONDUCT_SIMILARITY:
                continue
            parent[b] = a
            cluster[a] += cluster.pop(b)
            members[a] |= members.pop(b)
            bearer[a] = bearer[a] or bearer.pop(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        groups[find(i)].append(i)
    mapping: dict[tuple, str] = {}
    taken = set(curated)
    for root, ids in sorted(groups.items(), key=lambda g: str(items[g[1][0]].key)):
        if len(ids) == 1:
            c = items[ids[0]]
            alone = measure_only(c.key[2])
            if alone in curated and curated[alone] - c.units:
                mapping[c.key] = alone
            continue
        rep = min((items[i] for i in ids), key=lambda c: (len(c.core), c.core))
        kept = rep.block[2]
        head = re.split(r"[,，;；]", rep.core)[0][:30]
        label = None
        for conduct in (head, rep.core):
            cand = SEP.join([conduct + "".join(kept), rep.block[1]] + ([bearer[root]] if bearer.get(root) else []))
            if cand not in taken:
                label = cand
                break
        label = label or f"{cand}#{len(taken)}"
        taken.add(label)
        for i in ids:
            mapping[items[i].key] = label
    return mapping


IDF_FLOOR = 1.0  # the weight left to a word every unit uses (smoothed idf: log((1+n)/(1+df)) + 1)
CONDUCT_SIMILARITY = 0.15  # tf-idf cosine of two conducts that counts as one question
_POSTINGS_CAP = 400  # a word in more labels of a block than this proposes no pairs


def _similar_pairs(items: list[_Conduct], ids: list[int]) -> list[tuple[float, int, int]]:
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
            if d >= CONDUCT_SIMILARITY and not (items[i].units & items[j].units):
                out.append((d, i, j))
    return out


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[^\u4e00-\u9fff\w]", "", s)
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def _similar(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x | y else 0.0
