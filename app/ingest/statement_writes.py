"""Write materialised statements: their columns, venue, speakers (looked up or created),
topics, paragraphs (app.ingest.paragraph_writes) and versions; and remove a statement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.ingest.aliases import drop_aliases
from app.ingest.bulk import chunks, insert_rows
from app.ingest.keys import name_key
from app.ingest.paragraph_writes import ParagraphWrites
from app.ingest.speakers import add_spelling, get_or_create_speaker, get_or_create_topic, get_or_create_venue
from app.ingest.version_rows import write_versions
from app.models import Paragraph, Statement, StatementSpeaker, StatementTopic, StatementVersion


def write_statements(session: Session, writes: list[tuple[Statement, dict]], updated: set[int]) -> None:
    if not writes:
        return
    for st, f in writes:
        venue_id = get_or_create_venue(session, f["venue"]).id if f["venue"] else None
        st.venue_id = venue_id
        st.title, st.kind, st.excerpt, st.fingerprint = f["title"], f["kind"], f["excerpt"], f["fingerprint"]
        st.date = dt.date.fromisoformat(f["date"]) if f["date"] else None
        st.published = dt.date.fromisoformat(f["published"]) if f["published"] else None
        st.sort_date = st.date or st.published
        st.original_url, st.publisher = f.get("original_url"), f.get("publisher")
        st.captured_at = dt.datetime.fromisoformat(f["captured_at"]) if f.get("captured_at") else None
        st.paragraph_count = sum(p.current for p in f["paragraphs"])
        session.add(st)
    session.flush()
    rewritten = [st.id for st, _ in writes if st.id in updated]
    existing: dict[int, dict[str, int]] = {}
    for chunk in chunks(rewritten):
        for model in (StatementSpeaker, StatementTopic):
            session.execute(delete(model).where(model.statement_id.in_(chunk)))
        for sid, key, pid in session.execute(
            select(Paragraph.statement_id, Paragraph.key, Paragraph.id).where(
                Paragraph.statement_id.in_(chunk)
            )
        ):
            existing.setdefault(sid, {})[key] = pid
    speakers, topics, paragraphs = [], [], ParagraphWrites()
    for st, f in writes:
        speaker_ids: dict[str, int] = {}
        when = st.date or st.published
        for i, sp in enumerate(f["speakers"]):
            speaker = get_or_create_speaker(
                session, sp["name"], sp.get("kind") or "person", sp.get("role"), when
            )
            if sp.get("as_printed"):  # the page's spelling of a name the parse gave canonically
                add_spelling(session, speaker, sp["as_printed"])
            speaker_ids[name_key(sp["name"])] = speaker.id
            speaker_ids.setdefault(name_key(speaker.name), speaker.id)  # a turn printed in another spelling
            speakers.append(dict(statement_id=st.id, position=i, speaker_id=speaker.id, role=sp.get("role")))
        topics += [
            dict(statement_id=st.id, position=i, topic_id=get_or_create_topic(session, name).id)
            for i, name in enumerate(f["topics"])
        ]
        paragraphs.plan(session, st, f["paragraphs"], speaker_ids, existing.get(st.id, {}))
        session.expire(st, ["speakers", "topics", "paragraphs"])
    insert_rows(session, StatementSpeaker, speakers)
    insert_rows(session, StatementTopic, topics)
    paragraphs.execute(session)
    write_versions(session, writes)
    drop_aliases(session, [st.key for st, _ in writes])


def remove_statement(session: Session, statement: Statement) -> None:
    rows = session.execute(
        select(Paragraph.key, Paragraph.text)
        .where(Paragraph.statement_id == statement.id)
        .order_by(Paragraph.current.desc(), Paragraph.n, Paragraph.key)
    ).all()
    session.info.setdefault("removed_paragraphs", {})[statement.key] = [tuple(r) for r in rows]
    for model in (Paragraph, StatementSpeaker, StatementTopic):
        session.execute(delete(model).where(model.statement_id == statement.id))
    session.execute(delete(StatementVersion).where(StatementVersion.statement_key == statement.key))
    session.execute(delete(Statement).where(Statement.id == statement.id))
    session.expunge(statement)
