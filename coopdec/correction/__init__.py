"""Hardened grading of the course with nbgrader (issue #7).

Everything is wired in ``nbgrader_config.py`` and runs inside nbgrader's own
commands; the trainer's guide is ``docs/formateur.md``. One module, one job:

- :mod:`.sandbox`, :mod:`.probe`, :mod:`.kernel`: the bubblewrap sandbox of
  the grading kernel, its self-test, the kernel manager that uses it;
- :mod:`.execution`: nbgrader's ``Execute`` in the sandbox, with bounded
  outputs and the capture of the answers each test reads;
- :mod:`.capture`, :mod:`.clean_run`, :mod:`.recheck`: re-check of passed
  tests in an interpreter that never ran the trainee's code;
- :mod:`.sanitize`: repair of duplicated cells' metadata (nbgrader bug);
- :mod:`.scan`: static scan of the trainee's code;
- :mod:`.verdicts`: suspect tests to 0 and to manual review, comments;
- :mod:`.batch`, :mod:`.canaries`, :mod:`.backup`, :mod:`.journal`: what
  happens around each batch (ids, sandbox check, backup, canaries, journal);
- :mod:`.ids`: ASCII slugs for student ids and assignment names;
- :mod:`.collect`, :mod:`.feedback`, :mod:`.export`: collection, feedback and
  export that lose nothing and reveal nothing;
- :mod:`.bilan`: the cohort's per-question summary and chart.
"""
