"""The API's JSON answers: strings with their unterminated bidi controls closed (app.bidi), so
that an ingested U+202E cannot reverse what a client shows after the value."""

from __future__ import annotations

import re
from typing import Any

from fastapi.responses import JSONResponse

from app.bidi import close_bidi_all

_BIDI_UTF8 = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")  # U+202A-202E, U+2066-2069


class ArchiveJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        body = super().render(content)
        if _BIDI_UTF8.search(body):  # rare: walk the value only then
            body = super().render(close_bidi_all(content))
        return body
