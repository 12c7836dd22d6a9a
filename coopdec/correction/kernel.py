"""A Jupyter kernel manager that starts the grading kernel inside the sandbox.

It solves the pitfalls measured in ``autograde-hardening.md`` §4:

- the kernel talks over IPC sockets (the sandbox has no network), in a short
  absolute folder of its own that is bound read-write into the sandbox;
- the connection file is written there and handed to the sandbox uid;
- interrupts are sent as messages (a signal does not cross bubblewrap);
- the kernel is always this interpreter's ipykernel, whatever kernelspec the
  submitted notebook names;
- ``JPY_PARENT_PID`` is not passed (the kernel lives in its own PID namespace);
- the kernel starts without the debugger: nobody debugs a copy being graded,
  and ipykernel otherwise imports debugpy at every start (0.1 to 0.18 s of a
  0.8 to 0.95 s start, docs/performance.md). ``breakpoint()`` left in a copy
  then does nothing (``PYTHONBREAKPOINT=0``), as in JupyterLab, where
  debugpy's hook carries on when no debugger is attached; without it, pdb
  would wait for input and the cell would fail.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait
from traitlets import Dict, Instance, Unicode, default

from .sandbox import GradingSandbox, Prepared


# What ``python -m ipykernel_launcher`` runs, with debugpy made unimportable first
# (ipykernel then starts without its debugger, as it does wherever debugpy is missing).
LAUNCH_WITHOUT_DEBUGGER = (
    "import sys\n"
    "sys.modules['debugpy'] = None\n"
    "if sys.path[0] == '':\n"
    "    del sys.path[0]\n"
    "from ipykernel import kernelapp\n"
    "kernelapp.launch_new_instance()\n"
)


def pinned_kernel_spec() -> KernelSpec:
    """The one kernel used for grading: this interpreter's ipykernel, interrupted by message."""
    return KernelSpec(
        argv=[sys.executable, "-c", LAUNCH_WITHOUT_DEBUGGER, "-f", "{connection_file}"],
        display_name="Python 3 (correction coopdec)",
        language="python",
        interrupt_mode="message",
        env={},
        metadata={},
    )


class SandboxedKernelManager(AsyncKernelManager):
    """Start the kernel in :class:`~coopdec.correction.sandbox.GradingSandbox`."""

    sandbox = Instance(GradingSandbox, allow_none=True)
    workdir = AnyTrait(None, help="Host folder whose data files are copied next to the notebook.")
    cwd_name = Unicode("travail")
    extra_files = Dict(help="Files created in the sandbox (path -> bytes).")

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._kernel_spec = pinned_kernel_spec()
        self._runtime_dir: Path | None = None
        self._prepared: Prepared | None = None

    @property
    def ipykernel(self) -> bool:
        return True

    async def _async_pre_start_kernel(self, **kw: Any):
        if self.sandbox is None:
            self.sandbox = GradingSandbox(parent=self)
        self._runtime_dir = self.sandbox.new_runtime_dir()
        self.connection_file = str(self._runtime_dir / "kernel.json")
        self.ip = str(self._runtime_dir / "s")
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        assert self._runtime_dir is not None and self.sandbox is not None
        if self._prepared is not None:
            self._prepared.release()
        self._prepared = self.sandbox.prepare(
            cmd,
            cwd_name=self.cwd_name,
            workdir=Path(self.workdir) if self.workdir else None,
            runtime_dir=self._runtime_dir,
            files=dict(self.extra_files),
            extra_env={"PYTHONBREAKPOINT": "0"},
        )
        self.sandbox.give_runtime_dir(self._runtime_dir, self._prepared.uid)
        return self._prepared.argv

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        assert self._prepared is not None and self._runtime_dir is not None
        kw["pass_fds"] = self._prepared.pass_fds
        kw["cwd"] = str(self._runtime_dir)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            self._prepared.close_fds()

    def seal(self) -> None:
        """Called once the kernel answers: its sockets exist, it may create no more files there."""
        if self._runtime_dir is not None and self._prepared is not None and self.sandbox is not None:
            self.sandbox.seal_runtime_dir(self._runtime_dir, self._prepared.uid)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart:
                if self._prepared is not None:
                    self._prepared.release()
                    self._prepared = None
                if self._runtime_dir is not None:
                    shutil.rmtree(self._runtime_dir, ignore_errors=True)
                    self._runtime_dir = None

    cleanup_resources = _async_cleanup_resources
