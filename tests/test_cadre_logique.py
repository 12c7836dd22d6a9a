"""coopdec.cadre_logique: completeness and consistency of a logical framework.

Every rule of :func:`verifier_cadre_logique` has a test that breaks it alone
(the rest of the framework stays complete) and checks the French sentence that
names the problem; every structure error has a test of its French message.
"""

import copy
import datetime as dt

import pandas as pd
import pytest

from coopdec.cadre_logique import (
    CLES,
    CLES_ACTIVITE,
    CLES_INDICATEUR,
    CLES_RESULTAT,
    COLONNES,
    CadreLogiqueError,
    Problemes,
    exporter_markdown,
    tableau_cadre_logique,
    verifier_cadre_logique,
)


def complete() -> dict:
    """A complete framework (fictitious project)."""
    return {
        "titre": "Projet fictif : l'eau à Tanvéla",
        "debut": "2026-01",
        "fin": "2028-12",
        "objectif_general": "Contribuer à un accès durable à l'eau potable à Tanvéla (fictive).",
        "objectifs_specifiques": {"OS1": "Renforcer le service communal de l'eau."},
        "resultats": {
            "R1": {"intitule": "Le service facture et recouvre le prix de l'eau.", "objectif": "OS1",
                   "indicateurs": [{"indicateur": "Taux de recouvrement des factures (%)",
                                    "valeur_reference": 45, "cible": 70,
                                    "source_verification": "Registre de facturation",
                                    "echeance": "2028-06"}]},
            "R2": {"intitule": "Les agents du service sont formés.", "objectif": "OS1",
                   "indicateurs": [{"indicateur": "Agents formés (nombre)", "valeur_reference": 0,
                                    "cible": 8, "source_verification": "Feuilles d'émargement",
                                    "echeance": "2027-06"},
                                   {"indicateur": "Plan de formation adopté",
                                    "valeur_reference": "aucun plan", "cible": "2026-09",
                                    "source_verification": "Délibération du conseil communal",
                                    "echeance": "2026-09"}]},
        },
        "activites": {"A1.1": {"intitule": "Diagnostic partagé du service", "resultat": "R1"},
                      "A2.1": {"intitule": "Sessions de formation", "resultat": "R2"}},
        "hypotheses": ["Les agents formés restent en poste."],
    }


def only_problem(cadre) -> str:
    problems = verifier_cadre_logique(cadre)
    assert len(problems) == 1, problems
    return problems[0]


def indicator(cadre, result="R1", number=0) -> dict:
    return cadre["resultats"][result]["indicateurs"][number]


# -- a complete framework ------------------------------------------------------

def test_a_complete_framework_has_no_problem():
    problems = verifier_cadre_logique(complete())
    assert problems == [] and isinstance(problems, Problemes)
    assert "complet" in str(problems) and "complet" in problems._repr_markdown_()


def test_the_check_does_not_change_the_framework():
    cadre = complete()
    before = copy.deepcopy(cadre)
    indicator(cadre)["cible"] = "beaucoup"
    before_broken = copy.deepcopy(cadre)
    verifier_cadre_logique(cadre)
    tableau_cadre_logique(cadre)
    exporter_markdown(cadre)
    assert cadre == before_broken and cadre != before


def test_keys_ignore_accents_case_and_spaces():
    cadre = complete()
    cadre["Objectif général"] = cadre.pop("objectif_general")
    cadre["hypothèses"] = cadre.pop("hypotheses")
    cadre["activités"] = cadre.pop("activites")
    cadre["résultats"] = cadre.pop("resultats")
    cadre["résultats"]["R1"]["Intitulé"] = cadre["résultats"]["R1"].pop("intitule")
    assert verifier_cadre_logique(cadre) == []


def test_optional_keys_may_be_left_out():
    cadre = complete()
    for key in ("titre", "debut", "fin"):
        del cadre[key]
    indicator(cadre)["echeance"] = "2035-01"  # no period: no period check
    assert verifier_cadre_logique(cadre) == []


