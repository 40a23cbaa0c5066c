"""Python values as trace values: JSON where possible, `{"$repr", "$type"}`
where not, `{"$redacted": reason}` where a name says the value is secret.

Values are cut to a bounded size (string length, items per container,
nesting depth) because every argument and every state access is encoded:
a trace must stay small and encoding cheap whatever the program holds.
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

from .jsontext import dumps, quote
from .objects import ObjectRegistry

_MAX_INT = 2**63 - 1
#: Types encoded without running any code of the program.
SIMPLE_TYPES = (int, str, float, bool, type(None))


def type_name(value: Any) -> str:
    """`module.Qualname` of the value's type (builtins without the module)."""
    cls = type(value)
    module = getattr(cls, "__module__", None)
    qualname = getattr(cls, "__qualname__", cls.__name__)
    if module in (None, "builtins"):
        return qualname
    return f"{module}.{qualname}"


class ValueEncoder:
    """Turns values into JSON-ready data, redacting by name on the way."""

    def __init__(
        self,
        objects: ObjectRegistry,
        redaction: Optional["re.Pattern[str]"],
        max_string: int = 200,
        max_items: int = 20,
        max_depth: int = 3,
    ):
        self._objects = objects
        self._redaction = redaction
        self._max_string = max_string
        self._max_items = max_items
        self._max_depth = max_depth

    def secret_reason(self, name: Any) -> Optional[str]:
        """Why a value stored under `name` must not be written, or None."""
        if self._redaction is None or not isinstance(name, str):
            return None
        match = self._redaction.search(name)
        return match.group(0).lower() if match else None

    def named(self, name: Any, value: Any) -> Any:
        """Encode `value`, or redact it when `name` looks secret."""
        reason = self.secret_reason(name)
        if reason is not None:
            return {"$redacted": reason}
        return self.encode(value)

    def json_named(self, name: Any, value: Any) -> str:
        """JSON text of `named(name, value)`, with fast paths for scalars."""
        if self._redaction is not None and type(name) is str:
            match = self._redaction.search(name)
            if match:
                return '{"$redacted":' + quote(match.group(0).lower()) + "}"
        cls = type(value)
        if cls is int:
            if -_MAX_INT <= value <= _MAX_INT:
                return int.__repr__(value)
        elif cls is str:
            if len(value) <= self._max_string:
                return quote(value)
        elif value is None:
            return "null"
        elif cls is bool:
            return "true" if value else "false"
        elif cls is float and math.isfinite(value):
            return float.__repr__(value)
        return dumps(self.encode(value))

    def encode(self, value: Any, depth: int = 0) -> Any:
        cls = type(value)
        if cls is str:
            if len(value) > self._max_string:
                return value[: self._max_string] + "…"
            return value
        if value is None or cls is bool:
            return value
        if cls is int:
            if -_MAX_INT <= value <= _MAX_INT:
                return value
            return {"$repr": _cut(repr(value), self._max_string), "$type": "int"}
        if cls is float:
            if math.isfinite(value):
                return value
            return {"$repr": repr(value), "$type": "float"}
        if cls is list or cls is tuple:
            if depth >= self._max_depth:
                return self._summary(value)
            items = [self.encode(item, depth + 1) for item in value[: self._max_items]]
            if len(value) > self._max_items:
                items.append({"$repr": f"... {len(value) - self._max_items} more", "$type": cls.__name__})
            return items
        if cls is dict:
            if depth >= self._max_depth:
                return self._summary(value)
            out = {}
            for index, (key, item) in enumerate(value.items()):
                if index >= self._max_items:
                    out["…"] = {"$repr": f"... {len(value) - self._max_items} more", "$type": "dict"}
                    break
                text_key = key if isinstance(key, str) else repr(key)
                reason = self.secret_reason(text_key)
                out[text_key] = {"$redacted": reason} if reason else self.encode(item, depth + 1)
            return out
        return self.describe(value)

    def describe(self, value: Any) -> dict:
        """`{"$repr", "$type"}` for a value with no JSON form.

        Objects that keep the default `object.__repr__` are described by
        their registry name (`<Account#3>`), which is cheap, has no side
        effects, and matches the variable names in the trace. Other objects
        use their own `repr`, cut to size; a `repr` that raises is reported
        as such rather than breaking the program.
        """
        cls = type(value)
        if cls.__repr__ is object.__repr__:
            text = f"<{self._objects.label(value)}>"
        else:
            try:
                text = repr(value)
            except Exception as error:  # a broken __repr__ must not break the program
                text = f"<repr failed: {type(error).__name__}>"
        return {"$repr": _cut(text, self._max_string), "$type": type_name(value)}

    def _summary(self, value: Any) -> dict:
        return {"$repr": f"<{type(value).__name__} of {len(value)} items>", "$type": type_name(value)}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
