"""Full-text search over Chinese text with SQLite's own FTS5 tokenizer.

Why: FTS5's tokenizers do not split Chinese. `unicode61` takes a whole run of
ideographs (在禁止吸烟场所吸烟的) as one token, so searching 吸烟 finds nothing, and
`trigram` never matches a query under three characters (吸烟, 罚款). So the index is
written with every ideograph as a token of its own (`fts_text`), and a search term is
turned into the phrase of its ideographs (`escape_fts`: 吸烟 → "吸 烟"), which FTS5
matches as consecutive tokens: any substring of any length is found, and Latin words
and numbers (500, PM2.5) stay whole tokens.
"""
from __future__ import annotations

import re

# CJK ideographs: unified, extension A, compatibility, extensions B and beyond.
_IDEOGRAPH = re.compile("([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f])")
_TERMS = re.compile(r'\s+|(".*?")')  # Datasette's own split: whitespace, "quoted phrases" kept


def fts_text(text: str | None) -> str | None:
    """The text as indexed: each ideograph set apart by spaces."""
    if text is None:
        return None
    return " ".join(_IDEOGRAPH.sub(r" \1 ", text).split())


def escape_fts(query: str | None) -> str:
    """A search box query as an FTS5 expression: each whitespace-separated term (or
    "quoted phrase") becomes one quoted phrase of its tokens, all of them required.
    Like Datasette's escape_fts, so FTS5 syntax typed by a user is never an error."""
    query = query or ""
    if query.count('"') % 2:
        query += '"'
    phrases = []
    for bit in _TERMS.split(query):
        inner = fts_text((bit or "").strip('"').replace('"', ""))
        if inner:
            phrases.append(f'"{inner}"')
    return " ".join(phrases) or '""'
