"""Feedback that reveals no hidden test and waits for manual grading.

Preprocessors of ``nbgrader generate_feedback`` (see ``nbgrader_config.py``):

- :class:`RedactLeaks`: an output that reproduces part of the hidden tests or
  of the instructor's solutions (whatever the trainee's code printed, or
  tracebacks) is replaced by a notice;
- :class:`SanitizeTestOutputs`: in a test cell, an error shows only the
  French message of the course's checks (written never to reveal the
  answer), or the bare error if it was raised by a visible line; an error
  raised by the hidden tests becomes a generic sentence, without traceback;
  results and displays produced by the hidden part are dropped;
- :class:`HideHiddenTests`: the hidden part of each test cell's source is
  removed;
- :class:`DropInternalComments`: the grader's « à vérifier » notes stay in
  formgrader.

:class:`FeedbackExporter` skips submissions whose manual grading is pending
(written answers, flagged code) unless the trainer asks
(``--FeedbackExporter.include_pending=True``), and
:class:`GuardedReleaseFeedback` does the same when feedback is released to
the exchange.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from traitlets import Bool, Unicode

from .context import course_root_of
from .verdicts import PREFIX

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CELL_LINE = re.compile(r"(?:Cell In\s*\[\d*\]|<ipython-input-[^>]*>|File \"?<[^>]+>\"?)\s*,?\s*line (\d+)")
HIDDEN_FAILED = ("Des vérifications complémentaires (cachées) ne sont pas satisfaites : "
                 "relisez la consigne et vérifiez votre réponse.")
REDACTED = ("[sortie masquée par la correction : elle reproduisait une partie du corrigé ou des tests "
            "cachés]\n")
MIN_FRAGMENT = 12


def _norm(text: str) -> str:
    return " ".join(ANSI.sub("", text).split())


def _blocks(source: str, begin: str, end: str) -> list[str]:
    lines, inside, out = source.splitlines(), False, []
    for line in lines:
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def visible_line_count(source: str, begin: str = "BEGIN HIDDEN TESTS") -> int:
    """Number of lines of a test cell before its hidden part (all lines if it has none)."""
    for number, line in enumerate(source.splitlines(), start=1):
        if begin in line:
            return number - 1
    return len(source.splitlines())


class _Delimiters(Preprocessor):
    begin_hidden = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_hidden = Unicode("END HIDDEN TESTS").tag(config=True)
    begin_solution = Unicode("BEGIN SOLUTION").tag(config=True)
    end_solution = Unicode("END SOLUTION").tag(config=True)


class RedactLeaks(_Delimiters):
    """Replace outputs that reproduce hidden tests or solutions."""

    def _fragments(self, nb, resources) -> list[str]:
        sources = [c.source for c in nb.cells if utils.is_grade(c) and c.cell_type == "code"]
        info = resources.get("nbgrader", {})
        try:
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
                sources += [c.source for c in notebook.source_cells]
        except (KeyError, MissingEntry):
            pass
        solutions = []
        root = course_root_of(self)
        if root is not None:
            path = root / "source" / info.get("assignment", "") / f"{info.get('notebook', '')}.ipynb"
            if path.is_file():
                try:
                    solutions = [c.source for c in nbformat.read(path, as_version=4).cells]
                except Exception:  # noqa: BLE001 - no solution fragments then
                    solutions = []
        fragments = {self.begin_hidden, self.end_hidden, self.begin_solution, self.end_solution,
                     "SQLite format 3"}
        for source in sources:
            fragments.update(_norm(line) for line in _blocks(source, self.begin_hidden, self.end_hidden))
        for source in solutions:
            fragments.update(_norm(line) for line in _blocks(source, self.begin_solution, self.end_solution))
        return sorted(f for f in fragments if len(f.replace(" ", "")) >= MIN_FRAGMENT or f in
                      {self.begin_hidden, self.begin_solution})

    def preprocess(self, nb, resources):
        self.fragments = self._fragments(nb, resources)
        self.redacted = 0
        nb, resources = super().preprocess(nb, resources)
        if self.redacted:
            self.log.warning("%s : %d sortie(s) masquée(s) dans le retour (contenu du corrigé ou des tests "
                             "cachés).", resources.get("nbgrader", {}).get("student"), self.redacted)
        return nb, resources

    def _leaks(self, text: str) -> bool:
        flat = _norm(text)
        return any(fragment in flat for fragment in self.fragments)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                text = output.text
            elif output.output_type == "error":
                text = "\n".join([output.get("evalue", "")] + list(output.get("traceback", [])))
            else:
                text = "\n".join(str(v) for v in output.get("data", {}).values())
            if self._leaks(text):
                self.redacted += 1
                if output.output_type == "error":
                    output.evalue = "[masqué]"
                    output.traceback = [REDACTED.strip()]
                    outputs.append(output)
                else:
                    outputs.append(nbformat.v4.new_output(
                        "stream", name=output.get("name", "stdout") if output.output_type == "stream"
                        else "stdout", text=REDACTED))
            else:
                outputs.append(output)
        cell.outputs = outputs
        return cell, resources


class SanitizeTestOutputs(_Delimiters):
    """In test cells, show what failed without showing the hidden tests."""

    safe_errors = Unicode("ReponseIncorrecte", help="Errors whose message is written for trainees.").tag(
        config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        visible = visible_line_count(cell.source, self.begin_hidden)
        has_hidden = visible < len(cell.source.splitlines())
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                ename, evalue = output.get("ename", ""), output.get("evalue", "")
                lines = [ANSI.sub("", line) for line in output.get("traceback", [])]
                match = next((CELL_LINE.search(line) for line in lines if CELL_LINE.search(line)), None)
                line = int(match.group(1)) if match else None
                if ename in self.safe_errors.split(","):
                    output.traceback = [f"✗ {evalue}"]
                elif line is not None and line <= visible:
                    output.traceback = [f"{ename}: {evalue}" if evalue else ename]
                elif not has_hidden and line is None and ename in ("CellTimeoutError", "KeyboardInterrupt"):
                    output.traceback = [f"{ename}: la cellule a dépassé le temps permis"]
                else:
                    output.ename, output.evalue = "AssertionError", HIDDEN_FAILED
                    output.traceback = [HIDDEN_FAILED]
                outputs.append(output)
            elif output.output_type in ("execute_result", "display_data") and has_hidden:
                continue
            else:
                outputs.append(output)
        cell.outputs = outputs
        return cell, resources


class HideHiddenTests(_Delimiters):
    """Remove the hidden part of each test cell's source."""

    notice = Unicode("# (tests complémentaires masqués)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell) and self.begin_hidden in cell.source:
            kept, inside = [], False
            for line in cell.source.splitlines():
                if self.begin_hidden in line:
                    inside = True
                    kept.append(line[: len(line) - len(line.lstrip())] + self.notice)
                elif self.end_hidden in line:
                    inside = False
                elif not inside:
                    kept.append(line)
            cell.source = "\n".join(kept)
        return cell, resources


class DropInternalComments(Preprocessor):
    """The grader's automatic « à vérifier » notes are for the trainer only."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if isinstance(meta.get("comment"), str) and meta["comment"].startswith(PREFIX):
            meta["comment"] = None
        return cell, resources


def pending_students(db_url: str, assignment: str, students: list[str] | None = None) -> dict[str, int]:
    """Students whose submission of ``assignment`` still waits for manual grading → cells waiting."""
    out: dict[str, int] = {}
    with Gradebook(db_url) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return out
        for submission in submissions:
            if students is not None and submission.student.id not in students:
                continue
            waiting = sum(1 for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade)
            if waiting:
                out[submission.student.id] = waiting
    return out


PENDING_MESSAGE = ("Retour non produit pour {student} ({assignment}) : correction manuelle en attente "
                   "({n} cellule(s)). Terminez-la dans formgrader, ou ajoutez "
                   "--FeedbackExporter.include_pending=True pour le produire quand même.")


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback exporter; skips submissions whose manual grading is pending."""

    include_pending = Bool(False, help="Also produce feedback for submissions still to grade by hand.").tag(
        config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        converter = self.parent
        if converter is None or not hasattr(converter, "assignments") or self.include_pending:
            return
        coursedir = converter.coursedir
        regexp = converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True)
        by_assignment: dict[str, list[tuple[str, str]]] = {}
        for folder in list(converter.assignments):
            m = re.match(regexp, folder)
            if m:
                by_assignment.setdefault(m.group("assignment_id"), []).append((folder, m.group("student_id")))
        for assignment, entries in by_assignment.items():
            pending = pending_students(coursedir.db_url, assignment, [s for _, s in entries])
            for folder, student in entries:
                if student in pending:
                    del converter.assignments[folder]
                    old = Path(coursedir.format_path(coursedir.feedback_directory, student, assignment))
                    if old.exists():
                        shutil.rmtree(old, ignore_errors=True)
                    self.log.warning(PENDING_MESSAGE.format(student=student, assignment=assignment,
                                                            n=pending[student]))
        if not converter.assignments:
            self.log.warning("Aucun retour à produire : toutes les copies attendent encore une correction "
                             "manuelle.")


class GuardedReleaseFeedback(ExchangeReleaseFeedback):
    """``nbgrader release_feedback`` that does not publish feedback of submissions still to grade."""

    include_pending = Bool(False, help="Also release feedback of submissions still to grade by hand.").tag(
        config=True)

    def copy_files(self):
        if not self.include_pending:
            pending = pending_students(self.coursedir.db_url, self.coursedir.assignment_id)
            if pending:
                for student, n in sorted(pending.items()):
                    self.log.warning(PENDING_MESSAGE.replace("--FeedbackExporter", "--GuardedReleaseFeedback")
                                     .format(student=student, assignment=self.coursedir.assignment_id, n=n))
                excluded = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
                self.coursedir.student_id_exclude = ",".join(sorted(excluded | set(pending)))
        return super().copy_files()
