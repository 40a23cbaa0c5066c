"""Python values as trace values: JSON where possible, `{"$repr", "$type"}`
where not, `{"$redacted": reason}` where a name says the value is secret.

Values are cut to a bounded size (string length, items per container,
nesting depth) because every argument and every state access is encoded:
a trace must stay small and encoding cheap whatever the program holds.
"""

from __future__ import annotations

import collections
import itertools
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
        """JSON-ready data for `value`; never raises (see `_encode`)."""
        try:
            return self._encode(value, depth)
        except Exception as error:
            return error_marker(value, error)

    def _encode(self, value: Any, depth: int) -> Any:
        """Containers are read once, in one step (a slice, a bounded copy of
        the items), before any of the program's code (a `__repr__`) can run:
        another thread may be changing them, and iterating a dict while it
        changes raises. Whatever still goes wrong (a `__repr__` that raises,
        a container changed in a free-threaded build) becomes an `$error`
        marker for that value alone."""
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
            if value.bit_length() > 4 * self._max_string:
                # repr of a huge int is slow, and refused past sys.get_int_max_str_digits().
                return {"$repr": f"<int of {value.bit_length()} bits>", "$type": "int"}
            return {"$repr": _cut(repr(value), self._max_string), "$type": "int"}
        if cls is float:
            if math.isfinite(value):
                return value
            return {"$repr": repr(value), "$type": "float"}
        if cls is list or cls is tuple:
            if depth >= self._max_depth:
                return self._summary(value)
            size = len(value)
            head = value[: self._max_items]  # one step: a consistent copy
            items = [self.encode(item, depth + 1) for item in head]
            if size > self._max_items:
                items.append({"$repr": f"... {size - self._max_items} more", "$type": cls.__name__})
            return items
        if cls is dict:
            if depth >= self._max_depth:
                return self._summary(value)
            size = len(value)
            # islice over a dict's items runs no Python code: one step.
            pairs = list(itertools.islice(value.items(), self._max_items))
            out = {}
            for key, item in pairs:
                text_key = key if isinstance(key, str) else self._key_text(key)
                reason = self.secret_reason(text_key)
                out[text_key] = {"$redacted": reason} if reason else self.encode(item, depth + 1)
            if size > self._max_items:
                out["…"] = {"$repr": f"... {size - self._max_items} more", "$type": "dict"}
            return out
        if cls in _BYTES:
            text = repr(value[: self._max_string])
            if len(value) > self._max_string:
                text += "…"
            return {"$repr": text, "$type": cls.__name__}
        if isinstance(value, _SIZED_BUILTINS) and _builtin_repr(cls) and len(value) > self._max_items:
            # A big set, deque or OrderedDict: its repr would be as big.
            return self._summary(value)
        return self.describe(value)

    def _key_text(self, key: Any) -> str:
        try:
            return repr(key) if type(key) in SIMPLE_TYPES else _cut(repr(key), self._max_string)
        except Exception as error:
            return f"<repr failed: {type(error).__name__}>"

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
            if type(text) is not str:
                text = f"<repr returned {type(text).__name__}>"
        return {"$repr": _cut(text, self._max_string), "$type": type_name(value)}

    def _summary(self, value: Any) -> dict:
        try:
            size = str(len(value))
        except Exception:
            size = "?"
        return {"$repr": f"<{type(value).__name__} of {size} items>", "$type": type_name(value)}


def error_marker(value: Any, error: BaseException) -> dict:
    """`{"$error": "...", "$type": "..."}`: a value the recorder could not
    encode, and why (the program itself is not affected)."""
    try:
        message = str(error)
    except Exception:
        message = ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return {"$error": _cut(text, 200), "$type": type_name(value)}


_BYTES = (bytes, bytearray, memoryview)
_SIZED_BUILTINS = (set, frozenset, dict, list, tuple, collections.deque)


def _builtin_repr(cls: type) -> bool:
    """The class keeps a builtin container's repr (which shows every item)."""
    repr_method = getattr(cls, "__repr__", None)
    return any(repr_method is getattr(base, "__repr__", None) for base in _SIZED_BUILTINS + (collections.OrderedDict, collections.defaultdict))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
