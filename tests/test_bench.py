"""`make bench` in quick mode on a tiny scope: every section is there, with positive numbers.

No timing threshold here: the performance targets live in the benchmark's
report (docs/performance.md), not in tests that a busy machine would fail.
"""

import json

import nbformat
import pytest

from tools.bench.__main__ import main
from tools.bench.grading import WAYS


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
    assert result["notebooks"]["plancher_cours"]["mediane_s"] > 0
    assert result["notebooks"]["total"]["ratio_plancher"] > 0
    cohort = result["cohorte"]
    assert cohort["plancher_par_copie_s"] > 0
    assert set(cohort["facons"]) == set(WAYS)
    for way in cohort["facons"].values():
        assert way["s_par_copie"] > 0 and way["ratio_nbgrader"] > 0 and way["ratio_plancher"] > 0
    for name, way in cohort["facons"].items():  # the course's command is timed from outside only
        if name != "cours":
            assert way["temps_internes_par_copie_s"]["demarrage_noyau"] > 0
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
