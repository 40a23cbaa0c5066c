"""The recorder: turns what the program does into v1 events, in order.

One `Recorder` exists per process (`RECORDER`). Instrumented code and the
patched concurrency primitives call it; it names the line of execution,
encodes values, picks the parent event and appends the event to the single
writer under one lock. That lock decides file order, and the callers decide
*when* they record so that file order respects real order:

- a `lock_release`, `message_send` or `async_spawn` is recorded *before*
  the release, the put or the start, and a `lock_acquire`,
  `message_receive` or `async_await` *after* the acquire, the get or the
  join; any event the other side records because of it therefore comes
  later in the file, as the happens-before rules require;
- accesses to state are recorded right after they happen, on the same
  line, so they sit between the same synchronization events as the access.

Values are encoded outside the lock, with the line marked busy: a user
`__repr__` called by the encoder may run instrumented code, which must not
be recorded (nor deadlock on the lock).
"""

from __future__ import annotations

import _thread
import asyncio
import functools
import os
import sys
import time
import traceback
import types
from typing import Any, Callable, Dict, Iterable, Optional, Union

from . import ids
from .clocks import VectorClocks
from .config import RecorderConfig, compile_redaction
from .jsontext import dumps, fields_text, quote
from .lines import NAMES, ExecLine, current_line, forget_thread_state
from .objects import CONTAINER_TYPES, ObjectRegistry
from .values import SIMPLE_TYPES, ValueEncoder, error_marker, type_name
from .sender import EndpointSender
from .writer import TraceWriter

_RECORDER_DIR = os.path.dirname(os.path.abspath(__file__))

