"""The one facet type: a value of a filter with its count, shown by the `facet_list` macro
(templates/_macros.html) on the statement list and on search results alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Facet:
    name: str  # the parameter: speaker, kind, venue, topic, year, month
    value: str  # the parameter's value
    label: str
    count: int
    selected: bool = False
