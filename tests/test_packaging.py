"""What `pip install shelfmatch` gets: the product (flows, tasks and their SQL), not the test doubles.

The emulators, the benchmarks and the tests live in the repository only, and what only the emulators
need (graphql-core) is the `demo` extra, not a dependency of the product; the demo, which runs on the
emulators, says so when they or the extra are missing instead of failing with a traceback.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_ONLY_DISTRIBUTIONS = {"pyyaml", "pytest", "pytest-asyncio", "pytest-timeout", "hypothesis", "ruff"}
EMULATOR_ONLY_DISTRIBUTIONS = {"graphql-core"}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _distribution(requirement: str) -> str:
    """The normalised distribution name of a requirement (`graphql-core>=3.2; extra == "demo"` → graphql-core)."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group(1)).lower()


def _uv() -> list[str]:
    """The uv that runs this suite (`uv run` sets UV), else the one on PATH, else `python3 -m uv`."""
    if os.environ.get("UV"):
        return [os.environ["UV"]]
    if shutil.which("uv"):
        return ["uv"]
    return ["python3", "-m", "uv"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Iterator[zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [*_uv(), "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [path] = out.glob("shelfmatch-*.whl")
    with zipfile.ZipFile(path) as zf:
        yield zf


def _metadata(wheel: zipfile.ZipFile):
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return Parser().parsestr(wheel.read(name).decode())


def test_the_wheel_holds_the_product_and_its_sql_but_no_test_doubles(wheel):
    top = {n.split("/")[0] for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"flows", "tasks", "sql"}
    names = set(wheel.namelist())
    assert "flows/cli.py" in names and "tasks/warehouse.py" in names
    assert any(n.startswith("sql/migrations/") and n.endswith(".sql") for n in names)
    assert any(n.startswith("tasks/queries/") and n.endswith(".graphql") for n in names)


def test_the_wheel_requires_no_test_only_or_emulator_only_distribution(wheel):
    requires = _metadata(wheel).get_all("Requires-Dist") or []
    unconditional = {_distribution(r) for r in requires if "extra ==" not in r}
    assert unconditional, "the product has runtime dependencies"
    assert not unconditional & TEST_ONLY_DISTRIBUTIONS
    assert not unconditional & EMULATOR_ONLY_DISTRIBUTIONS
    demo_extra = {_distribution(r) for r in requires if re.search(r"extra == ['\"]demo['\"]", r)}
    assert demo_extra >= EMULATOR_ONLY_DISTRIBUTIONS


def test_the_wheel_holds_no_emulator_or_corpus_data(wheel):
    names = wheel.namelist()
    assert [n for n in names if n.startswith(("emulators/", "bench/", "tests/", "data/"))] == []
    assert [n for n in names if n.endswith((".csv", ".csv.gz", ".parquet", ".wav", ".mp3", ".m4b"))] == []
    assert not any("goodbooks" in n or n.endswith("schema.graphql") for n in names)


def _third_party_imports(root: Path) -> set[str]:
    """Top-level names of every non-stdlib, non-project module imported anywhere under `root`."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"emulators", "tasks", "flows", "bench", "__future__"}


def test_what_the_emulators_import_is_a_product_dependency_or_in_the_demo_extra():
    declared = {
        _distribution(r) for r in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["demo"]]
    }
    modules_to_dists = importlib.metadata.packages_distributions()
    undeclared = {
        module: dists
        for module in sorted(_third_party_imports(ROOT / "emulators"))
        if not (dists := {_distribution(d) for d in modules_to_dists.get(module, [module])}) & declared
    }
    assert undeclared == {}
    assert {_distribution(r) for r in PROJECT["optional-dependencies"]["demo"]} == EMULATOR_ONLY_DISTRIBUTIONS


def test_the_product_imports_no_emulator_only_distribution():
    modules_to_dists = importlib.metadata.packages_distributions()
    product = _third_party_imports(ROOT / "tasks") | _third_party_imports(ROOT / "flows")
    offenders = {
        m
        for m in product
        if {_distribution(d) for d in modules_to_dists.get(m, [])} & EMULATOR_ONLY_DISTRIBUTIONS
    }
    assert offenders == set()


def _emulator_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, lazy: inside a function or a TYPE_CHECKING block) of every import of the emulators package."""
    found: list[tuple[int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            # A function body, or an `if TYPE_CHECKING:` block (only the type checker imports it), is lazy.
            type_only = (
                isinstance(child, ast.If)
                and isinstance(child.test, ast.Name)
                and child.test.id == "TYPE_CHECKING"
            )
            inside = in_function or type_only or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                mods = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                mods = [child.module or ""] if child.level == 0 else []
            else:
                mods = []
            if any(m == "emulators" or m.startswith("emulators.") for m in mods):
                found.append((child.lineno, inside))
            visit(child, inside)

    visit(ast.parse(path.read_text()), False)
    return found


def test_product_code_imports_the_emulators_only_in_the_demo_command_and_lazily():
    offenders = []
    for path in sorted([*ROOT.joinpath("flows").rglob("*.py"), *ROOT.joinpath("tasks").rglob("*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        for line, lazy in _emulator_imports(path):
            if not (rel == "tasks/demo.py" and lazy):
                offenders.append(f"{rel}:{line}")
    assert offenders == []


def _demo_error_without(module: str, tmp_path: Path) -> str:
    """The demo's stderr when `module` cannot be imported; it must be one line and no traceback."""
    script = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from tasks.demo import run_demo\n"
        f"run_demo(db_path={str(tmp_path / 'demo.duckdb')!r}, quick=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    return done.stderr


def test_the_demo_without_the_emulators_says_where_they_are_in_one_line(tmp_path):
    error = _demo_error_without("emulators", tmp_path)  # as in an installed wheel: no emulators package
    assert "make demo" in error and "clone" in error


def test_the_demo_without_its_extra_says_how_to_install_it_in_one_line(tmp_path):
    error = _demo_error_without("graphql", tmp_path)  # as after `uv sync --no-dev` without the extra
    assert "uv sync --extra demo" in error and "[demo]" in error


def test_every_product_module_imports_without_the_demo_extra():
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in [*ROOT.joinpath("flows").rglob("*.py"), *ROOT.joinpath("tasks").rglob("*.py")]
    )
    script = (
        "import importlib, sys\n"
        "sys.modules['graphql'] = None\n"  # an environment without the demo extra
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('imported', len(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("imported")
