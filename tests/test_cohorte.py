"""A cohort of 30 trainees on a real assignment of the course, from release to export.

The trainer imports the students (French display names), releases the
assignment through the exchange; 28 trainees fetch it, answer (right,
partly right with the typical wrong answers of ``tests/soumissions/``, wrong,
blank, broken) and submit; 2 never submit. The trainer collects, autogrades
with the course's parallel command (two ``nbgrader autograde`` batches side
by side, :mod:`coopdec.correction.parallele`), grades most written answers
by hand, generates and releases feedback, and exports. The export tells « 0 » from « erreur de correction »
and from « correction manuelle en attente »; the cohort's per-question
summary and chart are written.
"""

from __future__ import annotations

import copy
import csv
import re
import sqlite3
import subprocess
import time

import nbformat
import pytest
import yaml

from tests.hostiles import cours
from tests.hostiles.cours import ROOT, nbgrader
from tests.test_soumissions_hostiles import student_command

CANDIDATES = ["01-histoire", "00-bienvenue"]
ASSIGNMENT = next((a for a in CANDIDATES if (ROOT / "source" / a).is_dir()
                   and (ROOT / "tests" / "soumissions" / f"{a}.yml").is_file()), None)

FIRST_NAMES = ["Élodie", "Jérôme", "Françoise", "Loïc", "Anaïs", "Théo", "Maëlle", "Noël", "Chloé", "Grégoire"]
KINDS = (["juste"] * 9 + ["partielle"] * 6 + ["fausse"] * 6 + ["vide"] * 4 + ["json-casse"]
         + ["noyau-tue"] + ["renommee"] + ["absent"] * 2)
assert len(KINDS) == 30


def typical(assignment: str) -> dict:
    return yaml.safe_load((ROOT / "tests" / "soumissions" / f"{assignment}.yml").read_text(encoding="utf-8"))


