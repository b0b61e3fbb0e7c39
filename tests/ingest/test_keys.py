"""Deterministic keys and name matching (pure functions)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.ingest.keys import name_key, normalise_text, paragraph_keys, statement_key


def test_statement_key_survives_typographic_differences():
    a = statement_key("Foreign Minister Sergey Lavrov’s remarks, Moscow, October 2, 2021", date(2021, 10, 2))
    b = statement_key(
        "Foreign  Minister Sergey Lavrov's remarks, Moscow, October 2, 2021 ", date(2021, 10, 2)
    )
    assert a == b
    assert a.startswith("2021-10-02-foreign-minister-sergey-lavrovs-remarks")


def test_statement_key_differs_by_date_and_title():
    t = "Foreign Ministry Statement"
    assert statement_key(t, date(2021, 12, 16)) != statement_key(t, date(2021, 12, 17))
    assert statement_key(t, None).startswith("undated-foreign-ministry-statement-")


def test_repeated_paragraph_text_is_disambiguated_by_occurrence():
    keys = paragraph_keys("s", ["Thank you.", "Question: Why?", "Thank you."])
    assert keys[0] != keys[2] and keys[2] == keys[0] + "-2"
    assert len(set(keys)) == 3


def test_name_key_folds_transliteration_and_order():
    assert name_key("Sergei Lavrov") == name_key("Sergey Lavrov") == name_key("Lavrov Sergey")
    assert name_key("Maria Zakharova") == name_key("Mariya Zakharova")
    assert name_key("Sergey Lavrov") != name_key("Sergey Ryabkov")


@given(st.text())
def test_normalise_is_idempotent_and_keys_never_fail(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    key = statement_key(text, None)
    assert key.startswith("undated-") and len(key) < 200
    assert len(paragraph_keys(key, [text, text])) == 2
