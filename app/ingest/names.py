"""People and their roles in a phrase: "Foreign Minister Sergey Lavrov’s", "President of Russia
Vladimir Putin", "Ambassador of the Russian Federation to the UK Andrei Kelin", "Embassy".

An agent phrase is ROLE NAME: the role is made of role words (a small lexicon), the words
its connectors bring in ("of Russia", "to the United Kingdom") and capitalised words that
stand before a role noun ("Swedish Minister"); the name is the run of capitalised words
after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CORE = frozenset(
    """
ambassador minister president spokesperson spokeswoman spokesman representative secretary director
head chairman chairwoman chair envoy officer counsellor counselor consul consul-general attaché attache
chargé charge adviser advisor aide commissioner governor mayor senator speaker king queen prince
premier chancellor ombudsman patriarch press-secretary chief leader coordinator delegate negotiator
secretary-general director-general vice-president prime-minister spokespeople ministers ambassadors
presidents representatives spokespersons envoys
министр министра министру министром посол посла послом президент президента президентом председатель председателя
представитель представителя заместитель заместителя директор директора пресс-секретарь пресс-секретаря
советник советника консул консула
""".split()
)
MODIFIERS = frozenset(
    """
foreign deputy first second third permanent alternate acting special presidential executive general
state press information russian russia british american us u.s. uk un u.n. eu nato osce united kingdom
states nations federation republic union council security ministry embassy mission department affairs
defence defense prime vice national high senior assistant political economic trade military cultural
federal duma kremlin office government former honorary principal associate interim designate
plenipotentiary extraordinary consulate delegation d’affaires d'affaires affaires staff public
иностранных дел российской федерации россии рф мид официальный официального постоянный постоянного чрезвычайный
чрезвычайного полномочный полномочного департамента информации печати посольства генерального генеральный
""".split()
)
INSTITUTIONS = frozenset(
    """
ministry embassy mission department government kremlin office administration service consulate
delegation presidency secretariat
""".split()
)
HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "sir",
        "lord",
        "lady",
        "madam",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "shri",
        "smt",
        "sri",
        "h.e.",
        "he",
        "excellency",
        "mme",
        "m.",
    }
)
PARTICLES = frozenset({"bin", "ibn", "al", "el", "de", "da", "di", "del", "von", "van", "der", "la", "le"})
# Words that end a name run: kind nouns and reporting verbs ("… Lavrov Answers Questions").
NAME_STOPS = frozenset(
    """
remarks interview statement comment speech address article letter briefing answers answer replies
reply press news message says said holds gives meets visits opens speaks talks call
выступление интервью заявление комментарий брифинг статья письмо послание обращение ответ ответы сообщение
""".split()
)

_ROLE_LINKS = frozenset({"of", "to", "for", "the", "in", "в", "во", "при", "по"})
# Words that end a name even when capitalised (Title Case headlines): "… Thomas-Greenfield At A …".
TITLE_STOPS = frozenset(
    """at a an on in to for with during after before following of by and the about upon from over
under ahead amid between via regarding concerning on into as vs versus""".split()
)
# Places that follow a name with no comma in some titles ("Interview of S.V. Lavrov Moscow, …"): a name stops there.
PLACES = frozenset(
    """moscow london washington paris berlin beijing tokyo brussels geneva vienna rome madrid new york
