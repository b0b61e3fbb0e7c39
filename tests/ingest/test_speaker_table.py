"""The speaker table: one person whatever the spelling; a family name alone only on evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from app.ingest.canonical_names import canonical_names
from app.ingest.speaker_table import (
    SHIPPED,
    TableError,
    default_table,
    load_table,
    role_country,
    role_fits,
)
from app.ingest.types import ParsedPage, ParsedParagraph, ParsedSpeaker, ParsedStatement, page_to_dict

D2021 = dt.date(2021, 3, 3)


@pytest.fixture(scope="module")
def table():
    return load_table(SHIPPED)


def who(table, name, **kw):
    person = table.match(name, **kw)
    return person.name if person else None


@pytest.mark.parametrize(
    "name",
    [
        "Sergey Lavrov",
        "Sergei Lavrov",
        "Sergey Viktorovich Lavrov",
        "SERGEY LAVROV",
        "Sergey LAVROV",
        "S.Lavrov",
        "S. Lavrov",
        "S.V. Lavrov",
        "S. V. Lavrov",
        "Lavrov S.V.",
        "Lavrov Sergey Viktorovich",
        "Mr. Sergey Lavrov",
        "С.В.Лавров",
        "С. Лавров",
        "Лавров С.В.",
        "Сергей Лавров",
        "Сергей Викторович Лавров",
        "Лавров Сергей Викторович",
        "Sergej Lawrow",
    ],
)
def test_every_spelling_of_lavrov_is_one_person(table, name):
    assert who(table, name) == "Sergey Lavrov"


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Vasily Nebenzya", "Vassily Nebenzia"),
        ("Василий Небензя", "Vassily Nebenzia"),
        ("Mariya Zakharova", "Maria Zakharova"),
        ("М.В.Захарова", "Maria Zakharova"),
        ("WANG Yi", "Wang Yi"),
        ("Ван И", "Wang Yi"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("URSULA VON DER LEYEN", "Ursula von der Leyen"),
        ("Mohammed bin Salman", "Mohammed bin Salman Al Saud"),
        ("Joseph R. Biden Jr.", "Joe Biden"),
        ("Antony J. Blinken", "Antony Blinken"),
        ("Andrey Kelin", "Andrei Kelin"),
        ("Dmitry Polyansky", "Dmitry Polyanskiy"),
    ],
)
def test_name_forms_and_scripts(table, name, person):
    assert who(table, name) == person


def test_a_different_given_name_is_not_the_person(table):
    assert who(table, "Alexander Lavrov") is None
    assert who(table, "A. Lavrov", when=D2021) is None


def test_a_family_name_alone_needs_evidence(table):
    assert who(table, "Lavrov") is None  # nothing to weigh it against
    assert who(table, "Lavrov", when=D2021) == "Sergey Lavrov"
    assert who(table, "Lavrov", role="Foreign Minister") == "Sergey Lavrov"
    assert who(table, "Lavrov", when=dt.date(1985, 1, 1)) is None  # held no office then
    assert who(table, "Лавров", when=D2021) == "Sergey Lavrov"


def test_role_and_date_decide_between_people_of_one_family_name(table):
    # two Rices, two Sullivans, two Wangs in the table
    assert who(table, "Rice", when=D2021) is None
    assert who(table, "Rice", role="Secretary of State", when=dt.date(2007, 5, 1)) == "Condoleezza Rice"
    assert who(table, "Rice", role="Ambassador", when=dt.date(2010, 5, 1)) == "Susan Rice"
    assert who(table, "Rice", when=dt.date(2006, 1, 1)) == "Condoleezza Rice"  # only she held office then
    assert who(table, "Sullivan", role="Ambassador", when=D2021) == "John Sullivan"
    assert (
        who(table, "Sullivan", role="National Security Advisor", when=dt.date(2022, 1, 1)) == "Jake Sullivan"
    )
    assert who(table, "Wang", when=D2021) is None
    assert who(table, "Wang", role="Foreign Minister", when=D2021) == "Wang Yi"
    assert who(table, "Wang", role="Spokesperson", when=D2021) == "Wang Wenbin"


def test_role_of_another_kind_or_country_contradicts(table):
    assert who(table, "Yakovenko", role="Ambassador", when=dt.date(2017, 4, 17)) == "Alexander Yakovenko"
    assert (
        who(table, "Yakovenko", role="Deputy Foreign Minister", when=dt.date(2008, 1, 1))
        == "Alexander Yakovenko"
    )
    assert who(table, "Lavrov", role="Deputy Foreign Minister", when=D2021) is None
    assert who(table, "Lavrov", role="British Ambassador", when=D2021) is None
    assert who(table, "Sergey Lavrov", role="US Ambassador to Russia") is None
    assert who(table, "Sergey Lavrov", role="Russian Foreign Minister") == "Sergey Lavrov"


@pytest.mark.parametrize(
    ("printed", "title", "fits"),
    [
        ("Foreign Minister", "Foreign Minister", True),
        ("Minister", "Minister for Europe and Foreign Affairs", True),
        ("Foreign Minister", "Defence Minister", False),
        ("Deputy Foreign Minister", "Foreign Minister", False),
        ("Ambassador", "Permanent Representative to the United Nations", True),
        ("Russian Ambassador to the UK", "Ambassador to the United Kingdom", True),
        (
            "Foreign Ministry Spokeswoman",
            "Foreign Ministry Spokesperson, Director of the Information and Press Department",
            True,
        ),
        ("Spokesperson", "Foreign Minister", False),
        ("Secretary of State", "Foreign Minister", True),
        ("Head", "Foreign Minister", True),  # names no kind of office: no evidence either way
    ],
)
def test_role_fits(printed, title, fits):
    assert role_fits(printed, title) is fits


@pytest.mark.parametrize(
    ("role", "country"),
    [
        ("Russian Ambassador to the UK", "RU"),
        ("UK Ambassador to the UN", "GB"),
        ("Permanent Representative of the Russian Federation to the United Nations", "RU"),
        ("Ambassador", None),
        ("Permanent Representative to the UN", None),
        ("US Secretary of State", "US"),
    ],
)
def test_role_country_is_the_part_before_to(role, country):
    assert role_country(role) == country


def test_table_people_carry_structured_names(table):
    parts = {p.name: p.parts for p in table.people}
    assert parts["Ursula von der Leyen"] == {
        "family": "Leyen",
        "given": "Ursula",
        "non-dropping-particle": "von der",
    }
    assert parts["Wang Yi"] == {"family": "Wang", "given": "Yi", "static-ordering": True}
    assert parts["Mohammed bin Salman Al Saud"] == {"family": "Al Saud", "given": "Mohammed bin Salman"}
    assert parts["Sergey Lavrov"] == {"family": "Lavrov", "given": "Sergey"}


def test_shipped_table_is_well_formed(table):
    assert len(table) >= 150
    names = [p.name for p in table.people]
    assert len(names) == len(set(names))
    for p in table.people:
        assert p.roles, p.name
        assert all(r.start is None or r.end is None or r.start <= r.end for r in p.roles), p.name
        # a person's every own spelling leads back to them
        for form in p.forms:
            assert table.match(form) is p, (p.name, form)


def test_user_file_adds_and_replaces_people(tmp_path, monkeypatch):
    extra = tmp_path / "more.toml"
    extra.write_text(
        """
