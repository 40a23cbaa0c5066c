"""The AST rewrite that makes a module report what it does.

Rewriting the source once at import is what keeps the overhead low: the
interpreter runs ordinary bytecode with a few extra calls where something
worth recording happens, instead of calling a tracer on every line as
`sys.settrace` would. What changes:

| source | becomes | records |
|---|---|---|
| `obj.attr` (not a method call) | `_cw_ga(obj, 'attr', S)` | `state_read` |
| `obj.attr = v` | `_cw_sa(v, obj, 'attr', S)` | `state_write` (with the old value) |
| `obj.attr += v` | `_cw_asa(*_cw_aga(obj, S), v, OP)` | read, then write |
| `obj[k]`, `obj[k] = v`, `obj[k] += v`, `del ...` | `_cw_gi`, `_cw_si`, `_cw_asi(*_cw_agi(...))`, `_cw_di` | the same, per key |
| a shared global or closure variable | `_cw_rn(name, S)`, `name = v; _cw_wn(name, S)` | `state_read`, `state_write` |
| a function body | `_cw_f = _cw_enter(...)`, `try: ... except: _cw_fail(...)`, `return _cw_ret(_cw_f, v)` | `function_entry`, `function_exit` |
| `await x` | `await _cw_aw(x)` | `async_await` when `x` is a task or future the recorder knows |
| `c.append(x)`, `d.get(k)`, ... (names in containers.py) | `_cw_mb(c, 'append', S)(x)` | a write or read of `c`'s contents (or of `d[k]`) when `c` is a builtin container |
| `for x in c`, `[... for x in c]`, `len(c)`, `sorted(c)`, ... | `_cw_rd(c, S)` | a read of `c`'s contents when it is a container |
| `x in c`, `x not in c` | `_cw_ct(x, c, S)` | a read of `c`'s contents (of `c[x]` for a dict) |
| `Name(...)`, `mod.Name(...)` (a capitalized callee) | `_cw_new(Name, S)(...)` | a `causeway.construct` event when `Name` is a class whose `__init__` is not recorded |

Every helper evaluates its operands in the order Python would (the value
of an assignment before its target, the target's read of `+=` before the
right-hand side) and does the same operation, so programs behave as
before. `S` indexes a table of sites (file, line, function, names) built
here, so an event knows the source line of the access it records.

Not rewritten: slices (`a[1:2]`), method lookups in calls (`obj.m()` reads
`obj`, not `m`; the call itself is recorded only for container methods), annotations, generator bodies' entry/exit (a generator's
body runs in whichever thread iterates it, so a call frame would be
misleading), and attribute or item targets inside tuple unpacking whose
base has side effects.
"""

from __future__ import annotations

import ast
import itertools
from typing import List, Optional, Sequence

from .containers import METHOD_NAMES
from .probe import AUG_ORDER, HELPERS, ModuleProbe, register
from .scopes import Scope, ScopeBuilder, resolve

_tokens = itertools.count(1)

#: Builtins whose first argument they read whole: `len(results)` reads the
#: contents of `results` (when it is a container, decided at run time).
_READING_BUILTINS = frozenset(
    "len sorted list tuple set frozenset dict sum min max any all enumerate iter reversed".split()
)

_FRAME = "_cw_f"
_ERROR = "_cw_e"


def _name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def _call(helper: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_name(helper), args=list(args), keywords=[])


def _const(value) -> ast.Constant:
    return ast.Constant(value=value)


def _has_slice(node: ast.expr) -> bool:
    if isinstance(node, ast.Slice):
        return True
    if isinstance(node, ast.Tuple):
        return any(isinstance(element, ast.Slice) for element in node.elts)
    return False


def _is_pure(node: ast.expr) -> bool:
    """An expression that can be evaluated again with no side effect."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _is_pure(node.value)
    return False


def _is_generator(node) -> bool:
    """True when the function's own body yields (nested scopes don't count)."""
    stack = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(current))
    return False


def _mangle(attribute: str, class_name: Optional[str]) -> str:
    """Python's private name mangling, which `getattr` does not apply."""
    if class_name is None or not attribute.startswith("__") or attribute.endswith("__"):
        return attribute
    stripped = class_name.lstrip("_")
    return f"_{stripped}{attribute}" if stripped else attribute


