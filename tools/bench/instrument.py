"""Run one nbgrader command and record where its time goes (a script, not a module).

Usage: ``python instrument.py OUT.json autograde 01-histoire [nbgrader options]``,
from the course folder, exactly as ``nbgrader autograde …`` would be typed.

It runs nbgrader's own entry point unchanged; the only difference is a few
clocks wrapped around nbclient's kernel start, cell execution and kernel
shutdown, and around nbgrader's per-notebook conversion. The totals (seconds)
are written to OUT.json, with the exit code, when nbgrader is done:

- ``import``: importing nbgrader's command line application;
- ``avant_premiere_copie``: from the end of the import to the first notebook
  (configuration, gradebook, listing of submissions, batch hooks);
- ``demarrage_noyau``, ``cellules``, ``arret_noyau``: summed over notebooks;
- ``conversion``: summed per-notebook conversions (nbgrader converts each
  notebook twice: a sanitising pass, then the graded run), kernel included;
- ``notebooks``: how many notebooks were executed (kernels started).
"""

import functools
import json
import sys
import time

STARTED = time.perf_counter()
totals = {"demarrage_noyau": 0.0, "cellules": 0.0, "arret_noyau": 0.0, "conversion": 0.0, "notebooks": 0}
first_notebook = []


def timed(cls, name, bucket):
    """Wrap ``cls.name`` so that its wall time is added to ``totals[bucket]``."""
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        if bucket == "conversion":
            first_notebook.append(start)
        if name == "start_new_kernel":
            totals["notebooks"] += 1
        try:
            return original(*args, **kwargs)
        finally:
            totals[bucket] += time.perf_counter() - start

    setattr(cls, name, wrapper)


def main() -> int:
    out, args = sys.argv[1], sys.argv[2:]
    from nbclient.client import NotebookClient
    from nbgrader.apps.nbgraderapp import main as nbgrader_main
    from nbgrader.converters.base import BaseConverter

    imported = time.perf_counter()
    timed(NotebookClient, "start_new_kernel", "demarrage_noyau")
    timed(NotebookClient, "start_new_kernel_client", "demarrage_noyau")
    timed(NotebookClient, "execute_cell", "cellules")
    timed(NotebookClient, "_cleanup_kernel", "arret_noyau")
    timed(BaseConverter, "convert_single_notebook", "conversion")
    sys.argv = ["nbgrader", *args]
    code = 0
    try:
        nbgrader_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finished = time.perf_counter()
    totals.update(
        {
            "code_retour": code,
            "import": imported - STARTED,
            "avant_premiere_copie": (first_notebook[0] if first_notebook else finished) - imported,
            "total_interne": finished - STARTED,
        }
    )
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(totals, handle)
    return code


if __name__ == "__main__":
    sys.exit(main())
