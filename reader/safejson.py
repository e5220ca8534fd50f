"""JSON read with a nesting limit, so no request body can exhaust the interpreter's stack.

Python's parser recurses once per level and gives up near the interpreter's recursion
limit with a RecursionError, as does any code that later walks the value recursively
(a check, ``str()`` in an error message). ``loads`` refuses anything nested deeper
than MAX_DEPTH with a ValueError, the error every JSON caller already handles:
``request.get_json`` turns it into a 400, ``get_json(silent=True)`` into None.
"""

import json

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64  # a W3C annotation inside a collection file is about 8 levels deep


class TooDeepError(ValueError):
    """A JSON value nested deeper than MAX_DEPTH."""


def depth(value, limit=MAX_DEPTH):
    """Return how deeply ``value`` nests lists and objects (a scalar is 0), counting no further
    than ``limit + 1``. Iterative, a level at a time: any depth is safe to measure, and a
    large file's millions of values cost one pass in C-speed steps."""
    deepest = 0
    level = [value] if isinstance(value, (dict, list)) else []
    while level and deepest <= limit:
        deepest += 1
        children = []
        for item in level:
            children.extend(item.values() if isinstance(item, dict) else item)
        level = [child for child in children if isinstance(child, (dict, list))]
    return deepest


def loads(text, limit=MAX_DEPTH, **kwargs):
    """Parse JSON ``text`` (str or bytes); raise TooDeepError if it nests deeper than ``limit``."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeepError(f"JSON nested too deeply (at most {limit} levels)") from None
    if depth(value, limit) > limit:
        raise TooDeepError(f"JSON nested too deeply (at most {limit} levels)")
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies through ``loads``."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)


def init_app(app):
    """Make every ``request.get_json`` of ``app`` refuse JSON nested too deeply."""
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
