"""Body text -> paragraphs with turn labels and speakers.

One paragraph per blank-line separated block (a line that opens with a turn label also
starts one); a body with no blank lines at all has one paragraph per line. Lines that were
used elsewhere (chrome, datelines …) separate paragraphs like blank lines do.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

from app.ingest.names import split_role_name, tokenize
from app.ingest.turns import (
    ANSWER_WORDS,
    QUESTION_WORDS,
    ROLE_LABELS,
    Turn,
    label_base,
    single_word_labels,
    split_turn,
)
from app.ingest.types import ParsedParagraph


@dataclass(frozen=True)
class Block:
    first: int  # 0-based line indexes, inclusive
    last: int
    text: str


def has_blank_lines(lines: Sequence[str], start: int, end: int, used: Container[int]) -> bool:
    """A blank line between the first and the last text line of lines[start:end]."""
    idx = [i for i in range(start, end) if lines[i].strip() and i not in used]
    return bool(idx) and any(not lines[i].strip() for i in range(idx[0], idx[-1]))


def blocks(lines: Sequence[str], start: int, end: int, used: Container[int], per_line: bool) -> list[Block]:
    out: list[Block] = []
    cur: list[int] = []

    def flush() -> None:
        if cur:
            out.append(Block(cur[0], cur[-1], "\n".join(lines[i].strip() for i in cur)))
            cur.clear()

    for i in range(start, end):
        s = lines[i].strip()
        if not s or i in used:
            flush()
            continue
        if per_line or (cur and split_turn(s) is not None):
            flush()
        cur.append(i)
    flush()
    return out


def _merge_bare_labels(bs: list[Block], singles: frozenset[str]) -> list[Block]:
    """'Question:' alone on a line labels the block after it."""
    out: list[Block] = []
    for b in bs:
        prev = out[-1] if out else None
        if prev is not None and prev.first == prev.last and prev.text.endswith(":"):
            t = split_turn(prev.text, singles)
            if t is not None and not t.text and split_turn(b.text, singles) is None:
                out[-1] = Block(prev.first, b.last, f"{prev.text} {b.text}")
                continue
        out.append(b)
    return out


def turns(bs: list[Block]) -> list[tuple[Block, Turn | None]]:
    """Each block with the turn label it opens with (bare labels merged into the next block)."""
    singles = single_word_labels([b.text for b in bs])
    return [(b, split_turn(b.text, singles)) for b in _merge_bare_labels(bs, singles)]


def same_person(a: str, b: str) -> bool:
    ta, tb = [t.low for t in tokenize(a)], [t.low for t in tokenize(b)]
    return bool(ta and tb) and (ta == tb or ta[-1] == tb[-1] and (len(ta) == 1 or len(tb) == 1))


def label_person(label: str, speakers: Sequence[str], roles: dict[str, str] | None = None) -> str:
    """Who a label names: 'President of Russia Vladimir Putin' -> 'Vladimir Putin'; 'A' -> the
    statement's one speaker; 'Ambassador' -> the speaker who is one; 'Question' stays 'Question'.
    `roles`: the speakers' roles by name."""
    roles = roles or {}
    label = label_base(label)
    low = label.lower().rstrip(".")
    if low in QUESTION_WORDS:
        return label
    if low in ANSWER_WORDS:
        return speakers[0] if len(speakers) == 1 else label
    a = split_role_name(label.title() if label.isupper() else label)  # "MINISTER LAVROV", "THE PRESIDENT"
    if not a.name:  # a role alone ("Ambassador:"): the one speaker, or the one whose role it is
        nouns = {w.lower() for w in (a.role or label).split()} & ROLE_LABELS
        fits = [s for s in speakers if nouns and nouns & {w.lower() for w in roles.get(s, "").split()}]
        if len(fits) == 1:
            return fits[0]
        return speakers[0] if len(speakers) == 1 and nouns else label
    return next((s for s in speakers if same_person(s, a.name)), a.name)


def build(
    blocks_turns: list[tuple[Block, Turn | None]],
    speakers: Sequence[str],
    roles: dict[str, str] | None = None,
) -> list[ParsedParagraph]:
    """Paragraphs from blocks; `speakers` are the statement's people (names), `roles` theirs."""
    current = speakers[0] if len(speakers) == 1 else None
    people: dict[str, str] = {}
    out: list[ParsedParagraph] = []
    for b, turn in blocks_turns:
        text, label = b.text, None
        if turn is not None:
            label, text = turn.label, turn.text
            if label not in people:
                people[label] = label_person(label, speakers, roles)
            current = people[label]
        out.append(
            ParsedParagraph(
                n=len(out) + 1,
                text=text,
                speaker=current,
                label=label,
                line_start=b.first + 1,
                line_end=b.last + 1,
            )
        )
    return out
