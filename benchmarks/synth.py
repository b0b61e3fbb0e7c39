"""A realistic synthetic archive: statement pages in the seed format, deterministic per seed.

Sentences come from the seed pages; ~200 speakers with a skewed (Zipf-like) frequency;
dates 2003–2024; 10–80 paragraphs per page; Q&A turns in about a third of the pages;
site chrome (page clock, consular lines, counters) like the embassy pages.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

FIRST = [
    "Sergey",
    "Maria",
    "Alexander",
    "Andrei",
    "Vladimir",
    "Dmitry",
    "Oleg",
    "Mikhail",
    "Yury",
    "Anatoly",
    "Vassily",
    "Grigory",
    "Igor",
    "Nikolai",
    "Elena",
    "Olga",
    "Pavel",
    "Konstantin",
    "Alexey",
    "Viktor",
]
LAST = [
    "Lavrov",
    "Zakharova",
    "Grushko",
    "Kelin",
    "Ryabkov",
    "Syromolotov",
    "Yakovenko",
    "Nebenzia",
    "Rudenko",
    "Galuzin",
    "Bogdanov",
    "Titov",
    "Morgulov",
    "Pankin",
    "Karasin",
    "Meshkov",
    "Polyanskiy",
    "Ulyanov",
    "Lukashevich",
    "Zhukov",
]
ROLES = [
    "Foreign Minister",
    "Deputy Foreign Minister",
    "Ambassador",
    "Foreign Ministry Spokeswoman",
    "Permanent Representative",
    "President",
    "Director of the Information and Press Department",
]
CITIES = [
    "Moscow",
    "London",
    "New York",
    "Geneva",
    "Vienna",
    "Beijing",
    "New Delhi",
    "Paris",
    "Sochi",
    "St Petersburg",
    "Minsk",
    "Astana",
    "Brussels",
    "Tokyo",
    "Cairo",
]
KIND_PHRASES = [
    ("remarks at", "remarks"),
    ("interview with", "interview"),
    ("speech at", "speech"),
    ("article for", "article"),
    ("answers to media questions at", "answers"),
    ("statement at", "statement"),
]
EVENTS = [
    "the OSCE Ministerial Council",
    "a joint news conference",
    "the UN General Assembly",
    "the Primakov Readings",
    "the Raisina Dialogue",
    "a meeting with students",
    "the BRICS summit",
    "Rossiyskaya Gazeta",
    "the Valdai Discussion Club",
    "the CIS Council of Foreign Ministers",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def seed_sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    text = text.replace("\u00a0", " ")
    sentences = re.findall(r"[A-Z][^.!?\n]{30,240}[.!?]", text)
    return sorted(set(sentences))


class Synth:
    def __init__(self, seed: int = 1):
        self.rng = random.Random(seed)
        self.sentences = seed_sentences()
        people = [(f, ln) for f in FIRST for ln in LAST]
        self.rng.shuffle(people)
        self.speakers = [(f"{f} {ln}", self.rng.choice(ROLES)) for f, ln in people[:200]]
        self.weights = [1 / (i + 1) for i in range(len(self.speakers))]

    def paragraph(self) -> str:
        return " ".join(self.rng.choice(self.sentences) for _ in range(self.rng.randint(1, 5)))

    def page(self, i: int, sizes: tuple[int, int] = (10, 80)) -> tuple[str, int]:
        """Page `i` and its paragraph count (`sizes`: the least and most paragraphs)."""
        rng = self.rng
        name, role = rng.choices(self.speakers, weights=self.weights)[0]
        day = date(2003, 1, 1) + timedelta(days=rng.randrange(22 * 365))
        phrase, _kind = rng.choice(KIND_PHRASES)
        city = rng.choice(CITIES)
        when = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
        title = f"{role} {name}’s {phrase} {rng.choice(EVENTS)} (no. {i}), {city}, {when}"
        clock = day + timedelta(days=rng.randrange(1, 900))
        lines = [
            f"{clock.day} {MONTHS[clock.month - 1]} {clock.year}",
            "Moscow: 10:15",
            "London: 07:15",
            "",
            "Consular queries:  ",
            "+44 (0) 203 668 7474  ",
            "",
            f"{(clock - day).days} days have passed since the Salisbury incident - no credible "
            "information or response from the British authorities",
            "",
            "",
            "",
            title,
            "",
        ]
        n = rng.randint(*sizes)
        qa = rng.random() < 0.33
        for k in range(n):
            if qa and k > 2 and k % 3 == 0:
                lines += [f"Question: {self.paragraph()}", ""]
            elif qa and k > 2 and k % 3 == 1:
                lines += [f"{name}: {self.paragraph()}", ""]
            else:
                lines += [self.paragraph(), ""]
        return "\n".join(lines) + "\n", n


def write_corpus(out: Path, paragraphs: int, seed: int = 1, *, keep=None) -> tuple[int, int]:
    """Write pages until `paragraphs` paragraphs; returns (pages, paragraphs). `keep(sentence)`:
    only the seed sentences it accepts are used (the others are held out of the archive)."""
    synth = Synth(seed)
    if keep is not None:
        synth.sentences = [s for s in synth.sentences if keep(s)]
    out.mkdir(parents=True, exist_ok=True)
    pages = total = 0
    while total < paragraphs:
        text, n = synth.page(pages)
        sub = out / f"{pages // 1000:04d}"
        sub.mkdir(exist_ok=True)
        (sub / f"page-{pages:07d}.txt").write_text(text, encoding="utf-8")
        pages += 1
        total += n
    return pages, total
