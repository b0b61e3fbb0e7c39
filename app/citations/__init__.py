"""Citations of statements and paragraphs, knowing no HTTP: the CSL-JSON item (csl), the Chicago,
APA and MLA texts citeproc-js renders from it (texts, citeproc_js), those texts stored ahead of
time (store: `fill()`), BibTeX (bibtex), RIS (ris) and what reference managers read from a page
(metadata: Highwire/Dublin Core tags, COinS, JSON-LD; the templates make the markup).

The names most callers need are here: `from app import citations`."""

from app.citations.csl import (
    DOWNLOADS,
    LOCATOR_LABEL,
    SHORT_FORM,
    STYLES,
    accessed,
    csl_item,
    language_tag,
    locator,
    permalink,
    permalink_field,
    script_of,
)
from app.citations.texts import CitationSet, Texts, citation_set, render, render_texts

__all__ = [
    "DOWNLOADS",
    "LOCATOR_LABEL",
    "SHORT_FORM",
    "STYLES",
    "CitationSet",
    "Texts",
    "accessed",
    "citation_set",
    "csl_item",
    "language_tag",
    "locator",
    "permalink",
    "permalink_field",
    "render",
    "render_texts",
    "script_of",
]
