"""The fast index() of paragraph-level fields (schema.ParagraphText) gives byte-identical
postings to the analyser path it replaces, on every corpus paragraph and on generated text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ingest.readers import parse_document
from app.search.engine import fast_index as sch
from app.search.schema import PARA_SEP, STRIDE, ParagraphText, fold_name, join_paragraphs, make_schema
from tests.shared_data import shared_corpus_pages

ROOT = Path(__file__).resolve().parent.parent.parent
FIELDS = ("text", "exact", "said", "label", "question")


def _fields():
    s = make_schema()
    return {name: s[name] for name in FIELDS}


def _same(field: ParagraphText, value: str) -> None:
    slow = field.analyser_index(value)
    fast = list(field.index(value))
    assert fast == slow
    # types too: bytes term, int frequency, float weight, bytes value
    for (ta, fa, wa, va), (tb, fb, wb, vb) in zip(fast, slow, strict=True):
        assert (type(ta), type(fa), type(wa), type(va)) == (type(tb), type(fb), type(wb), type(vb))


def _corpus_pages():
    files = shared_corpus_pages() + sorted((ROOT / "seeds").glob("*.txt"))
    assert files
    for f in files:
        try:
            _text, page = parse_document(f.read_bytes(), f.suffix)
        except Exception:  # noqa: BLE001 - pages meant to fail have nothing to index
            continue
        yield f.name, page


def test_schema_uses_the_fast_field_for_every_paragraph_field():
    fields = _fields()
    assert all(type(f) is ParagraphText for f in fields.values())
    assert fields["text"].paragraph_kind == "text" and fields["exact"].paragraph_kind == "exact"


def test_fast_postings_equal_the_analysers_on_every_corpus_paragraph():
    fields = _fields()
    pages = list(_corpus_pages())
    assert len(pages) >= 10
    n = 0
    for _name, page in pages:
        for stmt in page.statements:
            texts = [p.text for p in stmt.paragraphs]
            if not texts:
                continue
            joined = join_paragraphs(texts)
            _same(fields["text"], joined)
            _same(fields["exact"], joined)
            for t in texts:  # one paragraph at a time too
                _same(fields["text"], t)
                _same(fields["exact"], t)
                n += 1
            names = join_paragraphs(fold_name(p.speaker or "") for p in stmt.paragraphs)
            labels = join_paragraphs(fold_name(p.label or "") for p in stmt.paragraphs)
            for f in ("said", "label", "question"):
                _same(fields[f], names)
                _same(fields[f], labels)
            _same(fields["question"], join_paragraphs("yes" if i % 3 else "no" for i in range(len(texts))))
    assert n > 100


def test_fast_postings_on_the_synthetic_corpus(tmp_path):
    from benchmarks.synth import write_corpus

    write_corpus(tmp_path / "pages", 600)
    fields = _fields()
    seen = 0
    for f in sorted((tmp_path / "pages").rglob("*.txt")):
        _text, page = parse_document(f.read_bytes(), f.suffix)
        for stmt in page.statements:
            joined = join_paragraphs(p.text for p in stmt.paragraphs)
            if joined:
                _same(fields["text"], joined)
                _same(fields["exact"], joined)
                seen += 1
    assert seen


EDGE_CASES = [
    "",
    PARA_SEP,
    PARA_SEP * 3 + "a" + PARA_SEP * 2,
    "The U.S. and the U.K. said it's 3.14 or 1,000,000 on 12.05.2021.",
    "café CAFÉ Café naïve Zürich Ångström São Paulo Łódź İstanbul ǅemal ß ẞ",
    "Mr.\u00a0Lavrov\u00a0said — «sanctions» don’t work; l'Europe, d’Artagnan’s, rock'n'roll",
    "a an the is it of to us may US May TBD tbd yet x y z 1 2 22 __ _a a_ ...a a...b a..b",
    "Лавров заявил: санкции не работают. Вопрос: Ответ. ёлка Ёлка",
    "東京 北京 x²³ ① Ⅻ ﬁnance ＡＢＣ ǆ ﬀ",
    "word " * (STRIDE + 50),
    ("alpha beta " * (STRIDE // 2 + 10)) + PARA_SEP + "gamma delta",
    PARA_SEP.join(["repeat repeated repeating"] * 20),
    "e\u0301te\u0301 o\u0308 n\u0303 combining\u0301 \u0301alone",
    "tab\tnew\nline\r\ncarriage \x1f unit \x1d group",
    "running runs ran runner easily fairly happiness generously organizations",
    "Point 1. Point 22. 0 007 123456789 1990s 4th 2024-05 ٣٤ ０１ ¹ 10x x10",  # numbers: not cached
]


@pytest.mark.parametrize("value", EDGE_CASES)
@pytest.mark.parametrize("field_name", FIELDS)
def test_fast_postings_edge_cases(field_name, value):
    _same(_fields()[field_name], value)


_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .,;:'’-_\u00a0\t\n")
    + [PARA_SEP]
    + list("éèêëàâäçñöüÉÀÇßøåæœıİ")
    + ["\u0301", "\u0308", "Ж", "я", "Ё", "ﬁ", "²", "①", "東"]
)
_WORDS = st.sampled_from(
    [
        "the",
        "us",
        "may",
        "U.S.",
        "sanctions",
        "Sanctioned",
        "it's",
        "l'Europe",
        "a",
        "an",
        "x",
        "12",
        "3.5",
        "e.g.",
        "Lavrov",
        "Заявил",
        "naïve",
        "CAFÉ",
        "running",
        "ran",
        "organization",
        "NATO",
        "nato's",
        PARA_SEP,
        "\u00a0",
        "..",
        "a.b.c",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(_ALPHABET, max_size=30), _WORDS), max_size=60).map(" ".join))
def test_fast_postings_generated_text(value):
    for f in _fields().values():
        _same(f, value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=8), st.integers(STRIDE - 5, STRIDE + 300), st.integers(0, 3))
def test_fast_postings_long_paragraphs(words, length, paragraphs):
    para = " ".join(words[i % len(words)] for i in range(length)).replace(PARA_SEP, " ")
    value = PARA_SEP.join([para] * (paragraphs + 1))
    for name in ("text", "exact"):
        _same(_fields()[name], value)


def test_fast_postings_with_a_cold_and_a_cleared_cache(monkeypatch):
    fields = _fields()
    value = "The sanctions, the U.S. said, café — running " * 3
    for kind in sch._TERM_CACHE:
        sch._TERM_CACHE[kind].clear()
    _same(fields["text"], value)
    monkeypatch.setattr(sch, "_CACHE_MAX", 1)
    _same(fields["text"], value + " other words entirely")
    _same(fields["exact"], value + " more")


def test_non_string_values_take_the_analyser_path():
    f = _fields()["text"]
    assert list(f.index(["alpha", "beta"])) == f.analyser_index(["alpha", "beta"])


# --- the whole build: the fast field index() changes nothing ---------------------------------------


def _postings(ix):
    out = []
    with ix.reader() as r:
        for fieldname, text in r.all_terms():
            m = r.postings(fieldname, text)
            items = []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            out.append(
                (fieldname, text, r.doc_frequency(fieldname, text), r.frequency(fieldname, text), items)
            )
        lengths = {
            f: [r.doc_field_length(d, f) for d in r.all_doc_ids()]
            for f in ("text", "exact", "said", "label", "question", "title")
        }
        columns = {c: [r.column_reader(c)[d] for d in r.all_doc_ids()] for c in ("skey", "paras", "count")}
    return out, lengths, columns


@pytest.mark.slow  # every corpus statement indexed twice over (stock and fast): make soak
@pytest.mark.parametrize("run_limit", [None, 20_000])  # one in-memory run; many runs merged
def test_a_build_with_the_fast_paths_equals_the_stock_build(tmp_path, monkeypatch, run_limit):
    from whoosh import fields as wfields
    from whoosh import index as windex

    docs = []
    for _name, page in _corpus_pages():
        for i, stmt in enumerate(page.statements):
            if stmt.paragraphs:
                text = join_paragraphs(p.text for p in stmt.paragraphs)
                docs.append(
                    dict(
                        skey=f"{_name}-{i}",
                        text=text,
                        exact=text,
                        title=stmt.title or "",
                        said=join_paragraphs(fold_name(p.speaker or "") for p in stmt.paragraphs),
                        label=join_paragraphs(fold_name(p.label or "") for p in stmt.paragraphs),
                        question=join_paragraphs("no" for _ in stmt.paragraphs),
                        paras="\x1f".join(str(p.n) for p in stmt.paragraphs).encode(),
                        count=len(stmt.paragraphs),
                    )
                )
    docs += [
        dict(skey=f"edge-{i}", text=v, exact=v, said=v, label=v, question=v, count=1)
        for i, v in enumerate(EDGE_CASES)
        if v.strip(PARA_SEP)
    ]

    def build(path):
        path.mkdir()
        ix = windex.create_in(str(path), make_schema())
        w = ix.writer(compound=False)
        if run_limit:
            w.pool.limit = run_limit
        for d in docs:
            w.add_document(**d)
        w.commit()
        return ix

    fast = _postings(build(tmp_path / "fast"))
    with monkeypatch.context() as m:  # the stock path
        m.setattr(ParagraphText, "index", wfields.TEXT.index)
        stock = _postings(build(tmp_path / "stock"))
    assert fast == stock
    assert sum(len(t[4]) for t in fast[0]) > 1000
