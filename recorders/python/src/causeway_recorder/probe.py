"""The helpers that rewritten code calls, bound to one module's sites.

The rewriter (rewrite.py) replaces `obj.attr`, `obj[key]`, assignments to
them, reads and writes of shared globals, function bodies and `await`s with
calls to these helpers, passing a site number. Each helper does exactly what
the original code did (same evaluation order, same exceptions) and, when a
recording is active, tells the recorder; with no recording active it costs
one call and one attribute test.

A rewritten module starts with

    from causeway_recorder.probe import bind as _cw_bind
    (_cw_ga, _cw_sa, ...) = _cw_bind('<token>')

so the helpers are found the same way whether the module is imported, run
with `-m`, or run as the main script.
"""

from __future__ import annotations

import operator
import types
from typing import Any, Dict, List, Tuple

from .containers import CONTAINERS, operation
from .recorder import DISPLAY_BY_RUNTIME, DISPLAY_NAMES, MISSING, RECORDER, Recorder, Site

#: Helper names, in the order `bind` returns them (the rewriter imports this).
HELPERS: Tuple[str, ...] = (
    "_cw_ga",
    "_cw_sa",
    "_cw_da",
    "_cw_wa",
    "_cw_gi",
    "_cw_si",
    "_cw_di",
    "_cw_aga",
    "_cw_asa",
    "_cw_agi",
    "_cw_asi",
    "_cw_rn",
    "_cw_wn",
    "_cw_augn",
    "_cw_enter",
    "_cw_ret",
    "_cw_fail",
    "_cw_aw",
    "_cw_mb",
    "_cw_rd",
    "_cw_ct",
    "_cw_new",
)

#: In-place operators by the index the rewriter writes (ast operator class name).
AUG_OPERATORS: Dict[str, Any] = {
    "Add": operator.iadd,
    "Sub": operator.isub,
    "Mult": operator.imul,
    "MatMult": operator.imatmul,
    "Div": operator.itruediv,
    "FloorDiv": operator.ifloordiv,
    "Mod": operator.imod,
    "Pow": operator.ipow,
    "LShift": operator.ilshift,
    "RShift": operator.irshift,
    "BitOr": operator.ior,
    "BitXor": operator.ixor,
    "BitAnd": operator.iand,
}
AUG_ORDER: Tuple[str, ...] = tuple(AUG_OPERATORS)
_AUG_FUNCTIONS = tuple(AUG_OPERATORS[name] for name in AUG_ORDER)


class ModuleProbe:
    """The sites of one rewritten module."""

    def __init__(self, token: str, module: str, file: str, state_globals: frozenset, runtime_name: str = ""):
        self.token = token
        #: The module name written in events (a script's file stem for `__main__`).
        self.module = module
        #: `__name__` at run time, which `other_module.attr` reads see.
        self.runtime_name = runtime_name or module
        self.file = file
        self.state_globals = state_globals
        self.sites: List[Site] = []

    def add_site(self, line: int, function: str, name: str = "", variable: str = "", params: tuple = ()) -> int:
        self.sites.append(Site(self.module, self.file, line, function, name, variable, params))
        return len(self.sites) - 1


_PROBES: Dict[str, ModuleProbe] = {}


def register(probe: ModuleProbe) -> None:
    _PROBES[probe.token] = probe
    DISPLAY_NAMES[probe.token] = probe.module
    DISPLAY_BY_RUNTIME[probe.runtime_name] = probe.module


def _old_attribute(obj: Any, name: str) -> Any:
    # Only the instance dict: looking further could run a property or
    # __getattr__, which the original assignment would not have done. (An
    # object without __dict__ may still answer through __getattr__, with
    # any exception: that is not the program's to see.)
    try:
        namespace = getattr(obj, "__dict__", None)
        if type(namespace) is dict:
            return namespace.get(name, MISSING)
    except Exception:
        pass
    return MISSING


def _old_item(obj: Any, key: Any) -> Any:
    cls = type(obj)
    try:
        if cls is dict:
            return obj.get(key, MISSING)
        if cls is list and type(key) is int and -len(obj) <= key < len(obj):
            return obj[key]
    except Exception:  # an unhashable key: the store itself will say so
        pass
    return MISSING


def _recorded_python(method: Any) -> bool:
    """A method written in Python in a rewritten module: its own code
    records the accesses it makes."""
    function = getattr(method, "__func__", None)
    return function is not None and "__causeway__" in getattr(function, "__globals__", ())


