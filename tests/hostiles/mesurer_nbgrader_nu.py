"""Measure what plain nbgrader does with each adversarial case, and what the course does.

Not a test (pytest does not collect it): a tool for the closing note of
issue #7 and for issue #9. From the repository root::

    .venv/bin/python -m tests.hostiles.mesurer_nbgrader_nu [--cas] [--vitesse N] [--devoir 01-histoire]

``--cas``: grades every case of :mod:`tests.hostiles.cas` twice in scratch
courses, with plain nbgrader (the course's configuration without its
hardening section: nbgrader's own preprocessors, no sandbox) and with the
course's configuration, and prints a Markdown table of what happened.

``--vitesse N``: grades N copies of the instructor version of a real
assignment with each configuration (one ``nbgrader autograde`` batch each)
and prints the seconds per submission.

Every attack is bounded in count and time: running plain nbgrader on them
outside a sandbox is safe for the machine (it writes only in a scratch
folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from . import cas, cours, sujet

MARKER = "# ---------------------------------------------------------------------------\n# Hardened grading"


def plain_config(course: Path) -> None:
    """Replace the course's configuration by its part that predates the hardening."""
    text = (cours.ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    (course / "nbgrader_config.py").write_text(text.split(MARKER)[0], encoding="utf-8")


def _outputs(path: Path) -> str:
    if not path.exists():
        return ""
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001
        return ""
    return "\n".join(json.dumps(o, ensure_ascii=False) for c in notebook.cells for o in c.get("outputs", []))


def run_cases(mode: str, folder: Path) -> dict:
    course = cours.new_course(folder / mode, {sujet.ASSIGNMENT: sujet.instructor_notebook()},
                              {sujet.ASSIGNMENT: {"donnees.csv": sujet.DATA}}, generate=False)
    if mode == "nbgrader":
        plain_config(course)
    cours.nbgrader(course, "generate_assignment", sujet.ASSIGNMENT, "--force", check=True)
    blank = cours.release(course, sujet.ASSIGNMENT)
    from tests.test_soumissions_hostiles import Listener

    listener = Listener()
    cases = cas.CASES + [cas.CONTROL]
    for case in cases:
        cours.submit_file(course, case.student, sujet.ASSIGNMENT, case.build(blank, listener.port), case.filename)
    for student in cas.BAD_IDS:
        cours.submit_file(course, student, sujet.ASSIGNMENT, cas.CONTROL.build(blank))
    started = time.monotonic()
    graded = cours.nbgrader(course, "autograde", sujet.ASSIGNMENT, "--Execute.timeout=10", timeout=3600)
    seconds = time.monotonic() - started
    listener.close()
    cours.nbgrader(course, "generate_feedback", sujet.ASSIGNMENT, "--force",
                   *(["--FeedbackExporter.include_pending=True"] if mode == "cours" else []))
    export = cours.export(course)
    results = cours.results(course, sujet.ASSIGNMENT)
    con = sqlite3.connect(course / "gradebook.db")
    pwned = con.execute("SELECT count(*) FROM student WHERE first_name = 'PWNED'").fetchone()[0]
    hundreds = con.execute("SELECT count(*) FROM grade WHERE manual_score = 100").fetchone()[0]
    con.close()
    out = {"seconds": seconds, "returncode": graded.returncode, "hits": listener.hits, "pwned": pwned,
           "hundreds": hundreds, "cases": {}}
    for case in cases + [cas.Case(s, "20", "identifiant non ASCII") for s in cas.BAD_IDS]:
        autograded = course / "autograded" / case.student / sujet.ASSIGNMENT / f"{sujet.ASSIGNMENT}.ipynb"
        feedback = course / "feedback" / case.student / sujet.ASSIGNMENT / f"{sujet.ASSIGNMENT}.html"
        row = export.get((sujet.ASSIGNMENT, case.student), {})
        page = feedback.read_text(encoding="utf-8") if feedback.exists() else ""
        out["cases"][case.student] = {
            "auto": results.get(case.student, {}).get("auto"),
            "score": row.get("score", ""), "statut": row.get("statut", ""),
            "graded": autograded.exists(),
            "size": autograded.stat().st_size if autograded.exists() else 0,
            "outputs": _outputs(autograded)[:20000],
            "feedback_secret": sujet.SECRET in page, "feedback_leak": "LEAK True" in page,
            "feedback": bool(page),
            "flags": cours.journal(course, sujet.ASSIGNMENT, case.student).get("flags", []),
        }
    return out


def describe(mode: str, data: dict, case: cas.Case) -> str:
    c = data["cases"][case.student]
    if not c["graded"] and c["statut"] in ("", "refusé") and case.student in cas.BAD_IDS:
        return "refusé (message)" if mode == "cours" else "?"
    bits = []
    if c["graded"]:
        bits.append(f"{c['auto']:g}/3")
    else:
        bits.append("échec de la correction, exporté « " + (c["score"] or "vide") + " »")
    if mode == "cours" and c["statut"]:
        bits.append(c["statut"])
    if c["flags"]:
        bits.append("signalé")
    if c["feedback_leak"] or c["feedback_secret"]:
        bits.append("retour : " + ", ".join(k for k, v in (("LEAK True", c["feedback_leak"]),
                                                           ("tests cachés", c["feedback_secret"])) if v))
    if case.student == "sortie-enorme":
        bits.append(f"notebook {c['size'] / 1e6:.1f} Mo")
    if case.student == "reseau":
        bits.append(f"{data['hits']} connexion(s)")
    if case.student == "carnet-notes":
        bits.append(f"{data['pwned']} nom(s) PWNED, {data['hundreds']} note(s) à 100")
    if case.student == "bombe":
        text = c["outputs"]
        bits.append("fork refusé" if "fork refusé" in text else "300 fork() acceptés")
        bits.append("80 Mo écrits" if "écrit 80 Mo" in text else "fichier refusé")
    return " ; ".join(bits)


def speed(copies: int, assignment: str, folder: Path) -> dict:
    out = {}
    for mode in ("nbgrader", "cours"):
        course = cours.new_course(folder / f"vitesse-{mode}", {assignment: cours.ROOT / "source" / assignment},
                                  generate=False)
        if mode == "nbgrader":
            plain_config(course)
        cours.nbgrader(course, "generate_assignment", assignment, "--force", check=True)
        instructor = cours.instructor(course, assignment)
        for i in range(copies):
            cours.submit_file(course, f"s{i:02d}", assignment, instructor)
        load = os.getloadavg()[0]
        started = time.monotonic()
        cpu_before = os.times()
        result = cours.nbgrader(course, "autograde", assignment, timeout=7200)
        cpu_after = os.times()
        seconds = time.monotonic() - started
        cpu = (cpu_after.children_user - cpu_before.children_user) + (cpu_after.children_system
                                                                        - cpu_before.children_system)
        out[mode] = {"seconds": seconds, "per_submission": seconds / copies, "cpu": cpu,
                     "cpu_per_submission": cpu / copies, "returncode": result.returncode, "load": load}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cas", action="store_true")
    parser.add_argument("--vitesse", type=int, default=0)
    parser.add_argument("--devoir", default="01-histoire")
    args = parser.parse_args(argv)
    os.environ["PATH"] = cours.environment()["PATH"]
    folder = Path(tempfile.mkdtemp(prefix="coopdec-mesure-"))
    try:
        if args.cas:
            data = {mode: run_cases(mode, folder) for mode in ("nbgrader", "cours")}
            print("| ligne | cas | nbgrader 0.9.6 seul | le cours |")
            print("|---|---|---|---|")
            for case in cas.CASES + [cas.CONTROL] + [cas.Case(s, "20", "identifiant non ASCII") for s in cas.BAD_IDS]:
                print(f"| {case.row} | {case.student} — {case.title} | {describe('nbgrader', data['nbgrader'], case)}"
                      f" | {describe('cours', data['cours'], case)} |")
            for mode in data:
                print(f"\n{mode} : lot de {len(data[mode]['cases'])} copies en {data[mode]['seconds']:.0f} s, "
                      f"code de sortie {data[mode]['returncode']}")
        if args.vitesse:
            result = speed(args.vitesse, args.devoir, folder)
            print(json.dumps(result, indent=1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
