"""The cohort's summary, question by question, with a chart.

Written by ``nbgrader export`` for each assignment (no command to remember),
or on demand with ``python -m coopdec.correction.bilan 01-histoire`` from the
course folder:

- ``correction/bilans/<assignment>.csv``: one row per question (test cell or
  written answer): points, submissions graded, average, full marks, partial,
  zero, pending manual grading, submissions in grading error;
- ``correction/bilans/<assignment>.png``: the same as stacked horizontal bars
  (share of the cohort per outcome), in the course's chart style.

A submission whose grading failed counts in « erreur de correction », never
as a zero.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .journal import ERROR, IN_PROGRESS, Journal, state_folder

OUTCOMES = ["réussi", "partiel", "échoué", "à noter à la main", "erreur de correction"]
COLOURS = ["#009E73", "#E69F00", "#D55E00", "#56B4E9", "#000000"]


def summarise(db_url: str, course_root: Path, assignment: str) -> list[dict]:
    """One dict per question of ``assignment``, in notebook order."""
    journal = Journal(course_root)
    entries = journal.entries(assignment)
    rows: dict[tuple[str, str], dict] = {}
    with Gradebook(db_url) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            return []
        for notebook in record.notebooks:
            for cell in notebook.grade_cells:
                rows[(notebook.name, cell.name)] = {
                    "notebook": notebook.name, "question": cell.name,
                    "type": "test" if cell.cell_type == "code" else "rédaction",
                    "points": cell.max_score, "copies": 0, "moyenne": 0.0,
                    **{outcome: 0 for outcome in OUTCOMES}}
        for submission in record.submissions:
            failed = entries.get(submission.student.id, {}).get("status") in (ERROR, IN_PROGRESS)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    row = rows[(notebook.name, grade.name)]
                    row["copies"] += 1
                    if failed:
                        row["erreur de correction"] += 1
                        continue
                    if grade.needs_manual_grade:
                        row["à noter à la main"] += 1
                        continue
                    score = grade.score or 0.0
                    row["moyenne"] += score
                    if score >= grade.max_score:
                        row["réussi"] += 1
                    elif score > 0:
                        row["partiel"] += 1
                    else:
                        row["échoué"] += 1
    out = []
    for row in rows.values():
        scored = row["réussi"] + row["partiel"] + row["échoué"]
        row["moyenne"] = round(row["moyenne"] / scored, 2) if scored else ""
        out.append(row)
    return out


def write(db_url: str, course_root: Path, assignment: str) -> tuple[Path, Path] | None:
    """Write the CSV summary and the chart; return their paths (None if nothing was submitted)."""
    rows = summarise(db_url, course_root, assignment)
    if not rows or not any(r["copies"] for r in rows):
        return None
    folder = state_folder(course_root) / "bilans"
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"{assignment}.csv"
    with open(table, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    chart = folder / f"{assignment}.png"
    _chart(rows, assignment, chart)
    return table, chart


def _chart(rows: list[dict], assignment: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from coopdec.style import appliquer_style, mettre_en_forme

    appliquer_style()
    labels = [f"{r['question']} ({r['points']:g} pt)" for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 2))
    left = [0.0] * len(rows)
    for outcome, colour in zip(OUTCOMES, COLOURS):
        shares = [100 * r[outcome] / r["copies"] if r["copies"] else 0 for r in rows][::-1]
        ax.barh(labels, shares, left=left, color=colour, label=outcome)
        left = [a + b for a, b in zip(left, shares)]
    ax.set_xlim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False, fontsize=9)
    copies = max(r["copies"] for r in rows)
    mettre_en_forme(ax, titre=f"{assignment} : résultats de la cohorte par question ({copies} copies)",
                    source=f"Source : carnet de notes nbgrader du cours, {date.today():%d/%m/%Y}",
                    axe_x="Part des copies (%)")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bilan de la cohorte, question par question.")
    parser.add_argument("devoir", nargs="+")
    args = parser.parse_args(argv)
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    coursedir = CourseDirectory(config=PyFileConfigLoader("nbgrader_config.py", path=".").load_config())
    for assignment in args.devoir:
        written = write(coursedir.db_url, Path(coursedir.root), assignment)
        print(f"{assignment} : " + (f"{written[0]} et {written[1]}" if written else "aucune copie"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
