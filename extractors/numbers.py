"""The project's one numeral parser: numbers, percentages, ratios and ranges with spans.

Every extractor that needs a number goes through here, so 两三个, 1.5万元 and 三分之二以上
mean the same thing everywhere. All language data (digits, units, hedges, range and
ratio connectors, comparators, lexical numeral words, skip patterns) lives in
data/numbers.yaml (models/language_data.Numbers) and is compiled once at import.

Design
- Folding: input is folded char-for-char (full-width -> ASCII, traditional -> simplified
  for the characters the data uses) with str.translate, so offsets into the folded text
  are offsets into the caller's text and `Quantity.text` is the caller's own slice.
  Units are reported in their simplified form (3個月 -> unit 个月).
- One master regex finds numeric cores: X分之Y, a:b / a比b, a/b, 过半数/半数/一半, 三成,
  近万/数万/上百 (bare 万 after a hedge), 半 before a time unit, and plain numerals
  (Arabic with thousands separators, decimals and 万/亿 multipliers, or a Chinese run).
  Each core is then extended: prefix hedge (约, 近), infix hedge (余 多 来 几), % or ‰, a
  unit (longest match, with per-unit "not before" guards: 一次性, 三期间), trailing 半/多
  (一年半, 一年多), postfix hedge (左右, 上下). Neighbouring cores joined by a connector
  (至 - — ~) or by 以上…以下 merge into one range, a trailing 万 covering both ends
  (1—2万元); 两三个, 七八十, 十五六 are ranges inside one Chinese run.
- Chinese vs Arabic: Arabic digits always count. A Chinese numeral counts only when it
  is anchored: followed by a unit or %, or part of a fraction/ratio/成/range pattern
  whose other end is anchored. This alone rejects 一般, 统一, 一些, 千万不要. On top of it
  a stoplist of lexical words (十分, 四个意识, 一次性, 两个一百年 ...) blocks a numeral
  that starts inside one of them, unless number+unit runs past the word (十分钟,
  千万元); and a Chinese numeral opening a short quotation is a slogan (“五个必谈”).
- Excluded on purpose: ordinals (a number right after 第: 第一, 第3条 are labels, not
  quantities; ordinal kind is not reported), calendar dates and clock times (2023年,
  3月底, 7、8月份, 9:00 — for a date parser, which can reuse parse_int_zh; so a bare N月
  is a month, N个月 a duration), bare years (2022 with no unit), document numbers,
  attachment and outline labels (附件1, 1、, (1)), standards and model codes (GB/T
  2260-2007, 5G, COVID-19), phone numbers, URLs.
- Values: exact inside (Decimal), float out. Shares use the percent scale: 百分之五 = 5,
  五分之一 = 20, 三成 = 30, 半数 = 50 (kind percent), 1/3 = 33.33 (kind 'fraction', the
  written a/b form); 千分之三 = 3 permille. Ratios give a/b (1:1 -> 1.0). 万/亿 multiply
  into the value and the unit is what follows (3万元 -> 30000, unit 元). Vague Chinese
  ranges (两三个) and hedged numbers are approx.
- Comparators are found separately (find_comparator) because one number may carry a
  prefix word several characters away (至少开展1次) and a postfix word (3次以上).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from models.language_data import Numbers, load

_D: Numbers = load(Numbers)


@dataclass
class Quantity:
    """A numeric expression in a text. `op` is a comparator the words themselves carry
    (过半数 means more than half); comparators around the number come from find_comparator."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str | None
    kind: str  # number | percent | permille | fraction | ratio
    approx: bool
    text: str
    op: str | None = None


class Comparison(NamedTuple):
    """A comparator for a quantity; a tuple (op, start, end) so callers may unpack it."""

    op: str  # >= <= > < range
    start: int
    end: int


# --- folding -------------------------------------------------------------------------

