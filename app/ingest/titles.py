"""What a title says: kind, speakers, date and venue.

"Foreign Minister Sergey Lavrov’s remarks at …, Moscow, October 2, 2021"
    -> remarks, [Sergey Lavrov (Foreign Minister)], 2021-10-02, Moscow
The kind is read from the head of the title only (the subject and the noun after it, or a
leading "Interview by …"), so "FT cannot … publish the Ambassador’s letter" is not a letter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.ingest.dates import find_dates
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

# Genre names as ministries and missions print them -> KINDS, by the conventions of the truth files:
# press conferences and press availabilities are briefings, replies to media questions answers,
# a stakeout or remarks to the press remarks, a readout or call summary a press release.
_GENRES = {
    "remarks": "remarks",
    "remark": "remarks",
    "stakeout": "remarks",
    "press stakeout": "remarks",
    "media stakeout": "remarks",
    "doorstep": "remarks",
    "press point": "remarks",
    "meeting": "remarks",
    "interview": "interview",
    "interviews": "interview",
    "comment": "comment",
    "comments": "comment",
    "commentary": "comment",
    "statement": "statement",
    "statements": "statement",
    "declaration": "statement",
    "communique": "statement",
    "communiqué": "statement",
    "intervention": "statement",
    "explanation of vote": "statement",
    "explanation of position": "statement",
    "right of reply": "statement",
    "article": "article",
    "articles": "article",
    "op-ed": "article",
    "oped": "article",
    "column": "article",
    "opinion": "article",
    "speech": "speech",
    "speeches": "speech",
    "address": "speech",
    "lecture": "speech",
    "keynote": "speech",
    "toast": "speech",
    "video address": "speech",
    "video message": "speech",
    "letter": "letter",
    "letters": "letter",
    "message": "letter",
    "messages": "letter",
    "greetings": "letter",
    "briefing": "briefing",
    "briefings": "briefing",
    "press-conference": "briefing",
    "press conference": "briefing",
    "news conference": "briefing",
    "press briefing": "briefing",
    "press availability": "briefing",
    "media availability": "briefing",
    "news briefing": "briefing",
    "media briefing": "briefing",
    "answers": "answers",
    "answer": "answers",
    "replies": "answers",
    "reply": "answers",
    "responds": "answers",
    "response": "answers",
    "responses": "answers",
    "press release": "press_release",
    "press releases": "press_release",
    "news release": "press_release",
    "media release": "press_release",
    "media note": "press_release",
    "press note": "press_release",
    "readout": "press_release",
    "read-out": "press_release",
    "telephone conversation": "press_release",
    "phone conversation": "press_release",
    "telephone call": "press_release",
    "phone call": "press_release",
    "news": "news",
    "news story": "news",
    "opening remarks": "remarks",
    "closing remarks": "remarks",
    "introductory remarks": "remarks",
    "concluding remarks": "remarks",
    "welcoming remarks": "remarks",
    "remarks to the press": "remarks",
    "remarks to the media": "remarks",
    "press remarks": "remarks",
    "keynote address": "speech",
    "keynote speech": "speech",
    "joint statement": "statement",
    "press statement": "statement",
    "joint press conference": "briefing",
    "regular press conference": "briefing",
    "daily press briefing": "briefing",
    "answers to media questions": "answers",
    "answer to a media question": "answers",
    "call": "press_release",
    # Russian-language pages
    "выступление": "remarks",
    "интервью": "interview",
    "заявление": "statement",
    "совместное заявление": "statement",
    "комментарий": "comment",
    "брифинг": "briefing",
    "пресс-конференция": "briefing",
    "статья": "article",
    "письмо": "letter",
    "послание": "letter",
    "обращение": "speech",
    "речь": "speech",
    "ответ": "answers",
    "ответы": "answers",
    "пресс-релиз": "press_release",
    "сообщение": "press_release",
    "телефонный разговор": "press_release",
    "новости": "news",
}
_GENRE_MAX = max(len(k.split()) for k in _GENRES)
_GENRE_FIRST = frozenset(k.split()[0] for k in _GENRES)
# Words a genre label may carry besides genre names ("Latest news", "Speeches and statements").
_LABEL_WORDS = frozenset(
    """story stories transcript transcripts correspondence notice notices guidance events event
