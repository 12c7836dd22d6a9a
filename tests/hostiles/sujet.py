"""A tiny assignment of our own, so that the adversarial suite does not depend on course content.

Assignment ``99-hostile``: a locked cell that imports the course's checks, a
single-choice answer (1 point) and a number computed from a data file of the
assignment folder (2 points), each with a visible check from
``coopdec.checks`` and hidden tests that contain the canary string
``SECRET_HIDDEN_TEST``, and a written answer graded by hand (1 point).
"""

from __future__ import annotations

import nbformat

ASSIGNMENT = "99-hostile"
SECRET = "SECRET_HIDDEN_TEST"
AUTO_MAX = 3.0
DATA = "x\n10\n12\n20\n"  # sums to 42


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def _code(source: str, **meta) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = _meta(**meta)
    if meta.get("grade") or meta.get("solution"):
        cell.metadata["tags"] = ["raises-exception"]
    cell.id = meta["grade_id"].replace("_", "-")
    return cell


def _md(source: str, **meta) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["nbgrader"] = _meta(**meta)
    cell.id = meta["grade_id"].replace("_", "-")
    return cell


def instructor_notebook() -> nbformat.NotebookNode:
    """The instructor version (solutions and hidden tests)."""
    from coopdec.checks import empreinte

    choice = empreinte("B", "h1")
    number = empreinte(42.0, "h2", genre="nombre", decimales=1)
    cells = [
        _md("# Devoir témoin de la suite hostile", grade_id="consigne_01", grade=False, solution=False,
            locked=True),
        _code("import pandas as pd\nfrom coopdec.checks import verifier_choix, verifier_nombre",
              grade_id="consigne_02", grade=False, solution=False, locked=True),
        _md("**Exercice 1 (1 point).** Quelle lettre ? A, B, C ou D.", grade_id="consigne_03",
            grade=False, solution=False, locked=True),
        _code('### BEGIN SOLUTION\nreponse_1 = "B"\n### END SOLUTION', grade_id="reponse_1",
              grade=False, solution=True, locked=False),
        _code(f'verifier_choix(reponse_1, "{choice}")\n'
              "### BEGIN HIDDEN TESTS\n"
              f'assert reponse_1.strip().upper() == "B", "{SECRET}"\n'
              "### END HIDDEN TESTS", grade_id="test_1", grade=True, solution=False, locked=True, points=1),
        _md("**Exercice 2 (2 points).** Somme de la colonne `x` de `donnees.csv`.", grade_id="consigne_04",
            grade=False, solution=False, locked=True),
        _code('### BEGIN SOLUTION\nreponse_2 = float(pd.read_csv("donnees.csv")["x"].sum())\n### END SOLUTION',
              grade_id="reponse_2", grade=False, solution=True, locked=False),
        _code(f'verifier_nombre(reponse_2, "{number}", decimales=1)\n'
              "### BEGIN HIDDEN TESTS\n"
              f"assert abs(float(reponse_2) - 42.0) < 0.05  # {SECRET}\n"
              "### END HIDDEN TESTS", grade_id="test_2", grade=True, solution=False, locked=True, points=2),
        _md("**Exercice 3 (1 point).** Expliquez en une phrase.", grade_id="consigne_05", grade=False,
            solution=False, locked=True),
        _md("Une phrase modèle.", grade_id="redaction_3", grade=True, solution=True, locked=False, points=1),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                       "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook
