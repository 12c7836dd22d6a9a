"""Repair and check what a submission's cell metadata can break in nbgrader 0.9.6.

``DeduplicateIds`` blanks the nbgrader metadata of a duplicated cell to
``{}``; ``OverwriteCells`` with ``add_missing_cells`` then reads
``metadata.nbgrader["grade_id"]`` of every cell that has the key and the
whole submission fails with ``KeyError: 'grade_id'`` (measured: a trainee who
copies a test cell gets « erreur de correction »). A cell whose nbgrader
metadata has no ``grade_id`` is not a cell nbgrader knows: it becomes an
ordinary cell, and the missing instructor cells are put back from the
gradebook as usual.
"""

from __future__ import annotations

import traceback

import jsonschema
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import NbGraderPreprocessor


class DropBrokenMetadata(NbGraderPreprocessor):
    """Remove nbgrader metadata without a ``grade_id`` (run after ``DeduplicateIds``)."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or not meta.get("grade_id")):
            del cell.metadata["nbgrader"]
            self.log.warning("Cellule %d : métadonnées nbgrader incomplètes retirées (cellule dupliquée ?)",
                             index + 1)
        return cell, resources


class _SchemaCompiledOnce(MetadataValidator):
    """nbgrader's metadata validator, with its JSON schema checked and compiled once.

    ``jsonschema.validate`` checks the schema itself before every instance:
    nbgrader calls it for every cell of every copy, twice per copy (measured:
    0.18 s per notebook of 33 cells, the same work each time). Validation of
    the metadata is unchanged; other schema versions go to nbgrader's own
    code, which raises its own errors.
    """

    _compiled = None

    def validate_cell(self, cell) -> None:
        meta = cell.metadata.get("nbgrader")
        if meta is None or not isinstance(meta, dict) or meta.get("schema_version", 0) != self.schema_version:
            return super().validate_cell(cell)
        cls = type(self)
        if cls._compiled is None:
            validator_class = jsonschema.validators.validator_for(self.schema)
            validator_class.check_schema(self.schema)
            cls._compiled = validator_class(self.schema)
        error = jsonschema.exceptions.best_match(cls._compiled.iter_errors(meta))
        if error is not None:
            raise error


class CheckCellMetadata(NbGraderPreprocessor):
    """nbgrader's ``CheckCellMetadata`` (same checks, same errors), without re-checking the schema per cell."""

    def preprocess(self, nb, resources):
        try:
            _SchemaCompiledOnce().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            message = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(message)
            raise ValidationError(message)
        return nb, resources