def answered(kind: str, instructor, blank, mistakes: dict):
    if kind in ("juste", "renommee"):
        return copy.deepcopy(instructor)
    notebook = copy.deepcopy(blank if kind in ("vide", "fausse") else instructor)
    if kind in ("partielle", "fausse"):
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in mistakes["reponses"]:
                cell.source = mistakes["reponses"][grade_id].rstrip("\n")
    if kind == "noyau-tue":
        first = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")
                     and c.cell_type == "code")
        first.source += "\nimport os\nos._exit(1)"
    return notebook


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    if ASSIGNMENT is None:
        pytest.skip("aucun devoir du cours avec ses réponses fausses typiques (tests/soumissions/) : "
                    "la simulation de cohorte attend 01-histoire ou 00-bienvenue")
    cours.sandbox_or_skip()
    started = time.monotonic()
    a = ASSIGNMENT
    course = cours.new_course(tmp_path_factory.mktemp("cohorte") / "cours", {a: ROOT / "source" / a})
    students = [f"stagiaire-{i:02d}" for i in range(1, 31)]
    with open(course / "stagiaires.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for i, student in enumerate(students):
            writer.writerow([student, FIRST_NAMES[i % 10], f"Dupré-{i:02d}", f"{student}@example.org"])
    nbgrader(course, "db", "student", "import", "stagiaires.csv", check=True)
    (course / "exchange").mkdir(mode=0o777)
    nbgrader(course, "release_assignment", a, check=True)

    instructor, blank = cours.instructor(course, a), cours.release(course, a)
    mistakes = typical(a)
    kinds = dict(zip(students, KINDS))
    for student, kind in kinds.items():
        if kind == "absent":
            continue
        student_command(course, student, "fetch", assignment=a)
        home = course.parent / "stagiaires" / student / a
        notebook = answered(kind, instructor, blank, mistakes)
        if kind == "json-casse":
            text = nbformat.writes(notebook)
            (home / f"{a}.ipynb").write_text(text[: len(text) // 2])
            student_command(course, student, "submit", assignment=a)
        elif kind == "renommee":
            (home / f"{a}.ipynb").rename(home / f"{a}-Copy1.ipynb")
            nbformat.write(notebook, home / f"{a}-Copy1.ipynb")
            student_command(course, student, "submit", assignment=a)
        else:
            student_command(course, student, "submit", notebook, assignment=a)
    submitted_at = time.monotonic()

    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.ExchangeCollect.check_owner = False  # one Unix user plays every trainee here
    api = NbGraderAPI(config=config)
    assert api.collect(a)["success"]

    # The course's parallel grading: two ordinary nbgrader batches side by side, on one gradebook.
    grading = subprocess.run([str(cours.BIN / "python"), "-m", "coopdec.correction.parallele", a,
                              "--processus=2"], cwd=course, env=cours.environment(), capture_output=True,
                             text=True, timeout=3000)
    graded_at = time.monotonic()
    connection = sqlite3.connect(course / "gradebook.db")
    integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    connection.close()

    # The trainer grades the written answers in formgrader, except for two copies.
    from nbgrader.api import Gradebook

    left_pending = {s for s, k in kinds.items() if k == "juste"}
    left_pending = set(sorted(left_pending)[:2])
    with Gradebook(config.CourseDirectory.db_url) as gb:
        for submission in gb.find_assignment(a).submissions:
            if submission.student.id in left_pending:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "markdown" and grade.needs_manual_grade:
                        grade.manual_score = grade.max_score if kinds[submission.student.id] == "juste" else 0
                        grade.needs_manual_grade = False
        gb.db.commit()

    feedback = api.generate_feedback(a)
    released = api.release_feedback(a)
    export = cours.export(course)
    finished = time.monotonic()
    return {
        "course": course, "kinds": kinds, "pending": left_pending, "log": grading.stdout + grading.stderr,
        "returncode": grading.returncode, "integrity": integrity,
        "results": cours.results(course, a), "export": export, "mistakes": mistakes,
        "feedback_log": feedback.get("log", ""), "release_log": released.get("log", ""),
        "seconds": {"préparation et soumissions": submitted_at - started,
                    "collecte et correction": graded_at - submitted_at, "total": finished - started},
    }


def _by_kind(cohort, kind):
    return [s for s, k in cohort["kinds"].items() if k == kind]


def test_scores_follow_what_each_trainee_did(cohort):
    from nbgrader.api import Gradebook

    results, a = cohort["results"], ASSIGNMENT
    with Gradebook(f"sqlite:///{cohort['course'] / 'gradebook.db'}") as gb:
        auto_max = sum(c.max_score for nb in gb.find_assignment(a).notebooks for c in nb.grade_cells
                       if c.cell_type == "code")
    for student in _by_kind(cohort, "juste") + _by_kind(cohort, "renommee"):
        assert results[student]["auto"] == auto_max, student
    expected_failures = set(cohort["mistakes"]["echecs_attendus"])
    for student in _by_kind(cohort, "partielle"):
        cells = results[student]["cells"]
        failed = {name for name, (auto, _, _) in cells.items() if auto is not None and name.startswith("test")
                  and auto == 0}
        assert failed == expected_failures, student
        assert 0 < results[student]["auto"] < auto_max
    for student in _by_kind(cohort, "fausse") + _by_kind(cohort, "vide"):
        assert results[student]["auto"] == 0, student
    print("\nDurées de la simulation (s) :", {k: round(v, 1) for k, v in cohort["seconds"].items()})


def test_export_tells_zero_from_errors_and_pending_grading(cohort):
    export, a = cohort["export"], ASSIGNMENT
    status = {student: export[(a, student)]["statut"] for student in cohort["kinds"]}
    for student in _by_kind(cohort, "json-casse") + _by_kind(cohort, "noyau-tue"):
        assert status[student] == "erreur de correction" and export[(a, student)]["score"] == ""
    for student in _by_kind(cohort, "absent"):
        assert status[student] == "non rendu" and float(export[(a, student)]["score"]) == 0.0
    for student in _by_kind(cohort, "vide") + _by_kind(cohort, "fausse"):
        assert status[student] == "noté" and float(export[(a, student)]["score"]) == 0.0
    for student in cohort["pending"]:
        assert status[student] == "correction manuelle en attente"
    graded = set(_by_kind(cohort, "juste") + _by_kind(cohort, "renommee") + _by_kind(cohort, "partielle"))
    for student in graded - cohort["pending"]:
        assert status[student] == "noté", (student, export[(a, student)]["remarques"])
    renamed = _by_kind(cohort, "renommee")[0]
    assert "notebook renommé" in export[(a, renamed)]["remarques"]
    assert export[(a, "stagiaire-01")]["first_name"] == "Élodie"


def test_feedback_is_released_only_when_grading_is_complete(cohort):
    course, a = cohort["course"], ASSIGNMENT
    outbound = course / "exchange" / "coopdec" / "feedback"
    released = list(outbound.glob("*.html"))
    complete = [s for s, k in cohort["kinds"].items()
                if k in ("juste", "renommee", "partielle", "fausse", "vide") and s not in cohort["pending"]]
    assert len(released) == len(complete)
    for student in cohort["pending"]:
        assert not (course / "feedback" / student).exists()
        assert student in cohort["feedback_log"]
    for page in released:
        text = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "HIDDEN TESTS" not in text
    # a trainee fetches their feedback
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    from tests.test_soumissions_hostiles import _student_config

    student = complete[0]
    home = course.parent / "stagiaires" / student
    config = _student_config(course, student, home)
    config.CourseDirectory.assignment_id = a
    ExchangeFactory(config=config).FetchFeedback(
        coursedir=CourseDirectory(config=config), authenticator=Authenticator(config=config), config=config).start()
    assert list((home / a / "feedback").rglob("*.html"))


def test_cohort_summary_and_chart(cohort):
    folder = cohort["course"] / "correction" / "bilans"
    with open(folder / f"{ASSIGNMENT}.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"question", "points", "copies", "moyenne", "réussi", "échoué", "erreur de correction",
                     "à noter à la main"} <= set(rows[0])
    submitted = sum(1 for k in cohort["kinds"].values() if k != "absent")
    for row in rows:
        assert int(row["copies"]) == submitted
        outcomes = sum(int(row[k]) for k in ("réussi", "partiel", "échoué", "à noter à la main",
                                             "erreur de correction"))
        assert outcomes == submitted
        assert int(row["erreur de correction"]) == 2
    chart = folder / f"{ASSIGNMENT}.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


def test_two_parallel_batches_graded_each_canary_once_and_kept_one_sound_gradebook(cohort):
    log = cohort["log"]
    assert "2 lot(s) en parallèle" in log and "[lot 1]" in log and "[lot 2]" in log, log[-3000:]
    # Each canary graded once in all, by whichever batch took it first; the batches share the verdicts.
    graded_canaries = [kind for line in log.splitlines() if "notés comme prévu" in line
                       for kind in re.findall(r"canari-\w+", line.split("notés comme prévu", 1)[1])]
    assert sorted(graded_canaries) == ["canari-faux", "canari-juste"], log[-3000:]
    assert cohort["returncode"] == 1, "two copies could not be graded (broken JSON, killed kernel)"
    assert "terminé(s) en erreur" in log
    assert cohort["integrity"] == "ok"
    # Each batch accounts for its own share only: the other batch's copies are neither counted
    # nor marked « correction interrompue » when this batch ends first.
    summaries = re.findall(r"\[lot \d\] .*Bilan du lot : (\d+) corrigée\(s\), dont \d+ à vérifier ; "
                           r"(\d+) erreur\(s\)", log)
    assert len(summaries) == 2, log[-3000:]
    collected = sum(1 for k in cohort["kinds"].values() if k != "absent")
    assert sum(int(g) + int(e) for g, e in summaries) == collected
    assert sum(int(e) for _, e in summaries) == 2
    graded = {s for s, k in cohort["kinds"].items() if k not in ("absent", "json-casse", "noyau-tue")}
    assert graded <= set(cohort["results"]), "every gradable copy is in the gradebook"
    assert all(auto is not None for s in graded for auto, _, _ in
               (v for name, v in cohort["results"][s]["cells"].items() if name.startswith("test"))), \
        "no automatic score lost between the two batches"
