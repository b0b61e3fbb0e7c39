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
import sys
import time
import zlib

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


def _record(result: dict, key: str | None = None, span: str = "") -> dict:
    """What a trade-off needs of one answer: the quote's words, each result's score and hit."""
    from app.quote.align import fragments

    found = result["results"]
    return {
        "words": sum(f.words for f in fragments(result["quote"])),
        "results": [
            [r["score"], bool(key) and hit(r, key, span), *r.get("words_matched", ())] for r in found
        ],
    }


def hit(result: dict, key: str, span: str) -> bool:
    from app.quote.align import fold

    return result["key"] == key or fold(span).text in fold(result["text"]).text


def evaluate(ask, paragraphs: list[tuple[str, str]], quotes: int, seed: int) -> dict:
    """ask(quote) -> the /api/quote object. Accuracy and latency over `quotes` perturbed quotes."""
    rng = random.Random(seed)
    vocab = vocabulary(paragraphs)
    first = top3 = exact_first = 0
    times, misses, records = [], [], []
    for key, span in spans(paragraphs, quotes, rng):
        q = perturb(span, vocab, rng)
        t0 = time.perf_counter()
        result = ask(q)
        times.append((time.perf_counter() - t0) * 1000)
        records.append(_record(result, key, span))
        if len(records) % 50 == 0:
            print(f"{len(records)} quotes", file=sys.stderr, flush=True)
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
        "records": records,
    }


# -- quotes that are not in the archive (false matches) ------------------------------------------

SENTENCE = re.compile(r"[A-Z][^.!?\n]{30,240}[.!?]")  # as benchmarks.synth cuts the seed pages
SHARED_RUN = 5  # a quote sharing a run of this many words with an archive paragraph may be in it


def held_out(sentence: str) -> bool:
    """About 1 seed sentence in 8, never put in an archive built by build(): unrelated prose of
    the same kind (same speakers, same subjects) for the false-match measurement."""
    return zlib.crc32(sentence.encode()) % 8 == 0


def build(out, paragraphs: int, seed: int):
    """A synthetic archive without the held-out sentences (pages in out/pages, data in out/data)."""
    from pathlib import Path

    from app.config import Settings
    from app.db import open_database
    from app.ingest.run import ingest_paths
    from app.outbox.sync import sync_index
    from benchmarks.synth import write_corpus

    out = Path(out)
    write_corpus(out / "pages", paragraphs, seed, keep=lambda s: not held_out(s))
    settings = Settings(data_dir=out / "data")
    engine, factory = open_database(settings)
    try:
        summary = ingest_paths(factory, [str(out / "pages")], max_bytes=settings.max_page_bytes, workers=1)
        assert not summary.failures, summary.failures
        sync_index(settings, factory)
    finally:
        engine.dispose()
    return settings.data_dir


def held_out_paragraphs(rng: random.Random, n: int) -> list[str]:
    """n paragraphs of 1-3 held-out seed sentences (the archive's kind of paragraph)."""
    from benchmarks.synth import seed_sentences

    pool = [s for s in seed_sentences() if held_out(s)]
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(1, 3))) for _ in range(n)]


def page_paragraphs(paths) -> list[str]:
    """Runs of 1-3 consecutive sentences of pages (e.g. real pages not ingested)."""
    out = []
    for p in paths:
        found = SENTENCE.findall(p.read_text(encoding="utf-8").replace("\u00a0", " "))
        out += [" ".join(found[i : i + 3]) for i in range(0, len(found), 3)]
    return out


def _runs(text: str) -> set[str]:
    from app.quote.align import fold

    w = fold(text).text.split()
    return {" ".join(w[i : i + SHARED_RUN]) for i in range(len(w) - SHARED_RUN + 1)}


def negatives(texts: list[str], archive: list[tuple[str, str]], n: int, rng: random.Random) -> list[dict]:
    """n quotes not in the archive: spans of 12-40 words of `texts` sharing no run of SHARED_RUN
    words with any archive paragraph, every other one perturbed as evaluate() perturbs."""
    known: set[str] = set()
    for _k, t in archive:
        known |= _runs(t)
    pool = [(str(i), t) for i, t in enumerate(texts)]
    vocab = vocabulary(archive)
    out: list[dict] = []
    for _key, span in spans(pool, 50 * n, rng):
        if len(out) >= n:
            break
        if _runs(span) & known:
            continue
        perturbed = len(out) % 2 == 1
        out.append({"quote": perturb(span, vocab, rng) if perturbed else span, "perturbed": perturbed})
    return out


