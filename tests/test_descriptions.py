"""The French description of a value in error messages (coopdec.descriptions)."""

import pandas as pd
import pytest

from coopdec.descriptions import describe


@pytest.mark.parametrize("value, expected", [
    (None, "None (aucune valeur)"),
    (True, "un booléen (True)"),
    ("B", "un texte (« B »)"),
    ("x" * 61, "un texte"),
    ("deux\nlignes", "un texte"),
    (3, "un nombre entier (3)"),
    (2.5, "un nombre décimal (2.5)"),
    (1j, "un nombre (1j)"),
    ({"a": 1}, "un dictionnaire { }"),
    ([1], "une liste [ ]"),
    ((1,), "un tuple ( )"),
    ({1}, "un ensemble (set)"),
    (pd.DataFrame({"a": [1]}), "un tableau pandas (DataFrame)"),
    (pd.Series([1]), "une série pandas (Series)"),
    (object(), "un objet de type object"),
])
def test_describe(value, expected):
    assert describe(value) == expected
