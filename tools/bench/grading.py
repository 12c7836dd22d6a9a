"""Section « cohorte »: one cohort graded several ways, from the same template.

Each way copies the template course (same submissions, same fresh gradebook),
writes its ``nbgrader_config.py``, runs ``nbgrader autograde`` through
``instrument.py`` (nbgrader's own entry point, with clocks) and is timed from
outside. The course's command starts its batches itself: it finds an
``nbgrader`` first on its ``PATH`` that runs ``instrument.py`` too, so each of
its batches is clocked like the other ways. Afterwards the gradebook is checked:
SQLite's ``integrity_check``, one submission per trainee, every graded cell of
every submission graded, and the scores, compared with those of plain
sequential nbgrader.

The ways:

- ``nbgrader`` — plain sequential ``nbgrader autograde <assignment>`` with a
  config holding only nbgrader's settings (:func:`cohort.plain_config`);
- ``cours_un_lot`` — the same command with the course's own
  ``nbgrader_config.py`` (hardened grading), as a trainer types it;
- ``cours`` — the course's way: ``python -m coopdec.correction.parallele``
  (``make corriger``), ``workers`` hardened batches side by side;
- ``parallele_par_lots`` — for reference, plain nbgrader in ``workers``
  batches through ``--student`` globs: what parallelism alone gives.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import cohort

INSTRUMENT = Path(__file__).with_name("instrument.py")
WAYS = ("nbgrader", "cours_un_lot", "cours", "parallele_par_lots")
BUCKETS = ("import", "avant_premiere_copie", "demarrage_noyau", "cellules", "arret_noyau", "conversion", "notebooks")


def _glob_shares(workers: int) -> list[str]:
    """``--student`` globs that split ``stagiaire-NN`` ids by last digit into ``workers`` shares."""
    digits = [str(d) for d in range(10)]
    return [f"stagiaire-*[{''.join(digits[i::workers])}]" for i in range(workers)]


def _jobs(way: str, assignment: str, workers: int) -> tuple[list[list[str]], int]:
    """Command lines (run from the course folder) and how many run at once."""
    if way == "cours":
        return [[sys.executable, "-m", "coopdec.correction.parallele", assignment, f"--processus={workers}"]], 1
    autograde = [sys.executable, str(INSTRUMENT), "{timings}", "autograde", assignment]
    if way == "parallele_par_lots":
        return [[*autograde, f"--student={g}"] for g in _glob_shares(workers)], workers
    return [autograde], 1


def _config(way: str, root: Path, course: Path) -> str:
    if way.startswith("cours"):
        return (root / "nbgrader_config.py").read_text(encoding="utf-8")
    return cohort.plain_config(course, "?timeout=30" if way.startswith("parallele") else "")


def _instrumented_nbgrader(course: Path, number: int) -> Path:
    """A folder with an ``nbgrader`` that runs ``instrument.py``, one timings file per process."""
    folder = course / ".banc-bin"
    folder.mkdir(exist_ok=True)
    script = folder / "nbgrader"
    parts = (sys.executable, INSTRUMENT, course / f"instrument-{number}-")
    run = " ".join(shlex.quote(str(part)) for part in parts)
    # $$ is the shell's pid, which exec hands on to nbgrader: one timings file per batch.
    script.write_text(f'#!/bin/sh\nexec {run}"$$.json" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return folder


def _environment(course: Path, first: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*([str(first)] if first else []), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["COOPDEC_EXCHANGE"] = str(course / "exchange")
    env.pop("COOPDEC_GRADEBOOK", None)
    return env


def _timings(course: Path, number: int) -> dict:
    """The clocks of job ``number``: its own file, or summed over the batches it started."""
    files = [course / f"instrument-{number}.json", *sorted(course.glob(f"instrument-{number}-*.json"))]
    found = [json.loads(f.read_text(encoding="utf-8")) for f in files if f.is_file()]
    return {b: sum(t.get(b, 0) for t in found) for b in BUCKETS}


def _run_job(course: Path, number: int, line: list[str]) -> dict:
    out = course / f"instrument-{number}.json"
    log = course / f"journal-{number}.log"
    starts_batches = "{timings}" not in line
    env = _environment(course, _instrumented_nbgrader(course, number) if starts_batches else None)
    with open(log, "w", encoding="utf-8") as handle:
        code = subprocess.run([part.replace("{timings}", str(out)) for part in line],
                              cwd=course, env=env, stdout=handle, stderr=subprocess.STDOUT).returncode
    text = log.read_text(encoding="utf-8", errors="replace")
    timings = _timings(course, number)
    return {"code": code, "timings": timings, "verrous": text.count("database is locked"),
            "fin_du_journal": "\n".join(text.strip().splitlines()[-5:]) if code else ""}


def scores(db_url: str, assignment: str, students: list[str]) -> dict:
    """Each trainee's score per graded cell, from the gradebook (None when missing)."""
    from nbgrader.api import Gradebook, MissingEntry

    result = {}
    with Gradebook(db_url, cohort.COURSE_ID) as gradebook:
        for student in students:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                result[student] = None
                continue
            result[student] = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    return result


