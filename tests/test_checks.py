"""coopdec.checks: right answers pass, wrong or malformed ones get a precise French message."""

import math

import pandas as pd
import pytest

from coopdec.checks import (
    ReponseIncorrecte,
    empreinte,
    verifier_choix,
    verifier_choix_multiples,
    verifier_graphique,
    verifier_nombre,
    verifier_ordre,
    verifier_tableau,
    verifier_texte,
)


def refused(check, *args, **kwargs) -> str:
    with pytest.raises(ReponseIncorrecte) as info:
        check(*args, **kwargs)
    return str(info.value)


# -- fingerprints -----------------------------------------------------------

def test_fingerprint_is_salted_and_short():
    a, b = empreinte("B", "q1"), empreinte("B", "q2")
    assert a.startswith("q1:") and b.startswith("q2:")
    assert a.split(":")[1] != b.split(":")[1]
    assert len(a.split(":")[1]) == 16


def test_fingerprint_does_not_contain_the_answer():
    assert "1992" not in empreinte("1992", "q", genre="texte")


@pytest.mark.parametrize("salt", ["", "a:b"])
def test_fingerprint_rejects_bad_salt(salt):
    with pytest.raises(ValueError):
        empreinte("B", salt)


def test_fingerprint_refuses_a_number_on_a_rounding_boundary():
    with pytest.raises(ValueError, match="limite d'arrondi"):
        empreinte(2.25, "q", genre="nombre", decimales=1)
    empreinte(2.25, "q", genre="nombre", decimales=2)  # fine at two decimals


def test_malformed_fingerprint_is_an_author_error_not_a_wrong_answer():
    with pytest.raises(ValueError, match="Empreinte mal formée"):
        verifier_choix("B", "pas-une-empreinte")


# -- single choice ----------------------------------------------------------

def test_choice_right_answer_prints_bravo(capsys):
    verifier_choix("B", empreinte("B", "q"))
    assert "Bravo" in capsys.readouterr().out


@pytest.mark.parametrize("answer", ["b", " B ", '"B"', "«B»"])
def test_choice_is_tolerant_to_case_spaces_and_quotes(answer, capsys):
    verifier_choix(answer, empreinte("B", "q"))
    assert "Bravo" in capsys.readouterr().out


def test_choice_wrong_answer_names_it_and_hints_without_revealing():
    message = refused(verifier_choix, "A", empreinte("B", "q"), relire="la partie sur 1992.")
    assert "« A » n'est pas la bonne réponse" in message
    assert "À relire : la partie sur 1992." in message
    assert "B" not in message.replace("bonne", "")


@pytest.mark.parametrize(
    "answer, expected",
    [
        (None, "pas encore répondu"),
        (..., "pas encore répondu"),
        ("", "chaîne vide"),
        ("   ", "chaîne vide"),
        (2, "un nombre entier (2)"),
        (["B"], "une liste"),
        ("E", "n'est pas une des options"),
    ],
)
def test_choice_bad_inputs(answer, expected):
    assert expected in refused(verifier_choix, answer, empreinte("B", "q"))


def test_choice_custom_options():
    verifier_choix("F", empreinte("F", "q"), options="VF")
    assert "n'est pas une des options" in refused(verifier_choix, "A", empreinte("F", "q"), options="VF")


# -- several choices and orderings -------------------------------------------

def test_multiple_choices_ignore_order_and_duplicates(capsys):
    fingerprint = empreinte(["A", "C"], "q", genre="choix_multiples")
    verifier_choix_multiples(["C", "a", "C"], fingerprint)
    assert "Bravo" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, expected",
    [
        (["A"], "pas la bonne combinaison"),
        (["A", "B", "C"], "en trop"),
        ([], "liste est vide"),
        ("AC", "liste de lettres"),
        (["A", "Z"], "n'est pas une des options"),
    ],
)
def test_multiple_choices_bad_inputs(answer, expected):
    fingerprint = empreinte(["A", "C"], "q", genre="choix_multiples")
    assert expected in refused(verifier_choix_multiples, answer, fingerprint)


def test_ordering(capsys):
    fingerprint = empreinte(["C", "A", "B"], "q", genre="ordre")
    verifier_ordre(["C", "A", "B"], fingerprint, options="ABC")
    assert "Bravo" in capsys.readouterr().out
    assert "l'ordre n'est pas le bon" in refused(verifier_ordre, ["A", "B", "C"], fingerprint, options="ABC")
    assert "une seule fois" in refused(verifier_ordre, ["A", "A", "B"], fingerprint, options="ABC")
    assert "liste ordonnée" in refused(verifier_ordre, "CAB", fingerprint, options="ABC")


# -- numbers ----------------------------------------------------------------

def test_number_within_rounding_passes(capsys):
    fingerprint = empreinte(59.6, "q", genre="nombre", decimales=1)
    verifier_nombre(59.61, fingerprint, decimales=1)
    verifier_nombre(59.6 + 1e-12, fingerprint, decimales=1)
    assert capsys.readouterr().out.count("Bravo") == 2


def test_number_accepts_numpy_and_pandas_scalars(capsys):
    series = pd.Series([10.5, 20.25])
    verifier_nombre(series.sum(), empreinte(30.75, "q", genre="nombre", decimales=2), decimales=2)
    assert "Bravo" in capsys.readouterr().out