class Instrumenter(ast.NodeTransformer):
    """Second pass: rewrites one module (see the module docstring)."""

    def __init__(self, probe: ModuleProbe, builder: ScopeBuilder, display_module: str):
        self.probe = probe
        self.scopes = builder.scopes
        self.state_globals = builder.state_globals
        self.display_module = display_module
        self._scope: List[Scope] = []
        self._classes: List[Optional[str]] = [None]
        #: For each function being rewritten: does it have a call frame?
        self._framed: List[bool] = [False]

    # -- context ----------------------------------------------------------

    @property
    def scope(self) -> Scope:
        return self._scope[-1]

    def _function_name(self) -> str:
        for scope in reversed(self._scope):
            if scope.kind in ("function", "class") and scope.qualname:
                if scope.kind == "function":
                    return f"{self.display_module}.{scope.qualname}"
        return f"{self.display_module}.<module>"

    def _site(self, node: ast.AST, name: str = "", variable: str = "", params: tuple = ()) -> ast.Constant:
        line = getattr(node, "lineno", 0)
        return _const(self.probe.add_site(line, self._function_name(), name, variable, params))

    def _variable_of(self, name: str) -> Optional[str]:
        """The variable name to record for a Name, or None for a local."""
        where, owner = resolve(self.scope, name)
        if where == "global":
            if name in self.state_globals:
                return f"{self.display_module}.{name}"
            return None
        if where == "cell" and owner is not None:
            return f"{self.display_module}.{owner.qualname}.<locals>.{name}"
        return None

    def _module_level_write(self, name: str) -> bool:
        # Assignments at module level run once, at import: recording them
        # is cheap and names the containers they create (`shop.CACHE`).
        return self.scope.kind == "module" and not (name.startswith("__") and name.endswith("__"))

    def _attr(self, node: ast.Attribute) -> str:
        return _mangle(node.attr, self._classes[-1])

    # -- module -------------------------------------------------------------

    def rewrite(self, tree: ast.Module) -> ast.Module:
        self._scope.append(self.scopes[tree])
        body = self._statements(tree.body)
        self._scope.pop()
        insert_at = 0
        for index, statement in enumerate(body):
            is_docstring = index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
            is_future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
            if is_docstring or is_future:
                insert_at = index + 1
            else:
                break
        header = ast.parse(
            f"from causeway_recorder.probe import bind as _cw_bind\n"
            f"({', '.join(HELPERS)},) = _cw_bind({self.probe.token!r})\n"
            f"__causeway__ = {self.probe.token!r}\n"
        ).body
        anchor = body[insert_at] if insert_at < len(body) else None
        line = getattr(anchor, "lineno", 1)
        for statement in header:
            for child in ast.walk(statement):
                if "lineno" in child._attributes:
                    child.lineno = child.end_lineno = line  # type: ignore[attr-defined]
                    child.col_offset = child.end_col_offset = 0  # type: ignore[attr-defined]
        tree.body = body[:insert_at] + header + body[insert_at:]
        return ast.fix_missing_locations(tree)

    def _statements(self, statements: Sequence[ast.stmt]) -> List[ast.stmt]:
        out: List[ast.stmt] = []
        for statement in statements:
            result = self.visit(statement)
            if result is None:
                continue
            if isinstance(result, list):
                out.extend(result)
            else:
                out.append(result)
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        # Statement lists go through _statements so that one statement may
        # become several.
        for field, old in ast.iter_fields(node):
            if isinstance(old, list):
                if old and isinstance(old[0], ast.stmt):
                    setattr(node, field, self._statements(old))
                else:
                    new_values = []
                    for value in old:
                        if isinstance(value, ast.AST):
                            value = self.visit(value)
                            if value is None:
                                continue
                        new_values.append(value)
                    setattr(node, field, new_values)
            elif isinstance(old, ast.AST):
                setattr(node, field, self.visit(old))
        return node

    # -- scopes -------------------------------------------------------------

    def _visit_function(self, node):
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [self.visit(d) if d is not None else None for d in node.args.kw_defaults]
        scope = self.scopes[node]
        framed = not _is_generator(node)
        self._scope.append(scope)
        self._classes.append(self._classes[-1])
        self._framed.append(framed)
        body = self._statements(node.body)
        if framed:
            body = self._framed_body(node, body)
        node.body = body
        self._framed.pop()
        self._classes.pop()
        self._scope.pop()
        return node

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _framed_body(self, node, body: List[ast.stmt]) -> List[ast.stmt]:
        docstring: List[ast.stmt] = []
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstring, body = body[:1], body[1:]
        args = node.args
        positional = [a.arg for a in args.posonlyargs + args.args]
        arg_values: List[ast.expr] = [_name(a) for a in positional]
        if args.vararg:
            arg_values.append(ast.Starred(value=_name(args.vararg.arg), ctx=ast.Load()))
        keyword_keys: List[Optional[ast.expr]] = [_const(a.arg) for a in args.kwonlyargs]
        keyword_values: List[ast.expr] = [_name(a.arg) for a in args.kwonlyargs]
        if args.kwarg:
            keyword_keys.append(None)
            keyword_values.append(_name(args.kwarg.arg))
        kwargs: ast.expr = ast.Dict(keys=keyword_keys, values=keyword_values) if keyword_keys else _const(None)
        site = self._site(node, params=tuple(positional))
        enter = ast.Assign(
            targets=[ast.Name(id=_FRAME, ctx=ast.Store())],
            value=_call("_cw_enter", site, ast.Tuple(elts=arg_values, ctx=ast.Load()), kwargs),
        )
        if not body or not isinstance(body[-1], (ast.Return, ast.Raise)):
            body = body + [ast.Expr(value=_call("_cw_ret", _name(_FRAME), _const(None)))]
        handler = ast.ExceptHandler(
            type=_name("BaseException"),
            name=_ERROR,
            body=[ast.Expr(value=_call("_cw_fail", _name(_FRAME), _name(_ERROR))), ast.Raise(exc=None, cause=None)],
        )
        guarded = ast.Try(body=body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])
        for new in (enter, guarded):
            ast.copy_location(new, node)
        return docstring + [enter, guarded]

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [self.visit(d) if d is not None else None for d in node.args.kw_defaults]
        self._scope.append(self.scopes[node])
        self._framed.append(False)
        node.body = self.visit(node.body)
        self._framed.pop()
        self._scope.pop()
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        for keyword in node.keywords:
            keyword.value = self.visit(keyword.value)
        self._scope.append(self.scopes[node])
        self._classes.append(node.name)
        self._framed.append(False)
        node.body = self._statements(node.body)
        self._framed.pop()
        self._classes.pop()
        self._scope.pop()
        return node

    def _visit_comprehension(self, node):
        node.generators[0].iter = self._reads_whole(self.visit(node.generators[0].iter), node)
        self._scope.append(self.scopes[node])
        for index, generator in enumerate(node.generators):
            generator.target = self._target(generator.target)
            if index:
                generator.iter = self._reads_whole(self.visit(generator.iter), node)
            generator.ifs = [self.visit(condition) for condition in generator.ifs]
        for field in ("elt", "key", "value"):
            if hasattr(node, field):
                setattr(node, field, self.visit(getattr(node, field)))
        self._scope.pop()
        return node

    visit_ListComp = _visit_comprehension
    visit_SetComp = _visit_comprehension
    visit_DictComp = _visit_comprehension
    visit_GeneratorExp = _visit_comprehension

    # -- expressions ------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if not isinstance(node.ctx, ast.Load) or node.id.startswith("_cw_"):
            return node
        variable = self._variable_of(node.id)
        if variable is None:
            return node
        return ast.copy_location(_call("_cw_rn", node, self._site(node, node.id, variable)), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            node.value = self.visit(node.value)
            return node
        attribute = self._attr(node)
        return ast.copy_location(
            _call("_cw_ga", self.visit(node.value), _const(attribute), self._site(node, attribute)),
            node,
        )

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if not isinstance(node.ctx, ast.Load) or _has_slice(node.slice):
            return self.generic_visit(node)
        return ast.copy_location(
            _call("_cw_gi", self.visit(node.value), self.visit(node.slice), self._site(node)),
            node,
        )

    def visit_Call(self, node: ast.Call) -> ast.AST:
        reads_argument = False
        if isinstance(node.func, ast.Attribute):
            # `obj.method(...)`: the method lookup is behaviour; `obj` is read.
            node.func.value = self.visit(node.func.value)
            if node.func.attr in METHOD_NAMES:
                # Maybe a container method (`results.append(x)`): `_cw_mb`
                # looks the method up and, for a container, records the call.
                site = self._site(node, node.func.attr)
                node.func = ast.copy_location(_call("_cw_mb", node.func.value, _const(node.func.attr), site), node.func)
            elif node.func.attr[:1].isupper():
                node.func = self._constructor(node.func, node)
        else:
            reads_argument = isinstance(node.func, ast.Name) and node.func.id in _READING_BUILTINS and self._is_builtin(node.func.id)
            capitalized = isinstance(node.func, ast.Name) and node.func.id[:1].isupper()
            node.func = self.visit(node.func)
            if capitalized:
                node.func = self._constructor(node.func, node)
        node.args = [self.visit(a) for a in node.args]
        if reads_argument and node.args and not isinstance(node.args[0], ast.Starred):
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            node.args[0] = ast.copy_location(_call("_cw_rd", node.args[0], self._site(node, name)), node.args[0])
        for keyword in node.keywords:
            keyword.value = self.visit(keyword.value)
        return node

    def _constructor(self, func: ast.expr, node: ast.Call) -> ast.expr:
        """`Name(...)`, `mod.Name(...)`: by PEP 8's naming, maybe a class.
        `_cw_new` records the object it builds when the class's `__init__`
        is not recorded code (whose own entry says what it builds)."""
        return ast.copy_location(_call("_cw_new", func, self._site(node)), func)

    def _is_builtin(self, name: str) -> bool:
        """`name` here is the builtin: not bound in any enclosing scope."""
        where, _owner = resolve(self.scope, name)
        if where != "global":
            return False
        module = self._scope[0]
        return name not in module.bound and name not in module.definitions and name not in module.declared_global

    def _reads_whole(self, iterable: ast.expr, node: ast.AST) -> ast.expr:
        """The iterable of a `for` or comprehension, recorded as a read of
        the contents when it is a container."""
        return ast.copy_location(_call("_cw_rd", iterable, self._site(node, "__iter__")), iterable)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        node.left = self.visit(node.left)
        node.comparators = [self.visit(c) for c in node.comparators]
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.In, ast.NotIn)):
            return node
        # `x in c`: the same test, recorded as a read of `c` (an entry of a dict).
        test = ast.copy_location(_call("_cw_ct", node.left, node.comparators[0], self._site(node, "__contains__")), node)
        if isinstance(node.ops[0], ast.NotIn):
            return ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=test), node)
        return test

    def visit_Await(self, node: ast.Await) -> ast.AST:
        node.value = _call("_cw_aw", self.visit(node.value))
        ast.copy_location(node.value, node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return self.generic_visit(node)

    # -- statements ---------------------------------------------------------

    def visit_Return(self, node: ast.Return) -> ast.AST:
        value = self.visit(node.value) if node.value is not None else _const(None)
        if self._framed[-1]:
            node.value = ast.copy_location(_call("_cw_ret", _name(_FRAME), value), node)
        else:
            node.value = value if node.value is not None else None
        return node

    def _store(self, target: ast.expr, value: ast.expr) -> Optional[ast.expr]:
        """`target = value` as one helper call, or None if `target` is not
        an attribute or a plain item."""
        if isinstance(target, ast.Attribute):
            attribute = self._attr(target)
            return _call("_cw_sa", value, self.visit(target.value), _const(attribute), self._site(target, attribute))
        if isinstance(target, ast.Subscript) and not _has_slice(target.slice):
            return _call("_cw_si", value, self.visit(target.value), self.visit(target.slice), self._site(target))
        return None

    def _target(self, target: ast.expr) -> ast.expr:
        """Rewrite the reads inside an assignment target, not the store."""
        if isinstance(target, ast.Attribute):
            target.value = self.visit(target.value)
        elif isinstance(target, ast.Subscript):
            target.value = self.visit(target.value)
            target.slice = self.visit(target.slice)
        elif isinstance(target, (ast.Tuple, ast.List)):
            target.elts = [self._target(e) for e in target.elts]
        elif isinstance(target, ast.Starred):
            target.value = self._target(target.value)
        return target

    def _after_store(self, target: ast.expr) -> List[ast.stmt]:
        """Statements that record what a generic assignment stored."""
        records: List[ast.stmt] = []
        if isinstance(target, ast.Name):
            variable = self._variable_of_store(target.id)
            if variable is not None:
                site = self._site(target, target.id, variable)
                records.append(ast.Expr(value=_call("_cw_wn", _name(target.id), site)))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                records.extend(self._after_store(element))
        elif isinstance(target, ast.Starred):
            records.extend(self._after_store(target.value))
        elif isinstance(target, ast.Attribute) and _is_pure(target.value):
            attribute = self._attr(target)
            records.append(ast.Expr(value=_call("_cw_wa", _copy(target.value), _const(attribute), self._site(target, attribute))))
        for record in records:
            ast.copy_location(record, target)
        return records

    def _variable_of_store(self, name: str) -> Optional[str]:
        variable = self._variable_of(name)
        if variable is None and self._module_level_write(name):
            variable = f"{self.display_module}.{name}"
        return variable

    def visit_Assign(self, node: ast.Assign) -> object:
        value = self.visit(node.value)
        if all(isinstance(t, (ast.Attribute, ast.Subscript)) and not (isinstance(t, ast.Subscript) and _has_slice(t.slice)) for t in node.targets):
            # a.x = b[k] = v: value first, then each target left to right.
            expression = value
            for target in node.targets:
                stored = self._store(target, expression)
                assert stored is not None
                expression = stored
            return ast.copy_location(ast.Expr(value=expression), node)
        records: List[ast.stmt] = []
        for target in node.targets:
            records.extend(self._after_store(target))
        node.targets = [self._target(t) for t in node.targets]
        node.value = value
        return [node] + records

    def visit_AnnAssign(self, node: ast.AnnAssign) -> object:
        if node.value is None:
            return node
        value = self.visit(node.value)
        if isinstance(node.target, ast.Name):
            node.value = value
            return [node] + self._after_store(node.target)
        stored = self._store(node.target, value)
        if stored is not None:
            return ast.copy_location(ast.Expr(value=stored), node)
        node.value = value
        node.target = self._target(node.target)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> object:
        op = _const(AUG_ORDER.index(type(node.op).__name__))
        target = node.target
        if isinstance(target, ast.Attribute):
            attribute = self._attr(target)
            first = _call("_cw_aga", self.visit(target.value), self._site(target, attribute))
            second = ast.Call(func=_name("_cw_asa"), args=[ast.Starred(value=first, ctx=ast.Load()), self.visit(node.value), op], keywords=[])
            return ast.copy_location(ast.Expr(value=second), node)
        if isinstance(target, ast.Subscript) and not _has_slice(target.slice):
            first = _call("_cw_agi", self.visit(target.value), self.visit(target.slice), self._site(target))
            second = ast.Call(func=_name("_cw_asi"), args=[ast.Starred(value=first, ctx=ast.Load()), self.visit(node.value), op], keywords=[])
            return ast.copy_location(ast.Expr(value=second), node)
        if isinstance(target, ast.Name):
            variable = self._variable_of(target.id)
            if variable is not None:
                site = self._site(target, target.id, variable)
                update = _call("_cw_augn", _name(target.id), self.visit(node.value), op, site)
                return ast.copy_location(ast.Assign(targets=[ast.Name(id=target.id, ctx=ast.Store())], value=update), node)
        node.target = self._target(target)
        node.value = self.visit(node.value)
        return node

    def visit_Delete(self, node: ast.Delete) -> object:
        out: List[ast.stmt] = []
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                attribute = self._attr(target)
                call = _call("_cw_da", self.visit(target.value), _const(attribute), self._site(target, attribute))
                out.append(ast.copy_location(ast.Expr(value=call), node))
            elif isinstance(target, ast.Subscript) and not _has_slice(target.slice):
                call = _call("_cw_di", self.visit(target.value), self.visit(target.slice), self._site(target))
                out.append(ast.copy_location(ast.Expr(value=call), node))
            else:
                out.append(ast.copy_location(ast.Delete(targets=[self._target(target)]), node))
        return out

    def visit_For(self, node):
        node.target = self._target(node.target)
        node.iter = self.visit(node.iter)
        if isinstance(node, ast.For):
            node.iter = self._reads_whole(node.iter, node)
        node.body = self._statements(node.body)
        node.orelse = self._statements(node.orelse)
        return node

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> ast.AST:
        node.context_expr = self.visit(node.context_expr)
        if node.optional_vars is not None:
            node.optional_vars = self._target(node.optional_vars)
        return node

    def visit_NamedExpr(self, node: ast.NamedExpr) -> ast.AST:
        node.value = self.visit(node.value)
        return node

    def visit_match_case(self, node) -> ast.AST:
        # Patterns must stay names and attribute lookups (`case Color.RED:`):
        # only the guard and the body are rewritten.
        if node.guard is not None:
            node.guard = self.visit(node.guard)
        node.body = self._statements(node.body)
        return node

    def visit_arguments(self, node: ast.arguments) -> ast.AST:
        return node  # annotations and defaults are handled by the scope visitors

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node


def _copy(node: ast.expr) -> ast.expr:
    """A fresh copy of a pure expression (AST nodes must not be shared)."""
    return ast.parse(ast.unparse(node), mode="eval").body


def instrument(source: str, filename: str, module: str, display_module: str, event_file: str) -> "tuple[ast.Module, ModuleProbe]":
    """Parse and rewrite a module's source; returns the tree to compile and
    its probe (already registered)."""
    tree = ast.parse(source, filename=filename)
    builder = ScopeBuilder()
    builder.build(tree)
    token = f"{module}@{next(_tokens)}"
    probe = ModuleProbe(token, display_module, event_file, builder.state_globals, module)
    register(probe)
    tree = Instrumenter(probe, builder, display_module).rewrite(tree)
    return tree, probe
