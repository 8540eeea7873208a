"""The conduct a sanction punishes, as a label and as comparable content words.

A sanction's indicator names the conduct, the measure and who bears it
(`在禁止吸烟场所吸烟·罚款·个人`): the fines of two cities compare only when they punish
the same conduct. Cities word one conduct differently (禁止吸烟场所 / 禁烟区域 /
禁止吸烟的公共场所; 吸烟 / 抽烟 / 吸菸), so the comparison stage (pipeline/compare.py)
compares conducts by their content words after the thesaurus of data/conducts.yaml
has mapped variant wordings onto one canonical form.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.references import KIND_MARK, grammar
from models.language_data import Conducts, load

SEP = "·"


@dataclass(frozen=True)
class Thesaurus:
    measures: dict[str, str]
    measure_alone: frozenset[str]
    escalation_kept: frozenset[str]  # measures whose escalations are always part of the question
    quote_measures: tuple[tuple[str, str, re.Pattern], ...]  # (sanction, name, pattern)
    tiers: re.Pattern  # a trailing `,tier` of a conduct
    variants: re.Pattern  # any variant wording, longest first
    canonical: dict[str, tuple[str, ...]]  # variant -> its canonical words
    stopwords: frozenset[str]
    actor_words: re.Pattern
    bearers: tuple[tuple[str, re.Pattern], ...]
    doer: re.Pattern
    actor_lead: re.Pattern
    offender: re.Pattern
    setting: re.Pattern  # a clause that only says where or when
    manner: re.Pattern  # a leading 擅自 / 未经…批准: how an act is done, not what


@dataclass(frozen=True)
class SanctionLabel:
    """A sanction label read back: `conduct·measure` or `conduct·measure·bearer`."""

    conduct: str
    measure: str
    bearer: str | None


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    d = load(Conducts)
    canonical = {w: tuple(c.split("+")) for c, words in d.synonyms.items() for w in words}
    variants = re.compile("|".join(map(re.escape, sorted(canonical, key=len, reverse=True))))
    escalation = grammar().escalation.pattern.removeprefix("^").removesuffix("$")
    tiers = re.compile(rf"[,，;；]\s*((?:{escalation})的?)$")
    return Thesaurus(dict(d.measures), frozenset(d.measure_alone), frozenset(d.escalation_kept), tuple((q.sanction, q.name, q.re.compiled) for q in d.quote_measures),
                     tiers, variants, canonical, frozenset(d.stopwords), d.actor_words.compiled,
                     tuple((k, v.compiled) for k, v in d.bearers.items()), d.doer.compiled, d.actor_lead.compiled,
                     d.offender.compiled, d.setting.compiled, d.manner.compiled)


def measure_name(sanction: str | None, quote: str = "") -> str | None:
    """The measure's readable name; a quote-specific one (追究刑事责任) first."""
    t = thesaurus()
    for s, name, pattern in t.quote_measures:
        if s == sanction and pattern.search(quote or ""):
            return name
    return t.measures.get(sanction or "")


def conduct_of(condition: str | None, target: str | None) -> str | None:
    """The punished conduct: the condition, else a target that is the doer (…吸烟者)."""
    if condition and condition.strip():
        return re.sub(r"\s+", "", condition).strip(",，;；")
    m = thesaurus().doer.match(target or "")
    return m.group("conduct") if m else None


def offender_of(context: str) -> str | None:
    """The actor of the last clause of `context` that opens with who breaks a rule
    (X违反本条例…规定): the offender the sanctions after it bind."""
    actors = [m.group("actor").strip() for m in thesaurus().offender.finditer(context or "")]
    actors = [a for a in actors if a.lstrip("对")]
    return actors[-1] if actors else None


def bearer_of(target: str | None, conduct: str | None, offender: str | None = None) -> str | None:
    """单位 or 个人 (the classes of the data): from the target (对X处…), else the actor
    opening the conduct, else the offender of the rule the sanction enforces."""
    t = thesaurus()
    candidates = [target or ""]
    m = t.actor_lead.match(conduct or "")
    if m:
        candidates.append(m.group("actor"))
    candidates.append(offender or "")
    for c in candidates:
        c = re.split(r"[、,，;；]|或者|和", c)[-1].strip() if c else ""
        for name, pattern in t.bearers:
            if c and pattern.search(c):
                return name
    return None


