"""SearchResult.to_json() (app/search/results.py) is the one maker of the search object;
the OpenAPI models in app/web/schemas.py describe it member for member, in its order."""

from __future__ import annotations

from app.facets import Facet
from app.search.results import ParagraphHit, ResultGroup, SearchResult, SpeakerSuggestion, StatementHit
from app.web import schemas


def _result() -> SearchResult:
    statement = StatementHit(
        key="2021-01-01-remarks",
        title="Remarks",
        kind="remarks",
        date="2021-01-01",
        published=None,
        venue="Moscow",
        speakers=[{"name": "Sergey Lavrov", "role": "Foreign Minister"}],
        url="/statements/2021-01-01-remarks",
        title_html="<mark>Remarks</mark>",
    )
    paragraph = ParagraphHit(
        key="k1", n=1, speaker="Sergey Lavrov", label=None, snippet="a <mark>word</mark>", url="/p/k1"
    )
    return SearchResult(
        query="word",
        total_paragraphs=1,
        total_statements=1,
        page=1,
        per_page=20,
        sort="relevance",
        results=[ResultGroup(statement, [paragraph], 0)],
        facets={"year": [Facet("year", "2021", "2021", 1)]},
        suggestion=None,
        approximate=False,
        speaker_suggestions=[SpeakerSuggestion("Sergey Lavrov", 1, "")],
    )


def test_the_openapi_models_name_the_members_of_to_json_in_its_order():
    got = _result().to_json()
    group = got["results"][0]
    pairs = [
        (got, schemas.SearchResult),
        (group, schemas.SearchGroup),
        (group["statement"], schemas.SearchStatement),
        (group["statement"]["speakers"][0], schemas.SearchSpeaker),
        (group["paragraphs"][0], schemas.SearchParagraph),
        (got["facets"]["year"][0], schemas.SearchFacet),
        (got["speaker_suggestions"][0], schemas.SpeakerSuggestion),
    ]
    for obj, model in pairs:
        assert list(obj) == list(model.model_fields), model.__name__
    assert schemas.SearchResult.model_validate(got).model_dump() == got