#: Types whose items cannot change: reading them races with nothing.
_IMMUTABLE = (str, bytes, tuple, frozenset, range, int, float, bool, type(None), memoryview)
#: Class attributes that are behaviour, not state: reading them is not a read of shared state.
_BEHAVIOUR = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    staticmethod,
    classmethod,
    property,
    type,
)
_SIMPLE_KEYS = (str, int, float, bool, type(None))
#: Values whose JSON form says what they are (no object to name).
_JSON_SHAPED = frozenset((int, str, float, bool, type(None), list, dict, tuple))
#: Arguments that are not instances: behaviour, classes, modules.
_NOT_INSTANCES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type)
#: At most this many internal errors are written to the trace.
_MAX_INTERNAL_ERRORS = 20
_THREAD_LOCAL = _thread._local
# What an attribute read is (Recorder._classify).
_SKIP, _PLAIN, _MODULE, _CLASS = 0, 1, 2, 3


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """A recorder entry point that the patched primitives call: an
    exception inside it is the recorder's (see `Recorder.internal_error`),
    never raised into the program."""

    @functools.wraps(method)
    def guarded(self: "Recorder", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            self.internal_error(error)
            return None

    return guarded


class Site:
    """A place in instrumented source: what every event from it shares."""

    __slots__ = ("module", "file", "line", "function", "name", "variable", "params", "_where", "_call", "_function")

    def __init__(self, module: str, file: str, line: int, function: str, name: str = "", variable: str = "", params: tuple = ()):
        self.module = module
        self.file = file
        self.line = line
        self.function = function
        #: attribute name, for attribute sites
        self.name = name
        #: variable name, for global and closure-variable sites
        self.variable = variable
        #: positional parameter names, for function sites (redaction by name)
        self.params = params
        self._where: Optional[str] = None
        self._call: Optional[str] = None
        self._function: Optional[str] = None

    # JSON fragments, escaped once per site rather than once per event.
    def where_text(self) -> str:
        """`,"function":...,"file":...,"line":N`"""
        if self._where is None:
            self._where = f',"function":{quote(self.function)},"file":{quote(self.file)},"line":{int(self.line)}'
        return self._where

    def call_text(self) -> str:
        """`,"function":...,"module":...,"file":...,"line":N` of a function_entry."""
        if self._call is None:
            self._call = f',"function":{quote(self.function)},"module":{quote(self.module)},"file":{quote(self.file)},"line":{int(self.line)}'
        return self._call

    def function_text(self) -> str:
        """`,"function":...` of a function_exit."""
        if self._function is None:
            self._function = f',"function":{quote(self.function)}'
        return self._function


class CallFrame:
    """An open recorded call: what its function_exit needs."""

    __slots__ = ("entry", "started", "site", "line", "closed")

    def __init__(self, entry: str, site: Site, line: ExecLine):
        self.entry = entry
        self.started = time.perf_counter_ns()
        self.site = site
        self.line = line
        self.closed = False


class Recorder:
    """Process-wide recorder; see the module docstring."""

    def __init__(self) -> None:
        self.active = False
        self.config = RecorderConfig()
        self.service = "python"
        self.trace_id = ""
        self.extra: Dict[str, Any] = {}
        self._trace_text = '""'
        self._extra_text = ""
        self.objects = ObjectRegistry()
        self.encoder = ValueEncoder(self.objects, None)
        self._writer: Optional[Union[TraceWriter, EndpointSender]] = None
        self._clocks: Optional[VectorClocks] = None
        self._lock = _thread.allocate_lock()
        self._attr_kinds: Dict[tuple, int] = {}
        #: Module name -> names of its state globals, for `module.attr` reads.
        self.module_state: Dict[str, frozenset] = {}
        self._paths: Dict[tuple, str] = {}
        self._location_sites: Dict[tuple, Site] = {}
        #: Exceptions raised inside the recorder and kept from the program.
        self.internal_errors = 0
        #: The name a script run as `__main__` goes by in events (its file's stem).
        self.main_module: Optional[str] = None

    # -- sessions -------------------------------------------------------

    def begin(self, config: RecorderConfig, out: Optional[str] = None, trace_id: Optional[str] = None, extra: Optional[dict] = None) -> str:
        """Start writing one trace; returns its trace id."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
            self.config = config
            self.service = config.service
            self.trace_id = trace_id or ids.new_trace_id()
            self._trace_text = quote(self.trace_id)
            self.extra = dict(extra or {})
            self._extra_text = fields_text(self.extra)
            self.objects.clear()
            self.encoder = ValueEncoder(
                self.objects,
                compile_redaction(config.redact_patterns()),
                config.max_string,
                config.max_items,
                config.max_depth,
            )
            self._clocks = VectorClocks(config.service) if config.clocks else None
            NAMES.reset()
            forget_thread_state()
            self.internal_errors = 0
            self._writer = EndpointSender(config.endpoint, token=os.environ.get("CAUSEWAY_TOKEN") or None) if config.endpoint and not out else TraceWriter(out or config.out)
            self.active = True
        return self.trace_id

    def end(self, from_signal: bool = False) -> Optional[str]:
        """Stop recording and close the trace; returns its path.

        A signal handler runs on the main thread between two bytecodes,
        possibly while that thread holds the event lock: it then does not
        wait for the lock (it would wait for itself), and writes the
        buffer, which only ever holds whole events."""
        locked = self._lock.acquire(timeout=0.5 if from_signal else -1)
        try:
            self.active = False
            writer, self._writer = self._writer, None
            if writer is None:
                return None
            writer.close()
            if isinstance(writer, EndpointSender):
                # Always printed (even with --quiet): a loss must never be silent.
                print(writer.summary(), file=sys.stderr)
            if self.internal_errors:
                print(
                    f"causeway-recorder: {self.internal_errors} internal error(s) kept from the program; "
                    f"the trace may miss events (see custom events causeway.recorder_error in {writer.path})",
                    file=sys.stderr,
                )
            return writer.path
        finally:
            if locked:
                self._lock.release()

    def relative_path(self, filename: str) -> str:
        """The file name written in events (cached: it costs a realpath)."""
        key = (self.config.root, filename)
        known = self._paths.get(key)
        if known is None:
            known = self._paths[key] = self.config.relative_path(filename)
        return known

    def flush(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.flush()

    def abandon_after_fork(self) -> None:
        """In a forked child: the parent owns the file and the buffer."""
        self._lock = _thread.allocate_lock()
        self.active = False
        self._writer = None

    # -- the single place events are made ------------------------------

    def emit(
        self,
        kind: str,
        line: ExecLine,
        fields: dict,
        parent: Optional[str],
        event_id: Optional[str] = None,
        peer: Optional[ExecLine] = None,
    ) -> Optional[str]:
        """Record one event whose kind-specific metadata is `fields`
        (JSON-ready data). Returns its id, or None when not recording."""
        subject = fields.get("lock", fields.get("message_id"))
        return self.emit_text(kind, line, fields_text(fields), parent, event_id, peer, subject)

    def emit_text(
        self,
        kind: str,
        line: ExecLine,
        fields: str,
        parent: Optional[str],
        event_id: Optional[str] = None,
        peer: Optional[ExecLine] = None,
        subject: Any = None,
    ) -> Optional[str]:
        """`emit` with the metadata fields already as JSON text
        (`,"key":value,...`): the hot path of state and call events."""
        head = line.head
        if head is None or head[0] is not self.service:
            head = line.head = (self.service, f'"service":{quote(self.service)},"thread":{quote(line.name)},"language":"python"')
        if event_id is None:
            event_id = ids.new_event_id()
        parent_text = "null" if parent is None else quote(parent)
        trace_text = self._trace_text if line.trace is None else quote(line.trace)
        with self._lock:
            writer = self._writer
            if not self.active or writer is None:
                return None
            clocks = self._clocks
            if clocks is None:
                clock_text = ""
            else:
                pairs = clocks.stamp(line, kind, subject, peer if kind == "async_await" else None)
                if kind == "async_spawn" and peer is not None:
                    clocks.spawned(line, peer)
                clock_text = ',"causality_vector":' + dumps(pairs)
            writer.add(
                f'{{"id":"{event_id}","trace_id":{trace_text},"parent_id":{parent_text},'
                f'"timestamp":"{ids.timestamp()}","kind":"{kind}",'
                f'"metadata":{{{head[1]}{fields}{self._extra_text}}}{clock_text}}}'
            )
        return event_id

    def _usable_line(self) -> Optional[ExecLine]:
        """The current line, or None when recording is off or the recorder
        is already busy on it."""
        if not self.active:
            return None
        line = current_line()
        return None if line.busy else line

    def _encode(self, line: ExecLine, name: Any, value: Any) -> Any:
        line.busy = True
        try:
            return self.encoder.named(name, value)
        except Exception as error:
            return error_marker(value, error)
        finally:
            line.busy = False

    def _json(self, line: ExecLine, name: Any, value: Any) -> str:
        """JSON text of a value; the line is marked busy only when encoding
        may run the program's code (a `__repr__`). Never raises: a value
        that cannot be encoded is an `$error` marker."""
        if type(value) in SIMPLE_TYPES:
            return self.encoder.json_named(name, value)
        line.busy = True
        try:
            return self.encoder.json_named(name, value)
        except Exception as error:
            return dumps(error_marker(value, error))
        finally:
            line.busy = False

    def internal_error(self, error: BaseException) -> None:
        """An exception inside the recorder: the program must not see it.
        It costs the trace the event being made; the first few are written
        as `custom` events named `causeway.recorder_error` (where in the
        recorder, and what), and `end()` says how many there were."""
        self.internal_errors += 1
        if self.internal_errors > _MAX_INTERNAL_ERRORS:
            return
        try:
            line = self._usable_line()
            if line is None:
                return
            frames = traceback.extract_tb(error.__traceback__)
            where = f"{os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
            data = {"error_type": type(error).__name__, "message": str(error)[:200], "where": where}
            self.emit("custom", line, {"name": "causeway.recorder_error", "data": data}, line.parent())
        except Exception:
            pass

    # -- state: attributes, items, names -------------------------------

    def _classify(self, cls: type, name: str) -> int:
        """What reading `name` on an instance of `cls` is (cached per pair):
        _PLAIN state of the object, _MODULE or _CLASS attribute, or _SKIP:
        behaviour (methods, properties, descriptors, whose own code records
        the state it touches) or per-thread data (`threading.local`)."""
        if issubclass(cls, types.ModuleType):
            verdict = _MODULE
        elif issubclass(cls, type):
            verdict = _CLASS
        elif issubclass(cls, _THREAD_LOCAL):
            verdict = _SKIP
        else:
            verdict = _PLAIN
            for klass in cls.__mro__:
                found = klass.__dict__.get(name, _MISSING)
                if found is _MISSING:
                    continue
                if isinstance(found, _BEHAVIOUR):
                    verdict = _SKIP
                elif isinstance(found, types.MemberDescriptorType):
                    verdict = _PLAIN  # a __slots__ field: plain state
                elif hasattr(type(found), "__get__"):
                    verdict = _SKIP  # another descriptor: its code decides
                break
        self._attr_kinds[(cls, name)] = verdict
        return verdict

    def _attribute_variable(self, obj: Any, name: str) -> Optional[str]:
        cls = type(obj)
        verdict = self._attr_kinds.get((cls, name))
        if verdict is None:
            verdict = self._classify(cls, name)
        if verdict == _PLAIN:
            return f"{self.objects.label(obj)}.{name}"
        if verdict == _SKIP:
            return None
        if verdict == _MODULE:
            module = getattr(obj, "__name__", "")
            state = self.module_state.get(module)
            if state is None:
                return None  # a module that is not recorded (the standard library, ...)
            if name not in state:
                # `config.hits += 1` from another module: data, not a
                # function, class or module, is shared state wherever it is
                # changed from.
                value = obj.__dict__.get(name)
                if callable(value) or isinstance(value, types.ModuleType):
                    return None
            module = DISPLAY_BY_RUNTIME.get(module, module)
            return f"{module}.{name}"
        found = obj.__dict__.get(name, _MISSING)
        if found is _MISSING or isinstance(found, _BEHAVIOUR) or hasattr(type(found), "__get__"):
            return None
        module = obj.__module__
        if module == "__main__":
            module = self.main_module or module
        return f"{module}.{obj.__qualname__}.{name}"

    def attr_read(self, obj: Any, name: str, value: Any, site: Site) -> None:
        # The hottest path of all (every `obj.attr` read): _usable_line and
        # alias are inlined.
        if not self.active:
            return
        line = current_line()
        if line.busy:
            return
        variable = self._attribute_variable(obj, name)
        if variable is None:
            return
        if type(value) in CONTAINER_TYPES:
            self.objects.alias(value, variable)
        if type(value) in SIMPLE_TYPES:
            value_text = self.encoder.json_named(name, value)
        else:
            value_text = self._json(line, name, value)
        self.emit_text("state_read", line, f',"variable":{quote(variable)},"value":{value_text}{site.where_text()}', line.parent())

    def attr_write(self, obj: Any, name: str, value: Any, old: Any, site: Site) -> None:
        line = self._usable_line()
        if line is None:
            return
        variable = self._attribute_variable(obj, name)
        if variable is None:
            return
        self.objects.alias(value, variable)
        self._write(line, variable, name, value, old, site)

    def _item_variable(self, obj: Any, key: Any) -> Optional[str]:
        if isinstance(obj, _IMMUTABLE) or isinstance(obj, type):
            return None
        if type(obj) in CONTAINER_TYPES and not self.objects.can_pin(obj):
            return None
        if type(obj) is list and type(key) is int and key < 0:
            key += len(obj)  # items[-1] and items[n-1] are one variable
        if type(key) in _SIMPLE_KEYS:
            text = repr(key)
        elif type(key) is tuple and all(type(k) in _SIMPLE_KEYS for k in key):
            text = repr(key)
        elif type(key).__repr__ is object.__repr__:
            text = self.objects.label(key)
        else:
            text = f"<{type_name(key)}>"
        if len(text) > 80:
            text = text[:80] + "…"
        return f"{self.objects.label(obj)}[{text}]"

    def item_read(self, obj: Any, key: Any, value: Any, site: Site) -> None:
        line = self._usable_line()
        if line is None:
            return
        variable = self._item_variable(obj, key)
        if variable is None:
            return
        self.objects.alias(value, variable)
        self._state("state_read", line, variable, self._json(line, key, value), site)

    def item_write(self, obj: Any, key: Any, value: Any, old: Any, site: Site) -> None:
        line = self._usable_line()
        if line is None:
            return
        variable = self._item_variable(obj, key)
        if variable is None:
            return
        self.objects.alias(value, variable)
        self._write(line, variable, key, value, old, site)

    def _contents_variable(self, obj: Any) -> Optional[str]:
        """`NAME[:]`, the contents of a container as a whole (containers.py)."""
        if type(obj) in CONTAINER_TYPES and not self.objects.can_pin(obj):
            return None
        return f"{self.objects.label(obj)}[:]"

    def container_access(self, obj: Any, operation: str, write: bool, keyed: bool, key: Any, result: Any, site: Site) -> None:
        """A method call, iteration, `in` or `len()` on a builtin container
        (see containers.py): a read or a write of one entry (`keyed`, the
        variable of `obj[key]`) or of the contents (`NAME[:]`). `result`
        is what the call returned (MISSING when it raised); the event
        carries the method's name as `operation`."""
        line = self._usable_line()
        if line is None or obj not in self.objects:
            # A container the trace has no name for was never reached
            # through shared state (a local list being built): it cannot
            # race, and naming it would keep it alive (objects.py).
            return
        variable = self._item_variable(obj, key) if keyed else self._contents_variable(obj)
        if variable is None:
            return
        if not keyed:
            line.busy = True  # len() of a subclass may run the program's code
            try:
                value_text = self._size_text(obj)
            finally:
                line.busy = False
        elif result is _MISSING:
            value_text = "null"
        elif write and operation == "pop":
            value_text = 'null,"old_value":' + self._json(line, key, result)
        else:
            value_text = self._json(line, key, result)
        fields = f',"variable":{quote(variable)},"value":{value_text}{site.where_text()},"operation":{quote(operation)}'
        self.emit_text("state_write" if write else "state_read", line, fields, line.parent())

    def share(self, target: Any, args: Iterable[Any], kwargs: Optional[dict]) -> None:
        """A thread or work item starts `target(*args, **kwargs)`: name the
        containers it is handed (its arguments, the cells of its closure),
        so that what it does to them is recorded (`container_access` skips
        containers without a name)."""
        handed = list(args)
        if kwargs:
            handed.extend(kwargs.values())
        while isinstance(target, functools.partial):
            handed.extend(target.args)
            handed.extend(target.keywords.values())
            target = target.func
        for cell in getattr(target, "__closure__", None) or ():
            try:
                handed.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
        for value in handed:
            if type(value) in CONTAINER_TYPES and self.objects.can_pin(value):
                self.objects.label(value)

    def site_at(self, location: dict) -> Site:
        """A Site for a `user_location()` (events from patched functions)."""
        key = (location.get("file", ""), location.get("line", 0), location.get("function", ""))
        site = self._location_sites.get(key)
        if site is None:
            site = self._location_sites[key] = Site("", key[0], key[1], key[2])
        return site

    def _size_text(self, obj: Any) -> str:
        """`{"$repr":"<list of 3 items>","$type":"list"}`: what a whole-
        container access records as its value (cheap and safe while other
        threads change the container)."""
        try:
            size = len(obj)
        except Exception:
            size = "?"
        return dumps({"$repr": f"<{type(obj).__name__} of {size} items>", "$type": type_name(obj)})

    def _write(self, line: ExecLine, variable: str, name: Any, value: Any, old: Any, site: Site) -> None:
        text = self._json(line, name, value)
        if old is not _MISSING:
            text += ',"old_value":' + self._json(line, name, old)
        self._state("state_write", line, variable, text, site)

    def name_read(self, value: Any, site: Site) -> None:
        line = self._usable_line()
        if line is None:
            return
        self.objects.alias(value, site.variable)
        self._state("state_read", line, site.variable, self._json(line, site.name, value), site)

    def name_write(self, value: Any, site: Site) -> None:
        line = self._usable_line()
        if line is None:
            return
        self.objects.alias(value, site.variable)
        self._state("state_write", line, site.variable, self._json(line, site.name, value), site)

    def _state(self, kind: str, line: ExecLine, variable: str, value_text: str, site: Site) -> None:
        """`value_text` is the value's JSON, optionally followed by `,"old_value":...`."""
        fields = f',"variable":{quote(variable)},"value":{value_text}{site.where_text()}'
        self.emit_text(kind, line, fields, line.parent())

    # -- calls ---------------------------------------------------------

    def call_enter(self, site: Site, args: tuple, kwargs: Optional[dict]) -> Optional[CallFrame]:
        line = self._usable_line()
        if line is None:
            return None
        params = site.params
        json_named = self.encoder.json_named
        line.busy = True
        try:
            args_text = ",".join([json_named(params[i] if i < len(params) else None, value) for i, value in enumerate(args)])
            kwargs_text = ",".join([f"{quote(key)}:{json_named(key, value)}" for key, value in kwargs.items()]) if kwargs else ""
        finally:
            line.busy = False
        event_id = ids.new_event_id()
        fields = f'{site.call_text()},"args":[{args_text}],"kwargs":{{{kwargs_text}}}{self._objects_text(site, args, kwargs, event_id)}'
        entry = self.emit_text("function_entry", line, fields, line.parent(), event_id)
        if entry is None:
            return None
        line.stack.append(entry)
        return CallFrame(entry, site, line)

    def _objects_text(self, site: Site, args: tuple, kwargs: Optional[dict], entry_id: str) -> str:
        """`,"arg_objects":[...]` and `,"constructs":{...}` of a function_entry
        (README.md, "Objects in calls"): for each argument that has no JSON
        form, which object it is and which recorded call built it; for the
        outermost `__init__` of an object, that this call builds it. A
        replay can then rebuild a receiver (call its class with the
        constructor's arguments) where its value alone says nothing."""
        found = []
        for index, value in enumerate(args):
            if type(value) not in _JSON_SHAPED:
                head = self._object_head(value)
                if head is not None:
                    found.append(f'{head},"index":{index}}}')
        if kwargs:
            for key, value in kwargs.items():
                if type(value) not in _JSON_SHAPED:
                    head = self._object_head(value)
                    if head is not None:
                        found.append(f'{head},"name":{quote(str(key))}}}')
        text = ',"arg_objects":[' + ",".join(found) + "]" if found else ""
        if args and site.function.endswith(".__init__") and type(args[0]) not in _JSON_SHAPED:
            info = self._object_info(args[0], built=False)
            if info is not None and info["object"] not in self.objects.built:
                # The first __init__ to start on an object is its constructor
                # (a subclass's; the base classes' run inside it).
                self._built(info["object"], entry_id)
                text += ',"constructs":' + dumps(info)
        return text

    def _object_head(self, value: Any) -> Optional[str]:
        """`{"object":...,"module":...,"class":...[,"built_by":...]` (JSON
        text, unclosed) of `_object_info(value)`, made once per object: a
        method's receiver is an argument of every call."""
        cls = type(value)
        if isinstance(value, _NOT_INSTANCES) or not cls.__weakrefoffset__ and value not in self.objects:
            return None
        label = self.objects.label(value)
        head = self.objects.heads.get(label)
        if head is None:
            info = self._object_info(value)
            if info is None:
                return None
            head = self.objects.heads[label] = dumps(info)[:-1]
        return head

    def _built(self, label: str, event_id: str) -> None:
        """`label`'s object was built by event `event_id`."""
        self.objects.built[label] = event_id
        self.objects.heads.pop(label, None)

    def constructed(self, obj: Any, cls: type, args: tuple, kwargs: dict, site: Site) -> None:
        """`cls(*args, **kwargs)` in recorded code returned `obj`, and
        `cls.__init__` is not recorded: a `custom` event
        `causeway.construct` says how `obj` was built (README.md)."""
        line = self._usable_line()
        if line is None or type(obj) in _JSON_SHAPED or type(obj) in CONTAINER_TYPES or type(obj) is not cls:
            return  # containers are named after the field that holds them
        info = self._object_info(obj, built=False)
        if info is None or info["object"] in self.objects.built:
            return
        data = dict(info)
        data["args"] = [self._encode(line, None, value) for value in args]
        data["kwargs"] = {str(key): self._encode(line, key, value) for key, value in kwargs.items()}
        fields = {"name": "causeway.construct", "data": data, "function": site.function, "file": site.file, "line": site.line}
        event_id = ids.new_event_id()
        self._built(info["object"], event_id)
        self.emit("custom", line, fields, line.parent(), event_id)

    def _object_info(self, value: Any, built: bool = True) -> Optional[dict]:
        """{"object", "module", "class"[, "built_by"]} of an instance, or None
        for what is not an instance worth naming (functions, classes,
        modules, and objects that take no weak reference: naming those would
        keep them alive)."""
        cls = type(value)
        if isinstance(value, _NOT_INSTANCES) or not cls.__weakrefoffset__ and value not in self.objects:
            return None
        label = self.objects.label(value)
        module = getattr(cls, "__module__", "") or ""
        module = self.main_module if module == "__main__" and self.main_module else DISPLAY_BY_RUNTIME.get(module, module)
        info = {"object": label, "module": module, "class": getattr(cls, "__qualname__", cls.__name__)}
        if built:
            entry = self.objects.built.get(label)
            if entry is not None:
                info["built_by"] = entry
        return info

    def _close(self, frame: CallFrame) -> Optional[ExecLine]:
        if frame.closed:
            return None
        frame.closed = True
        stack = frame.line.stack
        if stack and stack[-1] == frame.entry:
            stack.pop()
        elif frame.entry in stack:
            stack.remove(frame.entry)
        line = current_line()
        return None if line.busy or not self.active else line

    def call_return(self, frame: Optional[CallFrame], value: Any) -> None:
        if frame is None:
            return
        line = self._close(frame)
        if line is None:
            return
        returned = self._json(line, None, value)
        fields = f'{frame.site.function_text()},"return_value":{returned},"duration_ns":{time.perf_counter_ns() - frame.started}'
        self.emit_text("function_exit", line, fields, frame.entry)

    def call_fail(self, frame: Optional[CallFrame], error: BaseException) -> None:
        if frame is None:
            return
        if not hasattr(error, "__causeway_origin__"):
            try:
                # Where the exception was first seen: an error event recorded
                # later (uncaught, failed test) hangs below this call.
                error.__causeway_origin__ = frame.entry  # type: ignore[attr-defined]
            except Exception:
                pass
        line = self._close(frame)
        if line is None:
            return
        if _is_normal_ending(error):
            # Not a failure: a generator closed, a task cancelled, sys.exit(0).
            fields = {"function": frame.site.function, "return_value": None, "ended_by": type(error).__name__}
        else:
            fields = {
                "function": frame.site.function,
                "exception": {"type": type(error).__name__, "message": self._message(line, error)},
            }
        fields["duration_ns"] = time.perf_counter_ns() - frame.started
        self.emit("function_exit", line, fields, frame.entry)

    def _message(self, line: ExecLine, error: BaseException) -> str:
        line.busy = True
        try:
            text = str(error)
        except Exception:
            text = f"<str failed for {type(error).__name__}>"
        finally:
            line.busy = False
        limit = max(self.config.max_string, 1000)
        return text if len(text) <= limit else text[:limit] + "…"

    # -- synchronization -----------------------------------------------

    @_guarded
    def sync(self, kind: str, fields: dict, depth: int = 2, peer: Optional[ExecLine] = None) -> Optional[str]:
        """Record a synchronization event at the user's source location."""
        line = self._usable_line()
        if line is None:
            return None
        fields.update(user_location(depth + 1))
        return self.emit(kind, line, fields, line.parent(), peer=peer)

    @_guarded
    def spawn(self, child: ExecLine, depth: int = 2) -> Optional[str]:
        """Record `async_spawn` of `child`; call before the child can run."""
        line = self._usable_line()
        if line is None:
            return None
        fields = {"task": child.name}
        fields.update(user_location(depth + 1))
        event = self.emit("async_spawn", line, fields, line.parent(), peer=child)
        child.base_parent = event
        # What a request's handler starts belongs to that request's trace.
        if child.trace is None:
            child.trace = line.trace
        line.note_spawn(child)
        return event

    @_guarded
    def joined(self, lines: Iterable[ExecLine], depth: int = 2) -> None:
        """Record `async_await` of each line; call after they finished."""
        line = self._usable_line()
        if line is None:
            return
        location = None
        seen = set()
        for target in lines:
            if target is line or id(target) in seen:
                continue
            seen.add(id(target))
            if location is None:
                location = user_location(depth + 1)
            fields = {"task": target.name}
            fields.update(location)
            self.emit("async_await", line, fields, line.parent(), peer=target)

    # -- errors and custom events --------------------------------------

    @_guarded
    def error(self, error: BaseException, parent: Optional[str] = None, extra: Optional[dict] = None) -> Optional[str]:
        """Record an `error` event for an exception that escaped (uncaught,
        in a thread, or failing a test)."""
        line = self._usable_line()
        if line is None:
            return None
        stack = self._stack(error)
        fields = {"message": self._message(line, error), "error_type": type_name(error), "stack": stack}
        if stack:
            fields.update(stack[0])
        if extra:
            fields.update(extra)
        origin = getattr(error, "__causeway_origin__", None)
        return self.emit("error", line, fields, origin or parent or line.parent())

    def _stack(self, error: BaseException) -> list:
        frames = []
        tb = error.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if not os.path.abspath(code.co_filename).startswith(_RECORDER_DIR):
                frames.append(
                    {
                        "function": _qualified_function(tb.tb_frame),
                        "file": self.relative_path(code.co_filename),
                        "line": tb.tb_lineno,
                    }
                )
            tb = tb.tb_next
        frames.reverse()  # innermost first, as in the format's examples
        # Frames of the program itself; a test runner's own frames are noise.
        root = os.path.realpath(self.config.root)
        own = [f for f in frames if not f["file"].startswith("/") or f["file"].startswith(root)]
        own = [f for f in own if "site-packages" not in f["file"]]
        return (own or frames)[:50]

    @_guarded
    def shared_access(self, kind: str, variable: str, value: Any, old: Any = None, depth: int = 2) -> Optional[str]:
        """A `state_read`/`state_write` of a variable named across services
        (`scope: "global"`: the name alone identifies it, not (service, name))."""
        line = self._usable_line()
        if line is None:
            return None
        fields = {"variable": variable, "scope": "global", "value": self._encode(line, variable, value)}
        if kind == "state_write":
            fields["old_value"] = self._encode(line, variable, old)
        fields.update(user_location(depth + 1))
        return self.emit(kind, line, fields, line.parent())

    @_guarded
    def custom(self, name: str, data: Any, depth: int = 2) -> Optional[str]:
        line = self._usable_line()
        if line is None:
            return None
        fields = {"name": name, "data": self._encode(line, name, data)}
        fields.update(user_location(depth + 1))
        return self.emit("custom", line, fields, line.parent())


def _is_normal_ending(error: BaseException) -> bool:
    if isinstance(error, (GeneratorExit, asyncio.CancelledError)):
        return True
    return isinstance(error, SystemExit) and error.code in (None, 0)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


#: Marks "no old value" (a new attribute or key).
_MISSING: Any = _Missing()
MISSING = _MISSING


#: Rewritten modules' tokens -> the module name their events carry (a
#: script runs as `__main__` but its events say its file's name).
DISPLAY_NAMES: Dict[str, str] = {}
#: The same, by the module's `__name__` at run time.
DISPLAY_BY_RUNTIME: Dict[str, str] = {}


def _qualified_function(frame: types.FrameType) -> str:
    code = frame.f_code
    name = getattr(code, "co_qualname", code.co_name)
    token = frame.f_globals.get("__causeway__")
    module = DISPLAY_NAMES.get(token) if token else None
    if module is None:
        module = frame.f_globals.get("__name__")
    return f"{module}.{name}" if module else name


def user_location(depth: int = 1) -> dict:
    """`function`, `file`, `line` of the nearest caller in recorded code
    (or else the nearest one outside the recorder and the standard library),
    for events raised inside patched primitives. `depth` is a hint of how
    many recorder frames to skip; the walk finds the user's frame anyway."""
    try:
        frame: Optional[types.FrameType] = sys._getframe(1)
    except ValueError:
        return {}
    fallback = None
    hops = 0
    while frame is not None and hops < 40:
        if "__causeway__" in frame.f_globals:
            return _location_of(frame)
        if fallback is None:
            filename = frame.f_code.co_filename
            if not filename.startswith(_RECORDER_DIR) and not _is_stdlib_file(filename):
                fallback = frame
        frame = frame.f_back
        hops += 1
    return _location_of(fallback) if fallback is not None else {}


_STDLIB_PREFIX = os.path.dirname(os.__file__)


def _is_stdlib_file(filename: str) -> bool:
    return filename.startswith(_STDLIB_PREFIX) and "site-packages" not in filename


def _location_of(frame: types.FrameType) -> dict:
    return {
        "function": _qualified_function(frame),
        "file": RECORDER.relative_path(frame.f_code.co_filename),
        "line": frame.f_lineno,
    }


RECORDER = Recorder()
