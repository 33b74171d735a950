"""The Binder files: repo2docker detects them and installs what the tutorials import.

`repo2docker --no-build` prints the Dockerfile it would build, without Docker: enough to
check the Python version, and that `binder/requirements.txt` (which installs this
repository, a local path) runs after the repository is copied into the image.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
PIP_INSTALL = 'pip install --no-cache-dir -r "binder/requirements.txt"'


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_python_version_comes_from_runtime_txt(dockerfile: str) -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert "Building conda environment for python=3.11" in dockerfile


def test_requirements_install_after_the_repository_is_copied(dockerfile: str) -> None:
    lines = dockerfile.splitlines()
    copies = [i for i, line in enumerate(lines) if line.startswith("COPY") and " src/ " in line]
    copy_repo = copies[0]
    install = [i for i, line in enumerate(lines) if line.startswith("RUN") and PIP_INSTALL in line]
    assert len(install) == 1 and install[0] > copy_repo, "`.[notebook]` needs the repository"


def test_requirements_install_this_package_with_its_notebook_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    local = [line for line in requirement_lines() if line.startswith(".")]
    assert local == [".[notebook]"]
    assert "notebook" in project["optional-dependencies"]


def installed_names() -> set[str]:
    """Distributions Binder installs directly: ours, its deps and extra, binder's other lines."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["notebook"]]
    requirements += [line for line in requirement_lines() if not line.startswith(".")]
    return {canonicalize_name(project["name"])} | {
        canonicalize_name(Requirement(r).name) for r in requirements
    }


def imported_modules(notebook: Path) -> set[str]:
    modules: set[str] = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
        if ".plot(" in cell.source or ".plot." in cell.source:
            modules.add("matplotlib")  # pandas plots through matplotlib, imported lazily
    return modules


@pytest.mark.parametrize("notebook", sorted((REPO / "notebooks").glob("*.ipynb")), ids=str)
def test_binder_installs_what_the_tutorial_imports(notebook: Path) -> None:
    distributions = packages_distributions()
    wanted = installed_names()
    missing = {}
    for module in imported_modules(notebook) - set(sys.stdlib_module_names):
        names = {canonicalize_name(d) for d in distributions.get(module, [module])}
        if not names & wanted:
            missing[module] = sorted(names)
    assert not missing, f"add these to the notebook extra: {missing}"
