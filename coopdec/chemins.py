"""Where the course's folders are, wherever a notebook runs.

The package is installed in editable mode from the course repository (``make
lab``, ``make test``, Binder's ``postBuild``), so the repository root is the
parent of this package's folder. That holds in a lesson, in ``release/``, in a
trainee's fetched copy outside the repository and in nbgrader's ``autograded/``
folders, whose working directories all differ.
"""

from __future__ import annotations

import os
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent


def dossier(nom: str, variable: str) -> Path:
    """Return the course folder ``nom``, or the path in environment ``variable`` if set."""
    override = os.environ.get(variable)
    return Path(override) if override else COURSE_ROOT / nom
