"""Facets of a search: counts of matching paragraphs by speaker, year, kind, venue, topic and
month, as app.browse's Facet (the one facet type of the archive: value, label, count).

A facet with values chosen is counted without its own filter (the other values it could
add, OR within a facet), under every other filter (AND across facets)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TYPE_CHECKING

from app.facets import Facet
from app.search.budget import Deadline
from app.search.planning import values
from app.search.query import filter_queries

if TYPE_CHECKING:
    from app.search.searcher import IndexView

FACET_LIMIT = 30  # speaker, venue and topic facets list the most frequent values
FACETS = ("speaker", "year", "kind", "venue", "topic", "month")
FILTERED_FACETS = FACETS  # facets whose values are search parameters


def disjunctive_facets(
    view: IndexView,
    facets: dict[str, list[Facet]],
    params: dict,
    key: tuple,
    clock: Deadline,
    recount: Callable[[str, list], tuple[list[Facet], bool]],
) -> bool:
    """Recount each facet that has values chosen without its own filter (in place):
    recount(name, the other parameters' filter queries) -> (its values, approximate). True
    when a recount is an estimate, or one was left as it was for lack of time (the result is
    then approximate). `key`: what else the counts depend on (the per-view memo's key)."""
    estimated = False
    for name in FILTERED_FACETS:
        if not values(params.get(name)):
            continue
        if clock.late():
            return True
        others = filter_queries(**{k: v for k, v in params.items() if k != name})
        memo_key = ("facet", name, tuple(others), *key)
        got, approximate = view.memo(memo_key, lambda others=others, name=name: recount(name, others))
        if clock.cut:  # cut short: not worth keeping
            view.forget(memo_key)
        facets[name] = list(got)
        estimated = estimated or approximate
    return estimated


def facet_counts(
    view: IndexView,
    docs: Iterable[int],
    weight=None,
    limit: int = FACET_LIMIT,
    scale: float = 1.0,
    months: bool = False,
    only: tuple[str, ...] | None = None,
) -> dict[str, list[Facet]]:
    """Counts of matching paragraphs by speaker, year, kind, venue and topic (and month, as
    YYYY-MM, when `months`): each statement found counts `weight(docnum)` paragraphs
    (estimated: `scale` each). Year and kind are complete (they add up to the number of
    paragraphs; 'undated' included); the others list the `limit` most frequent values.
    `only`: just these facets (the others come back empty)."""
    if only is not None:
        return (
            _year_counts(view, docs, weight, scale)
            if only == ("year",)
            else {
                k: v for k, v in facet_counts(view, docs, weight, limit, scale, months).items() if k in only
            }
        )
    counts = _count(view, docs, weight, months)
    out = {}
    for name, counter in counts.items():
        counter = _scaled(counter, scale)
        if name == "year":
            items = sorted(counter.items(), key=_year_order)
        elif name == "month":  # in calendar order
            items = [(f"{m // 100:04d}-{m % 100:02d}", n) for m, n in sorted(counter.items())]
        else:
            items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            if name != "kind":
                items = items[:limit]
        out[name] = [Facet(name, v, v, n) for v, n in items]
    return out


def _count(view: IndexView, docs: Iterable[int], weight, months: bool) -> dict[str, Counter]:
    """Each facet's Counter of values (months as YYYYMM) over the statements found."""
    speakers, topics = view.column("speakers_f"), view.column("topics_f")
    years, kinds, venues = view.column("year"), view.column("kind"), view.column("venue_f")
    counts = {name: Counter() for name in FACETS}
    c_speaker, c_topic, c_year, c_kind, c_venue = (
        counts[n] for n in ("speaker", "topic", "year", "kind", "venue")
    )
    c_month = counts["month"]
    dates = view.column("date") if months else None
    if weight is None:  # one per statement: counted in C (~30k statements at 1.5M paragraphs)
        docs = list(docs)
        c_speaker.update(chain.from_iterable(map(speakers.__getitem__, docs)))
        c_topic.update(chain.from_iterable(map(topics.__getitem__, docs)))
        c_year.update(map(years.__getitem__, docs))
        c_kind.update(map(kinds.__getitem__, docs))
        c_venue.update(filter(None, map(venues.__getitem__, docs)))
        if dates is not None:
            c_month.update(filter(None, (dates[d] // 100 for d in docs)))
        docs = ()
    for d in docs:
        w = weight(d) if weight is not None else 1
        for name in speakers[d]:
            c_speaker[name] += w
        for name in topics[d]:
            c_topic[name] += w
        c_year[years[d]] += w
        c_kind[kinds[d]] += w
        if venues[d]:
            c_venue[venues[d]] += w
        if dates is not None and dates[d]:
            c_month[dates[d] // 100] += w
    return counts


def _scaled(counter: Counter, scale: float) -> Counter:
    """Estimated counts: each scaled, at least 1."""
    return counter if scale == 1.0 else Counter({k: max(1, round(v * scale)) for k, v in counter.items()})


def _year_order(kv: tuple[str, int]) -> tuple:
    """Years newest first, 'undated' last."""
    return (kv[0] == "undated", -int(kv[0]) if kv[0].isdigit() else 0)


def _year_counts(view: IndexView, docs: Iterable[int], weight, scale: float) -> dict[str, list[Facet]]:
    years = view.column("year")
    counter: Counter = Counter()
    if weight is None:
        counter.update(map(years.__getitem__, docs))
    else:
        for d in docs:
            counter[years[d]] += weight(d)
    items = sorted(_scaled(counter, scale).items(), key=_year_order)
    return {"year": [Facet("year", v, v, n) for v, n in items]}
