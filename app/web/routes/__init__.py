"""The routers, split by entity. Route function names are the route names."""

from app.web.routes import (
    analysis,
    api,
    downloads,
    pages,
    paragraphs,
    quote,
    search,
    search_downloads,
    speakers,
    statements,
)

ROUTERS = [
    pages.router,
    statements.router,
    paragraphs.router,
    speakers.router,
    search.router,
    search_downloads.router,
    downloads.router,
    api.router,
    search.api_router,
    analysis.router,
    analysis.api_router,
    quote.router,
    quote.api_router,
]
