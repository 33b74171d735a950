"""The house: every import arrow points down, no module reads another's privates, files stay short.

Module-level imports count, `TYPE_CHECKING` ones included; imports inside functions
(lazy ones, e.g. in `_repr_html_` or `Session.dashboard()`) are allowed to point up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cometchat_nb"
#: Names that look private but are a protocol's or a library's own.
FOREIGN = {"_repr_html_", "_repr_mimebundle_", "_dom_classes", "_replace", "_asdict", "_fields"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_level_imports(path: Path) -> set[str]:
    """The package modules `path` imports outside functions."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("cometchat_nb"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                if base.startswith("cometchat_nb"):
                    found.update(_resolve(base, a.name) for a in node.names)
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)
                if isinstance(node, ast.Try):
                    for handler in node.handlers:
                        visit(handler.body)
            elif isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(ast.parse(path.read_text()).body)
    found.discard(name)
    return found


def _resolve(base: str, name: str) -> str:
    """`from base import name`: the submodule `name` if there is one, else `base`."""
    candidate = ROOT.joinpath(*f"{base}.{name}".split("."))
    return f"{base}.{name}" if candidate.with_suffix(".py").exists() or candidate.is_dir() else base


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_import_circle() -> None:
    graph = {module_name(p): module_level_imports(p) for p in sources()}
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> None:
        if node in path:
            cycle = [*path[path.index(node) :], node]
            pytest.fail("import circle: " + " -> ".join(cycle))
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            walk(target, [*path, node])
        done.add(node)

    for module in graph:
        walk(module, [])


@pytest.mark.parametrize(
    "path",
    [
        *sources(),
        *sorted((ROOT / "tests").rglob("*.py")),
        *sorted((ROOT / "benchmarks").glob("*.py")),
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_reads_another_modules_privates(path: Path) -> None:
    """`x._name` only on `self` / `cls` (a class's own privates), never through another object."""
    reaches = [
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not (node.attr.startswith("__") and node.attr.endswith("__"))
        and node.attr not in FOREIGN
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert reaches == []


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_files_stay_short(path: Path) -> None:
    limit = 350 if path.name == "session.py" else 450
    assert len(path.read_text().splitlines()) <= limit


def test_module_names_are_unique_in_the_package() -> None:
    """One concept, one name: no two modules share a basename (`__init__`, `__main__` aside)."""
    seen: dict[str, list[str]] = {}
    for path in sources():
        if path.stem not in ("__init__", "__main__"):
            seen.setdefault(path.stem, []).append(str(path.relative_to(PACKAGE)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
