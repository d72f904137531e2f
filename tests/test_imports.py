"""The import rules of docs/architecture.md, read from the source: no module of ``intake``
imports itself back through others (module-level and function-level imports alike; only
``if TYPE_CHECKING:`` blocks are exempt), the engine imports nothing of the rest of the
app, and services import no app, view or command-line module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = "intake.questionnaire"
# What services may never import: the factory, the entry point and CLI, the web side.
ABOVE_SERVICES = ("intake.app", "intake.__main__", "intake.cli", "intake.admin", "intake.auth",
                  "intake.portal", "intake.forms", "intake.errors",
                  "intake.web_security")  # fmt: skip


def _modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``) by its dotted name."""
    found = {}
    for path in sorted((root / package.replace(".", "/")).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module → the modules of ``package`` it imports, wherever in the module the import is."""
    modules = _modules(root, package)
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    for name, imported in graph.items():
        imported.discard(name)
    return graph


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules (of ``modules``) that the module ``name`` at ``path`` imports."""
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]  # its package
    imported: set[str] = set()

    def known(dotted: str) -> str | None:
        """The module ``dotted`` is, or is in (``pkg.module.attribute`` → ``pkg.module``)."""
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            imported.update(m for alias in node.names if (m := known(alias.name)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importing module's package upwards
                start = here
                for _ in range(node.level - 1):
                    start = start.rpartition(".")[0]
                base = f"{start}.{base}".rstrip(".")
            for alias in node.names:  # a submodule (from pkg import module), or a name in base
                target = f"{base}.{alias.name}"
                module = target if target in modules else known(base)
                if module:
                    imported.add(module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return imported


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One import cycle (a → ... → a) per group of modules that import each other."""
    found: list[list[str]] = []
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        # The modules reachable from start that reach start again: its group.
        path = _path(graph, start, start)
        if path is None:
            continue
        group = {m for m in graph if _path(graph, start, m) and _path(graph, m, start)}
        done |= group
        found.append(path)
    return found


def _path(graph: dict[str, set[str]], source: str, target: str) -> list[str] | None:
    """The shortest import chain from source to target (of at least one step), or None."""
    frontier = [[source, nxt] for nxt in sorted(graph[source])]
    seen: set[str] = set()
    while frontier:
        chain = frontier.pop(0)
        if chain[-1] == target:
            return chain
        if chain[-1] in seen:
            continue
        seen.add(chain[-1])
        frontier += [[*chain, nxt] for nxt in sorted(graph.get(chain[-1], ()))]
    return None


def engine_leaks(graph: dict[str, set[str]]) -> list[str]:
    """Imports from the engine into the rest of the app."""
    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module == ENGINE or module.startswith(ENGINE + ".")
        for target in targets
        if not (target == ENGINE or target.startswith(ENGINE + "."))
    )


def services_above(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.startswith("intake.services.")
        for target in targets
        if target in ABOVE_SERVICES or target.startswith(tuple(f"{a}." for a in ABOVE_SERVICES))
    )


def test_no_module_of_intake_imports_itself_back() -> None:
    assert [" → ".join(c) for c in cycles(import_graph(ROOT, "intake"))] == []


def test_the_engine_imports_nothing_of_the_app() -> None:
    assert engine_leaks(import_graph(ROOT, "intake")) == []


def test_services_import_no_app_views_or_commands() -> None:
    assert services_above(import_graph(ROOT, "intake")) == []


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_find_what_they_forbid(tmp_path: Path) -> None:
    """Guard: a cycle through a function-level import, a relative import and a package's
    __init__ is found; one through ``if TYPE_CHECKING:`` is not; nor is an engine import
    of itself, while one of the app is."""
    _package(tmp_path, {
        "intake/__init__.py": "def create_app():\n    from intake.app import create_app\n",
        "intake/app.py": "from intake.cli import register\n",
        "intake/cli.py": "def main():\n    from intake import create_app\n",
        "intake/services/__init__.py": "",
        "intake/services/a.py": "from .b import thing\n",
        "intake/services/b.py": "def f():\n    from intake.services import a\n",
        "intake/services/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                "    from intake.services.d import x\n",
        "intake/services/d.py": "import intake.services.c\nfrom intake.app import y\n",
        "intake/questionnaire/__init__.py": "from intake.questionnaire.model import M\n",
        "intake/questionnaire/model.py": "def f():\n    from intake.models import Row\n",
        "intake/models.py": "",
    })  # fmt: skip
    graph = import_graph(tmp_path, "intake")

    assert cycles(graph) == [
        ["intake", "intake.app", "intake.cli", "intake"],
        ["intake.services.a", "intake.services.b", "intake.services.a"],
    ]
    assert engine_leaks(graph) == ["intake.questionnaire.model imports intake.models"]
    assert services_above(graph) == ["intake.services.d imports intake.app"]