def test_codes_and_texts_are_stripped():
    cadre = complete()
    cadre["activites"]["A1.1"]["resultat"] = " R1 "
    cadre["resultats"][" R3 "] = cadre["resultats"].pop("R2")
    cadre["activites"]["A2.1"]["resultat"] = "R3"
    assert verifier_cadre_logique(cadre) == []


def test_problems_come_in_the_order_of_the_framework():
    cadre = complete()
    cadre["hypotheses"] = []
    cadre["objectif_general"] = ""
    indicator(cadre, "R2")["cible"] = None
    problems = verifier_cadre_logique(cadre)
    assert [p.split(" ")[0] for p in problems] == ["Objectif", "Résultat", "Hypothèses"]
    assert problems._repr_markdown_().count("\n- ") == 3
    assert str(problems).startswith("3 point(s)")


# -- objectives ------------------------------------------------------------------

@pytest.mark.parametrize("empty", [None, "", "   "])
def test_missing_general_objective(empty):
    cadre = complete()
    cadre["objectif_general"] = empty
    assert only_problem(cadre).startswith("Objectif général : il manque")


def test_missing_general_objective_key():
    cadre = complete()
    del cadre["objectif_general"]
    assert "Objectif général" in only_problem(cadre)


@pytest.mark.parametrize("empty", [{}, None])
def test_no_specific_objective(empty):
    cadre = complete()
    cadre["objectifs_specifiques"] = empty
    problems = verifier_cadre_logique(cadre)
    assert problems[0].startswith("Objectifs spécifiques : aucun")
    # the results now point to an objective that does not exist
    assert all("« OS1 », qui n'existe pas (objectifs spécifiques : aucun)" in p for p in problems[1:])


def test_specific_objective_without_wording():
    cadre = complete()
    cadre["objectifs_specifiques"]["OS1"] = " "
    assert only_problem(cadre) == "Objectif spécifique OS1 : l'intitulé est vide."


def test_specific_objective_without_result():
    cadre = complete()
    cadre["objectifs_specifiques"]["OS2"] = "Associer les usagers."
    problem = only_problem(cadre)
    assert problem.startswith("Objectif spécifique OS2 (« Associer les usagers. ») : aucun résultat")
    assert '"objectif": "OS2"' in problem


# -- results ----------------------------------------------------------------------

@pytest.mark.parametrize("empty", [{}, None])
def test_no_result(empty):
    cadre = complete()
    cadre["resultats"] = empty
    problems = verifier_cadre_logique(cadre)
    assert any(p.startswith("Résultats attendus : aucun") for p in problems)
    # no duplicate « objective without result » when there is no result at all
    assert not any(p.startswith("Objectif spécifique") for p in problems)
    assert sum("qui n'existe pas (résultats : aucun)" in p for p in problems) == 2


def test_result_without_wording():
    cadre = complete()
    cadre["resultats"]["R1"]["intitule"] = ""
    assert only_problem(cadre).startswith("Résultat R1 : l'intitulé est vide")


@pytest.mark.parametrize("link", [None, ""])
def test_result_linked_to_no_objective(link):
    cadre = complete()
    cadre["resultats"]["R1"]["objectif"] = link
    problem = only_problem(cadre)
    assert "il n'est rattaché à aucun objectif spécifique" in problem
    assert "(objectifs spécifiques : OS1)" in problem


def test_result_linked_to_an_unknown_objective():
    cadre = complete()
    cadre["resultats"]["R1"]["objectif"] = "OS9"
    problem = only_problem(cadre)
    assert problem.startswith("Résultat R1 (« Le service facture")
    assert "« OS9 », qui n'existe pas (objectifs spécifiques : OS1)" in problem


@pytest.mark.parametrize("empty", [[], None, "missing"])
def test_result_without_indicator(empty):
    cadre = complete()
    if empty == "missing":
        del cadre["resultats"]["R1"]["indicateurs"]
    else:
        cadre["resultats"]["R1"]["indicateurs"] = empty
    assert "aucun indicateur" in only_problem(cadre)


