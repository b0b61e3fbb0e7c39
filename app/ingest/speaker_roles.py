"""A printed role as evidence of who a speaker is: the kinds of office it names ('Deputy Foreign
Minister' -> minister, deputy, foreign), whether it fits a role a person held, and the state it
speaks for ('Russian Ambassador to the UK' -> RU)."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """Case and diacritics folded, ё as е: how the speaker table compares names and roles."""
    text = unicodedata.normalize("NFKD", text.replace("ё", "е").replace("Ё", "Е")).casefold()
    return "".join(c for c in text if not unicodedata.combining(c))


_SPOKES = {"spokesperson", "spokeswoman", "spokesman", "spokespersons", "spokespeople"}
_ENVOY = {"ambassador", "representative", "envoy", "charge", "chargee", "ambassadors"}
_DEPUTY = {"deputy", "vice", "assistant", "alternate", "under", "first"}
_DOMAINS = {
    "foreign": "foreign",
    "external": "foreign",
    "defence": "defence",
    "defense": "defence",
    "home": "home",
    "interior": "home",
    "exchequer": "finance",
    "finance": "finance",
}


def role_kinds(role: str) -> frozenset[str]:
    """The kinds of office a role names: 'Deputy Foreign Minister' -> {minister, deputy, foreign}."""
    words = set(WORD.findall(fold(role).replace("-", " ")))
    kinds: set[str] = set()
    if words & _SPOKES or {"press", "secretary"} <= words or {"information", "press", "department"} <= words:
        kinds.add("spokesperson")
    if {"high", "representative"} <= words:
        kinds.add("high-representative")
    elif words & _ENVOY:
        kinds.add("envoy")
    if {"secretary", "general"} <= words:
        kinds.add("secretary-general")
    if "prime" in words or "premier" in words or ("chancellor" in words and "exchequer" not in words):
        kinds.add("head-of-government")
    elif (
        "minister" in words
        or "ministers" in words
        or (
            "secretary" in words
            and words & {"state", "foreign", "home", "defence"}
            and "press" not in words
            and "general" not in words
        )
    ):
        kinds.add("minister")
    if "president" in words and "high-representative" not in kinds:
        kinds.add("president")
    if words & {"aide", "adviser", "advisor"}:
        kinds.add("aide")
    if words & {"chair", "chairman", "chairwoman", "speaker"}:
        kinds.add("chair")
    if words & {"prince", "king", "queen", "emir", "sultan"}:
        kinds.add("monarch")
    if kinds and words & _DEPUTY and not ("first" in words and not words & (_DEPUTY - {"first"})):
        kinds.add("deputy")
    kinds.update(_DOMAINS[w] for w in words if w in _DOMAINS)
    if "secretary" in words and "state" in words and "minister" in kinds:
        kinds.add("foreign")  # the US Secretary of State
    return frozenset(kinds)


def role_fits(printed: str, title: str) -> bool:
    """A printed role ('Ambassador', 'Foreign Minister') fits a held title; a role that names no
    kind of office ('Mr', 'Head') is no evidence either way."""
    said = role_kinds(printed)
    if not said - set(_DOMAINS.values()):
        return True
    held = role_kinds(title)
    if ("deputy" in said) != ("deputy" in held):
        return False
    return said <= held


_COUNTRIES = [
    (r"russia|russian", "RU"),
    (r"u\.?s\.?a?|american|united states", "US"),
    (r"u\.?k\.?|british|united kingdom|britain", "GB"),
    (r"france|french", "FR"),
    (r"china|chinese|prc", "CN"),
    (r"eu|european union|european commission|european council|eeas", "EU"),
    (r"un|u\.n\.|united nations", "UN"),
    (r"german|germany", "DE"),
    (r"ukraine|ukrainian", "UA"),
    (r"india|indian", "IN"),
    (r"turkey|turkish|türkiye", "TR"),
    (r"japan|japanese", "JP"),
    (r"dprk|north korea|north korean", "KP"),
    (r"korea|korean|rok", "KR"),
    (r"iran|iranian", "IR"),
    (r"saudi|saudi arabia", "SA"),
    (r"hungary|hungarian", "HU"),
    (r"belarus|belarusian", "BY"),
    (r"brazil|brazilian", "BR"),
    (r"vietnam|viet nam|vietnamese", "VN"),
]
_COUNTRY_RE = [(re.compile(rf"(?<![\w.])(?:{p})(?![\w])", re.I), c) for p, c in _COUNTRIES]


def role_country(role: str | None) -> str | None:
    """The state a printed role speaks for: 'Russian Ambassador to the UK' -> RU (the part before 'to')."""
    if not role:
        return None
    head = re.split(r"\s(?:to|at|in|for)\s", role, maxsplit=1)[0]
    for rx, code in _COUNTRY_RE:
        if rx.search(head):
            return code
    return None
