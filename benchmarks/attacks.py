"""Queries of death: the shapes that once took seconds of CPU per search (issue 11), and a
generator of random wide prefix / fuzzy / OR queries. Used by benchmarks/overload.py and
tests/web/test_overload.py."""

from __future__ import annotations

import itertools
import random
import string

LETTERS = string.ascii_lowercase
WORDS = (
    "security",
    "cooperation",
    "sanctions",
    "international",
    "minister",
    "government",
    "dialogue",
    "partners",
    "relations",
    "economic",
    "development",
    "conflict",
    "settlement",
    "political",
    "agreement",
    "resolution",
    "council",
    "strategic",
    "stability",
    "question",
    "president",
    "foreign",
    "affairs",
    "situation",
    "regional",
    "efforts",
    "support",
    "important",
    "countries",
    "principles",
    "interests",
    "sovereignty",
    "territorial",
    "integrity",
    "humanitarian",
    "assistance",
    "terrorism",
    "nuclear",
    "weapons",
    "energy",
    "trade",
    "investment",
    "meeting",
    "negotiations",
    "ceasefire",
    "peaceful",
    "community",
    "europe",
    "democracy",
    "freedom",
)


def _word(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(lo, hi)))


def two_letter_prefixes(n: int = 140) -> str:
    pairs = ("".join(p) for p in itertools.product(LETTERS, repeat=2))
    return " OR ".join(f"{p}*" for p in itertools.islice(pairs, n))


def fuzzy_or(n: int = 50) -> str:
    return " OR ".join(f"{WORDS[i % len(WORDS)]}~2" for i in range(n))


def long_word(n: int = 1000) -> str:
    return "x" * n


SHAPES = {
    "or_180_prefixes": two_letter_prefixes(),
    "or_50_fuzzy": fuzzy_or(),
    "word_1000_letters": long_word(),
    "one_letter_prefix_a": "a*",
    "fuzzy_long_word": "internationalisationalism~2",
    "many_unknown_words": " ".join(
        _w for _w in ("qzxv", "wplk", "rrtz", "mnbq", "zzxq", "kkpl", "xqwe", "vbnm")
    ),
    "deep_and_of_prefixes": " ".join(f"{p}*" for p in ("co", "re", "pr", "de", "in", "st", "se", "ma")),
    "or_of_phrases": " OR ".join(
        f'"{a} {b}"'
        for a, b in itertools.islice(
            itertools.product(("the", "of", "and", "in"), ("security", "law", "peace", "world", "state")), 20
        )
    ),
}


def random_query(rng: random.Random) -> str:
    """A random wide query: ORs/ANDs of prefixes (2-3 letters), fuzzy words and plain words."""
    parts = []
    for _ in range(rng.randint(1, 120)):
        kind = rng.random()
        if kind < 0.4:
            parts.append(_word(rng, 2, 3) + "*")
        elif kind < 0.7:
            parts.append(rng.choice(WORDS) + rng.choice(("~", "~1", "~2")))
        else:
            parts.append(_word(rng, 1, 30))
    op = rng.choice((" OR ", " ", " AND "))
    return op.join(parts)[:1000]
