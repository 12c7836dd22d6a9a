"""Dependencies are declared once (pyproject.toml) and mirrored for Binder (environment.yml)."""

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
