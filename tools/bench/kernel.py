"""Execute one notebook with nbclient and time its three phases.

A run is timed as nbval and nbgrader run a notebook: a fresh ``python3`` kernel
started in the notebook's folder, every code cell in order, then the kernel
shut down. The phases are kernel start (until the kernel answers), cells, and
shutdown; each cell's time is kept to tell what dominates a slow notebook, with
the number of images (charts) it displayed.
A run can also report, untimed, which of :data:`PACKAGE_IMPORTS` its cells
loaded: imports the notebook needs although it does not write them.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# The imports the course's notebooks need, in one cell: the floor of every run.
FLOOR_IMPORTS = (
    "import coopdec, coopdec.checks, coopdec.grille, coopdec.juridique, coopdec.financement\n"
    "import coopdec.cadre_logique, coopdec.quiz, coopdec.sauvegarde\n"
    "import pandas, matplotlib.pyplot, ipywidgets"
)

# Libraries coopdec imports inside a function, when a notebook first needs them: a quiz
# or a widget needs ipywidgets, a radar pyplot, saving answers nbformat
# (tests/test_bench.py checks that the list is complete).
PACKAGE_IMPORTS = ("matplotlib.pyplot", "ipywidgets", "nbformat")
_LOADED = f"import sys\nprint(' '.join(m for m in {PACKAGE_IMPORTS!r} if m in sys.modules))"


def run(notebook: nbformat.NotebookNode, folder: Path, shutdown: str = "graceful",
        probe: bool = False) -> dict:
    """Execute ``notebook`` in ``folder``; return the seconds of each phase and of each cell.

    With ``probe``, also ask the kernel (after the cells, outside the timing) which
    of :data:`PACKAGE_IMPORTS` the cells loaded.
    """
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        shutdown_kernel=shutdown,
        resources={"metadata": {"path": str(folder)}},
    )
    cells = []
    start = time.perf_counter()
    with client.setup_kernel():
        ready = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            before = time.perf_counter()
            client.execute_cell(cell, index)
            cells.append({"index": index, "secondes": time.perf_counter() - before,
                          "debut": cell.source.strip().splitlines()[0][:70] if cell.source.strip() else "",
                          "images": sum("image/png" in output.get("data", {}) for output in cell.outputs)})
        executed = time.perf_counter()
        loaded = _loaded(client) if probe else []
        probed = time.perf_counter()
    stopped = time.perf_counter()
    return {
        "demarrage": ready - start,
        "cellules": executed - ready,
        "arret": stopped - probed,
        "total": (executed - start) + (stopped - probed),
        "detail_cellules": cells,
        "imports_du_paquet": loaded,
    }


def _loaded(client: NotebookClient) -> list[str]:
    """Which of PACKAGE_IMPORTS the kernel has loaded (a cell run outside the notebook)."""
    cell = nbformat.v4.new_code_cell(_LOADED)
    client.nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1)
    finally:
        client.nb.cells.pop()
    return "".join(o.get("text", "") for o in cell.outputs).split()


def floor_notebook() -> nbformat.NotebookNode:
    """A notebook of one cell: the imports every course notebook needs."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_IMPORTS)])


def imports_notebook(notebook: nbformat.NotebookNode, loaded: Sequence[str] = ()) -> nbformat.NotebookNode:
    """A notebook of one cell: the top-level imports of ``notebook``'s code cells, in order.

    ``loaded`` adds the libraries coopdec imported for the notebook (see ``run(probe=True)``).
    """
    statements = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statement = ast.unparse(node)
                if statement not in statements:
                    statements.append(statement)
    statements += [f"import {module}" for module in loaded if f"import {module}" not in statements]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(statements))])
