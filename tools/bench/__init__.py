"""``make bench``: how fast the course runs, against its floors (issue #9).

Run ``python -m tools.bench`` from the course root (``make bench`` does).
One module per section: :mod:`.notebooks` (lessons and instructor notebooks
against their floors, on top of :mod:`.kernel`), :mod:`.grading` (a cohort
graded by plain nbgrader, the course's way and parallel prototypes, on top of
:mod:`.cohort` and the ``instrument.py`` script), :mod:`.environment`
(import, datasets, installed size); :mod:`.report` writes the Markdown table.
The results go to ``mesures/`` (git-ignored); ``docs/performance.md`` keeps a
reference run.
"""
