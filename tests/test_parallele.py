"""coopdec.correction.parallele: how the cohort is shared out between parallel batches.

The parallel grading itself runs in tests/test_cohorte.py (30 trainees, two batches).
"""

import pytest

from coopdec.correction import parallele


def test_round_robin_shares_cover_every_student_once():
    students = [f"s{i:02d}" for i in range(7)]
    shares = parallele.shares(students, 3)
    assert shares == [["s00", "s03", "s06"], ["s01", "s04"], ["s02", "s05"]]
    assert sorted(s for share in shares for s in share) == students


@pytest.mark.parametrize("processes, expected", [(1, 1), (2, 2), (8, 3)])
def test_never_more_batches_than_students(processes, expected):
    assert len(parallele.shares(["a", "b", "c"], processes)) == expected


def test_each_command_excludes_the_other_batches_students():
    lines = parallele.commands("nbgrader", "01-histoire", ["a", "b", "c"], 2, ["--force"])
    assert lines == [
        ["nbgrader", "autograde", "01-histoire", "--AutogradeBatch.canary_ttl=3600", "--force",
         "--CourseDirectory.student_id_exclude=b"],
        ["nbgrader", "autograde", "01-histoire", "--AutogradeBatch.canary_ttl=3600", "--force",
         "--CourseDirectory.student_id_exclude=a,c"],
    ]
    (alone,) = parallele.commands("nbgrader", "01-histoire", ["a"], 2, [])
    assert not any("exclude" in part for part in alone)


def test_an_id_with_a_comma_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="virgule"):
        parallele.commands("nbgrader", "01-histoire", ["a,b", "c"], 2, [])


def test_nothing_collected_says_what_to_do(tmp_path, capsys):
    assert parallele.run(tmp_path, "01-histoire", 2, []) == 1
    assert "nbgrader collect 01-histoire" in capsys.readouterr().out