def test_result_that_no_activity_produces():
    cadre = complete()
    del cadre["activites"]["A2.1"]
    assert only_problem(cadre).startswith("Résultat R2 (« Les agents du service sont formés. ») : "
                                          "aucune activité ne le produit")


# -- indicators ---------------------------------------------------------------------

@pytest.mark.parametrize("key, words", [
    ("indicateur", "il manque l'intitulé de l'indicateur"),
    ("valeur_reference", "il manque la valeur de référence"),
    ("cible", "il manque la cible"),
    ("source_verification", "il manque la source de vérification"),
    ("echeance", "il manque l'échéance"),
])
@pytest.mark.parametrize("how", ["none", "blank", "missing"])
def test_each_part_of_an_indicator_is_required(key, words, how):
    cadre = complete()
    if how == "missing":
        del indicator(cadre)[key]
    else:
        indicator(cadre)[key] = None if how == "none" else "  "
    problem = only_problem(cadre)
    assert problem.startswith("Résultat R1, indicateur 1") and words in problem


def test_an_indicator_is_named_in_messages():
    cadre = complete()
    indicator(cadre, "R2", 1)["source_verification"] = None
    assert only_problem(cadre).startswith(
        "Résultat R2, indicateur 2 (« Plan de formation adopté ») : il manque la source")


def test_a_baseline_of_zero_is_a_value():
    cadre = complete()
    indicator(cadre)["valeur_reference"] = 0
    assert verifier_cadre_logique(cadre) == []


@pytest.mark.parametrize("target", ["amélioration", "beaucoup plus", "2027"])
def test_a_target_that_is_not_measurable(target):
    cadre = complete()
    indicator(cadre)["cible"] = target
    problem = only_problem(cadre)
    if target == "2027":
        assert "écrite comme un texte" in problem
    else:
        assert f"la cible « {target} » n'est pas mesurable" in problem
        assert "un nombre (par exemple 12) ou une date" in problem


@pytest.mark.parametrize("target", ["70", "70 %", "1 200", "12,5"])
def test_a_number_written_as_text(target):
    cadre = complete()
    indicator(cadre)["cible"] = target
    problem = only_problem(cadre)
    assert f"la cible « {target} » est écrite comme un texte" in problem
    assert "sans guillemets" in problem


def test_a_numeric_target_needs_a_numeric_baseline():
    cadre = complete()
    indicator(cadre)["valeur_reference"] = "faible"
    problem = only_problem(cadre)
    assert "la cible est un nombre, mais la valeur de référence (« faible ») n'en est pas un" in problem


def test_a_target_equal_to_its_baseline_measures_no_change():
    cadre = complete()
    indicator(cadre)["valeur_reference"] = 70
    assert "la cible (70) est égale à la valeur de référence" in only_problem(cadre)


def test_a_target_may_be_lower_than_the_baseline():
    cadre = complete()
    indicator(cadre)["indicateur"] = "Délai de réparation des fuites (jours)"
    indicator(cadre)["valeur_reference"], indicator(cadre)["cible"] = 12, 3.5
    assert verifier_cadre_logique(cadre) == []


def test_a_target_that_is_not_finite():
    cadre = complete()
    indicator(cadre)["cible"] = float("inf")
    assert "n'est pas un nombre fini" in only_problem(cadre)


def test_a_missing_number_from_pandas_is_missing():
    cadre = complete()
    indicator(cadre)["cible"] = float("nan")
    indicator(cadre)["indicateur"] = pd.NA
    problems = verifier_cadre_logique(cadre)
    assert len(problems) == 2 and "il manque la cible" in problems[1]


@pytest.mark.parametrize("target", ["2026-09", "2026-09-30", "30/09/2026", "09/2026",
                                    dt.date(2026, 9, 30)])
