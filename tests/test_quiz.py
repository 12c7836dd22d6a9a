"""coopdec.quiz: bank validation, grading of attempts, widgets, and the course's banks."""

from pathlib import Path

import pytest
import yaml

from coopdec import quiz
from coopdec.quiz import QuizError, charger_banque, corriger, valider_banque

ROOT = Path(__file__).resolve().parent.parent
BANKS = sorted((ROOT / "quizzes").glob("*.yml"))


def question(**overrides) -> dict:
    base = {
        "id": "atr",
        "question": "En quelle année la loi ATR ?",
        "type": "unique",
        "source": "Sénat, rapport n° 123",
        "choix": [
            {"texte": "1992", "correct": True, "explication": "Loi du 6 février 1992."},
            {"texte": "1982", "explication": "1982 : article 65, régions seulement."},
            {"texte": "2007", "explication": "2007 : loi Thiollière."},
        ],
    }
    base.update(overrides)
    return base


def bank(*questions) -> dict:
    return {"unite": "99-essai", "titre": "Essai", "questions": list(questions) or [question()]}


# -- validation -------------------------------------------------------------

def test_valid_bank_has_no_problem():
    assert valider_banque(bank()) == []


@pytest.mark.parametrize(
    "broken, expected",
    [
        (question(choix=[{"texte": "1992", "correct": True, "explication": "x"},
                         {"texte": "1982", "correct": True, "explication": "y"}]), "exactement une bonne réponse"),
        (question(choix=[{"texte": "1992", "explication": "x"}, {"texte": "1982", "explication": "y"}]),
         "exactement une bonne réponse (trouvé : 0)"),
        (question(choix=[{"texte": "1992", "correct": True, "explication": "x"}, {"texte": "1982"}]),
         "« explication » manquante"),
        (question(source=""), "« source » manquant"),
        (question(question=None), "« question » manquant"),
        (question(type="ouverte"), "type « ouverte » inconnu"),
        (question(choix=[{"texte": "1992", "correct": True, "explication": "x"}]), "au moins deux choix"),
        (question(id=None), "identifiant « id » manquant"),
        (question(type="multiple", choix=[{"texte": "a", "explication": "x"}, {"texte": "b", "explication": "y"}]),
         "au moins une bonne réponse"),
    ],
)
def test_malformed_question_is_reported_in_french(broken, expected):
    problems = valider_banque(bank(broken))
    assert any(expected in p for p in problems), problems


def test_duplicate_ids_and_missing_keys_are_reported():
    problems = valider_banque({"unite": "x", "questions": [question(), question()]})
    assert "Clé obligatoire manquante : « titre »." in problems
    assert any("identifiant en double" in p for p in problems)


@pytest.mark.parametrize("not_a_bank", [None, [], "texte"])
def test_a_bank_must_be_a_mapping(not_a_bank):
    assert valider_banque(not_a_bank)


def test_loading_reports_unknown_bank_and_lists_available(tmp_path, monkeypatch):
    (tmp_path / "01-histoire.yml").write_text(yaml.safe_dump(bank()), encoding="utf-8")
    monkeypatch.setenv("COOPDEC_QUIZZES", str(tmp_path))
    with pytest.raises(QuizError, match="introuvable.*Banques disponibles : 01-histoire"):
        charger_banque("02-droit")
    assert charger_banque("01-histoire")["titre"] == "Essai"


def test_loading_reports_yaml_syntax_and_encoding_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("COOPDEC_QUIZZES", str(tmp_path))
    (tmp_path / "casse.yml").write_text("questions: [oups", encoding="utf-8")
    with pytest.raises(QuizError, match="n'est pas un YAML lisible"):
        charger_banque("casse")
    (tmp_path / "latin.yml").write_bytes("titre: Coopération".encode("latin-1"))
    with pytest.raises(QuizError, match="n'est pas un YAML lisible en UTF-8"):
        charger_banque("latin")


def test_loading_lists_every_problem(tmp_path, monkeypatch):
    monkeypatch.setenv("COOPDEC_QUIZZES", str(tmp_path))
    (tmp_path / "faux.yml").write_text(yaml.safe_dump(bank(question(source=""), question(id="b", type="x"))),
                                       encoding="utf-8")
    with pytest.raises(QuizError) as info:
        charger_banque("faux")
    assert "« source » manquant" in str(info.value) and "type « x » inconnu" in str(info.value)


# -- grading ----------------------------------------------------------------

