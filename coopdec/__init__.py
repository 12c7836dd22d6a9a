"""coopdec — helpers for the course on decentralised cooperation (AECT).

Learner-facing names are French::

    from coopdec import charger, afficher_quiz
    apd = charger("apd_collectivites_annuelle")

Importing the package also sets the chart style and, inside a notebook, the
friendly French error messages (see :mod:`coopdec.erreurs`) and spares each
chart a drawing nobody sees (see :mod:`coopdec.rendu`).
"""

from . import erreurs, rendu, style
from .checks import ReponseIncorrecte
from .data import DatasetError, charger, jeux_de_donnees
from .quiz import afficher_quiz
from .sauvegarde import restaurer_reponses, sauvegarder_reponses
from .style import mettre_en_forme, nombre_fr

__all__ = [
    "DatasetError",
    "ReponseIncorrecte",
    "afficher_quiz",
    "charger",
    "jeux_de_donnees",
    "mettre_en_forme",
    "nombre_fr",
]

style.appliquer_style()
erreurs.installer()
rendu.installer()