def integrity(course: Path, assignment: str, students: list[str], graded: dict) -> dict:
    """SQLite's own check, one submission per trainee, and every graded cell graded."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", cohort.COURSE_ID) as gradebook:
        cells = {c.name for nb in gradebook.find_assignment(assignment).notebooks for c in nb.grade_cells}
    connection = sqlite3.connect(course / "gradebook.db")
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        rows = connection.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0]
    finally:
        connection.close()
    incomplete = sorted(s for s in students if graded.get(s) is None or set(graded[s]) != cells
                        or any(graded[s][c] is None for c in cells))
    return {"integrity_check": check, "soumissions": rows, "soumissions_attendues": len(students),
            "copies_incompletes": incomplete, "ok": check == "ok" and rows == len(students) and not incomplete}


def grade(way: str, root: Path, template: Path, work: Path, assignment: str, students: list[str],
          workers: int) -> dict:
    """Grade the template's cohort one way in a fresh copy; return times, checks and scores."""
    course = work / way
    shutil.copytree(template, course)
    (course / "nbgrader_config.py").write_text(_config(way, root, course), encoding="utf-8")
    jobs, pool_size = _jobs(way, assignment, workers)
    start = time.perf_counter()
    with ThreadPoolExecutor(pool_size) as pool:
        results = list(pool.map(lambda job: _run_job(course, *job), enumerate(jobs)))
    wall = time.perf_counter() - start
    graded = scores(f"sqlite:///{course / 'gradebook.db'}", assignment, students)
    checks = integrity(course, assignment, students, graded)
    shutil.rmtree(course)
    timings = {b: sum(r["timings"].get(b, 0) for r in results) for b in BUCKETS}
    return {
        "secondes": wall,
        "processus": len(jobs),
        "processus_en_echec": sum(1 for r in results if r["code"]),
        "erreurs": [r["fin_du_journal"] for r in results if r["code"]][:3],
        "database_is_locked": sum(r["verrous"] for r in results),
        "temps_internes_s": timings,
        "integrite": checks,
        "notes": graded,
    }


def _floor(root: Path, assignment: str, scratch: Path, repetitions: int) -> float:
    """Per submission floor: kernel start, the assignment's imports, shutdown (median)."""
    import nbformat

    from . import kernel
    from .notebooks import median_run

    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    return median_run([kernel.run(kernel.imports_notebook(source), scratch) for _ in range(repetitions)])["total"]


def measure(root: Path, work: Path, assignment: str, trainees: int, repetitions: int, floor_repetitions: int,
            workers: int) -> dict:
    """Grade the cohort every way, ``repetitions`` times interleaved; medians, ratios and checks."""
    template = work / "modele"
    plan = cohort.build(root, template, assignment, trainees)
    students = list(plan)
    runs: dict[str, list[dict]] = {way: [] for way in WAYS}
    for _ in range(repetitions):
        for way in WAYS:
            runs[way].append(grade(way, root, template, work, assignment, students, workers))
    reference = runs["nbgrader"][0]["notes"]
    floor = _floor(root, assignment, work, floor_repetitions)
    ways = {}
    for way, results in runs.items():
        median = sorted(results, key=lambda r: r["secondes"])[len(results) // 2]
        ways[way] = {
            "mediane_s": median["secondes"],
            "mesures_s": [r["secondes"] for r in results],
            "s_par_copie": median["secondes"] / trainees,
            "processus": median["processus"],
            "processus_en_echec": max(r["processus_en_echec"] for r in results),
            "erreurs": next((r["erreurs"] for r in results if r["erreurs"]), []),
            "database_is_locked": sum(r["database_is_locked"] for r in results),
            "integrite_ok": all(r["integrite"]["ok"] for r in results),
            "integrite": [r["integrite"] for r in results],
            "notes_identiques_a_nbgrader": all(r["notes"] == reference for r in results),
            "temps_internes_par_copie_s": {b: v / trainees for b, v in median["temps_internes_s"].items()
                                           if b != "notebooks"},
            "noyaux_demarres": median["temps_internes_s"]["notebooks"],
        }
    plain = ways["nbgrader"]["s_par_copie"]
    for way in ways.values():
        way["ratio_nbgrader"] = way["s_par_copie"] / plain
        way["ratio_plancher"] = way["s_par_copie"] / floor
    return {
        "devoir": assignment,
        "stagiaires": trainees,
        "copies_par_type": {kind: sum(1 for k in plan.values() if k == kind) for kind in cohort.KINDS},
        "processus_paralleles": workers,
        "repetitions": repetitions,
        "plancher_par_copie_s": floor,
        "plancher_definition": "démarrage d'un noyau, imports du notebook du devoir, arrêt (médiane)",
        "facons": ways,
        "notes_nbgrader": reference,
    }
