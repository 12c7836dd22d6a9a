"""nbgrader round trips for every assignment, through nbgrader's own Python API.

For each assignment, in a scratch course folder: the instructor version scores
full marks, the blank student version scores zero without stopping the batch,
a realistic partly wrong submission scores strictly in between with exactly the
expected failures, and feedback is generated. nbgrader's `validate` command
always exits 0, so its verdicts are read through `Validator` instead.
"""

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.validator import Validator

from coopdec.correction.journal import Journal
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir()) \
    if (ROOT / "source").is_dir() else []


def typical_mistakes(assignment: str) -> dict:
    path = ROOT / "tests" / "soumissions" / f"{assignment}.yml"
    assert path.is_file(), f"{path} is missing (see docs/contribuer.md)"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def partly_wrong(assignment: str) -> nbformat.NotebookNode:
    """The instructor version with the typical wrong answers put in."""
    notebook = nbformat.read(ROOT / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = dict(typical_mistakes(assignment)["reponses"])
    for cell in notebook.cells:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id in answers:
            assert cell.metadata["nbgrader"]["solution"], f"{grade_id} is not an answer cell"
            cell.source = answers.pop(grade_id).rstrip("\n")
    assert not answers, f"unknown answer cells: {sorted(answers)}"
    return notebook


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Autograde three submissions of one assignment; return the gradebook's view of them."""
    assignment = request.param
    course = tmp_path_factory.mktemp(assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    config.Exchange.root = str(course / "exchange")
    # The course's hardened grading (coopdec.correction) is on. Its canaries grade the
    # instructor and blank versions before each batch: this round trip does exactly that.
    config.AutogradeBatch.canaries = False
    # Feedback is withheld while written answers wait for the trainer: produce it anyway here.
    config.FeedbackExporter.include_pending = True
    api = NbGraderAPI(config=config)
    assert api.generate_assignment(assignment, force=True)["success"]

    submissions = {
        "complete": nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4),
        "vide": nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4),
        "partielle": partly_wrong(assignment),
    }
    results = {}
    for student, notebook in submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")
    # One batch for the three submissions, as a trainer grades a cohort.
    outcome = api.autograde(assignment, "*", force=True, create=True)
    assert outcome["success"], outcome["log"]
    assert api.generate_feedback(assignment)["success"]
    with Gradebook(config.CourseDirectory.db_url, "coopdec") as gb:
        for student in submissions:
            submission = gb.find_submission(assignment, student)
            (notebook,) = submission.notebooks
            results[student] = {
                "score": submission.score,
                "needs_manual": submission.needs_manual_grade,
                "code_tests": {g.name: (g.auto_score, g.max_score) for g in notebook.grades
                               if g.cell.cell_type == "code"},
                "written": {g.name: g.auto_score for g in notebook.grades if g.cell.cell_type == "markdown"},
                "max_score": submission.max_score,
                "flags": (Journal(course).read(assignment, student) or {}).get("flags", []),
                "code_needs_manual": [g.name for g in notebook.grades
                                      if g.cell.cell_type == "code" and g.needs_manual_grade],
            }
    return assignment, course, results


def test_instructor_version_scores_full_marks(graded):
    _, _, results = graded
    complete = results["complete"]
    assert complete["code_tests"]
    assert all(score == maximum for score, maximum in complete["code_tests"].values()), complete
    assert complete["needs_manual"], "the written answers wait for the trainer"
    # The hardened pipeline (scan, clean re-check) must not suspect the instructor's own answers.
    assert complete["flags"] == [] and complete["code_needs_manual"] == [], complete


def test_honest_wrong_answers_raise_no_flag(graded):
    _, _, results = graded
    for student in ("vide", "partielle"):
        assert results[student]["flags"] == [], (student, results[student]["flags"])


def test_blank_student_version_scores_zero(graded):
    _, _, results = graded
    blank = results["vide"]
    assert blank["score"] == 0
    assert all(score == 0 for score, _ in blank["code_tests"].values())
    assert all(score == 0 for score in blank["written"].values()), "an untouched written answer gets 0"


def test_typical_mistakes_score_in_between_with_the_expected_failures(graded):
    assignment, _, results = graded
    partial = results["partielle"]
    failed = {name for name, (score, maximum) in partial["code_tests"].items() if score < maximum}
    assert failed == set(typical_mistakes(assignment)["echecs_attendus"])
    auto_max = sum(maximum for _, maximum in partial["code_tests"].values())
    assert 0 < partial["score"] < auto_max


def test_feedback_is_generated_for_every_submission(graded):
    assignment, course, _ = graded
    for student in ("complete", "vide", "partielle"):
        page = course / "feedback" / student / assignment / f"{assignment}.html"
        assert page.is_file() and page.stat().st_size > 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validator_verdicts(assignment):
    assert Validator().validate(str(ROOT / "source" / assignment / f"{assignment}.ipynb")) == {}
    assert Validator(invert=True).validate(str(ROOT / "release" / assignment / f"{assignment}.ipynb")) == {}
