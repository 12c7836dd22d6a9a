"""Binder: the environment and postBuild, as repo2docker would use them.

Conda cannot run here, so what can be tested is tested: a fresh virtual
environment is built from environment.yml's pip part (the same Python version),
postBuild runs on it exactly as Binder runs it (the environment's bin/ first on
PATH, from the repository's root), and then:

- the student view is what we want: nbgrader's Validate stays; formgrader,
  create-assignment, the exchange tools and the Nbgrader menu are disabled and
  locked; the matching server extensions are off; no news pop-up;
- every lesson and every trainee notebook runs in that environment (nbval);
- a real JupyterLab started from it, seen in headless Chromium, shows Validate
  and no trainer tool (screenshot in tests/captures/).

The environment is built once per test session (about a minute with the local
wheel mirror, longer from PyPI); the other test files do not depend on it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:menu",
]
KEPT = "@jupyter/nbgrader:validate-assignment"
SERVER_OFF = ["formgrader", "assignment_list", "course_list"]
SERVER_ON = "validate_assignment"


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def pip_part() -> list[str]:
    return next(item["pip"] for item in _environment()["dependencies"] if isinstance(item, dict))


def conda_python() -> str:
    return next(d for d in _environment()["dependencies"] if isinstance(d, str)
                and d.startswith("python=")).split("=", 1)[1]


def test_tools() -> list[str]:
    """pytest and nbval, pinned as in pyproject.toml: needed to run the notebook tests."""
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tests = wanted["project"]["optional-dependencies"]["test"]
    return [r for r in tests if re.match(r"(pytest|nbval)\b", r)]


test_tools.__test__ = False  # a helper, not a test


def isolated_env(venv: Path, scratch: Path) -> dict[str, str]:
    """The environment of a process of the Binder venv: its bin/ first, private Jupyter folders."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "JPY_", "PYTHON", "VIRTUAL_ENV", "IPYTHON"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    for name, folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        (scratch / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(scratch / folder)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _plain(text: str) -> str:
    """Without the terminal colour codes that the jupyter commands print."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def run(command: list[str], env: dict, *, cwd: Path = ROOT, timeout: int = 900) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(map(str, command))}` exited with {result.returncode}:\n{output[-6000:]}")
    return output


class BinderEnv:
    def __init__(self, venv: Path, scratch: Path, log: str):
        self.venv, self.scratch, self.log = venv, scratch, log
        self.env = isolated_env(venv, scratch)

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(self, *command: str, **kwargs) -> str:
        return run([self.bin(command[0]), *command[1:]], self.env, **kwargs)


@pytest.fixture(scope="session")
def binder(tmp_path_factory) -> BinderEnv:
    """A fresh venv built from environment.yml's pip part, then set up by postBuild."""
    scratch = tmp_path_factory.mktemp("binder")
    venv = scratch / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    env = isolated_env(venv, scratch)
    log = run([base, "-m", "venv", str(venv)], env)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    log += run([*pip, "install", "--quiet", *pip_part()], env, timeout=1800)
    log += run([*pip, "check"], env)
    log += run(["bash", str(ROOT / "postBuild")], env)
    # Only to run the notebook tests below; Binder itself has no use for them.
    log += run([*pip, "install", "--quiet", *test_tools()], env)
    return BinderEnv(venv, scratch, log)


def test_postbuild_is_a_strict_bash_script():
    text = (ROOT / "postBuild").read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n"), "repo2docker needs the shebang"
    assert "set -euo pipefail" in text, "without it Binder ignores a failed step"
    assert os.access(ROOT / "postBuild", os.X_OK), "postBuild must be executable (chmod +x)"
    assert "--sys-prefix" in text and "--level=sys_prefix" in text, \
        "settings must go into the environment, not into a system folder Binder cannot write"


