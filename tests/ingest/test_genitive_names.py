"""Russian authors printed in the genitive after a genre word ("Выступление С.В.Лаврова") are
stored and cited in the nominative; a name in a nominative context keeps its printed form."""

from __future__ import annotations

import pytest

from app.ingest.names import is_genitive_role, nominative
from app.ingest.parse import explain_page, parse_page


@pytest.mark.parametrize(
    ("printed", "nom"),
    [
        ("С.В.Лаврова", "С.В.Лавров"),
        ("С.В. Лаврова", "С.В. Лавров"),
        ("Сергея Лаврова", "Сергей Лавров"),
        ("Сергея Викторовича Лаврова", "Сергей Викторович Лавров"),
        ("Дмитрия Медведева", "Дмитрий Медведев"),
        ("Владимира Путина", "Владимир Путин"),
        ("М.В.Захаровой", "М.В.Захарова"),
        ("Марии Захаровой", "Мария Захарова"),
        ("Ольги Любимовой", "Ольга Любимова"),
        ("А.Б.Вишневского", "А.Б.Вишневский"),
        ("Е.К.Ладыженской", "Е.К.Ладыженская"),
    ],
)
def test_genitive_endings_give_the_nominative(printed, nom):
    assert nominative(printed) == nom


@pytest.mark.parametrize("name", ["С.В.Лавров", "Sergey Lavrov", "Лавров", "В.А.Небензи", "МИД России"])
def test_names_without_a_known_genitive_ending_are_left_alone(name):
    assert nominative(name) is None


def test_the_role_says_whether_the_context_is_genitive():
    assert is_genitive_role("Министра иностранных дел России") and is_genitive_role(
        "официального представителя МИД"
    )
    assert not is_genitive_role("Министр иностранных дел") and not is_genitive_role("Foreign Minister")


def _speakers(title: str) -> list[tuple[str, str | None]]:
    main = parse_page(f"{title}\n\nТекст выступления на заседании.\n\nБлагодарю за внимание.\n").main
    return [(s.as_printed or s.name, s.role) for s in main.speakers]


def test_a_nominative_role_keeps_the_name_as_printed():
    # a surname in -ова is a feminine nominative after a nominative role, a masculine genitive after a genitive one
    assert _speakers("Официальный представитель МИД России А.Б.Смирнова: заявление, 1 марта 2022 года") == [
        ("А.Б.Смирнова", "Официальный представитель МИД России")
    ]
    assert (
        _speakers("Заявление Министр иностранных дел А.Б.Смирнова, 1 марта 2022 года")[0][0] == "А.Б.Смирнова"
    )
    assert (
        _speakers("Интервью Министра иностранных дел А.Б.Смирнова, 1 марта 2022 года")[0][0] == "А.Б.Смирнов"
    )


def test_a_name_right_after_the_genre_word_is_read_in_the_nominative_and_explain_says_so():
    assert _speakers("Выступление П.Р.Беломестнова на форуме, 1 марта 2022 года") == [
        ("П.Р.Беломестнов", None)
    ]
    title = "Выступление Посла России П.Р.Беломестнова на форуме, 1 марта 2022 года"
    what = {n: w for n, _, w in explain_page(f"{title}\n\nТекст.\n")}
    assert "speaker П.Р.Беломестнова in the genitive, read as П.Р.Беломестнов" in what[1]