_FOLD_MAP = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
_FOLD_MAP[0x3000] = " "
_FOLD_MAP.update({ord(k): v for k, v in _D.traditional.items()})
_FOLD = str.maketrans(_FOLD_MAP)
_NEEDS_FOLD = re.compile("[" + "".join(re.escape(chr(c)) for c in _FOLD_MAP) + "]")


def _fold(s: str) -> str:
    return s.translate(_FOLD) if _NEEDS_FOLD.search(s) else s  # normalized text rarely needs it


# --- numeral data --------------------------------------------------------------------

def _cls(chars) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


def _alt(words) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


DIGITS: dict[str, int] = dict(_D.digits)
SMALL: dict[str, int] = dict(_D.small_units)
BIG: dict[str, int] = dict(_D.big_units)
_MULT = {**SMALL, **BIG}
_POINT = _D.decimal_point
_PAIRS = set(_D.approx_pairs)

_DIG = _cls(DIGITS)
_DIG19 = _cls(c for c, v in DIGITS.items() if v)
_TEN = _cls(c for c, v in SMALL.items() if v == 10)
_HI = _cls(c for c, v in SMALL.items() if v > 10)
_SU = _cls(SMALL)
_BU = _cls(BIG)
# 三十千克, 一百千米: a 千 before 克/米 is the unit's prefix, as after Arabic digits
_SU_UNIT_GUARDED = "(?:" + "|".join(
    re.escape(c) + (f"(?!{_alt(_D.arabic_multiplier_not_before.get(c, []))})"
                    if _D.arabic_multiplier_not_before.get(c) else "")
    for c in SMALL) + ")"
_CN_RUN = rf"(?:{_DIG}|{_TEN}|{_HI}(?={_BU}))(?:{_DIG}|{_SU_UNIT_GUARDED}|{_BU})*(?:{_POINT}{_DIG}+{_BU}*)?"
_AR = r"(?<![0-9A-Za-z.])(?<![A-Za-z]-)(?>(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?)(?![A-Za-z])"
_AR_HI = "(?:" + "|".join(
    re.escape(c) + (f"(?!{_alt(_D.arabic_multiplier_not_before.get(c, []))})"
                    if _D.arabic_multiplier_not_before.get(c) else "")
    for c in "百千") + ")"
_AR_MULT = rf"(?:[ ]?(?:{_AR_HI}?{_BU}{{1,2}}|{_AR_HI}))?"
_NUM = rf"(?:{_AR}{_AR_MULT}|{_CN_RUN})"

_UNITS: tuple[str, ...] = _D.units
_MAINLAND_UNITS = dict(_D.mainland_units)
_TIME = set(_D.time_units)
_LENGTH = set(_D.length_units)
_HALF_UNITS = _D.half_units


def _unit_pattern(u: str) -> str:
    nb = _D.unit_not_before.get(u)
    return re.escape(u) + (f"(?!{_alt(nb)})" if nb else "")


_UNIT_RE = re.compile("(?:" + "|".join(_unit_pattern(u) for u in sorted(_UNITS, key=len, reverse=True)) + ")")
_GE_UNITS = [u[1:] for u in _UNITS if u.startswith("个") and len(u) > 1 and "百分" not in u]
_GE_INFIX_RE = re.compile(rf"个(?P<h>[多余半])(?P<rest>{_alt(_GE_UNITS)})")
_PCT_KIND = dict(_D.percent_signs)
_PCT_RE = re.compile(r"\s?(?P<s>" + _alt(_PCT_KIND) + ")")

_H = _D.hedges
_PREFIX_HEDGE_RE = re.compile("(?:" + "|".join(f"(?P<h{i}>{p})" for i, p in enumerate(_H.prefix)) + ")$")
_PREFIX_NOT_TIME = {i for i, p in enumerate(_H.prefix)
                    if re.sub(r"^\(\?<!\[[^\]]*\]\)", "", p) in _H.prefix_not_time}
