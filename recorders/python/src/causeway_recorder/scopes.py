"""Which names in a module are shared state.

A local variable belongs to one call and cannot race, so the rewriter only
records names that outlive a call and can be reached from several threads:

- **module globals that change**: assigned in some function under a
  `global` declaration, or assigned more than once at module level
  (a script's main body updating a counter). A name assigned once at
  import and only read afterwards is a constant and is not recorded (it
  could not race, and reading constants in hot loops is frequent);
  names bound by `def`, `class` or `import` are behaviour, not state;
- **closure variables that change**: a variable of an enclosing function
  that a nested function declares `nonlocal`, or that its owner assigns
  more than once (a `done` flag a worker thread polls).

This mirrors Python's own scoping rules (parameters, assignments, `for`,
`with`, `except ... as`, imports, walrus targets, comprehensions as their
own scopes, class bodies invisible to the functions inside them).
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Dict, List, Optional, Set, Tuple


class Scope:
    """Names bound and declared in one scope."""

    def __init__(self, kind: str, node: ast.AST, parent: Optional["Scope"], name: str = ""):
        self.kind = kind  # "module", "function", "class", "comprehension"
        self.node = node
        self.parent = parent
        self.name = name
        self.bound: Set[str] = set()
        #: Names bound by def/class/import: behaviour, never recorded.
        self.definitions: Set[str] = set()
        self.declared_global: Set[str] = set()
        self.declared_nonlocal: Set[str] = set()
        #: How many places store to each name (state vs constant).
        self.stores: Counter = Counter()
        self.children: List["Scope"] = []
        #: For function scopes: own names that must be recorded as closure state.
        self.tracked_cells: Set[str] = set()
        #: Qualified name of the scope (function qualname) for variable names.
        self.qualname = ""

    def enclosing_functions(self):
        """Scopes a free name in this scope may resolve to, innermost first
        (class bodies are skipped, as Python does)."""
        scope = self.parent
        while scope is not None:
            if scope.kind in ("function", "comprehension"):
                yield scope
            elif scope.kind == "module":
                return
            scope = scope.parent


class ScopeBuilder(ast.NodeVisitor):
    """First pass: one Scope per module, function, lambda, class and comprehension."""

    def __init__(self) -> None:
        self.scopes: Dict[ast.AST, Scope] = {}
        self.module: Optional[Scope] = None
        self._current: Optional[Scope] = None

    def build(self, tree: ast.Module) -> Scope:
        self.module = Scope("module", tree, None)
        self.scopes[tree] = self.module
        self._current = self.module
        for statement in tree.body:
            self.visit(statement)
        self._finish(self.module)
        return self.module

    # -- helpers --------------------------------------------------------

    def _push(self, kind: str, node: ast.AST, name: str) -> Scope:
        scope = Scope(kind, node, self._current, name)
        parent = self._current
        assert parent is not None
        if kind == "class":
            scope.qualname = f"{parent.qualname}.{name}" if parent.qualname else name
        elif parent.kind in ("function", "comprehension"):
            scope.qualname = f"{parent.qualname}.<locals>.{name}"
        else:
            scope.qualname = f"{parent.qualname}.{name}" if parent.qualname else name
        parent.children.append(scope)
        self.scopes[node] = scope
        self._current = scope
        return scope

    def _bind(self, name: str, store: bool = True) -> None:
        scope = self._current
        assert scope is not None
        scope.bound.add(name)
        if store:
            scope.stores[name] += 1

    def _bind_arguments(self, args: ast.arguments) -> None:
        for arg in args.posonlyargs + args.args + args.kwonlyargs:
            self._bind(arg.arg, store=False)
        if args.vararg:
            self._bind(args.vararg.arg, store=False)
        if args.kwarg:
            self._bind(args.kwarg.arg, store=False)

    # -- scopes ---------------------------------------------------------

    def _function(self, node, name: str) -> None:
        for decorator in getattr(node, "decorator_list", []):
            self.visit(decorator)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)
        if name != "<lambda>":
            self._bind(name, store=False)
            assert self._current is not None
            self._current.definitions.add(name)
        outer = self._current
        self._push("function", node, name)
        self._bind_arguments(node.args)
        body = node.body if isinstance(node.body, list) else [node.body]
        for statement in body:
            self.visit(statement)
        self._current = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, "<lambda>")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expression)
        self._bind(node.name, store=False)
        assert self._current is not None
        self._current.definitions.add(node.name)
        outer = self._current
        self._push("class", node, node.name)
        for statement in node.body:
            self.visit(statement)
        self._current = outer

    def _comprehension(self, node, elements) -> None:
        # The first iterable is evaluated in the enclosing scope.
        self.visit(node.generators[0].iter)
        outer = self._current
        self._push("comprehension", node, "<comprehension>")
        for index, generator in enumerate(node.generators):
            self._targets(generator.target)
            if index:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for element in elements:
            self.visit(element)
        self._current = outer

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp  # type: ignore[assignment]
    visit_GeneratorExp = visit_ListComp  # type: ignore[assignment]

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    # -- bindings -------------------------------------------------------

    def _targets(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._targets(element)
        elif isinstance(target, ast.Starred):
            self._targets(target.value)
        else:
            self.visit(target)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._bind(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        # A walrus in a comprehension binds in the enclosing function.
        scope = self._current
        while scope is not None and scope.kind == "comprehension":
            scope = scope.parent
        if scope is not None and isinstance(node.target, ast.Name):
            scope.bound.add(node.target.id)
            scope.stores[node.target.id] += 1

    def visit_For(self, node) -> None:
        # A loop variable is rebound on every iteration, not "changed" by
        # the program: binding it does not make a module global state.
        self._loop_target(node.target)
        self.visit(node.iter)
        for statement in node.body + node.orelse:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def _loop_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._bind(target.id, store=False)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._loop_target(element)
        elif isinstance(target, ast.Starred):
            self._loop_target(target.value)
        else:
            self.visit(target)

    def visit_Global(self, node: ast.Global) -> None:
        assert self._current is not None
        self._current.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        assert self._current is not None
        self._current.declared_nonlocal.update(node.names)

    def _import(self, node) -> None:
        assert self._current is not None
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            if name != "*":
                self._bind(name, store=False)
                self._current.definitions.add(name)

    visit_Import = _import  # type: ignore[assignment]
    visit_ImportFrom = _import  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name)
        for statement in node.body:
            self.visit(statement)

    def visit_arg(self, node: ast.arg) -> None:
        # Annotations are not evaluated in the function's scope; ignore them.
        return

    # -- classification ---------------------------------------------------

    def _finish(self, module: Scope) -> None:
        """Decide the recorded globals and closure cells."""
        assigned_in_functions: Set[str] = set()
        nonlocal_owners: List[Tuple[Scope, str]] = []

        def walk(scope: Scope) -> None:
            if scope.kind in ("function", "comprehension"):
                for name in scope.declared_global:
                    if scope.stores[name]:
                        assigned_in_functions.add(name)
                for name in scope.declared_nonlocal:
                    nonlocal_owners.append((scope, name))
            for child in scope.children:
                walk(child)

        walk(module)
        changing = {name for name, count in module.stores.items() if count > 1}
        candidates = (assigned_in_functions | changing | module.declared_global) - module.definitions
        module_state = {name for name in candidates if not (name.startswith("__") and name.endswith("__"))}
        # `global` names assigned only in functions are still module globals.
        self.state_globals = frozenset(module_state)

        for scope, name in nonlocal_owners:
            for owner in scope.enclosing_functions():
                if name in owner.bound and name not in owner.declared_nonlocal:
                    owner.tracked_cells.add(name)
                    break

        def walk_cells(scope: Scope) -> None:
            if scope.kind == "function":
                for name, count in scope.stores.items():
                    if count > 1 and name not in scope.definitions and _captured(scope, name):
                        scope.tracked_cells.add(name)
            for child in scope.children:
                walk_cells(child)

        walk_cells(module)


def _captured(owner: Scope, name: str) -> bool:
    """True when a nested scope of `owner` reads `name` from it."""

    def uses(scope: Scope) -> bool:
        for child in scope.children:
            if name in child.bound and name not in child.declared_nonlocal:
                continue  # shadowed below
            if _loads(child.node, name) or uses(child):
                return True
        return False

    return uses(owner)


def _loads(node: ast.AST, name: str) -> bool:
    body = node.body if isinstance(getattr(node, "body", None), list) else [getattr(node, "body", node)]
    for statement in body:
        for sub in ast.walk(statement):
            if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Load):
                return True
    return False


def resolve(scope: Scope, name: str) -> Tuple[str, Optional[Scope]]:
    """Where a name used in `scope` lives: ("local"|"global"|"cell", owner)."""
    if scope.kind == "module":
        return "global", None
    if name in scope.declared_global:
        return "global", None
    if name in scope.declared_nonlocal:
        for owner in scope.enclosing_functions():
            if name in owner.bound and name not in owner.declared_nonlocal:
                return "cell", owner
            if name in owner.declared_global:
                return "global", None
        return "local", None
    if name in scope.bound:
        if scope.kind == "function" and name in scope.tracked_cells:
            return "cell", scope
        return "local", None
    if scope.kind == "class":
        # A free name in a class body: enclosing functions, then globals.
        pass
    for owner in scope.enclosing_functions():
        if name in owner.declared_global:
            return "global", None
        if name in owner.bound:
            return ("cell", owner) if name in owner.tracked_cells else ("local", None)
    return "global", None
