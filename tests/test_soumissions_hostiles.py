"""Adversarial submissions, graded by plain ``nbgrader`` commands with the course's configuration.

One batch grades every case of ``tests/hostiles/cas.py`` (one per row of the
attack matrix of ``autograde-hardening.md`` §1 that applies, plus a renamed
notebook and refused ids) together with an ordinary right submission, in two
parallel ``nbgrader autograde`` processes, as a trainer would. Each case
asserts its score or its flag, that the batch went on, and that the gradebook
is intact. Separate tests cover what needs its own batch: a failed ``--force``
re-run, a batch killed half-way, gradebook backups, a sandbox that cannot run,
canaries, and collection (resubmission, late and forged timestamps, ids and
owners).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import nbformat
import pytest

from tests.hostiles import cas, cours, sujet
from tests.hostiles.cours import nbgrader

A = sujet.ASSIGNMENT
TIMEOUT = "--Execute.timeout=10"


@pytest.fixture(scope="module")
def sandbox_report():
    return cours.sandbox_or_skip()


def _course(folder: Path) -> Path:
    return cours.new_course(folder, {A: sujet.instructor_notebook()}, {A: {"donnees.csv": sujet.DATA}})


class Listener:
    """A TCP server on the grader's loopback that counts connections."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.hits = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
                self.hits += 1
                conn.close()
            except OSError:
                continue

    def close(self):
        self.stop.set()
        self.server.close()