[[person]]
name = "Sergey Lavrov"
given = "Sergey"
family = "Lavrov"
forms = ["Sergueï Lavrov"]
country = "RU"
roles = [["Foreign Minister", 2004]]

[[person]]
name = "Jan Kowalski"
given = "Jan"
family = "Kowalski"
cyrillic = "Ян Ковальский"
country = "PL"
roles = [["Ambassador to the United Kingdom", 2020]]
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("ARCHIVE_SPEAKERS_FILE", str(extra))
    table = default_table()
    assert who(table, "Jan Kowalski") == "Jan Kowalski"
    assert who(table, "Ян Ковальский") == "Jan Kowalski"
    assert who(table, "Kowalski", role="Ambassador", when=D2021) == "Jan Kowalski"
    lavrov = table.match("Sergueï Lavrov")
    assert lavrov is not None and lavrov.roles[0].start == 2004 and len(lavrov.roles) == 1  # replaced
    monkeypatch.delenv("ARCHIVE_SPEAKERS_FILE")
    assert who(default_table(), "Jan Kowalski") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[person]]\nname = 'X'\n given = = 1\n", "not a valid TOML speaker table"),
        (
            "[[person]]\nname = 'Jan Kowalski'\ngiven = 'Jan'\n",
            "person 1 (Jan Kowalski): 'family' is missing",
        ),
        (
            "[[person]]\nname = 'A B'\nfamily = 'B'\nroles = [['Ambassador', 'soon']]\n",
            "a role is [title, first year, last year]",
        ),
        ("[[person]]\nname = 'A B'\nfamily = 'B'\norder = 'sideways'\n", "order must be"),
        ("person = 3\n", "expected [[person]] entries"),
    ],
)
def test_bad_user_file_is_a_clear_error(tmp_path, text, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(TableError) as e:
        load_table(SHIPPED, bad)
    assert str(bad) in str(e.value) and message in str(e.value)
    if "TOML" in message:
        assert "line 3" in str(e.value)


def test_missing_user_file_is_a_clear_error(tmp_path):
    with pytest.raises(TableError, match="cannot read the speaker table"):
        load_table(tmp_path / "nowhere.toml")


def test_cli_refuses_a_bad_speakers_file(cli, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[person]]\nname = 'X'\n", encoding="utf-8")
    monkeypatch.setenv("ARCHIVE_SPEAKERS_FILE", str(bad))
    page = tmp_path / "p.txt"
    page.write_text("Remarks by the Ambassador, Moscow, March 3, 2021\n\nGood afternoon.\n", encoding="utf-8")
    for args in (("parse", page), ("ingest", page)):
        result = cli(*args)
        assert result.exit_code == 2
        assert "bad.toml" in result.output and "'family' is missing" in result.output


# ------------------------------------------------------------------ the parse output


def _page(speakers, paragraphs, when=D2021) -> ParsedPage:
    st = ParsedStatement(
        role="main",
        title="Remarks",
        kind="remarks",
        date=when,
        published=None,
        venue=None,
        speakers=tuple(speakers),
        topics=(),
        title_line=1,
        paragraphs=tuple(
            ParsedParagraph(n=i, text=f"Text {i}.", speaker=s, label=lab, line_start=i + 2, line_end=i + 2)
            for i, (s, lab) in enumerate(paragraphs, 1)
        ),
    )
    return ParsedPage(statements=(st,))


def test_parse_output_names_table_people_canonically_and_keeps_the_spelling(table):
    page = _page(
        [ParsedSpeaker("S.Lavrov", "Foreign Minister")],
        [
            ("S.Lavrov", "S.Lavrov"),
            ("Question", "Question"),
            ("Sergei Lavrov", "Sergei Lavrov"),
            ("Fyodor Lukyanov", "Fyodor Lukyanov"),
        ],
    )
    out = canonical_names(page, table).statements[0]
    assert out.speakers == (
        ParsedSpeaker("Sergey Lavrov", "Foreign Minister", "person", as_printed="S.Lavrov"),
    )
    assert [p.speaker for p in out.paragraphs] == [
        "Sergey Lavrov",
        "Question",
        "Sergey Lavrov",
        "Fyodor Lukyanov",
    ]
    assert [p.label for p in out.paragraphs] == ["S.Lavrov", "Question", "Sergei Lavrov", "Fyodor Lukyanov"]
    data = page_to_dict(dataclasses.replace(page, statements=(out,)), path="p.txt", sha256="0")
    assert data["statements"][0]["speakers"] == [
        {"name": "Sergey Lavrov", "role": "Foreign Minister", "kind": "person", "as_printed": "S.Lavrov"}
    ]
    json.dumps(data)


def test_parse_output_leaves_a_family_name_alone_and_unknown_people_as_printed(table):
    page = _page(
        [
            ParsedSpeaker("Yakovenko", "Ambassador"),
            ParsedSpeaker("Foreign Ministry", None, "institution"),
            ParsedSpeaker("Jan Kowalski", "Ambassador"),
        ],
        [("Yakovenko", None)],
        when=dt.date(2017, 4, 17),
    )
    assert canonical_names(page, table) is page  # nothing renamed: the very same object
    data = page_to_dict(page, path="p.txt", sha256="0")
    assert all("as_printed" not in s for s in data["statements"][0]["speakers"])


def test_parse_page_applies_the_table():
    from app.ingest.parse import parse_page

    page = parse_page(
        "Foreign Minister Sergei Lavrov’s remarks at a news conference, Moscow, March 3, 2021\n\n"
        "Good afternoon. We have discussed strategic stability today.\n"
    )
    sp = page.main.speakers[0]
    assert (sp.name, sp.as_printed) == ("Sergey Lavrov", "Sergei Lavrov")
    assert page.main.paragraphs[0].speaker == "Sergey Lavrov"