def test_right_answer():
    result = corriger(question(), 0)
    assert result.juste and "Loi du 6 février 1992." in result.message


def test_wrong_answer_gets_the_explanation_of_that_choice():
    result = corriger(question(), 1)
    assert result.statut == "faux" and "article 65" in result.message


@pytest.mark.parametrize("nothing", [None, [], set()])
def test_nothing_chosen_is_not_an_error(nothing):
    result = corriger(question(), nothing)
    assert result.statut == "vide" and "Choisissez une réponse" in result.message


@pytest.mark.parametrize("bad", [7, -1, "0", [0, 9]])
def test_impossible_choice_raises(bad):
    with pytest.raises(QuizError, match="Choix invalide"):
        corriger(question(), bad)


def test_multiple_choice_grading():
    q = question(type="multiple", choix=[
        {"texte": "CUF", "correct": True, "explication": "Réseau français."},
        {"texte": "AFCCRE", "correct": True, "explication": "Section française du CCRE."},
        {"texte": "AFD", "explication": "L'AFD est un opérateur de l'État, pas un réseau."},
    ])
    assert corriger(q, [0, 1]).juste
    partial = corriger(q, [0])
    assert partial.statut == "faux" and "manque 1 bonne" in partial.message
    extra = corriger(q, [0, 1, 2])
    assert extra.statut == "faux" and "opérateur de l'État" in extra.message


# -- widgets ----------------------------------------------------------------

def test_widget_click_shows_feedback(tmp_path, monkeypatch):
    monkeypatch.setenv("COOPDEC_QUIZZES", str(tmp_path))
    (tmp_path / "essai.yml").write_text(yaml.safe_dump(bank()), encoding="utf-8")
    box = quiz.afficher_quiz("essai")
    header, first = box.children
    title, selector, button, feedback = first.children
    button.click()
    assert "Choisissez une réponse" in feedback.value
    selector.value = 1
    button.click()
    assert "article 65" in feedback.value and "Source" in feedback.value
    selector.value = 0
    button.click()
    assert "Bonne réponse" in feedback.value


def test_widget_selection_of_questions(tmp_path, monkeypatch):
    monkeypatch.setenv("COOPDEC_QUIZZES", str(tmp_path))
    (tmp_path / "essai.yml").write_text(yaml.safe_dump(bank(question(), question(id="b"))), encoding="utf-8")
    assert len(quiz.afficher_quiz("essai", questions=["b"]).children) == 2
    with pytest.raises(QuizError, match="inconnue"):
        quiz.afficher_quiz("essai", questions=["zz"])


def test_questions_share_their_layouts_and_styles_and_answers_stay_apart():
    """The 16 questions of unit 07 open 93 widget models, not 229 (a layout and a style each)."""
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    box = quiz.afficher_quiz("07-etudes-de-cas")
    questions = box.children[1:]
    created = len(_instances) - before
    assert created < 6 * len(questions), created
    titles = [q.children[0] for q in questions]
    feedbacks = [q.children[3] for q in questions]
    assert len({id(w.layout) for w in titles + feedbacks}) == 1
    assert len({id(w.style) for w in titles + feedbacks}) == 1
    assert len({id(q.layout) for q in questions}) == 1
    assert len({id(q.children[2].style) for q in questions}) == 1
    # Shared looks, separate answers: checking one question leaves the others alone.
    first, second = questions[0].children, questions[1].children
    first[1].value = 0
    first[2].click()
    assert feedbacks[0].value and not feedbacks[1].value and second[1].value is None


# -- the course's own banks ---------------------------------------------------

@pytest.mark.parametrize("path", BANKS, ids=[p.stem for p in BANKS])
def test_course_bank_is_valid(path):
    banque = charger_banque(path.stem)
    assert banque["unite"] == path.stem
    minimum = 8 if path.stem == "00-bienvenue" else 12
    assert len(banque["questions"]) >= minimum


@pytest.mark.parametrize("path", BANKS, ids=[p.stem for p in BANKS])
def test_course_bank_reads_the_same_with_the_c_and_the_python_loader(path):
    # charger_banque uses libyaml's loader when PyYAML has it: it must read exactly what the
    # reference (pure Python) safe loader reads.
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML sans libyaml : charger_banque utilise déjà le chargeur Python")
    assert quiz._LOADER is yaml.CSafeLoader
    assert charger_banque(path.stem) == yaml.safe_load(path.read_text(encoding="utf-8"))
