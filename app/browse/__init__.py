"""The read side: every query the pages, the API, the feeds, the downloads, the export and the
CLI make of the archive, returning plain frozen dataclasses (templates never touch ORM objects,
so no lazy load can happen in a template). Statement rows come from one loader (app.browse.rows).
Every function costs a fixed number of queries, whatever the size of what it returns."""

from app.browse.entities import (
    date_days,
    date_months,
    date_years,
    get_speaker,
    list_speakers,
    list_topics,
    list_venues,
    resolve_speaker_slugs,
    speaker_redirect,
    speaker_years,
)
from app.browse.paragraphs import get_paragraph, resolve_alias
from app.browse.speaker_neighbours import neighbours
from app.browse.statements import filter_labels, get_statement, list_statements, statement_facets
from app.browse.summary import home_overview
from app.browse.views import (
    FilterLabel,
    Page,
    ParagraphDetail,
    ParagraphView,
    SourceView,
    SpeakerRef,
    SpeakerRow,
    StatementDetail,
    StatementFilter,
    StatementRow,
)

__all__ = [
    "FilterLabel",
    "Page",
    "ParagraphDetail",
    "ParagraphView",
    "SourceView",
    "SpeakerRef",
    "SpeakerRow",
    "StatementDetail",
    "StatementFilter",
    "StatementRow",
    "date_days",
    "date_months",
    "date_years",
    "filter_labels",
    "get_paragraph",
    "get_speaker",
    "get_statement",
    "home_overview",
    "list_speakers",
    "list_statements",
    "list_topics",
    "list_venues",
    "neighbours",
    "resolve_alias",
    "resolve_speaker_slugs",
    "speaker_redirect",
    "speaker_years",
    "statement_facets",
]
