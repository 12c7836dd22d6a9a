"""nbgrader's ``Execute`` preprocessor, with the kernel in the sandbox.

On top of nbgrader's behaviour (per-cell timeout, interrupt, errors kept):

- the kernel runs in :class:`~.sandbox.GradingSandbox` (unless the trainer
  explicitly opted out), with the submission's data files but not its notebook;
- outputs are bounded *while* they arrive (bytes per cell and per notebook), so
  a flood of prints can fill neither the grader's memory nor the feedback; an
  output is never dropped entirely (a truncated ``stderr`` still counts as
  ``stderr``, an error stays an error), so truncation never changes a grade;
- a notebook has a total wall-clock budget besides the per-cell timeout;
- just before each test cell, the values the test reads are captured as plain
  data (:mod:`.capture`) for the clean re-check.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from queue import Empty

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, default

from . import capture
from .probe import font_cache_files
from .sandbox import GradingSandbox, SandboxUnavailable

NOTICE = "\n[… sortie tronquée par la correction : elle dépassait {limit} Ko …]\n"


class NotebookTimeout(RuntimeError):
    """The whole notebook took longer than its budget (French message)."""


class SandboxedExecute(Execute):
    """Execute a submission in the sandbox and capture the answers its tests read."""

    notebook_timeout = Integer(
        600, help="Total seconds for one notebook (each cell also has Execute.timeout)."
    ).tag(config=True)
    max_cell_output_bytes = Integer(100_000, help="Output bytes kept per cell.").tag(config=True)
    max_notebook_output_bytes = Integer(2_000_000, help="Output bytes kept per notebook.").tag(config=True)
    capture_answers = Bool(True, help="Capture the values read by test cells.").tag(config=True)
    capture_timeout = Integer(20, help="Seconds to wait for a capture.").tag(config=True)
    setup_timeout = Integer(
        180, help="Seconds allowed to the instructor's locked cells (imports of the course's libraries), "
                  "which are trusted; the trainee's cells and the tests keep Execute.timeout.").tag(config=True)

    @default("shutdown_kernel")
    def _shutdown_kernel_default(self) -> str:
        return "immediate"  # the kernel is thrown away: no need to wait for it

    def _sandbox(self) -> GradingSandbox:
        return GradingSandbox(config=self.config, parent=self)

    # ------------------------------------------------------------- kernel

    def create_kernel_manager(self):
        sandbox = self._sandbox()
        if not sandbox.enabled:
            self.log.warning("Bac à sable DÉSACTIVÉ : le code du stagiaire s'exécute avec vos droits.")
            return super().create_kernel_manager()
        from .kernel import SandboxedKernelManager

        path = (self.resources or {}).get("metadata", {}).get("path")
        assignment = (self.resources or {}).get("nbgrader", {}).get("assignment") or "travail"
        self.km = SandboxedKernelManager(
            config=self.config,
            sandbox=sandbox,
            workdir=str(path) if path else None,
            cwd_name=assignment,
            extra_files=font_cache_files(sandbox),
        )
        return self.km

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        seal = getattr(self.km, "seal", None)
        if seal is not None:
            seal()
        return kc

    # ------------------------------------------------------------- execution

    def preprocess(self, nb: NotebookNode, resources, km=None):
        self._started = time.monotonic()
        self._cell_bytes: dict[int, int] = {}
        self._total_bytes = 0
        self._truncated: set[tuple[int, str]] = set()
        state = resources.setdefault("coopdec", {})
        state["captures"] = {}
        state["capture_failures"] = []
        self._setup_cells = self._instructor_cells(resources)
        return super().preprocess(nb, resources, km=km)

    @staticmethod
    def _instructor_cells(resources) -> set[str]:
        """Locked instruction cells of the notebook, according to the gradebook."""
        from .recheck import graded_notebook_cells

        try:
            cells = graded_notebook_cells(resources)
        except Exception:  # noqa: BLE001 - outside nbgrader: no cell gets the setup budget
            return set()
        return {name for name, c in cells.items()
                if c["type"] == "code" and c["locked"] and not c["solution"] and not c["grade"]}

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        grade_id = (cell.metadata.get("nbgrader", {}).get("grade_id") if cell is not None else None)
        if timeout is not None and grade_id in getattr(self, "_setup_cells", ()):
            return max(timeout, self.setup_timeout)
        return timeout

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.source.strip():
            if time.monotonic() - self._started > self.notebook_timeout:
                raise NotebookTimeout(
                    f"le notebook a dépassé sa durée totale de {self.notebook_timeout} s "
                    "(boucles lentes ou attentes répétées)"
                )
            if self.capture_answers and utils.is_grade(cell):
                self._capture(cell, resources)
        return super().preprocess_cell(cell, resources, index)

    def _capture(self, cell: NotebookNode, resources) -> None:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        names = sorted(capture.loaded_names(cell.source))
        if not names:
            resources["coopdec"]["captures"][grade_id] = {}
            return
        values = self._run_capture(names)
        if values is None:
            resources["coopdec"]["capture_failures"].append(grade_id)
        else:
            resources["coopdec"]["captures"][grade_id] = values

    def _run_capture(self, names: list[str]) -> dict | None:
        from jupyter_core.utils import run_sync

        try:
            return run_sync(self._async_capture)(names)
        except Exception as exc:  # noqa: BLE001 - a failed capture is a finding, not a crash
            self.log.warning("Capture des réponses impossible : %s", exc)
            return None

    async def _async_capture(self, names: list[str]) -> dict | None:
        assert self.kc is not None
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"capture": capture.capture_expression(names)})
        deadline = time.monotonic() + self.capture_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.log.warning("Capture des réponses : pas de réponse du noyau, interruption.")
                await self.km.interrupt_kernel()
                return None
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=min(remaining, 1.0))
            except Empty:
                await self._async_check_alive()
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return capture.parse_reply(msg)

    # ------------------------------------------------------------- outputs

    @staticmethod
    def _size(content: dict) -> int:
        if "text" in content:
            return len(content["text"])
        if "traceback" in content:
            return sum(len(line) for line in content.get("traceback", [])) + len(content.get("evalue", ""))
        return len(json.dumps(content.get("data", {}), default=str))

    def output(self, outs, msg, display_id, cell_index):
        msg_type = msg["msg_type"]
        content = msg["content"]
        size = self._size(content)
        used = self._cell_bytes.get(cell_index, 0)
        allowed = max(0, min(self.max_cell_output_bytes - used, self.max_notebook_output_bytes - self._total_bytes))
        if size > allowed:
            key = (cell_index, msg_type + content.get("name", ""))
            limit = self.max_cell_output_bytes // 1000
            if key in self._truncated:
                return None  # the stub of this kind of output is already there
            self._truncated.add(key)
            msg = {**msg, "content": dict(content)}
            content = msg["content"]
            if msg_type == "stream":
                content["text"] = content["text"][: max(allowed, 200)] + NOTICE.format(limit=limit)
            elif msg_type == "error":
                content["evalue"] = content.get("evalue", "")[:500]
                content["traceback"] = [line[:2000] for line in content.get("traceback", [])[-20:]]
            else:
                content["data"] = {"text/plain": NOTICE.format(limit=limit).strip()}
                content["metadata"] = {}
            size = self._size(content)
        self._cell_bytes[cell_index] = used + size
        self._total_bytes += size
        return super().output(outs, msg, display_id, cell_index)


def executed_grade(cell: NotebookNode) -> tuple[float | None, float]:
    """nbgrader's verdict on an executed grade cell: (score, max)."""
    return utils.determine_grade(cell)


def submission_folder(resources) -> Path | None:
    path = (resources or {}).get("metadata", {}).get("path")
    return Path(path) if path else None


__all__ = ["NotebookTimeout", "SandboxUnavailable", "SandboxedExecute"]
