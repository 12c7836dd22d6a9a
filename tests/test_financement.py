"""coopdec.financement: the 2025 MEAE/DCTCIV co-financing rules and the « 1 % » ceilings.

Every rule of the fact sheet (§3.1, C6; §1.7-1.8 for the « 1 % ») has a test,
with its edge cases (exactly at a ceiling, just above, zero) and every error
path, whose French message is checked for the words that name the problem.
"""

import math

import pandas as pd
import pytest

from coopdec import financement as fin
from coopdec.financement import (
    CAS,
    REGLES_MEAE_2025,
    FinancementError,
    ReglesCofinancement,
    contribution_minimale,
    echeancier_versements,
    plafond_subvention,
    plafond_un_pour_cent,
    plafond_valorisation,
    plan_de_financement,
    taux_maximal,
)


def amounts(plan: pd.DataFrame) -> dict:
    return dict(zip(plan["ligne"], plan["montant_eur"]))


# -- the 2025 rates ------------------------------------------------------------

@pytest.mark.parametrize("cas, rate", [("pma", 0.70), ("pays_apd", 0.50), ("pays_non_apd", 0.30),
                                       ("multi_pays", 0.60)])
def test_rates_of_2025_by_case(cas, rate):
    assert taux_maximal(cas) == rate
    assert plafond_subvention(100_000, cas) == pytest.approx(rate * 100_000)


def test_the_cases_are_exactly_the_four_of_the_fact_sheet():
    assert set(CAS) == set(REGLES_MEAE_2025.taux_maximal) == {"pma", "pays_apd", "pays_non_apd",
                                                               "multi_pays"}


@pytest.mark.parametrize("written", ["PMA", " pma ", "Pays-APD", "pays apd", "Multi-pays"])
def test_case_names_ignore_case_spaces_and_hyphens(written):
    assert taux_maximal(written) in {0.70, 0.50, 0.60}


def test_ceilings_are_rounded_to_the_cent():
    # 0.7 * 90 000 is 62 999.999… in floating point.
    assert plafond_subvention(90_000, "pma") == 63_000.0
    assert contribution_minimale(90_000) == 9_000.0


def test_the_2025_rules_are_frozen():
    with pytest.raises(TypeError):
        REGLES_MEAE_2025.taux_maximal["pma"] = 0.9
    with pytest.raises(AttributeError):
        REGLES_MEAE_2025.contribution_minimale = 0.2
    assert "bretagne-solidaire.bzh" in REGLES_MEAE_2025.source
    assert "28289" in REGLES_MEAE_2025.source


# -- minimum contribution of the French authorities (10 %) ---------------------

def test_minimum_contribution_is_ten_percent_of_the_total_cost():
    assert contribution_minimale(250_000) == 25_000


def test_contribution_exactly_at_the_minimum_is_accepted():
    plan = plan_de_financement(100_000, "pma", 10_000, autres_financements={"Région": 20_000})
    assert amounts(plan)[fin.LIGNE_NUMERAIRE] == 10_000


def test_contribution_just_below_the_minimum_is_refused():
    with pytest.raises(FinancementError, match="inférieur au minimum de 10 %") as info:
        plan_de_financement(100_000, "pma", 9_999, autres_financements={"Région": 20_001})
    assert "10\u202f000 €" in str(info.value) and "9\u202f999 €" in str(info.value)


def test_in_kind_counts_towards_the_minimum():
    # 5 000 € cash + 5 000 € in kind = 10 % of 100 000 €, in-kind at its ceiling.
    plan = plan_de_financement(100_000, "pma", 5_000, 5_000, {"Région": 20_000})
    assert amounts(plan)[fin.LIGNE_VALORISATION] == 5_000


def test_zero_contribution_is_refused():
    with pytest.raises(FinancementError, match="minimum"):
        plan_de_financement(100_000, "pma", 0)


# -- in-kind contributions (valorisation ≤ 50 % of the contribution) ------------

def test_in_kind_ceiling_equals_cash_with_the_2025_share():
    assert plafond_valorisation(6_000) == 6_000
    assert plafond_valorisation(0) == 0


def test_in_kind_exactly_at_its_ceiling_is_accepted():
    plan = plan_de_financement(100_000, "pma", 15_000, 15_000)
    assert amounts(plan)[fin.LIGNE_VALORISATION] == 15_000
    contribution = 15_000 + 15_000
    assert amounts(plan)[fin.LIGNE_VALORISATION] / contribution == 0.5