_INFIX_RE = re.compile(_cls(_H.infix))
# First/last characters of the hedge words: a cheap test before each regex call.
_INFIX_CHARS = set(_H.infix)
_PCT_CHARS = set(_PCT_KIND) | {" "}
_POSTFIX_CHARS = {w[0] for w in _H.postfix} | {" "}
_PREFIX_LAST = {p[-1] for p in _H.prefix}
_ROUND_ONLY = set(_H.infix_round_only)
_INFIX_MULT_RE = re.compile(rf"(?:{_HI}?{_BU}|{_SU})")
_HALF_STOP = set(_D.half_after_unit_not_before)
_AFTER_TIME = set(_H.after_time_unit)
_POSTFIX_HEDGE_RE = re.compile(r"\s?(?:" + "|".join(
    re.escape(w) + (f"(?!{_alt(nb)})" if nb else "") for w, nb in _H.postfix.items()) + ")")

_CONN = _alt(_D.range_connectors)
_CONN_RE = re.compile(rf"\s?{_CONN}\s?")
_LOWER_RE = re.compile(_alt(_D.range_lower) + _D.range_lower_sep)
_UPPER_RE = re.compile(_alt(_D.range_upper))
_ORD = set(_D.ordinal_prefix)
_SLOGAN_OPEN, _SLOGAN_CLOSE, _SLOGAN_MAX = _D.slogan_quotes.open, _D.slogan_quotes.close, _D.slogan_quotes.max_len
_BARE_YEAR = re.compile(r"(?:19|20)\d{2}")
# A Chinese numeral followed by none of these can get no unit and join no range, so
# it is dropped before any work (most 一 in running text); one right after a range
# connector may still close a range (百分之五至十).
_CN_FOLLOW = {w[0] for w in [*_UNITS, *_H.infix, *_PCT_KIND, *_D.range_connectors,
                             *_D.range_lower]} | {" "}
_CONN_LAST = {w[-1] for w in _D.range_connectors} | {" "}

_FRAC_BASES = {Decimal(k): (b.kind, b.scale) for k, b in _D.fraction_bases.items()}
_HALF_WORDS = {w: (h.value, h.op) for w, h in _D.half_words.items()}
_BARE = {c: (b.approx, b.op) for c, b in _D.bare_big_after.items()}
_RATIO_CJK = [c for c in _D.ratio_connectors if re.match(r"[\u4e00-\u9fff]", c)]
_RATIO_SYM = [c for c in _D.ratio_connectors if c not in _RATIO_CJK]

# Every core starts with one of these; the lookahead lets the scan skip other
# characters fast (about 3x on Chinese text).
_FIRST = "0-9" + "".join(re.escape(c) for c in {*DIGITS, *_MULT, *(w[0] for w in _HALF_WORDS), "半"})
_MASTER = re.compile(f"(?=[{_FIRST}])(?:" + "|".join([
    rf"(?P<frac>(?P<fden>{_NUM}|{_HI}|{_BU})分之(?P<fnum>{_NUM}|百))",
    rf"(?P<ratio>(?P<ra>{_AR})\s?{_alt(_RATIO_SYM)}\s?(?P<rb>{_AR})(?!\s?{_alt(_RATIO_SYM)}\s?\d)"
    rf"|(?P<rca>{_NUM}){_alt(_RATIO_CJK)}(?P<rcb>{_NUM}))",
    r"(?P<slash>(?<![\d/])(?P<sa>\d{1,3})/(?P<sb>\d{1,4})(?![\d/]))",
    rf"(?<!{_cls(_D.half_words_not_after)})(?P<half>{_alt(_HALF_WORDS)})(?!{_alt(_HALF_UNITS)})",
    rf"(?<!{_cls([*DIGITS, *_MULT])})(?P<cheng>{_DIG19}|(?<![\d.])(?:10|[1-9]))成(?!{_alt(_D.cheng_not_before)})",
    rf"(?<={_cls(_BARE)})" + "".join(f"(?<!{re.escape(w)})" for w in _D.bare_not_after)
    + rf"(?P<bare>(?:{_HI}|{_BU})+)",
    rf"(?<!{_cls(_D.half_not_after)})(?P<semi>半)(?={_alt(_HALF_UNITS)})",
    rf"(?P<num>{_NUM})",
]) + ")")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)")
_AR_FULL = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_AR_SPLIT = re.compile(r"(?P<a>[\d,]+(?:\.\d+)?)(?P<m>.*)")
_CN_DEC = re.compile(rf"(?P<i>.*?){_POINT}(?P<f>{_DIG}+)(?P<m>{_BU}*)")
_TRAIL_BIG = re.compile(rf"(?P<p>.+?)(?P<m>{_BU}+)")
_TOKEN = re.compile(r"(\d+(?:\.\d+)?)|(.)", re.S)

