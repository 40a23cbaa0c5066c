"""Stable per-run names for objects: `Account#3`, `dict#1`, `Bank#1.accounts`.

Variable names in a trace must say which object a field belongs to, the same
way for every access in the run. `id()` is no good: it is a memory address,
meaningless to a reader and reused once an object dies, which would merge two
objects into one variable and invent races between them. So each object gets
a number per class, in the order the recorder first meets it, and the
registry keeps that number for as long as the object lives:

- objects that accept weak references are forgotten when they die (a
  weak-reference callback drops the entry, so the address may be reused);
- objects that do not (dict, list, objects with `__slots__` and no
  `__weakref__`) are kept alive by the registry for the rest of the
  recording, for the same reason: their address must not be reused
  (up to MAX_PINNED of them; past that, new ones are not recorded).

A container first met as the value of a named field or global takes that
path as its name (`Bank#1.accounts`), which reads better in a report than
`dict#7` and is just as stable.
"""

from __future__ import annotations

import _thread
import collections
import sys
import weakref
from typing import Any, Dict, Tuple

#: At most this many objects without weak references are kept alive (a
#: program that subscripts millions of short-lived dicts must not run out
#: of memory because it is recorded).
MAX_PINNED = 200_000

#: Containers named after the field they were first read from.
CONTAINER_TYPES = (dict, list, set, bytearray, collections.deque, collections.OrderedDict, collections.defaultdict, collections.Counter)


class ObjectRegistry:
    """Names objects; safe to call from any thread."""

    def __init__(self) -> None:
        self._labels: Dict[int, Tuple[str, Any]] = {}
        self._per_class: Dict[str, int] = {}
        self._lock = _thread.allocate_lock()
        #: Objects kept alive because they take no weak reference.
        self.pinned = 0
        #: Object name -> id of the event that says how it was built (the
        #: function_entry of its outermost recorded `__init__`, or a
        #: `causeway.construct` event). Forgotten with the object.
        self.built: Dict[str, str] = {}
        #: Object name -> how `arg_objects` names it (recorder.py), made
        #: once per object. Forgotten with the object.
        self.heads: Dict[str, str] = {}
        self.warned = False

    def clear(self) -> None:
        with self._lock:
            self._labels.clear()
            self._per_class.clear()
            self.built.clear()
            self.heads.clear()
            self.pinned = 0
            self.warned = False

    def __contains__(self, obj: Any) -> bool:
        """Whether `obj` already has a name."""
        return id(obj) in self._labels

    def label(self, obj: Any, class_name: str | None = None) -> str:
        """The object's name, assigned on first sight; `class_name` replaces
        the type's name (a traced lock is labelled `Lock#1`, not `TracedLock#1`)."""
        entry = self._labels.get(id(obj))
        if entry is not None:
            return entry[0]
        return self._assign(obj, None, class_name)

    def alias(self, obj: Any, path: str) -> None:
        """Name a container after the field it was first read from, unless
        it already has a name."""
        if type(obj) in CONTAINER_TYPES and id(obj) not in self._labels:
            self._assign(obj, path)

    def _assign(self, obj: Any, path: str | None, class_name: str | None = None) -> str:
        key = id(obj)
        with self._lock:
            entry = self._labels.get(key)
            if entry is not None:
                return entry[0]
            if path is None:
                class_name = class_name or type(obj).__name__
                number = self._per_class.get(class_name, 0) + 1
                self._per_class[class_name] = number
                path = f"{class_name}#{number}"
            try:
                keeper: Any = weakref.ref(obj, lambda _ref, key=key: self._forget(key))
            except TypeError:
                keeper = obj  # see the module docstring: keep it alive
                self.pinned += 1
            self._labels[key] = (path, keeper)
            return path

    def can_pin(self, obj: Any) -> bool:
        """False once too many objects without weak references are kept
        alive: their accesses are then no longer recorded, so that memory
        stays bounded (see MAX_PINNED)."""
        if self.pinned < MAX_PINNED or id(obj) in self._labels:
            return True
        if not self.warned:
            self.warned = True
            print(f"causeway-recorder: over {MAX_PINNED} containers named; accesses to new ones are not recorded", file=sys.stderr)
        return False

    def _forget(self, key: int) -> None:
        # Called by the garbage collector, possibly in any thread.
        entry = self._labels.pop(key, None)
        if entry is not None:
            self.built.pop(entry[0], None)
            self.heads.pop(entry[0], None)
