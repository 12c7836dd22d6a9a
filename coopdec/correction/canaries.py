"""Two canary submissions graded before every batch, through the same pipeline.

- *canari-juste*: the instructor version (``source/``), which must get every
  automatic point and raise no flag;
- *canari-faux*: the blank student version (solutions replaced by the stub),
  which must get no automatic point.

They are graded in a scratch copy of the course (a copy of the gradebook,
``source/``, the same configuration and sandbox), so they never appear in the
real gradebook. A misconfigured sandbox (no writable folder, a dataset it
cannot read, a missing package…) would otherwise give every trainee 0, or a
broken test every trainee full marks.
"""

from __future__ import annotations

import copy
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde, NbGraderException
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearSolutions

RIGHT = "canari-juste"
WRONG = "canari-faux"
KINDS = (RIGHT, WRONG)


@dataclass
class CanaryResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    log: str = ""

    def message(self, assignment: str) -> str:
        return (f"Correction de « {assignment} » arrêtée : les copies témoins (canaris) ne sont pas notées "
                "comme prévu, la correction n'est donc pas fiable sur cette machine. "
                + " ; ".join(self.problems)
                + ". Aucune note n'a été modifiée. Voir « Canaris » dans docs/formateur.md.")


def _blank(notebook: nbformat.NotebookNode, config) -> nbformat.NotebookNode:
    blank = copy.deepcopy(notebook)
    clear = ClearSolutions(config=config)
    blank, _ = clear.preprocess(blank, {})
    return blank


def run_canaries(config, source_root: Path, db_url: str, assignment: str, log,
                 kinds: tuple[str, ...] = KINDS) -> CanaryResult:
    """Grade the canaries ``kinds`` of ``assignment`` in a scratch course; compare with what is expected.

    Parallel batches each grade one canary at the same time (:mod:`.batch`).
    """
    db = Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None
    if db is None or not db.is_file():
        return CanaryResult(True, log="carnet de notes non SQLite : canaris non joués")
    source = Path(source_root) / "source" / assignment
    scratch = Path(tempfile.mkdtemp(prefix="coopdec-canaris-"))
    try:
        scratch_db = scratch / "gradebook.db"
        src, dst = sqlite3.connect(f"file:{db}?mode=ro", uri=True), sqlite3.connect(scratch_db)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        shutil.copytree(source, scratch / "source" / assignment)
        with Gradebook(f"sqlite:///{scratch_db}") as gb:
            notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
            graded_cells = {nb.name: {c.name: c.max_score for c in gb.find_notebook(nb.name, assignment).grade_cells
                                      if c.cell_type == "code"}
                            for nb in gb.find_assignment(assignment).notebooks}
        if not any(graded_cells.values()):
            return CanaryResult(True, log="aucun test automatique : canaris non joués")
        for name in notebooks:
            instructor = nbformat.read(source / f"{name}.ipynb", as_version=4)
            for student in kinds:
                notebook = instructor if student == RIGHT else _blank(instructor, config)
                folder = scratch / "submitted" / student / assignment
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, folder / f"{name}.ipynb")

        cfg = copy.deepcopy(config)
        cfg.CourseDirectory.root = str(scratch)
        cfg.CourseDirectory.db_url = f"sqlite:///{scratch_db}"
        cfg.CourseDirectory.assignment_id = assignment
        cfg.CourseDirectory.student_id = "*"
        cfg.CourseDirectory.notebook_id = "*"
        cfg.AutogradeBatch.canaries = False
        cfg.AutogradeBatch.check_sandbox = False
        cfg.AutogradeBatch.backup = False
        cfg.AutogradeBatch.summary = False
        cfg.BaseConverter.force = True
        coursedir = CourseDirectory(config=cfg)
        converter = Autograde(coursedir=coursedir, config=cfg)
        converter.log = log.getChild("canaris") if hasattr(log, "getChild") else log
        try:
            converter.start()
        except NbGraderException:
            pass

        problems: list[str] = []
        from .journal import Journal

        journal = Journal(scratch)
        with Gradebook(f"sqlite:///{scratch_db}") as gb:
            for student in kinds:
                expected = "max" if student == RIGHT else 0
                entry = journal.read(assignment, student) or {}
                if entry.get("status") != "corrigé":
                    problems.append(f"la copie {student} n'a pas pu être corrigée "
                                    f"({entry.get('reason') or 'erreur inconnue'})")
                    continue
                if student == RIGHT and entry.get("flags"):
                    problems.append(f"la copie juste est signalée : {'; '.join(entry['flags'])[:300]}")
                for name, cells in graded_cells.items():
                    for cell, maximum in cells.items():
                        grade = gb.find_grade(cell, name, assignment, student)
                        score = grade.auto_score
                        want = maximum if expected == "max" else 0
                        if score != want:
                            problems.append(f"{student} : {cell} vaut {score} au lieu de {want}")
        return CanaryResult(not problems, problems[:8])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
