"""What `pip install shelfmatch` gets: the product (flows, tasks and their SQL), not the test doubles.

The emulators, the benchmarks and the tests live in the repository only; the demo, which runs on the
emulators, says so when they are missing instead of failing with a traceback.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_ONLY_DISTRIBUTIONS = {"pyyaml", "pytest", "pytest-asyncio", "pytest-timeout", "hypothesis", "ruff"}


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


def test_the_wheel_requires_no_test_only_distribution(wheel):
    requires = _metadata(wheel).get_all("Requires-Dist") or []
    unconditional = {
        r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].split("!")[0].strip().lower()
        for r in requires
        if "extra ==" not in r
    }
    assert unconditional, "the product has runtime dependencies"
    assert not unconditional & TEST_ONLY_DISTRIBUTIONS


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


def test_the_demo_without_the_emulators_says_where_they_are_in_one_line(tmp_path):
    script = (
        "import sys; sys.modules['emulators'] = None\n"  # as in an installed wheel: no emulators package
        "from tasks.demo import run_demo\n"
        f"run_demo(db_path={str(tmp_path / 'demo.duckdb')!r}, quick=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0
    assert "make demo" in done.stderr and "clone" in done.stderr