def _container_call(recorder: Recorder, obj: Any, method: Any, name: str, op: Any, site: Site) -> Any:
    """`method` (a bound method of container `obj`) that records, once it
    returned or raised, what it did to `obj`. A call that raised only read
    the container (`d.pop(missing)`, `items.remove(absent)`)."""
    keyed = op.keyed
    writes = op.writes

    def call(*args: Any, **kwargs: Any) -> Any:
        key = args[0] if args else None
        try:
            result = method(*args, **kwargs)
        except BaseException:
            try:
                recorder.container_access(obj, name, False, keyed and bool(args), key, MISSING, site)
            except Exception as error:
                recorder.internal_error(error)
            raise
        try:
            recorder.container_access(obj, name, writes, keyed and bool(args), key, result, site)
        except Exception as error:
            recorder.internal_error(error)
        return result

    return call


#: The recorder's own classes (the traced locks, queues, ...) name themselves.
_OWN_PACKAGE = __name__.rsplit(".", 1)[0] + "."


def _recorded_init(cls: type) -> bool:
    """The class's `__init__` is rewritten code with a call frame: its
    function_entry says what it builds (`constructs`). (A dataclass's
    generated `__init__` shares its module's globals but was never
    rewritten.)"""
    code = getattr(getattr(cls, "__init__", None), "__code__", None)
    return code is not None and "_cw_f" in code.co_varnames


def _construct_call(recorder: Recorder, cls: type, site: Site) -> Any:
    """`cls` that, once it returned an object, records how it was built."""

    def call(*args: Any, **kwargs: Any) -> Any:
        result = cls(*args, **kwargs)
        try:
            recorder.constructed(result, cls, args, kwargs, site)
        except Exception as error:
            recorder.internal_error(error)
        return result

    return call


#: The code of the wrappers above, which run a call the program made: a
#: frame of theirs counts as the program's (patches/common.py).
WRAPPER_CODES = tuple(
    const for make in (_container_call, _construct_call) for const in make.__code__.co_consts if isinstance(const, types.CodeType) and const.co_name == "call"
)