def test_a_date_target_in_any_accepted_format(target):
    cadre = complete()
    indicator(cadre, "R2", 1)["cible"] = target
    assert verifier_cadre_logique(cadre) == []


def test_a_date_target_outside_the_period():
    cadre = complete()
    indicator(cadre, "R2", 1)["cible"] = "2029-03"
    assert "la cible (2029-03) tombe après la fin du projet (2028-12)" in only_problem(cadre)


@pytest.mark.parametrize("deadline", ["fin 2027", "2027-13", "31/02/2027", "2027"])
def test_a_deadline_that_is_not_a_date(deadline):
    cadre = complete()
    indicator(cadre)["echeance"] = deadline
    problem = only_problem(cadre)
    assert f"l'échéance « {deadline} » n'est pas une date" in problem
    assert '"AAAA-MM"' in problem


def test_a_deadline_written_as_a_year_number():
    cadre = complete()
    indicator(cadre)["echeance"] = 2027
    problem = only_problem(cadre)
    assert "l'échéance (2027) est un nombre, pas une date ; écrivez-la entre guillemets" in problem


@pytest.mark.parametrize("deadline, words", [
    ("2025-12", "tombe avant le début du projet (2026-01)"),
    ("2029-01", "tombe après la fin du projet (2028-12)"),
])
def test_a_deadline_outside_the_project_period(deadline, words):
    cadre = complete()
    indicator(cadre)["echeance"] = deadline
    assert f"l'échéance ({deadline}) {words}" in only_problem(cadre)


@pytest.mark.parametrize("deadline", ["2026-01", "2028-12", "2028-12-31", "01/01/2026",
                                      dt.datetime(2027, 5, 1, 12, 0), pd.Timestamp("2027-05-01")])
def test_deadlines_at_the_edges_and_as_date_objects(deadline):
    cadre = complete()
    indicator(cadre)["echeance"] = deadline
    assert verifier_cadre_logique(cadre) == []


# -- the project period ---------------------------------------------------------------

def test_a_period_bound_that_is_not_a_date():
    cadre = complete()
    cadre["debut"] = "janvier 2026"
    problem = only_problem(cadre)
    assert problem.startswith("Période du projet : le début (« janvier 2026 ») n'est pas une date")


def test_an_end_before_the_start():
    cadre = complete()
    cadre["debut"], cadre["fin"] = "2028-12", "2026-01"
    # no deadline is reported against a period that makes no sense
    assert only_problem(cadre) == "Période du projet : la fin (2026-01) précède le début (2028-12)."


def test_a_period_with_only_an_end():
    cadre = complete()
    del cadre["debut"]
    indicator(cadre)["echeance"] = "2020-01"
    assert verifier_cadre_logique(cadre) == []
    indicator(cadre)["echeance"] = "2029-01"
    assert "après la fin du projet" in only_problem(cadre)


# -- activities ---------------------------------------------------------------------------

@pytest.mark.parametrize("empty", [{}, None])
def test_no_activity(empty):
    cadre = complete()
    cadre["activites"] = empty
    problem = only_problem(cadre)  # no « no activity produces R1 / R2 » on top of it
    assert problem.startswith("Activités : aucune")


def test_activity_without_wording():
    cadre = complete()
    cadre["activites"]["A1.1"]["intitule"] = None
    assert only_problem(cadre) == "Activité A1.1 : l'intitulé est vide (ce que l'on fait)."


@pytest.mark.parametrize("how", ["none", "missing"])
def test_activity_linked_to_no_result(how):
    cadre = complete()
    cadre["activites"]["A3.1"] = {"intitule": "Réhabiliter des bornes-fontaines"}
    if how == "none":
        cadre["activites"]["A3.1"]["resultat"] = None
    assert only_problem(cadre) == ("Activité A3.1 (« Réhabiliter des bornes-fontaines ») : elle "
                                   "n'est rattachée à aucun résultat ; indiquez dans \"resultat\" le "
                                   "code du résultat qu'elle produit (résultats : R1, R2).")


