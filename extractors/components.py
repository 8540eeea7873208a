"""spaCy pipeline: blank `zh`, a Doc of the segmentation's sentences, and our components
registered by name. Each component wraps a plain extractor function and writes typed matches onto
the Doc (`doc._.bounds`, `doc._.deadlines`, `doc._.sanctions`); the last one turns them
into Provision records with source spans.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from extractors.deadlines import find_deadlines
from extractors.sanctions import find_sanctions
from extractors.thresholds import find_bounds

USER_DICT = Path(__file__).parent / "data" / "jieba_userdict.txt"

for _name in ("segmentation", "jurisdictions", "year_contexts", "bounds", "deadlines", "sanctions", "provisions", "meta", "parts"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def _sentences(doc: Doc):
    for s in doc._.segmentation.sentences:
        yield s.start, s.end


def _text(doc: Doc) -> str:
    """The normalized text the Doc was made from; `doc.text` re-joins tokens each call."""
    return doc._.segmentation.text.text


@Language.component("policyx_bounds")
def bounds_component(doc: Doc) -> Doc:
    text = _text(doc)
    doc._.bounds = [b for s, e in _sentences(doc) for b in find_bounds(text, s, e)]
    return doc


@Language.component("policyx_deadlines")
def deadlines_component(doc: Doc) -> Doc:
    from extractors.pipeline import year_context_at

    out = []
    text = _text(doc)
    for s, e in _sentences(doc):
        ctx = year_context_at(doc, s)
        for d in find_deadlines(text[s:e], ctx):
            d.start, d.end = d.start + s, d.end + s
            out.append(d)
    doc._.deadlines = out
    return doc


@Language.component("policyx_sanctions")
def sanctions_component(doc: Doc) -> Doc:
    """Headings name measures (1、评选表彰一批先进基层党组织) without imposing them."""
    seg, text = doc._.segmentation, _text(doc)
    doc._.sanctions = [x for s, e in _sentences(doc) if not _is_heading(seg, text, s, e)
                       for x in find_sanctions(text, s, e)]
    return doc


def _is_heading(seg, text: str, start: int, end: int) -> bool:
    section = seg.section_at(start)
    sentence = text[start:end].rstrip("。;；:： ")
    # the text after 第X条 is the article itself; only outline items and headings have titles
    return (section is not None and section.kind in ("item", "heading", "chapter", "part", "section")
            and len(sentence) <= 30 and section.title == sentence and not re.search(r"[,，]", sentence))


@Language.component("policyx_provisions")
def provisions_component(doc: Doc) -> Doc:
    from extractors.pipeline import assemble_provisions

    doc._.provisions = assemble_provisions(doc)
    return doc


MAX_DOCUMENT_CHARS = 50_000_000


@lru_cache(maxsize=1)
def make_nlp() -> Language:
    """Built once per process, before workers fork: jieba's dictionary (with the user
    dictionary) is loaded here, as the conduct labels segment with it. The Doc is made
    from the segmentation's sentences (extractors/pipeline.py sentence_doc), so spaCy's
    own tokenizer is the cheap character one, never run on a document."""
    from extractors.conducts import segmenter

    segmenter()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    # spaCy's 1,000,000-character limit guards the memory of parsers and taggers; this
    # pipeline has none, and a long statute compilation is longer than that
    nlp.max_length = MAX_DOCUMENT_CHARS
    for name in ("policyx_bounds", "policyx_deadlines", "policyx_sanctions", "policyx_provisions"):
        nlp.add_pipe(name)
    return nlp
