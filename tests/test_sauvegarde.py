"""Save and restore a trainee's answers (coopdec.sauvegarde): Binder keeps nothing."""

import base64
import copy
import json
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from coopdec import restaurer_reponses, sauvegarder_reponses
from coopdec import sauvegarde as s

ROOT = Path(__file__).resolve().parent.parent
RELEASES = sorted((ROOT / "release").glob("*/*.ipynb"))

# Answers a trainee could really type: accents, « guillemets », quotes, several lines, an emoji.
CODE_ANSWER = ('# Réponse « à la française » : l\'été, où, ç\n'
               'reponse_1_1 = "Coopération décentralisée — « jumelage »"\n'
               'for annee in (1992, 2007):\n'
               '    print(f"{annee} : loi d\'orientation")\n')
TEXT_ANSWER = ("La loi **ATR** (6 février 1992) ouvre la coopération à *toutes* les collectivités.\n"
               "\n"
               "- Premier point : « l'intérêt local » ;\n"
               "- Second point : l'égalité des partenaires 🤝.\n")


def _meta(grade_id, *, grade, solution, locked, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points:
        meta["points"] = points
    return {"nbgrader": meta}


def exercise_notebook() -> nbformat.NotebookNode:
    """A release-like notebook: instructions, code and Markdown answers, test cells."""
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Exercices", metadata=_meta("consigne_01", grade=False, solution=False,
                                                           locked=True)),
        v4.new_code_cell("from coopdec.checks import verifier_choix",
                         metadata=_meta("consigne_02", grade=False, solution=False, locked=True)),
        v4.new_code_cell("# VOTRE CODE ICI\nraise NotImplementedError()",
                         metadata=_meta("reponse_1_1", grade=False, solution=True, locked=False)),
        v4.new_code_cell("assert reponse_1_1", metadata=_meta("test_1_1", grade=True, solution=False,
                                                              locked=True, points=1)),
        v4.new_code_cell("# VOTRE CODE ICI\nraise NotImplementedError()\nprint(reponse_1_2)",
                         metadata=_meta("reponse_1_2", grade=False, solution=True, locked=False)),
        v4.new_code_cell("assert reponse_1_2", metadata=_meta("test_1_2", grade=True, solution=False,
                                                              locked=True, points=2)),
        v4.new_markdown_cell("VOTRE RÉPONSE ICI", metadata=_meta("redaction_1_3", grade=True, solution=True,
                                                                 locked=False, points=3)),
        v4.new_code_cell("# VOTRE CODE ICI\nraise NotImplementedError()",
                         metadata=_meta("reponse_1_4", grade=False, solution=True, locked=False)),
        v4.new_markdown_cell("Une cellule libre ajoutée par le stagiaire."),
    ]
    for number, cell in enumerate(cells):
        cell.id = f"cellule-{number}"
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def write(notebook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def other_cells(notebook) -> list[dict]:
    """Every cell that is not an answer cell, as plain data."""
    return [json.loads(json.dumps(c)) for c in notebook.cells
            if not c.metadata.get("nbgrader", {}).get("solution")]


@pytest.fixture
def answered(tmp_path) -> Path:
    """A trainee's notebook in a unit folder, answered (one answer deliberately emptied)."""
    notebook = exercise_notebook()
    cell(notebook, "reponse_1_1").source = CODE_ANSWER
    cell(notebook, "reponse_1_2").source = ""  # the trainee erased everything
    cell(notebook, "redaction_1_3").source = TEXT_ANSWER
    return write(notebook, tmp_path / "binder" / "01-histoire" / "01-histoire.ipynb")


@pytest.fixture
def fresh(tmp_path) -> Path:
    """A fresh release notebook of the same unit, elsewhere (a new Binder session)."""
    return write(exercise_notebook(), tmp_path / "nouvelle-session" / "01-histoire" / "01-histoire.ipynb")


# --------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------

def test_saved_file_holds_every_answer_and_its_context(answered):
    data, text, written, problem = s.sauvegarder(answered)
    assert problem is None and written == answered.with_name("01-histoire-reponses.json")
    on_disk = json.loads(written.read_text(encoding="utf-8"))
    assert on_disk == data == json.loads(text)
    assert data["format"] == "coopdec-reponses" and data["version_format"] == 1
    assert data["notebook"] == "01-histoire.ipynb" and data["devoir"] == "01-histoire"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", data["date"])
    assert data["version_coopdec"] == "0.1.0" or data["version_coopdec"]
    assert list(data["reponses"]) == ["reponse_1_1", "reponse_1_2", "redaction_1_3", "reponse_1_4"]
    assert data["reponses"]["reponse_1_1"] == {"type": "code", "source": CODE_ANSWER}
    assert data["reponses"]["redaction_1_3"] == {"type": "markdown", "source": TEXT_ANSWER}
    assert data["reponses"]["reponse_1_2"]["source"] == ""
    # Readable by a person: accents and guillemets are written as such, not as \\u escapes.
    assert "« jumelage »" in written.read_text(encoding="utf-8")


def test_download_link_carries_the_file(answered):
    _, text, _, _ = s.sauvegarder(answered)
    link = s.lien_de_telechargement("01-histoire-reponses.json", text)
    assert "download='01-histoire-reponses.json'" in link
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)'", link).group(1)
    assert base64.b64decode(payload).decode("utf-8") == text


