"""One statement from its title, byline and body blocks: speakers, kind, paragraphs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from app.ingest.byline import Byline, read_lead
from app.ingest.dates import find_dates
from app.ingest.names import CORE, full_name, role_before, split_role_name
from app.ingest.paragraphs import Block, build, same_person, turns
from app.ingest.title_speakers import Speaker
from app.ingest.titles import TitleInfo, analyse_title
from app.ingest.turns import QUESTION_WORDS, is_turn_word, label_base, split_turn
from app.ingest.types import ParsedSpeaker, ParsedStatement, Role

_SAMPLE_BLOCKS = 60  # how far into the body to look for a speaker's role or full name


def _role_in_text(name: str, text: str) -> str | None:
    for n, m in enumerate(re.finditer(re.escape(name), text)):
        if n >= 20:
            break
        role = role_before(text, m.start())
        if role:
            return role
    return None


def _people(
    info: TitleInfo, byline: Byline | None, title: str, bs: Sequence[Block], labels: Sequence[str]
) -> list[ParsedSpeaker]:
    """The statement's people, with roles from the title, else the byline, labels or body."""
    people = [s for s in info.speakers if s.kind == "person"]
    if not people and byline and byline.name:
        people = [Speaker(byline.name, byline.role)] + [Speaker(n, r) for n, r in byline.more]
    if (
        not people
        and bs
        and info.kind not in ("press_release", "news")
        and (lead := read_lead(re.split(r"(?<=[.!?])\s", bs[0].text, maxsplit=1)[0]))
    ):
        people = [Speaker(lead.name or "", lead.role)]  # "Ambassador X delivered a statement at …"
    sample = "\n".join(b.text for b in bs[:_SAMPLE_BLOCKS])
    agents = [
        a
        for a in (split_role_name(x.title() if x.isupper() else x) for x in map(label_base, labels))
        if a.name and not is_turn_word(a.name)
    ]
    if not people:  # "Address by the President …" and a label "President of Russia Vladimir Putin:"
        people = [
            Speaker(a.name, role)
            for role in info.unnamed
            for a in agents
            if a.name and a.role and _same_role(a.role, role)
        ][:1]
    out = []
    for p in people:
        name = p.name if " " in p.name else (full_name(p.name, f"{title}\n{sample}") or p.name)
        in_labels = [a for a in agents if same_person(a.name or "", name)]
        in_label = next((a.role for a in in_labels if a.role), None)
        role = p.role or in_label or _role_in_text(name, sample) or _addressed_as(bs, name)
        if (
            p.role
            and in_label
            and _same_role(p.role, in_label)
            and not (_norm(p.role) in _norm(in_label) or _norm(in_label) in _norm(p.role))
        ):
            role = (
                in_label  # "Indian Prime Minister" / label "Prime Minister of India …": the label's full form
            )
        if p.confirmed or in_labels or role:
            out.append(ParsedSpeaker(name=name, role=role, kind="person"))
    if not out:
        out = [
            ParsedSpeaker(name=s.name, role=None, kind="institution")
            for s in info.speakers
            if s.kind == "institution"
        ]
    return out


_LEAD_EVENT = re.compile(
    r"\b(?:said|stated|spoke|told|gave|delivered|made|held|answered|addressed|briefed|"
    r"interview|statement|remarks|speech|address|briefing|press\s+conference|talks|message)\b",
    re.IGNORECASE,
)


def _lead_date(bs: Sequence[Block], speakers: Sequence[ParsedSpeaker]) -> date | None:
    """'On 14 April 2021, Deputy Foreign Minister Sergey Ryabkov gave an interview …': the first
    sentence dates the statement when it is about the statement (names its speaker or the act)."""
    if not bs:
        return None
    first = re.split(r"(?<=[.!?])\s", bs[0].text[:400], maxsplit=1)[0]
    hits = find_dates(first)
    if len(hits) != 1:
        return None
    about = _LEAD_EVENT.search(first) and (
        any(p.name.split()[-1] in first for p in speakers if p.name)
        or re.search(r"\b(?:gave|delivered|held|made)\b", first)
    )
    return hits[0][2] if about else None


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


_ADDRESS = re.compile(
    r"\b(?:Mr|Mister|Madam|Madame|Mrs|Ms)\.?\s+(President|Prime\s+Minister|Minister|Ambassador|"
    r"Secretary(?:-General)?|Chancellor|Chairman|Chair|Spokesperson|Director(?:-General)?)\b"
)


def _addressed_as(bs: Sequence[Block], name: str) -> str | None:
    """In an interview the questions call the answerer by role ('Mr President, …'): that role.
    Only questions count (a turn of someone else that asks), not the speaker's own 'Mr President,'."""
    found = set()
    for b in bs[:12]:
        t = split_turn(b.text)
        if t is None or same_person(label_base(t.label), name) or "?" not in t.text:
            continue
        found.update(m.group(1) for m in _ADDRESS.finditer(t.text[:300]))
    return found.pop() if len(found) == 1 else None


_ADDRESSEE = re.compile(
    r"^(?:to|attn|кому)\s*:\s|^dear\s+(?:sirs?|madam|editor|mr\.?\s+editor)\b", re.IGNORECASE
)


def _is_letter(bs: Sequence[Block]) -> bool:
    """The body opens with an addressee ('To: Letters Editor, The Times') or 'Dear Sir,'."""
    return any(_ADDRESSEE.match(b.text) for b in bs[:2])


def _same_role(a: str, b: str) -> bool:
    """Both roles rest on the same role noun ("President of Russia" / "the President …")."""
    nouns = [{w.lower() for w in r.split() if w.lower() in CORE} for r in (a, b)]
    return bool(nouns[0] & nouns[1])


def _is_dialogue(labels: Sequence[str], names: Sequence[str]) -> bool:
    """Questions, or a named person other than the speakers, take turns: an interview."""
    for label in map(label_base, labels):
        if label.lower() in QUESTION_WORDS:
            return True
        who = split_role_name(label).name
        if names and who and not any(same_person(who, n) for n in names):
            return True
    return False


def make_statement(
    role: Role,
    title: str,
    title_line: int,
    bs: list[Block],
    *,
    published: date | None = None,
    captured: date | None = None,
    byline: Byline | None = None,
    heading_kind: str | None = None,
    topics: Sequence[str] = (),
    subtitle: str | None = None,
) -> ParsedStatement:
    info = analyse_title(title)
    bts = turns(bs)
    labels = list(dict.fromkeys(t.label for _, t in bts if t is not None))
    speakers = _people(info, byline, title, bs, labels)
    names = [s.name for s in speakers if s.kind == "person"]
    paragraphs = build(bts, names, {s.name: s.role or "" for s in speakers})
    kind = (
        info.kind
        or heading_kind
        or ("letter" if _is_letter(bs) else None)
        or ("interview" if _is_dialogue(labels, names) else "other")
    )
    when = (
        info.date
        or (byline.date if byline else None)
        or (_lead_date(bs, speakers) if role == "main" else None)
    )
    return ParsedStatement(
        role=role,
        title=" ".join(title.split()),
        kind=kind,
        date=when,
        published=published,
        venue=info.venue or (byline.venue if byline else None),
        speakers=tuple(speakers),
        topics=tuple(topics),
        paragraphs=tuple(paragraphs),
        title_line=title_line,
        captured=captured,
        subtitle=subtitle,
    )