def test_integer_and_float_give_the_same_fingerprint(capsys):
    verifier_nombre(183.0, empreinte(183, "q", genre="nombre"))
    assert "Bravo" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, expected",
    [
        (60.0, "n'est pas la valeur attendue"),
        ("59.6", "sans guillemets"),
        ("", "sans guillemets"),
        (True, "booléen"),
        (pd.Series([59.6]), "seule valeur demandée"),
        (math.nan, "pas un nombre fini"),
        (None, "pas encore répondu"),
    ],
)
def test_number_bad_inputs(answer, expected):
    fingerprint = empreinte(59.6, "q", genre="nombre", decimales=1)
    assert expected in refused(verifier_nombre, answer, fingerprint, decimales=1)


def test_number_message_carries_the_unit():
    fingerprint = empreinte(59.6, "q", genre="nombre", decimales=1)
    assert "60,0 M€ (valeur arrondie)" in refused(verifier_nombre, 60.0, fingerprint, decimales=1, unite="M€")
    assert "10,9 %" in refused(verifier_nombre, 10.894495412844037, fingerprint, decimales=1, unite="%")


# -- texts ------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["Cités Unies France", "cites unies france", "  CITÉS-UNIES   France ! "])
def test_text_normalisation(answer, capsys):
    verifier_texte(answer, empreinte("Cités Unies France", "q", genre="texte"))
    assert "Bravo" in capsys.readouterr().out


def test_text_wrong_and_wrong_type():
    fingerprint = empreinte("Cités Unies France", "q", genre="texte")
    assert "n'est pas la réponse attendue" in refused(verifier_texte, "AFCCRE", fingerprint)
    assert "un texte entre guillemets" in refused(verifier_texte, 1975, fingerprint)


# -- tables -----------------------------------------------------------------

@pytest.fixture
def counts() -> pd.DataFrame:
    return pd.DataFrame({"continent": ["Europe", "Afrique", "Asie"], "nombre": [1705, 183, 143]})


def test_table_ignores_row_order_and_index_placement(counts, capsys):
    fingerprint = empreinte(counts, "q", genre="tableau")
    verifier_tableau(counts.iloc[::-1], fingerprint, lignes=3)
    verifier_tableau(counts.set_index("continent")["nombre"], fingerprint, lignes=3)
    assert capsys.readouterr().out.count("Bravo") == 2


def test_table_with_selected_columns(counts, capsys):
    wide = counts.assign(part_pct=[84.0, 9.0, 7.0])
    fingerprint = empreinte(wide, "q", genre="tableau", colonnes=["continent", "nombre"])
    verifier_tableau(wide, fingerprint, lignes=3, colonnes=["continent", "nombre"])
    assert "Bravo" in capsys.readouterr().out


def test_table_messages(counts):
    fingerprint = empreinte(counts, "q", genre="tableau")
    assert "3 ligne(s) ; on en attend 2" in refused(verifier_tableau, counts, fingerprint, lignes=2)
    assert "« pays »" in refused(verifier_tableau, counts, fingerprint, lignes=3, colonnes=["pays"])
    changed = counts.assign(nombre=[1705, 184, 143])
    assert "certaines valeurs diffèrent" in refused(verifier_tableau, changed, fingerprint, lignes=3)
    assert "tableau pandas" in refused(verifier_tableau, [1, 2, 3], fingerprint, lignes=3)


def test_table_missing_values_are_compared(capsys):
    table = pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": ["x", None]})
    verifier_tableau(table, empreinte(table, "q", genre="tableau"), lignes=2)
    assert "Bravo" in capsys.readouterr().out


# -- charts -----------------------------------------------------------------

@pytest.fixture
def bar_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coopdec.style import mettre_en_forme

    fig, ax = plt.subplots()
    ax.bar(["Maroc", "Mali", "Burkina Faso"], [40, 40, 29])
    mettre_en_forme(ax, titre="Jumelages", source="Wikidata, 2017")
    yield ax
    plt.close(fig)


def test_chart_right(bar_chart, capsys):
    fingerprint = empreinte([29, 40, 40], "q", genre="valeurs")
    verifier_graphique(bar_chart, barres=3, empreinte_valeurs=fingerprint)
    verifier_graphique(bar_chart.figure, barres=3)
    assert capsys.readouterr().out.count("Bravo") == 2


def test_chart_horizontal_bars_are_measured_by_their_length(capsys):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.barh(["Maroc", "Mali"], [40, 29])
    ax.set_title("Jumelages")
    fig.text(0, 0, "Source : Wikidata")
    verifier_graphique(ax, barres=2, empreinte_valeurs=empreinte([40, 29], "q", genre="valeurs"))
    assert "Bravo" in capsys.readouterr().out
    plt.close(fig)


def test_chart_messages(bar_chart):
    import matplotlib.pyplot as plt

    fingerprint = empreinte([29, 40, 41], "q", genre="valeurs")
    assert "longueurs des barres" in refused(verifier_graphique, bar_chart, empreinte_valeurs=fingerprint)
    assert "3 barre(s) ; on en attend 5" in refused(verifier_graphique, bar_chart, barres=5)
    assert "plt.subplots()" in refused(verifier_graphique, "graphique")
    assert "pas encore répondu" in refused(verifier_graphique, None)
    fig, ax = plt.subplots()
    assert "pas de titre" in refused(verifier_graphique, ax)
    ax.set_title("Titre")
    assert "source" in refused(verifier_graphique, ax)
    fig.text(0, 0, "Source : x")
    assert "aucune barre" in refused(verifier_graphique, ax, barres=2)
    plt.close(fig)
    assert "figure est vide" in refused(verifier_graphique, plt.figure())