def sanction_label(condition: str | None, target: str | None, sanction: str | None, quote: str,
                   offender: str | None = None) -> str | None:
    """`conduct·measure[·bearer]`, or None when the sanction states no conduct."""
    conduct = conduct_of(condition, target)
    measure = measure_name(sanction, quote)
    if not conduct or not measure:
        return None
    bearer = bearer_of(target, conduct, offender)
    return SEP.join([conduct.replace(SEP, ""), measure] + ([bearer] if bearer else []))


def parse_label(label: str) -> SanctionLabel | None:
    """The parts of a label sanction_label built; None for any other label."""
    t = thesaurus()
    parts = label.split(SEP)
    bearer = parts.pop() if len(parts) >= 3 and parts[-1] in dict(t.bearers) else None
    if len(parts) != 2 or parts[1] not in set(t.measures.values()) | {n for _, n, _ in t.quote_measures}:
        return None
    return SanctionLabel(parts[0], parts[1], bearer)


LISTED = re.compile(rf"[,，;；{KIND_MARK}]|(?<=.{{8}})或者(?=.{{6}})")  # where a list of conducts parts


def conduct_kind(conduct: str) -> str:
    """The kind of conduct a whole list's conduct names (references.named_kind), else the
    conduct itself: what the grouping weighs it as."""
    return conduct.split(KIND_MARK, 1)[0]


def first_clause(conduct: str) -> str:
    """The conduct up to its first list break (…燃放烟花爆竹，或者燃放拉炮…): the words the
    grouping weighs as the conduct the article is about."""
    return LISTED.split(conduct, maxsplit=1)[0]


def head_act(clause: str) -> str:
    """The clause without a leading manner of acting without leave (未经批准砍伐树木 ->
    砍伐树木), where an act is left: what the grouping weighs as the conduct's head."""
    m = thesaurus().manner.match(clause)
    rest = clause[m.end():] if m else clause
    return rest if m and conduct_tokens(rest) else clause


def first_conduct(conduct: str) -> str:
    """The first of the conducts a sanction lists, as a label names it. A clause that
    only sets the place or time (在禁止燃放的区域、场所和时间，燃放…) or only cites the
    rule broken (违反本条例第二十条规定，在禁止燃放的区域内燃放…) runs on to the act after it."""
    setting = thesaurus().setting
    start = 0
    for m in LISTED.finditer(conduct):
        piece = conduct[start:m.start()]
        if not setting.search(piece) and conduct_tokens(piece):
            return conduct[:m.start()]
        start = m.end()
    return conduct


def split_tiers(conduct: str) -> tuple[str, tuple[str, ...]]:
    """The conduct without its trailing escalations (`…,拒不改正`, as references.yaml
    `escalation` reads them: one vocabulary for both), and those escalations in order. An
    escalation is part of the question only where the same document punishes the conduct
    without it by the same measure (pipeline/grouping.py); elsewhere it is how that city
    phrases the one fine it has (逾期不改正的,处…罚款)."""
    t = thesaurus()
    tiers: list[str] = []
    while True:
        m = t.tiers.search(conduct)
        if not m or m.start() == 0:
            return conduct, tuple(reversed(tiers))
        tiers.append(re.sub("的$", "", m.group(1)))
        conduct = conduct[:m.start()]


def conduct_tokens(conduct: str) -> list[str]:
    """The conduct's content words: variant wordings as their canonical words, the rest
    segmented by jieba, grammar words, the words naming who acts and punctuation dropped."""
    jieba = segmenter()
    t = thesaurus()
    # the rules a conduct cites say where its duty is written, not what is done: two
    # cities' fines for one conduct cite other article numbers
    conduct = grammar().cited_rule.sub("，", conduct)
    out: list[str] = []
    pos = 0
    for m in list(t.variants.finditer(conduct)) + [None]:
        piece = conduct[pos:m.start() if m else len(conduct)]
        for w in jieba.lcut(piece):
            w = w.strip()
            if w and w not in t.stopwords and not t.actor_words.search(w) and re.search(r"[\u4e00-\u9fff\w]", w):
                out.extend(t.canonical.get(w, (w,)))
        if m:
            out.extend(t.canonical[m.group(0)])
            pos = m.end()
    return out


@lru_cache(maxsize=1)
def segmenter():
    """jieba with the project's user dictionary: the one word segmenter, for the words of
    conducts and of labels (make_nlp loads it before workers fork; the comparison of a
    stored corpus loads it on its own)."""
    import jieba

    from extractors.components import USER_DICT

    jieba.setLogLevel(60)
    if USER_DICT.exists():
        jieba.load_userdict(str(USER_DICT))
    return jieba
