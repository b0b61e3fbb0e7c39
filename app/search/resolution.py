"""Resolution: which paragraphs of a statement match the query itself (AND, NOT, phrases,
said:, label:, questions within one paragraph), from the positions of its terms. The
paragraph at slot i of a statement owns positions i*STRIDE .. i*STRIDE+STRIDE-1 (schema.py),
so position // STRIDE names the paragraph."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from typing import TYPE_CHECKING

from whoosh import query as wq

from app.search.budget import Deadline
from app.search.filters import AlsoStatement
from app.search.planning import is_positional
from app.search.schema import STRIDE

if TYPE_CHECKING:
    from app.search.searcher import IndexView


def resolve(
    view: IndexView, tree: wq.Query, docs: list[int], counts: list[int], clock: Deadline | None = None
):
    """For each statement docnum (sorted), the paragraph slots matching `tree`, and per slot
    how many positive query terms it holds (for the statements that match).

    Evaluated statement by statement, lazily: an AND stops at its first part that no
    paragraph matches, so the positions of the other terms are not read for a statement
    that cannot match (a rare phrase among common words)."""
    resolver = _Resolver(view, counts)
    positive = positive_leaves(tree)
    slots, weights = {}, {}
    for i, d in enumerate(docs):
        if clock is not None and i % 8 == 7 and clock.past_hard():
            clock.cut = True
            break
        got = slots[d] = sorted(resolver.matched(tree, d))
        if got:
            w: Counter = Counter()
            for leaf in positive:
                w.update(resolver.leaf_slots(leaf, d))
            weights[d] = dict(w)
    return slots, weights


def positive_leaves(tree: wq.Query) -> list[wq.Query]:
    """The paragraph-level leaves of the query not under a NOT (what a paragraph's weight counts)."""
    positive: list[wq.Query] = []

    def collect(q: wq.Query, negated: bool) -> None:
        if isinstance(q, wq.ConstantScoreQuery):
            collect(q.child, negated)
        elif isinstance(q, (wq.And, wq.Or)):
            for sub in q.subqueries:
                collect(sub, negated)
        elif isinstance(q, wq.Not):
            collect(q.query, not negated)
        elif not negated and is_positional(q) and q not in positive:
            positive.append(q)

    collect(tree, False)
    return positive


class _Resolver:
    """The query evaluated per statement, each leaf's slots read once per statement."""

    def __init__(self, view: IndexView, counts: list[int]):
        self.view, self.counts = view, counts
        self.memo: dict[wq.Query, dict[int, set[int]]] = {}
        self.expanded: dict[wq.Query, list] = {}

    def leaf_slots(self, leaf: wq.Query, d: int) -> set[int]:
        per_doc = self.memo.get(leaf)
        if per_doc is None:
            per_doc = self.memo[leaf] = {}
        got = per_doc.get(d)
        if got is None:
            got = per_doc[d] = doc_slots(self.view, leaf, d, self.expanded)
        return got

    def matched(self, tree: wq.Query, d: int) -> set[int]:
        got, weak = self.ev(tree, d)
        return (
            got if got or not weak or not self.counts[d] else {0}
        )  # the statement's first paragraph stands for it

    def ev(self, q: wq.Query, d: int) -> tuple[set[int], bool]:
        """(paragraph slots matching q, whether q matches through the statement itself: a
        plain word found in the title or a speaker's name, filters.AlsoStatement)."""
        if isinstance(q, wq.ConstantScoreQuery):
            return self.ev(q.child, d)
        if isinstance(q, AlsoStatement):
            return set(), any(d in self.view.filter_docs(sub) for sub in q.subqueries)
        if isinstance(q, wq.And):
            return self.conjunction(q, d)
        if isinstance(q, wq.Or):
            out: set[int] = set()
            weak_any = False
            for sub in q.subqueries:
                got, weak = self.ev(sub, d)
                out |= got
                weak_any = weak_any or weak
            return out, weak_any
        if isinstance(q, wq.Not):
            return set(range(self.counts[d])) - self.ev(q.query, d)[0], False
        if isinstance(q, wq.Every):
            return set(range(self.counts[d])), False
        if is_positional(q):
            return self.leaf_slots(q, d), False
        return (set(range(self.counts[d])) if d in self.view.filter_docs(q) else set()), False

    def conjunction(self, q: wq.And, d: int) -> tuple[set[int], bool]:
        """A slot matches when every part holds it or matches through the statement, and at
        least one part holds it; all parts through the statement: the statement matches."""
        must: set[int] | None = None
        held: set[int] = set()
        weak_all = True
        for sub in q.subqueries:
            got, weak = self.ev(sub, d)
            if not weak:
                must = set(got) if must is None else must & got
                weak_all = False
                if not must:
                    return set(), False
            elif not got and must is None:
                continue
            held |= got
        return (held if must is None else must), weak_all


def doc_slots(view: IndexView, leaf: wq.Query, d: int, expanded: dict) -> set[int]:
    """The paragraph slots of statement d that hold this leaf."""
    postings, fieldname = view.postings, leaf.field()
    if isinstance(leaf, wq.Phrase):
        words = list(leaf.words)
        per_word = []
        for w in words:
            got = postings.doc_positions(fieldname, w, d)
            if not got:
                return set()
            per_word.append(got)
        return phrase_slots(per_word)
    if isinstance(leaf, wq.Term):
        return postings.doc_slots(fieldname, leaf.text, d, STRIDE)
    texts = expanded.get(leaf)
    if texts is None:  # prefix, fuzzy: the words of the index it stands for
        texts = expanded[leaf] = postings.expand(leaf)
    out: set[int] = set()
    for text in texts:
        out |= postings.doc_slots(fieldname, text, d, STRIDE)
    return out


def phrase_slots(per_word: list[list[int]]) -> set[int]:
    """Paragraph slots where the words stand in order: anchored on the rarest word's
    positions, the others looked up by bisection in their sorted positions (a phrase of
    common words costs the rarest word's positions, not the commonest's)."""
    a = min(range(len(per_word)), key=lambda k: len(per_word[k]))
    starts = [p - a for p in per_word[a]]
    for k in sorted(range(len(per_word)), key=lambda k: len(per_word[k])):
        if k == a:
            continue
        pos = per_word[k]
        n = len(pos)
        kept = []
        for s in starts:
            i = bisect_left(pos, s + k)
            if i < n and pos[i] == s + k:
                kept.append(s)
        starts = kept
        if not starts:
            return set()
    return {s // STRIDE for s in starts}
