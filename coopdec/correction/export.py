"""``nbgrader export`` that tells a real 0 from a grading error and from pending manual grading.

nbgrader's CSV gives 0.0 both to a submission that scored nothing and to one
whose grading failed, and does not say which scores still wait for manual
grading. This plugin (``c.ExportApp.plugin_class``) writes the same columns
plus:

- ``statut``: « noté », « correction manuelle en attente », « erreur de
  correction », « à corriger » (submitted or resubmitted, not graded yet),
  « non rendu », « refusé »;
- ``remarques``: why (error reason, flags for the trainer, lateness).

It also writes the cohort's per-question summary and chart (:mod:`.bilan`).

The ``score`` of an « erreur de correction » is left empty, never 0.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins.export import ExportPlugin

from . import ids
from .journal import ERROR, GRADED, IN_PROGRESS, REFUSED, Journal, fingerprint

GRADED_LABEL = "noté"
PENDING = "correction manuelle en attente"
FAILED = "erreur de correction"
TO_GRADE = "à corriger"
MISSING = "non rendu"
REFUSED_LABEL = "refusé"

COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
           "raw_score", "late_submission_penalty", "score", "max_score", "statut", "remarques"]


def _late(seconds: float) -> str:
    hours = seconds / 3600
    return f"rendu en retard de {hours:.1f} h" if hours >= 1 else f"rendu en retard de {seconds / 60:.0f} min"


def status_of(gradebook, coursedir, journal: Journal, assignment: str, student: str) -> dict:
    """Status, scores and remarks of one student's submission of one assignment."""
    entry = journal.read(assignment, student) or {}
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    row = {"timestamp": "", "raw_score": "", "late_submission_penalty": "", "score": ""}
    remarks = list(entry.get("flags", []))
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        submission = None
    if submission is not None:
        penalty = submission.late_submission_penalty or 0.0
        row.update(timestamp=submission.timestamp or "", raw_score=submission.score,
                   late_submission_penalty=penalty, score=max(0.0, submission.score - penalty))
        if submission.total_seconds_late:
            remarks.append(_late(submission.total_seconds_late))

    state = entry.get("status")
    refused = ids.problem(student, ids.STUDENT)
    if refused:
        status = REFUSED_LABEL
        remarks.insert(0, refused)
        row["score"] = ""
    elif state == REFUSED:
        status = REFUSED_LABEL
        remarks.insert(0, entry.get("reason") or "")
    elif state in (ERROR, IN_PROGRESS):
        status = FAILED
        remarks.insert(0, entry.get("reason") or "correction interrompue")
        row["score"] = ""
    elif state == GRADED and submitted.is_dir() and entry.get("fingerprint") not in (None, fingerprint(submitted)):
        status = TO_GRADE
        remarks.insert(0, "nouvelle soumission collectée depuis la dernière correction")
    elif submission is None:
        if submitted.is_dir():
            status = TO_GRADE
            row["score"] = ""
        else:
            status = MISSING
            row.update(raw_score=0.0, late_submission_penalty=0.0, score=0.0)
    elif submission.needs_manual_grade:
        waiting = sum(1 for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade)
        status = PENDING
        remarks.insert(0, f"{waiting} cellule(s) à noter à la main (note provisoire)")
    else:
        status = GRADED_LABEL
    row["statut"] = status
    row["remarques"] = " | ".join(r for r in remarks if r)
    return row


class CoopdecExport(ExportPlugin):
    """CSV export with a status column (see the module docstring)."""

    def export(self, gradebook) -> None:
        dest = self.to or "grades.csv"
        coursedir = self.parent.coursedir
        journal = Journal(Path(coursedir.root))
        students = [str(s) for s in self.student]
        assignments = [str(a) for a in self.assignment]
        self.log.info("Export des notes vers %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            known = {student.id: student for student in gradebook.students}
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                # trainees whose grading stopped before nbgrader registered them are listed too
                ids = set(known) | set(journal.entries(assignment.name))
                submitted = Path(coursedir.format_path(coursedir.submitted_directory, "*", assignment.name))
                ids |= {p.parent.name for p in submitted.parent.parent.glob(f"*/{assignment.name}")}
                for student_id in sorted(ids):
                    if students and student_id not in students:
                        continue
                    student = known.get(student_id)
                    row = {"assignment": assignment.name, "duedate": assignment.duedate or "",
                           "student_id": student_id,
                           "last_name": (student.last_name if student else "") or "",
                           "first_name": (student.first_name if student else "") or "",
                           "email": (student.email if student else "") or "",
                           "max_score": assignment.max_score}
                    row.update(status_of(gradebook, coursedir, journal, assignment.name, student_id))
                    writer.writerow(row)
        from .bilan import write as write_summary

        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            written = write_summary(coursedir.db_url, Path(coursedir.root), assignment.name)
            if written:
                self.log.info("Bilan de la cohorte : %s et %s", *written)
