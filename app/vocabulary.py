"""Words the archive gives a meaning to, in one place for the parser, the index and the pages.

A turn labelled with a QUESTION_WORDS word is a question (or a host's turn); one labelled with
an ANSWER_WORDS word is an answer. Editing these changes what the parser labels, what the
index's `question` field holds and how pages show turns; the index's SCHEMA_VERSION covers it.
"""

QUESTION_WORDS = frozenset(
    {
        "question",
        "q",
        "вопрос",
        "journalist",
        "moderator",
        "host",
        "presenter",
        "interviewer",
        "correspondent",
        "participant",
        "audience",
        "reporter",
    }
)
ANSWER_WORDS = frozenset({"answer", "a", "ответ", "reply", "response"})


def turn_word(text: str | None) -> str:
    """A label or speaker as compared with the lists: "Question:" → "question"."""
    return (text or "").strip().rstrip(".:").casefold()