# A flat alternation of literals lets the regex engine scan by first character.
_STOP_RE = re.compile("|".join([re.escape(w) for w in sorted(_D.stoplist, key=len, reverse=True)]
                               + list(_D.stop_patterns)))
_STOP_MAX = max(len(w) for w in _D.stoplist) + 4


def _skip_patterns() -> list[str]:
    pieces = _D.skip_pieces
    return [re.sub(r"\{([A-Z]+)\}", lambda m: pieces[m[1]], p) for p in _D.skip_patterns]


_SKIP_RE = re.compile(f"(?=[0-9A-Za-z{re.escape(''.join(DIGITS) + _D.skip_first_chars)}])(?:"
                      + "|".join(f"(?:{p})" for p in _skip_patterns()) + ")")

_CMP = _D.comparators
_MAX_GAP = _D.max_prefix_gap
_PREFIX_OPS = {c.word: (c.op, _MAX_GAP if c.gap is None else c.gap) for c in _CMP.prefix}
_PREFIX_RE = re.compile(_alt(_PREFIX_OPS))
_PREFIX_WINDOW = _MAX_GAP + max(map(len, _PREFIX_OPS))
_POSTFIX_OPS = {c.word: (c.op, c.time_only) for c in _CMP.postfix}
_POSTFIX_RE = re.compile(r"\s?(?P<w>" + _alt(_POSTFIX_OPS) + ")")
_POSTFIX_WINDOW = 1 + max(map(len, _POSTFIX_OPS))
# What may stand between a prefix comparator and its number: no numeral (another
# quantity) and no punctuation (another clause).
# A share's base may separate its comparator from the number when it ends in 的:
# 不超过本机关参加年度考核人数的20%, 不低于本县（市、区）党组织总数的30%.
_BASE_GAP = 40
_BASE_GAP_OK = re.compile(r"[^\d,.;:!?，。；：！？\n]{1,%d}的" % _BASE_GAP)
_GAP_OK = re.compile(r"[^\d,.;:!?()\[\]，。；：、！？（）《》“”\"'\n" + re.escape("".join([*DIGITS, *_MULT])) + "]*")


# --- values --------------------------------------------------------------------------

def _digit_string(vals: list[int], chars: str) -> Decimal | None:
    if len(vals) == 2 and _is_pair(chars[0], chars[1]):
        return None  # 两三 is 2..3, never 23
    return Decimal("".join(map(str, vals)))


def _is_pair(a: str, b: str) -> bool:
    va, vb = DIGITS.get(a), DIGITS.get(b)
    return bool(va) and bool(vb) and (vb == va + 1 or (a, b) in _PAIRS)