publications multimedia video videos photo photos announcement announcements media archive latest all and & the our
of recent selected main official documents materials opening closing introductory concluding welcoming keynote
joint regular daily weekly annual press media""".split()
)
# Verbs that introduce the kind noun: "holds a briefing", "gives an interview".
_VERBS = frozenset("holds held gives gave delivers delivered hosts makes made publishes sends".split())
_STOPS = frozenset(
    """at to with on in for following during before after about regarding concerning of by
from over upon as into within between""".split()
)
_LEADIN = re.compile(
    r"^(?:(?:excerpts?|extracts?)\s+from|from|transcript\s+of|(?:full\s+)?text\s+of)"
    r"(?:\s+the)?\s+",
    re.IGNORECASE,
)
_NOT_PLACES = frozenset(
    """foreign deputy first permanent alternate acting special presidential executive
press information ministry""".split()
)
_PLACE_WORD = re.compile(r"^[A-ZА-ЯЁ][\w’'.-]*$")


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str | None
    kind: str = "person"  # or "institution"
    confirmed: bool = True  # False: a bare name the body must confirm ("Alexander Yakovenko for RT")
    printed: str | None = None  # the name as printed, when `name` is its nominative ("С.В.Лаврова")


@dataclass(frozen=True)
class TitleInfo:
    kind: str | None
    speakers: tuple[Speaker, ...]
    date: date | None
    venue: str | None
    unnamed: tuple[str, ...] = ()  # roles of people the title does not name ("the President")

    @property
    def signals(self) -> int:
        """How much this line looks like a statement title (kind, speaker, date)."""
        return bool(self.kind) + bool(self.speakers) + bool(self.date)


def kind_at(toks: list[Token], i: int) -> tuple[str | None, int]:
    """The kind named by the genre phrase at toks[i] (longest first); and the index after it."""
    if i >= len(toks) or toks[i].low not in _GENRE_FIRST:
        return None, i
    for n in range(min(_GENRE_MAX, len(toks) - i), 0, -1):
        phrase = " ".join(t.low for t in toks[i : i + n])
        if phrase in _GENRES and not any(t.stop for t in toks[i : i + n - 1]):
            return _GENRES[phrase], i + n
    return None, i


def genre_only(line: str) -> bool:
    """A label naming only a genre: 'Speech', 'News story', 'Security Council: Press Conference'."""
    head, _, tail = line.rpartition(": ")
    text = tail if head and len(head.split()) <= 5 else line
    words = text.lower().split()
    if not 1 <= len(words) <= 6 or words[0].strip(",.:;'’\"“”«»()") not in _GENRE_FIRST | _LABEL_WORDS:
        return False
    toks = tokenize(text.replace(",", " , "))
    if not 1 <= len(toks) <= 6:
        return False
    j, found = 0, False
    while j < len(toks):
        kind, after = kind_at(toks, j)
        if kind:
            found, j = True, after
        elif toks[j].low in _LABEL_WORDS or not toks[j].bare:
            j += 1
        else:
            return False
    return found


def scan_kind(toks: list[Token], i: int, limit: int = 8) -> tuple[str | None, int]:
    """The first kind noun in the phrase starting at toks[i], before a preposition or comma."""
    for j in range(i, min(len(toks), i + limit)):
        kind, after = kind_at(toks, j)
        if kind:
            return kind, after
        if toks[j].low in _STOPS or toks[j].stop:
            break
    return None, i


def kind_of_heading(heading: str) -> str | None:
    """'PRESS RELEASES' -> press_release; None when the heading names several kinds."""
    toks = tokenize(heading.replace(",", " , "))
    kinds = set()
    j = 0
    while j < len(toks):
        kind, after = kind_at(toks, j)
        if kind:
            kinds.add(kind)
        j = max(after, j + 1)
    return kinds.pop() if len(kinds) == 1 else None


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


def _kind_and_speakers(title: str) -> tuple[str | None, list[Speaker], tuple[str, ...]]:
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


def place_name(p: str) -> str | None:
    p = p.strip(" “”\"«»’'()")
    words = p.split()
    if not 1 <= len(words) <= 4 or len(p) > 40:
        return None
    for w in words:
        if w.lower() in CORE or w.lower() in _NOT_PLACES:
            return None
        if w.lower() in _GENRES or not (_PLACE_WORD.match(w) or w.lower() in ("upon", "on", "de", "am")):
            return None
    return p


def _venue_before(before: str) -> str | None:
    b = before.rstrip(" ,(")
    if re.search(r"\b(?:on|dated|of|from|since|until|published|as)$", b, re.IGNORECASE):
        return None  # "published April 19, 2017": the date belongs to a phrase, no place
    segs = b.split(",")
    last = segs[-1].strip().lstrip("(")
    if len(segs) > 1 and (p := place_name(last)):
        return p
    m = re.search(r"\bin\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2})$", last)
    if m:
        return place_name(m.group(1))
    m = re.search(r"\s((?:New|St\.?|Abu|Tel|Addis|Buenos)\s+[A-Z][\w-]+|[A-Z][\w-]+)$", last)
    if m and m.group(1).split()[-1].lower() in PLACES:  # "Interview of S.V. Lavrov Moscow, 12 March 2022"
        return m.group(1)
    # "… programme “Voskresnoye vremya” Moscow" / "… annual press conference Moscow"
    m = re.search(r"(?:[”\"»]|\b([a-z][\w-]*))\s+([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)?)$", last)
    if m and (m.group(1) or "").lower() not in _STOPS | {
        "the",
        "a",
        "an",
        "and",
        "his",
        "her",
        "its",
        "their",
    }:
        return place_name(m.group(2))
    return None


def date_and_venue(text: str) -> tuple[date | None, str | None, int]:
    """The full date at the end of `text` (", October 2, 2021", "(13 June 2017, London)") and
    the place printed next to it; and where the date starts (len(text) when none)."""
    hits = find_dates(text)
    if not hits:
        return None, None, len(text)
    start, end, d = hits[-1]
    if re.search(r"\bdated\s*$", text[:start], re.IGNORECASE):
        return None, None, len(text)  # "the letter … dated 13 March 2018": a document's date, not the event's
    after = re.fullmatch(r"\s*(?:г\.|года)?\s*((?:,\s*[^\W\d][^(),]{0,40}?){0,3})\s*\)?\s*\.?\s*", text[end:])
    if not after:
        return None, None, len(text)
    return d, _places_after(after.group(1)) or _venue_before(text[:start]), start


def _places_after(tail: str) -> str | None:
    """', The Kremlin, Moscow' -> 'The Kremlin, Moscow'; ', New York, New York' -> 'New York'."""
    parts = [p.strip() for p in tail.split(",") if p.strip()]
    if not parts or not all(place_name(p) for p in parts):
        return None
    return ", ".join(dict.fromkeys(parts))


_AUTHOR = re.compile(r"\((?:an?\s+(?:article|op-ed|column)\s+)?by\s+([^()]{3,80})\)\s*$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def analyse_title(title: str) -> TitleInfo:
    # a title is short; an overlong "title" line is read at its head and tail only
    d, venue, _ = date_and_venue(title[-300:])
    kind, speakers, unnamed = _kind_and_speakers(title[:300])
    if kind is None and not speakers and ": " in title[:300]:
        # "Headline: UK statement at the UN Security Council, 18 March 2022": the genre after the colon
        tail = title[:300].rsplit(": ", 1)[1]
        if len(tail.split()) >= 2:
            kind, speakers, unnamed = _kind_and_speakers(tail)
    if not speakers and (m := _AUTHOR.search(title[:300])):
        # "SALISBURY: A CLASSIFIED CASE (by Ambassador Alexander Yakovenko)": the author's piece
        agents, _ = _agents(tokenize(m.group(1)), 0)
        speakers = [s for a in agents if (s := _speaker(a, True))]
        if speakers and kind is None:
            kind = "article"
    return TitleInfo(kind=kind, speakers=tuple(speakers), date=d, venue=venue, unnamed=unnamed)
