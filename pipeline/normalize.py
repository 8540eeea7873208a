"""Cleaning, script conversion and width folding, with every position mapped back.

Each pass rewrites the text through `Rewriter.apply`, which composes the offset map,
so after any number of passes each normalized character still knows the exact source
span it came from. Noise lines are not thrown away: they are kept as `Noise` records
(the metadata stage reads a 发布日期 from them).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable

from models import language_data
from models.records import Noise, NormalizedText, OffsetMap, SourceText, iter_lines

# tw2s reads Taiwan usage (著力 -> 着力) but also rewrites simplified words that keep 著
# (显著 -> 显着): a text that is already simplified gets t2s, which leaves them alone.
OPENCC_CONFIGS = {"traditional": "tw2s", "simplified": "t2s"}
TRADITIONAL_SHARE = 0.02  # of CJK characters that t2s changes: below it, a simplified text
CJK = r"\u3400-\u9fff\uf900-\ufaff"
SENTENCE_END = "。！？；!?;"


@dataclass
class Edit:
    start: int
    end: int
    replacement: str


@dataclass
class Rewriter:
    """Text plus its map to the source; each `apply` yields the next state."""

    text: str
    offset_map: OffsetMap
    noise: list[Noise] = field(default_factory=list)

    def apply(self, edits: Iterable[Edit], noise_kind: str | None = None) -> None:
        """Apply sorted, non-overlapping edits.

        A replacement of the same length maps character to character; any other
        replacement maps each new character to the whole replaced source span.
        """
        old_s, old_e = self.offset_map.starts, self.offset_map.ends
        parts: list[str] = []
        starts, ends = array("q"), array("q")
        pos = 0
        for ed in edits:
            if ed.start < pos:
                raise ValueError("overlapping edits")
            parts.append(self.text[pos:ed.start])
            starts.extend(old_s[pos:ed.start])
            ends.extend(old_e[pos:ed.start])
            if noise_kind and ed.end > ed.start:
                span = (old_s[ed.start], old_e[ed.end - 1])
                self.noise.append(Noise(noise_kind, span, self.text[ed.start:ed.end]))
            n_old, n_new = ed.end - ed.start, len(ed.replacement)
            if n_new == n_old:
                starts.extend(old_s[ed.start:ed.end])
                ends.extend(old_e[ed.start:ed.end])
            elif n_new:
                if n_old == 0:
                    raise ValueError("insertions have no source span")
                s, e = old_s[ed.start], old_e[ed.end - 1]
                starts.extend([s] * n_new)
                ends.extend([e] * n_new)
            parts.append(ed.replacement)
            pos = ed.end
        parts.append(self.text[pos:])
        starts.extend(old_s[pos:])
        ends.extend(old_e[pos:])
        self.text = "".join(parts)
        self.offset_map = OffsetMap(starts, ends, self.offset_map.source_len)

    def sub(self, pattern: re.Pattern, repl: str | Callable[[re.Match], str], noise_kind: str | None = None) -> None:
        edits = []
        literal = isinstance(repl, str) and "\\" not in repl  # no group to expand: the string itself
        for m in pattern.finditer(self.text):
            r = repl if literal else repl(m) if callable(repl) else m.expand(repl)
            if r != m.group(0):
                edits.append(Edit(m.start(), m.end(), r))
        if edits:
            self.apply(edits, noise_kind)


@lru_cache(maxsize=1)
def noise_rules() -> dict:
    d = language_data.load(language_data.Noise)
    return {
        "line": [re.compile(p) for p in d.line],
        "trailer": [re.compile(p) for p in d.trailer],
        "trailer_share": float(d.trailer_share),
        "line_max_chars": d.line_max_chars,
        "inline": re.compile("|".join(f"(?:{p})" for p in d.inline)),
        "pinyin": re.compile(d.pinyin),
        "punct_run": re.compile(d.punct_run),
    }


@lru_cache(maxsize=2)
def _converter(script: str):
    import opencc

    return opencc.OpenCC(f"{OPENCC_CONFIGS[script]}.json")


def _script_of(text: str, to_simplified: str) -> str:
    """traditional where a noticeable share of its CJK characters change in t2s."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    changed = sum(1 for a, b in zip(text, to_simplified) if a != b)
    return "traditional" if cjk and changed / cjk >= TRADITIONAL_SHARE else "simplified"


