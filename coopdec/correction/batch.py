"""What happens around each ``nbgrader autograde`` batch, with no extra command.

nbgrader creates the exporter once per batch, after it has listed the
submissions and before it grades the first one. The course's exporter
(``c.Autograde.exporter_class``) uses that moment to:

1. refuse student ids and assignment names that are not ASCII slugs;
2. check that the sandbox runs and isolates (or stop, in French), unless the
   trainer explicitly opted out;
3. take up a batch that died half-way (grading without a journal entry saying
   « corrigé » for the same files is done again);
4. back up the gradebook;
5. grade the two canaries and stop if they are not scored as expected;

and installs nbgrader's per-submission hooks to keep the journal:

- before a submission: journal « en cours », stale automatic scores cleared
  (a failed re-run must not leave the old score in place), a renamed notebook
  graded under its expected name (the trainee's file is kept);
- after it: journal « corrigé »; an error leaves « erreur » with its reason.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import time
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import NbGraderException
from traitlets import Bool, Integer

from . import ids
from .backup import backup as backup_gradebook
from .journal import ERROR, GRADED, IN_PROGRESS, REFUSED, Journal, fingerprint, now, state_folder
from .probe import describe, hidden_course_paths, probe
from .sandbox import GradingSandbox, SandboxUnavailable

_OPEN_BATCHES: list[object] = []


def explain(exc: BaseException) -> str:
    """A French reason for a failed grading."""
    name = type(exc).__name__
    text = str(exc)
    if name == "DeadKernelError":
        return ("le noyau Python s'est arrêté pendant l'exécution (os._exit, plantage, mémoire ou temps "
                "de calcul dépassés)")
    if name == "CellTimeoutError":
        return "une cellule ne rend pas la main (boucle sans fin qui ignore l'interruption)"
    if name == "NotebookTimeout":
        return text
    if name in ("NotJSONError", "JSONDecodeError") or "does not appear to be JSON" in text:
        return "le notebook est illisible (fichier JSON abîmé ou tronqué)"
    if name in ("ValidationError", "SchemaTooOldError", "SchemaTooNewError"):
        return f"le notebook n'a pas un format valide ({text[:150]})"
    if name == "SandboxUnavailable":
        return text
    if name == "UnresponsiveKernelError":
        return "le noyau ne répond plus (probablement une boucle qui consomme toute la mémoire)"
    if "No notebooks found" in text:
        return "aucun notebook attendu dans la soumission (notebook renommé ou supprimé ?)"
    return f"{name} : {text[:200]}"


def gradebook_digest(db_url: str, assignment: str) -> str:
    """Fingerprint of what the trainer wrote in the gradebook for an assignment (cells, points, tests)."""
    digest = hashlib.sha256()
    try:
        with Gradebook(db_url) as gb:
            for nb in sorted(gb.find_assignment(assignment).notebooks, key=lambda n: n.name):
                for cell in sorted(nb.source_cells, key=lambda c: c.name):
                    digest.update(json.dumps([nb.name, cell.name, cell.cell_type, cell.locked, cell.source,
                                              cell.checksum]).encode())
                for cell in sorted(nb.grade_cells, key=lambda c: c.name):
                    digest.update(json.dumps([cell.name, cell.max_score]).encode())
    except MissingEntry:
        return ""
    return digest.hexdigest()


class AutogradeBatch(NotebookExporter):
    """nbgrader's notebook exporter, plus the course's batch guard (see the module docstring)."""

    canaries = Bool(True, help="Grade the two canary submissions before the batch.").tag(config=True)
    canary_ttl = Integer(
        0, help="Seconds during which passed canaries need not be graded again (same assignment, "
                "same gradebook and configuration); 0 = every batch.").tag(config=True)
    backup = Bool(True, help="Back up the gradebook before the batch.").tag(config=True)
    backups_kept = Integer(30, help="Number of gradebook backups kept.").tag(config=True)
    check_sandbox = Bool(True, help="Probe the sandbox before the batch.").tag(config=True)
    summary = Bool(True, help="Log a French summary at the end of the batch.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.converter = None
        converter = self.parent
        if converter is not None and hasattr(converter, "assignments") and getattr(converter, "coursedir", None):
            self.converter = converter
            self.coursedir = converter.coursedir
            self.journal = Journal(Path(self.coursedir.root))
            self._current: tuple[str, str] | None = None
            self._batch: list[tuple[str, str]] = []
            _OPEN_BATCHES.append(self)
            try:
                self._start_batch()
            except BaseException:
                self._close()
                raise

    # ------------------------------------------------------------ batch start

    def _submission_of(self, folder: str) -> tuple[str, str] | None:
        regexp = self.converter._format_source("(?P<assignment_id>.*)", "(?P<student_id>.*)", escape=True)
        m = re.match(regexp, folder)
        return (m.group("assignment_id"), m.group("student_id")) if m else None

    def _fail(self, message: str):
        self.log.error(message)
        raise NbGraderException(message)

    def _start_batch(self) -> None:
        converter, coursedir = self.converter, self.coursedir
        root = Path(coursedir.root)
        # 1. ids
        excluded = set(filter(None, coursedir.student_id_exclude.split(",")))
        for folder in sorted(converter.assignments):
            parsed = self._submission_of(folder)
            if parsed is None:
                continue
            assignment, student = parsed
            if student in excluded:
                # Another batch grades this copy (make corriger): its journal entry, its
                # autograded folder and its place in the summary belong to that batch.
                continue
            problem = ids.problem(assignment, ids.ASSIGNMENT) or ids.problem(student, ids.STUDENT)
            if problem:
                self.log.error("Soumission ignorée (%s) : %s", folder, problem)
                del converter.assignments[folder]
                if not ids.problem(assignment, ids.ASSIGNMENT) and re.match(r"^[\w.+@-]+$", student) \
                        and "/" not in student and not student.startswith("."):
                    self.journal.update(assignment, student, status=REFUSED, reason=problem, finished=now())
                continue
            self._batch.append((assignment, student))
        if not converter.assignments:
            self._fail("Aucune soumission à corriger (identifiants refusés, voir ci-dessus).")
        assignments = sorted({a for a, _ in self._batch})

        # 2. sandbox
        sandbox = GradingSandbox(config=self.config, parent=self)
        if not sandbox.enabled:
            self.log.warning(
                "ATTENTION : bac à sable désactivé par configuration. Le code des stagiaires s'exécute "
                "avec vos droits et peut lire les corrigés, les tests cachés et le carnet de notes.")
        elif self.check_sandbox:
            exchange = self.config.Exchange.get("root") if "Exchange" in self.config else None
            hidden = hidden_course_paths(sandbox, root, coursedir.db_url, Path(exchange) if exchange else None)
            try:
                report = probe(sandbox, hidden, [root])
            except SandboxUnavailable as exc:
                self._fail(f"{exc} La correction ne démarre pas sans protection ; pour corriger quand même "
                           "sans bac à sable (à vos risques), voir docs/deploiement.md.")
            if not report.ok:
                self._fail("Le bac à sable ne protège pas la correction : " + " ; ".join(report.problems)
                           + ". Voir docs/deploiement.md.")
            self.log.info("Correction protégée : %s.", describe(report))

        # 3. take up an interrupted batch
        for assignment, student in self._batch:
            dest = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
            entry = self.journal.read(assignment, student) or {}
            submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
            done = entry.get("status") == GRADED and entry.get("fingerprint") == fingerprint(submitted)
            if dest.exists() and not done:
                self.log.warning("Correction incomplète ou obsolète de %s / %s : elle est reprise.",
                                 student, assignment)
                shutil.rmtree(dest, ignore_errors=True)

        # 4. backup
        if self.backup:
            saved = backup_gradebook(coursedir.db_url, root, "-".join(assignments) or "lot", self.backups_kept)
            if saved:
                self.log.info("Carnet de notes sauvegardé : %s", saved)
        self._digests = {a: gradebook_digest(coursedir.db_url, a) for a in assignments}

        # 5. canaries
        if self.canaries:
            for assignment in assignments:
                self._canaries(root, assignment)

        # hooks
        converter.pre_convert_hook = self._before_submission
        converter.post_convert_hook = self._after_submission
        original_init = converter.init_assignment

        def init_assignment(assignment_id, student_id):
            try:
                return original_init(assignment_id, student_id)
            except Exception as exc:
                self._record_error(assignment_id, student_id, exc)
                raise

        converter.init_assignment = init_assignment
        original_convert = converter.convert_notebooks

        def convert_notebooks():
            try:
                return original_convert()
            finally:
                self._finish_batch()

        converter.convert_notebooks = convert_notebooks

    def _canary_key(self, root: Path, assignment: str) -> str:
        config = json.loads(json.dumps(self.config, default=str))
        # Which students a batch grades does not change how the canaries grade (parallel batches).
        per_batch = ("student_id", "student_id_exclude", "notebook_id", "assignment_id")
        for section, names in (("CourseDirectory", per_batch), ("BaseConverter", ("force",)),
                               ("Autograde", ("force",))):
            for name in names:
                config.get(section, {}).pop(name, None)
        return hashlib.sha256(json.dumps([str(root), assignment, self._digests[assignment], config],
                                         sort_keys=True, default=str).encode()).hexdigest()

    def _canaries(self, root: Path, assignment: str) -> None:
        """Grade the canaries, unless a batch validated them less than ``canary_ttl`` seconds ago.

        With ``canary_ttl``, each canary has its own lock and its own record: parallel batches
        (``make corriger``) each take a canary nobody is grading, at the same time, then wait
        for the others' verdicts. A canary that fails stops the batch that graded it, and every
        batch waiting for it grades it again and stops too: no batch grades a copy without
        both canaries passed.
        """
        from .canaries import KINDS

        if not self.canary_ttl:
            self._grade_canaries(root, assignment, KINDS)
            return
        key = self._canary_key(root, assignment)
        folder = state_folder(root)
        folder.mkdir(parents=True, exist_ok=True)
        pending = list(KINDS)
        reused = []
        for blocking in (False, True):
            for kind in list(pending):
                with open(folder / f"{kind}.lock", "w") as lock:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # another batch is grading this canary: take the next one
                    record = folder / f"{kind}.json"
                    try:
                        seen = json.loads(record.read_text()) if record.exists() else {}
                    except ValueError:
                        seen = {}
                    if time.time() - seen.get(key, 0) < self.canary_ttl:
                        reused.append(kind)
                    else:
                        self._grade_canaries(root, assignment, (kind,))
                        seen[key] = time.time()
                        record.write_text(json.dumps(seen))
                    pending.remove(kind)
        if reused:
            self.log.info("Canaris de « %s » déjà validés il y a moins de %d s : %s.", assignment,
                          self.canary_ttl, ", ".join(reused))

    def _grade_canaries(self, root: Path, assignment: str, kinds: tuple[str, ...]) -> None:
        from .canaries import run_canaries

        started = time.monotonic()
        result = run_canaries(self.config, root, self.coursedir.db_url, assignment, self.log, kinds)
        if not result.ok:
            self._fail(result.message(assignment))
        self.log.info("Canaris de « %s » notés comme prévu : %s (%.1f s).", assignment, ", ".join(kinds),
                      time.monotonic() - started)

    # ------------------------------------------------------------ per submission

    def _before_submission(self, assignment, student, notebooks):
        if not notebooks:
            return
        parsed = self._submission_of(str(Path(notebooks[0]).parent))
        if parsed is None:
            return
        assignment, student = parsed
        self._current = parsed
        coursedir = self.coursedir
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        flags = self._renamed_notebooks(assignment, submitted, notebooks)
        self.journal.start(assignment, student, submitted)
        if flags:
            self.journal.add_flags(assignment, student, flags)
        self._clear_stale_scores(assignment, student)

    def _renamed_notebooks(self, assignment: str, submitted: Path, notebooks: list) -> list[str]:
        """Grade a renamed notebook under its expected name; keep the trainee's file."""
        try:
            with Gradebook(self.coursedir.db_url) as gb:
                expected = [nb.name for nb in gb.find_assignment(assignment).notebooks]
        except MissingEntry:
            return []
        present = {Path(p).stem: p for p in notebooks}
        unknown = [name for name in present if name not in expected]
        missing = [name for name in expected if name not in present]
        flags = []
        if len(missing) == 1 and len(unknown) == 1:
            old, new = unknown[0], missing[0]
            try:
                notebook = nbformat.read(present[old], as_version=4)
                ours = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
            except Exception:  # noqa: BLE001 - an unreadable file is graded (and fails) as it is
                ours = set()
            with Gradebook(self.coursedir.db_url) as gb:
                theirs = {c.name for c in gb.find_notebook(new, assignment).source_cells}
            if ours & theirs:
                target = submitted / f"{new}.ipynb"
                shutil.copy2(present[old], target)
                notebooks[notebooks.index(present[old])] = str(target)
                flags.append(f"notebook renommé : « {old}.ipynb » corrigé comme « {new}.ipynb » "
                             "(le fichier du stagiaire est conservé)")
                self.log.warning("%s : %s", submitted, flags[-1])
        elif unknown:
            flags.append("fichiers non corrigés dans la soumission : "
                         + ", ".join(f"{name}.ipynb" for name in unknown))
        return flags

    def _clear_stale_scores(self, assignment: str, student: str) -> None:
        """No automatic score of a previous run may survive this one if it fails."""
        try:
            with Gradebook(self.coursedir.db_url) as gb:
                submission = gb.find_submission(assignment, student)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        grade.auto_score = None
                        if grade.manual_score is None:
                            grade.needs_manual_grade = True
                    for comment in notebook.comments:
                        comment.auto_comment = None
                gb.db.commit()
        except MissingEntry:
            pass

    def _after_submission(self, assignment, student, notebooks):
        if self._current is None:
            return
        assignment, student = self._current
        self.journal.update(assignment, student, status=GRADED, finished=now(), reason=None)
        digest = gradebook_digest(self.coursedir.db_url, assignment)
        if self._digests.get(assignment) and digest != self._digests[assignment]:
            message = ("ALERTE : les cellules ou les tests du devoir ont changé dans le carnet de notes pendant "
                       f"la correction de {student}. Restaurez la sauvegarde d'avant le lot.")
            self.log.critical(message)
            self.journal.add_flags(assignment, student, [message])
        self._current = None

    def _record_error(self, assignment: str, student: str, exc: BaseException) -> None:
        if ids.problem(assignment, ids.ASSIGNMENT) or ids.problem(student, ids.STUDENT):
            return
        reason = explain(exc)
        self.journal.update(assignment, student, status=ERROR, reason=reason, finished=now())
        self.log.error("Correction impossible pour %s / %s : %s", student, assignment, reason)

    # ------------------------------------------------------------ exporter

    def from_filename(self, filename, resources=None, **kw):
        try:
            return super().from_filename(filename, resources=resources, **kw)
        except Exception as exc:
            if self.converter is not None and self._current is not None:
                self._record_error(*self._current, exc)
            raise

    def _close(self) -> None:
        if self in _OPEN_BATCHES:
            _OPEN_BATCHES.remove(self)
        if not _OPEN_BATCHES:
            from .recheck import stop_idle_clean_servers

            stop_idle_clean_servers()

    def _finish_batch(self) -> None:
        self._close()
        counts = {GRADED: 0, ERROR: 0, "à vérifier": 0}
        for assignment, student in self._batch:
            entry = self.journal.read(assignment, student) or {}
            if entry.get("status") == IN_PROGRESS:
                entry = self.journal.update(assignment, student, status=ERROR, finished=now(),
                                            reason=entry.get("reason") or "correction interrompue")
            if entry.get("status") in counts:
                counts[entry["status"]] += 1
            if entry.get("status") == GRADED and entry.get("flags"):
                counts["à vérifier"] += 1
        if self.summary and self._batch:
            self.log.info("Bilan du lot : %d corrigée(s), dont %d à vérifier ; %d erreur(s) de correction. "
                          "Détail : %s", counts[GRADED], counts["à vérifier"], counts[ERROR],
                          state_folder(Path(self.coursedir.root)) / "journal")
