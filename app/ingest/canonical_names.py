"""A parse output's speaker names made canonical by the speaker table: 'S.Lavrov', 'Sergei
Lavrov' -> 'Sergey Lavrov', the printed spelling kept as `as_printed`."""

from __future__ import annotations

from dataclasses import replace

from app.ingest.speaker_table import SpeakerTable, default_table
from app.ingest.types import ParsedPage, ParsedStatement


def canonical_names(page: ParsedPage, table: SpeakerTable | None = None) -> ParsedPage:
    """The page with each table person's printed name ('S.Lavrov', 'Sergei Lavrov') replaced by
    the table's canonical one, the printed spelling kept as `as_printed`; paragraph speakers
    likewise (turn labels stay as printed). A family name alone is left as printed: only a
    name form or initials rename."""
    table = default_table() if table is None else table
    statements = tuple(_canonical_statement(st, table) for st in page.statements)
    if all(a is b for a, b in zip(statements, page.statements, strict=True)):
        return page
    return replace(page, statements=statements)


def _canonical_statement(st: ParsedStatement, table: SpeakerTable) -> ParsedStatement:
    when = st.date or st.published
    renamed: dict[str, str] = {}
    speakers = []
    for sp in st.speakers:
        person = table.match_form(sp.name, role=sp.role, when=when) if sp.kind == "person" else None
        if person is not None and person.name != sp.name:
            renamed[sp.name] = person.name
            sp = replace(sp, name=person.name, as_printed=sp.as_printed or sp.name)
        speakers.append(sp)
    paragraphs = []
    for para in st.paragraphs:
        name = para.speaker
        if name and name not in renamed:
            person = table.match_form(name, when=when)
            renamed[name] = person.name if person is not None else name
        if name and renamed[name] != name:
            para = replace(para, speaker=renamed[name])
        paragraphs.append(para)
    if not renamed or all(k == v for k, v in renamed.items()):
        return st
    return replace(st, speakers=tuple(speakers), paragraphs=tuple(paragraphs))