# Full-width ASCII forms and the ideographic space fold to ASCII; CJK punctuation that
# has no ASCII twin of the same meaning (。、“”《》) is left alone.
WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
WIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x200B: None,
              0xFEFF: None, 0x2060: None, 0x3007: 0x3007})
WIDTH = {k: (chr(v) if v is not None else "") for k, v in WIDTH.items()}
PAGE_MARKER = re.compile(r"(\d{1,3})、")


def normalize(source: SourceText) -> NormalizedText:
    """Source text -> clean simplified text with its offset map and noise list."""
    rw = Rewriter(source.text, OffsetMap.identity(len(source.text)))
    _layout(rw, source)
    _line_endings(rw)
    if source.format == "txt":
        rw.sub(re.compile(r"\t"), " ")
    _glyphs(rw)
    _width(rw)
    rw.sub(noise_rules()["pinyin"], "", "pinyin")
    _convert_script(rw)  # before noise rules, which are written in simplified
    _web_noise(rw)
    _doc_sharing_pages(rw)
    _spacing(rw)
    rules = noise_rules()
    rw.sub(rules["punct_run"], r"\1")
    return NormalizedText(source=source, text=rw.text, offset_map=rw.offset_map, noise=rw.noise)


def _layout(rw: Rewriter, source: SourceText) -> None:
    """Apply what the format reader knows: page furniture and layout line breaks."""
    edits = [Edit(r.start, r.end, "") for r in source.removals]
    edits += [Edit(p, p + 1, "") for p in source.soft_breaks if rw.text[p:p + 1] == "\n"]
    edits.sort(key=lambda e: (e.start, e.end))
    merged: list[Edit] = []
    for e in edits:
        if merged and e.start < merged[-1].end:
            merged[-1] = Edit(merged[-1].start, max(merged[-1].end, e.end), "")
        else:
            merged.append(e)
    rw.apply(merged, "furniture")


def _line_endings(rw: Rewriter) -> None:
    rw.sub(re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]"), "\n")


@lru_cache(maxsize=1)
def glyph_folds() -> tuple[re.Pattern, dict[str, str], dict[str, str], dict[str, str]]:
    """(any folded character, radicals, misencoded punctuation, quote marks)."""
    d = language_data.load(language_data.Glyphs)
    radicals = {chr(o): unicodedata.normalize("NFKC", chr(o)) for o in range(0x2F00, 0x2FE0)
                if len(unicodedata.normalize("NFKC", chr(o))) == 1 and unicodedata.normalize("NFKC", chr(o)) != chr(o)}
    radicals.update(d.radicals)
    misencoded, quotes = dict(d.misencoded), dict(d.quote_marks)
    chars = sorted(set(radicals) | set(misencoded) | set(quotes))
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]"), radicals, misencoded, quotes


YI = re.compile(r"[\ua000-\ua48f]")
QUOTE_CONTEXT = re.compile(rf"[{CJK}0-9０-９]")


def _glyphs(rw: Rewriter) -> None:
    """Fold radicals, misencoded punctuation and stand-in title marks to the characters
    they stand for (see data/glyphs.yaml), each where its context says it stands in."""
    pattern, radicals, misencoded, quotes = glyph_folds()
    text = rw.text

    def neighbours(m: re.Match) -> str:
        return text[max(0, m.start() - 1):m.start()] + text[m.end():m.end() + 1]

    def fold(m: re.Match) -> str:
        c = m.group(0)
        if c in radicals:
            return radicals[c]
        if c in misencoded:
            return c if YI.search(neighbours(m)) else misencoded[c]
        return quotes[c] if QUOTE_CONTEXT.search(neighbours(m)) else c

    rw.sub(pattern, fold)


def _width(rw: Rewriter) -> None:
    table = str.maketrans(WIDTH)
    folded = rw.text.translate(table)
    if len(folded) == len(rw.text):
        rw.text = folded
        return
    rw.sub(re.compile("[" + "".join(re.escape(chr(k)) for k in WIDTH) + "]"), lambda m: m.group(0).translate(table))


