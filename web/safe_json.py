"""JSON from outside, parsed once with limits: what a client or an administrator pastes may be
nested thousands deep, hold numbers of thousands of digits, or NUL in a string (which PostgreSQL
refuses in text and jsonb). ``loads`` gives the value or raises ``JSONRefused`` with a message; it
never raises anything else. The FHIR API (``fhir_api.edge.read_json``) and the questionnaire
import in the admin use it.
"""

import re

import orjson

# NUL, and the surrogate code points that are not characters on their own: PostgreSQL refuses the
# one, Python cannot encode the other.
REFUSED_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# A QuestionnaireResponse nests item → answer → item; 64 levels is ten levels of groups and more.
MAX_DEPTH = 64


class JSONRefused(ValueError):
    """JSON that is refused: ``code`` is "structure" (not JSON, too deep) or "value" (a refused
    character); ``where`` is the dotted path of the value to blame, if there is one."""

    def __init__(self, message, where=None, code="structure", *, line=None, column=None):
        super().__init__(message)
        self.message, self.where, self.code = message, where, code
        self.line, self.column = line, column


def loads(raw):
    """``raw`` (bytes or str) as a JSON value, nested at most MAX_DEPTH deep, no refused characters."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        # orjson refuses invalid UTF-8, lone surrogates, NaN, numbers out of range and nesting over 1024.
        raise JSONRefused(f"Not valid JSON: {error}", line=error.lineno, column=error.colno) from None
    _check_tree(value)
    return value


def _check_tree(value):
    """Depth and characters of a parsed JSON value, without recursion."""
    stack = [(value, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise JSONRefused(f"The JSON is nested more than {MAX_DEPTH} deep.")
        if isinstance(node, dict):
            for key, child in node.items():
                if REFUSED_CHARACTERS.search(key):
                    raise JSONRefused(
                        "A JSON key holds a character that is not allowed (e.g. NUL).", where or None, "value"
                    )
                stack.append((child, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(node, list):
            stack.extend((child, depth + 1, where) for child in node)
        elif isinstance(node, str) and REFUSED_CHARACTERS.search(node):
            raise JSONRefused("A string holds a character that is not allowed (e.g. NUL).", where or None, "value")