def test_activity_linked_to_an_unknown_result():
    cadre = complete()
    cadre["activites"]["A3.1"] = {"intitule": "Bornes", "resultat": "R3"}
    assert "« R3 », qui n'existe pas (résultats : R1, R2)" in only_problem(cadre)


# -- hypotheses -------------------------------------------------------------------------------

@pytest.mark.parametrize("empty", [[], None, "missing"])
def test_no_hypothesis(empty):
    cadre = complete()
    if empty == "missing":
        del cadre["hypotheses"]
    else:
        cadre["hypotheses"] = empty
    assert only_problem(cadre).startswith("Hypothèses et risques : aucun")


def test_an_empty_hypothesis():
    cadre = complete()
    cadre["hypotheses"] = ("Les agents restent en poste.", "")
    assert only_problem(cadre) == "Hypothèse 2 : le texte est vide."


# -- structure errors (French messages) ------------------------------------------------------------

def structure_error(cadre) -> str:
    with pytest.raises(CadreLogiqueError) as info:
        verifier_cadre_logique(cadre)
    assert isinstance(info.value, ValueError)
    return str(info.value)


@pytest.mark.parametrize("value, words", [
    ([], "une liste [ ]"), ("cadre", "un texte (« cadre »)"), (None, "None"), (3, "un nombre entier (3)"),
])
def test_a_framework_is_a_dictionary(value, words):
    message = structure_error(value)
    assert message.startswith("Un cadre logique s'écrit comme un dictionnaire") and words in message


@pytest.mark.parametrize("key, suggestion", [
    ("objectif", "objectif_general"), ("resultat", "resultats"), ("hypothese", "hypotheses"),
    ("budget", None),
])
def test_an_unknown_key_is_refused_with_a_suggestion(key, suggestion):
    cadre = complete()
    cadre[key] = "x"
    message = structure_error(cadre)
    assert f"Cadre logique : clé inconnue « {key} »." in message
    assert "Clés possibles : « titre »" in message
    assert (f"Vouliez-vous dire « {suggestion} » ?" in message) == (suggestion is not None)


def test_a_key_written_twice_is_refused():
    cadre = complete()
    cadre["Objectif général"] = "Autre chose"
    assert "la clé « objectif_general » est écrite deux fois" in structure_error(cadre)


def test_a_key_that_is_not_a_text_is_refused():
    cadre = complete()
    cadre["resultats"]["R1"][1] = "x"
    assert "Résultat R1 : les clés s'écrivent entre guillemets" in structure_error(cadre)


@pytest.mark.parametrize("where, key, words", [
    ("resultat", "source", "Résultat R1 : clé inconnue « source »"),
    ("indicateur", "source", "Vouliez-vous dire « source_verification » ?"),
    ("indicateur", "reference", "Vouliez-vous dire « valeur_reference » ?"),
    ("activite", "resultats", "Activité A1.1 : clé inconnue « resultats ». Vouliez-vous dire « resultat » ?"),
])
def test_unknown_keys_inside_elements(where, key, words):
    cadre = complete()
    target = {"resultat": cadre["resultats"]["R1"], "indicateur": indicator(cadre),
              "activite": cadre["activites"]["A1.1"]}[where]
    target[key] = "x"
    assert words in structure_error(cadre)