def _web_noise(rw: Rewriter) -> None:
    rules = noise_rules()
    rw.sub(rules["inline"], "", "inline")
    text = rw.text
    edits = []
    trailer_from = len(text) * (1 - rules["trailer_share"])
    for start, end in iter_lines(text):
        line = text[start:end]
        if start >= trailer_from and any(p.search(line) for p in rules["trailer"]):
            # from the newline before it, unless a noise line just before took that newline
            edits.append(Edit(max(0, start - 1, edits[-1].end if edits else 0), len(text), ""))
            break
        if line.strip() and len(line) <= rules["line_max_chars"] and any(p.search(line) for p in rules["line"]):
            edits.append(Edit(start, min(end + 1, len(text)), ""))
    rw.apply(edits, "line")


def _doc_sharing_pages(rw: Rewriter) -> None:
    """Doc-sharing scrapes fuse page numbers into the text: `2、告提出…` continues the
    sentence that page 1 broke off. Only a run of numbered lines 1, 2, 3 … whose
    predecessors end mid-sentence is taken for page markers."""
    lines = list(iter_lines(rw.text))
    hits = []
    expected = 1
    for i, (s, e) in enumerate(lines):
        m = PAGE_MARKER.match(rw.text, s)
        if m and int(m.group(1)) == expected and e - s > 150:
            hits.append((i, m))
            expected += 1
    if len(hits) < 3:
        return
    broken = sum(1 for i, _ in hits[1:] if rw.text[lines[i - 1][1] - 1:lines[i - 1][1]] not in SENTENCE_END)
    if broken < (len(hits) - 1) * 0.6:
        return
    edits = []
    for n, (i, m) in enumerate(hits):
        start = m.start() - 1 if n else m.start()  # later pages: rejoin the line too
        edits.append(Edit(start, m.end(), ""))
    rw.apply(edits, "page-marker")


def _convert_script(rw: Rewriter) -> None:
    """OpenCC to simplified. Almost always length-preserving; where a phrase rule
    changes the length, the line is aligned with difflib so offsets stay exact."""
    converted = _converter("simplified").convert(rw.text)
    cc = _converter(_script_of(rw.text, converted) if len(converted) == len(rw.text) else "traditional")
    if cc is not _converter("simplified"):
        converted = cc.convert(rw.text)
    if len(converted) == len(rw.text):
        rw.text = converted
        return
    edits = []
    for s, e in iter_lines(rw.text):
        old = rw.text[s:e]
        new = cc.convert(old)
        if new == old:
            continue
        if len(new) == len(old):
            edits.append(Edit(s, e, new))
            continue
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag != "equal" and i2 > i1:
                edits.append(Edit(s + i1, s + i2, new[j1:j2]))
    rw.apply(edits)


# A tab parts the cells of a table row (the DOCX, PDF and HTML readers write rows so);
# spacing rules leave it alone, and a text file's tabs are spacing, folded to spaces.
SPACING = [
    # spaces around CJK next to CJK, digits or Latin: PDF and web artifacts (2022 年, X 市)
    (re.compile(rf"(?<=[\w%)”》])[ ]+(?=[{CJK}])|(?<=[{CJK}])[ ]+(?=[\w%(“《])"), ""),
    (re.compile(r"(?<=\d)[ ]+(?=[%‰])"), ""),
    (re.compile(r"(?<=\d\.)[ ]+(?=\d)"), ""),  # 5. 5%: a decimal point set narrower than its advance
    (re.compile(r"[ ]*\t[ ]*"), "\t"),
    (re.compile(r"^[ ]+|[ \t]+$", re.M), ""),  # indentation and trailing blanks
    (re.compile(r"[ ]{2,}"), " "),
    (re.compile(r"\n{2,}"), "\n"),
    (re.compile(r"^\n+|\n+$"), ""),
]


def _spacing(rw: Rewriter) -> None:
    for pattern, replacement in SPACING:
        rw.sub(pattern, replacement)
