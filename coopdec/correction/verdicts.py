"""Turn the re-check and the scan into gradebook changes the trainer sees in formgrader.

- A test that only passed in the trainee's own interpreter (re-check
  ``suspect``) scores 0 and waits for manual review.
- Suspicious code (scan findings) sends every test that scored to manual
  review, score unchanged: the trainer confirms or corrects it in formgrader
  (entering a manual score clears the review).
- Each reason is written as the automatic comment of the answer cell it
  concerns, and recorded in the journal (:mod:`.journal`).
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry

from .journal import Journal
from .scan import CATEGORIES
from .context import course_root_of

PREFIX = "⚠ À vérifier (correction automatique) : "


def _answer_cells_before(nb) -> dict[str, str]:
    """For each test cell, the answer cell just above it (where comments go)."""
    out, last = {}, None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            last = meta.get("grade_id")
        if meta.get("grade") and not meta.get("solution"):
            out[meta.get("grade_id")] = last
    return out


class ApplyVerdicts(Preprocessor):
    """Write the verdicts of :class:`~.recheck.Recheck` and :class:`~.scan.StudentCodeScan`."""

    def preprocess(self, nb, resources):
        state = resources.setdefault("coopdec", {})
        info = resources["nbgrader"]
        verdicts = state.get("verdicts", {})
        findings = state.get("findings", [])
        answers = _answer_cells_before(nb)
        flags: list[str] = []
        comments: dict[str, list[str]] = {}
        first_answer = next((c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                             if c.metadata.get("nbgrader", {}).get("solution")), None)

        with Gradebook(info["db_url"]) as gb:
            for grade_id, verdict in verdicts.items():
                if verdict["status"] != "suspect":
                    continue
                grade = gb.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
                grade.auto_score = 0
                grade.needs_manual_grade = True
                text = f"{grade_id} mis à 0 : {verdict.get('reason', '')}"
                flags.append(text)
                comments.setdefault(answers.get(grade_id) or first_answer, []).append(text)
            if findings:
                submitted = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
                for grade in submitted.grades:
                    if grade.cell.cell_type == "code" and (grade.auto_score or 0) > 0:
                        grade.needs_manual_grade = True
                for finding in findings:
                    text = (f"code suspect, cellule {finding['cell']} ligne {finding['line']} : "
                            f"{CATEGORIES[finding['category']]} ({finding['detail']})")
                    flags.append(text)
                    target = finding["cell"] if finding["cell"] in answers.values() else first_answer
                    comments.setdefault(target, []).append(text)
            for cell_id, texts in comments.items():
                if cell_id is None:
                    continue
                try:
                    comment = gb.find_comment(cell_id, info["notebook"], info["assignment"], info["student"])
                except MissingEntry:
                    continue
                comment.auto_comment = PREFIX + " ; ".join(texts)
            gb.db.commit()

        for verdict in verdicts.values():
            if verdict["status"] == "unverified":
                self.log.info("%s / %s : %s", info["student"], verdict["grade_id"], verdict.get("reason"))
        state["flags"] = flags
        root = course_root_of(self)
        if root is not None:
            journal = Journal(root)
            entry = journal.read(info["assignment"], info["student"]) or {}
            notebooks = entry.get("notebooks", {})
            notebooks[info["notebook"]] = {
                "verdicts": verdicts, "findings": findings, "flags": flags,
                "scores": {gid: v.get("score") for gid, v in verdicts.items()},
            }
            journal.add_flags(info["assignment"], info["student"], flags)
            journal.update(info["assignment"], info["student"], notebooks=notebooks)
        if flags:
            self.log.warning("À vérifier — %s : %s", info["student"], " ; ".join(flags))
        return nb, resources


__all__ = ["ApplyVerdicts", "utils"]