def test_learner_function_reports_in_french(answered, monkeypatch, capsys):
    monkeypatch.setenv("JPY_SESSION_NAME", str(answered))
    sauvegarder_reponses()
    out = capsys.readouterr().out
    assert "4 réponse(s) sauvegardée(s), dont 2 encore vide(s) (reponse_1_2, reponse_1_4)" in out
    assert "01-histoire-reponses.json" in out and "Télécharger" in out
    assert 'restaurer_reponses("01-histoire-reponses.json")' in out
    assert "Ctrl+S" not in out  # the notebook was saved just now


@pytest.mark.parametrize("mode", ["validate", "autograde"])
def test_silent_under_nbgrader(answered, monkeypatch, capsys, mode):
    """The save cell ends every exercise notebook: Validate and autograde must see nothing."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(answered))
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    sauvegarder_reponses()
    assert capsys.readouterr().out == ""
    assert not (answered.parent / "01-histoire-reponses.json").exists()


def test_warns_when_the_notebook_was_saved_long_ago(answered, monkeypatch, capsys):
    old = time.time() - 600
    os.utime(answered, (old, old))
    monkeypatch.setenv("JPY_SESSION_NAME", str(answered))
    sauvegarder_reponses()
    out = capsys.readouterr().out
    assert "date d'il y a 10 min" in out and "Ctrl+S" in out


def test_read_only_folder_still_gives_the_link(answered, monkeypatch, capsys):
    def refuse(path, text):
        raise PermissionError(13, "Permission non accordée")
    monkeypatch.setattr(s, "_write_atomically", refuse)
    data, text, written, problem = s.sauvegarder(answered)
    assert written is None and "Permission" in problem and json.loads(text) == data
    sauvegarder_reponses(str(answered))
    assert "le lien ci-dessous fonctionne quand même" in capsys.readouterr().out


def test_a_lesson_has_nothing_to_save(tmp_path, capsys):
    lesson = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Leçon")])
    path = write(lesson, tmp_path / "00-bienvenue.ipynb")
    with pytest.raises(s.SauvegardeErreur, match="pas de cellule de réponse"):
        s.sauvegarder(path)
    sauvegarder_reponses(str(path))
    assert "✗ Sauvegarde impossible" in capsys.readouterr().out


# --------------------------------------------------------------------------
# Which notebook
# --------------------------------------------------------------------------

def test_notebook_from_the_session_name(answered, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", str(answered))
    assert s.trouver_notebook() == answered.resolve()
    # A path relative to the server's root: the kernel runs in the notebook's folder.
    monkeypatch.setenv("JPY_SESSION_NAME", "release/01-histoire/01-histoire.ipynb")
    monkeypatch.chdir(answered.parent)
    assert s.trouver_notebook() == answered.resolve()


def test_unknown_notebook_asks_for_its_name(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(s.SauvegardeErreur, match=r'sauvegarder_reponses\("01-histoire.ipynb"\)'):
        s.trouver_notebook()
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "ancien-nom.ipynb"))
    with pytest.raises(s.SauvegardeErreur, match="renommé"):
        s.trouver_notebook()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(s.SauvegardeErreur, match="« absent » est introuvable"):
        s.trouver_notebook("absent")
    # The learner-facing functions never raise: « Exécuter tout » and nbval go on.
    monkeypatch.delenv("JPY_SESSION_NAME")
    sauvegarder_reponses()
    restaurer_reponses("fichier.json")
    out = capsys.readouterr().out
    assert out.count("Je ne sais pas dans quel notebook") == 2


def test_notebook_given_by_name(answered, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(answered.parent)
    assert s.trouver_notebook("01-histoire.ipynb") == answered.resolve()
    assert s.trouver_notebook("01-histoire") == answered.resolve()


# --------------------------------------------------------------------------
# Restoring
# --------------------------------------------------------------------------

def test_round_trip_into_a_fresh_notebook_loses_nothing(answered, fresh):
    _, _, saved, _ = s.sauvegarder(answered)
    before = nbformat.read(fresh, as_version=4)
    report = s.restaurer(saved, fresh)
    after = nbformat.read(fresh, as_version=4)
    source = nbformat.read(answered, as_version=4)
    for grade_id in ("reponse_1_1", "reponse_1_2", "redaction_1_3", "reponse_1_4"):
        assert cell(after, grade_id).source == cell(source, grade_id).source, grade_id
    assert cell(after, "reponse_1_1").source == CODE_ANSWER
    assert cell(after, "redaction_1_3").source == TEXT_ANSWER
    assert cell(after, "reponse_1_2").source == ""  # an empty answer stays empty, not the stub
    assert other_cells(after) == other_cells(before)
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    assert report.restaurees == ["reponse_1_1", "reponse_1_2", "redaction_1_3"]
    assert report.inchangees == ["reponse_1_4"]  # still the stub on both sides
    assert report.inconnues == report.manquantes == report.incompatibles == []
    # Restoring twice is harmless.
    again = s.restaurer(saved, fresh)
    assert again.restaurees == [] and nbformat.read(fresh, as_version=4) == after


def test_a_backup_of_the_notebook_is_kept_before_writing(answered, fresh):
    original = fresh.read_bytes()
    _, _, saved, _ = s.sauvegarder(answered)
    report = s.restaurer(saved, fresh)
    assert report.copie.parent == fresh.parent / "copies-de-securite"
    assert re.fullmatch(r"01-histoire-avant-restauration-\d{4}-\d\d-\d\d-\d{6}\.ipynb", report.copie.name)
    assert report.copie.read_bytes() == original
    assert fresh.read_bytes() != original


def test_test_and_locked_cells_are_never_touched(fresh, tmp_path):
    answers = {
        "format": "coopdec-reponses", "version_format": 1, "devoir": "01-histoire",
        "reponses": {
            "test_1_1": {"type": "code", "source": "pass  # test rendu inoffensif"},
            "consigne_02": {"type": "code", "source": "import os"},
            "reponse_1_1": {"type": "code", "source": 'reponse_1_1 = "B"'},
        },
    }
    path = tmp_path / "triche-reponses.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    before = nbformat.read(fresh, as_version=4)
    report = s.restaurer(path, fresh)
    after = nbformat.read(fresh, as_version=4)
    assert report.restaurees == ["reponse_1_1"]
    assert sorted(report.inconnues) == ["consigne_02", "test_1_1"]
    assert other_cells(after) == other_cells(before)


def test_unknown_and_missing_ids_are_reported_in_french(answered, fresh, tmp_path, monkeypatch, capsys):
    data = s.lire_reponses(answered)
    data["reponses"]["reponse_9_9"] = {"type": "code", "source": "x = 1"}
    del data["reponses"]["reponse_1_4"]
    data["reponses"]["redaction_1_3"]["type"] = "code"
    path = fresh.parent / "01-histoire-reponses.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = s.restaurer(path.name, fresh)
    assert report.inconnues == ["reponse_9_9"]
    assert report.manquantes == ["reponse_1_4"]
    assert report.incompatibles == ["redaction_1_3"]
    assert cell(nbformat.read(fresh, as_version=4), "redaction_1_3").source == "VOTRE RÉPONSE ICI"
    monkeypatch.setenv("JPY_SESSION_NAME", str(fresh))
    restaurer_reponses("01-histoire-reponses.json")
    out = capsys.readouterr().out
    assert "Réponses du fichier qui n'existent pas dans ce notebook, non restaurées : reponse_9_9" in out
    assert "sans réponse dans le fichier, laissées telles quelles : reponse_1_4" in out
    assert "d'un autre type" in out and "redaction_1_3" in out


def test_learner_restore_says_how_to_reload(answered, fresh, monkeypatch, capsys):
    _, _, saved, _ = s.sauvegarder(answered)
    shutil.copy(saved, fresh.parent)
    monkeypatch.setenv("JPY_SESSION_NAME", str(fresh))
    monkeypatch.chdir(fresh.parent)
    restaurer_reponses("01-histoire-reponses.json")
    out = capsys.readouterr().out
    assert "✓ 3 réponse(s) restaurée(s) dans « 01-histoire.ipynb »" in out
    assert "Fichier → Recharger Notebook depuis le disque (en anglais File → Reload Notebook from Disk)" in out
    assert "« Rétablir » (Revert), jamais « Écraser »" in out
    assert "copies-de-securite/01-histoire-avant-restauration-" in out


def test_refuses_the_answers_of_another_assignment(answered, tmp_path):
    _, _, saved, _ = s.sauvegarder(answered)
    other = write(exercise_notebook(), tmp_path / "02-cadre-juridique" / "02-cadre-juridique.ipynb")
    original = other.read_bytes()
    with pytest.raises(s.SauvegardeErreur, match="devoir « 01-histoire ».*devoir « 02-cadre-juridique »"):
        s.restaurer(saved, other)
    assert other.read_bytes() == original
    assert not (other.parent / "copies-de-securite").exists()


def test_refuses_a_file_whose_answers_match_nothing(tmp_path):
    target = write(exercise_notebook(), tmp_path / "mon-essai.ipynb")  # no unit in its name
    path = tmp_path / "autre-reponses.json"
    path.write_text(json.dumps({"format": "coopdec-reponses", "version_format": 1, "devoir": None,
                                "reponses": {"reponse_5_1": {"type": "code", "source": "x = 2"}}}),
                    encoding="utf-8")
    with pytest.raises(s.SauvegardeErreur, match="Aucune réponse .* autre devoir"):
        s.restaurer(path, target)


@pytest.mark.parametrize("content, message", [
    ('{"format": "coopdec-reponses", "version_format": 1, "reponses": {"reponse_1_1": {"type": "co',
     r"abîmé \(JSON illisible ligne 1"),
    ("", "abîmé"),
    ('{"cells": []}', "n'est pas un fichier de réponses"),
    ('["reponse_1_1"]', "n'est pas un fichier de réponses"),
    ('{"format": "coopdec-reponses", "version_format": 9, "reponses": {}}', "version plus récente"),
    ('{"format": "coopdec-reponses", "version_format": 1, "reponses": {"reponse_1_1": "x = 1"}}',
     "mal formée"),
    ('{"format": "coopdec-reponses", "version_format": 1, "reponses": {"reponse_1_1": '
     '{"type": "code", "source": ["x = 1"]}}}', "mal formée"),
], ids=["tronque", "vide", "un-notebook", "une-liste", "futur", "sans-type", "source-liste"])
def test_damaged_files_are_refused_and_nothing_changes(fresh, content, message):
    path = fresh.parent / "01-histoire-reponses.json"
    path.write_text(content, encoding="utf-8")
    original = fresh.read_bytes()
    with pytest.raises(s.SauvegardeErreur, match=message):
        s.restaurer(path, fresh)
    assert fresh.read_bytes() == original


def test_not_utf8_is_refused(fresh):
    path = fresh.parent / "01-histoire-reponses.json"
    path.write_bytes('{"format": "coopdec-reponses", "x": "é"}'.encode("latin-1"))
    with pytest.raises(s.SauvegardeErreur, match="UTF-8"):
        s.restaurer(path, fresh)


def test_missing_file_lists_the_answer_files_found(answered, fresh, monkeypatch):
    monkeypatch.chdir(fresh.parent)
    with pytest.raises(s.SauvegardeErreur, match="Charger des fichiers"):
        s.restaurer("fichier.json", fresh)
    _, _, saved, _ = s.sauvegarder(answered)
    shutil.copy(saved, fresh.parent / "01-histoire-reponses (1).json")
    with pytest.raises(s.SauvegardeErreur, match=r"« fichier.json » est introuvable.*"
                                                 r"« 01-histoire-reponses \(1\).json »"):
        s.restaurer("fichier.json", fresh)
    # The name may be given without « .json ».
    assert s.restaurer("01-histoire-reponses (1)", fresh).restaurees


def test_duplicated_answer_cells_keep_the_first(answered, capsys):
    notebook = nbformat.read(answered, as_version=4)
    copy_of = copy.deepcopy(cell(notebook, "reponse_1_1"))
    copy_of.id = "copie"
    copy_of.source = "brouillon"
    notebook.cells.append(copy_of)
    nbformat.write(notebook, answered)
    data, _, _, _ = s.sauvegarder(answered)
    assert data["reponses"]["reponse_1_1"]["source"] == CODE_ANSWER
    assert data["doublons_ignores"] == ["reponse_1_1"]
    sauvegarder_reponses(str(answered))
    assert "copiées en double (reponse_1_1)" in capsys.readouterr().out


# --------------------------------------------------------------------------
# The course's own exercise notebooks
# --------------------------------------------------------------------------

@pytest.mark.parametrize("release", RELEASES, ids=[p.parent.name for p in RELEASES])
def test_course_solutions_restored_into_a_fresh_release_pass_validate(release, tmp_path):
    """Save the answers of the instructor version, restore them into a fresh trainee copy:
    every answer lands, nothing else moves, and nbgrader's Validate passes."""
    from nbgrader.validator import Validator

    unit = release.parent.name
    source = ROOT / "source" / unit / release.name
    instructor = tmp_path / "formateur" / unit / release.name
    instructor.parent.mkdir(parents=True)
    shutil.copy(source, instructor)
    trainee = tmp_path / "stagiaire" / unit / release.name
    shutil.copytree(release.parent, trainee.parent)
    _, _, saved, _ = s.sauvegarder(instructor)
    before = nbformat.read(trainee, as_version=4)
    report = s.restaurer(saved, trainee)
    after = nbformat.read(trainee, as_version=4)
    assert report.inconnues == report.manquantes == report.incompatibles == []
    expected = json.loads(saved.read_text(encoding="utf-8"))["reponses"]
    assert {gid: cell(after, gid).source for gid in expected} == {gid: a["source"] for gid, a in
                                                                  expected.items()}
    assert other_cells(after) == other_cells(before)
    assert Validator().validate(str(trainee)) == {}, f"{unit}: restored solutions do not pass Validate"
