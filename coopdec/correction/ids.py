"""Student ids and assignment names: ASCII slugs only.

nbgrader builds globs, regular expressions and paths from them; accents,
spaces, brackets or backslashes break counting, formgrader or the exchange
(nbgrader issues #912, #1738, #1843). Display names (first and last names in
the gradebook) may hold any character.
"""

from __future__ import annotations

import re

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9_-]|\.(?=[a-z0-9_-])){0,63}$")


def problem(value: str, kind: str) -> str | None:
    """French explanation of why ``value`` is not a valid ``kind``, or None if it is valid.

    ``kind`` is « identifiant de stagiaire » or « nom de devoir ».
    """
    if SLUG.match(value or ""):
        return None
    return (f"{kind} refusé : « {value} ». Utilisez seulement des minuscules sans accent, des chiffres, "
            "« - », « _ » ou « . » (pas d'espace ni de parenthèse, 64 caractères au plus), par exemple "
            "« marie-dupont » ou « 01-histoire ». Les noms affichés peuvent garder leurs accents.")


STUDENT = "identifiant de stagiaire"
ASSIGNMENT = "nom de devoir"
