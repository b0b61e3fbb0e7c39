"""Paragraph rows of materialised statements, inserted, updated and deleted in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from app.ingest.aliases import add_alias, drop_aliases
from app.ingest.bulk import BATCH, chunks, insert_rows
from app.ingest.contributions import Para
from app.ingest.keys import name_key
from app.models import Paragraph, Statement


class ParagraphWrites:
    """Paragraph inserts, updates and deletes collected over many statements, run in bulk every
    FLUSH rows (a long statement's rows are never all held as dicts) and at the end. A key
    inserted is no longer an alias (dropped as it is written)."""

    FLUSH = 10 * BATCH

    def __init__(self) -> None:
        self.inserts: list[dict] = []
        self.updates: list[dict] = []
        self.deletes: list[int] = []

    def plan(
        self,
        session: Session,
        st: Statement,
        paras: Iterable[Para],
        speaker_ids: dict[str, int],
        existing: dict[str, int],
    ) -> None:
        wanted: set[str] = set()  # (only when the statement had paragraphs)
        for p in paras:
            if existing:
                wanted.add(p.key)
            values = dict(
                n=p.n,
                current=p.current,
                text=p.text,
                label=p.label,
                speaker_name=p.speaker,
                speaker_id=speaker_ids.get(name_key(p.speaker)) if p.speaker else None,
                source_document_id=p.doc_id,
                line_start=p.lines[0],
                line_end=p.lines[1],
            )
            if p.key in existing:
                self.updates.append(dict(id=existing[p.key], **values))
            else:
                self.inserts.append(dict(key=p.key, statement_id=st.id, **values))
            if len(self.inserts) + len(self.updates) >= self.FLUSH:
                self.execute(session)
        for key in sorted(k for k in existing if k not in wanted):
            # a paragraph whose text changed: its old permalink leads to the statement
            add_alias(session, key, "paragraph", st.key, "statement")
            self.deletes.append(existing[key])

    def execute(self, session: Session) -> None:
        for chunk in chunks(self.deletes):
            session.execute(delete(Paragraph).where(Paragraph.id.in_(chunk)))
        insert_rows(session, Paragraph, self.inserts)
        for chunk in chunks(self.updates):
            session.execute(update(Paragraph), chunk)
        drop_aliases(session, [p["key"] for p in self.inserts])
        self.deletes, self.inserts, self.updates = [], [], []
