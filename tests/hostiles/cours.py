"""Build throw-away course folders and drive nbgrader's own commands on them.

Commands run as a trainer runs them: the ``nbgrader`` executable of the
virtual environment, from the course folder, which holds a copy of the
course's ``nbgrader_config.py`` (its course root is therefore the throw-away
folder, its gradebook and exchange too).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def environment(**extra: str) -> dict:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONUTF8": "1"}
    for name in ("COOPDEC_GRADEBOOK", "COOPDEC_EXCHANGE", "COOPDEC_SANS_BAC_A_SABLE", "COOPDEC_DOSSIER_CORRECTION"):
        env.pop(name, None)
    env.update(extra)
    return env


def nbgrader(course: Path, *args: str, check: bool = False, timeout: int = 900, env: dict | None = None,
             config: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` from ``course``; stdout and stderr merged in ``.stdout``."""
    result = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course, env=env or environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} a échoué ({result.returncode}) :\n{result.stdout[-6000:]}")
    return result


def new_course(folder: Path, assignments: dict[str, Path | nbformat.NotebookNode],
               data: dict[str, dict[str, str]] | None = None, *, generate: bool = True) -> Path:
    """A course folder with the course's configuration and the given instructor notebooks."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for name, notebook in assignments.items():
        target = folder / "source" / name
        target.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, Path):
            shutil.copytree(notebook, target, dirs_exist_ok=True)
        else:
            nbformat.write(notebook, target / f"{name}.ipynb")
        for filename, text in (data or {}).get(name, {}).items():
            (target / filename).write_text(text, encoding="utf-8")
        if generate:
            nbgrader(folder, "generate_assignment", name, "--force", check=True)
    return folder


def submit_file(course: Path, student: str, assignment: str, notebook, filename: str | None = None) -> Path:
    """Put a submission straight into ``submitted/`` (as nbgrader's docs allow)."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (filename or f"{assignment}.ipynb")
    if isinstance(notebook, bytes):
        target.write_bytes(notebook)
    else:
        nbformat.write(notebook, target)
    (folder / "timestamp.txt").write_text("2026-01-01 10:00:00.000000 UTC")
    return target


def release(course: Path, assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def instructor(course: Path, assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def results(course: Path, assignment: str) -> dict[str, dict]:
    """The gradebook's view of each submission: scores, manual review, per-cell scores."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for submission in gb.find_assignment(assignment).submissions:
            grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
            out[submission.student.id] = {
                "score": submission.score,
                "needs_manual": submission.needs_manual_grade,
                "auto": sum(g.auto_score or 0 for g in grades.values() if g.cell.cell_type == "code"),
                "cells": {name: (g.auto_score, g.manual_score, g.needs_manual_grade) for name, g in grades.items()},
                "comments": {c.name: c.auto_comment for nb in submission.notebooks for c in nb.comments},
            }
    return out


def gradebook_snapshot(course: Path) -> dict:
    """What no submission may change: instructor cells, points, students' names."""
    con = sqlite3.connect(course / "gradebook.db")
    try:
        cells = con.execute("SELECT name, cell_type, locked, source, checksum FROM source_cell ORDER BY name").fetchall()
        points = con.execute("SELECT b.name, g.max_score FROM grade_cells g JOIN base_cell b ON b.id = g.id "
                             "ORDER BY b.name").fetchall()
        students = con.execute("SELECT id, first_name, last_name FROM student ORDER BY id").fetchall()
    finally:
        con.close()
    digest = hashlib.sha256(json.dumps([cells, points]).encode()).hexdigest()
    return {"cells": digest, "students": students}


def journal(course: Path, assignment: str, student: str) -> dict:
    path = course / "correction" / "journal" / assignment / f"{student}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def export(course: Path, *args: str) -> dict[tuple[str, str], dict]:
    nbgrader(course, "export", "--to=notes.csv", *args, check=True)
    with open(course / "notes.csv", encoding="utf-8") as fh:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(fh)}


def notebook_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file of a folder with its SHA-256 (to prove nothing was deleted or changed)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


USERNS_HINTS = ("uid map", "user namespace", "No permissions to create new namespace", "espaces de noms")


def sandbox_or_skip():
    """The probe report of the course's sandbox; skip loudly only where user namespaces are forbidden.

    Any other failure (bubblewrap missing, a path visible, the network reachable) fails the test:
    CI installs bubblewrap (``.ci/run``), so a missing sandbox is a bug, not a machine limit.
    """
    import pytest

    from coopdec.correction.probe import probe
    from coopdec.correction.sandbox import GradingSandbox, SandboxUnavailable

    try:
        return probe(GradingSandbox(), [])
    except SandboxUnavailable as exc:
        if any(hint in str(exc) for hint in USERNS_HINTS):
            pytest.skip(f"ATTENTION — bac à sable impossible : cette machine interdit les espaces de noms "
                        f"utilisateur ({exc}). La correction protégée n'est PAS testée ici.")
        raise


def api(course: Path, **settings):
    """nbgrader's Python API (what formgrader uses) on ``course``, with extra settings.

    ``settings`` are dotted names, e.g. ``api(course, **{"AutogradeBatch.canaries": False})``.
    """
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    os.environ["PATH"] = environment()["PATH"]  # nbgrader runs `alembic` from the venv
    exchange = course / "exchange"
    if not exchange.exists():
        exchange.mkdir()
        exchange.chmod(0o777)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    for name, value in settings.items():
        section, trait = name.rsplit(".", 1)
        setattr(config[section], trait, value)
    return NbGraderAPI(config=config)


def grade(course: Path, assignment: str, student: str = "*", force: bool = True, **settings) -> dict:
    """Autograde through the API; returns nbgrader's result dict (success, log, error)."""
    settings.setdefault("AutogradeBatch.canaries", False)
    return api(course, **settings).autograde(assignment, student, force=force)


def export_api(course: Path, **settings) -> dict[tuple[str, str], dict]:
    """The course's export plugin run in this process (same code as ``nbgrader export``)."""
    from nbgrader.api import Gradebook

    from coopdec.correction.export import CoopdecExport

    handle = api(course, **settings)
    target = course / "notes.csv"
    plugin = CoopdecExport(parent=handle, config=handle.config, to=str(target))
    with Gradebook(handle.coursedir.db_url, handle.coursedir.course_id) as gb:
        plugin.export(gb)
    with open(target, encoding="utf-8") as fh:
        return {(row["assignment"], row["student_id"]): row for row in csv.DictReader(fh)}
