"""The clean interpreter of the re-check: instructor code and plain data only.

A program is a JSON list of steps:

- ``{"run": source}``: a locked instruction cell, taken from the gradebook;
- ``{"inject": {name: encoded value}}``: the trainee's answers captured just
  before a test, rebuilt as plain values (:func:`.capture.decode`);
- ``{"test": grade_id, "source": source}``: a test cell, from the gradebook
  (hidden tests included).

Its result is ``{grade_id: {"passed": …, "ename": …, "undecodable": [names]}}``.
No code of the trainee runs here: only the instructor's cells, on data.

``python -m coopdec.correction.clean_run --serve`` starts a *server* (inside
the sandbox, once per batch and assignment): it imports the course's heavy
libraries once, then forks a fresh child for each program it reads on its
standard input (one JSON line), so that a re-check costs a fraction of a
second and no state passes from one trainee to the next.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import sys

MARKER = "COOPDEC-RECHECK:"


class StepTimeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - only on a hung step
    raise StepTimeout()


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="nocolor")
    # Only the type of an error is reported: IPython's formatted traceback (a quarter of a
    # second, through stack_data) would be built for every failed test and thrown away.
    shell.showtraceback = shell.showsyntaxerror = lambda *args, **kwargs: None
    return shell


def run_program(program: dict, shell=None) -> dict:
    """Execute ``program`` (see the module docstring) and return the test results."""
    from coopdec.correction.capture import Undecodable, decode

    shell = shell or _shell()
    signal.signal(signal.SIGALRM, _alarm)
    step_seconds = int(program.get("step_seconds", 60))
    results: dict[str, dict] = {}
    undecodable: list[str] = []
    for step in program["steps"]:
        if "inject" in step:
            undecodable = []
            for name, encoded in step["inject"].items():
                try:
                    shell.user_ns[name] = decode(encoded)
                except (Undecodable, KeyError, TypeError, ValueError, OverflowError):
                    undecodable.append(name)
                    shell.user_ns.pop(name, None)
            continue
        source = step.get("run", step.get("source", ""))
        sink = io.StringIO()
        signal.alarm(step_seconds)
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                result = shell.run_cell(source, store_history=False, silent=False)
            error = result.error_in_exec or result.error_before_exec
        except StepTimeout:
            error = TimeoutError("step")
        finally:
            signal.alarm(0)
        if "test" in step:
            results[step["test"]] = {
                "passed": error is None,
                "ename": type(error).__name__ if error is not None else None,
                "undecodable": sorted(undecodable),
            }
            undecodable = []
    return results


def _warm_up() -> None:
    """Import what the course's cells import, once, before any fork."""
    for module in ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "coopdec", "coopdec.checks"):
        with contextlib.suppress(Exception):
            __import__(module)


def serve(stdin, stdout) -> None:
    """Answer one program per input line, each in a forked child."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    _warm_up()
    from coopdec.correction import capture  # noqa: F401 - imported before forking

    shell = _shell()
    stdout.write(MARKER + "{}\n")
    stdout.flush()
    for line in stdin:
        if not line.strip():
            continue
        try:
            program = json.loads(line)
        except ValueError:
            stdout.write(MARKER + json.dumps({"__error__": "requête illisible"}) + "\n")
            stdout.flush()
            continue
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: run, report, vanish
            os.close(read_fd)
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                payload = json.dumps(run_program(program, shell)).encode()
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                payload = json.dumps({"__error__": f"{type(exc).__name__}: {exc}"}).encode()
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(payload)
            os._exit(0)
        os.close(write_fd)
        deadline = float(program.get("total_seconds", 300))
        chunks = []
        with os.fdopen(read_fd, "rb") as fh:
            while True:
                ready, _, _ = select.select([fh], [], [], deadline)
                if not ready:
                    os.kill(pid, signal.SIGKILL)
                    chunks = [json.dumps({"__error__": "délai dépassé"}).encode()]
                    break
                chunk = os.read(fh.fileno(), 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        os.waitpid(pid, 0)
        data = b"".join(chunks) or json.dumps({"__error__": "le processus de re-vérification a échoué"}).encode()
        stdout.write(MARKER + data.decode() + "\n")
        stdout.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(sys.stdin, sys.stdout)
        return 0
    program = json.loads(sys.stdin.read())
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.environ.setdefault("MPLBACKEND", "Agg")
    results = run_program(program)
    out.write(MARKER + json.dumps(results) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
