"""Self-check quizzes: YAML question banks rendered as ipywidgets.

A bank ``quizzes/NN-slug.yml`` holds a unit's questions::

    unite: 01-histoire
    titre: Histoire de l'action extérieure des collectivités
    questions:
      - id: loi-atr
        question: En quelle année la loi ATR ouvre-t-elle la coopération à toutes les collectivités ?
        type: unique            # « unique » (one right answer) or « multiple » (several)
        choix:
          - texte: "1992"
            correct: true
            explication: Loi d'orientation du 6 février 1992, titre IV.
          - texte: "1982"
            explication: En 1982, l'article 65 ne vise que les régions et le transfrontalier.
        source: Sénat, rapport d'information n° 123 (2012-2013)

Quizzes are for self-checking only: widget state is not saved in notebooks, so
nothing graded depends on them (graded questions assign a variable instead).
The grading logic, :func:`corriger`, is a plain function; the widgets only call it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import yaml

from .apparence import style_for
from .chemins import dossier
from .erreurs import ErreurDuCours

__all__ = ["QuizError", "Correction", "charger_banque", "valider_banque", "corriger", "afficher_quiz"]

TYPES = ("unique", "multiple")


class QuizError(ErreurDuCours):
    """A question bank is missing or malformed (French message)."""


@dataclass(frozen=True)
class Correction:
    """Outcome of one attempt at one question."""

    statut: str  # "juste", "faux" or "vide"
    message: str

    @property
    def juste(self) -> bool:
        return self.statut == "juste"


def _quiz_folder() -> Path:
    return dossier("quizzes", "COOPDEC_QUIZZES")


def valider_banque(banque) -> list[str]:
    """Return the list of problems in a bank (empty when the bank is valid)."""
    if not isinstance(banque, dict):
        return ["La banque doit être un dictionnaire YAML avec les clés « unite », « titre » et « questions »."]
    problems = [f"Clé obligatoire manquante : « {k} »." for k in ("unite", "titre", "questions")
                if not banque.get(k)]
    questions = banque.get("questions") or []
    if not isinstance(questions, list):
        return problems + ["« questions » doit être une liste."]
    seen = set()
    for number, q in enumerate(questions, start=1):
        where = f"Question {number}"
        if not isinstance(q, dict):
            problems.append(f"{where} : doit être un dictionnaire.")
            continue
        qid = q.get("id")
        where = f"Question {number} ({qid})" if qid else where
        if not qid:
            problems.append(f"{where} : identifiant « id » manquant.")
        elif qid in seen:
            problems.append(f"{where} : identifiant en double.")
        seen.add(qid)
        for key in ("question", "source"):
            if not str(q.get(key) or "").strip():
                problems.append(f"{where} : « {key} » manquant ou vide.")
        kind = q.get("type", "unique")
        if kind not in TYPES:
            problems.append(f"{where} : type « {kind} » inconnu (attendu : {', '.join(TYPES)}).")
        choices = q.get("choix")
        if not isinstance(choices, list) or len(choices) < 2:
            problems.append(f"{where} : il faut au moins deux choix.")
            continue
        for c_number, choice in enumerate(choices, start=1):
            if not isinstance(choice, dict) or not str(choice.get("texte") or "").strip():
                problems.append(f"{where}, choix {c_number} : « texte » manquant.")
            elif not str(choice.get("explication") or "").strip():
                problems.append(f"{where}, choix {c_number} : « explication » manquante "
                                "(chaque réponse, juste ou fausse, doit apprendre quelque chose).")
        right = sum(1 for c in choices if isinstance(c, dict) and c.get("correct") is True)
        if kind == "unique" and right != 1:
            problems.append(f"{where} : une question « unique » doit avoir exactement une bonne réponse "
                            f"(trouvé : {right}).")
        if kind == "multiple" and right < 1:
            problems.append(f"{where} : une question « multiple » doit avoir au moins une bonne réponse.")
    return problems


#: PyYAML's safe loader, in C when PyYAML was built with libyaml (ten times faster: a bank of
#: 17 questions took 0.17 s to parse in Python, the longest step of showing a quiz).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def charger_banque(nom: str) -> dict:
    """Load and validate the bank ``quizzes/<nom>.yml``; raise :class:`QuizError` if unusable."""
    folder = _quiz_folder()
    path = folder / f"{nom.removesuffix('.yml')}.yml"
    if not path.is_file():
        available = sorted(p.stem for p in folder.glob("*.yml")) if folder.is_dir() else []
        raise QuizError(f"Banque de questions « {nom} » introuvable dans {folder}. "
                        f"Banques disponibles : {', '.join(available) or 'aucune'}.")
    try:
        banque = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise QuizError(f"Le fichier {path.name} n'est pas un YAML lisible en UTF-8 : {error}") from None
    problems = valider_banque(banque)
    if problems:
        raise QuizError(f"La banque {path.name} est invalide :\n- " + "\n- ".join(problems))
    return banque


def _selected_indices(question: dict, choix) -> set[int]:
    if choix is None:
        return set()
    picked = {choix} if isinstance(choix, int) else set(choix)
    valid = range(len(question["choix"]))
    if any(not isinstance(i, int) or i not in valid for i in picked):
        raise QuizError(f"Choix invalide {choix!r} pour la question « {question['id']} ».")
    return picked


def corriger(question: dict, choix) -> Correction:
    """Grade an attempt: ``choix`` is a choice index, a collection of indices, or None."""
    picked = _selected_indices(question, choix)
    if not picked:
        return Correction("vide", "Choisissez une réponse avant de cliquer sur « Vérifier ».")
    choices = question["choix"]
    right = {i for i, c in enumerate(choices) if c.get("correct") is True}
    if picked == right:
        explanations = " ".join(choices[i]["explication"] for i in sorted(picked))
        return Correction("juste", f"Bonne réponse. {explanations}")
    if question.get("type", "unique") == "unique":
        (i,) = picked
        return Correction("faux", f"Pas tout à fait. {choices[i]['explication']}")
    wrong = sorted(picked - right)
    missed = len(right - picked)
    parts = [choices[i]["explication"] for i in wrong]
    if missed:
        parts.append(f"Il vous manque {missed} bonne(s) réponse(s).")
    return Correction("faux", "Pas tout à fait. " + " ".join(parts))


# --------------------------------------------------------------------------
# Widgets
# --------------------------------------------------------------------------

_COLOURS = {"juste": "#009E73", "faux": "#D55E00", "vide": "#0072B2"}


def _feedback_html(correction: Correction, source: str) -> str:
    colour = _COLOURS[correction.statut]
    text = html.escape(correction.message)
    note = "" if correction.statut == "vide" else f"<br><small>Source : {html.escape(source)}</small>"
    return f'<div style="border-left:4px solid {colour};padding-left:8px">{text}{note}</div>'


def _shared_looks(widgets) -> dict:
    """One layout and one style per kind of widget, shared by all the questions of a quiz.

    A quiz of 16 questions opened 229 widget models in the kernel (each one a message to
    the browser) instead of 93 (:mod:`coopdec.apparence`).
    """
    return {
        "texte": {"layout": widgets.Layout(), "style": style_for(widgets.HTML)},
        "choix": {"layout": widgets.Layout(width="auto")},
        "radio": {"style": style_for(widgets.RadioButtons)},
        "case": {"style": style_for(widgets.Checkbox)},
        "bouton": {"layout": widgets.Layout(), "style": style_for(widgets.Button)},
        "question": {"layout": widgets.Layout(margin="0 0 16px 0")},
    }


def _question_widget(number: int, question: dict, looks: dict):
    import ipywidgets as widgets

    labels = [c["texte"] for c in question["choix"]]
    title = widgets.HTML(f"<b>Question {number}.</b> {html.escape(question['question'])}", **looks["texte"])
    if question.get("type", "unique") == "multiple":
        boxes = [widgets.Checkbox(description=label, indent=False, **looks["choix"], **looks["case"])
                 for label in labels]
        selector = widgets.VBox(boxes)

        def picked():
            return [i for i, box in enumerate(boxes) if box.value]
        title.value += " <i>(plusieurs réponses possibles)</i>"
    else:
        selector = widgets.RadioButtons(options=[(label, i) for i, label in enumerate(labels)],
                                        value=None, **looks["choix"], **looks["radio"])

        def picked():
            return selector.value
    button = widgets.Button(description="Vérifier", button_style="primary", **looks["bouton"])
    feedback = widgets.HTML(**looks["texte"])

    def on_click(_):
        feedback.value = _feedback_html(corriger(question, picked()), question["source"])

    button.on_click(on_click)
    return widgets.VBox([title, selector, button, feedback], **looks["question"])


def afficher_quiz(nom: str, questions: list[str] | None = None):
    """Show the self-check quiz of bank ``nom`` (optionally only the given question ids)."""
    import ipywidgets as widgets

    banque = charger_banque(nom)
    selected = banque["questions"]
    if questions is not None:
        known = {q["id"] for q in selected}
        unknown = [q for q in questions if q not in known]
        if unknown:
            raise QuizError(f"Question(s) inconnue(s) dans la banque « {nom} » : {', '.join(unknown)}.")
        selected = [q for q in selected if q["id"] in questions]
    header = widgets.HTML(f"<h3>Auto-évaluation : {html.escape(banque['titre'])}</h3>"
                          "<p>Cochez votre réponse puis cliquez sur « Vérifier ». "
                          "Ce quiz n'est pas noté ; vous pouvez réessayer autant que vous voulez.</p>")
    looks = _shared_looks(widgets)
    return widgets.VBox([header] + [_question_widget(i, q, looks) for i, q in enumerate(selected, start=1)])
