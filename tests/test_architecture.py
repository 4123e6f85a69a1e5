"""The architecture as configured holds: the import contracts (pyproject.toml,
``[tool.importlinter]``), no import cycle between any two modules, and names that say which
module or class is meant. docs/ARCHITECTURE.md ("The layers") states the same rules.

Each checker is also shown a deliberate breakage, so that a check that could not fail would.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "core", "models", "webhooks")
#: Source files that are not modules of the app's packages but are still ours.
EXTRA_SOURCES = ("gunicorn.conf.py",)


def sources() -> list[Path]:
    """Every non-test module: the packages, the scripts, gunicorn's configuration. Alembic's
    revision files are named by number and date and are never imported by name."""
    found = [p for package in (*PACKAGES, "scripts") for p in sorted((ROOT / package).rglob("*.py"))
             if "migrations/versions" not in p.as_posix()]
    return found + [ROOT / name for name in EXTRA_SOURCES]


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative): each is a set of modules that import each other, however indirectly."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def import_graph() -> dict[str, set[str]]:
    """Which of our modules each of our modules imports, wherever in the module the import is
    (in a function too), leaving out ``if TYPE_CHECKING:`` imports, which never run."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    return {module: set(graph.find_modules_directly_imported_by(module))
            for module in graph.modules}


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` run in ``where`` with the ``pyproject.toml`` there, in a process of its
    own (it sets up logging as a command line tool does)."""
    tool = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(tool), "--no-cache"], cwd=where, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(where)}, check=False)


def test_the_import_contracts_are_kept() -> None:
    """``lint-imports`` with the project's configuration (``make test`` runs it first, too)."""
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_would_catch_a_breach(tmp_path: Path) -> None:
    """A copy of the packages where a dashboard module calls the engine and the kernel imports
    storage: ``lint-imports`` with the same configuration fails, naming both contracts."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "webhooks" / "outreach" / "chats.py").open("a") as module:
        module.write("\nfrom bot.replies import Texts  # a breach\n")
    with (tmp_path / "core" / "geo.py").open("a") as module:
        module.write("\nimport models.base  # a breach\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stderr
    report = " ".join(result.stdout.split())  # (the report wraps its lines)
    assert "Only the declared modules call the engine; the dashboard never does BROKEN" in report
    assert "webhooks.outreach.chats -> bot.replies" in report
    assert "over the shared kernel BROKEN" in report and "core.geo -> models.base" in report


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}, "e": {"a", "c"}}, [["a", "b"], ["c", "d"]]),
        ({"a": {"a"}}, []),  # a module's import of itself is no cycle between modules
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]],
                                       expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_the_import_graph_is_the_real_one() -> None:
    graph = import_graph()
    assert "webhooks.pipeline" in graph["webhooks.outreach.chats"]
    assert "models.base" in graph["models.turns"]
    assert "core.vocabulary" in graph["bot.types"]


def duplicated(names: Iterable[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


def test_no_two_modules_share_a_name() -> None:
    names = [p.stem for p in sources() if p.name != "__init__.py"]
    assert len(names) > 100
    assert duplicated(names) == []


def class_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]


def test_no_two_classes_share_a_name() -> None:
    """A class's name says which one it is (``State`` is the conversation's, never a map
    tile's). Classes nested in a function (a test double) would count too: there are none."""
    names = [name for path in sources() for name in class_names(path)]
    assert {"State", "Inbound", "PublishedDemandEvent", "StagedDemandEvent"} <= set(names)
    assert duplicated(names) == []


def test_the_name_checks_see_a_duplicate(tmp_path: Path) -> None:
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    first.write_text(textwrap.dedent("""
        class Row:
            pass
    """))
    second.write_text("class Row(tuple):\n    '''another'''\n")
    assert duplicated([*class_names(first), *class_names(second)]) == ["Row"]
    assert duplicated(["handoffs", "chats", "handoffs"]) == ["handoffs"]
