"""The grading journal: one small JSON file per submission, beside the gradebook.

nbgrader's gradebook cannot say that a grading *failed* (a failed submission
looks like a real zero) nor why a score was set aside. The journal can:

``correction/journal/<assignment>/<student>.json`` holds the state of the last
grading of that submission — ``en cours`` (started, never finished: counts as
an error), ``corrigé``, ``erreur`` (with the reason) or ``refusé`` — with the
flags raised (suspect code, re-check failures, renamed notebook, timestamps…)
and a fingerprint of the submitted files, so that a re-run knows what is
already done. Files are written atomically (write then rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

IN_PROGRESS = "en cours"
GRADED = "corrigé"
ERROR = "erreur"
REFUSED = "refusé"


def state_folder(course_root: Path) -> Path:
    """The course's grading records folder: journal, backups, archives, summaries."""
    override = os.environ.get("COOPDEC_DOSSIER_CORRECTION")
    return Path(override) if override else Path(course_root) / "correction"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fingerprint(folder: Path) -> str:
    """SHA-256 of the names and contents of every file of a submitted folder."""
    digest = hashlib.sha256()
    folder = Path(folder)
    if not folder.is_dir():
        return ""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


class Journal:
    """Read and update the journal of one course."""

    def __init__(self, course_root: Path):
        self.root = state_folder(course_root) / "journal"

    def path(self, assignment: str, student: str) -> Path:
        return self.root / assignment / f"{student}.json"

    def read(self, assignment: str, student: str) -> dict | None:
        try:
            return json.loads(self.path(assignment, student).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write(self, assignment: str, student: str, entry: dict) -> None:
        target = self.path(assignment, student)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(entry, fh, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, target)

    def update(self, assignment: str, student: str, **changes) -> dict:
        entry = self.read(assignment, student) or {"assignment": assignment, "student": student,
                                                   "flags": [], "notebooks": {}}
        entry.update(changes)
        self.write(assignment, student, entry)
        return entry

    def start(self, assignment: str, student: str, submitted: Path) -> dict:
        previous = self.read(assignment, student) or {}
        history = previous.get("history", [])
        if previous.get("status"):
            history = (history + [{k: previous.get(k) for k in ("status", "finished", "reason")}])[-10:]
        entry = {"assignment": assignment, "student": student, "status": IN_PROGRESS, "started": now(),
                 "finished": None, "reason": None, "flags": list(previous.get("pre_flags", [])),
                 "pre_flags": list(previous.get("pre_flags", [])), "notebooks": {},
                 "fingerprint": fingerprint(submitted), "history": history,
                 "collect": previous.get("collect")}
        self.write(assignment, student, entry)
        return entry

    def add_flags(self, assignment: str, student: str, flags: list[str], *, before_grading: bool = False) -> None:
        entry = self.read(assignment, student) or {"assignment": assignment, "student": student,
                                                   "flags": [], "notebooks": {}}
        key = "pre_flags" if before_grading else "flags"
        for flag in flags:
            if flag not in entry.setdefault(key, []):
                entry[key].append(flag)
            if before_grading and flag not in entry.setdefault("flags", []):
                entry["flags"].append(flag)
        self.write(assignment, student, entry)

    def entries(self, assignment: str) -> dict[str, dict]:
        folder = self.root / assignment
        out = {}
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                try:
                    out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
                except ValueError:
                    continue
        return out
