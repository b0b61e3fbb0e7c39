"""Turn labels: "Question:", "Q:", "A.:", "Sergey Lavrov:", "President of Russia Vladimir Putin:".

A label is a short, name-like prefix followed by a colon at the very start of a paragraph:
capitalised words (with particles such as "of", "bin", "von"), or a turn word (Question,
Answer, Q, A …). A sentence that only mentions a name ("In a recent article Fyodor
Lukyanov wrote: …") is not a label, nor is "Note:" or "Answers to media questions:".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.vocabulary import ANSWER_WORDS, QUESTION_WORDS

CONNECTORS = frozenset(
    {
        "of",
        "the",
        "to",
        "for",
        "and",
        "de",
        "da",
        "di",
        "del",
        "von",
        "van",
        "der",
        "bin",
        "ibn",
        "al",
        "el",
        "la",
        "le",
        "du",
        "y",
    }
)
# Capitalised words that open sentences or headings rather than name a speaker.
_NOT_NAMES = frozenset(
    """
the in at on for as if it this that these those we i he she they our my your his her its note
example update first second third fourth fifth finally firstly secondly thirdly also however
here there why what how when where who subject topic re source tel phone fax email e-mail address
date time place venue ps table contents answers questions dear ladies excellencies colleagues
friends distinguished attention warning important summary conclusion background quote source
""".split()
)
_TIME = re.compile(r"\d{1,2}:\d{2}\b")
_LETTER_DOT = re.compile(r"[^\W\d_]\.")
_SINGLE = re.compile(r"([^\W\d_][\w’'-]{1,30}):\s")
_PAREN = re.compile(r"\s*\(([^()]{1,60})\)$")
_WORD = re.compile(r"^(?:[^\W\d_][\w’'.-]*|[^\W\d_]\.)$")
_INITIALS_NAME = re.compile(r"(?:[^\W\d_]\.){1,3}[^\W\d_][\w’'-]+")  # "S.V.Lavrov"
# Role words that label a turn on their own ("Ambassador:", "THE PRESIDENT:", "Minister:").
ROLE_LABELS = frozenset(
    """ambassador minister president spokesperson spokeswoman spokesman representative secretary
chairman chairwoman chair envoy premier chancellor governor mayor king queen prince director commissioner
secretary-general""".split()
)


def label_base(label: str) -> str:
    """The label without a remark in parentheses: 'Narendra Modi (retranslated)' -> 'Narendra Modi'."""
    m = _PAREN.search(label)
    return label[: m.start()].strip() if m else label


@dataclass(frozen=True)
class Turn:
    label: str  # as printed, without the colon (and without a trailing "." of "A.")
    text: str  # the paragraph after the label


_ROLE_MODIFIERS = frozenset("vice deputy first acting prime foreign".split())


def _the_role(low: list[str]) -> bool:
    """'THE PRESIDENT', 'THE VICE PRESIDENT', 'THE FIRST LADY': an office as a turn label."""
    if low[0] != "the" or not 2 <= len(low) <= 4:
        return False
    if low[1:] == ["first", "lady"]:
        return True
    return low[-1] in ROLE_LABELS and all(w in _ROLE_MODIFIERS for w in low[1:-1])


def _label_words_ok(words: list[str]) -> bool:
    if not 1 <= len(words) <= 8:
        return False
    if words[0].lower() in _NOT_NAMES and not _the_role([w.lower() for w in words]):
        return False  # "THE PRESIDENT:" is a label; "The point:" is not
    commas = 0
    for i, w in enumerate(words):
        if i and w.lower() in CONNECTORS:
            continue
        if w.endswith(",") and i < len(words) - 1:  # "John Smith, BBC:": a journalist and the outlet
            commas, w = commas + 1, w[:-1]
        if commas > 1 or not _WORD.match(w) or not w[0].isupper():
            return False
    return True


def is_turn_word(label: str) -> bool:
    w = label_base(label).lower().rstrip(".")
    return w in QUESTION_WORDS or w in ANSWER_WORDS


def split_turn(text: str, single_words: frozenset[str] = frozenset()) -> Turn | None:
    """The label opening `text`, if any. Single-word labels other than turn words count only
    when listed in `single_words` (names used as labels elsewhere on the page)."""
    colon = text.find(":", 0, 90)
    if colon <= 0:
        return None
    head, rest = text[:colon].strip(), text[colon + 1 :].strip()
    if rest.startswith("//") or _TIME.match(rest):
        return None  # a URL or a time ("Moscow: 07:30"), not a turn
    note = ""
    m = _PAREN.search(head)
    if m:  # "Narendra Modi (retranslated):" – the remark is part of the label as printed
        head, note = head[: m.start()].strip(), f" ({m.group(1)})"
    label = head[:-1] if _LETTER_DOT.fullmatch(head) else head
    words = label.split()
    if len(words) == 1 and not (
        is_turn_word(label)
        or label in single_words
        or label.lower() in ROLE_LABELS
        or _asks(label, rest)
        or _INITIALS_NAME.fullmatch(label)
    ):
        return None
    if not (is_turn_word(label) or _label_words_ok(words)):
        return None
    return Turn(label=label + note, text=rest)


def _asks(label: str, rest: str) -> bool:
    """'CNN: Mr Minister, will you …?': a one-word label (an outlet) opening a question."""
    return (
        label[0].isupper()
        and label.lower() not in _NOT_NAMES
        and "?" in rest[:400]
        and bool(_WORD.match(label))
    )


def single_word_labels(paragraphs: list[str]) -> frozenset[str]:
    """One-word names that open two or more paragraphs as labels ("Lavrov: …")."""
    seen: dict[str, int] = {}
    for p in paragraphs:
        m = _SINGLE.match(p)
        if m and m.group(1)[0].isupper() and m.group(1).lower() not in _NOT_NAMES:
            seen[m.group(1)] = seen.get(m.group(1), 0) + 1
    return frozenset(w for w, n in seen.items() if n >= 2)
