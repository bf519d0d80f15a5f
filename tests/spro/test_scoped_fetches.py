"""House rule: a view fetches objects only through a scoped queryset.

Every URL pattern of the project is walked; for each view (and the module-level helpers it calls by
name, one level deep) the source is parsed and every ``get_object_or_404(X, …)``,
``get_list_or_404(X, …)`` and ``X.objects….get(…)`` is checked: X must contain a call to a scoping
method (``Model.objects.visible_to(user)``…), directly, through a local variable assigned from one
(``Child.objects.filter(parent=parent)`` with ``parent`` fetched through a scope counts as scoped),
or through a module-level helper whose body calls one. A stranger then gets a 404, and the same rule
serves the page, the API and the export.

A bare fetch fails the test, unless listed below: PUBLIC (views open without login whose fetch
goes through a public scope anyway) or TO_FIX (not converted yet: shrink it, never grow it).
Entries are ``module:function:Target``, without line numbers, so that moving code around does not
break them; the failure message gives the line.
"""

import ast
import inspect
import textwrap
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# The scoping methods of the querysets beside the models. One line of docstring each, stating the rule.
SCOPING_METHODS = (
    "visible_to",
    "editable_by",
    "data_visible_to",
    "managed_by",
)

# Only the project's own code is checked (not the admin, auth views or third-party apps).
PROJECT_PACKAGES = ("network", "sites", "stats", "spro", "events")

FETCH_FUNCTIONS = ("get_object_or_404", "get_list_or_404")

# (a) Public views (login_not_required) whose fetch goes through a public scope of its own, as
# "module:function:Target": "reason". None today: the public site directory and sheet
# (sites.views.directory/detail) and the satisfaction questionnaire (stats.views.satisfaction)
# fetch through Site.objects.visible_to(user), the iCal feed through its token.
PUBLIC: dict[str, str] = {}

# (b) Not converted yet. Shrink this set; never add to it.
TO_FIX: set[str] = set()


@dataclass(frozen=True)
class Fetch:
    module: str
    function: str
    line: int
    target: str

    @property
    def key(self) -> str:
        return f"{self.module}:{self.function}:{self.target}"

    def __str__(self) -> str:
        return f"{self.module}:{self.function}:{self.line} ({self.target})"


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


def _view_code(callback):
    """The function or class holding the view's code, or None for code outside the project."""
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    code = view_class or inspect.unwrap(callback)
    module = getattr(code, "__module__", "") or ""
    if module.split(".")[0] not in PROJECT_PACKAGES:
        return None
    return code


def _root_name(node) -> str:
    """The name at the root of an expression: `Site` for `Site.objects.filter(…)`."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return node.id if isinstance(node, ast.Name) else ast.unparse(node)[:40]


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


class _Module:
    """A module's functions and which of them call a scoping method in their body."""

    def __init__(self, module):
        self.module = module
        self.functions = {
            name: obj
            for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__
        }

    def tree(self, obj) -> ast.AST:
        lines, start = inspect.getsourcelines(obj)
        tree = ast.parse(textwrap.dedent("".join(lines)))
        ast.increment_lineno(tree, start - 1)
        return tree

    def helper_is_scoped(self, name: str) -> bool:
        function = self.functions.get(name)
        if function is None:
            return False
        function = inspect.unwrap(function)
        tree = self.tree(function)
        return any(isinstance(n, ast.Call) and _called_name(n) in SCOPING_METHODS for n in ast.walk(tree))


def _is_scoped(expr, assignments, module: _Module, seen=frozenset()) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.Call):
            name = _called_name(node)
            if name in SCOPING_METHODS:
                return True
            if isinstance(node.func, ast.Name) and module.helper_is_scoped(node.func.id):
                return True
        if (
            isinstance(node, ast.Name)
            and node.id in assignments
            and node.id not in seen
            and any(
                _is_scoped(value, assignments, module, seen | {node.id}) for value in assignments[node.id]
            )
        ):
            return True
    return False


def _bare_fetches(tree: ast.AST, module: _Module) -> list[Fetch]:
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        assignments: dict[str, list[ast.AST]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assignments.setdefault(target.id, []).append(node.value)
            elif (
                isinstance(node, ast.AnnAssign | ast.NamedExpr)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                assignments.setdefault(node.target.id, []).append(node.value)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            receiver = None
            if _called_name(node) in FETCH_FUNCTIONS and node.args:
                receiver = node.args[0]
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and any(
                    isinstance(n, ast.Attribute) and n.attr == "objects" for n in ast.walk(node.func.value)
                )
            ):
                receiver = node.func.value
            if receiver is None or _is_scoped(receiver, assignments, module):
                continue
            found.append(Fetch(module.module.__name__, function.name, node.lineno, _root_name(receiver)))
    return found


def _scan():
    """(number of views walked, their bare fetches, which of them are public views)."""
    modules: dict[str, _Module] = {}
    views = 0
    fetches: set[Fetch] = set()
    public: set[Fetch] = set()
    for callback in _walk(get_resolver().url_patterns):
        code = _view_code(callback)
        if code is None:
            continue
        views += 1
        python_module = inspect.getmodule(code)
        module = modules.setdefault(python_module.__name__, _Module(python_module))
        trees = [module.tree(code)]
        # The module-level helpers the view calls by name, one level deep.
        called = {
            node.func.id
            for node in ast.walk(trees[0])
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in module.functions
        }
        trees += [module.tree(inspect.unwrap(module.functions[name])) for name in sorted(called)]
        found = {f for tree in trees for f in _bare_fetches(tree, module)}
        fetches |= found
        if getattr(callback, "login_required", True) is False:
            public |= found
    return views, fetches, public


def test_every_fetch_in_a_view_goes_through_a_scoped_queryset():
    views, fetches, public = _scan()
    assert views > 100, f"Only {views} views found: the URL walk is broken."

    bare = sorted(
        (f for f in fetches if f.key not in TO_FIX and not (f in public and f.key in PUBLIC)),
        key=lambda f: (f.module, f.line),
    )
    assert not bare, (
        "Fetch these objects through a scoped queryset (Model.objects.visible_to(user)…), "
        f"scoping methods: {', '.join(SCOPING_METHODS)}:\n" + "\n".join(f"  {f}" for f in bare)
    )


def test_the_allowlists_hold_no_stale_entry():
    """A converted fetch leaves TO_FIX: the list only shrinks."""
    _views, fetches, public = _scan()
    keys = {f.key for f in fetches}
    assert sorted(TO_FIX - keys) == []
    assert sorted(set(PUBLIC) - {f.key for f in public}) == []
