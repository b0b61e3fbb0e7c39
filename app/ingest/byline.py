"""What may stand between a title and the body: a byline block or a date/venue line, and a
subheading.

Byline (usembassy):             Date line (kremlin.ru):      Subheading (a briefing excerpt):
    Ambassador Robert Wood          December 20, 2012, Moscow    Media coverage of the World Cup
    Alternate Representative …
    New York, New York
    May 18, 2023
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.ingest.genres import genre_only
from app.ingest.names import CORE, HONORIFICS, INSTITUTIONS, parse_agent, split_role_name, tokenize
from app.ingest.turns import split_turn
from app.ingest.venues import date_and_venue, place_name

_TERMINAL = tuple(".,;:!?…")
_ABBREV_END = re.compile(r"\b(?:[A-Za-z]\.){2,}$|\b[ap]\.m\.$")  # "Washington, D.C.", "3:01 p.m."
_SALUTATION = frozenset(
    """dear ladies mr mrs ms madam your excellencies excellency colleagues friends
distinguished good thank thanks hello sir esteemed honourable honorable""".split()
)


@dataclass(frozen=True)
class Byline:
    name: str | None
    role: str | None
    venue: str | None
    date: date | None
    more: tuple[tuple[str, str | None], ...] = ()  # the others of "Remarks of X and Y": (name, role)


_WEEKDAY = re.compile(
    r"^(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+", re.IGNORECASE
)
_TIME = re.compile(
    r",?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?\s?m\.?)?(?:\s+(?:msk|gmt|utc|bst|est|edt|cet))?(?=,|$)",
    re.IGNORECASE,
)


def _date_line(s: str) -> tuple[date | None, str | None]:
    """'May 18, 2023' / 'December 20, 2012, Moscow' / 'Moscow, 28 March 2014' /
    'Friday, March 18, 2022, 3:01 p.m.' -> date, place."""
    s = _TIME.sub("", _WEEKDAY.sub("", s.strip())).strip(" ,")
    d, venue, start = date_and_venue(s)
    if d is None:
        return None, None
    head = s[:start].strip(" ,(")
    if head and not place_name(head):
        return None, None
    return d, venue or (place_name(head) if head else None)


def _cased(s: str) -> str:
    """An ALL-CAPS line read in title case ('ANTONY J. BLINKEN, SECRETARY OF STATE')."""
    return (
        s.title().replace(" Of ", " of ").replace(" The ", " the ").replace(" To ", " to ")
        if s.isupper()
        else s
    )


# Verbs a lead puts after the speaker: "UK Ambassador Barbara Woodward gave a statement at …"
_LEAD_VERBS = frozenset(
    """gave delivered made said stated spoke told addressed answered commented wrote briefed
