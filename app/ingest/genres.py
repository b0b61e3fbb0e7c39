"""Genres as pages print them ("Press conference", "Answers to media questions", "Выступление")
and the archive's kinds they stand for; genre labels ("Speech", "Latest news") and section
headings ("PRESS RELEASES") read as kinds."""

from __future__ import annotations

from app.ingest.names import Token, tokenize

# Genre names as ministries and missions print them -> KINDS, by the conventions of the truth files:
# press conferences and press availabilities are briefings, replies to media questions answers,
# a stakeout or remarks to the press remarks, a readout or call summary a press release.
GENRES = {
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
_GENRE_MAX = max(len(k.split()) for k in GENRES)
_GENRE_FIRST = frozenset(k.split()[0] for k in GENRES)
# Words a genre label may carry besides genre names ("Latest news", "Speeches and statements").
_LABEL_WORDS = frozenset(
    """story stories transcript transcripts correspondence notice notices guidance events event
publications multimedia video videos photo photos announcement announcements media archive latest all and & the our
of recent selected main official documents materials opening closing introductory concluding welcoming keynote
joint regular daily weekly annual press media""".split()
)
# Words that end a kind phrase ("remarks at …", "statement on …").
STOPS = frozenset(
    """at to with on in for following during before after about regarding concerning of by
from over upon as into within between""".split()
)


def kind_at(toks: list[Token], i: int) -> tuple[str | None, int]:
    """The kind named by the genre phrase at toks[i] (longest first); and the index after it."""
    if i >= len(toks) or toks[i].low not in _GENRE_FIRST:
        return None, i
    for n in range(min(_GENRE_MAX, len(toks) - i), 0, -1):
        phrase = " ".join(t.low for t in toks[i : i + n])
        if phrase in GENRES and not any(t.stop for t in toks[i : i + n - 1]):
            return GENRES[phrase], i + n
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
        if toks[j].low in STOPS or toks[j].stop:
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