@lru_cache(maxsize=8192)  # the same few numerals recur all through a document
def _value(s: str) -> Decimal | None:
    """Value of one numeral string (folded, no spaces): Arabic, Chinese or mixed."""
    if s.isdigit() and s.isascii():
        return Decimal(s)
    if not s:
        return None
    s = _THOUSANDS.sub(lambda m: m.group().replace(",", ""), s)
    if _AR_FULL.fullmatch(s):
        return Decimal(s.replace(",", ""))
    m = _CN_DEC.fullmatch(s)
    if m:
        whole = _value(m["i"]) if m["i"] else Decimal(0)
        if whole is None:
            return None
        frac = Decimal("0." + "".join(str(DIGITS[c]) for c in m["f"]))
        v = whole + frac
        for c in m["m"]:
            v *= BIG[c]
        return v
    tokens: list[tuple[str, Decimal | int]] = []
    for t in _TOKEN.finditer(s):
        if t.group(1):
            tokens.append(("d", Decimal(t.group(1))))
            continue
        ch = t.group(2)
        if ch in DIGITS:
            tokens.append(("z" if DIGITS[ch] == 0 else "d", DIGITS[ch]))
        elif ch in SMALL:
            tokens.append(("u", SMALL[ch]))
        elif ch in BIG:
            tokens.append(("b", BIG[ch]))
        else:
            return None
    if all(k in "dz" for k, _ in tokens):
        if len(tokens) == 1:
            return Decimal(tokens[0][1])
        if all(c in DIGITS for c in s):  # 二〇一二: year-style digit by digit
            return _digit_string([int(v) for _, v in tokens], s)
        return None
    return _positional(tokens)


def _positional(tokens) -> Decimal | None:
    total = Decimal(0)
    section = Decimal(0)
    num = None
    last_small = None
    last_big = None
    last_unit = None
    zero = False
    for kind, v in tokens:
        if kind == "z":
            if num is not None:
                return None
            zero = True
        elif kind == "d":
            if num is not None:
                return None
            num = v
        elif kind == "u":
            if num is None:
                if v == 10 or last_unit is None:
                    num = 1  # 十五, 百万
                else:
                    return None
            if last_small is not None and v >= last_small:
                return None
            section += num * v
            num, last_small, last_unit, zero = None, v, v, False
        else:
            if num is not None:
                section += num
                num = None
            if section == 0 and (total == 0 or v <= (last_big or 0)):
                return None
            if v == max(BIG.values()):
                total = (total + section) * v
            else:
                if last_big is not None and last_big <= v and section:
                    return None
                total += section * v
            section, last_small, last_big, last_unit, zero = Decimal(0), None, v, v, False
    if num is not None:
        if last_unit and last_unit > 10 and not zero and num == int(num) and 0 < num < 10:
            num = num * last_unit // 10  # 三万五 = 35000, 一百五 = 150
        section += num
    return total + section


def parse_number(s: str) -> float | None:
    """A whole numeric token -> its value: 1,000 / 2.5 / 3万 / 1.5亿 / 三万五千 / 二〇二三."""
    v = _value(_fold(s).strip())
    return None if v is None else float(v)


def parse_int_zh(s: str) -> int | None:
    """Chinese (or Arabic) integer numeral -> int; None when not one integer (两三 is a range)."""
    v = _value(_fold(s).strip())
    if v is None or v != v.to_integral_value():
        return None
    return int(v)


# --- scanning ------------------------------------------------------------------------

@dataclass(slots=True)
class _Atom:
    start: int
    end: int
    base_start: int
    value: Decimal
    value_max: Decimal | None = None
    kind: str = "number"
    unit: str | None = None
    approx: bool = False
    op: str | None = None
    cn: bool = False          # a Chinese numeral: needs an anchor to count
    anchored: bool = False    # unit, %, or a pattern that makes it numeric
    ordinal: bool = False
    year: bool = False
    pre: Decimal | None = None   # value before a trailing 万/亿 (range propagation)
    mult: int | None = None
    bare: bool = True         # no unit, plain number


def _spans(regex: re.Pattern, t: str) -> tuple[list[int], list[tuple[int, int]]]:
    spans = [m.span() for m in regex.finditer(t) if m.end() > m.start()]
    return [s for s, _ in spans], spans


def _inside(starts, spans, pos) -> bool:
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _blocked(starts, spans, cs: int, ce: int) -> bool:
    i = bisect.bisect_right(starts, cs) - 1
    while i >= 0 and spans[i][0] > cs - _STOP_MAX:
        s, e = spans[i]
        if s <= cs < e and (s < cs or ce <= e):
            return True
        i -= 1
    return False


