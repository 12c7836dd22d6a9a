"""Execute one notebook with nbclient and time its three phases.

A run is timed as nbval and nbgrader run a notebook: a fresh ``python3`` kernel
started in the notebook's folder, every code cell in order, then the kernel
shut down. The phases are kernel start (until the kernel answers), cells, and
shutdown; each cell's time is kept to tell what dominates a slow notebook.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# The imports the course's notebooks need, in one cell: the floor of every run.
FLOOR_IMPORTS = (
    "import coopdec, coopdec.checks, coopdec.grille, coopdec.juridique, coopdec.financement\n"
    "import coopdec.cadre_logique, coopdec.quiz, coopdec.sauvegarde\n"
    "import pandas, matplotlib.pyplot, ipywidgets"
)


def run(notebook: nbformat.NotebookNode, folder: Path, shutdown: str = "graceful") -> dict:
    """Execute ``notebook`` in ``folder``; return the seconds of each phase and of each cell."""
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
                          "debut": cell.source.strip().splitlines()[0][:70] if cell.source.strip() else ""})
        executed = time.perf_counter()
    stopped = time.perf_counter()
    return {
        "demarrage": ready - start,
        "cellules": executed - ready,
        "arret": stopped - executed,
        "total": stopped - start,
        "detail_cellules": cells,
    }


def floor_notebook() -> nbformat.NotebookNode:
    """A notebook of one cell: the imports every course notebook needs."""
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_IMPORTS)])


def imports_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook of one cell: the top-level imports of ``notebook``'s code cells, in order."""
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
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("\n".join(statements))])
