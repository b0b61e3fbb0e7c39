"""A person's or institution's name as a CSL-JSON name object, for citations and exports.

    name_parts("Sergey Lavrov")                -> {"family": "Lavrov", "given": "Sergey"}
    name_parts("С.В.Лавров")                   -> {"family": "Лавров", "given": "С. В."}
    name_parts("Ursula von der Leyen")         -> {"family": "Leyen", "given": "Ursula",
                                                   "non-dropping-particle": "von der"}
    name_parts("Mohammed bin Salman Al Saud")  -> {"family": "Al Saud", "given": "Mohammed bin Salman"}
    name_parts("Wang Yi")                      -> {"family": "Wang", "given": "Yi", "static-ordering": True}
    name_parts("Foreign Ministry", kind="institution") -> {"literal": "Foreign Ministry"}

Keys are those of the CSL-JSON schema's name variable: "family", "given",
"non-dropping-particle", "dropping-particle", "suffix", "static-ordering" (true when the name
is written family name first and must be displayed so: "Wang Yi", not "Yi Wang") and
"literal" (institutions, and names that cannot be split honestly). Particles follow the
citeproc-js convention: lowercase particles before the family name are the
non-dropping-particle ("von der" Leyen, "da" Silva); capitalised ones belong to the family
name ("Le Drian", "Van Rompuy", "Al Saud"). A dropping-particle never comes out of running
text (it cannot be told from a non-dropping one there); the speaker table may set one.

Family-name-first order is decided by evidence, never by position alone: an ALL-CAPS word
among mixed-case ones ("WANG Yi", "Sergey LAVROV") is the family name; otherwise the lists in
app/data/family_names.toml (a common family name first, and romanised syllables of that
language after it). Pure: no I/O beyond reading that packaged list once.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "family_names.toml"

# Lowercase particles that stand before a family name (CSL non-dropping-particle when lowercase).
PARTICLES = frozenset(
    """
von van der den de du des da di del della delle dello dos das do la le las los ter ten zu zum zur
af av vom d' dell' degli
""".split()
)
# Arabic nasab ("son of"/"daughter of"): "Mohammed bin Salman".
NASAB = frozenset({"bin", "ibn", "bint", "ben", "bent", "ould"})
# Titles and honorifics dropped before splitting (CSL has no field for them).
HONORIFICS = frozenset(
    """
mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor sir dame h.e. sheikh shaikh sheikha
г-н г-жа господин госпожа
""".split()
)
SUFFIXES = {"jr": "Jr.", "jr.": "Jr.", "sr": "Sr.", "sr.": "Sr.", "ii": "II", "iii": "III", "iv": "IV"}
# Words that make a "name" a description: "Lord Ahmad of Wimbledon", "The President".
_DESCRIPTIVE = frozenset({"of", "the", "and", "for", "to", "in", "at", "on", "&"})
ROLE_WORDS = frozenset(
    """