def bind(token: str) -> tuple:
    """The helpers for the module compiled with `token`."""
    probe = _PROBES[token]
    sites = probe.sites
    recorder = RECORDER
    # The module's own globals are state that `other_module.name` reads may
    # touch: tell the recorder which names they are.
    recorder.module_state[probe.runtime_name] = probe.state_globals
    aug = _AUG_FUNCTIONS
    from .patches.aio import probe_await

    # Every call into the recorder is guarded: whatever goes wrong in it is
    # the recorder's problem (recorded by `fault`), never the program's.
    fault = recorder.internal_error

    def ga(obj: Any, name: str, site: int) -> Any:
        value = getattr(obj, name)
        if recorder.active:
            try:
                recorder.attr_read(obj, name, value, sites[site])
            except Exception as error:
                fault(error)
        return value

    def sa(value: Any, obj: Any, name: str, site: int) -> Any:
        if recorder.active:
            old = _old_attribute(obj, name)
            setattr(obj, name, value)
            try:
                recorder.attr_write(obj, name, value, old, sites[site])
            except Exception as error:
                fault(error)
        else:
            setattr(obj, name, value)
        return value

    def da(obj: Any, name: str, site: int) -> None:
        delattr(obj, name)
        if recorder.active:
            try:
                recorder.attr_write(obj, name, None, MISSING, sites[site])
            except Exception as error:
                fault(error)

    def wa(obj: Any, name: str, site: int) -> None:
        # After a tuple assignment stored `obj.name`: record the value it holds.
        if recorder.active:
            try:
                recorder.attr_write(obj, name, getattr(obj, name), MISSING, sites[site])
            except Exception as error:
                fault(error)

    def gi(obj: Any, key: Any, site: int) -> Any:
        value = obj[key]
        if recorder.active:
            try:
                recorder.item_read(obj, key, value, sites[site])
            except Exception as error:
                fault(error)
        return value

    def si(value: Any, obj: Any, key: Any, site: int) -> Any:
        if recorder.active:
            old = _old_item(obj, key)
            obj[key] = value
            try:
                recorder.item_write(obj, key, value, old, sites[site])
            except Exception as error:
                fault(error)
        else:
            obj[key] = value
        return value

    def di(obj: Any, key: Any, site: int) -> None:
        del obj[key]
        if recorder.active:
            try:
                recorder.item_write(obj, key, None, MISSING, sites[site])
            except Exception as error:
                fault(error)

    def aga(obj: Any, site: int) -> tuple:
        # `obj.name op= rhs`, first half: evaluate and read, before the rhs.
        value = getattr(obj, sites[site].name)
        if recorder.active:
            try:
                recorder.attr_read(obj, sites[site].name, value, sites[site])
            except Exception as error:
                fault(error)
        return obj, value, site

    def asa(obj: Any, current: Any, site: int, rhs: Any, op: int) -> None:
        name = sites[site].name
        result = aug[op](current, rhs)
        setattr(obj, name, result)
        if recorder.active:
            try:
                recorder.attr_write(obj, name, result, current, sites[site])
            except Exception as error:
                fault(error)

    def agi(obj: Any, key: Any, site: int) -> tuple:
        value = obj[key]
        if recorder.active:
            try:
                recorder.item_read(obj, key, value, sites[site])
            except Exception as error:
                fault(error)
        return obj, key, value, site

    def asi(obj: Any, key: Any, current: Any, site: int, rhs: Any, op: int) -> None:
        result = aug[op](current, rhs)
        obj[key] = result
        if recorder.active:
            try:
                recorder.item_write(obj, key, result, current, sites[site])
            except Exception as error:
                fault(error)

    def rn(value: Any, site: int) -> Any:
        if recorder.active:
            try:
                recorder.name_read(value, sites[site])
            except Exception as error:
                fault(error)
        return value

    def wn(value: Any, site: int) -> None:
        if recorder.active:
            try:
                recorder.name_write(value, sites[site])
            except Exception as error:
                fault(error)

    def augn(current: Any, rhs: Any, op: int, site: int) -> Any:
        if not recorder.active:
            return aug[op](current, rhs)
        try:
            recorder.name_read(current, sites[site])
        except Exception as error:
            fault(error)
        result = aug[op](current, rhs)
        try:
            recorder.name_write(result, sites[site])
        except Exception as error:
            fault(error)
        return result

    def enter(site: int, args: tuple, kwargs: Any) -> Any:
        if recorder.active:
            try:
                return recorder.call_enter(sites[site], args, kwargs)
            except Exception as error:
                fault(error)
        return None

    def ret(frame: Any, value: Any) -> Any:
        if frame is not None:
            try:
                recorder.call_return(frame, value)
            except Exception as error:
                fault(error)
        return value

    def fail(frame: Any, error: BaseException) -> None:
        if frame is not None:
            try:
                recorder.call_fail(frame, error)
            except Exception as own:
                fault(own)

    def mb(obj: Any, name: str, site: int) -> Any:
        # `obj.name(...)` where `name` may be a container method: the
        # bound method, or one that records what the call does.
        method = getattr(obj, name)
        if recorder.active:
            try:
                receiver = obj
                op = operation(type(obj), name)
                if op is None and type(obj) is super:
                    # `super().append(x)` in a list subclass changes the list.
                    receiver = getattr(obj, "__self__", None)
                    op = operation(type(receiver), name)
                if op is not None and not _recorded_python(method):
                    return _container_call(recorder, receiver, method, name, op, sites[site])
            except Exception as error:
                fault(error)
        return method

    def rd(value: Any, site: int) -> Any:
        # The argument of `len(x)`, `sorted(x)`, ... or the iterable of a
        # `for`: a read of the contents when it is a container.
        if recorder.active and (type(value) in CONTAINERS or isinstance(value, CONTAINERS)):
            try:
                recorder.container_access(value, sites[site].name, False, False, None, None, sites[site])
            except Exception as error:
                fault(error)
        return value

    def ct(item: Any, container: Any, site: int) -> bool:
        # `item in container`: a read of the entry of a dict, of the
        # contents of any other container.
        result = item in container
        if recorder.active and (type(container) in CONTAINERS or isinstance(container, CONTAINERS)):
            try:
                recorder.container_access(container, "__contains__", False, isinstance(container, dict), item, result, sites[site])
            except Exception as error:
                fault(error)
        return result

    def new(func: Any, site: int) -> Any:
        # `Name(...)`: a class call is recorded when its __init__ is not.
        if recorder.active and isinstance(func, type):
            try:
                if not issubclass(func, BaseException) and not _recorded_init(func) and not func.__module__.startswith(_OWN_PACKAGE):
                    return _construct_call(recorder, func, sites[site])
            except Exception as error:
                fault(error)
        return func

    return (ga, sa, da, wa, gi, si, di, aga, asa, agi, asi, rn, wn, augn, enter, ret, fail, probe_await, mb, rd, ct, new)


def is_rewritten(module: types.ModuleType) -> bool:
    return "__causeway__" in vars(module)
