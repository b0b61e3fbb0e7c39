"""name_parts: CSL-JSON name objects for names of every shape."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.name_parts import display_name, name_parts

WANG = {"family": "Wang", "given": "Yi", "static-ordering": True}
LAVROV = {"family": "Lavrov", "given": "Sergey"}
VDL = {"family": "Leyen", "given": "Ursula", "non-dropping-particle": "von der"}
MBS = {"family": "Al Saud", "given": "Mohammed bin Salman"}

CASES = [
    # Western given-family, honorifics dropped, ALL-CAPS to display case
    ("Sergey Lavrov", LAVROV),
    ("Mr. Sergey Lavrov", LAVROV),
    ("His Excellency Sergey Lavrov", LAVROV),
    ("H.E. Sergey Lavrov", LAVROV),
    ("SERGEY LAVROV", LAVROV),
    ("Sergey LAVROV", LAVROV),
    ("Sergey Viktorovich Lavrov", {"family": "Lavrov", "given": "Sergey Viktorovich"}),
    ("Antony J. Blinken", {"family": "Blinken", "given": "Antony J."}),
    ("Linda Thomas-Greenfield", {"family": "Thomas-Greenfield", "given": "Linda"}),
    ("António Guterres", {"family": "Guterres", "given": "António"}),
    ("Kim Darroch", {"family": "Darroch", "given": "Kim"}),  # a Korean family name, not a Korean name
    ("Simon Coveney", {"family": "Coveney", "given": "Simon"}),  # a Hungarian family name, not Hungarian
    ("Lee Anderson", {"family": "Anderson", "given": "Lee"}),
    ("Martin Luther King Jr.", {"family": "King", "given": "Martin Luther", "suffix": "Jr."}),
    ("Lavrov", {"family": "Lavrov"}),
    ("O'BRIEN", {"family": "O'Brien"}),
    # initials, spaced or glued, Latin or Cyrillic, before or after the family name
    ("S.V. Lavrov", {"family": "Lavrov", "given": "S. V."}),
    ("S. V. Lavrov", {"family": "Lavrov", "given": "S. V."}),
    ("S.Lavrov", {"family": "Lavrov", "given": "S."}),
    ("Lavrov S.V.", {"family": "Lavrov", "given": "S. V."}),
    ("С.В.Лавров", {"family": "Лавров", "given": "С. В."}),
    ("Лавров С.В.", {"family": "Лавров", "given": "С. В."}),
    ("Yu. Ushakov", {"family": "Ushakov", "given": "Yu."}),
    ("J.-Y. Le Drian", {"family": "Le Drian", "given": "J.-Y."}),
    ("S.V. LAVROV", {"family": "Lavrov", "given": "S. V."}),
    # Cyrillic full names; Russian formal order (family, given, patronymic)
    ("Мария Захарова", {"family": "Захарова", "given": "Мария"}),
    ("Лавров Сергей Викторович", {"family": "Лавров", "given": "Сергей Викторович"}),
    ("Сергей Викторович Лавров", {"family": "Лавров", "given": "Сергей Викторович"}),
    # particles: lowercase ones are the non-dropping-particle, capitalised ones belong to the family
    ("Ursula von der Leyen", VDL),
    ("URSULA VON DER LEYEN", VDL),
    ("Ursula VON DER LEYEN", VDL),
    ("Charles de Gaulle", {"family": "Gaulle", "given": "Charles", "non-dropping-particle": "de"}),
    (
        "Luiz Inácio Lula da Silva",
        {"family": "Silva", "given": "Luiz Inácio Lula", "non-dropping-particle": "da"},
    ),
    ("Jean-Yves Le Drian", {"family": "Le Drian", "given": "Jean-Yves"}),
    ("JEAN-YVES LE DRIAN", {"family": "Le Drian", "given": "Jean-Yves"}),
    ("Herman Van Rompuy", {"family": "Van Rompuy", "given": "Herman"}),
    ("Adel al-Jubeir", {"family": "al-Jubeir", "given": "Adel"}),
    # Arabic nasab: never "Saud"
    ("Mohammed bin Salman Al Saud", MBS),
    ("MOHAMMED BIN SALMAN AL SAUD", MBS),
    ("Faisal bin Farhan Al Saud", {"family": "Al Saud", "given": "Faisal bin Farhan"}),
    ("Mohammed bin Salman", {"literal": "Mohammed bin Salman"}),  # no family name to split off
    # family name first: Chinese, Korean, Vietnamese, Hungarian; ALL-CAPS family names
    ("Wang Yi", WANG),
    ("WANG Yi", WANG),
    ("WANG YI", WANG),
    ("Xi Jinping", {"family": "Xi", "given": "Jinping", "static-ordering": True}),
    ("Hua Chunying", {"family": "Hua", "given": "Chunying", "static-ordering": True}),
    ("He Lifeng", {"family": "He", "given": "Lifeng", "static-ordering": True}),  # not the pronoun
    ("Kim Jong Un", {"family": "Kim", "given": "Jong Un", "static-ordering": True}),
    ("KIM Jong Un", {"family": "Kim", "given": "Jong Un", "static-ordering": True}),
    ("Moon Jae-in", {"family": "Moon", "given": "Jae-in", "static-ordering": True}),
    ("MOON JAE-IN", {"family": "Moon", "given": "Jae-in", "static-ordering": True}),
    ("Ban Ki-moon", {"family": "Ban", "given": "Ki-moon", "static-ordering": True}),
    ("Pham Minh Chinh", {"family": "Pham", "given": "Minh Chinh", "static-ordering": True}),
    ("Nguyễn Phú Trọng", {"family": "Nguyễn", "given": "Phú Trọng", "static-ordering": True}),
    ("Orbán Viktor", {"family": "Orbán", "given": "Viktor", "static-ordering": True}),
    ("Viktor Orbán", {"family": "Orbán", "given": "Viktor"}),
    ("Szijjártó Péter", {"family": "Szijjártó", "given": "Péter", "static-ordering": True}),
    ("Péter Szijjártó", {"family": "Szijjártó", "given": "Péter"}),
    ("KISHIDA Fumio", {"family": "Kishida", "given": "Fumio", "static-ordering": True}),
    ("Fumio Kishida", {"family": "Kishida", "given": "Fumio"}),
    # what cannot be split honestly
    ("Lord Ahmad of Wimbledon", {"literal": "Lord Ahmad of Wimbledon"}),
    ("THE PRESIDENT", {"literal": "The President"}),
    ("President", {"literal": "President"}),
    ("Agent 007", {"literal": "Agent 007"}),
]


@pytest.mark.parametrize(("name", "parts"), CASES, ids=[c[0] for c in CASES])
def test_name_parts(name, parts):
    assert name_parts(name) == parts


def test_institutions_are_literal():
    assert name_parts("Foreign Ministry", kind="institution") == {"literal": "Foreign Ministry"}
    assert name_parts("Ministry of Foreign Affairs of the Russian Federation", kind="institution") == {
        "literal": "Ministry of Foreign Affairs of the Russian Federation"
    }
    assert name_parts("  Embassy  of Russia ", kind="institution") == {"literal": "Embassy of Russia"}


@pytest.mark.parametrize(
    "name",
    [
        "Wang Yi",
        "Ursula von der Leyen",
        "Mohammed bin Salman Al Saud",
        "Sergey Lavrov",
        "Martin Luther King Jr.",
        "Jean-Yves Le Drian",
    ],
)
def test_display_name_prints_the_name_back(name):
    assert display_name(name_parts(name)) == name


def test_display_name_of_caps_and_initials():
    assert display_name(name_parts("URSULA VON DER LEYEN")) == "Ursula von der Leyen"
    assert display_name(name_parts("С.В.Лавров")) == "С. В. Лавров"
    assert display_name({"literal": "Foreign Ministry"}) == "Foreign Ministry"


@given(st.text(max_size=60))
def test_never_raises_and_is_csl(text):
    parts = name_parts(text)
    assert set(parts) <= {
        "family",
        "given",
        "non-dropping-particle",
        "dropping-particle",
        "suffix",
        "static-ordering",
        "literal",
    }
    assert ("literal" in parts) != ("family" in parts)
    if text.strip():
        assert all(isinstance(v, str) and v.strip() for k, v in parts.items() if k != "static-ordering")