def test_in_kind_just_above_its_ceiling_is_refused():
    with pytest.raises(FinancementError, match="valorisation.*dépasse son plafond") as info:
        plan_de_financement(100_000, "pma", 15_000, 15_001)
    assert "50 %" in str(info.value) and "15\u202f000 €" in str(info.value)


def test_in_kind_without_cash_is_refused():
    with pytest.raises(FinancementError, match="dépasse son plafond"):
        plan_de_financement(100_000, "pma", 0, 10_000)


def test_zero_in_kind_gives_no_in_kind_line():
    plan = plan_de_financement(100_000, "pma", 30_000)
    assert fin.LIGNE_VALORISATION not in set(plan["ligne"])


def test_in_kind_ceiling_follows_the_share_of_other_rules():
    rules = ReglesCofinancement(2030, {"pma": 0.7}, 0.1, 0.25, 0.8)
    # v ≤ 25 % × (n + v)  ⇔  v ≤ n / 3
    assert plafond_valorisation(9_000, rules) == 3_000
    everything = ReglesCofinancement(2030, {"pma": 0.7}, 0.1, 1.0, 0.8)
    assert math.isinf(plafond_valorisation(9_000, everything))


# -- the subsidy: rate ceiling and what is left to finance ---------------------

def test_subsidy_is_what_is_left_to_finance():
    plan = plan_de_financement(100_000, "pma", 20_000, 10_000, {"Commune partenaire": 5_000})
    assert amounts(plan) == {
        fin.LIGNE_SUBVENTION: 65_000,
        fin.LIGNE_NUMERAIRE: 20_000,
        fin.LIGNE_VALORISATION: 10_000,
        "Commune partenaire": 5_000,
    }
    assert list(plan.columns) == ["ligne", "montant_eur", "part_pct"]
    assert plan["montant_eur"].sum() == 100_000
    assert list(plan["part_pct"]) == [65.0, 20.0, 10.0, 5.0]


@pytest.mark.parametrize("cas, apport", [("pma", 30_000), ("pays_apd", 50_000),
                                         ("pays_non_apd", 70_000), ("multi_pays", 40_000)])
def test_subsidy_exactly_at_the_rate_ceiling_is_accepted(cas, apport):
    plan = plan_de_financement(100_000, cas, apport)
    assert amounts(plan)[fin.LIGNE_SUBVENTION] == pytest.approx(taux_maximal(cas) * 100_000)


def test_subsidy_at_the_ceiling_with_a_floating_point_rate():
    plan = plan_de_financement(90_000, "pma", 27_000)
    assert amounts(plan)[fin.LIGNE_SUBVENTION] == 63_000
    assert list(plan["part_pct"]) == [70.0, 30.0]


@pytest.mark.parametrize("cas, apport, missing", [("pma", 29_999, "1 €"), ("pays_apd", 20_000, "30\u202f000 €"),
                                                  ("pays_non_apd", 69_000, "1\u202f000 €"),
                                                  ("multi_pays", 39_999.5, "0,50 €")])
def test_what_is_left_above_the_rate_ceiling_is_refused(cas, apport, missing):
    with pytest.raises(FinancementError, match="ne s'équilibre pas") as info:
        plan_de_financement(100_000, cas, apport)
    message = str(info.value)
    assert f"Il manque {missing}" in message and f"« {cas} »" in message


def test_nothing_left_to_finance_gives_a_zero_subsidy():
    plan = plan_de_financement(100_000, "pays_non_apd", 60_000, autres_financements={"Région": 40_000})
    assert amounts(plan)[fin.LIGNE_SUBVENTION] == 0


def test_resources_above_the_cost_are_refused():
    with pytest.raises(FinancementError, match="de plus que le coût total"):
        plan_de_financement(100_000, "pma", 60_000, autres_financements={"Région": 40_001})


def test_given_subsidy_exactly_at_the_ceiling_and_balanced():
    plan = plan_de_financement(100_000, "pma", 30_000, subvention_eur=70_000)
    assert amounts(plan)[fin.LIGNE_SUBVENTION] == 70_000


def test_given_subsidy_below_the_ceiling_and_balanced():
    plan = plan_de_financement(100_000, "pma", 30_000, autres_financements={"AFD": 10_000},
                               subvention_eur=60_000)
    assert amounts(plan)[fin.LIGNE_SUBVENTION] == 60_000


