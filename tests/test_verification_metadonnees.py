"""The course's CheckCellMetadata accepts and refuses exactly what nbgrader's does.

It only compiles the JSON schema once (``coopdec.correction.sanitize``); these
tests compare the two on every cell of every instructor notebook and on broken
metadata of each kind nbgrader's schema rejects.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError, ValidationError
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheck

from coopdec.correction.sanitize import CheckCellMetadata

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "source").glob("*/*.ipynb"))


def _outcome(check, notebook):
    try:
        check.preprocess(copy.deepcopy(notebook), {})
    except Exception as exc:  # noqa: BLE001 - the outcome compared is the exception's type
        return type(exc)
    return None


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_instructor_notebook_passes_both(path):
    notebook = nbformat.read(path, as_version=4)
    assert any("nbgrader" in cell.metadata for cell in notebook.cells)
    assert _outcome(CheckCellMetadata(), notebook) is None
    assert _outcome(NbgraderCheck(), notebook) is None


def _graded_cell_notebook():
    notebook = nbformat.read(SOURCES[0], as_version=4)
    index = next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade"))
    return notebook, index


BREAKAGES = {
    "points-en-texte": lambda meta: meta.update(points="deux"),
    "grade-id-nombre": lambda meta: meta.update(grade_id=12),
    "cle-obligatoire-absente": lambda meta: meta.pop("locked"),
    "cle-inconnue": lambda meta: meta.update(inconnue=True),
    "schema-ancien": lambda meta: meta.update(schema_version=1),
    "schema-futur": lambda meta: meta.update(schema_version=MetadataValidator.schema_version + 1),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_broken_metadata_is_refused_as_nbgrader_refuses_it(name):
    notebook, index = _graded_cell_notebook()
    BREAKAGES[name](notebook.cells[index].metadata["nbgrader"])
    ours, theirs = _outcome(CheckCellMetadata(), notebook), _outcome(NbgraderCheck(), notebook)
    assert ours is theirs
    assert theirs in {ValidationError, SchemaTooOldError, SchemaTooNewError}
