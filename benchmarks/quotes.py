"""Perturbed quotes for the quote finder's accuracy check and benchmark (seeded, deterministic).

A quote is a span of 12-40 words cut from a paragraph, then damaged the way a researcher's copy
is: 2 words changed (to words of other paragraphs), 1 dropped, punctuation and quote marks
changed, an ellipsis for 1-3 omitted words, one misspelling. `hit()` says whether a result holds
the span: the source paragraph itself, or a paragraph that holds the same words verbatim (the
synthetic archive repeats sentences, as real archives repeat statements: then any of them is
a right answer, and the finder ranks the earliest first).

    python -m benchmarks.quotes --data DATA_DIR [--quotes 300] [--seed 7]

prints the accuracy (first / top 3) and latency (p50 / p95) of /api/quote's code path in process.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time

QUOTE_MARKS = ["“{}”", '"{}"', "‘{}’", "'{}'", "«{}»", "{}"]


def spans(paragraphs: list[tuple[str, str]], n: int, rng: random.Random) -> list[tuple[str, str]]:
    """n (paragraph key, span of 12-40 words) from paragraphs of at least 12 words."""
    usable = [(k, t.split()) for k, t in paragraphs if len(t.split()) >= 12]
    out = []
    for _ in range(n):
        key, words = rng.choice(usable)
        size = rng.randint(12, min(40, len(words)))
        start = rng.randrange(len(words) - size + 1)
        out.append((key, " ".join(words[start : start + size])))
    return out


def _misspell(word: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 4:
        return word + word[-1]
    i = rng.choice(letters[1:-1])
    if rng.random() < 0.5 and i + 1 < len(word) and word[i + 1].isalpha() and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    return word[:i] + word[i + 1 :]  # a letter dropped


def perturb(span: str, vocabulary: list[str], rng: random.Random) -> str:
    words = span.split()
    n = len(words)
    inner = list(range(1, n - 1))
    rng.shuffle(inner)
    changed, dropped, misspelt = inner[:2], inner[2], inner[3]
    gap_at = inner[4]
    gap = rng.randint(1, min(3, n - 1 - gap_at))  # the span's last word is kept
    out = []
    i = 0
    while i < n:
        w = words[i]
        if i == gap_at:
            out.append("\x00")
            i += gap
            continue
        if i == dropped:
            i += 1
            continue
        if i in changed:
            w = rng.choice(vocabulary)
        elif i == misspelt:
            w = _misspell(w, rng)
        out.append(w)
        i += 1
    text = " ".join(out)
    text = re.sub(r"[“”\"«»]", "", text).replace("’", "'") if rng.random() < 0.7 else text
    text = re.sub(r"[,;:]", "", text) if rng.random() < 0.5 else re.sub(r"\.(\s)", r",\1", text)
    if rng.random() < 0.5:
        text = text.replace(" - ", " — ").replace(" – ", " — ")
    text = text.replace("\x00", rng.choice(["…", "...", ". . .", "[…]"]))
    return rng.choice(QUOTE_MARKS).format(text.strip())


def vocabulary(paragraphs: list[tuple[str, str]]) -> list[str]:
    return sorted({w for _k, t in paragraphs[:2000] for w in re.findall(r"[A-Za-z]{3,}", t)})


def hit(result: dict, key: str, span: str) -> bool:
    from app.quote.align import fold

    return result["key"] == key or fold(span).text in fold(result["text"]).text


def evaluate(ask, paragraphs: list[tuple[str, str]], quotes: int, seed: int) -> dict:
    """ask(quote) -> the /api/quote object. Accuracy and latency over `quotes` perturbed quotes."""
    rng = random.Random(seed)
    vocab = vocabulary(paragraphs)
    first = top3 = exact_first = 0
    times, misses = [], []
    for key, span in spans(paragraphs, quotes, rng):
        q = perturb(span, vocab, rng)
        t0 = time.perf_counter()
        result = ask(q)
        times.append((time.perf_counter() - t0) * 1000)
        found = result["results"]
        if found and hit(found[0], key, span):
            first += 1
        else:
            misses.append(
                {"quote": q, "span": span, "key": key, "got": [(r["key"], r["score"]) for r in found[:3]]}
            )
        if any(hit(r, key, span) for r in found[:3]):
            top3 += 1
        exact_first += bool(found and found[0]["key"] == key)
    times.sort()
    return {
        "quotes": quotes,
        "seed": seed,
        "first": first / quotes,
        "top3": top3 / quotes,
        "source_itself_first": exact_first / quotes,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "misses": misses,
    }


def paragraphs_of(session) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from app.models import Paragraph

    return [
        (k, t)
        for k, t in session.execute(
            select(Paragraph.key, Paragraph.text).where(Paragraph.current.is_(True)).order_by(Paragraph.key)
        )
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="an archive's data directory (index built)")
    ap.add_argument("--quotes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", help="write the figures here as JSON")
    args = ap.parse_args()

    from app.config import Settings
    from app.db import open_database
    from app.quote import find_quote
    from app.search.searcher import IndexView

    settings = Settings(data_dir=args.data)
    engine, factory = open_database(settings, migrate=False)
    view = IndexView.open(settings.index_dir)
    view.warm()
    with factory() as session:
        paras = paragraphs_of(session)

    def ask(q: str) -> dict:
        with factory() as session:
            return find_quote(view, session, q)

    figures = evaluate(ask, paras, args.quotes, args.seed) | {"paragraphs": len(paras)}
    view.close()
    engine.dispose()
    shown = {k: v for k, v in figures.items() if k != "misses"}
    print(json.dumps(shown, indent=1))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
