"""Deadlines: points, windows and lengths of time by which something must happen,
as TIMEX-style values (`2012-04-15`, `XXXX-12`, `2012-H1`, `P3M`).

The year comes from the text when it states one; otherwise from the document's own
date for 今年/年内/年底前, or from its stated schedule for bare month dates; else `XXXX`.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.numbers import parse_int_zh
from extractors.prefilter import Prefilter
from models.language_data import Deadlines, Lexicon, load

# 次月/下月 (a monthly report due the next month) and the shared recurrence words
PER = {"次月": "month", "下月": "month", **load(Lexicon).recurrence}


def _per(every: str | None) -> str | None:
    """每季度最后一个月 recurs quarterly, like 每季度."""
    if not every:
        return None
    return PER.get(every) or ("quarter" if every.startswith("每季度") else None)


@dataclass
class Deadline:
    start: int
    end: int
    op: str  # <= | = | range | within
    value: str
    value_max: str | None = None
    per: str | None = None
    approx: bool = False


@dataclass(frozen=True)
class YearContext:
    """What the document says about when it speaks."""

    dated: int | None = None  # the document's own date: resolves 今年, 年内, 年底前
    schedule: int | None = None  # the year its schedule runs in: resolves 4月15日前


@lru_cache(maxsize=1)
def grammar() -> dict:
    d = load(Deadlines)
    duration_units = dict(load(Lexicon).duration_units)  # shared with numbers and thresholds
    mp = "|".join(sorted(d.month_parts, key=len, reverse=True))
    point = (rf"(?P<every>{d.every})?(?P<year>{d.year})?"
             rf"(?:(?P<m>{d.month})月份?(?:(?P<d>{d.day})[日号]|(?P<mp>{mp}))?"
             rf"|(?P<half>{'|'.join(d.half_year)})|(?P<quarter>第[一二三四1-4]季度)|(?P<yp>{'|'.join(d.year_parts)})"
             rf"|(?P<ep>初|底|末)|(?P<dd>{d.day})[日号])")
    tail = rf"(?:(?P<m>{d.month})月份?)?(?:(?P<d>{d.day})[日号]|(?P<mp>上旬|中旬|下旬|底|末))"
    num = r"\d+(?:\.\d+)?|[一二两三四五六七八九十百半]+"
    units = "|".join(sorted(duration_units, key=len, reverse=True))
    return {
        "data": {"festivals": dict(d.festivals), "duration_units": duration_units, "month_parts": dict(d.month_parts)},
        "point": re.compile(point),
        "tail": re.compile(tail),
        "before": re.compile(d.before),
        "range_sep": re.compile(d.range_sep),
        "month_list": re.compile(rf"(?P<every>{d.every})?(?P<year>{d.year})?(?P<m1>{d.month})、(?P<m2>{d.month})月份?"),
        "from_to": re.compile(r"从(?P<a>[^,，。;；]{2,16}?)开始[,，]?(?:到|至)(?P<b>[^,，。;；]{2,16}?)结束"),
        "duration": re.compile(rf"(?P<lead>{d.duration_lead})?(?P<n>{num})(?P<u>{units})(?P<half>半)?(?P<approx>左右)?(?P<tail>{d.duration_tail})?"),
        "festival": re.compile(r"[“\"]?(?P<f>" + "|".join(sorted(d.festivals, key=len, reverse=True)) + r")[”\"]?(?P<b>" + d.before + ")"),
        "event": re.compile(rf"(?P<ev>{d.events})(?P<b>前|之前)(?!{d.event_not_before})"),
        "length_before_event": re.compile(d.length_before_event),
        "lookback_after": re.compile(d.lookback_after),
        "metadata_after": re.compile(d.metadata_after),
        "past_after": re.compile(d.past_after),
        "past_before": re.compile(d.past_before),
        "not_after": re.compile(d.duration_not_after),
        "not_before": re.compile(d.duration_not_before),
        "title": re.compile(r"《[^》]{0,80}》|\(\d{4}\s*[—–-]\s*\d{4}年?\)"),
    }


def _num(s: str | None) -> int | None:
    return None if s is None else parse_int_zh(s)


def _year_of(year_text: str | None, every: str | None, ctx: YearContext, relative_default: bool) -> str:
    if every:
        return "XXXX"
    if year_text:
        roc = re.search(r"民国(\S+?)\s*年", year_text)
        if roc:  # Taiwan's calendar: 民国113年 (一百十三年) is 2024
            n = parse_int_zh(roc.group(1))
            return str(1911 + n) if n else "XXXX"
        m = re.match(r"(\d{4})", year_text)
        if m:
            return m.group(1)
        if re.match(r"[〇○零一二三四五六七八九]{4}", year_text):
            return str(parse_int_zh(year_text[:4]))
        if year_text in ("明年", "次年"):
            return str(ctx.dated + 1) if ctx.dated else "XXXX"
        return str(ctx.dated) if ctx.dated else "XXXX"
    year = ctx.dated if relative_default else ctx.schedule
    return str(year) if year else "XXXX"


def _last_day(year: str, month: int) -> int:
    return calendar.monthrange(int(year) if year.isdigit() else 2001, month)[1]


def find_deadlines(text: str, ctx: YearContext = YearContext()) -> list[Deadline]:
    """Every deadline in `text` (normalized), longest expressions first, no overlaps."""
    g = grammar()
    present = {SCANNED[i] for i in _prefilter().candidates(text)}

    def scan(name: str):
        return g[name].finditer(text) if name in present else ()

    blocked = [(m.start(), m.end()) for m in scan("title")]
    found: list[Deadline] = []

    def free(s: int, e: int) -> bool:
        return not any(s < be and bs < e for bs, be in blocked) and not any(s < f.end and f.start < e for f in found)

    def add(dl: Deadline | None) -> None:
        if dl and free(dl.start, dl.end):
            found.append(dl)

    for m in scan("from_to"):
        a = g["point"].fullmatch(m.group("a").strip())
        b = g["point"].fullmatch(m.group("b").strip()) or g["tail"].fullmatch(m.group("b").strip())
        if a and b:
            lo = _point_value(a, ctx, side="start")
            hi = _point_value(b, ctx, side="end", inherit=a)
            if lo and hi:
                add(Deadline(m.start(), m.end(), "range", lo[0], hi[0]))
    for m in scan("month_list"):
        year = _year_of(m.group("year"), m.group("every"), ctx, False)
        m1, m2 = _num(m.group("m1")), _num(m.group("m2"))
        if m1 and m2 and m1 < m2:
            add(Deadline(m.start(), m.end(), "range", f"{year}-{m1:02d}", f"{year}-{m2:02d}", _per(m.group("every"))))
    for m in scan("festival"):
        md = g["data"]["festivals"][m.group("f")]
        year = str(ctx.schedule) if ctx.schedule else "XXXX"
        add(Deadline(m.start(), m.end(), "<=", f"{year}-{md}"))
    for m in scan("length_before_event"):
        add(_length_before_event(m))
    for m in scan("event"):
        add(Deadline(m.start(), m.end(), "<=", "XXXX"))
    for m in scan("point"):
        add(_point_deadline(text, m, ctx))
    for m in scan("duration"):
        add(_duration(text, m))
    found.sort(key=lambda d: d.start)
    return found


SCANNED = ("title", "from_to", "month_list", "festival", "length_before_event", "event", "point", "duration")


@lru_cache(maxsize=1)
def _prefilter() -> Prefilter:
    """The patterns find_deadlines searches, behind one pass that tells which can match."""
    g = grammar()
    return Prefilter([g[k] for k in SCANNED])


def _point_value(m: re.Match, ctx: YearContext, side: str = "start", inherit: re.Match | None = None) -> tuple[str, str] | None:
    """(value, kind) of one point; kind says whether 前 makes it a year-level limit."""
    gd = m.groupdict()
    every = gd.get("every") or (inherit.groupdict().get("every") if inherit else None)
    year_text = gd.get("year") or (inherit.group("year") if inherit and inherit.groupdict().get("year") else None)
    month = _num(gd.get("m")) or (_num(inherit.group("m")) if inherit and inherit.group("m") else None)
    if gd.get("half"):
        return f"{_year_of(year_text, every, ctx, True)}-{'H1' if gd['half'] == '上半年' else 'H2'}", "half"
    if gd.get("quarter"):
        q = "1234"["一二三四".find(gd["quarter"][1])] if gd["quarter"][1] in "一二三四" else gd["quarter"][1]
        return f"{_year_of(year_text, every, ctx, True)}-Q{q}", "half"
    if gd.get("yp"):
        return _year_of(year_text, every, ctx, True), gd["yp"]
    if gd.get("ep"):
        if not (every or year_text):
            return None
        year = _year_of(year_text, every, ctx, True)
        return (f"{year}-01" if gd["ep"] == "初" else f"{year}-12"), "month"
    if gd.get("dd") and not gd.get("m"):
        if not inherit and not (every or "").startswith(("每季度", "次月", "下月", "每月")):
            return None
        if inherit and month:
            year = _year_of(year_text, every, ctx, False)
            return f"{year}-{month:02d}-{_num(gd['dd']):02d}", "day"
        return f"XXXX-XX-{_num(gd['dd']):02d}", "day"
    if not month or not 1 <= month <= 12:
        return None
    year = _year_of(year_text, every, ctx, bool(year_text and not year_text[0].isdigit()))
    day = _num(gd.get("d"))
    if day:
        return (f"{year}-{month:02d}-{day:02d}", "day") if 1 <= day <= 31 else None
    part = gd.get("mp")
    if part in ("上旬", "中旬", "下旬"):
        first, last = g_parts()[part]
        d = first if side == "start" else min(last, _last_day(year, month))
        return f"{year}-{month:02d}-{d:02d}", "day"
    if part == "初" and side == "start":
        return f"{year}-{month:02d}-01", "day"
    return f"{year}-{month:02d}", "month"


def g_parts() -> dict:
    return grammar()["data"]["month_parts"]


def _point_deadline(text: str, m: re.Match, ctx: YearContext) -> Deadline | None:
    g = grammar()
    gd = m.groupdict()
    if gd.get("yp") == "年内" and re.search(r"[\d一二两三四五六七八九十半]$", text[max(0, m.start() - 1):m.start()]):
        return None  # 三年内: a length of time, not this year
    rng_ahead = g["range_sep"].match(text, m.end())
    month_range = bool(rng_ahead and re.match(r"[\d一二三四五六七八九十]{1,2}月", text[rng_ahead.end():]))
    if gd.get("m") and not gd["m"].isdigit() and not (gd.get("year") or gd.get("d") or gd.get("mp") or month_range
                                                        or gd.get("every") or text[m.start():m.end()].endswith("份")):
        return None  # 一月一调度: a Chinese numeral month must read as a date
    if gd.get("dd") and not gd.get("m") and not (gd.get("every") or "").startswith(("每季度", "次月", "下月", "每月")):
        return None
    after = text[m.end():m.end() + 12]
    prev = text[max(0, m.start() - 1):m.start()]
    if g["past_after"].match(after) or g["past_before"].search(text[max(0, m.start() - 4):m.start()]):
        return None
    if gd.get("year") and gd["year"][0].isdigit() and g["metadata_after"].match(after):
        return None  # 2016年10月印发的《…》: when another text was issued
    if gd.get("year") and gd.get("m") and gd.get("d") and gd["year"][0] not in "今当本明次" and not month_range \
            and not (rng_ahead and (re.match(r"[\d一二三四五六七八九十]{1,3}[日号]", text[rng_ahead.end():])
                                    or _full_date(g["point"].match(text, rng_ahead.end())))):
        # a full dated day reads as a limit only with 前 or 于/在/到; otherwise it is
        # when the text was signed, adopted or takes effect
        if g["metadata_after"].match(after) or not (g["before"].match(text, m.end()) or (prev and prev in "于在到")):
            return None
    if (gd.get("yp") in ("年底", "年末", "年初", "年中") and not gd.get("every") and not gd.get("year")
            and not g["before"].match(text, m.end())
            and (_slogan(text, m.end()) or re.search(r"(?:作为|的)$", text[max(0, m.start() - 2):m.start()]))):
        return None  # 年初开单、年中查单 name stages; 作为年底…考核的依据 is attributive
    if gd.get("half") and not (gd.get("year") or gd.get("every") or (prev and prev in "于在到")
                               or g["before"].match(text, m.end()) or text[m.end():m.end() + 1] in ",，"):
        return None  # 上半年民生项目: a period named as a modifier
    if gd.get("quarter") and not (gd.get("every") or (prev and prev in "于在到") or g["before"].match(text, m.end())):
        return None  # 2023年第一季度全市共受理…: a period a statistic covers
    value = _point_value(m, ctx, side="end")
    if value is None:
        return None
    end, op, val = m.end(), "=", value[0]
    rng = g["range_sep"].match(text, end)
    if rng:
        tail = g["point"].match(text, rng.end())
        if not tail or not (tail.group("m") or tail.group("half")):
            tail = g["tail"].match(text, rng.end())
        if tail and tail.end() > rng.end():
            hi = _point_value(tail, ctx, side="end", inherit=m)
            lo = _point_value(m, ctx, side="start")
            if hi and lo:
                return Deadline(m.start(), tail.end(), "range", lo[0], hi[0], _per(gd.get("every")))
    b = g["before"].match(text, end)
    if b:
        end, op = b.end(), "<="
        if value[1] in ("年底", "年末", "年前", "年内"):
            val = value[0]
        elif gd.get("ep") in ("底", "末") and gd.get("year") and not gd.get("every"):
            val = val[:-3]  # 今年底前, 2012年底前: by the end of that year
    elif value[1] == "年内":
        op = "<="
    elif gd.get("ep") in ("底", "末") and gd.get("year") and not gd.get("every"):
        val = val[:-3]  # 到2025年底: the year
    elif value[1] in ("年底", "年末"):
        val = f"{value[0]}-12"
    elif value[1] == "年初":
        val = f"{value[0]}-01"
    elif value[1] == "年中":
        val = f"{value[0]}-06"
    if op == "=" and text[max(0, m.start() - 1):m.start()] == "到":
        op = "<="
    if value[1] not in ("年底", "年末", "年前", "年内", "年初", "年中", "half", "month", "day"):
        return None
    per = _per(gd.get("every"))
    if per is None and value[1] in ("年底", "年末", "年初") and op == "=":
        per = "year"
    return Deadline(m.start(), end, op, val, None, per)


def _duration(text: str, m: re.Match) -> Deadline | None:
    g = grammar()
    lead, tail = m.group("lead"), m.group("tail")
    if not tail and not (lead and re.fullmatch(r"限期|限|为期|历时|.*为", lead)):
        return None
    if g["not_after"].search(text[max(0, m.start() - 3):m.start()]) or g["not_before"].match(text[m.end():m.end() + 6]):
        return None
    if m.group("tail") and m.group("tail").endswith("内") and g["lookback_after"].match(text[m.end():m.end() + 16]) \
            and re.search(r"的[,，]|者[,，]", text[m.end():m.end() + 40]):
        return None  # 一年内累计三次以上的: the window a condition looks back over
    n = m.group("n")
    unit = g["data"]["duration_units"][m.group("u")]
    if n == "半":
        value = "P6M" if unit == "Y" else ("P15D" if unit == "M" else None)
    else:
        k = parse_int_zh(n) if not n.replace(".", "").isdigit() else float(n)
        if not k:
            return None
        k = int(k) if float(k).is_integer() else k
        if m.group("half") and unit in ("Y", "M"):  # 一年半 = 18 months, 两个月半 = 75 days
            value = f"P{int(k * 12 + 6)}M" if unit == "Y" else f"P{int(k * 30 + 15)}D"
        else:
            value = _iso_length(k, unit)
    if value is None:
        return None
    start = m.start() if lead and re.fullmatch(r"限期|限|为期|历时", lead) else m.start("n")
    return Deadline(start, m.end(), "within", value, None, None, approx=bool(m.group("approx")))


def _iso_length(k: int | float, unit: str) -> str:
    """ISO 8601 duration of k units (Y M W D, or H as a time part: PT48H)."""
    return f"PT{k}H" if unit == "H" else f"P{k}{unit}"


def _full_date(m: re.Match | None) -> bool:
    """2024年3月15日 as the end of a window that starts with a full date."""
    return bool(m and m.group("year") and m.group("m") and m.group("d"))


def _length_before_event(m: re.Match) -> Deadline | None:
    """届满六十日前, 提前三十日: due at the latest that long before the event. The value
    is a length of time, so the op is `within`, as for 届满前三十日内."""
    if not (m.group("advance") or m.group("before") or m.group("pre")):
        return None
    n = m.group("n")
    k = int(n) if n.isdigit() else parse_int_zh(n)
    if not k:
        return None
    unit = grammar()["data"]["duration_units"][m.group("u")]
    return Deadline(m.start("advance") if m.group("advance") else m.start("n"), m.end(), "within",
                    _iso_length(k, unit))


def _slogan(text: str, end: int) -> bool:
    """What follows is a two-to-three character name ending the phrase (年底销单、)."""
    m = re.match(r"[\u4e00-\u9fff]{1,3}(?=[、,，。;；\n“”]|$)", text[end:end + 5])
    return m is not None
