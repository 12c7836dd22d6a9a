"""Re-check every passed test outside the trainee's interpreter.

After the notebook ran in the trainee's kernel, each test that *passed* there
is run again in a fresh interpreter (:mod:`.clean_run`, in the sandbox) that
has only executed the instructor's locked cells (sources from the gradebook)
and received the trainee's answers as plain data (:mod:`.capture`). Verdict of
each test cell, in ``resources["coopdec"]["verdicts"]``:

- ``ok``: passed in both interpreters;
- ``failed``: failed in the trainee's kernel (nothing to re-check);
- ``suspect``: passed in the trainee's kernel but not in the clean one, or
  its answer is an object defined by the trainee's code, or the capture did
  not answer: something in the trainee's code changed how the test ran;
- ``unverified``: passed, but an answer is a library object that cannot be
  carried as data (a matplotlib chart, say): the first verdict stands.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from traitlets import Bool, Integer

from . import capture
from .clean_run import MARKER
from .context import course_root_of
from .probe import font_cache_files
from .sandbox import GradingSandbox


def gradebook_cells(db_url: str, notebook: str, assignment: str) -> dict:
    """Instructor cells of a notebook from the gradebook: locked code cells, test cells, answers."""
    with Gradebook(db_url) as gb:
        nb = gb.find_notebook(notebook, assignment)
        grade = {c.name for c in nb.grade_cells}
        solution = {c.name for c in nb.solution_cells}
        cells = {c.name: {"type": c.cell_type, "locked": bool(c.locked), "source": c.source,
                          "grade": c.name in grade, "solution": c.name in solution}
                 for c in nb.source_cells}
    return cells


def graded_notebook_cells(resources) -> dict:
    """:func:`gradebook_cells` of the notebook being graded, read once per conversion.

    The scan, the execution and the re-check of one copy all need them; they are kept in
    ``resources["coopdec"]``, which lives as long as the conversion of that copy.
    """
    state = resources.setdefault("coopdec", {})
    if "gradebook_cells" not in state:
        info = resources["nbgrader"]
        state["gradebook_cells"] = gradebook_cells(info["db_url"], info["notebook"], info["assignment"])
    return state["gradebook_cells"]


def _instructor_code(cell: dict) -> bool:
    return cell["type"] == "code" and cell["locked"] and not cell["solution"]


class Recheck(Preprocessor):
    """Run the passed tests again in a clean interpreter and compare."""

    enabled = Bool(True, help="Re-check passed tests outside the trainee's interpreter.").tag(config=True)
    timeout = Integer(180, help="Seconds for the whole re-check of one notebook.").tag(config=True)

    def preprocess(self, nb, resources):
        state = resources.setdefault("coopdec", {})
        cells = graded_notebook_cells(resources)
        captures = state.get("captures", {})
        failures = set(state.get("capture_failures", []))

        student_bound: set[str] = set()
        locked_bound: set[str] = set()
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            known = cells.get(grade_id)
            if known is not None and (_instructor_code(known) or known["grade"]):
                if _instructor_code(known) and not known["grade"]:
                    locked_bound |= capture.bound_names(known["source"])
            else:
                student_bound |= capture.bound_names(cell.source)

        verdicts: dict[str, dict] = {}
        steps: list[dict] = []
        to_compare: list[str] = []
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            known = cells.get(grade_id)
            if known is None or cell.cell_type != "code":
                continue
            if known["grade"]:
                score, maximum = utils.determine_grade(cell)
                verdict = {"grade_id": grade_id, "score": score, "max": maximum}
                inject = {}
                unverified = []
                suspect = []
                for name, value in sorted(captures.get(grade_id, {}).items()):
                    kind = value.get("t")
                    if kind == "missing":
                        continue
                    if name in locked_bound and name not in student_bound and kind == "opaque":
                        # A library object the instructor's cells made (a chart, a grid): the clean
                        # interpreter rebuilds it. Plain data is injected below, since an answer
                        # may have changed it in place (``plan.loc[...] = …``).
                        if value.get("student"):
                            suspect.append(f"« {name} » a été remplacé par un objet défini par le stagiaire")
                        continue
                    if kind == "opaque":
                        if value.get("student"):
                            suspect.append(f"« {name} » est un objet défini par le code du stagiaire "
                                           f"({value.get('type')})")
                        else:
                            unverified.append(f"« {name} » ({value.get('type')}, {value.get('why')})")
                        continue
                    inject[name] = value
                if not score:
                    verdict["status"] = "failed"
                elif grade_id in failures:
                    verdict["status"] = "suspect"
                    verdict["reason"] = ("le noyau du stagiaire n'a pas laissé lire ses réponses avant ce test "
                                         "(code qui détourne l'exécution ?)")
                elif suspect:
                    verdict["status"] = "suspect"
                    verdict["reason"] = " ; ".join(suspect)
                elif unverified:
                    verdict["status"] = "unverified"
                    verdict["reason"] = "réponse non transportable hors du noyau : " + ", ".join(unverified)
                else:
                    verdict["status"] = "pending"
                    to_compare.append(grade_id)
                verdicts[grade_id] = verdict
                if inject:
                    steps.append({"inject": inject})
                steps.append({"test": grade_id, "source": known["source"]})
            elif _instructor_code(known):
                steps.append({"run": known["source"]})

        if to_compare and self.enabled:
            results = self._run(steps, resources)
            for grade_id in to_compare:
                verdict = verdicts[grade_id]
                result = (results or {}).get(grade_id)
                if result is None:
                    verdict["status"] = "unverified"
                    verdict["reason"] = "la re-vérification n'a pas pu s'exécuter"
                elif result["undecodable"]:
                    verdict["status"] = "unverified"
                    verdict["reason"] = ("réponse non reconstructible hors du noyau : "
                                         + ", ".join(result["undecodable"]))
                elif result["passed"]:
                    verdict["status"] = "ok"
                else:
                    verdict["status"] = "suspect"
                    verdict["reason"] = ("test réussi dans le noyau du stagiaire mais échoué quand on le "
                                         f"rejoue hors de son code ({result['ename']}) : son code a modifié "
                                         "le déroulement du test")
        else:
            for grade_id in to_compare:
                verdicts[grade_id]["status"] = "unverified"
                verdicts[grade_id]["reason"] = "re-vérification désactivée (c.Recheck.enabled = False)"
        state["verdicts"] = verdicts
        return nb, resources

    def _run(self, steps: list[dict], resources) -> dict | None:
        program = {"steps": steps, "step_seconds": 60, "total_seconds": self.timeout}
        root = course_root_of(self)
        assignment = resources["nbgrader"]["assignment"]
        source = root / "source" / assignment if root is not None else None
        server = clean_server(self.config, assignment, source if source and source.is_dir() else None, self)
        results = server.run(program, self.timeout + 30)
        if results is None:
            self.log.warning("Re-vérification impossible : %s", server.last_error)
        return results


class CleanServer:
    """The clean interpreter, kept warm for a batch (see :mod:`.clean_run`)."""

    def __init__(self, config, assignment: str, workdir: Path | None, log):
        self.config, self.assignment, self.workdir, self.log = config, assignment, workdir, log
        self.process: subprocess.Popen | None = None
        self.prepared = None
        self.last_error = ""
        self.lock = threading.Lock()
        self.last_used = time.monotonic()

    def _start(self) -> bool:
        argv = [sys.executable, "-m", "coopdec.correction.clean_run", "--serve"]
        sandbox = GradingSandbox(config=self.config)
        env = None
        if sandbox.enabled:
            self.prepared = sandbox.prepare(argv, cwd_name=self.assignment, workdir=self.workdir,
                                            files=font_cache_files(sandbox),
                                            extra_env={"MPLBACKEND": "Agg"})
            argv = self.prepared.argv
        else:
            env = {**os.environ, "MPLBACKEND": "Agg"}
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            pass_fds=self.prepared.pass_fds if self.prepared else (), env=env,
            cwd="/" if self.prepared else (str(self.workdir) if self.workdir else None), bufsize=1)
        if self.prepared is not None:
            self.prepared.close_fds()
        ready = self._read_line(120)
        if ready is None:
            self.stop()
            return False
        return True

    def _read_line(self, timeout: float) -> dict | None:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.last_error = "le processus de re-vérification ne répond pas"
            return None
        line = self.process.stdout.readline()
        if not line.startswith(MARKER):
            err = self.process.stderr.read() if self.process.poll() is not None else ""
            self.last_error = (line + err).strip()[-500:] or "le processus de re-vérification s'est arrêté"
            return None
        return json.loads(line[len(MARKER):])

    def run(self, program: dict, timeout: float) -> dict | None:
        self.last_used = time.monotonic()
        with self.lock:
            for _ in range(2):
                if self.process is None or self.process.poll() is not None:
                    self.stop()
                    if not self._start():
                        continue
                try:
                    self.process.stdin.write(json.dumps(program) + "\n")
                    self.process.stdin.flush()
                except OSError as exc:
                    self.last_error = str(exc)
                    self.stop()
                    continue
                result = self._read_line(timeout)
                if result is None:
                    self.stop()
                    return None
                if "__error__" in result:
                    self.last_error = result["__error__"]
                    return None
                return result
            return None

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.stdin.close()
            with contextlib.suppress(Exception):
                self.process.kill()
            with contextlib.suppress(Exception):
                self.process.wait(timeout=10)
            for stream in (self.process.stdout, self.process.stderr):
                with contextlib.suppress(Exception):
                    stream.close()
            self.process = None
        if self.prepared is not None:
            self.prepared.release()
            self.prepared = None


_SERVERS: dict[tuple, CleanServer] = {}


def clean_server(config, assignment: str, workdir: Path | None, owner, keep: int = 3) -> CleanServer:
    """The warm clean interpreter of ``assignment`` for this process (at most ``keep`` kept warm)."""
    import hashlib

    files = sorted((str(p.relative_to(workdir)), hashlib.sha256(p.read_bytes()).hexdigest())
                   for p in workdir.rglob("*") if p.is_file() and p.suffix != ".ipynb") if workdir else []
    key = (assignment, repr(files), repr(config.get("GradingSandbox", {})))
    if key not in _SERVERS:
        while len(_SERVERS) >= keep:
            oldest = min(_SERVERS, key=lambda k: _SERVERS[k].last_used)
            _SERVERS.pop(oldest).stop()
        _SERVERS[key] = CleanServer(config, assignment, workdir, owner.log)
    return _SERVERS[key]


def stop_clean_servers() -> None:
    """Stop every clean interpreter (end of the process)."""
    while _SERVERS:
        _, server = _SERVERS.popitem()
        server.stop()


def stop_idle_clean_servers(idle_seconds: float = 900) -> None:
    """Stop the clean interpreters unused for ``idle_seconds`` (a long-lived formgrader keeps the others)."""
    import time

    for key, server in list(_SERVERS.items()):
        if time.monotonic() - server.last_used > idle_seconds:
            _SERVERS.pop(key).stop()


atexit.register(stop_clean_servers)


__all__ = ["Recheck", "MissingEntry", "gradebook_cells"]
