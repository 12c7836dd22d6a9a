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

# ---------------------------------------------------------------------------
# Hardened grading (coopdec.correction; the trainer's guide is docs/formateur.md).
# Everything below applies to plain `nbgrader autograde`, formgrader's buttons,
# `generate_feedback`, `release_feedback`, `collect` and `export`.
# ---------------------------------------------------------------------------

# Each batch: ids checked, sandbox probed, gradebook backed up, canaries graded, journal kept.
c.Autograde.exporter_class = "coopdec.correction.batch.AutogradeBatch"
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "coopdec.correction.sanitize.DropBrokenMetadata",  # a duplicated test cell no longer crashes
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "coopdec.correction.sanitize.CheckCellMetadata",  # nbgrader's checks, schema compiled once
]
c.Autograde.autograde_preprocessors = [
    "coopdec.correction.scan.StudentCodeScan",        # flags code that can tamper with the tests
    "coopdec.correction.execution.SandboxedExecute",  # the kernel runs in bubblewrap, limited
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "coopdec.correction.recheck.Recheck",             # passed tests re-run outside the trainee's code
    "coopdec.correction.verdicts.ApplyVerdicts",      # suspect tests → 0 and manual review
    "nbgrader.preprocessors.AssignLatePenalties",
    "coopdec.correction.sanitize.CheckCellMetadata",
]
# The sandbox (bubblewrap + unprivileged uid + limits) is required: grading refuses to
# start where it cannot run. Opting out is explicit: COOPDEC_SANS_BAC_A_SABLE=1.
if os.environ.get("COOPDEC_SANS_BAC_A_SABLE", "").lower() in {"1", "oui", "yes", "true"}:
    c.GradingSandbox.enabled = False

# Feedback: no hidden test, no leaked output, nothing while manual grading is pending.
c.GenerateFeedback.exporter_class = "coopdec.correction.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "coopdec.correction.feedback.RedactLeaks",
    "coopdec.correction.feedback.SanitizeTestOutputs",
    "coopdec.correction.feedback.HideHiddenTests",
    "coopdec.correction.feedback.DropInternalComments",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ExchangeFactory.release_feedback = "coopdec.correction.feedback.GuardedReleaseFeedback"

# Collect: the latest submission, the previous one archived, server-side timestamps, owners checked.
c.ExchangeFactory.collect = "coopdec.correction.collect.ArchivingCollect"

# Export: a « statut » column tells 0 from « erreur de correction » and pending manual grading.
c.ExportApp.plugin_class = "coopdec.correction.export.CoopdecExport"
