"""Committed notebooks: built from contenu/, release/ in sync with source/, clean."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from tools import construire_notebooks as build

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOURCES = sorted((ROOT / "source").glob("*/*.ipynb"))
RELEASES = sorted((ROOT / "release").glob("*/*.ipynb"))
COMMITTED = LESSONS + SOURCES + RELEASES


def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def test_every_unit_has_a_lesson_and_an_assignment():
    units = build.units(ROOT)
    assert units, "no unit in contenu/"
    for unit in units:
        assert (ROOT / "notebooks" / f"{unit}.ipynb").is_file(), unit
        assert (ROOT / "source" / unit / f"{unit}.ipynb").is_file(), unit
        assert (ROOT / "release" / unit / f"{unit}.ipynb").is_file(), unit


def test_generated_notebooks_match_their_text_sources():
    built = build.build_sources(ROOT)
    stale = [str(path) for path, text in built.items() if (ROOT / path).read_text(encoding="utf-8") != text]
    assert not stale, f"out of date, run `make release`: {stale}"
    orphans = set(ids(LESSONS + SOURCES)) - {str(p) for p in built}
    assert not orphans, f"notebooks without a source in contenu/: {sorted(orphans)}"


def release_files(root: Path) -> list[Path]:
    """Files under release/, without Jupyter's checkpoints (ignored by git and nbgrader)."""
    return sorted(p.relative_to(root) for p in (root / "release").rglob("*")
                  if p.is_file() and ".ipynb_checkpoints" not in p.parts)


def test_release_is_in_sync_with_source(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "source", tmp_path / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    build.generate_release(tmp_path)
    fresh, committed = release_files(tmp_path), release_files(ROOT)
    assert fresh == committed, "run `make release`"
    for relative in fresh:
        assert (tmp_path / relative).read_bytes() == (ROOT / relative).read_bytes(), \
            f"{relative} is out of date: run `make release`"


@pytest.mark.parametrize("path", COMMITTED, ids=ids(COMMITTED))
def test_notebook_is_committed_clean(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} has outputs"
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}, notebook.metadata.keys()
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", LESSONS, ids=ids(LESSONS))
def test_lesson_has_the_course_structure(path):
    notebook = nbformat.read(path, as_version=4)
    assert not any("nbgrader" in cell.metadata for cell in notebook.cells)
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for heading in ("Objectifs", "Prérequis", "À retenir", "Pour aller plus loin", "Sources"):
        assert f"## {heading}" in text, f"section « {heading} » missing"
    assert "afficher_quiz(" in "\n".join(c.source for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", SOURCES, ids=ids(SOURCES))
def test_assignment_cells_are_well_formed(path):
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells]
    metas = [c.metadata["nbgrader"] for c in cells]
    answers = [m for m in metas if m["solution"] and not m["grade"]]
    tests = [(c, m) for c, m in zip(cells, metas) if m["grade"] and not m["solution"]]
    written = [m for m in metas if m["grade"] and m["solution"]]
    assert len(tests) + len(written) >= 3
    assert answers and written, "an assignment mixes autograded and written answers"
    for cell, meta in tests:
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden test"
        assert "verifier_" in cell.source.split("### BEGIN HIDDEN TESTS")[0], \
            f"{meta['grade_id']}: the visible test should use coopdec.checks"
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
        assert "verifier_" not in hidden, f"{meta['grade_id']}: hidden tests must not rely on coopdec.checks"
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    assert "Binder" in text and "Télécharger" in text, "the Binder warning is missing"
    assert "Un indice ?" in text


def test_build_requires_a_title_first(tmp_path):
    untitled = tmp_path / "a.md"
    untitled.write_text("---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\nTexte.\n",
                        encoding="utf-8")
    with pytest.raises(build.BuildError, match="title cell"):
        build.assignment(untitled)


def test_build_rejects_unknown_tags_and_missing_ids(tmp_path):
    header = "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n# Exercices\n\n"
    bad_tag = tmp_path / "a.md"
    bad_tag.write_text(header + "```{code-cell} ipython3\n:tags: [reponses]\n\nx = 1\n```\n", encoding="utf-8")
    with pytest.raises(build.BuildError, match="unknown tag"):
        build.assignment(bad_tag)
    no_id = tmp_path / "b.md"
    no_id.write_text(header + "```{code-cell} ipython3\n:tags: [tests]\n:points: 1\n\nx = 1\n```\n",
                     encoding="utf-8")
    with pytest.raises(build.BuildError, match="needs a grade_id"):
        build.assignment(no_id)
    no_points = tmp_path / "c.md"
    no_points.write_text(header + "```{code-cell} ipython3\n:tags: [tests]\n:grade_id: t1\n\nx = 1\n```\n",
                         encoding="utf-8")
    with pytest.raises(build.BuildError, match="positive points"):
        build.assignment(no_points)


def test_build_maps_tags_to_nbgrader_metadata(tmp_path):
    source = tmp_path / "exercices.md"
    source.write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\n---\n\n# Exercices\n\nConsigne.\n\n"
        "```{code-cell} ipython3\n:tags: [reponse]\n:grade_id: reponse_1\n\nx = 1\n```\n\n"
        "```{code-cell} ipython3\n:tags: [tests]\n:grade_id: test_1\n:points: 2\n\nassert x\n```\n\n"
        '+++ {"tags": ["manuel"], "grade_id": "redaction_1", "points": 3}\n\nModèle.\n',
        encoding="utf-8")
    cells = json.loads(build.assignment(source))["cells"]
    assert "Sur Binder, rien n'est sauvegardé" in "".join(cells[1]["source"])
    assert "sauvegarder_reponses()" in "".join(cells[-1]["source"])
    assert cells[0]["metadata"]["nbgrader"]["locked"] is True  # title and instructions
    meta = [c["metadata"] for c in cells[2:-1]]  # between the standard header and save cell
    assert meta[0]["nbgrader"] == {"grade": False, "grade_id": "reponse_1", "locked": False,
                                   "schema_version": 3, "solution": True}
    assert meta[0]["tags"] == ["raises-exception"]
    assert meta[1]["nbgrader"]["points"] == 2 and meta[1]["nbgrader"]["grade"] is True
    assert meta[2]["nbgrader"] == {"grade": True, "grade_id": "redaction_1", "locked": False, "points": 3,
                                   "schema_version": 3, "solution": True}
    assert [c["id"] for c in cells] == ["consigne-01", "consigne-02", "reponse-1", "test-1", "redaction-1",
                                        "consigne-06"]