@pytest.fixture(scope="module")
def batch(sandbox_report, tmp_path_factory):
    """Every adversarial case graded in one batch split over two parallel nbgrader processes."""
    course = _course(tmp_path_factory.mktemp("hostile"))
    blank = cours.release(course, A)
    listener = Listener()
    for case in cas.CASES + [cas.CONTROL]:
        cours.submit_file(course, case.student, A, case.build(blank, listener.port), case.filename)
    right = cas.CONTROL.build(blank)
    for student in cas.BAD_IDS:
        cours.submit_file(course, student, A, right)
    before = cours.gradebook_snapshot(course)
    submitted_before = cours.tree_digest(course / "submitted")

    args = ["autograde", A, TIMEOUT, "--AutogradeBatch.canary_ttl=3600"]
    env = cours.environment()
    processes = [subprocess.Popen([str(cours.BIN / "nbgrader"), *args, f"--student={glob}"], cwd=course, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for glob in ("[a-k]*", "[!a-k]*")]
    logs = [p.communicate(timeout=1800)[0] for p in processes]
    listener.close()

    feedback_default = nbgrader(course, "generate_feedback", A)
    pending_without_feedback = {s for s in os.listdir(course / "autograded")
                                if not (course / "feedback" / s / A).exists()}
    nbgrader(course, "generate_feedback", A, "--force", "--FeedbackExporter.include_pending=True", check=True)
    return {
        "course": course,
        "returncodes": [p.returncode for p in processes],
        "log": "\n".join(logs),
        "results": cours.results(course, A),
        "export": cours.export(course),
        "before": before,
        "after": cours.gradebook_snapshot(course),
        "submitted_before": submitted_before,
        "hits": listener.hits,
        "feedback_default_log": feedback_default.stdout,
        "without_feedback": pending_without_feedback,
    }


def _texts(course: Path, student: str) -> tuple[str, str]:
    """What the trainee's cells printed in the autograded notebook, and the whole feedback page.

    (Tracebacks of test cells legitimately show hidden tests to the trainer in the
    autograded notebook; the feedback page, which the trainee gets, is checked whole.)
    """
    path = course / "autograded" / student / A / f"{A}.ipynb"
    outputs = []
    if path.exists():
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            for output in cell.get("outputs", []):
                outputs.append(json.dumps(output, ensure_ascii=False))
    feedback = cours.notebook_text(course / "feedback" / student / A / f"{A}.html")
    return "\n".join(outputs), feedback


@pytest.mark.parametrize("case", cas.CASES + [cas.CONTROL], ids=lambda c: f"ligne-{c.row}-{c.student}")
def test_case_is_scored_or_flagged_as_expected(batch, case):
    course = batch["course"]
    row = batch["export"][(A, case.student)]
    entry = cours.journal(course, A, case.student)
    assert row["statut"] == case.status, (row, entry.get("reason"))
    if case.score is None:
        assert entry["status"] == "erreur" and entry["reason"]
        assert row["score"] == "", "a grading error is never exported as 0"
        assert not (course / "autograded" / case.student / A).exists()
        cells = batch["results"].get(case.student, {}).get("cells", {})
        assert all(auto is None for auto, _, _ in cells.values()), "no automatic score survives an error"
    else:
        assert entry["status"] == "corrigé"
        assert batch["results"][case.student]["auto"] == case.score
    flags = " | ".join(entry.get("flags", []))
    for expected in case.flags:
        assert expected in flags, f"{case.student}: « {expected} » absent de {flags!r}"
    if not case.flags and case.status != cas.FAILED:
        assert not entry.get("flags"), entry.get("flags")


@pytest.mark.parametrize("case", [c for c in cas.CASES if c.outputs_absent or c.outputs_present],
                         ids=lambda c: f"ligne-{c.row}-{c.student}")
def test_what_the_code_printed(batch, case):
    autograded, feedback = _texts(batch["course"], case.student)
    for text in case.outputs_present:
        assert text in autograded
    for text in case.outputs_absent:
        if text != sujet.SECRET or case.student != "espion-tests":  # the spy's own outputs are redacted later
            assert text not in autograded, f"« {text} » dans les sorties de {case.student}"
        assert text not in feedback, f"« {text} » dans le retour de {case.student}"


def test_the_batch_went_on_and_the_gradebook_is_intact(batch):
    course = batch["course"]
    assert batch["returncodes"] == [1, 1] or sorted(batch["returncodes"]) == [0, 1], \
        "nbgrader exits 1 when a submission failed (os-exit, boucle-tetue, json-casse)"
    for case in cas.CASES + [cas.CONTROL]:
        assert cours.journal(course, A, case.student).get("status") in ("corrigé", "erreur")
    assert batch["after"]["cells"] == batch["before"]["cells"], "instructor cells and points unchanged"
    names = [first for _, first, _ in batch["after"]["students"]]
    assert "PWNED" not in names
    assert all(manual != 100 for r in batch["results"].values() for _, manual, _ in r["cells"].values())
    # nothing submitted was deleted or changed (the renamed notebook was only copied)
    after = cours.tree_digest(course / "submitted")
    assert all(after.get(path) == digest for path, digest in batch["submitted_before"].items())
    assert set(after) - set(batch["submitted_before"]) == {f"renomme/{A}/{A}.ipynb"}


def test_refused_ids_are_explained_and_not_graded(batch):
    course = batch["course"]
    for student in cas.BAD_IDS:
        assert f"identifiant de stagiaire refusé : « {student} »" in batch["log"]
        assert student not in batch["results"]
        assert not (course / "autograded" / student).exists()


def test_the_grader_network_was_never_reached(batch):
    assert batch["hits"] == 0


def test_outputs_are_bounded(batch):
    path = batch["course"] / "autograded" / "sortie-enorme" / A / f"{A}.ipynb"
    assert path.stat().st_size < 1_000_000
    assert "sortie tronquée par la correction" in path.read_text(encoding="utf-8")


def test_feedback_waits_for_manual_grading_and_never_shows_hidden_tests(batch):
    course = batch["course"]
    pending = {c.student for c in cas.CASES if c.status == cas.PENDING}
    assert pending <= batch["without_feedback"], "no feedback while manual grading is pending"
    assert "correction manuelle en attente" in batch["feedback_default_log"]
    for case in cas.CASES + [cas.CONTROL]:
        _, feedback = _texts(course, case.student)
        if case.status == cas.FAILED:
            assert not feedback
            continue
        assert feedback, case.student
        # (not « HIDDEN » alone: a trainee's own code may contain it, as lire-source's does)
        for forbidden in (sujet.SECRET, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "LEAK True", "⚠ À vérifier"):
            assert forbidden not in feedback, (case.student, forbidden)
    _, verif = _texts(course, "verif-patchee")
    assert "tests complémentaires masqués" in verif


def test_feedback_tracebacks_keep_only_safe_messages(batch):
    _, feedback = _texts(batch["course"], "test-modifie")
    assert "n&#39;est pas la bonne réponse" in feedback or "n'est pas la bonne réponse" in feedback
    assert "reponse_1.strip().upper()" not in feedback


# ---------------------------------------------------------------------------
# Separate batches (through nbgrader's Python API, as formgrader's buttons do)
# ---------------------------------------------------------------------------

def test_failed_force_rerun_leaves_no_stale_score(sandbox_report, tmp_path):
    course = _course(tmp_path / "cours")
    blank = cours.release(course, A)
    cours.submit_file(course, "alex", A, cas.CONTROL.build(blank))
    assert cours.grade(course, A)["success"]
    assert cours.results(course, A)["alex"]["auto"] == 3.0
    broken = cas.Case("alex", "8", "", {"reponse_1": cas.OS_EXIT, "reponse_2": cas.RIGHT_2}).build(blank)
    cours.submit_file(course, "alex", A, broken)
    rerun = cours.grade(course, A, force=True)
    assert not rerun["success"]
    cells = cours.results(course, A)["alex"]["cells"]
    assert all(auto is None for auto, _, _ in cells.values()), cells
    row = cours.export_api(course)[(A, "alex")]
    assert row["statut"] == "erreur de correction" and row["score"] == ""
    assert "noyau Python s'est arrêté" in row["remarques"]


def test_a_batch_killed_half_way_is_completed_by_a_rerun(sandbox_report, tmp_path):
    course = _course(tmp_path / "cours")
    blank = cours.release(course, A)
    slow = 'import time\ntime.sleep(6)\nreponse_1 = "B"'
    for student, answers in (("a-rapide", {"reponse_1": cas.RIGHT_1, "reponse_2": cas.RIGHT_2}),
                             ("b-lent", {"reponse_1": slow, "reponse_2": cas.RIGHT_2}),
                             ("c-suivant", {"reponse_1": cas.WRONG_1, "reponse_2": cas.RIGHT_2})):
        cours.submit_file(course, student, A, cas.Case(student, "", "", answers).build(blank))
    process = subprocess.Popen([str(cours.BIN / "nbgrader"), "autograde", A, "--AutogradeBatch.canaries=False"],
                               cwd=course, env=cours.environment(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if cours.journal(course, A, "b-lent").get("status") == "en cours":
            break
        assert process.poll() is None, "the batch ended before it could be interrupted"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert cours.journal(course, A, "a-rapide")["status"] == "corrigé"
    assert cours.journal(course, A, "b-lent")["status"] == "en cours"
    first_start = cours.journal(course, A, "a-rapide")["started"]
    assert cours.export_api(course)[(A, "b-lent")]["statut"] == "erreur de correction"

    assert cours.grade(course, A, force=False)["success"]
    results = cours.results(course, A)
    assert {s: r["auto"] for s, r in results.items()} == {"a-rapide": 3.0, "b-lent": 3.0, "c-suivant": 2.0}
    assert cours.journal(course, A, "a-rapide")["started"] == first_start, "finished work is not redone"
    assert {r["statut"] for r in cours.export_api(course).values()} == {"noté"}


def test_gradebook_is_backed_up_before_each_batch_and_restorable(sandbox_report, tmp_path):
    course = _course(tmp_path / "cours")
    cours.submit_file(course, "alex", A, cas.CONTROL.build(cours.release(course, A)))
    assert cours.grade(course, A)["success"]
    assert cours.grade(course, A, force=True)["success"]
    backups = sorted((course / "correction" / "sauvegardes").glob("gradebook-*.db"))
    assert len(backups) == 2
    good = cours.results(course, A)["alex"]
    import sqlite3

    con = sqlite3.connect(course / "gradebook.db")
    con.execute("UPDATE grade SET manual_score = 0")
    con.execute("UPDATE student SET first_name = 'abîmé'")
    con.commit()
    con.close()
    subprocess.run([str(cours.BIN / "python"), "-m", "coopdec.correction.backup", "restaurer", str(backups[-1])],
                   cwd=course, env=cours.environment(), check=True, capture_output=True)
    restored = cours.results(course, A)["alex"]
    assert restored["cells"] == good["cells"] and restored["score"] == good["score"]
    undo = sorted((course / "correction" / "sauvegardes").glob("*avant-restauration*.db"))
    assert len(undo) == 1, "the replaced gradebook is kept to undo the restore"


def test_without_sandbox_grading_refuses_unless_the_trainer_opts_out(sandbox_report, tmp_path, monkeypatch):
    course = _course(tmp_path / "cours")
    cours.submit_file(course, "alex", A, cas.CONTROL.build(cours.release(course, A)))
    missing = {"GradingSandbox.bwrap": str(tmp_path / "pas-de-bwrap")}
    refused = cours.grade(course, A, **missing)
    assert not refused["success"]
    assert "bubblewrap (bwrap) n'est pas installé" in refused["log"]
    assert "La correction ne démarre pas sans protection" in refused["log"]
    assert cours.journal(course, A, "alex") == {} and not (course / "autograded").exists()
    # the explicit opt-out: COOPDEC_SANS_BAC_A_SABLE=1 (read by nbgrader_config.py)
    monkeypatch.setenv("COOPDEC_SANS_BAC_A_SABLE", "1")
    opted_out = cours.grade(course, A, **missing)
    assert opted_out["success"], opted_out.get("log")
    assert "bac à sable désactivé" in opted_out["log"]
    assert cours.results(course, A)["alex"]["auto"] == 3.0


def test_canaries_stop_a_batch_that_would_grade_everyone_zero(sandbox_report, tmp_path):
    course = _course(tmp_path / "cours")
    cours.submit_file(course, "alex", A, cas.CONTROL.build(cours.release(course, A)))
    # A memory limit too low for the course's libraries (pandas cannot even be imported): without
    # the canaries, everyone would get 0. (A time limit is no good here: it depends on the machine.)
    stopped = cours.grade(course, A, **{"AutogradeBatch.canaries": True,
                                        "GradingSandbox.memory_bytes": 120_000_000})
    assert not stopped["success"]
    assert "les copies témoins (canaris) ne sont pas notées comme prévu" in stopped["log"]
    assert "Aucune note n'a été modifiée" in stopped["log"]
    assert not (course / "autograded" / "alex").exists()
    assert cours.journal(course, A, "alex") == {}


def test_a_failed_canary_stops_every_parallel_batch(sandbox_report, tmp_path):
    # make corriger: each batch grades one canary at the same time. The blank canary still gets
    # its 0 under this misconfiguration; the instructor's fails. The batch that graded the blank
    # one must wait for the other's verdict, grade the failed canary itself and stop as well.
    course = _course(tmp_path / "cours")
    for student in ("alex", "bea"):
        cours.submit_file(course, student, A, cas.CONTROL.build(cours.release(course, A)))
    run = subprocess.run([str(cours.BIN / "python"), "-m", "coopdec.correction.parallele", A, "--processus=2",
                          "--GradingSandbox.memory_bytes=120000000"], cwd=course, env=cours.environment(),
                         capture_output=True, text=True, timeout=900)
    log = run.stdout + run.stderr
    assert run.returncode == 1, log[-3000:]
    for batch in ("[lot 1]", "[lot 2]"):
        assert any(batch in line and "les copies témoins (canaris) ne sont pas notées comme prévu" in line
                   for line in log.splitlines()), log[-3000:]
    assert not (course / "autograded").exists()
    assert cours.journal(course, A, "alex") == {} and cours.journal(course, A, "bea") == {}


# ---------------------------------------------------------------------------
# Collection: resubmission, late and forged timestamps, ids and owners
# ---------------------------------------------------------------------------

def _student_config(course: Path, student: str, home: Path):
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.course_id = "coopdec"
    config.CourseDirectory.student_id = student
    config.Exchange.root = str(course / "exchange")
    config.Exchange.assignment_dir = str(home)
    return config


def student_command(course: Path, student: str, action: str, notebook=None, assignment: str = A) -> None:
    """Fetch or submit ``assignment`` as ``student`` through nbgrader's exchange, in this process."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeFactory

    home = course.parent / "stagiaires" / student
    home.mkdir(parents=True, exist_ok=True)
    config = _student_config(course, student, home)
    config.CourseDirectory.assignment_id = assignment
    factory = ExchangeFactory(config=config)
    coursedir = CourseDirectory(config=config)
    auth = Authenticator(config=config)
    if action == "fetch":
        factory.FetchAssignment(coursedir=coursedir, authenticator=auth, config=config).start()
    else:
        if notebook is not None:
            nbformat.write(notebook, home / assignment / f"{assignment}.ipynb")
        factory.Submit(coursedir=coursedir, authenticator=auth, config=config).start()


def collect(course: Path, check_owner: bool = False) -> dict:
    """``nbgrader collect`` through the API (formgrader's « Collect » button)."""
    return cours.api(course, **{"ExchangeCollect.check_owner": check_owner}).collect(A)


def _inbound(course: Path, student: str) -> list[Path]:
    return sorted((course / "exchange" / "coopdec" / "inbound").glob(f"{student}+{A}+*"))


@pytest.fixture
def exchange_course(sandbox_report, tmp_path):
    course = _course(tmp_path / "cours")
    (course / "exchange").mkdir()
    (course / "exchange").chmod(0o777)
    nbgrader(course, "release_assignment", A, check=True)
    return course


def test_resubmission_latest_graded_nothing_lost(exchange_course):
    course = exchange_course
    student_command(course, "marie", "fetch")
    wrong = cas.Case("marie", "", "", {"reponse_1": cas.WRONG_1, "reponse_2": cas.WRONG_2})
    student_command(course, "marie", "submit", wrong.build(cours.release(course, A)))
    assert collect(course)["success"]
    assert cours.grade(course, A, force=False)["success"]
    assert cours.results(course, A)["marie"]["auto"] == 0.0
    time.sleep(1.1)  # nbgrader's timestamps have a resolution of a microsecond, the archive's of a second
    student_command(course, "marie", "submit", cas.CONTROL.build(cours.release(course, A)))
    assert cours.export_api(course)[(A, "marie")]["statut"] == "noté", "not collected yet"
    collected = collect(course)
    assert "l'ancienne est archivée" in collected["log"]
    assert cours.export_api(course)[(A, "marie")]["statut"] == "à corriger"
    assert cours.grade(course, A, force=False)["success"]
    assert cours.results(course, A)["marie"]["auto"] == 3.0
    (archived,) = (course / "correction" / "archives" / "marie" / A).iterdir()
    old = nbformat.read(archived / f"{A}.ipynb", as_version=4)
    assert any(c.source == cas.WRONG_1 for c in old.cells), "the first submission is archived, not deleted"
    assert len(_inbound(course, "marie")) == 2, "the exchange keeps every submission"


def test_late_and_forged_timestamps_use_the_server_clock(exchange_course):
    course = exchange_course
    nbgrader(course, "db", "assignment", "add", A, "--duedate=2020-01-01 00:00:00 UTC", check=True)
    right = cas.CONTROL.build(cours.release(course, A))
    for student in ("paul", "zoe"):
        student_command(course, student, "fetch")
        student_command(course, student, "submit", right)
    # zoe claims she submitted in 2019, before the due date
    (inbound,) = _inbound(course, "zoe")
    (inbound / "timestamp.txt").write_text("2019-12-31 23:00:00.000000 UTC")
    forged = inbound.with_name(f"zoe+{A}+2019-12-31 23:00:00.000000 UTC+{inbound.name.rsplit('+', 1)[1]}")
    inbound.rename(forged)
    collected = collect(course)
    assert "incohérent avec l'heure du serveur" in collected["log"]
    submitted = course / "submitted" / "zoe" / A
    assert (submitted / "timestamp_declare.txt").read_text().startswith("2019-12-31")
    assert not (submitted / "timestamp.txt").read_text().startswith("2019")
    assert cours.grade(course, A, force=False)["success"]
    export = cours.export_api(course)
    assert "rendu en retard" in export[(A, "paul")]["remarques"]
    assert "rendu en retard" in export[(A, "zoe")]["remarques"], "a forged time does not hide lateness"
    assert "horodatage déclaré" in export[(A, "zoe")]["remarques"]


def test_collect_refuses_bad_ids_and_other_owners(exchange_course):
    course = exchange_course
    right = cas.CONTROL.build(cours.release(course, A))
    for student in ("luc", "daemon", "élève"):
        student_command(course, student, "fetch")
        student_command(course, student, "submit", right)
    (luc,) = _inbound(course, "luc")
    (daemon,) = _inbound(course, "daemon")
    for path in (luc, daemon):
        for root, dirs, files in os.walk(path):
            for name in [root] + [os.path.join(root, f) for f in files]:
                os.chown(name, 54321 if path == luc else 1, -1)
    collected = collect(course, check_owner=True)  # as on a JupyterHub: one Unix user per trainee
    assert "identifiant de stagiaire refusé : « élève »" in collected["log"]
    assert "usurpation" in collected["log"]
    assert not (course / "submitted" / "luc").exists() and not (course / "submitted" / "élève").exists()
    assert (course / "submitted" / "daemon" / A).is_dir(), "the owner's Unix name matches the id: collected"
    assert luc.exists(), "a refused submission stays in the exchange"
    assert "usurpation" in " ".join(cours.journal(course, A, "luc").get("pre_flags", []))
