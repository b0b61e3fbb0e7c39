"""The curated speaker table (app/data/speakers.toml, extended by ARCHIVE_SPEAKERS_FILE):
who a printed name is, whatever the spelling.

    table = default_table()
    table.match("С.В.Лавров")                              -> Person("Sergey Lavrov")
    table.match("Sergei Lavrov") / ("S.Lavrov") / ("Lavrov Sergey Viktorovich")  -> the same
    table.match("Yakovenko", role="Ambassador", when=date(2017, 4, 17))        -> Person("Alexander Yakovenko")
    table.match("Wang", when=date(2021, 1, 1))             -> None (Wang Yi and Wang Wenbin both fit)

How a name is matched, strongest evidence first:
1. the name's words (folded: case, diacritics, transliteration variants; any order) are one of a
   person's name forms (the full name, with or without patronymic, in Latin or Cyrillic, or a
   listed variant) — accepted unless the printed role names another country;
2. initials and a family name ("S.V. Lavrov", "С.В.Лавров", "Lavrov S."): the people of that family
   name whose initials begin so, and
3. a family name alone ("Lavrov"): the people of that family name — both accepted only when the
   statement gives a role or a date and one person is left after that evidence: a role held in
   the statement's year, of the printed kind (ambassador, minister, spokesperson, …; "deputy"
   must agree) and country.
No match: the caller falls back to the name key (app/ingest/keys.name_key).
How a printed role counts as evidence: speaker_roles; renaming a parse output: canonical_names.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from app.ingest.keys import TRANSLIT
from app.ingest.name_parts import SUFFIXES, name_parts
from app.ingest.name_parts import _words as name_words
from app.ingest.speaker_roles import WORD, fold, role_country, role_fits

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "speakers.toml"
_INITIAL = re.compile(r"([^\W\d_])[^\W\d_\s]?\.(?:-([^\W\d_])[^\W\d_]?\.)?")


class TableError(ValueError):
    """A speaker table that cannot be read: the message names the file and the entry or line."""


@dataclass(frozen=True)
class Role:
    title: str
    start: int | None
    end: int | None  # None: still held

    def held_in(self, year: int) -> bool:
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@dataclass(frozen=True, eq=False)  # one object per table entry: compared by identity
class Person:
    name: str  # canonical display name
    parts: dict  # CSL-JSON name object (see app/ingest/name_parts.py)
    country: str | None
    roles: tuple[Role, ...]
    forms: tuple[str, ...] = ()  # every spelling it is known by

    def fits(self, role: str | None, when: date | None) -> bool:
        """Nothing in the statement contradicts this person: country, role kind, year."""
        if not _same_country(self, role):
            return False
        return (
            any(
                (when is None or r.held_in(when.year)) and (role is None or role_fits(role, r.title))
                for r in self.roles
            )
            if (role or when)
            else True
        )


class SpeakerTable:
    """People indexed by their name forms, family names and initials."""

    def __init__(self, rows: list[tuple[Person, list[tuple[tuple[str, ...], list[str]]]]]):
        self.people = tuple(p for p, _ in rows)
        self._forms: dict[tuple[str, ...], list[Person]] = {}
        self._family: dict[tuple[str, ...], list[Person]] = {}
        self._initials: dict[tuple[str, ...], list[tuple[str, Person]]] = {}
        self._cache: dict[tuple, Person | None] = {}
        for p, families in rows:
            for form in p.forms:
                _add(self._forms, _key(form), p)
            for family, initials in families:
                _add(self._family, family, p)
                for ini in initials:
                    _add(self._initials, family, (ini, p))

    def __len__(self) -> int:
        return len(self.people)

    def match(self, name: str | None, *, role: str | None = None, when: date | None = None) -> Person | None:
        """The person `name` is, or None (see the module docstring)."""
        if not name:
            return None
        k = (name, role, when)
        if k not in self._cache:
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[k] = self._match(name, role, when)
        return self._cache[k]

    def match_form(
        self, name: str | None, *, role: str | None = None, when: date | None = None
    ) -> Person | None:
        """A match by a name form or initials, never by a family name alone: what the parse output
        renames (a page that prints only "Yakovenko" keeps "Yakovenko")."""
        if not name or len(name_words(name)) < 2:
            return None
        return self.match(name, role=role, when=when)

    def could_match(self, name: str) -> bool:
        """Some evidence could make `name` a table person (a cheap test before looking for it)."""
        words = [w for w in name_words(" ".join(name.split())) if w.lower() not in SUFFIXES]
        key = _key(" ".join(w for w in words if not _INITIAL.fullmatch(w)))
        return _key(" ".join(words)) in self._forms or key in self._family or key in self._initials

    def _match(self, name: str, role: str | None, when: date | None) -> Person | None:
        words = [w for w in name_words(" ".join(name.split())) if w.lower() not in SUFFIXES]
        full = [p for p in self._forms.get(_key(" ".join(words)), []) if _same_country(p, role)]
        if len(full) > 1:
            full = [p for p in full if p.fits(role, when)]
        if full:
            return _only(full)
        initials = [w for w in words if _INITIAL.fullmatch(w)]
        key = _key(" ".join(w for w in words if not _INITIAL.fullmatch(w)))
        if not key or (not initials and role is None and when is None):
            return None  # a family name alone, and nothing to weigh it against
        if initials:
            given = "".join(fold(_initial_letters(w)) for w in initials)
            found = [p for ini, p in self._initials.get(key, []) if ini.startswith(given)]
        else:
            found = self._family.get(key, [])
        return _only([p for p in dict.fromkeys(found) if p.fits(role, when)])


def _same_country(p: Person, role: str | None) -> bool:
    said = role_country(role)
    return not (said and p.country and said != p.country)


def _add(index: dict, key, value) -> None:
    if key:
        bucket = index.setdefault(key, [])
        if value not in bucket:
            bucket.append(value)


def _only(people: list[Person]) -> Person | None:
    return people[0] if len(people) == 1 else None


def _initial_letters(w: str) -> str:
    m = _INITIAL.fullmatch(w)
    return "".join(g for g in m.groups() if g) if m else w[:1]


def _key(text: str) -> tuple[str, ...]:
    """Match key: folded words, transliteration variants unified, order ignored."""
    return tuple(sorted(TRANSLIT.get(w, w) for w in WORD.findall(fold(text))))


# ------------------------------------------------------------------ loading


def _initials(given: str | None, patronymic: str | None) -> list[str]:
    words = [w for w in WORD.findall(fold(" ".join(x for x in (given, patronymic) if x)))]
    return ["".join(w[0] for w in words)] if words else []


_Families = list[tuple[tuple[str, ...], list[str]]]  # (family-name key, initials of the given names)


def _person(entry: dict, where: str) -> tuple[Person, _Families]:
    """One [[person]] entry: the person, and the family names and initials it is found by."""
    for k in ("name", "family"):
        if not isinstance(entry.get(k), str) or not entry[k].strip():
            raise TableError(f"{where}: '{k}' is missing or not a text")
    family_first = entry.get("order") == "family-first"
    if entry.get("order") not in (None, "family-first", "given-first"):
        raise TableError(f"{where}: order must be 'family-first' or 'given-first'")
    roles = _roles(entry, where)  # (checked before the forms, as the table's errors are reported)
    given, patr, fam = entry.get("given") or "", entry.get("patronymic") or "", entry["family"]
    particle = entry.get("non_dropping_particle") or entry.get("dropping_particle") or ""
    family_words = " ".join(x for x in (particle, fam) if x)
    forms = {entry["name"], f"{given} {family_words}".strip(), f"{family_words} {given}".strip()}
    if patr:
        forms |= {f"{given} {patr} {family_words}", f"{family_words} {given} {patr}"}
    families = [(_key(family_words), [] if family_first else _initials(given, patr) + _initials(given, None))]
    cyr = entry.get("cyrillic")
    if cyr:
        forms.add(cyr)
        families.append(_cyrillic(cyr, family_first, forms))
    for f in entry.get("forms", []):
        if not isinstance(f, str):
            raise TableError(f"{where}: forms must be texts")
        forms.add(f)
    parts = _name_parts(entry, family_first)
    person = Person(entry["name"], parts, entry.get("country"), roles, tuple(sorted(forms)))
    return person, families


def _name_parts(entry: dict, family_first: bool) -> dict:
    """The CSL-JSON name object of an entry."""
    parts: dict = {"family": entry["family"]}
    if entry.get("given"):
        parts["given"] = entry["given"]
    for key in ("non-dropping-particle", "dropping-particle", "suffix"):
        value = entry.get(key.replace("-", "_"))
        if value:
            parts[key] = value
    if family_first:
        parts["static-ordering"] = True
    return parts


def _roles(entry: dict, where: str) -> tuple[Role, ...]:
    roles = []
    for r in entry.get("roles", []):
        if not (
            isinstance(r, list)
            and 1 <= len(r) <= 3
            and isinstance(r[0], str)
            and all(isinstance(y, int) for y in r[1:])
        ):
            raise TableError(f"{where}: a role is [title, first year, last year]: {r!r}")
        roles.append(Role(r[0], r[1] if len(r) > 1 else None, r[2] if len(r) > 2 else None))
    return tuple(roles)


def _cyrillic(cyr: str, family_first: bool, forms: set[str]) -> tuple[tuple[str, ...], list[str]]:
    """The forms of a name printed in Cyrillic (added to `forms`) and its family name and initials."""
    cwords = cyr.split()
    if family_first:
        return _key(cwords[0]), []
    cfam = cwords[-1]
    k = len(cwords) - 1
    while k > 1 and cwords[k - 1][:1].islower():  # "фон дер Ляйен"
        k -= 1
        cfam = " ".join(cwords[k:])
    cgiven = cwords[:k]
    forms.add(" ".join([cfam] + cgiven))
    if len(cgiven) == 2:
        forms.add(f"{cgiven[0]} {cfam}")
    return (
        _key(cfam),
        _initials(" ".join(cgiven), None) + (_initials(cgiven[0], None) if len(cgiven) > 1 else []),
    )


def load_table(*paths: Path) -> SpeakerTable:
    """The people of these files, later files replacing earlier entries of the same name."""
    rows: dict[str, tuple[Person, list]] = {}
    for path in paths:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise TableError(f"{path}: cannot read the speaker table: {e.strerror or e}") from e
        except tomllib.TOMLDecodeError as e:
            raise TableError(f"{path}: not a valid TOML speaker table: {e}") from e
        people = data.get("person", [])
        if not isinstance(people, list):
            raise TableError(f"{path}: expected [[person]] entries")
        for i, entry in enumerate(people, 1):
            where = f"{path}: person {i}" + (
                f" ({entry.get('name')})" if isinstance(entry, dict) and entry.get("name") else ""
            )
            if not isinstance(entry, dict):
                raise TableError(f"{where}: not a table")
            person, families = _person(entry, where)
            rows[person.name] = (person, families)
    return SpeakerTable([rows[k] for k in sorted(rows)])


@lru_cache(maxsize=4)
def _cached_table(user_file: str | None) -> SpeakerTable:
    return load_table(SHIPPED, *([Path(user_file)] if user_file else []))


def default_table() -> SpeakerTable:
    """The shipped table plus the file named by ARCHIVE_SPEAKERS_FILE (Settings.speakers_file), if
    set; read from the environment directly, so that parsing a page builds no Settings."""
    return _cached_table(os.environ.get("ARCHIVE_SPEAKERS_FILE") or None)


def structured_name(name: str, kind: str = "person", person: Person | None = None) -> dict:
    """The CSL-JSON name of a speaker: the table's when it is a table person, else name_parts."""
    if person is not None:
        return dict(person.parts)
    return name_parts(name, kind=kind)
