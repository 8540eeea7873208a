"""Subjects and indicators: who a bound binds, and what it measures, as short labels.

Both come from the clause around the number: the subject is the last noun phrase
ending in an actor head before it; the indicator is the action between the subject
and the number plus what the unit counts (研究基层党建工作 + 次数).
"""
from __future__ import annotations

import re
from functools import lru_cache

from models.language_data import Subjects, load

EVENT_CHARS = 12  # an advance deadline's act, cut to its last words (…暂停供气或者降低燃气压力)
CLAUSE_BREAK = re.compile(r"[。;；!！?？\n]")
STRIP = re.compile(r"[“”\"《》]|\s")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    d = load(Subjects)
    heads = sorted(d.heads, key=len, reverse=True)
    head_re = "|".join(re.escape(h) for h in heads)
    return {
        "subject": re.compile(rf"((?:[\u4e00-\u9fff()“”、]{{0,16}}?)(?:{head_re}))"),
        "lead": re.compile(d.lead_words),
        "predicate": re.compile(d.predicate),
        "label_strip": re.compile(d.label_strip),
        "label_lead": d.label_lead.compiled,
        "label_after": d.label_after.compiled,
        "measure": dict(d.measure_by_unit),
        "event": d.deadline_event.compiled,
        "advance_event": d.advance_event.compiled,
        "advance_condition": d.advance_condition.compiled,
        "event_lead": d.event_lead.compiled,
        "duty_strip": d.duty_strip.compiled,
        "deadline_suffix": d.deadline_suffix,
        "designation": d.date_designation.compiled,
        "duty_modal": d.duty_modal.compiled,
        "chars": d.label_chars,
    }


def find_subject(text: str, sent_start: int, pos: int) -> str | None:
    """The actor nearest before `pos` within the sentence."""
    lx = lexicon()
    window = text[sent_start:pos]
    clauses = re.split(r"[,，:：]", window)
    for clause in reversed(clauses):
        pred = lx["predicate"].search(clause)
        head_zone = clause[:pred.start()] if pred and pred.start() > 0 else clause
        found = None
        for m in lx["subject"].finditer(head_zone):
            found = m.group(1)
        if found:
            found = lx["lead"].sub("", found).strip("、")
            if len(found) >= 2:
                return found
    return None


def indicator_label(text: str, sent_start: int, pos: int, unit: str | None, subject: str | None,
                    end: int | None = None) -> str | None:
    """A short label of what is measured: the action before the number, plus the
    measure its unit counts; where the words before it name nothing (提倡十八周岁至五十五周岁的
    健康公民自愿献血), the words after the bound (text[end:]) that it modifies."""
    lx = lexicon()
    clauses = re.split(r"[,，:：]", text[sent_start:pos])
    window = clauses[-1]
    if not STRIP.sub("", window) and len(clauses) > 1 and clauses[-2].endswith("的"):
        # a tier of a list (道路红线宽度大于五十米的，不低于百分之三十): its condition names it
        return _tier_label(clauses[-2][:-1], unit, lx)
    if subject and subject in window:
        window = window[window.rindex(subject) + len(subject):]
    said = bool(STRIP.sub("", window))  # the clause says something before the number
    window = lx["label_strip"].sub("", window)
    window = lx["label_lead"].sub("", window)
    window = STRIP.sub("", window)
    measure = lx["measure"].get(unit or "", "")
    window = words_within(window, lx["chars"], keep_end=True).lstrip("、")
    # a number that opens its clause (一千平方米以上的，按照…报请审批) is a condition, not
    # the attribute of the words after it
    if not window and said and end is not None and (after := lx["label_after"].match(text, end)):
        window = words_within(STRIP.sub("", after.group("words")), lx["chars"], keep_end=False)
    return (window if window.endswith(measure) else window + measure) if window else None


def _tier_label(condition: str, unit: str | None, lx: dict) -> str | None:
    condition = lx["label_lead"].sub("", STRIP.sub("", condition))
    if len(condition) < 2:
        return None
    measure = lx["measure"].get(unit or "", "")
    return words_within(condition, lx["chars"], keep_end=True) + measure