@pytest.mark.parametrize("key, value, words", [
    ("objectifs_specifiques", ["Renforcer le service"], "Les objectifs spécifiques s'écrivent dans "
                                                         "un dictionnaire {code: intitulé}"),
    ("objectifs_specifiques", "Renforcer le service", "vous avez donné un texte"),
    ("resultats", [{"intitule": "x"}], "Les résultats attendus s'écrivent dans un dictionnaire"),
    ("activites", ["Diagnostic"], "Les activités s'écrivent dans un dictionnaire"),
    ("hypotheses", "Les agents restent.", "mettez le texte entre crochets"),
    ("hypotheses", {"H1": "x"}, "Les hypothèses et risques forment une liste de textes"),
    ("objectif_general", 3, "L'objectif général (objectif_general) doit être un texte"),
    ("titre", ["x"], "Le titre (titre) doit être un texte"),
    ("debut", True, "Le début du projet (debut) : écrivez une date entre guillemets, par exemple "
                    "\"2027-06\", pas un booléen"),
])
def test_wrong_types_at_the_top_level(key, value, words):
    cadre = complete()
    cadre[key] = value
    assert words in structure_error(cadre)


def test_a_code_must_be_a_text():
    cadre = complete()
    cadre["activites"][3] = {"intitule": "x", "resultat": "R1"}
    assert "Les activités : chaque code est un court texte entre guillemets (par exemple \"OS1\"" \
        in structure_error(cadre)
    cadre = complete()
    cadre["resultats"][" "] = {}
    assert "Les résultats attendus : chaque code" in structure_error(cadre)


@pytest.mark.parametrize("change, words", [
    (lambda c: c["resultats"].__setitem__("R1", "Le service facture"),
     "Résultat R1 : un résultat s'écrit comme un dictionnaire"),
    (lambda c: c["resultats"]["R1"].__setitem__("indicateurs", {"indicateur": "x"}),
     "Résultat R1 : les indicateurs forment une liste ; mettez l'indicateur entre crochets"),
    (lambda c: c["resultats"]["R1"].__setitem__("indicateurs", "taux"),
     "Résultat R1 : les indicateurs forment une liste de dictionnaires"),
    (lambda c: c["resultats"]["R1"].__setitem__("indicateurs", ["taux"]),
     "Résultat R1, indicateur 1 : un indicateur s'écrit comme un dictionnaire {\"indicateur\": …, "
     "\"valeur_reference\": …, \"cible\": …, \"source_verification\": …, \"echeance\": …} ; vous "
     "avez donné un texte (« taux »)."),
    (lambda c: c["resultats"]["R1"].__setitem__("objectif", 1),
     "Résultat R1 : le code de l'objectif (objectif) doit être un texte"),
    (lambda c: c["activites"].__setitem__("A1.1", "Diagnostic"),
     "Activité A1.1 : une activité s'écrit comme un dictionnaire"),
    (lambda c: c["activites"]["A1.1"].__setitem__("resultat", ["R1"]),
     "Activité A1.1 : le code du résultat (resultat) doit être un texte"),
    (lambda c: c["objectifs_specifiques"].__setitem__("OS1", {"intitule": "x"}),
     "L'intitulé de l'objectif spécifique OS1 doit être un texte"),
    (lambda c: c["hypotheses"].append(12),
     "L'hypothèse 2 doit être un texte entre guillemets ; vous avez donné un nombre entier (12)"),
    (lambda c: indicator(c).__setitem__("cible", True),
     "Résultat R1, indicateur 1, cible : écrivez un nombre, une date ou un court texte, pas un booléen"),
    (lambda c: indicator(c).__setitem__("valeur_reference", [45]),
     "Résultat R1, indicateur 1, valeur de référence : écrivez un nombre, une date ou un court "
     "texte ; vous avez donné une liste"),
    (lambda c: indicator(c).__setitem__("echeance", {"an": 2027}),
     "Résultat R1, indicateur 1, échéance : écrivez une date entre guillemets, par exemple "
     "\"2027-06\" ; vous avez donné un dictionnaire"),
    (lambda c: indicator(c).__setitem__("source_verification", 3),
     "Résultat R1, indicateur 1 : la source de vérification doit être un texte"),
])
def test_wrong_types_inside_elements(change, words):
    cadre = complete()
    change(cadre)
    assert words in structure_error(cadre)


# -- the tidy table ---------------------------------------------------------------------------------