president minister ambassador spokesperson spokeswoman spokesman secretary chairman chairwoman
chair premier chancellor king queen prince envoy representative director commissioner speaker
""".split()
)
_PATRONYMIC = re.compile(r"(?:ovich|evich|ovna|evna|ichna|inichna|ович|евич|ич|овна|евна|ична|инична)$", re.I)

_INITIAL = re.compile(r"[^\W\d_][^\W\d_\sA-ZА-ЯЁ]?\.(?:-[^\W\d_][^\W\d_\sA-ZА-ЯЁ]?\.)?")
_GLUED = re.compile(r"(?<=\.)(?=[^\W\d_])")  # "S.V.Lavrov" -> "S." "V." "Lavrov"
_TRAIL = ",;:!?\"'“”«»()[]"


def name_parts(name: str, *, kind: str = "person") -> dict:
    """The CSL-JSON name object for `name` (see the module docstring)."""
    text = " ".join(name.split()).strip(_TRAIL + " ")
    if kind == "institution" or not text:
        return {"literal": text or name}
    words = _words(text)
    if not words or not _splittable(words):
        return {"literal": " ".join(_display_case_all(text.split())) if _all_caps(text.split()) else text}
    suffix = None
    if len(words) > 1 and words[-1].lower() in SUFFIXES:
        suffix = SUFFIXES[words.pop().lower()]
    parts = _split(words)
    if parts is None:
        return {"literal": text}
    if suffix:
        parts["suffix"] = suffix
    return parts


def display_name(parts: dict) -> str:
    """The name as printed in running text: 'Ursula von der Leyen', 'Wang Yi', 'С. В. Лавров'."""
    if "literal" in parts:
        return parts["literal"]
    family = " ".join(p for p in (parts.get("non-dropping-particle"), parts.get("family")) if p)
    given = " ".join(p for p in (parts.get("given"), parts.get("dropping-particle")) if p)
    order = [family, given] if parts.get("static-ordering") else [given, family]
    out = " ".join(p for p in order if p)
    return f"{out} {parts['suffix']}" if parts.get("suffix") else out


def _words(text: str) -> list[str]:
    """The name's words, honorifics dropped ("H.E.", "His Excellency", "Mr"), glued initials
    split ("S.V.Lavrov" -> "S." "V." "Lavrov")."""
    raw = text.replace(",", " ").split()
    while len(raw) > 1 and (
        raw[0].lower() in HONORIFICS or raw[0].lower() in ("his", "her") and raw[1].lower() == "excellency"
    ):
        raw.pop(0)
        if raw[0].lower() == "excellency" and len(raw) > 1:
            raw.pop(0)
    return [p for w in raw for p in _GLUED.split(w) if p]


def _splittable(words: list[str]) -> bool:
    if len(words) > 7:
        return False
    if any(w.lower() in _DESCRIPTIVE for w in words):
        return False
    if len(words) == 1 and words[0].lower() in ROLE_WORDS:
        return False
    return all(re.fullmatch(r"[^\W\d_]+(?:['’.-][^\W\d_]*)*\.?", w) for w in words)


def _split(words: list[str]) -> dict | None:
    caps = [_is_caps_word(w) for w in words]
    if all(caps) or not any(caps):
        if all(caps):
            words = _display_case_all(words)
        parts = _split_unmarked(words)
        if parts and all(caps) and parts.get("static-ordering") and parts.get("given"):
            parts["given"] = re.sub(r"-(\w)", lambda m: "-" + m.group(1).lower(), parts["given"])  # Jae-in
        return parts
    # ALL-CAPS marks the family name: "WANG Yi", "Sergey LAVROV", "Ursula VON DER LEYEN".
    marked = [i for i, c in enumerate(caps) if c]
    if marked != list(range(marked[0], marked[-1] + 1)):
        return _split_unmarked(_display_case_all(words))
    family = _display_case_all(words[marked[0] : marked[-1] + 1], inner=True)
    rest = words[: marked[0]] + words[marked[-1] + 1 :]
    if marked[0] == 0:
        return {"family": " ".join(family), "given": " ".join(rest), "static-ordering": True}
    return _with_particles(family, rest)


def _split_unmarked(words: list[str]) -> dict | None:
    if len(words) == 1:
        return {"family": words[0]}
    initials = [bool(_INITIAL.fullmatch(w)) for w in words]
    if all(initials):
        return None
    if initials[0]:  # "S. V. Lavrov"
        k = initials.index(False)
        if not any(initials[k:]):
            return _with_particles(words[k:], words[:k])
    if initials[-1]:  # "Lavrov S.V."
        k = len(initials) - initials[::-1].index(False)
        if not any(initials[:k]):
            return {"family": " ".join(words[:k]), "given": " ".join(words[k:])}
    if any(w.lower() in NASAB for w in words[1:-1]):
        return _split_nasab(words)
    if _family_first(words):
        return {"family": words[0], "given": " ".join(words[1:]), "static-ordering": True}
    # Russian formal order: "Лавров Сергей Викторович".
    if len(words) == 3 and _PATRONYMIC.search(words[2]) and not _PATRONYMIC.search(words[1]):
        return {"family": words[0], "given": " ".join(words[1:])}
    # Given name first: the family name is the last word with the capitalised particles
    # before it ("Le Drian", "Van Rompuy", "Al Saud").
    k = len(words) - 1
    while k > 1 and words[k - 1][:1].isupper() and words[k - 1].lower() in _CAPITAL_PARTICLES:
        k -= 1
    return _with_particles(words[k:], words[:k])


_CAPITAL_PARTICLES = frozenset(
    {
        "le",
        "la",
        "van",
        "von",
        "de",
        "di",
        "da",
        "del",
        "della",
        "des",
        "du",
        "dos",
        "al",
        "el",
        "abu",
        "ter",
        "ten",
    }
)


def _with_particles(family: list[str], given: list[str]) -> dict:
    """Lowercase particles between the given and the family name, or leading the family words,
    are the non-dropping-particle ("von der" Leyen)."""
    family, given = list(family), list(given)
    particles: list[str] = []
    while len(family) > 1 and family[0].lower() in PARTICLES and family[0][:1].islower():
        particles.append(family.pop(0))
    while len(given) > 1 and given[-1].lower() in PARTICLES and given[-1][:1].islower():
        particles.insert(0, given.pop())
    out: dict = {"family": " ".join(family)}
    if given:
        out["given"] = " ".join(given)
    if particles:
        out["non-dropping-particle"] = " ".join(particles)
    return out


def _split_nasab(words: list[str]) -> dict | None:
    """'Mohammed bin Salman Al Saud': given = the name and its 'bin X' chain, family = the rest.
    Without a family name after the chain ('Mohammed bin Salman') there is no honest split."""
    low = [w.lower() for w in words]
    last = max(i for i, w in enumerate(low) if w in NASAB)
    rest = words[last + 2 :]
    if not rest:
        return None
    return {"family": " ".join(rest), "given": " ".join(words[: last + 2])}


def _family_first(words: list[str]) -> bool:
    if len(words) > 4:
        return False
    first = _fold(words[0])
    data = _family_data()
    for lang in ("zh", "ko", "vi"):
        if first in data[lang]["family"] and all(
            _SYLLABLES.fullmatch(_fold(w).replace("-", "")) for w in words[1:]
        ):
            return True
    hu = data["hu"]
    return (
        len(words) == 2
        and first in hu["family"]
        and _fold(words[1]) in hu["given"]
        and first not in hu["given"]
    )


_SYLLABLE = (
    r"(?:zh|ch|sh|ngh|ng|nh|ph|th|tr|kh|gh|gi|qu|kk|tt|pp|ss|jj|wh|[bcdfghjklmnpqrstwxyz])?"
    r"[aeiouy]{1,3}(?:ng|nh|ch|[nmptkcl])?"
)
_SYLLABLES = re.compile(rf"(?:{_SYLLABLE})+")


@lru_cache(maxsize=1)
def _family_data() -> dict:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))["languages"]
    return {lang: {k: frozenset(v.split()) for k, v in entry.items()} for lang, entry in raw.items()}


def _fold(word: str) -> str:
    w = unicodedata.normalize("NFKD", word.replace("đ", "d").replace("Đ", "D")).casefold()
    return "".join(c for c in w if not unicodedata.combining(c))


def _is_caps_word(w: str) -> bool:
    letters = [c for c in w if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters) and not _INITIAL.fullmatch(w)


def _all_caps(words: list[str]) -> bool:
    letters = [c for w in words for c in w if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


_LOWER_IN_CAPS = PARTICLES | NASAB


def _display_case_all(words: list[str], inner: bool = False) -> list[str]:
    """ALL-CAPS words in display case; particles inside a name lowercase ('VON DER' -> 'von der')
    except those capitalised by convention ('Le', 'Al', 'El')."""
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        if (
            (i > 0 or inner)
            and low in _LOWER_IN_CAPS
            and low not in {"le", "al", "el"}
            and i < len(words) - 1
        ):
            out.append(low)
        elif _INITIAL.fullmatch(w) or (len(w) == 2 and w.endswith(".")):
            out.append(w[0].upper() + w[1:].lower())
        else:
            out.append(_display_case(w))
    return out


def _display_case(w: str) -> str:
    """'LAVROV' -> 'Lavrov', "O'BRIEN" -> "O'Brien", 'JEAN-YVES' -> 'Jean-Yves', 'MCDONALD' -> 'McDonald'."""
    if not _is_caps_word(w):
        return w
    parts = re.split(r"([-'’])", w.lower())
    out = "".join(p[:1].upper() + p[1:] if p not in "-'’" else p for p in parts)
    if out.startswith("Mc") and len(out) > 3:
        out = "Mc" + out[2].upper() + out[3:]
    return out