def test_readme_badge_lands_on_the_welcome_notebook():
    """The README's Binder badge opens JupyterLab on the welcome lesson, which exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\[!\[[^\]]*\]\(https://mybinder\.org/badge_logo\.svg\)\]"
                      r"\((https://mybinder\.org/v2/gh/[^)\s]+)\)", readme)
    assert badge, "README.md has no mybinder badge"
    target = re.search(r"[?&]urlpath=lab/tree/([^&)]+)", badge.group(1))
    assert target, f"the badge does not open JupyterLab on a notebook: {badge.group(1)}"
    assert target.group(1) == "notebooks/00-bienvenue.ipynb" and (ROOT / target.group(1)).is_file()


def test_environment_python_is_the_one_tested(binder):
    version = binder.run("python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])").strip()
    assert version == conda_python(), f"environment.yml pins python={conda_python()}, tested {version}"


def test_course_package_is_installed_editable(binder):
    out = binder.run("python", "-c", "import coopdec, coopdec.chemins as c; print(c.COURSE_ROOT)")
    assert Path(out.strip().splitlines()[-1]) == ROOT
    binder.run("python", "-c", "from coopdec import sauvegarder_reponses, restaurer_reponses, charger")


def test_lab_extensions_student_view(binder):
    out = _plain(binder.run("jupyter", "labextension", "list"))
    line = next((l for l in out.splitlines() if "@jupyter/nbgrader v" in l), "")
    assert re.search(r"@jupyter/nbgrader v\S+ enabled OK", line), out
    locked = line.split("(plugins:")[-1]
    assert "locked" in locked and all(plugin in locked for plugin in HIDDEN), f"not all locked:\n{out}"
    assert KEPT not in locked, f"Validate must not be locked off:\n{out}"
    disabled = out.split("Disabled extensions:")[1].split()
    assert sorted(disabled) == sorted(HIDDEN), f"Validate must stay, the rest go:\n{out}"


def test_page_config_disables_and_locks(binder):
    page_config = json.loads((binder.venv / "etc/jupyter/labconfig/page_config.json").read_text())
    assert {p for p, on in page_config["disabledExtensions"].items() if on} == set(HIDDEN)
    assert {p for p, on in page_config["lockedExtensions"].items() if on} == set(HIDDEN)


def test_server_extensions(binder):
    out = _plain(binder.run("jupyter", "server", "extension", "list"))
    for name in SERVER_OFF:
        assert re.search(rf"nbgrader\.server_extensions\.{name}\s+disabled", out), out
    assert re.search(rf"nbgrader\.server_extensions\.{SERVER_ON}\s+enabled", out), out


def test_settings_overrides_installed(binder):
    app_dir = binder.run("python", "-c", "from jupyterlab.commands import get_app_dir; print(get_app_dir())")
    overrides = Path(app_dir.strip().splitlines()[-1]) / "settings" / "overrides.json"
    expected = json.loads((ROOT / "tools" / "jupyterlab-overrides.json").read_text(encoding="utf-8"))
    assert json.loads(overrides.read_text(encoding="utf-8")) == expected


def test_postbuild_writes_nothing_outside_the_environment(binder):
    # (jupyter_core itself leaves a « migrated » marker in the user's folder.)
    written = [p for p in (binder.scratch / "config").rglob("*") if p.is_file() and p.name != "migrated"]
    assert written == [], f"postBuild wrote user-level settings: {written}"


def test_notebooks_run_in_the_binder_environment(binder):
    """Every lesson and every trainee notebook runs in that environment (nbval, --nbval-lax)."""
    folders = [str(ROOT / f) for f in ("notebooks", "release") if any((ROOT / f).rglob("*.ipynb"))]
    assert folders, "no notebook to run"
    out = binder.run("python", "-m", "pytest", "-q", "-o", "addopts=", "-o", "testpaths=",
                     "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env", *folders,
                     timeout=1500)
    assert re.search(r"\d+ passed", out), out


def test_student_view_in_a_browser(binder, tmp_path):
    """JupyterLab of the Binder environment, in headless Chromium: Validate, no trainer tools."""
    from test_navigateur import CAPTURES, chromium, jupyterlab, open_notebook

    with jupyterlab(binder.venv / "bin", ROOT, tmp_path, env=binder.env) as server, \
            chromium() as browser:
        page = browser.new_page()
        release = sorted((ROOT / "release").glob("*/*.ipynb"))[0]
        open_notebook(page, server.url, release.relative_to(ROOT).as_posix())
        toolbar = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar").first
        assert toolbar.get_by_text("Validate", exact=True).is_visible(), "Validate button missing"
        menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
        assert "Nbgrader" not in menus, f"the Nbgrader menu should be hidden on Binder: {menus}"
        assert not page.locator("#jp-right-stack").get_by_text("Create Assignment").count()
        page.screenshot(path=str(CAPTURES / "binder-vue-stagiaire.png"))
        # The trainer's pages are not served at all.
        for url in ("formgrader", "assignments?course_id=coopdec", "courses"):
            response = page.request.get(server.url + url)
            assert response.status == 404, f"/{url} answered {response.status} on Binder"
