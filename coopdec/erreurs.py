"""Beginner-friendly error display in notebooks (after Berkeley Data 8's helper).

When a notebook imports :mod:`coopdec`, IPython is told to show:
- a failed answer check (:class:`~coopdec.checks.ReponseIncorrecte`) and a value
  that a course function refuses (:class:`ErreurDuCours`) as their French message
  alone, without a traceback;
- a few errors that beginners meet all the time with their usual traceback
  followed by a short French explanation.

The cell still ends in error, so nbgrader and nbval see a failed cell exactly as
before: only what the trainee reads changes.
"""

from __future__ import annotations

from .checks import ReponseIncorrecte


class ErreurDuCours(ValueError):
    """A value a course function refuses; its French message says what to write instead.

    Base of the errors of :mod:`coopdec.data`, :mod:`coopdec.grille`,
    :mod:`coopdec.juridique`, :mod:`coopdec.financement`,
    :mod:`coopdec.cadre_logique` and :mod:`coopdec.quiz`.
    """

    _render_traceback_ = ReponseIncorrecte._render_traceback_


_EXPLANATIONS = {
    NameError: (
        "Ce nom n'existe pas encore pour Python. Avez-vous exécuté la cellule qui le crée ? "
        "S'il s'agit d'une réponse (reponse_…), complétez d'abord la cellule de réponse et "
        "exécutez-la. Après un redémarrage du noyau, utilisez le menu Exécuter → « Exécuter tout "
        "au-dessus de la cellule sélectionnée ». Vérifiez aussi l'orthographe (majuscules, accents)."
    ),
    NotImplementedError: (
        "Cette cellule attend votre réponse : remplacez les lignes « # VOTRE CODE ICI » et "
        "« raise NotImplementedError() » par votre code, puis exécutez-la."
    ),
    KeyError: (
        "Ce nom de colonne ou cette étiquette n'existe pas dans le tableau. Affichez les "
        "colonnes avec « tableau.columns » et recopiez le nom exact."
    ),
    FileNotFoundError: (
        "Le fichier est introuvable. Pour les données du cours, utilisez "
        "« charger(\"nom_du_jeu\") » plutôt qu'un chemin de fichier."
    ),
}


def _explanation_for(error_type: type) -> str | None:
    for known, text in _EXPLANATIONS.items():
        if issubclass(error_type, known):
            return text
    return None


def _show(shell, etype, value, tb, tb_offset=None):
    if issubclass(etype, (ReponseIncorrecte, ErreurDuCours)):
        shell._showtraceback(etype, value, value._render_traceback_())
        return None
    structured = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, structured + [f"\x1b[34m💡 {_explanation_for(etype)}\x1b[0m"])
    return None


def installer() -> bool:
    """Register the display with the running IPython shell, if any.

    Returns True when a shell was found. Calling it twice is harmless.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((ReponseIncorrecte, ErreurDuCours, *_EXPLANATIONS), _show)
    return True
