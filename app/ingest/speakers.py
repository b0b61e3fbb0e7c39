"""Get-or-create the entities a statement refers to: speakers (with name aliases), venues, topics."""
from __future__ import annotations

import re

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ingest.keys import TRANSLIT, name_key, normalise_text
from app.models import Speaker, SpeakerAlias, Topic, Venue


def _display_rank(name: str) -> tuple:
    """The spelling shown for a speaker, chosen from its aliases whatever the ingest order:
    the common transliteration (Sergey over Sergei), then the shorter form, then alphabetical."""
    words = re.findall(r"[^\W\d_]+", name.casefold())
    return (sum(w in TRANSLIT for w in words), len(name), name)


def canonical_spelling(name: str) -> str:
    """'Sergei Lavrov' -> 'sergey lavrov': the same slug whichever spelling came first."""
    return " ".join(TRANSLIT.get(w, w) for w in re.findall(r"[^\W\d_]+", name.casefold()))


def _unique_slug(session: Session, model, base: str) -> str:
    slug, n = base or "unnamed", 1
    while session.scalar(select(model.id).where(model.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def get_or_create_speaker(session: Session, name: str, kind: str) -> Speaker:
    cache = session.info.setdefault("speakers", {})
    if name not in cache:
        cache[name] = _get_or_create_speaker(session, name, kind)
    return cache[name]


def _get_or_create_speaker(session: Session, name: str, kind: str) -> Speaker:
    key = name_key(name) or normalise_text(name)
    speaker = session.scalar(select(Speaker).where(Speaker.key == key))
    if speaker is None:
        slug = _unique_slug(session, Speaker, slugify(canonical_spelling(name)))
        speaker = Speaker(key=key, slug=slug, name=name, kind=kind)
        session.add(speaker)
        session.flush()
    if session.scalar(select(SpeakerAlias.id).where(SpeakerAlias.name == name)) is None:
        session.add(SpeakerAlias(speaker=speaker, name=name))
        if _display_rank(name) < _display_rank(speaker.name):
            speaker.name = name
        session.flush()
    return speaker


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
