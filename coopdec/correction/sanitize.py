"""Repair what a submission's cell metadata can break in nbgrader 0.9.6.

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