def test_given_subsidy_just_above_the_ceiling_is_refused():
    with pytest.raises(FinancementError, match="dépasse le plafond de 70 %"):
        plan_de_financement(100_000, "pma", 29_999, subvention_eur=70_001)


def test_given_subsidy_that_leaves_a_gap_is_refused():
    with pytest.raises(FinancementError, match="il manque 10\u202f000 €"):
        plan_de_financement(100_000, "pma", 30_000, subvention_eur=60_000)


def test_given_subsidy_that_overshoots_is_refused():
    with pytest.raises(FinancementError, match="dépassent le coût total .* de 5\u202f000 €"):
        plan_de_financement(100_000, "pma", 35_000, subvention_eur=70_000)


def test_a_cent_of_rounding_does_not_unbalance_a_plan():
    plan = plan_de_financement(100_000, "pma", 33_333.33, autres_financements={"Région": 0.004},
                               subvention_eur=66_666.67)
    assert plan["montant_eur"].sum() == pytest.approx(100_000, abs=0.01)


def test_other_rules_can_be_given():
    rules_2024 = ReglesCofinancement(2024, {"pma": 0.90, "pays_apd": 0.70}, 0.10, 0.50, 0.80)
    plan = plan_de_financement(100_000, "pma", 10_000, regles=rules_2024)
    assert amounts(plan)[fin.LIGNE_SUBVENTION] == 90_000
    with pytest.raises(FinancementError, match="ne donnent pas de taux pour le cas « multi_pays »"):
        plan_de_financement(100_000, "multi_pays", 10_000, regles=rules_2024)


# -- payments: annual instalments, the last one 80 % then 20 % -----------------

def test_one_year_subsidy_is_paid_80_then_20():
    schedule = echeancier_versements(50_000)
    assert list(schedule["montant_eur"]) == [40_000, 10_000]
    assert list(schedule["annee_projet"]) == [1, 1]
    assert "après le rapport final" in schedule["versement"].iloc[-1]


def test_only_the_last_instalment_is_split():
    schedule = echeancier_versements([30_000, 30_000, 20_000])
    assert list(schedule["montant_eur"]) == [30_000, 30_000, 16_000, 4_000]
    assert list(schedule["annee_projet"]) == [1, 2, 3, 3]
    assert schedule["montant_eur"].sum() == 80_000


def test_schedule_accepts_a_series_and_keeps_cents():
    schedule = echeancier_versements(pd.Series([10_000.55]))
    assert list(schedule["montant_eur"]) == [8_000.44, 2_000.11]


def test_schedule_of_a_zero_subsidy():
    assert list(echeancier_versements(0)["montant_eur"]) == [0, 0]


@pytest.mark.parametrize("bad, words", [([], "au moins un montant"), ([10_000, -1], "année 2"),
                                        ("10000", "sans guillemets")])
def test_schedule_refuses_bad_amounts(bad, words):
    with pytest.raises(FinancementError, match=words):
        echeancier_versements(bad)


# -- the « 1 % » ceilings -------------------------------------------------------

@pytest.mark.parametrize("service", ["eau", "energie", "dechets", "mobilite"])
def test_one_percent_of_the_service_budget(service):
    assert plafond_un_pour_cent(2_345_678, service) == 23_456.78


def test_water_and_sanitation_budgets_are_added_up():
    assert plafond_un_pour_cent(3_200_000 + 2_450_000, "eau") == 56_500


def test_water_is_the_default_service():
    assert plafond_un_pour_cent(1_000_000) == 10_000


def test_mobility_excludes_the_versement_mobilite():
    assert plafond_un_pour_cent(12_000_000, "mobilite", versement_mobilite_eur=7_500_000) == 45_000


def test_mobility_budget_made_only_of_versement_mobilite_gives_zero():
    assert plafond_un_pour_cent(7_500_000, "mobilite", versement_mobilite_eur=7_500_000) == 0


def test_zero_budget_gives_zero():
    assert plafond_un_pour_cent(0, "dechets") == 0


@pytest.mark.parametrize("written, key", [("Eau", "eau"), ("assainissement", "eau"), ("Énergie", "energie"),
                                          ("gaz", "energie"), ("électricité", "energie"),
                                          ("déchets", "dechets"), ("Mobilité", "mobilite"),
                                          ("transports", "mobilite")])
