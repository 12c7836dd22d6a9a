"""What a value is, in French, for the course's error messages.

« vous avez donné un texte (« B ») », « … une liste [ ] »: one wording for every
module that tells a trainee what they wrote instead of what was expected.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import pandas as pd

SHOWN_UP_TO = 60  # characters of a value quoted in a message; longer ones are only named


def _shown(value) -> str:
    text = str(value)
    return "" if len(text) > SHOWN_UP_TO or "\n" in text else text


def describe(value) -> str:
    """« un texte (« B ») », « un nombre entier (3) », « une liste [ ] »…"""
    if value is None:
        return "None (aucune valeur)"
    if isinstance(value, bool):
        return f"un booléen ({value})"
    if isinstance(value, str):
        shown = _shown(value)
        return f"un texte (« {shown} »)" if shown else "un texte"
    if isinstance(value, numbers.Integral):
        return f"un nombre entier ({value})"
    if isinstance(value, numbers.Real):
        return f"un nombre décimal ({value})"
    if isinstance(value, numbers.Number):
        return f"un nombre ({value})"
    if isinstance(value, pd.DataFrame):
        return "un tableau pandas (DataFrame)"
    if isinstance(value, pd.Series):
        return "une série pandas (Series)"
    if isinstance(value, Mapping):
        return "un dictionnaire { }"
    if isinstance(value, list):
        return "une liste [ ]"
    if isinstance(value, tuple):
        return "un tuple ( )"
    if isinstance(value, (set, frozenset)):
        return "un ensemble (set)"
    return f"un objet de type {type(value).__name__}"
