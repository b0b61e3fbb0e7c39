"""Deterministic keys: computed from content, never from database ids or ordinals.

statement key  = <date>-<slug of title>-<hash8>
    date: the event date, else the publication date, else "undated";
    hash8: first 8 hex digits of sha1(date | normalised title).
paragraph key  = <statement key>.<hash8 of normalised text>[-<occurrence>]
    the occurrence suffix (2, 3, …) only for a text repeated in one statement.

Normalising folds Unicode compatibility forms, quotes, dashes, case and white
space, so a title or paragraph reprinted with typographic differences keeps
its key.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

from slugify import slugify

TITLE_SLUG_CHARS = 60
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
    }
)
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _SPACE.sub(" ", text).strip()


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def statement_key(title: str, when: date | None) -> str:
    datepart = when.isoformat() if when else "undated"
    slug = (
        slugify(
            normalise_text(title).replace("'", ""),
            max_length=TITLE_SLUG_CHARS,
            word_boundary=True,
            save_order=True,
        )
        or "untitled"
    )
    return f"{datepart}-{slug}-{short_hash(datepart + '|' + normalise_text(title))}"


def paragraph_keys(statement: str, texts: list[str]) -> list[str]:
    """Keys for a statement's paragraphs, in order; repeats get -2, -3, …"""
    seen: dict[str, int] = {}
    keys = []
    for text in texts:
        h = short_hash(normalise_text(text))
        seen[h] = seen.get(h, 0) + 1
        keys.append(f"{statement}.{h}" if seen[h] == 1 else f"{statement}.{h}-{seen[h]}")
    return keys


def name_key(name: str) -> str:
    """Match key for a speaker: transliteration variants folded, word order ignored."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFKD", name).casefold())
    words = ["".join(c for c in w if not unicodedata.combining(c)) for w in words]
    return " ".join(sorted(TRANSLIT.get(w, w) for w in words))


# Common English spellings of the same Russian names (Сергей: Sergey/Sergei, …).
TRANSLIT = {
    "sergei": "sergey",
    "sergej": "sergey",
    "aleksandr": "alexander",
    "alexandr": "alexander",
    "aleksander": "alexander",
    "andrey": "andrei",
    "andrej": "andrei",
    "yuri": "yury",
    "yuriy": "yury",
    "iouri": "yury",
    "dmitri": "dmitry",
    "dmitriy": "dmitry",
    "mariya": "maria",
    "marya": "maria",
    "alexei": "alexey",
    "aleksei": "alexey",
    "aleksey": "alexey",
    "nikolai": "nikolay",
    "vasily": "vassily",
    "vasili": "vassily",
    "vassili": "vassily",
    "yevgeny": "evgeny",
    "evgeniy": "evgeny",
    "yevgeniy": "evgeny",
    "grigori": "grigory",
    "georgy": "georgy",
    "georgiy": "georgy",
    "anatoli": "anatoly",
    "anatoliy": "anatoly",
    "vitali": "vitaly",
    "vitaliy": "vitaly",
    "valeri": "valery",
    "valeriy": "valery",
    "gennadi": "gennady",
    "gennadiy": "gennady",
    "arkadi": "arkady",
    "arkadiy": "arkady",
    "matvienko": "matviyenko",
    "nebenzya": "nebenzia",
}
