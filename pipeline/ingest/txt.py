"""Plain-text reader: decode with the file's own encoding and change nothing else.

The decoded text (BOM dropped) is the source text all offsets count in, so the
decision must be exact: we only accept an encoding that decodes every byte.
"""
from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from charset_normalizer import from_bytes

from models.records import IngestError, SourceText
from pipeline.ingest.layout import wrapped_line_breaks

BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
# Legacy Chinese encodings, in the order we trust them when the evidence ties.
LEGACY = ("gb18030", "big5hkscs", "cp950")
MAX_TXT_BYTES = 64 * 1024 * 1024
WRAPPED_SHARE = 0.5  # a TXT whose full lines wrap this often was copied from a page layout: its wraps are joined
WRAPPED_LINES = 5  # and it has at least this many: two lines are no evidence of a layout


def read_txt(path: Path) -> SourceText:
    size = path.stat().st_size
    if size > MAX_TXT_BYTES:
        raise IngestError(f"text file too large ({size // (1024 * 1024)} MB > {MAX_TXT_BYTES // (1024 * 1024)} MB limit)")
    data = path.read_bytes()
    text, encoding = decode(data)
    return SourceText(path=str(path), text=text, format="txt", encoding=encoding,
                      sha256=hashlib.sha256(data).hexdigest(), soft_breaks=wrapped_line_breaks(text, WRAPPED_SHARE, WRAPPED_LINES))


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name); raise IngestError when no encoding fits."""
    if not data:
        raise IngestError("document is empty")
    for bom, enc in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc + "-sig" if enc == "utf-8" else enc
            except UnicodeDecodeError as e:
                raise IngestError(f"{enc} BOM but undecodable bytes at offset {e.start + len(bom)}") from None
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16), utf16
    if data.count(b"\x00") > max(1, len(data) // STRAY_NUL_SHARE):
        raise IngestError("binary data, not text (NUL bytes)")  # a stray NUL or two is still text
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    candidates = {}
    first_error = None
    for enc in LEGACY:
        try:
            candidates[enc] = data.decode(enc)
        except UnicodeDecodeError as e:
            first_error = first_error or (enc, e)
    if not candidates:
        enc, e = first_error
        if utf8_error.start > len(data) * 0.9 and _mostly_utf8(data):
            raise IngestError(f"undecodable bytes at offset {utf8_error.start} (UTF-8)")
        raise IngestError(f"undecodable bytes at offset {e.start}: not UTF-8, GB18030 or Big5")
    if len(candidates) == 1:
        enc = next(iter(candidates))
        return candidates[enc], enc
    best = from_bytes(data, cp_isolation=list(candidates)).best()
    enc = _canonical(best.encoding) if best else None
    if enc not in candidates:
        enc = max(candidates, key=lambda k: _cjk_score(candidates[k]))
    return candidates[enc], enc


def _canonical(name: str) -> str:
    return codecs.lookup(name).name.replace("_", "")


STRAY_NUL_SHARE = 1000  # up to one NUL byte in this many (and at least one) a text may carry


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly BMP characters has a NUL-free half only by accident."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for enc, ascii_half, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        zeros = ascii_half.count(0)
        if zeros > len(ascii_half) * 0.05 and other.count(0) < zeros / 4:
            try:
                data.decode(enc)
                return enc
            except UnicodeDecodeError:
                continue
    return None


def _mostly_utf8(data: bytes) -> bool:
    return data[: len(data) // 2].decode("utf-8", errors="replace").count("\ufffd") == 0


def _cjk_score(text: str) -> float:
    """Share of characters in the common CJK block: wrong decodings land elsewhere."""
    sample = text[:20000]
    return sum("\u4e00" <= c <= "\u9fff" for c in sample) / max(1, len(sample))