def _round(core: str) -> bool:
    return core[-1:] in SMALL or core[-1:] in BIG or core[-1:] == "0"


def _core(m: re.Match, t: str) -> _Atom | None:
    g = m.lastgroup
    s, e = m.span()
    if g == "num":
        core = m["num"]
        if core.isdigit() and core.isascii():
            return _Atom(s, e, s, Decimal(core), pre=Decimal(core))
        if core[0].isdigit():
            sp = _AR_SPLIT.fullmatch(core)
            pre = _value(sp["a"])
            if pre is None:
                return None
            mult = 1
            for c in sp["m"].strip():
                mult *= _MULT[c]
            return _Atom(s, e, s, pre * mult, pre=pre, mult=mult if sp["m"] else None)
        for i in range(len(core) - 1):
            if (_is_pair(core[i], core[i + 1]) and _POINT not in core
                    and not (len(core) >= 3 and all(c in DIGITS for c in core))):
                lo, hi = _value(core[:i + 1] + core[i + 2:]), _value(core[:i] + core[i + 1:])
                if lo is None or hi is None or lo >= hi:
                    return None
                return _Atom(s, e, s, lo, hi, approx=True, cn=True)
        v = _value(core)
        if v is None:
            return None
        a = _Atom(s, e, s, v, cn=True)
        tb = _TRAIL_BIG.fullmatch(core)
        if tb and (p := _value(tb["p"])) is not None:
            a.pre, a.mult = p, int(v / p) if p else None
        return a
    if g == "frac":
        den, num = _value(m["fden"]), _value(m["fnum"])
        if not den or num is None:
            return None
        base = _FRAC_BASES.get(den)
        if base:
            kind, scale = base
            return _Atom(s, e, s, num * Decimal(str(scale)), kind=kind, cn=True, anchored=True, bare=False)
        return _Atom(s, e, s, num / den * 100, kind="percent", cn=True, anchored=True, bare=False)
    if g == "ratio":
        a, b = (m["ra"], m["rb"]) if m["ra"] else (m["rca"], m["rcb"])
        va, vb = _value(a.replace(",", "")), _value(b.replace(",", ""))
        if va is None or not vb:
            return None
        return _Atom(s, e, s, va / vb, kind="ratio", cn=not m["ra"], anchored=True, bare=False)
    if g == "slash":
        va, vb = Decimal(m["sa"]), Decimal(m["sb"])
        if not vb or va > vb:
            return None
        return _Atom(s, e, s, va / vb * 100, kind="fraction", anchored=True, bare=False)
    if g == "half":
        value, op = _HALF_WORDS[m["half"]]
        return _Atom(s, e, s, Decimal(value), kind="percent", op=op, cn=True,
                     anchored=True, bare=False)
    if g == "cheng":
        return _Atom(s, e, s, _value(m["cheng"]) * 10, kind="percent", cn=True, anchored=True, bare=False)
    if g == "bare":
        v = Decimal(1)
        for c in m["bare"]:
            v *= _MULT[c]
        approx, op = _BARE[t[s - 1]]
        if t[s - 1] not in _PREFIX_OPS:  # 数万, 上百: the hedge is part of the number
            s -= 1
        return _Atom(s, e, s + (t[s] in _BARE), v, approx=approx, op=op, cn=True)
    if g == "semi":
        return _Atom(s, e, s, Decimal("0.5"), cn=True)
    return None


def _unit_at(t: str, pos: int, arabic: bool):
    """(unit, end, hedge) of a unit at pos; hedge is 多/余/半 from 3个多月."""
    p = pos + 1 if arabic and t[pos:pos + 1] == " " else pos
    gm = _GE_INFIX_RE.match(t, p)
    if gm:
        return "个" + gm["rest"], gm.end(), gm["h"]
    um = _UNIT_RE.match(t, p)
    if um:
        return _MAINLAND_UNITS.get(um.group(), um.group()), um.end(), None
    return None