def false_matches(ask, quotes: list[dict]) -> dict:
    """ask(quote) -> the /api/quote object: how many of the quotes get any result."""
    records, times = [], []
    for q in quotes:
        t0 = time.perf_counter()
        result = ask(q["quote"])
        times.append((time.perf_counter() - t0) * 1000)
        weak = [r.get("weak", False) for r in result["results"]]
        records.append(_record(result) | {"perturbed": q["perturbed"], "quote": q["quote"], "weak": weak})
    answered = [r for r in records if r["results"]]
    confident = [r for r in records if any(not w for w in r.pop("weak"))]
    return {
        "quotes": len(quotes),
        "false_match_rate": len(answered) / max(1, len(quotes)),
        "false_match_rate_not_weak": len(confident) / max(1, len(quotes)),
        "false_matches": [(r["quote"], r["results"][0][0]) for r in answered],
        "records": records,
    }


def trade_off(positives: list[dict], negatives: list[dict], shown) -> dict:
    """Recall and false matches had the finder shown only results with shown(score, words,
    matched, content) (words: the quote's; matched of content: its content words the result
    holds): records from evaluate() and false_matches() run with min_score=0."""
    first = top3 = 0
    for r in positives:
        kept = [h for s, h, *m in r["results"] if shown(s, r["words"], *m)]
        first += bool(kept and kept[0])
        top3 += any(kept[:3])
    false = sum(any(shown(s, r["words"], *m) for s, _h, *m in r["results"]) for r in negatives)
    return {
        "first": first / max(1, len(positives)),
        "top3": top3 / max(1, len(positives)),
        "false_match_rate": false / max(1, len(negatives)),
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


def _args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="an archive's data directory (index built)")
    ap.add_argument("--build", type=int, metavar="N", help="first build an N-paragraph archive in DATA")
    ap.add_argument("--quotes", type=int, default=300)
    ap.add_argument("--negatives", type=int, default=0, help="quotes not in the archive, per source")
    ap.add_argument("--foreign", help="a folder of .txt pages not ingested: more quotes not in it")
    ap.add_argument("--min-score", type=float, help="show results down to this (0: for a trade-off)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", help="write the figures here as JSON")
    return ap.parse_args()


def _negative_sets(args, paras) -> dict[str, list[dict]]:
    from pathlib import Path

    if not args.negatives:
        return {}
    rng = random.Random(args.seed + 1)
    sets = {"held_out": negatives(held_out_paragraphs(rng, 4 * args.negatives), paras, args.negatives, rng)}
    if args.foreign:
        pages = sorted(Path(args.foreign).glob("*.txt"))
        sets["foreign"] = negatives(page_paragraphs(pages), paras, args.negatives, rng)
    return sets


def main() -> None:
    args = _args()
    from app.config import Settings
    from app.db import open_database
    from app.quote import find_quote
    from app.search.searcher import IndexView

    data = build(args.data, args.build, args.seed) if args.build else args.data
    settings = Settings(data_dir=data)
    engine, factory = open_database(settings, migrate=False)
    view = IndexView.open(settings.index_dir)
    view.warm()
    with factory() as session:
        paras = paragraphs_of(session)

    def ask(q: str) -> dict:
        with factory() as session:
            return find_quote(view, session, q, min_score=args.min_score)

    figures = evaluate(ask, paras, args.quotes, args.seed) | {"paragraphs": len(paras)}
    for name, quotes in _negative_sets(args, paras).items():
        figures[f"not_in_archive_{name}"] = false_matches(ask, quotes)
    view.close()
    engine.dispose()
    print(json.dumps(_summary(figures), indent=1))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1, ensure_ascii=False)


def _summary(figures: dict) -> dict:
    out = {k: v for k, v in figures.items() if k not in ("misses", "records")}
    for k, v in figures.items():
        if k.startswith("not_in_archive_"):
            out[k] = {m: v[m] for m in ("quotes", "false_match_rate", "false_match_rate_not_weak")}
    return out


if __name__ == "__main__":
    main()
