"""One list of turn words: the page and the index agree on what a question is."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.browse.statements import _turn
from app.search.documents import is_question_turn
from app.vocabulary import ANSWER_WORDS, QUESTION_WORDS, turn_word


@pytest.mark.parametrize("label", ["Вопрос:", "ВОПРОС", "Question:", "Q.", "Moderator:", "Journalist"])
def test_a_question_label_is_a_question_on_the_page_and_in_the_index(label):
    assert _turn(None, None, label) == "question"
    assert is_question_turn(label, None, by_statement_speaker=False, has_speakers=True)


@pytest.mark.parametrize("label", ["Ответ:", "ОТВЕТ", "Answer:", "A.", "Reply:"])
def test_an_answer_label_is_an_answer_on_the_page_and_not_a_question_in_the_index(label):
    assert _turn(None, None, label) == "answer"
    assert not is_question_turn(label, label, by_statement_speaker=False, has_speakers=True)


def test_turn_words_are_compared_folded():
    assert turn_word(" Вопрос.: ") == "вопрос" and "вопрос" in QUESTION_WORDS and "ответ" in ANSWER_WORDS


def test_editing_a_folding_table_changes_the_index_schema_version():
    """The index is rebuilt when a table its analysers read changes, with no manual bump."""
    probe = (
        "import app.ingest.keys as k; {edit}; from app.search.schema import SCHEMA_VERSION; "
        "print(SCHEMA_VERSION)"
    )

    def version(edit: str) -> int:
        out = subprocess.run(
            [sys.executable, "-c", probe.format(edit=edit)], capture_output=True, text=True, check=True
        )
        return int(out.stdout)

    plain = version("pass")
    assert version("pass") == plain
    assert version("k.TRANSLIT['iouri'] = 'yuri'") != plain
    assert version("import app.vocabulary as v; v.QUESTION_WORDS = v.QUESTION_WORDS | {'frage'}") != plain