def test_service_names_and_synonyms(written, key):
    assert fin._known_service(written) == key


def test_versement_mobilite_only_for_mobility():
    with pytest.raises(FinancementError, match="ne concerne que le « 1 % mobilité »"):
        plafond_un_pour_cent(1_000_000, "eau", versement_mobilite_eur=10)


def test_versement_mobilite_above_the_budget_is_refused():
    with pytest.raises(FinancementError, match="ne peut pas dépasser les ressources"):
        plafond_un_pour_cent(1_000_000, "mobilite", versement_mobilite_eur=1_000_001)


def test_unknown_service_lists_the_four_services():
    with pytest.raises(FinancementError, match="Service inconnu : « routes »") as info:
        plafond_un_pour_cent(1_000, "routes")
    for key in ("eau", "energie", "dechets", "mobilite"):
        assert f"« {key} »" in str(info.value)


def test_negative_budget_is_refused():
    with pytest.raises(FinancementError, match="ne peut pas être un montant négatif"):
        plafond_un_pour_cent(-1, "eau")


# -- bad input: every error path, in French ------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    ({"cout_total_eur": -100}, "coût total du projet .* ne peut pas être un montant négatif"),
    ({"cout_total_eur": 0}, "doit être supérieur à 0 €"),
    ({"cout_total_eur": "100 000"}, "doit être un nombre d'euros ; vous avez donné un texte"),
    ({"cout_total_eur": float("nan")}, "n'est pas un nombre fini"),
    ({"cout_total_eur": True}, "un booléen"),
    ({"apport_numeraire_eur": -5}, "apport en numéraire .* ne peut pas être un montant négatif"),
    ({"apport_numeraire_eur": None}, "None"),
    ({"apport_valorise_eur": -1}, "valorisation .* ne peut pas être un montant négatif"),
    ({"cas": "pmaa"}, "Cas inconnu : « pmaa ». Vouliez-vous dire « pma » ?"),
    ({"cas": "Burkina Faso"}, "Cas inconnu"),
    ({"cas": 70}, "Le cas doit être un texte entre guillemets"),
    ({"autres_financements": [("Région", 10)]}, "dictionnaire"),
    ({"autres_financements": {"": 10}}, "doit avoir un nom"),
    ({"autres_financements": {"Région": -10}}, "« Région » .* ne peut pas être un montant négatif"),
    ({"autres_financements": {fin.LIGNE_SUBVENTION: 10}}, "ligne calculée par le plan"),
    ({"subvention_eur": -1}, "subvention demandée .* ne peut pas être un montant négatif"),
])
def test_bad_input_raises_a_french_error_naming_the_problem(kwargs, words):
    arguments = {"cout_total_eur": 100_000, "cas": "pma", "apport_numeraire_eur": 30_000}
    arguments.update(kwargs)
    with pytest.raises(FinancementError, match=words):
        plan_de_financement(**arguments)


def test_financement_error_is_a_value_error():
    assert issubclass(FinancementError, ValueError)


@pytest.mark.parametrize("rates, contribution, in_kind, before, words", [
    ({"pma": 1.2}, 0.1, 0.5, 0.8, "taux maximal du cas « pma » doit être supérieur à 0 et au plus égal à 1"),
    ({"pma": 0}, 0.1, 0.5, 0.8, "supérieur à 0"),
    ({"pma": 70}, 0.1, 0.5, 0.8, "0.7 pour 70 %"),
    ({"pma": "70 %"}, 0.1, 0.5, 0.8, "doit être un nombre entre 0 et 1"),
    ({"pays_inconnu": 0.5}, 0.1, 0.5, 0.8, "Cas inconnu dans les règles"),
    ({}, 0.1, 0.5, 0.8, "au moins un taux maximal"),
    ({"pma": 0.7}, -0.1, 0.5, 0.8, "contribution minimale doit être entre 0 et 1"),
    ({"pma": 0.7}, 0.1, 1.5, 0.8, "plafond de la valorisation doit être entre 0 et 1"),
    ({"pma": 0.7}, 0.1, 0.5, 80, "part versée avant le rapport final doit être entre 0 et 1"),
])
def test_rules_with_a_rate_out_of_range_are_refused(rates, contribution, in_kind, before, words):
    with pytest.raises(FinancementError, match=words):
        ReglesCofinancement(2030, rates, contribution, in_kind, before)
