"""What a method call on a builtin container does to it: a write, a read,
or nothing the recorder knows of.

`results.append(x)` changes `results` without any `obj[k] = v` or
`obj.attr = v` in sight, so the rewriter (rewrite.py) routes method calls
whose name appears here through `_cw_mb`, which asks `operation()` what the
call is for the receiver's actual type. The answer names the variable the
call touches:

- a *keyed* operation (`d.get(k)`, `d.setdefault(k, v)`, `d.pop(k)`,
  `k in d`) touches one entry, the same variable as `d[k]`;
- any other operation touches the container's contents as a whole, the
  variable `NAME[:]` (`Box#1.items[:]`), distinct from the attribute or
  global that holds the container (`Box#1.items`): reading the reference
  does not conflict with changing what it refers to.

Subclasses count as their builtin base unless they override the method
in Python code that is itself recorded (its own accesses are then what
the trace shows). Standard-library subclasses (`OrderedDict`,
`defaultdict`, `Counter`) count as their base.
"""

from __future__ import annotations

import collections
from typing import Dict, FrozenSet, Optional, Tuple

READ = 1
WRITE = 2


class Operation:
    """What one method of one container type does."""

    __slots__ = ("effect", "keyed")

    def __init__(self, effect: int, keyed: bool = False):
        self.effect = effect
        #: True when the first argument is a key and only that entry is touched.
        self.keyed = keyed

    @property
    def writes(self) -> bool:
        return self.effect == WRITE


def _table(writes: str = "", reads: str = "", keyed_writes: str = "", keyed_reads: str = "") -> Dict[str, Operation]:
    table: Dict[str, Operation] = {}
    for names, operation in (
        (writes, Operation(WRITE)),
        (reads, Operation(READ)),
        (keyed_writes, Operation(WRITE, keyed=True)),
        (keyed_reads, Operation(READ, keyed=True)),
    ):
        for name in names.split():
            table[name] = operation
    return table


_LIST = _table(
    writes="append extend insert pop remove sort reverse clear __iadd__ __imul__ __setitem__ __delitem__",
    reads="index count copy __len__ __iter__ __reversed__ __contains__",
)
_DICT = _table(
    writes="update clear popitem move_to_end __ior__",
    reads="keys values items copy __len__ __iter__ __reversed__",
    keyed_writes="setdefault pop",
    keyed_reads="get __contains__",
)
_SET = _table(
    writes="add discard remove pop clear update difference_update intersection_update symmetric_difference_update __ior__ __iand__ __isub__ __ixor__",
    reads="copy union intersection difference symmetric_difference issubset issuperset isdisjoint __len__ __iter__ __contains__",
)
_DEQUE = _table(
    writes="append appendleft extend extendleft pop popleft remove rotate clear insert reverse __iadd__",
    reads="count index copy __len__ __iter__ __reversed__ __contains__",
)
_BYTEARRAY = _table(writes="append extend insert pop remove reverse clear", reads="count index find rfind copy")

#: Builtin bases, most specific first (a deque is not a list, but check it first anyway).
_BASES: Tuple[Tuple[type, Dict[str, Operation]], ...] = (
    (collections.deque, _DEQUE),
    (dict, _DICT),
    (list, _LIST),
    (set, _SET),
    (bytearray, _BYTEARRAY),
)

#: Every method name the rewriter routes through `_cw_mb`.
METHOD_NAMES: FrozenSet[str] = frozenset(name for _, table in _BASES for name in table if not name.startswith("__"))

#: Types whose contents a read (iteration, `len`, `in`) can race on.
CONTAINERS: Tuple[type, ...] = tuple(base for base, _ in _BASES)

_cache: Dict[Tuple[type, str], Optional[Operation]] = {}


def operation(cls: type, name: str) -> Optional[Operation]:
    """What calling method `name` on an instance of `cls` does, or None
    when `cls` is not a builtin container (or the name is not one of its
    methods the recorder knows). Cached per (type, name)."""
    key = (cls, name)
    try:
        return _cache[key]
    except KeyError:
        pass
    found = None
    for base, table in _BASES:
        if issubclass(cls, base):
            found = table.get(name)
            break
    _cache[key] = found
    return found


def is_container(value: object) -> bool:
    """A mutable builtin container (or a subclass of one)."""
    cls = type(value)
    return cls in CONTAINERS or isinstance(value, CONTAINERS)