def test_table_has_one_row_per_element_and_per_indicator():
    table = tableau_cadre_logique(complete())
    assert list(table.columns) == COLONNES
    assert list(table["niveau"]) == ["objectif général", "objectif spécifique", "résultat", "résultat",
                                     "résultat", "activité", "activité", "hypothèse"]
    assert list(table["code"]) == ["OG", "OS1", "R1", "R2", "R2", "A1.1", "A2.1", "H1"]
    assert list(table["rattache_a"].fillna("-")) == ["-", "OG", "OS1", "OS1", "OS1", "R1", "R2", "-"]
    assert all(str(dtype) == "string" for dtype in table.dtypes)
    r2 = table[table["code"] == "R2"]
    assert list(r2["cible"]) == ["8", "2026-09"] and list(r2["valeur_reference"]) == ["0", "aucun plan"]


def test_table_writes_numbers_the_french_way_and_shows_gaps():
    cadre = complete()
    indicator(cadre)["cible"] = 1200.5
    cadre["resultats"]["R3"] = {"intitule": "Un résultat sans indicateur", "objectif": "OS1"}
    indicator(cadre, "R2")["echeance"] = dt.date(2027, 6, 30)
    table = tableau_cadre_logique(cadre)
    assert table.loc[table["code"] == "R1", "cible"].item() == "1\u202f200,5"
    assert table.loc[table["code"] == "R2", "echeance"].iloc[0] == "2027-06-30"
    r3 = table[table["code"] == "R3"]
    assert len(r3) == 1 and r3["indicateur"].isna().all()


def test_table_of_an_almost_empty_framework():
    table = tableau_cadre_logique({})
    assert len(table) == 1 and table["intitule"].isna().all()


def test_table_refuses_what_cannot_be_read():
    with pytest.raises(CadreLogiqueError, match="dictionnaire"):
        tableau_cadre_logique([1, 2])


# -- the Markdown export -------------------------------------------------------------------------------

def test_markdown_export_of_a_complete_framework(tmp_path):
    path = tmp_path / "cadre.md"
    text = exporter_markdown(complete(), chemin=path)
    assert text._repr_markdown_() == str(text)
    assert path.read_text(encoding="utf-8") == str(text)
    assert text.startswith("## Cadre logique : Projet fictif : l'eau à Tanvéla")
    assert "*Période : de 2026-01 à 2028-12.*" in text
    assert "| **R1** Le service facture et recouvre le prix de l'eau. | OS1 | Taux de recouvrement " \
           "des factures (%) | 45 | 70 | Registre de facturation | 2028-06 |" in text
    assert "| **A2.1** | Sessions de formation | R2 |" in text
    assert "- Les agents formés restent en poste." in text
    assert "Cadre logique complet" in text and "À compléter" not in text


def test_markdown_export_of_an_incomplete_framework_lists_what_is_missing():
    cadre = complete()
    for key in ("titre", "debut", "fin"):
        del cadre[key]
    cadre["resultats"]["R1"]["indicateurs"] = []
    cadre["resultats"]["R1"]["intitule"] = "Facturer | recouvrer"
    cadre["hypotheses"] = []
    text = exporter_markdown(cadre)
    assert text.startswith("## Cadre logique\n") and "Période" not in text
    assert "| **R1** Facturer \\| recouvrer | OS1 | — | — | — | — | — |" in text
    assert "**À compléter** (2 point(s))" in text
    assert "aucun indicateur" in text and "Hypothèses et risques : aucun" in text


def test_the_documented_keys_are_the_accepted_keys():
    assert set(CLES) == {"titre", "debut", "fin", "objectif_general", "objectifs_specifiques",
                         "resultats", "activites", "hypotheses"}
    assert set(CLES_RESULTAT) == {"intitule", "objectif", "indicateurs"}
    assert set(CLES_INDICATEUR) == {"indicateur", "valeur_reference", "cible", "source_verification",
                                    "echeance"}
    assert set(CLES_ACTIVITE) == {"intitule", "resultat"}
