"""The tables the analysers (schema.py) and the fast indexer (engine/fast_index.py) share."""

STRIDE = 4096  # positions per paragraph (a longer paragraph's tail shares its last position)

# Whoosh's stop list without "us" (the United States) and "may" (the month).
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "have",
        "if",
        "in",
        "is",
        "it",
        "not",
        "of",
        "on",
        "or",
        "tbd",
        "that",
        "the",
        "this",
        "to",
        "we",
        "when",
        "will",
        "with",
        "yet",
        "you",
        "your",
    }
)
TOKEN_PATTERN = r"\w+(\.?\w+)*"

PARA_SEP = "\x1e"  # joins the paragraphs of a paragraph-level field's value
