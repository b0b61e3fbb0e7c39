"""The quote finder: a quote as a researcher has it in, the paragraphs that said it out.

    from app.quote import find_quote, QuoteError
    with holder.view() as view, factory() as session:
        result = find_quote(view, session, "we will never accept … unilateral sanctions")

`result` is the object of docs/quote-json.md. Candidates come from the search index
(app.search.quote), the ranking from aligning the quote with each candidate (app.quote.align).
"""

from app.quote.finder import MAX_LIMIT, MAX_QUOTE_CHARS, QuoteError, find_quote, quote_archive

__all__ = ["MAX_LIMIT", "MAX_QUOTE_CHARS", "QuoteError", "find_quote", "quote_archive"]
