"""`make bench` in quick mode on a tiny scope: every section is there, with positive numbers.

No timing threshold here: the performance targets live in the benchmark's
report (docs/performance.md), not in tests that a busy machine would fail.
"""

import ast
import json
import sys
from pathlib import Path

import nbformat
import pytest

from tools.bench import kernel, notebooks, report
from tools.bench.__main__ import main
from tools.bench.grading import WAYS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    notebook = folder / "petit.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import math\nmath.pi")]), notebook)
    base = main(["--rapide", "--notebooks", str(notebook), "--devoir", "00-bienvenue", "--stagiaires", "2",
                 "--sortie", str(folder / "mesures")])
    return json.loads(base.with_suffix(".json").read_text(encoding="utf-8")), base.with_suffix(".md").read_text()


def test_every_section_has_positive_numbers(bench):
    result, _ = bench
    (row,) = result["notebooks"]["notebooks"]
    assert row["mediane_s"] > 0 and row["plancher_s"] > 0 and row["ratio_plancher"] > 0
    assert row["imports_du_paquet"] == [] and row["plancher_imports_ecrits_s"] == row["plancher_s"]
    assert result["notebooks"]["plancher_cours"]["mediane_s"] > 0
    assert result["notebooks"]["total"]["ratio_plancher"] > 0
    cohort = result["cohorte"]
    assert cohort["plancher_par_copie_s"] > 0
    assert set(cohort["facons"]) == set(WAYS)
    for way in cohort["facons"].values():
        assert way["s_par_copie"] > 0 and way["ratio_nbgrader"] > 0 and way["ratio_plancher"] > 0
    for way in cohort["facons"].values():  # the course's command too: each of its batches is clocked
        assert way["temps_internes_par_copie_s"]["demarrage_noyau"] > 0
        assert way["temps_internes_par_copie_s"]["cellules"] > 0
        assert way["noyaux_demarres"] >= cohort["stagiaires"]
    assert result["import_coopdec"]["import_coopdec_s"] > 0
    assert result["jeux_de_donnees"] and all(d["mediane_s"] > 0 for d in result["jeux_de_donnees"])
    assert result["environnement"]["venv_mo"] > 0


def test_parallel_grading_keeps_the_gradebook_whole(bench):
    result, _ = bench
    for way in ("cours", "parallele_par_lots"):
        graded = result["cohorte"]["facons"][way]
        assert graded["integrite_ok"], graded["integrite"]
        assert graded["notes_identiques_a_nbgrader"]


def test_markdown_table_has_the_ratio_columns(bench):
    _, table = bench
    assert "| ratio / plancher |" in table
    assert "| ratio / nbgrader |" in table
    assert "cible ≤ 1,5" in table and "cible ≤ 0,55" in table and "cible ≤ 1,3" in table


def test_a_notebook_floor_holds_the_libraries_coopdec_imported_for_it(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import math"),
        nbformat.v4.new_code_cell("from coopdec import afficher_quiz\nafficher_quiz('00-bienvenue')"),
    ])
    run = kernel.run(notebook, ROOT / "notebooks", probe=True)
    assert run["imports_du_paquet"] == ["ipywidgets"]  # the quiz's; pyplot and nbformat unused
    assert len(run["detail_cellules"]) == 2, "the probe is not timed as a cell of the notebook"
    floor = kernel.imports_notebook(notebook, run["imports_du_paquet"]).cells[0].source
    assert floor.splitlines() == ["import math", "from coopdec import afficher_quiz", "import ipywidgets"]


def test_charts_are_counted_and_their_cells_timed_apart(tmp_path):
    """What the charts weigh: the cells that drew them, and the ratio without those cells."""
    path = tmp_path / "graphique.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.bar(['a', 'b'], [1, 2])"),
        nbformat.v4.new_code_cell("1 + 1"),
    ]), path)
    section = notebooks.measure([path], tmp_path, repetitions=1)
    (row,) = section["notebooks"]
    chart_cell = [c for c in row["cellules_lentes"] if c["debut"].startswith("fig, ax")]
    assert row["graphiques"] == 1 and [c["images"] for c in chart_cell] == [1]
    assert row["graphiques_s"] == chart_cell[0]["secondes"] > 0
    assert row["ratio_hors_graphiques"] == pytest.approx((row["mediane_s"] - row["graphiques_s"]) / row["plancher_s"])
    header, _, line = report._notebooks(section)[:3]
    assert f"| 1 ({report.num(row['graphiques_s'])}) | {report.num(row['ratio_hors_graphiques'])} |" in line
    assert line.count("|") == header.count("|")


def test_a_notebook_that_failed_keeps_its_row_as_wide_as_the_table():
    zero = {"mediane_s": 1.0, "demarrage_s": 0.0, "cellules_s": 0.0, "arret_s": 0.0}
    section = {
        "notebooks": [{"notebook": "notebooks/casse.ipynb", "erreur": "NameError"}],
        "total": {"notebooks": 0, "somme_medianes_s": 0.0, "somme_planchers_s": 0.0, "ratio_plancher": 0.0,
                  "pire_ratio": 0.0, "pire_ratio_imports_ecrits": 0.0},
        "plancher_cours": {**zero, "arret_immediat": zero},
    }
    header, _, failed, total = report._notebooks(section)[:4]
    assert "échec : NameError" in failed
    assert failed.count("|") == total.count("|") == header.count("|")


# Imported inside a function of coopdec but loaded before: IPython by the kernel itself,
# matplotlib's figure classes by pyplot (they serve to check a trainee's chart).
LOADED_ALREADY = {"IPython", "IPython.display", "matplotlib.axes", "matplotlib.container", "matplotlib.figure"}


def test_the_floor_knows_every_library_coopdec_imports_inside_a_function():
    """What a notebook imports through coopdec (not coopdec.correction, which runs in the grader)."""
    late = set()
    for path in (ROOT / "coopdec").glob("*.py"):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    late |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    late.add(node.module)
    libraries = {m for m in late if m.split(".")[0] not in sys.stdlib_module_names}
    assert libraries - LOADED_ALREADY == set(kernel.PACKAGE_IMPORTS)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, matplotlib.pyplot\n"
        f"print(sorted(m for m in {sorted(LOADED_ALREADY)!r} if m not in sys.modules))")])
    kernel.run(notebook, ROOT)
    assert notebook.cells[0].outputs[0]["text"].strip() == "[]"