def _extend(t: str, a: _Atom, core: str | None) -> None:
    """Grow a core over its hedges, %, unit and trailing 半/多 (see module docstring)."""
    pos = a.end
    arabic = core is not None and core[0].isdigit()
    if core is not None:
        im = _INFIX_RE.match(t, pos) if t[pos:pos + 1] in _INFIX_CHARS else None
        if im and (im.group() not in _ROUND_ONLY or _round(core)):
            p = im.end()
            mm = _INFIX_MULT_RE.match(t, p)
            mult = 1
            if mm:
                for c in mm.group():
                    mult *= _MULT[c]
                p = mm.end()
            u = _unit_at(t, p, False)
            if u and u[2] is None:
                a.value *= mult
                if a.value_max is not None:
                    a.value_max *= mult
                a.unit, pos, a.approx, a.anchored, a.bare = u[0], u[1], True, True, False
        if a.unit is None:
            pm = _PCT_RE.match(t, pos) if t[pos:pos + 1] in _PCT_CHARS else None
            if pm:
                a.kind, pos, a.anchored, a.bare = _PCT_KIND[pm["s"]], pm.end(), True, False
            else:
                u = _unit_at(t, pos, arabic)
                if u:
                    a.unit, pos, a.anchored, a.bare = u[0], u[1], True, False
                    if u[2] == "半" and a.value_max is None and a.value % 1 == 0:
                        a.value += Decimal("0.5")
                    elif u[2]:
                        a.approx = True
                    elif a.unit in _HALF_UNITS and t[pos:pos + 1] == "半" and t[pos + 1:pos + 2] not in _HALF_STOP:
                        if a.value_max is None and a.value % 1 == 0:
                            a.value += Decimal("0.5")
                            pos += 1
                    elif (a.unit in _TIME and t[pos:pos + 1] in _AFTER_TIME
                          and not _UNIT_RE.match(t, pos + 1)):
                        a.approx = True
                        pos += 1
    hm = _POSTFIX_HEDGE_RE.match(t, pos) if t[pos:pos + 1] in _POSTFIX_CHARS else None
    if hm and (a.anchored or not a.cn):
        a.approx, pos = True, hm.end()
    a.end = pos
    pm = _PREFIX_HEDGE_RE.search(t, max(0, a.start - 4), a.start) if t[a.start - 1:a.start] in _PREFIX_LAST else None
    if pm:
        i = int(pm.lastgroup[1:])
        if not (i in _PREFIX_NOT_TIME and a.unit in _TIME):
            a.approx, a.start = True, pm.start()


def _atoms(t: str) -> list[_Atom]:
    skip_starts, skip = _spans(_SKIP_RE, t)
    stop_starts, stops = _spans(_STOP_RE, t)
    out: list[_Atom] = []
    prev_end = 0
    for m in _MASTER.finditer(t):
        if m.start() < prev_end:  # inside the unit or hedge of the previous number
            continue
        if skip and _inside(skip_starts, skip, m.start()):
            continue
        if (m.lastgroup == "num" and not m["num"][0].isdigit() and t[m.end():m.end() + 1] not in _CN_FOLLOW
                and t[m.start() - 1:m.start()] not in _CONN_LAST):
            continue
        a = _core(m, t)
        if a is None:
            continue
        _extend(t, a, m["num"] or m["bare"] or m["semi"])
        if a.start < prev_end:
            a.start = a.base_start
        if a.cn and stops and _blocked(stop_starts, stops, a.base_start, a.end):
            continue
        if t[a.base_start - 1:a.base_start] in _ORD:
            a.ordinal = True
        elif a.cn and a.kind == "number" and t[a.base_start - 1:a.base_start] in _SLOGAN_OPEN:
            close = t[a.base_start:a.base_start + _SLOGAN_MAX]
            if any(c in close for c in _SLOGAN_CLOSE):
                continue
        if a.bare and not a.cn and _BARE_YEAR.fullmatch(t, a.base_start, a.end):
            a.year = True  # a bare 2022 is a year unless a unit turns up (2000-3000元)
        out.append(a)
        prev_end = a.end
    return out


