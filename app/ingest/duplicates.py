"""Duplicates across sites: one statement published at several places.

A ministry's transcript reappears on embassy sites and aggregators, each with its own title
line and layout, so each becomes a statement of its own (its key comes from its title and
date). Two statements are *one text* when the sets of their word 5-shingles (over the whole
text, so a different paragraph split does not matter) have a Jaccard similarity of at least
`THRESHOLD` and their dates, when both have one, are at most `DATE_SLACK` apart (a yearly
message reusing last year's words is not a duplicate). Excerpts (teasers) never group.

Finding candidates is MinHash LSH (datasketch): each statement's signature is cut into
`BANDS` bands whose hashes are stored (`duplicate_bands`); statements sharing a band are
candidates, and every candidate pair is then decided on the exact Jaccard of the shingles,
so the outcome does not depend on hashing luck beyond the candidate step. Decided pairs
are kept as links (`duplicate_links`); a group is a connected component of links.

Each group has one canonical statement: the earliest dated, then the one with the most
paragraphs (the fuller text), then the smallest key. Every other member points to it
(`statements.duplicate_of`); the search index holds only canonical statements, so search,
facets and counts count the words once, while every member's own URLs keep resolving.
All of it is a function of the statements' current texts only: the same pages in any order
give the same groups and the same canonical keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.ingest.keys import normalise_text
from app.models import DuplicateBand, DuplicateLink, Paragraph, Statement

SHINGLE = 5
PERMUTATIONS = 128
BANDS, ROWS = 16, 8  # candidate at Jaccard 0.8 with p ~ 0.95, at 0.9 with p > 0.9999
HASH_SLICE = 2000  # shingles hashed at a time (band_hashes)
THRESHOLD = 0.8
DATE_SLACK = dt.timedelta(days=7)
BATCH = 500
CHUNK = 2000  # statements regrouped at a time (regroup_in_chunks)
_WORD = re.compile(r"\w+")


def shingles(texts: Iterable[str]) -> set[str]:
    """Word 5-shingles of the text (normalised: NFKC, case and quotes folded, punctuation
    dropped), across paragraph boundaries; a text shorter than 5 words is one shingle."""
    words = [w for t in texts for w in _WORD.findall(normalise_text(t))]
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def band_hashes(shingle_set: set[str]) -> list[int]:
    """The LSH band keys of a shingle set: `BANDS` signed 63-bit integers."""
    from datasketch import MinHash  # here: datasketch imports scipy (1 s), which parse workers never need

    mh = MinHash(num_perm=PERMUTATIONS, seed=1)
    # a slice at a time: update_batch holds a PERMUTATIONS x len(batch) array of 64-bit
    # hashes (102 MB for a 50,000-paragraph statement at once); the minimum is the same
    ordered = sorted(shingle_set)
    for i in range(0, len(ordered), HASH_SLICE):
        mh.update_batch([s.encode("utf-8") for s in ordered[i : i + HASH_SLICE]])
    values = mh.hashvalues
    out = []
    for b in range(BANDS):
        chunk = values[b * ROWS : (b + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([b]) + chunk, digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True) >> 1)
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def dates_compatible(a: dt.date | None, b: dt.date | None) -> bool:
    return a is None or b is None or abs(a - b) <= DATE_SLACK


@dataclass(frozen=True)
class Member:
    key: str
    sort_date: dt.date | None
    paragraphs: int

    def order(self) -> tuple:
        return (self.sort_date or dt.date.max, -self.paragraphs, self.key)


def canonical(members: Iterable[Member]) -> Member:
    return min(members, key=Member.order)


# --- the database side -------------------------------------------------------------------


def _texts(session: Session, keys: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for i in range(0, len(keys), BATCH):
        rows = session.execute(
            select(Statement.key, Paragraph.text)
            .join(Paragraph, Paragraph.statement_id == Statement.id)
            .where(Statement.key.in_(keys[i : i + BATCH]), Paragraph.current.is_(True))
            .order_by(Statement.key, Paragraph.n)
        )
        for key, text in rows:
            out[key].append(text)
    return out


def _members(session: Session, keys: Iterable[str]) -> dict[str, tuple[Member, bool]]:
    """key -> (member, is an excerpt) for the keys still in the database."""
    keys = sorted(set(keys))
    out = {}
    for i in range(0, len(keys), BATCH):
        for key, sort_date, count, excerpt in session.execute(
            select(Statement.key, Statement.sort_date, Statement.paragraph_count, Statement.excerpt).where(
                Statement.key.in_(keys[i : i + BATCH])
            )
        ):
            out[key] = (Member(key, sort_date, count or 0), bool(excerpt))
    return out


def _forget(session: Session, keys: list[str]) -> set[str]:
    """Drop the bands and links of these keys; return their former neighbours."""
    neighbours: set[str] = set()
    for i in range(0, len(keys), BATCH):
        chunk = keys[i : i + BATCH]
        for a, b in session.execute(
            select(DuplicateLink.key_a, DuplicateLink.key_b).where(
                or_(DuplicateLink.key_a.in_(chunk), DuplicateLink.key_b.in_(chunk))
            )
        ):
            neighbours.update((a, b))
        session.execute(
            delete(DuplicateLink).where(or_(DuplicateLink.key_a.in_(chunk), DuplicateLink.key_b.in_(chunk)))
        )
        session.execute(delete(DuplicateBand).where(DuplicateBand.statement_key.in_(chunk)))
    return neighbours


def _candidates(session: Session, bands: dict[str, list[int]]) -> dict[str, set[str]]:
    by_band: dict[int, set[str]] = defaultdict(set)
    for key, hashes in bands.items():
        for h in hashes:
            by_band[h].add(key)
    wanted = sorted(by_band)
    out: dict[str, set[str]] = defaultdict(set)
    for i in range(0, len(wanted), BATCH):
        for key, band in session.execute(
            select(DuplicateBand.statement_key, DuplicateBand.band).where(
                DuplicateBand.band.in_(wanted[i : i + BATCH])
            )
        ):
            for mine in by_band[band]:
                if key != mine:
                    out[mine].add(key)
    return out


def _links(
    session: Session,
    fresh: dict[str, set[str]],
    members: dict[str, tuple[Member, bool]],
    candidates: dict[str, set[str]],
) -> dict[tuple[str, str], float]:
    others = sorted({c for cs in candidates.values() for c in cs} - set(fresh))
    info = dict(members)
    info.update(_members(session, others))
    sets = dict(fresh)
    sets.update((k, shingles(t)) for k, t in _texts(session, others).items())
    links: dict[tuple[str, str], float] = {}
    for key in sorted(candidates):
        for other in sorted(candidates[key]):
            pair = (min(key, other), max(key, other))
            if pair in links or other not in info or info[other][1]:
                continue
            if not dates_compatible(info[key][0].sort_date, info[other][0].sort_date):
                continue
            sim = jaccard(sets[key], sets.get(other, set()))
            if sim >= THRESHOLD:
                links[pair] = round(sim, 4)
    return links


def _component(session: Session, start: str, seen: set[str]) -> set[str]:
    group, frontier = {start}, [start]
    while frontier:
        chunk, frontier = frontier[:BATCH], frontier[BATCH:]
        for a, b in session.execute(
            select(DuplicateLink.key_a, DuplicateLink.key_b).where(
                or_(DuplicateLink.key_a.in_(chunk), DuplicateLink.key_b.in_(chunk))
            )
        ):
            for k in (a, b):
                if k not in group:
                    group.add(k)
                    frontier.append(k)
    seen.update(group)
    return group


def regroup(session: Session, changed: Iterable[str], removed: Iterable[str] = ()) -> set[str]:
    """Bring the groups up to date after these statements were written or deleted. Returns
    the keys whose canonical statement changed (they are to be re-indexed)."""
    changed, removed = set(changed), set(removed)
    neighbours = _forget(session, sorted(changed | removed))
    members = _members(session, changed)
    texts = _texts(session, sorted(k for k, (_m, excerpt) in members.items() if not excerpt))
    fresh = {k: shingles(t) for k, t in texts.items()}
    bands = {k: band_hashes(s) for k, s in fresh.items() if s}
    rows = [{"statement_key": k, "band": h} for k in sorted(bands) for h in sorted(set(bands[k]))]
    for i in range(0, len(rows), BATCH):
        session.execute(insert(DuplicateBand.__table__), rows[i : i + BATCH])
    links = _links(session, fresh, members, _candidates(session, bands))
    link_rows = [{"key_a": a, "key_b": b, "similarity": s} for (a, b), s in sorted(links.items())]
    for i in range(0, len(link_rows), BATCH):
        session.execute(insert(DuplicateLink.__table__), link_rows[i : i + BATCH])
    return _assign(session, (set(members) | neighbours) - removed)


def _assign(session: Session, keys: set[str]) -> set[str]:
    moved: set[str] = set()
    seen: set[str] = set()
    for key in sorted(keys):
        if key in seen:
            continue
        group = _component(session, key, seen)
        info = _members(session, group)
        head = canonical(m for m, _ in info.values()).key if info else None
        current = dict(
            session.execute(
                select(Statement.key, Statement.duplicate_of).where(Statement.key.in_(sorted(info)))
            ).all()
        )
        for k in sorted(info):
            want = None if k == head or len(info) == 1 else head
            if current.get(k) != want:
                session.execute(update(Statement).where(Statement.key == k).values(duplicate_of=want))
                moved.add(k)
    return moved


def regroup_in_chunks(session: Session, changed: Iterable[str], removed: Iterable[str] = ()) -> set[str]:
    """`regroup`, `CHUNK` statements at a time, so that memory holds one chunk's texts and
    shingle sets, not a whole run's (a 1.5M-paragraph ingest held 12 GB at once). The outcome
    is the same: a chunk's bands are in the table when the next chunk looks for candidates,
    and a chunk that drops links regroups their former neighbours."""
    keys = sorted(set(changed))
    moved = regroup(session, keys[:CHUNK], removed)
    for i in range(CHUNK, len(keys), CHUNK):
        moved |= regroup(session, keys[i : i + CHUNK])
    return moved


def regroup_all(session: Session) -> set[str]:
    """Recompute every group from the statements' texts (e.g. after an import)."""
    keys = list(session.scalars(select(Statement.key).order_by(Statement.key)))
    session.execute(delete(DuplicateLink))
    session.execute(delete(DuplicateBand))
    return regroup_in_chunks(session, keys)


