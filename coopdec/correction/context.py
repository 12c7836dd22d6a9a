"""Find the course a preprocessor works for.

nbgrader creates preprocessors with the exporter as parent, and the exporter
with the converter (which holds ``coursedir``) as parent.
"""

from __future__ import annotations

from pathlib import Path


def coursedir_of(configurable):
    """The nbgrader ``CourseDirectory`` above ``configurable``, or None."""
    node = configurable
    for _ in range(10):
        if node is None:
            return None
        coursedir = getattr(node, "coursedir", None)
        if coursedir is not None:
            return coursedir
        node = getattr(node, "parent", None)
    return None


def course_root_of(configurable) -> Path | None:
    coursedir = coursedir_of(configurable)
    return Path(coursedir.root) if coursedir is not None else None


def batch_of(configurable):
    """The :class:`~.batch.AutogradeBatch` exporter above ``configurable``, or None."""
    from .batch import AutogradeBatch

    node = configurable
    for _ in range(10):
        if node is None:
            return None
        if isinstance(node, AutogradeBatch):
            return node
        node = getattr(node, "parent", None)
    return None