def _merge(t: str, a: _Atom, b: _Atom) -> _Atom | None:
    """a and b as one range when the text between them makes them one (1至2名, 二百元以上一千元以下)."""
    if a.value_max is not None or b.value_max is not None or a.op or b.op:
        return None
    if a.kind in ("ratio", "fraction") or b.kind in ("ratio", "fraction"):
        return None
    if b.start - a.end > 4:
        return None
    gap = t[a.end:b.start]
    end = b.end
    if _CONN_RE.fullmatch(gap):
        if not (a.bare or b.bare or (a.kind == b.kind and a.unit == b.unit)):
            return None
        if not a.bare and b.bare and (a.unit is not None or a.kind == "number"):
            return None  # 3天至5: only a percent lends its kind to a bare end
    elif _LOWER_RE.fullmatch(gap):
        um = _UPPER_RE.match(t, b.end)
        if not um or a.unit != b.unit or a.kind != b.kind or a.bare:
            return None
        end = um.end()
    else:
        return None
    lo, hi = a.value, b.value
    if a.mult is None and b.mult and b.pre is not None and lo <= b.pre:
        lo = lo * b.mult  # 1—2万元: the 万 covers both ends
    if lo > hi:
        return None
    src = b if not b.bare else a
    return _Atom(a.start, end, a.base_start, lo, hi, kind=src.kind, unit=src.unit,
                 approx=a.approx or b.approx, cn=a.cn and b.cn,
                 anchored=a.anchored or b.anchored or not (a.cn and b.cn),
                 ordinal=a.ordinal or b.ordinal, year=a.year and b.year, bare=a.bare and b.bare)


def find_quantities(text: str) -> list[Quantity]:
    """Every numeric expression in `text`, in order, with spans into `text` itself."""
    t = _fold(text)
    atoms = _atoms(t)
    out: list[Quantity] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        if i + 1 < len(atoms):
            r = _merge(t, a, atoms[i + 1])
            if r is not None:
                a = r
                i += 1
        i += 1
        if a.ordinal or (a.cn and not a.anchored) or (a.year and a.bare):
            continue
        out.append(Quantity(a.start, a.end, float(a.value),
                            None if a.value_max is None else float(a.value_max),
                            a.unit, a.kind, a.approx, text[a.start:a.end], a.op))
    return out


def find_comparator(text: str, q: Quantity) -> Comparison | None:
    """The comparator governing q, with the span covering comparator and quantity.

    Ranges give 'range'. Otherwise a prefix word (不少于, 至少, 超过 ...) up to a few
    characters before q wins over a postfix word (以上, 以下, 以内, 内 after a time unit);
    the span covers both when both are there. Inclusive words give >= / <=, exclusive
    ones > / < (Chinese legal usage, see numbers.yaml)."""
    if q.value_max is not None:
        return Comparison("range", q.start, q.end)
    lo = max(0, q.start - max(_PREFIX_WINDOW, _BASE_GAP + 6))
    t = _fold(text[lo:q.end + _POSTFIX_WINDOW])  # only the window: callers loop over quantities
    qs, qe = q.start - lo, q.end - lo
    start, end, op = qs, qe, q.op
    post = None
    pm = _POSTFIX_RE.match(t, qe)
    if pm:
        pop, time_only = _POSTFIX_OPS[pm["w"]]
        if not time_only or q.unit in _TIME or q.unit in _LENGTH:
            post, end = pop, pm.end()
    if op is None:
        last = None
        for last in _PREFIX_RE.finditer(t, 0, qs):
            pass
        if last is not None:
            cop, max_gap = _PREFIX_OPS[last.group()]
            gap = t[last.end():qs]
            if (len(gap) <= max_gap and _GAP_OK.fullmatch(gap)) or (
                    q.kind in ("percent", "permille", "fraction") and _BASE_GAP_OK.fullmatch(gap)):
                op, start = cop, last.start()
    op = op or post
    if op is None:
        return None
    return Comparison(op, start + lo, end + lo)