kyiv kiev minsk ankara tehran delhi islamabad cairo riyadh doha abu dhabi dubai astana tashkent baku yerevan tbilisi
sochi st petersburg kazan vladivostok warsaw prague budapest bucharest sofia belgrade athens lisbon dublin oslo
stockholm helsinki copenhagen tallinn riga vilnius ottawa canberra pretoria nairobi addis ababa havana caracas
brasilia buenos aires mexico santiago lima bogota jakarta hanoi bangkok manila seoul pyongyang ulaanbaatar kabul
baghdad damascus beirut amman jerusalem tel aviv""".split()
)
_OPENERS = "“\"«‘(['"
_TRAILERS = ',;:)”"»!?]'
_NAME_WORD = re.compile(r"(?:[^\W\d_]\.){0,3}[^\W\d_][\w’'-]*|(?:[^\W\d_]\.){1,3}")
_INITIAL = re.compile(r"(?:[^\W\d_]\.){1,3}|[A-Z][a-z]?\.|U\.[SNK]\.")


@dataclass(frozen=True)
class Token:
    bare: str  # the word without quotes, punctuation and possessive
    poss: bool  # it carried a possessive ("Lavrov’s")
    stop: bool  # punctuation after it ends the phrase ("Zakharova,")
    opened: bool = False  # a bracket or quote opened before it ("(March")

    @property
    def low(self) -> str:
        return self.bare.lower()

    @property
    def cap(self) -> bool:
        return bool(self.bare) and self.bare[0].isupper()


def _token(w: str) -> Token:
    opened = w[:1] in _OPENERS
    w = w.lstrip(_OPENERS)
    core = w.rstrip(_TRAILERS)
    stop = core != w
    if core.endswith(".") and not _INITIAL.fullmatch(core):
        core, stop = core.rstrip("."), True
    poss = False
    if len(core) > 3 and core[-2:] in ("’s", "'s"):
        core, poss = core[:-2], True
    elif len(core) > 3 and core[-2:] in ("s’", "s'"):
        core, poss = core[:-1], True
    return Token(core.strip("’'‘"), poss, stop, opened)


def tokenize(s: str) -> list[Token]:
    return [_token(w) for w in s.split()]


@dataclass(frozen=True)
class Agent:
    role: str | None
    name: str | None
    institution: str | None
    poss: bool  # the phrase ended on a possessive
    end: int  # index of the first token after the phrase


def is_name_token(t: Token) -> bool:
    w = t.bare
    if (
        not w
        or not w[0].isupper()
        or t.low in NAME_STOPS
        or t.low in CORE
        or t.low in MODIFIERS
        or t.low in TITLE_STOPS
    ):
        return False
    if len(w) > 1 and w.isupper() and "." not in w:
        return False  # an acronym (RT, FT, BBC), not a name
    return bool(_NAME_WORD.fullmatch(w))


def _core_ahead(toks: list[Token], i: int) -> bool:
    """A role noun follows in the same run of capitalised words ("Swedish Minister")."""
    for t in toks[i : i + 6]:
        if t.low in CORE:
            return True
        if not t.cap or t.stop or t.poss or t.low in TITLE_STOPS or t.low in NAME_STOPS:
            return False
    return False


def _caps_name(toks: list[Token], i: int) -> bool:
    """'HAYASHI Yoshimasa': a family name in capitals before the given name (after a role)."""
    t = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    return (
        len(t.bare) >= 3
        and t.bare.isupper()
        and t.bare.isalpha()
        and nxt is not None
        and is_name_token(nxt)
        and not nxt.bare.isupper()
    )


def _particles_then_name(toks: list[Token], i: int) -> bool:
    """'von der Leyen', 'bin Salman': particles followed by a name word."""
    j = i
    while j < len(toks) and toks[j].low in PARTICLES and not toks[j].stop and j - i < 3:
        j += 1
    return j > i and j < len(toks) and is_name_token(toks[j])


def _links_role(toks: list[Token], i: int) -> bool:
    """toks[i] is a connector inside a role: "of the Russian Federation", "Information and Press"."""
    if toks[i].low == "and":
        return i + 1 < len(toks) and (toks[i + 1].low in CORE or toks[i + 1].low in MODIFIERS)
    j = i
    while j < len(toks) and toks[j].low in _ROLE_LINKS and not toks[j].stop:
        j += 1
    return toks[i].low in _ROLE_LINKS and j < len(toks) and toks[j].cap


def parse_agent(toks: list[Token], i: int = 0) -> Agent:
    """Read ROLE NAME from toks[i:]; stops at the first word that fits neither."""
    role: list[str] = []
    name: list[str] = []
    poss, after_conn = False, False
    if i < len(toks) and toks[i].low == "the":
        i += 1
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if not name:
            if t.low in CORE or t.low in MODIFIERS:
                role.append(t.bare)
            elif t.low == "lady" and role and role[-1].lower() == "first":
                role.append(t.bare)  # "First Lady": an office, not the honorific of "Lady Ashton"
            elif t.low in HONORIFICS:
                pass
            elif role and not t.stop and _links_role(toks, i):
                role.append(t.bare)
                after_conn = True
                i += 1
                continue
            elif (
                t.cap
                and t.low not in TITLE_STOPS
                and t.low not in NAME_STOPS
                and (after_conn or _core_ahead(toks, i))
            ):
                role.append(t.bare)
            elif is_name_token(t) or (role and _caps_name(toks, i)):
                name.append(t.bare)
            else:
                break
        elif t.opened:
            break  # "Arindam Bagchi (March 18, 2022)"
        elif (
            (
                t.low in PLACES
                or t.low in ("new", "st", "abu", "tel", "addis", "buenos")
                and nxt is not None
                and f"{t.low} {nxt.low}".split()[-1] in PLACES
            )
            and not t.poss
            and name
        ):
            break  # "… Lavrov Moscow, 12 March": the place after the name
        elif is_name_token(t) or _particles_then_name(toks, i):
            name.append(t.bare)
        else:
            break
        after_conn = False
        i += 1
        if t.poss or t.stop:
            poss = t.poss
            break
    return _agent(role, name, poss, i)


def _agent(role: list[str], name: list[str], poss: bool, end: int) -> Agent:
    if len(name) > 5:
        name = []
    has_core = any(w.lower() in CORE for w in role)
    inst = None
    idx = [k for k, w in enumerate(role) if w.lower() in INSTITUTIONS]
    if not name and idx:  # "Ministry of Foreign Affairs of Russia"; "Embassy" of "Embassy Press Officer"
        inst = " ".join(role[: idx[-1] + 1] if has_core else role)
    return Agent(
        role=" ".join(role) or None, name=" ".join(name) or None, institution=inst, poss=poss, end=end
    )


@lru_cache(maxsize=2048)
def split_role_name(phrase: str) -> Agent:
    return parse_agent(tokenize(phrase))


def role_before(text: str, pos: int) -> str | None:
    """The role printed just before a name at `pos`: "Russian Ambassador to the UK, Alexander …"."""
    toks = tokenize(text[max(0, pos - 120) : pos].rstrip(" ,"))
    k = len(toks)
    while k > 0:  # walk back over role words, their connectors and what the connectors bring in
        t, left = toks[k - 1], toks[k - 2] if k >= 2 else None
        right = toks[k] if k < len(toks) else None
        if (
            t.stop
            or t.poss
            or not (
                t.low in CORE
                or t.low in MODIFIERS
                or t.low in _ROLE_LINKS
                or t.cap
                and (left is not None and left.low in _ROLE_LINKS or right is not None and right.low in CORE)
            )
        ):
            break
        k -= 1
    words = [t.bare for t in toks[k:]]
    while words and words[0].lower() in _ROLE_LINKS:
        words.pop(0)
    if any(w.lower() in CORE for w in words) and len(words) <= 10:
        return " ".join(words)
    return None


def full_name(surname: str, text: str) -> str | None:
    """'Yakovenko' -> 'Alexander Yakovenko' when the text names him so."""
    for m in re.finditer(rf"\b([A-Z][a-z’'-]+)\s+{re.escape(surname)}\b", text):
        first = m.group(1)
        if first.lower() not in CORE | MODIFIERS | HONORIFICS and first.lower() not in ("the", "and"):
            return f"{first} {surname}"
    return None


# --- Russian names in the genitive -------------------------------------------------------------
# A Russian title puts its author in the genitive after a genre word or a role in the genitive
# ("Выступление Министра … С.В.Лаврова", "Брифинг … представителя М.В.Захаровой"); the speaker is
# stored and cited in the nominative. Endings (longest first): family names, patronymics and
# given names; the genitive of a masculine -ов/-ев/-ин surname is also a feminine nominative
# (Лаврова, Захарова), so a name is only read as genitive where its context is genitive.
_GENITIVE_FAMILY = (
    ("ского", "ский"),
    ("цкого", "цкий"),
    ("ской", "ская"),
    ("цкой", "цкая"),
    ("овой", "ова"),
    ("евой", "ева"),
    ("ёвой", "ёва"),
    ("иной", "ина"),
    ("ыной", "ына"),
    ("ова", "ов"),
    ("ева", "ев"),
    ("ёва", "ёв"),
    ("ина", "ин"),
    ("ына", "ын"),
)
_GENITIVE_PATRONYMIC = (
    ("овича", "ович"),
    ("евича", "евич"),
    ("ича", "ич"),
    ("овны", "овна"),
    ("евны", "евна"),
    ("ичны", "ична"),
)
_GENITIVE_GIVEN = (
    ("ея", "ей"),
    ("ия", "ий"),
    ("ии", "ия"),
    ("ьи", "ья"),
    ("ги", "га"),
    ("ки", "ка"),
    ("ы", "а"),
    ("а", ""),
)
_CYRILLIC = re.compile(r"^[А-ЯЁ][а-яё-]+$")
_CYRILLIC_INITIALS = re.compile(r"^((?:[А-ЯЁ]\.\s?){1,3})(.+)$")


def is_genitive_role(role: str | None) -> bool:
    """A Russian role whose head noun (its first role noun) is in the genitive: "Министра
    иностранных дел", "официального представителя МИД"."""
    for w in (role or "").lower().split():
        if w in CORE and re.search("[а-яё]", w):
            return w.endswith(
                ("а", "я")
            )  # министра, посла, представителя (nominative: министр, посол, представитель)
    return False