@dataclass
class Group:
    canonical: str
    members: list[str]  # canonical first, then by key
    links: list[tuple[str, str, float]]


def groups(session: Session) -> list[Group]:
    """Every group of two or more statements, by canonical key (for `archive duplicates`)."""
    members: dict[str, list[str]] = defaultdict(list)
    for key, head in session.execute(
        select(Statement.key, Statement.duplicate_of)
        .where(Statement.duplicate_of.is_not(None))
        .order_by(Statement.key)
    ):
        members[head].append(key)
    out = []
    for head in sorted(members):
        keys = [head, *members[head]]
        links = [
            (a, b, s)
            for a, b, s in session.execute(
                select(DuplicateLink.key_a, DuplicateLink.key_b, DuplicateLink.similarity)
                .where(DuplicateLink.key_a.in_(keys))
                .order_by(DuplicateLink.key_a, DuplicateLink.key_b)
            )
        ]
        out.append(Group(head, keys, links))
    return out


def after_writes(session: Session, changed: Iterable[str], removed: Iterable[str] = ()) -> set[str]:
    """The ingest, re-parse and import step: regroup what these writes touched and queue the
    statements whose canonical changed for the index (in the caller's transaction)."""
    from app.outbox import enqueue

    moved = regroup_in_chunks(session, changed, removed)
    enqueue(session, moved)
    return moved


def written_keys(results: Iterable) -> tuple[set[str], set[str]]:
    """(changed, removed) statement keys of a run's LoadResults."""
    changed: set[str] = set()
    removed: set[str] = set()
    for r in results:
        changed |= r.changed_keys
        removed |= r.removed_keys
    return changed - removed, removed
