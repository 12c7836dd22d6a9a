"""nbgrader configuration of the coopdec course.

Run every instructor command (generate_assignment, collect, autograde,
generate_feedback, export…) from this folder: nbgrader reads this file from the
current directory. See docs/formateur.md.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

COURSE_ROOT = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "coopdec"
c.CourseDirectory.root = str(COURSE_ROOT)
# source/, release/ (committed) and submitted/, autograded/, feedback/ (git-ignored)
# are nbgrader's default folder names, under the course root.
c.CourseDirectory.db_url = os.environ.get(
    "COOPDEC_GRADEBOOK", f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"
)
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# The exchange is where trainers release and trainees submit. On a JupyterHub set
# COOPDEC_EXCHANGE to a shared folder (e.g. /srv/nbgrader/exchange, mode 1777);
# the default needs no root rights.
c.Exchange.root = os.environ.get("COOPDEC_EXCHANGE", str(COURSE_ROOT / "exchange"))

# Seconds per cell; a cell that loops forever is interrupted and the tests still run.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# A deleted test cell is put back instead of waiting for manual grading forever.
c.OverwriteCells.add_missing_cells = True

# French stubs in the trainees' version.
c.ClearSolutions.code_stub = {"python": "# VOTRE CODE ICI\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