def deadline_label(text: str, sent_start: int, start: int, end: int, subject: str | None) -> str | None:
    """What is due within a deadline: the action its clause binds (or the next clause's,
    when the deadline ends its own), after the event it runs from (自变更之日起); or the
    name a date is given (每年5月31日为…控制吸烟宣传日)."""
    lx = lexicon()
    named = lx["designation"].match(text, end)
    if named:
        return named.group("name")
    if not lx["duty_modal"].search(text, sent_start, end + 80):
        return None
    clauses = re.split(r"([,，。;；\n])", text[end:end + 80])
    action = lx["duty_strip"].sub("", _without_actor(clauses[0], lx)).strip()
    if len(action) < 2 and len(clauses) > 2:
        action = clauses[2]
        if subject and action.startswith(subject):
            action = action[len(subject):]
        action = lx["duty_strip"].sub("", _without_actor(action, lx)).strip()
    action = STRIP.sub("", action)
    if len(action) < 2 or re.match(r"[\d一二三四五六七八九十〇零]", action):
        return None  # a date or count runs on: narration, not a duty
    quote = text[start:end]
    if re.search(r"[\d一二两三四五六七八九十]", quote) and (quote.endswith("前") or quote.startswith("提前")):
        event = _advance_event(text[sent_start:start], lx)
        head = f"{event}前" if event else ""
    else:
        before = re.split(r"[,，:：;；。]", text[sent_start:start])
        found = lx["event"].search(before[-1])
        if not found and len(before) > 1 and not STRIP.sub("", before[-1]).replace("应当", "").replace("在", ""):
            found = lx["event"].search(before[-2])  # 抢险救灾结束后，应当在三日内告知…
        head = f"{found.group('event')}后" if found else ""
    return head + words_within(action, lx["chars"], keep_end=True) + lx["deadline_suffix"]


def _advance_event(before: str, lx: dict) -> str | None:
    """The act a time before runs to (停业、歇业; 暂停供气或者降低燃气压力), its last words."""
    before = STRIP.sub("", before)
    if m := lx["advance_event"].search(before):
        event = m.group("event")
    elif m := lx["advance_condition"].search(before):
        event = lx["event_lead"].sub("", m.group("condition"), count=1)
    else:
        return None
    actor = lx["subject"].match(event)
    if actor and len(event) - actor.end() >= 2:
        event = event[actor.end():]  # 燃气经营企业停业或者歇业: who stops is the subject's
    event = words_within(event, EVENT_CHARS, keep_end=True).lstrip("、")
    event = re.sub(r"^(?:或者|或|和|及|以及|并)", "", event)
    return event if len(event) >= 2 else None


def names_event(label: str) -> bool:
    """Whether a deadline's label names the event its time runs from (险情消除后备案期限, as
    deadline_label writes it): a time counted from the end of an emergency and one counted
    from the felling are two questions, though both are 报告 or 备案."""
    head = label[:-len(lexicon()["deadline_suffix"])]
    return "后" in head or "前" in head


def _without_actor(clause: str, lx: dict) -> str:
    """The clause without the actor that opens it before its modal (险情消除后五个工作日内，砍伐
    单位应当向…备案): who acts is the subject's, not the duty's."""
    m = lx["subject"].match(clause)
    if m and lx["duty_modal"].match(clause, m.end()):
        return clause[m.end():]
    return clause


def words_within(phrase: str, chars: int, keep_end: bool) -> str:
    """At most `chars` characters of `phrase`, cut between jieba words, never inside one:
    its end (what a number measures, and the verb of an action, come last) or its start."""
    if len(phrase) <= chars:
        return phrase
    from extractors.conducts import segmenter

    words = segmenter().lcut(phrase)
    out: list[str] = []
    for w in (reversed(words) if keep_end else words):
        if out and sum(map(len, out)) + len(w) > chars:
            break
        out.append(w)
    return "".join(reversed(out) if keep_end else out)
