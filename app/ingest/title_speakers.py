"""Who a title names as the speaker(s), and the kind its head names: "Foreign Minister Sergey
Lavrov's remarks at …" -> remarks, [Sergey Lavrov (Foreign Minister)]. The kind is read from the
head of the title only (the subject and the noun after it, or a leading "Interview by …")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.ingest.genres import kind_at, scan_kind
from app.ingest.names import (
    CORE,
    MODIFIERS,
    PLACES,
    Agent,
    Token,
    is_genitive_role,
    is_name_token,
    nominative,
    parse_agent,
    tokenize,
)

# Verbs that introduce the kind noun: "holds a briefing", "gives an interview".
_VERBS = frozenset("holds held gives gave delivers delivered hosts makes made publishes sends".split())
_LEADIN = re.compile(
    r"^(?:(?:excerpts?|extracts?)\s+from|from|transcript\s+of|(?:full\s+)?text\s+of)"
    r"(?:\s+the)?\s+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str | None
    kind: str = "person"  # or "institution"
    confirmed: bool = True  # False: a bare name the body must confirm ("Alexander Yakovenko for RT")
    printed: str | None = None  # the name as printed, when `name` is its nominative ("С.В.Лаврова")


def _is_empty(a: Agent) -> bool:
    """No subject: nothing, a stray capitalised word ("Main"), or a role word without a role noun."""
    core = a.role and any(w.lower() in CORE for w in a.role.split())
    return not a.institution and not core and (not a.name or " " not in a.name)


def _speaker(a: Agent, confirmed: bool) -> Speaker | None:
    if a.name and (a.role or " " in a.name):
        return Speaker(a.name, a.role, "person", confirmed or bool(a.role))
    if a.institution and not a.name:
        return Speaker(a.institution, None, "institution")
    return None


def _cyrillic_agent(t: Token) -> bool:
    """A Russian role or name right after a genre word: the author, in the genitive."""
    return bool(re.match("[А-ЯЁа-яё]", t.bare)) and (t.low in CORE or t.low in MODIFIERS or is_name_token(t))


def _genitive_speaker(a: Agent) -> Speaker | None:
    """The speaker of an agent that follows a genre word in a Russian title, named in the
    nominative: the agent is in the genitive when its role is ("Министра", "представителя")
    or when the name follows the genre word with no role ("Выступление С.В.Лаврова"); a role
    in the nominative keeps the name as printed."""
    if a.name and (a.role is None or is_genitive_role(a.role)):
        nom = nominative(a.name)
        if nom is not None and nom != a.name:
            return Speaker(nom, a.role, "person", True, printed=a.name)
        if a.role is None and ("." in a.name or " " in a.name):
            return Speaker(a.name, None, "person", True)
    return _speaker(a, True)


def _appositive(toks: list[Token], a: Agent) -> Agent:
    """'Nicolas de Rivière, Permanent Representative of France to the UN': the role after the name;
    'Minister of Foreign Affairs of the Republic of Belarus, V.Makei, at …': the name after the role."""
    if (
        a.role
        and not a.name
        and not a.poss
        and a.end < len(toks)
        and toks[a.end - 1].stop
        and any(w.lower() in CORE for w in a.role.split())
        and (not a.institution or a.role.split()[-1].lower() in CORE)
    ):  # (not "Ministry of X, …")
        n = parse_agent(toks, a.end)
        if (
            n.name
            and not n.role
            and not n.poss
            and (" " in n.name or "." in n.name)
            and not any(w.lower() in PLACES for w in n.name.split())
            and (n.end == len(toks) or toks[n.end - 1].stop and not toks[n.end].bare[:1].isdigit())
        ):
            return Agent(role=a.role, name=n.name, institution=None, poss=False, end=n.end)
        return a
    if (
        not a.name
        or a.role
        or a.poss
        or a.end >= len(toks)
        or not toks[a.end - 1].stop
        or not toks[a.end - 1].bare
        or toks[a.end - 1].low != a.name.split()[-1].lower()
    ):
        return a
    r = parse_agent(toks, a.end)
    if r.name or not r.role or not any(w.lower() in CORE for w in r.role.split()):
        return a
    return Agent(role=r.role, name=a.name, institution=None, poss=r.poss, end=r.end)


def _agents(toks: list[Token], i: int) -> tuple[list[Agent], int]:
    """One agent at toks[i], and more joined by "and"."""
    first = _appositive(toks, parse_agent(toks, i))
    agents, j = [first], first.end
    while j + 1 < len(toks) and toks[j].low in ("and", "и") and not agents[-1].poss:
        nxt = parse_agent(toks, j + 1)
        if not (nxt.name or nxt.institution):
            break
        agents.append(nxt)
        j = nxt.end
    return agents, j


def _unnamed(agents: list[Agent]) -> tuple[str, ...]:
    return tuple(
        a.role
        for a in agents
        if a.role and not a.name and not a.institution and any(w.lower() in CORE for w in a.role.split())
    )


def kind_and_speakers(title: str) -> tuple[str | None, list[Speaker], tuple[str, ...]]:
    """The kind the head of `title` names, its speakers, and the roles it names without a name."""
    toks = tokenize(_LEADIN.sub("", title))
    subject, j = _agents(toks, 0)
    if _is_empty(subject[0]):  # "Interview by …", "Press release on …", "Remarks at …"
        kind, after = scan_kind(toks, 0)
        subject = []
        by = after
        if kind and by < len(toks) and toks[by].low not in ("by", "of", "from"):
            # "Remarks to the Press by …", "Statement at the UNSC by …": the author after a short complement
            by = next(
                (
                    m
                    for m in range(after, min(len(toks), after + 7))
                    if toks[m].low == "by" and not any(t.stop for t in toks[after:m])
                ),
                by,
            )
        if kind and after < len(toks) and (toks[after].low in CORE or _cyrillic_agent(toks[after])):
            subject, k = _agents(
                toks, after
            )  # "Выступление Министра … С.В.Лаврова": the genitive, no preposition
            if _cyrillic_agent(toks[after]):
                return kind, [s for a in subject if (s := _genitive_speaker(a))], _unnamed(subject)
        elif kind and by < len(toks) and toks[by].low in ("by", "of", "from"):
            subject, k = _agents(toks, by + 1)
            if toks[0].low == "meeting" and k < len(toks) and toks[k].low == "with" and not subject[-1].poss:
                subject += _agents(toks, k + 1)[
                    0
                ]  # "Meeting of President X with Prime Minister Y": both speak
        return kind, [s for a in subject if (s := _speaker(a, True))], _unnamed(subject)
    kind, after = scan_kind(toks, j)
    if kind and not subject[-1].poss and after < len(toks) and toks[after].low in ("by", "of"):
        by, _ = _agents(toks, after + 1)  # "Weekly Media Briefing by the Official Spokesperson X"
        people = [s for a in by if (s := _speaker(a, True)) and s.kind == "person"]
        if people:
            return kind, people, _unnamed(by)
    if kind is None and j + 1 < len(toks) and toks[j].low in ("at", "during", "in"):
        k = j + 1 + (toks[j + 1].low in ("a", "an", "the"))  # "Secretary X at a Press Availability"
        found, after = kind_at(toks, k)
        kind = found if found and found != "news" else None
    if kind is None and j < len(toks) and toks[j].low in _VERBS:
        kind, after = scan_kind(toks, j + 1)
    if kind is None and j < len(toks) and toks[j].low == "on" and subject[0].name and not subject[-1].poss:
        kind = "comment"  # "Foreign Ministry Spokeswoman Maria Zakharova on NATO …"
    explicit = subject[-1].poss or kind is not None
    return kind, [s for a in subject if (s := _speaker(a, explicit))], _unnamed(subject)


def speakers_named(text: str) -> list[Speaker]:
    """The speakers a bare phrase names ("Ambassador Alexander Yakovenko"): one, or more joined by "and"."""
    agents, _ = _agents(tokenize(text), 0)
    return [s for a in agents if (s := _speaker(a, True))]
