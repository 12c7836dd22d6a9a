"""``nbgrader collect`` that loses nothing and trusts the server's clock.

Compared with nbgrader's default exchange (``c.ExchangeFactory.collect``):

- **the latest submission is collected** (no ``--update`` to remember), and
  the copy it replaces is *moved* to ``correction/archives/<student>/
  <assignment>/<timestamp>/`` instead of deleted; the exchange's inbound
  copies are never touched;
- **timestamps**: the time written by the trainee's side (``timestamp.txt``,
  directory name) is compared with the time the server saw the files change
  (their inode change time, which user code cannot set back). A claimed time
  off by more than ``timestamp_tolerance`` is flagged, the server's time is
  used instead (lateness included) and the claimed one is kept in
  ``timestamp_declare.txt``;
- **ids**: a student id that is not an ASCII slug is refused; with
  ``check_owner`` (the default, for a JupyterHub with one Unix user per
  trainee), a submission whose files belong to another Unix user than the id
  it claims (``jupyter-<id>`` or ``<id>``) is refused, not just warned about;
- **notebooks** that are not valid JSON notebooks are flagged at collection.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from nbgrader.utils import parse_utc
from traitlets import Integer, List, Unicode

from . import ids
from .journal import Journal, state_folder

try:
    import pwd
except ImportError:  # pragma: no cover - Windows
    pwd = None


def server_time(folder: Path) -> datetime:
    """When the server last saw the submission change: the latest inode change time of its files."""
    latest = os.stat(folder).st_ctime
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            try:
                latest = max(latest, os.lstat(os.path.join(root, name)).st_ctime)
            except OSError:
                continue
    return datetime.fromtimestamp(latest, tz=timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ArchivingCollect(ExchangeCollect):
    """See the module docstring."""

    timestamp_tolerance = Integer(
        300, help="Seconds a claimed submission time may differ from the server's.").tag(config=True)
    owner_prefixes = List(
        Unicode(), ["", "jupyter-"],
        help="Unix user names accepted for a student id: prefix + id (TLJH users are jupyter-<id>).",
    ).tag(config=True)
    max_notebook_bytes = Integer(20 * 2**20, help="Larger notebooks are flagged.").tag(config=True)

    def _record(self, path: str) -> dict | None:
        name = os.path.basename(path)
        parts = name.rsplit("+", 3)
        if len(parts) < 3:
            self.log.error("Dépôt ignoré, nom inattendu : %s", name)
            return None
        username = parts[0]
        try:
            named = _aware(parse_utc(parts[2]))
        except Exception:  # noqa: BLE001 - an unparsable time is a forged one
            named = None
        claimed = named
        stamp_file = Path(path) / "timestamp.txt"
        if stamp_file.is_file():
            try:
                claimed = _aware(parse_utc(stamp_file.read_text().strip()))
            except Exception:  # noqa: BLE001
                claimed = None
        server = server_time(Path(path))
        flags = []
        if claimed is None:
            flags.append("horodatage illisible : heure du serveur retenue")
        elif abs((claimed - server).total_seconds()) > self.timestamp_tolerance:
            flags.append(f"horodatage déclaré ({claimed:%Y-%m-%d %H:%M:%S} UTC) incohérent avec l'heure du "
                         f"serveur ({server:%Y-%m-%d %H:%M:%S} UTC) : heure du serveur retenue")
        elif named is not None and abs((named - claimed).total_seconds()) > self.timestamp_tolerance:
            flags.append("horodatage du dossier différent de timestamp.txt : heure du serveur retenue")
        effective = server if flags else claimed
        return {"username": username, "filename": name, "timestamp": effective, "claimed": claimed,
                "server": server, "flags": flags}

    def _owner_problem(self, path: str, student: str) -> str | None:
        if not self.check_owner or pwd is None:
            return None
        uid = os.stat(path).st_uid
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = f"uid {uid} (inconnu)"
        if any(owner == prefix + student for prefix in self.owner_prefixes):
            return None
        return (f"dépôt refusé : il se présente comme celui de « {student} » mais ses fichiers appartiennent "
                f"à « {owner} » (usurpation ?). Il reste dans l'échange ; pour un essai sur une seule "
                "machine, utilisez --ExchangeCollect.check_owner=False.")

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        problem = ids.problem(self.coursedir.assignment_id, ids.ASSIGNMENT)
        if problem:
            self.fail(problem)
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail("Course not found: {}".format(self.inbound_path))
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        import glob

        pattern = os.path.join(self.inbound_path, "{}+{}+*".format(student_id, self.coursedir.assignment_id))
        records = []
        self.journal = Journal(Path(self.coursedir.root))
        for path in glob.glob(pattern):
            record = self._record(path)
            if record is None:
                continue
            problem = ids.problem(record["username"], ids.STUDENT)
            if problem:
                self.log.error("Dépôt %s ignoré : %s", record["filename"], problem)
                continue
            owner = self._owner_problem(path, record["username"])
            if owner:
                self.log.error("%s : %s", record["filename"], owner)
                self.journal.add_flags(self.coursedir.assignment_id, record["username"], [owner],
                                       before_grading=True)
                continue
            records.append(record)
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for group in groupby(records, lambda r: r["username"]).values():
            group = sorted(group, key=lambda r: r["timestamp"], reverse=True)
            chosen = group[0]
            if self.before_duedate and self.duedate is not None:
                due = _aware(self.duedate)
                on_time = [r for r in group if r["timestamp"] <= due]
                chosen = on_time[0] if on_time else group[0]
            chosen["others"] = len(group) - 1
            self.src_records.append(chosen)

    def copy_files(self):
        if not self.src_records:
            self.log.warning("Aucune soumission de « %s » à collecter.", self.coursedir.assignment_id)
        archives = state_folder(Path(self.coursedir.root)) / "archives"
        for rec in self.src_records:
            student = rec["username"]
            assignment = self.coursedir.assignment_id
            src = os.path.join(self.inbound_path, rec["filename"])
            dest = Path(self.coursedir.format_path(self.coursedir.submitted_directory, student, assignment))
            effective = rec["timestamp"].strftime(self.timestamp_format)
            archived = None
            if dest.is_dir():
                existing = self.coursedir.get_existing_timestamp(str(dest))
                if existing is not None and _aware(existing) >= rec["timestamp"]:
                    self.log.info("Déjà collectée (pas plus récente) : %s %s", student, assignment)
                    continue
                stamp = (_aware(existing) if existing else datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
                target = archives / student / assignment / stamp
                n = 1
                while target.exists():
                    target = target.with_name(f"{stamp}-{n}")
                    n += 1
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(dest), str(target))
                archived = str(target)
                self.log.info("Nouvelle soumission de %s : l'ancienne est archivée dans %s", student, target)
            else:
                self.log.info("Collecte : %s %s", student, assignment)
            dest.parent.mkdir(parents=True, exist_ok=True)
            self.do_copy(src, str(dest))
            flags = list(rec["flags"])
            if flags:
                if (dest / "timestamp.txt").exists():
                    shutil.copy(dest / "timestamp.txt", dest / "timestamp_declare.txt")
                (dest / "timestamp.txt").write_text(effective)
                self.log.warning("%s : %s", student, " ; ".join(flags))
            for notebook in sorted(dest.glob("*.ipynb")):
                try:
                    if notebook.stat().st_size > self.max_notebook_bytes:
                        flags.append(f"notebook très volumineux : {notebook.name} "
                                     f"({notebook.stat().st_size // 2**20} Mo)")
                    nbformat.validate(nbformat.read(notebook, as_version=4))
                except Exception as exc:  # noqa: BLE001 - reported, the file is kept as it is
                    flags.append(f"notebook illisible à la collecte : {notebook.name} ({type(exc).__name__})")
            if rec.get("others"):
                self.log.info("%s : %d dépôt(s) plus ancien(s) conservé(s) dans l'échange.", student,
                              rec["others"])
            entry = self.journal.read(assignment, student) or {"assignment": assignment, "student": student}
            entry["pre_flags"] = flags
            entry["collect"] = {"inbound": rec["filename"], "timestamp": effective,
                                "claimed": rec["claimed"].isoformat() if rec["claimed"] else None,
                                "server": rec["server"].isoformat(), "archived": archived,
                                "older_in_exchange": rec.get("others", 0)}
            self.journal.write(assignment, student, entry)
