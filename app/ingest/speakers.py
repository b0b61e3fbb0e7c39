"""Get-or-create the entities a statement refers to: speakers (with name aliases and redirect
slugs; the speaker table's people whatever the spelling), venues, topics."""

from __future__ import annotations

import datetime as dt
import re

from slugify import slugify
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.ingest.keys import TRANSLIT, name_key, normalise_text
from app.ingest.name_parts import name_parts
from app.ingest.speaker_table import Person, default_table, structured_name
from app.models import (
    Paragraph,
    Speaker,
    SpeakerAlias,
    SpeakerRedirect,
    Statement,
    StatementSpeaker,
    Topic,
    Venue,
)


def _display_rank(name: str) -> tuple:
    """The spelling shown for a speaker, chosen from its aliases whatever the ingest order:
    the common transliteration (Sergey over Sergei), then the shorter form, then alphabetical."""
    words = re.findall(r"[^\W\d_]+", name.casefold())
    return (sum(w in TRANSLIT for w in words), len(name), name)


def canonical_spelling(name: str) -> str:
    """'Sergei Lavrov' -> 'sergey lavrov': the same slug whichever spelling came first."""
    return " ".join(TRANSLIT.get(w, w) for w in re.findall(r"[^\W\d_]+", name.casefold()))


def _unique_slug(session: Session, model, base: str) -> str:
    """A slug no row of `model` has — nor, for speakers, any redirect (an issued alias URL
    never changes meaning)."""
    slug, n = base or "unnamed", 1
    while session.scalar(select(model.id).where(model.slug == slug)) is not None or (
        model is Speaker and session.get(SpeakerRedirect, slug) is not None
    ):
        n += 1
        slug = f"{base}-{n}"
    return slug


def get_or_create_speaker(
    session: Session, name: str, kind: str, role: str | None = None, when: dt.date | None = None
) -> Speaker:
    """The speaker a printed name is: a person of the speaker table when the table, the role
    and the date say so (app/ingest/speaker_table.py), else the row of its name key."""
    person = default_table().match(name, role=role, when=when) if kind == "person" else None
    cache = session.info.setdefault("speakers", {})
    ck = (name, kind, person.name if person else None)
    if ck not in cache:
        cache[ck] = _get_or_create_speaker(session, name, kind, person)
    return cache[ck]


def _get_or_create_speaker(session: Session, name: str, kind: str, person: Person | None) -> Speaker:
    shown = person.name if person else name
    key = name_key(shown) or normalise_text(shown)
    speaker = session.scalar(select(Speaker).where(Speaker.key == key))
    if speaker is None:
        slug = _unique_slug(session, Speaker, slugify(canonical_spelling(shown)))
        speaker = Speaker(
            key=key,
            slug=slug,
            name=shown,
            kind=kind,
            person=person.name if person else None,
            name_parts=structured_name(shown, kind, person),
        )
        session.add(speaker)
        session.flush()
    elif person is not None and speaker.person != person.name:  # a row of the same spelling, made before
        speaker.person, speaker.name, speaker.name_parts = (
            person.name,
            person.name,
            structured_name(shown, kind, person),
        )
    if add_spelling(session, speaker, name):
        if speaker.person is None and _display_rank(name) < _display_rank(speaker.name):
            speaker.name, speaker.name_parts = name, name_parts(name, kind=kind)
        session.flush()
    elif speaker.name_parts is None:
        speaker.name_parts = structured_name(speaker.name, kind, person)
    return speaker


def add_spelling(session: Session, speaker: Speaker, name: str) -> bool:
    """Record a spelling met for `speaker` (and its slug as a redirect); False if already known."""
    if not name or session.scalar(select(SpeakerAlias.id).where(SpeakerAlias.name == name)) is not None:
        return False
    session.add(SpeakerAlias(speaker=speaker, name=name))
    _add_redirect(session, slugify(name), speaker)
    return True


