"""Grade a cohort faster: several ``nbgrader autograde`` batches side by side.

From the course folder::

    make corriger DEVOIR=01-histoire
    .venv/bin/python -m coopdec.correction.parallele 01-histoire [--processus 2] [--force]

The submissions of the assignment (``submitted/<student>/<assignment>/``) are
shared out, round robin, between as many ``nbgrader autograde`` processes as
the machine has cores. Each process is an ordinary batch with the course's
configuration, so every protection holds (sandbox, ids, backup, journal,
re-check); the canaries are graded once and the other batches reuse their
verdict (``AutogradeBatch.canary_ttl``). Each process leaves out the others'
students with nbgrader's own ``--CourseDirectory.student_id_exclude``.

The gradebook is one SQLite file shared by the processes: nbgrader keeps its
transactions short and SQLite makes each writer wait for the other, so no
write is lost (``tests/test_cohorte.py`` checks every score and SQLite's
``integrity_check`` after a parallel batch). Plain ``nbgrader autograde``
remains the reference: this command only saves time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

CANARY_TTL = 3600  # seconds during which the other batches reuse the first batch's canaries


def submitted_students(course: Path, assignment: str) -> list[str]:
    """Students with a submission of ``assignment`` waiting in ``submitted/``."""
    folder = course / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir())


def shares(students: list[str], processes: int) -> list[list[str]]:
    """``students`` dealt round robin into at most ``processes`` non-empty shares."""
    count = max(1, min(processes, len(students)))
    return [students[i::count] for i in range(count) if students[i::count]]


def commands(nbgrader: str, assignment: str, students: list[str], processes: int,
             extra: list[str]) -> list[list[str]]:
    """One ``nbgrader autograde`` command line per share; each excludes the others' students."""
    if any("," in s for s in students):
        raise ValueError("un identifiant de stagiaire contient une virgule : corrigez avec "
                         "`nbgrader autograde` (les identifiants du cours n'en ont jamais)")
    lines = []
    for share in shares(students, processes):
        others = [s for s in students if s not in share]
        line = [nbgrader, "autograde", assignment, f"--AutogradeBatch.canary_ttl={CANARY_TTL}", *extra]
        if others:
            line.append(f"--CourseDirectory.student_id_exclude={','.join(others)}")
        lines.append(line)
    return lines


def _relay(process: subprocess.Popen, label: str, lock: threading.Lock) -> None:
    for line in process.stdout:
        with lock:
            sys.stdout.write(f"{label} {line}")
            sys.stdout.flush()


def run(course: Path, assignment: str, processes: int, extra: list[str]) -> int:
    """Grade ``assignment`` in parallel batches; 0 when every batch succeeded, else 1."""
    students = submitted_students(course, assignment)
    if not students:
        print(f"Aucune copie de « {assignment} » dans {course / 'submitted'} : lancez d'abord "
              f"`nbgrader collect {assignment}`.")
        return 1
    nbgrader = shutil.which("nbgrader") or str(Path(sys.executable).with_name("nbgrader"))
    try:
        lines = commands(nbgrader, assignment, students, processes, extra)
    except ValueError as error:
        print(f"Correction en parallèle impossible : {error}.")
        return 1
    print(f"{len(students)} copie(s) de « {assignment} », {len(lines)} lot(s) en parallèle.")
    lock = threading.Lock()
    running = [subprocess.Popen(line, cwd=course, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for line in lines]
    relays = [threading.Thread(target=_relay, args=(p, f"[lot {i}]", lock))
              for i, p in enumerate(running, start=1)]
    for relay in relays:
        relay.start()
    codes = [p.wait() for p in running]
    for relay in relays:
        relay.join()
    failed = [i for i, code in enumerate(codes, start=1) if code]
    if failed:
        print(f"Lot(s) {', '.join(map(str, failed))} terminé(s) en erreur : lisez les lignes « [lot …] » "
              "ci-dessus et le journal (correction/journal/).")
        return 1
    print("Tous les lots sont terminés.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coopdec.correction.parallele",
        description="Corriger les copies d'un devoir en plusieurs lots nbgrader simultanés.")
    parser.add_argument("devoir", help="nom du devoir, par exemple 01-histoire")
    parser.add_argument("--processus", type=int, default=os.cpu_count() or 1,
                        help="nombre de lots simultanés (par défaut : le nombre de cœurs)")
    parser.add_argument("--force", action="store_true", help="recorriger aussi les copies déjà corrigées")
    args, extra = parser.parse_known_args(argv)
    if args.processus < 1:
        parser.error("--processus doit valoir 1 ou plus")
    return run(Path.cwd(), args.devoir, args.processus, (["--force"] if args.force else []) + extra)


if __name__ == "__main__":
    sys.exit(main())