def _swap(word: str, table: tuple[tuple[str, str], ...], *, consonant_before: bool = False) -> str | None:
    for gen, nom in table:
        stem = word[: len(word) - len(gen)]
        if word.endswith(gen) and len(stem) >= 2 and (not consonant_before or stem[-1] not in "аеёиоуыэюяйь"):
            return stem + nom
    return None


def nominative(name: str) -> str | None:
    """The nominative of a Russian name printed in the genitive ("С.В.Лаврова" -> "С.В.Лавров",
    "Сергея Лаврова" -> "Сергей Лавров", "М.В.Захаровой" -> "М.В.Захарова"), or None when its
    words are not Cyrillic names with genitive endings. The caller knows the context is genitive."""
    m = _CYRILLIC_INITIALS.match(name)
    initials, rest = (m.group(1), m.group(2)) if m else ("", name)
    words = rest.split()
    if not words or len(words) > 3 or not all(_CYRILLIC.match(w) for w in words):
        return None
    family = _swap(words[-1], _GENITIVE_FAMILY)
    if family is None:
        return None
    given = []
    for k, w in enumerate(words[:-1]):
        nom = _swap(w, _GENITIVE_PATRONYMIC) if k == 1 or w.endswith(("вича", "вны")) else None
        nom = nom or _swap(w, _GENITIVE_GIVEN[:-1]) or _swap(w, _GENITIVE_GIVEN[-1:], consonant_before=True)
        if nom is None:
            return None
        given.append(nom)
    return initials + " ".join(given + [family])
