"""Database rows -> Whoosh documents (one per statement, holding its current paragraphs in
reading order: see schema.py), a batch of statements at a time.

A batch costs a fixed number of queries (statements, their speakers, topics, paragraphs),
whatever its size; speakers' other spellings are loaded once per run."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Paragraph,
    Speaker,
    SpeakerAlias,
    Statement,
    StatementSpeaker,
    StatementTopic,
    Topic,
    Venue,
)
from app.search.schema import SEP, fold_name, join_paragraphs
from app.vocabulary import ANSWER_WORDS, QUESTION_WORDS, turn_word

BATCH = 500  # statements per batch of queries


@dataclass(frozen=True)
class SpeakerInfo:
    name: str
    slug: str
    spellings: tuple[str, ...]

    @property
    def folded(self) -> str:
        return fold_name(" ".join((self.name, self.slug.replace("-", " "), *self.spellings)))


def is_question_turn(
    label: str | None, turn_speaker: str | None, by_statement_speaker: bool, has_speakers: bool
) -> bool:
    """A question (or a moderator's turn): labelled so, or said by someone who is not
    among the statement's speakers."""
    if turn_word(label) in QUESTION_WORDS or turn_word(turn_speaker) in QUESTION_WORDS:
        return True
    if turn_word(turn_speaker) in ANSWER_WORDS:
        return False
    return bool(turn_speaker) and has_speakers and not by_statement_speaker


def ymd(d: dt.date | None) -> int:
    return d.year * 10000 + d.month * 100 + d.day if d else 0


def load_speakers(session: Session) -> dict[int, SpeakerInfo]:
    spellings: dict[int, list[str]] = defaultdict(list)
    for sid, name in session.execute(select(SpeakerAlias.speaker_id, SpeakerAlias.name)):
        spellings[sid].append(name)
    return {
        sid: SpeakerInfo(name, slug, tuple(spellings.get(sid, ())))
        for sid, name, slug in session.execute(select(Speaker.id, Speaker.name, Speaker.slug))
    }


def statement_ids(session: Session, keys: Iterable[str] | None = None) -> list[int]:
    """Ids of the indexed statements with these keys (all when keys is None), in id order.
    A duplicate of another statement (app.ingest.duplicates) is not indexed: its words are
    counted once, under its canonical statement; a key asked for and not returned is taken
    out of the index by the caller."""
    indexed = select(Statement.id).where(Statement.duplicate_of.is_(None))
    if keys is None:
        return list(session.scalars(indexed.order_by(Statement.id)))
    keys = sorted(set(keys))
    out: list[int] = []
    for i in range(0, len(keys), BATCH):
        out.extend(session.scalars(indexed.where(Statement.key.in_(keys[i : i + BATCH]))))
    return sorted(out)


def count_paragraphs(session: Session, ids: list[int] | None = None) -> int:
    q = select(func.count(Paragraph.id)).where(Paragraph.current.is_(True))
    if ids is None:
        q = q.join(Statement, Paragraph.statement_id == Statement.id).where(Statement.duplicate_of.is_(None))
        return session.scalar(q) or 0
    return sum(
        session.scalar(q.where(Paragraph.statement_id.in_(ids[i : i + BATCH]))) or 0
        for i in range(0, len(ids), BATCH)
    )


def iter_documents(
    session: Session, ids: list[int], speakers: dict[int, SpeakerInfo] | None = None
) -> Iterator[tuple[str, list[dict]]]:
    """(statement key, its paragraph documents) for each statement id, BATCH statements per query."""
    speakers = load_speakers(session) if speakers is None else speakers
    for i in range(0, len(ids), BATCH):
        yield from _batch(session, ids[i : i + BATCH], speakers)


def _batch(session: Session, ids: list[int], speakers: dict[int, SpeakerInfo]):
    # the index's statement columns (browse/rows.py reads the pages' own)
    st_rows = session.execute(
        select(
            Statement.id,
            Statement.key,
            Statement.title,
            Statement.kind,
            Statement.date,
            Statement.published,
            Statement.sort_date,
            Statement.excerpt,
            Statement.fingerprint,
            Venue.name.label("venue"),
        )
        .outerjoin(Venue, Statement.venue_id == Venue.id)
        .where(Statement.id.in_(ids))
    ).all()
    st_speakers: dict[int, list[int]] = defaultdict(list)
    for sid, spk in session.execute(
        select(StatementSpeaker.statement_id, StatementSpeaker.speaker_id)
        .where(StatementSpeaker.statement_id.in_(ids))
        .order_by(StatementSpeaker.statement_id, StatementSpeaker.position)
    ):
        st_speakers[sid].append(spk)
    st_topics: dict[int, list[str]] = defaultdict(list)
    for sid, name in session.execute(
        select(StatementTopic.statement_id, Topic.name)
        .join(Topic)
        .where(StatementTopic.statement_id.in_(ids))
        .order_by(StatementTopic.statement_id, StatementTopic.position)
    ):
        st_topics[sid].append(name)
    docs = {
        st.id: _Doc(
            st, [speakers[s] for s in st_speakers[st.id] if s in speakers], st_topics[st.id], speakers
        )
        for st in st_rows
    }
    rows = session.execute(  # the index's paragraph columns (each reader lists its own)
        select(
            Paragraph.statement_id,
            Paragraph.key,
            Paragraph.n,
            Paragraph.text,
            Paragraph.label,
            Paragraph.speaker_name,
            Paragraph.speaker_id,
        )
        .where(Paragraph.statement_id.in_(ids), Paragraph.current.is_(True))
        .order_by(Paragraph.statement_id, Paragraph.n)
        .execution_options(yield_per=2000)
    )  # streamed: a statement may have 600,000 paragraphs
    for row in rows:
        docs[row.statement_id].add(row)
    for sid in sorted(docs):
        doc = docs.pop(sid)  # each built document goes once yielded
        yield doc.st.key, doc.build()


class _Doc:
    """A statement's document, its paragraphs folded in one row at a time (reading order)."""

    def __init__(
        self, st, st_speakers: list[SpeakerInfo], topics: list[str], speakers: dict[int, SpeakerInfo]
    ):
        self.st, self.st_speakers, self.topics, self.speakers = st, st_speakers, topics, speakers
        self.all_speakers = " , ".join(s.folded for s in st_speakers)
        self.texts: list[str] = []
        self.said: list[str] = []
        self.labels: list[str] = []
        self.questions: list[str] = []
        self.entries: list[str] = []

    def add(self, p) -> None:
        speakers = self.speakers
        by_statement_speaker = p.speaker_id is not None and p.speaker_id in speakers
        if by_statement_speaker:
            who = speakers[p.speaker_id].folded
        elif p.speaker_name and turn_word(p.speaker_name) not in ANSWER_WORDS:
            who = fold_name(p.speaker_name)
        else:  # unlabelled (or "A:"): said by the statement's speakers
            who = self.all_speakers
        question = is_question_turn(p.label, p.speaker_name, by_statement_speaker, bool(self.st_speakers))
        self.texts.append(p.text)
        self.said.append(who)
        self.labels.append(fold_name(p.label) if p.label else "")
        self.questions.append("yes" if question else "no")
        self.entries.append(f"{p.n}\t{p.key}")

    def build(self) -> list[dict]:
        """The statement's document (a list of one; none for a statement without paragraphs)."""
        if not self.texts:
            return []
        st, st_speakers, topics = self.st, self.st_speakers, self.topics
        when = st.sort_date or st.date or st.published
        text = join_paragraphs(self.texts)
        self.texts = []
        return [
            {
                "skey": st.key,
                "text": text,
                "exact": text,
                "said": join_paragraphs(self.said),
                "label": join_paragraphs(self.labels),
                "question": join_paragraphs(self.questions),
                "title": st.title,
                "speaker": self.all_speakers,
                "kind": st.kind,
                "venue": fold_name(st.venue or ""),
                "topic": " , ".join(fold_name(t) for t in topics),
                "excerpt": bool(st.excerpt),
                "date": ymd(when),
                "published": ymd(st.published),
                "year": str(when.year) if when else "undated",
                "venue_f": (st.venue or "").encode(),
                "speakers_f": SEP.join(s.name for s in st_speakers).encode(),
                "topics_f": SEP.join(topics).encode(),
                "fp": (st.fingerprint or "").encode(),
                "paras": SEP.join(self.entries).encode(),
                "count": len(self.entries),
            }
        ]


def paragraph_entries(value: bytes) -> list[tuple[int, str]]:
    """The `paras` column of a statement document: (n, paragraph key) by position slot."""
    if not value:
        return []
    out = []
    for item in value.decode().split(SEP):
        n, _, key = item.partition("\t")
        out.append((int(n), key))
    return out
