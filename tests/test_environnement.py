"""Dependencies are declared once (pyproject.toml) and mirrored for Binder (environment.yml)."""

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def requirements(lines) -> dict[str, str]:
    parsed = [Requirement(line) for line in lines]
    return {r.name.lower(): str(r.specifier) for r in parsed}


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_part = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert requirements(pip_part) == requirements(project["dependencies"])


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = conda_python.split("=")[1]
    assert Requirement(f"python{project['requires-python']}").specifier.contains(version)


def test_jupyterlab_and_nbgrader_are_pinned_together():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = requirements(project["dependencies"])
    assert deps["nbgrader"] == "==0.9.6"
    lab = Requirement("jupyterlab" + deps["jupyterlab"]).specifier
    assert lab.contains("4.6.6") and not lab.contains("5.0.0")


def test_reading_a_notebook_does_not_compile_the_iri_grammars():
    """jsonschema >= 4.25 loads rfc3987-syntax, which compiles its grammars at import (2.7 s here).

    nbformat (every nbgrader command, a trainee's saved answers) and JupyterLab's event
    validators import jsonschema's format checkers; pyproject.toml bounds jsonschema for that.
    """
    probe = "import sys, nbformat, jupyter_events.validators; print('rfc3987_syntax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