def _add_redirect(session: Session, slug: str, speaker: Speaker) -> None:
    """`slug` leads to `speaker` unless it is taken (a speaker's own slug or an earlier redirect)."""
    if not slug or slug == speaker.slug or session.get(SpeakerRedirect, slug) is not None:
        return
    if session.scalar(select(Speaker.id).where(Speaker.slug == slug)) is not None:
        return
    session.add(SpeakerRedirect(slug=slug, speaker_id=speaker.id))


def speaker_for_slug(session: Session, slug: str) -> tuple[Speaker | None, bool]:
    """(speaker, redirected): the speaker of a slug, or of a redirect slug (then True)."""
    speaker = session.scalar(select(Speaker).where(Speaker.slug == slug))
    if speaker is not None:
        return speaker, False
    redirect = session.get(SpeakerRedirect, slug)
    return (session.get(Speaker, redirect.speaker_id), True) if redirect is not None else (None, False)


def reconcile_speakers(session: Session) -> set[str]:
    """Merge into the speaker table's people the rows made for their other spellings — by an
    archive built before the table knew them, or left without statements when their statements
    moved. A row is merged when the table names the same person for each of its statements
    (its name, the role and the date of each); it leaves redirects for its slug and spellings.
    Returns the keys of the statements whose speaker changed (for the search index)."""
    table = default_table()
    changed: set[str] = set()
    for sp in session.scalars(
        select(Speaker).where(Speaker.person.is_(None), Speaker.kind == "person").order_by(Speaker.slug)
    ).all():
        if not table.could_match(sp.name):
            continue
        uses = session.execute(
            select(Statement.key, StatementSpeaker.role, Statement.date, Statement.published)
            .join(StatementSpeaker, StatementSpeaker.statement_id == Statement.id)
            .where(StatementSpeaker.speaker_id == sp.id)
        ).all()
        said = (
            {table.match(sp.name, role=role, when=d or pub) for _, role, d, pub in uses}
            if uses
            else {table.match(sp.name)}
        )
        if len(said) != 1 or None in said:
            continue
        person = said.pop()
        target = _get_or_create_speaker(session, person.name, "person", person)
        if target.id == sp.id:
            continue
        changed.update(k for k, *_ in uses)
        changed.update(
            session.scalars(
                select(Statement.key)
                .join(Paragraph, Paragraph.statement_id == Statement.id)
                .where(Paragraph.speaker_id == sp.id)
                .distinct()
            )
        )
        _merge(session, sp, target)
    return changed


def _merge(session: Session, old: Speaker, target: Speaker) -> None:
    session.execute(
        update(StatementSpeaker).where(StatementSpeaker.speaker_id == old.id).values(speaker_id=target.id)
    )
    session.execute(update(Paragraph).where(Paragraph.speaker_id == old.id).values(speaker_id=target.id))
    session.execute(
        update(SpeakerAlias).where(SpeakerAlias.speaker_id == old.id).values(speaker_id=target.id)
    )
    session.execute(
        update(SpeakerRedirect).where(SpeakerRedirect.speaker_id == old.id).values(speaker_id=target.id)
    )
    slug = old.slug
    session.expire(old)
    session.delete(old)
    session.flush()
    _add_redirect(session, slug, target)
    session.info.get("speakers", {}).clear()
    session.flush()


def _get_or_create_named(session: Session, model, name: str):
    cache = session.info.setdefault(model.__tablename__, {})
    if name not in cache:
        cache[name] = _lookup_named(session, model, name)
    return cache[name]


def _lookup_named(session: Session, model, name: str):
    key = slugify(name) or normalise_text(name)
    row = session.scalar(select(model).where(model.key == key))
    if row is None:
        row = model(key=key, name=name)
        session.add(row)
        session.flush()
    elif name < row.name:  # one spelling whatever the ingest order
        row.name = name
    return row


def get_or_create_venue(session: Session, name: str) -> Venue:
    return _get_or_create_named(session, Venue, name)


def get_or_create_topic(session: Session, name: str) -> Topic:
    return _get_or_create_named(session, Topic, name)
