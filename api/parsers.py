"""The API's request parser: JSON, with hostile bodies answered as a parse error."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """JSON whose nesting exhausts Python's recursion limit (``[[[[…]]]]`` a thousand deep) is
    refused like any other malformed body, not left to fail as a server error."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
