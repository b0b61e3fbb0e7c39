"""Schemathesis against the app's own OpenAPI schema: every /api operation, a bounded number of
generated requests each (valid and invalid parameters), run in-process over ASGI on the seed +
sample archive. No 5xx; status codes, content types, headers and bodies conform to the schema;
invalid input is rejected with 4xx."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.config import Settings
from app.web.app import create_app
from tests.web_support import sample_key, sample_paragraph_keys

MAX_EXAMPLES = 30
API_PATHS = {
    "/api",
    "/api/statements",
    "/api/facets",
    "/api/statements/{key}",
    "/api/p/{key}",
    "/api/speakers",
    "/api/speakers/{slug}",
    "/api/venues",
    "/api/topics",
    "/api/dates",
    "/api/dates/{year}",
    "/api/dates/{year}/{month}",
    "/api/search",
    "/api/concordance",
    "/api/trends",
    "/api/quote",
}


# The schema is loaded when the module is imported (schemathesis.pytest.from_fixture does not work
# with pytest 9); the app opens its archive lazily, on the first request, so the fixture below
# points it at the built archive before any request is made.
PLACEHOLDER = Path(tempfile.mkdtemp(prefix="archive-schema-"))
WEB_APP = create_app(
    Settings(data_dir=PLACEHOLDER, allowed_hosts="testserver,localhost,127.0.0.1"), migrate=False
)
schema = schemathesis.openapi.from_asgi("/openapi.json", WEB_APP)


@pytest.fixture(scope="module")
def web_app(sample_archive):
    settings = Settings(data_dir=sample_archive)
    WEB_APP.state.archive.close()  # loading the schema may have run the lifespan on the placeholder
    WEB_APP.state.settings = WEB_APP.state.archive.settings = settings
    shutil.rmtree(PLACEHOLDER, ignore_errors=True)
    yield WEB_APP
    WEB_APP.state.archive.close()


@pytest.fixture(scope="module")
def api_schema(web_app):
    return schema


def test_the_schema_documents_every_api_operation(web_app):
    from fastapi.testclient import TestClient

    paths = TestClient(web_app).get("/openapi.json").json()["paths"]
    assert API_PATHS <= set(paths), API_PATHS - set(paths)
    assert all(p.startswith("/api") for p in paths)  # the HTML pages are not part of the API schema
    assert all(set(ops) == {"get"} for ops in paths.values())  # a read-only API


@schema.include(path_regex="^/api").parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema_and_never_fails(web_app, case):
    # Every check but "schema-valid data is accepted": some rules span parameters and cannot be
    # written in OpenAPI ('month' needs a 'year', '2021-02-30' is not a date, page x per_page is
    # capped at MAX_OFFSET); those requests get a documented 400 with a message instead.
    response = case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json()["error"], response.text


NEWS = "lavrov-news-conference.txt"
REAL = [  # (operation, path parameters, query)
    ("/api/statements/{key}", {"key": lambda: sample_key(NEWS)}, {}),
    ("/api/p/{key}", {"key": lambda: sample_paragraph_keys(NEWS)[1]}, {}),
    ("/api/speakers/{slug}", {"slug": lambda: "sergey-lavrov"}, {}),
    ("/api/dates/{year}", {"year": lambda: 2021}, {}),
    ("/api/dates/{year}/{month}", {"year": lambda: 2021, "month": lambda: 10}, {}),
    ("/api/search", {}, {"q": "osce", "said": "lavrov"}),
    ("/api/search", {}, {"q": '"rule of law" OR sanctions', "sort": "newest", "per_page": 2}),
    ("/api/statements", {}, {"speaker": "sergey-lavrov", "per_page": 2}),
    ("/api/quote", {}, {"q": "we have discused strategic stability and the O.S.C.E."}),
    ("/api/quote", {}, {"q": "the sanctions are ... illegitimate, she said", "limit": "3"}),
    ("/api/facets", {}, {"year": 2021}),
    ("/api/search", {}, {"q": "zakharova", "year": "2021", "month": ["2021-11", "2021-12"]}),
    ("/api/concordance", {}, {"q": "osce", "sort": "left", "per_page": 3}),
    ("/api/concordance", {}, {"q": '"international law"', "speaker": "Sergey Lavrov"}),
    ("/api/trends", {}, {"q": ["osce", "sanctions"], "kind": "remarks"}),
]


@pytest.mark.parametrize(("path", "params", "query"), REAL, ids=[f"{p} {q}" for p, _, q in REAL])
def test_real_archive_data_conforms_too(api_schema, path, params, query):
    """Generated keys and queries rarely hit real data: these responses are validated too."""
    operation = api_schema.find_operation_by_path("GET", path)
    case = operation.Case(path_parameters={k: v() for k, v in params.items()} or None, query=query or None)
    response = case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("results", body.get("paragraphs", body.get("lines", body.get("terms", [1])))), (
        body
    )  # not empty