responded replied gives delivers makes says states speaks tells addresses answers comments writes briefs responds
replies""".split()
)
_LEAD_GATE = re.compile(r"\b(?:" + "|".join(sorted(_LEAD_VERBS)) + r")\b")
_AS_DELIVERED = re.compile(
    r"\s*[(\[]?\s*as\s+(?:delivered|prepared(?:\s+for\s+delivery)?)\s*[)\]]?\s*\.?$", re.IGNORECASE
)


def read_lead(s: str) -> Byline | None:
    """The speaker a lead sentence opens with: 'UK Ambassador Barbara Woodward gave a statement …'."""
    if len(s) > 400 or not (_LEAD_GATE.search(s[:200]) or "’s " in s[:120] or "'s " in s[:120]):
        return None
    toks = tokenize(s[:200])
    a = parse_agent(toks, 0)
    if not a.name or not (a.role or " " in a.name) or a.end >= len(toks):
        return None
    if a.poss or toks[a.end].low in _LEAD_VERBS:
        return Byline(a.name, a.role, None, None)
    return None


def read_name_line(s: str) -> Byline | None:
    """A line that is only a person: 'Ambassador Barbara Woodward', 'Remarks by Ambassador X, as delivered'."""
    if len(s) > 120 or s.endswith(_TERMINAL[:1] + _TERMINAL[3:]) and not _AS_DELIVERED.search(s):
        return None
    core = _AS_DELIVERED.sub("", s).rstrip(" ,")
    m = re.match(r"^(?:[A-Z][\w-]*\s+){0,3}by\s+", core)
    if m:
        core = core[m.end() :]
    toks = tokenize(core)
    if not toks:
        return None
    a = parse_agent(toks, 0)
    named = a.name and (" " in a.name or a.role or toks[0].low in HONORIFICS)
    if not named or a.end < len(toks) or a.institution:
        return None
    return Byline(a.name, a.role, None, None)


_GENRE_OF = re.compile(r"^((?:[A-Z][\w-]*\s+){1,3})(?:of|by)\s+(\S.*)$")


def people_of(s: str) -> list[tuple[str, str | None]]:
    """'Remarks of President Barack Obama and First Lady Michelle Obama as Delivered',
    'Statement by Ambassador X': the people a genre line names, (name, role) each; [] if not that."""
    m = _GENRE_OF.match(_AS_DELIVERED.sub("", s).rstrip(" ,"))
    if not m or not genre_only(m.group(1).strip()):
        return []
    toks = tokenize(m.group(2))
    out: list[tuple[str, str | None]] = []
    i = 0
    while True:
        a = parse_agent(toks, i)
        if not a.name or a.institution or a.poss or not (a.role or " " in a.name):
            return []
        out.append((a.name, a.role))
        if a.end == len(toks):
            return out
        if toks[a.end].low != "and" or toks[a.end - 1].stop:
            return []
        i = a.end + 1


def read_byline(lines: list[str]) -> Byline | None:
    """The byline these lines make, when every line is understood and one is a date."""
    if not 1 <= len(lines) <= 6 or any(
        len(s) > 100 or s.endswith(_TERMINAL) and not _ABBREV_END.search(s) for s in lines
    ):
        return None
    name = role = venue = when = None
    more: tuple[tuple[str, str | None], ...] = ()
    unknown = 0
    for raw in lines:
        s = _cased(raw)
        d, place = _date_line(s)
        agent = split_role_name(s)
        head, _, tail = s.partition(", ")
        if d:
            when, venue = d, venue or place
        elif not name and (people := people_of(s)):
            (name, role), more = people[0], tuple(people[1:])
        elif (
            agent.name
            and agent.end == len(s.split())
            and (agent.role or " " in agent.name)
            and not name
            and (agent.role or not s.lower().startswith("the "))
        ):  # "The White House": not a person
            name, role = agent.name, agent.role
        elif (
            not name
            and tail
            and (a := split_role_name(head)).name
            and a.end == len(head.split())
            and any(w.lower() in CORE for w in tail.split())
        ):
            name, role = a.name, tail  # "Antony J. Blinken, Secretary of State"
        elif name and any(w.lower() in CORE for w in s.split()):
            role = s  # "Alternate Representative for Special Political Affairs"
        elif all(place_name(p) for p in s.split(",")):
            venue = venue or ", ".join(dict.fromkeys(p.strip() for p in s.split(",")))
        elif (
            _AS_DELIVERED.fullmatch(s)
            or genre_only(s)
            or (name and (raw.isupper() or any(w.lower() in INSTITUTIONS for w in s.split())))
        ):
            continue  # "AS DELIVERED", "REMARKS", "U.S. Mission to the United Nations"
        elif unknown == 0 and len(s.split()) <= 8 and s is lines[0]:
            unknown = 1  # a meeting line above the date: "Security Council - Ukraine"
        else:
            return None
    if when:
        return Byline(name, role, venue, when, more)
    if (
        len(lines) <= 2
        and name
        and all(
            split_role_name(x).institution or x is lines[0] or any(w.lower() in CORE for w in x.split())
            for x in lines
        )
    ):
        return Byline(name, role, venue, None)  # name (and role) only: "Ambassador Barbara Woodward"
    return None


def is_subheading(s: str, next_block: list[str] | None) -> bool:
    """A short heading line right under the title, followed by prose."""
    words = s.split()
    if not next_block or not 2 <= len(words) <= 20 or len(s) > 150 or s.endswith(_TERMINAL):
        return False
    if not s[0].isupper() or words[0].lower().strip(",!") in _SALUTATION or split_turn(s) is not None:
        return False
    last = next_block[-1]
    return bool(re.search(r"[.!?…\"”»)]$", last)) or (len(next_block) == 1 and len(last) > 200)
