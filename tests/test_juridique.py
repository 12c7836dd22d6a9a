"""coopdec.juridique: every branch of the decision helper, its French errors, and its widget."""

import re
from pathlib import Path

import pytest

from coopdec import juridique
from coopdec.juridique import (AVERTISSEMENT, FONDEMENTS, FaitsInvalides, Projet, analyser,
                               assistant, avis_html, decrire_faits)

ROOT = Path(__file__).resolve().parent.parent

L1115_1 = FONDEMENTS["L1115-1"].reference
L1115_1_1 = FONDEMENTS["L1115-1-1"].reference
L1115_1_2 = FONDEMENTS["L1115-1-2"].reference
L1115_3 = FONDEMENTS["L1115-3"].reference
L1115_4 = FONDEMENTS["L1115-4"].reference
L1115_5 = FONDEMENTS["L1115-5"].reference

# A commune working with a foreign local authority, every fact known and in order.
COOPERATION = dict(porteur="commune", action="cooperation", partenaire="autorite_locale_etrangere",
                   financement="budget_general", convention=True, convention_transmise=True)
# A water syndicate using its « 1 % » with every condition met.
WATER = dict(porteur="syndicat_mixte", action="cooperation", partenaire="autorite_locale_etrangere",
             financement="un_pour_cent_eau", convention=True, convention_transmise=True,
             dans_competences=True, charge_du_service=True, meme_domaine=True, part_budget_pct=0.6)
MEMBERSHIP = dict(porteur="departement", action="adhesion", collectivite_ue_ou_ce=True,
                  part_francaise_pct=30)
STATE = dict(porteur="region", action="cooperation", partenaire="etat_etranger", convention=True)


def facts(base: dict, **changes) -> dict:
    return {**base, **changes}


def joined(avis) -> str:
    return " ".join((avis.motif, *avis.conditions, *avis.manque, *avis.reserves, *avis.rappels))


# --------------------------------------------------------------------------
# Missing decisive facts
# --------------------------------------------------------------------------

def test_no_fact_at_all_asks_for_who_acts_and_what():
    avis = analyser()
    assert avis.verdict == "incomplet"
    assert [m.split(" — ")[0] for m in avis.manque] == ["porteur", "action"]
    assert avis.fondements == ()


def test_missing_partner_is_asked_for():
    avis = analyser(porteur="commune", action="cooperation")
    assert avis.verdict == "incomplet"
    assert [m.split(" — ")[0] for m in avis.manque] == ["partenaire"]


def test_missing_budget_is_asked_for_with_a_local_partner():
    avis = analyser(**facts(COOPERATION, financement=None))
    assert avis.verdict == "incomplet"
    assert avis.manque[0].startswith("financement")


# --------------------------------------------------------------------------
# Membership of a foreign body (L1115-4)
# --------------------------------------------------------------------------

def test_membership_is_possible_under_the_prefects_order():
    avis = analyser(**MEMBERSHIP)
    assert avis.verdict == "possible_sous_conditions"
    assert avis.articles == (L1115_4,)
    assert len(avis.conditions) == 3
    assert "préfet de région" in avis.conditions[0]


def test_membership_with_unknown_facts_lists_them_as_conditions():
    avis = analyser(porteur="region", action="adhesion")
    assert avis.verdict == "possible_sous_conditions"
    assert len(avis.conditions) == 5
    assert "50 %" in joined(avis) and "Conseil de l'Europe" in joined(avis)


def test_membership_without_a_european_collectivity_is_impossible():
    avis = analyser(**facts(MEMBERSHIP, collectivite_ue_ou_ce=False))
    assert avis.verdict == "impossible" and avis.articles == (L1115_4,)


@pytest.mark.parametrize("share, verdict", [(50, "possible_sous_conditions"), (50.5, "impossible")])
def test_membership_share_is_capped_at_50_percent(share, verdict):
    assert analyser(**facts(MEMBERSHIP, part_francaise_pct=share)).verdict == verdict


def test_membership_paid_from_a_one_percent_is_left_to_a_lawyer():
    avis = analyser(**facts(MEMBERSHIP, financement="un_pour_cent_eau"))
    assert avis.verdict == "a_verifier" and avis.articles == (L1115_4,)


# --------------------------------------------------------------------------
# Partners that are not foreign local authorities
# --------------------------------------------------------------------------

def test_an_entity_france_does_not_recognise_is_impossible_whatever_else():
    avis = analyser(**facts(COOPERATION, partenaire="entite_non_reconnue"))
    assert avis.verdict == "impossible"
    refs = " ".join(avis.articles)
    assert "2 juillet 2015" in refs and "24 mai 2018" in refs and "engagements internationaux" in refs


def test_a_convention_with_a_foreign_state_without_exception_is_impossible():
    avis = analyser(**facts(STATE, exception_l1115_5="aucune"))
    assert avis.verdict == "impossible"
    assert avis.articles[0] == L1115_5


def test_a_foreign_state_needs_the_exception_question_answered():
    avis = analyser(**STATE)
    assert avis.verdict == "incomplet"
    assert avis.manque[0].startswith("exception_l1115_5")


def test_a_groupement_creation_needs_the_regional_prefects_authorisation():
    avis = analyser(**facts(STATE, exception_l1115_5="creation_groupement"))
    assert avis.verdict == "possible_sous_conditions"
    assert avis.conditions == ("La signature doit être autorisée par le préfet de région.",)
    assert avis.reserves == ()


@pytest.mark.parametrize("exception", ["accord_international", "programme_regional"])
def test_letchimy_exceptions_need_prior_authorisation_and_carry_a_reserve(exception):
    avis = analyser(**facts(STATE, exception_l1115_5=exception))
    assert avis.verdict == "possible_sous_conditions"
    assert "autorisation préalable du représentant de l'État" in avis.conditions[0]
    assert "Letchimy" in avis.reserves[0] and "Légifrance" in avis.reserves[0]


def test_another_case_provided_by_law_asks_to_name_that_law():
    avis = analyser(**facts(STATE, exception_l1115_5="autre_cas_prevu_par_la_loi"))
    assert avis.verdict == "possible_sous_conditions"
    assert "loi qui prévoit ce cas" in avis.conditions[0]


def test_a_state_without_convention_is_outside_what_the_sheet_covers():
    avis = analyser(**facts(STATE, convention=False))
    assert avis.verdict == "a_verifier" and avis.articles == (L1115_5,)


def test_a_convention_with_a_foreign_private_person_is_impossible():
    avis = analyser(porteur="region", action="cooperation", partenaire="personne_privee_etrangere",
                    convention=True)
    assert avis.verdict == "impossible"
    assert avis.articles == (L1115_1, FONDEMENTS["ta_lyon_2012"].reference)


def test_supporting_a_foreign_private_person_without_convention_is_left_to_a_lawyer():
    avis = analyser(porteur="region", action="cooperation", partenaire="personne_privee_etrangere",
                    convention=False)
    assert avis.verdict == "a_verifier"
    assert "2012" in avis.motif and "2014" in avis.motif


def test_a_private_partner_needs_the_convention_question_answered():
    avis = analyser(porteur="region", action="cooperation", partenaire="personne_privee_etrangere")
    assert avis.verdict == "incomplet" and avis.manque[0].startswith("convention")


# --------------------------------------------------------------------------
# A foreign local authority, or no direct partner (L1115-1)
# --------------------------------------------------------------------------

def test_a_transmitted_convention_on_the_general_budget_is_possible():
    avis = analyser(**COOPERATION)
    assert avis.verdict == "possible"
    assert avis.articles == (L1115_1,)
    assert avis.conditions == () and avis.reserves == ()
    assert any("L1115-6" in rappel for rappel in avis.rappels)
    assert any("L2131-6" in rappel for rappel in avis.rappels)


def test_a_convention_not_yet_transmitted_must_be_sent_to_the_prefecture():
    for transmitted in (False, None):
        avis = analyser(**facts(COOPERATION, convention_transmise=transmitted))
        assert avis.verdict == "possible_sous_conditions"
        assert avis.conditions[0].startswith("Transmettre la convention")


def test_the_convention_is_optional_since_2014():
    avis = analyser(**facts(COOPERATION, convention=None, convention_transmise=None))
    assert avis.verdict == "possible"
    assert "facultative" in avis.rappels[0]
    assert not any("Même sans convention" in rappel for rappel in avis.rappels)
    avis = analyser(**facts(COOPERATION, convention=False, convention_transmise=None))
    assert avis.verdict == "possible"
    assert "24 mai 2018" in avis.rappels[0]


def test_humanitarian_aid_without_a_direct_partner_is_possible():
    avis = analyser(porteur="departement", action="humanitaire", partenaire="aucun",
                    financement="budget_general")
    assert avis.verdict == "possible"
    assert "humanitaire" in avis.motif and avis.articles == (L1115_1,)


def test_a_groupement_outside_its_competences_is_impossible():
    avis = analyser(**facts(WATER, dans_competences=False))
    assert avis.verdict == "impossible"
    assert avis.articles == (L1115_1, FONDEMENTS["circulaire_1994"].reference)
    assert "1994" in avis.reserves[0]


def test_a_groupement_with_unknown_competences_gets_the_condition():
    avis = analyser(**facts(WATER, dans_competences=None))
    assert avis.verdict == "possible_sous_conditions"
    assert "compétences transférées" in avis.conditions[0]
    assert FONDEMENTS["circulaire_1994"].reference in avis.articles


def test_a_commune_is_not_asked_about_transferred_competences():
    assert analyser(**facts(COOPERATION, dans_competences=None)).verdict == "possible"


# --------------------------------------------------------------------------
# The « 1 % »
# --------------------------------------------------------------------------

def test_the_water_one_percent_with_every_condition_met_is_possible():
    avis = analyser(**WATER)
    assert avis.verdict == "possible"
    assert avis.articles == (L1115_1_1, L1115_1)
    assert "L1115-1-1" in avis.motif


@pytest.mark.parametrize("porteur", ["departement", "region"])
@pytest.mark.parametrize("budget", ["un_pour_cent_eau", "un_pour_cent_energie",
                                    "un_pour_cent_dechets"])
def test_the_one_percent_is_closed_to_departements_and_regions(porteur, budget):
    avis = analyser(**facts(WATER, porteur=porteur, financement=budget))
    assert avis.verdict == "impossible"
    assert "budget général reste possible" in avis.motif


def test_not_running_the_service_forbids_its_one_percent():
    avis = analyser(**facts(WATER, charge_du_service=False))
    assert avis.verdict == "impossible" and avis.articles[0] == L1115_1_1


@pytest.mark.parametrize("share, verdict", [(1, "possible"), (1.2, "impossible")])
def test_the_one_percent_is_a_ceiling(share, verdict):
    avis = analyser(**facts(WATER, part_budget_pct=share))
    assert avis.verdict == verdict
    if verdict == "impossible":
        assert "1,2 %" in avis.motif


def test_water_money_must_stay_in_the_water_field():
    avis = analyser(**facts(WATER, meme_domaine=False))
    assert avis.verdict == "impossible" and "domaine" in avis.motif


def test_unknown_one_percent_facts_come_back_as_conditions():
    avis = analyser(**facts(WATER, charge_du_service=None, part_budget_pct=None, meme_domaine=None))
    assert avis.verdict == "possible_sous_conditions"
    assert len(avis.conditions) == 3
    assert "1 %" in avis.conditions[1]


def test_water_cooperation_needs_a_convention_but_emergency_aid_does_not():
    avis = analyser(**facts(WATER, convention=False, convention_transmise=None))
    assert avis.verdict == "possible_sous_conditions"
    assert "conventions de l'article L1115-1" in avis.conditions[-1]
    avis = analyser(**facts(WATER, partenaire="aucun", convention=None, convention_transmise=None))
    assert avis.verdict == "possible_sous_conditions"
    avis = analyser(**facts(WATER, action="humanitaire", partenaire="aucun", convention=None,
                            convention_transmise=None))
    assert avis.verdict == "possible"


def test_the_energy_one_percent_carries_the_reserve_on_the_2006_law():
    avis = analyser(**facts(WATER, financement="un_pour_cent_energie"))
    assert avis.verdict == "possible"
    assert "2006-1537" in avis.reserves[0]


def test_the_waste_one_percent_does_not_ask_for_the_same_field_but_says_so():
    avis = analyser(**facts(WATER, porteur="epci", financement="un_pour_cent_dechets",
                            meme_domaine=False))
    assert avis.verdict == "possible"
    assert avis.articles[0] == L1115_1_2
    assert "Légifrance" in avis.reserves[0]


def test_the_mobility_one_percent_depends_on_running_the_service_and_excludes_the_levy():
    avis = analyser(**facts(WATER, porteur="region", financement="un_pour_cent_mobilite"))
    assert avis.verdict == "possible_sous_conditions"
    assert avis.articles[0] == L1115_3
    assert avis.conditions == ("Le calcul du 1 % exclut le versement mobilité.",)
    avis = analyser(**facts(WATER, financement="un_pour_cent_mobilite", part_budget_pct=None))
    assert "hors versement mobilité" in avis.conditions[0]
    avis = analyser(**facts(WATER, financement="un_pour_cent_mobilite", charge_du_service=False))
    assert avis.verdict == "impossible"


# --------------------------------------------------------------------------
# The cases of the graded exercises of unit 02 (letters of its answer table)
# --------------------------------------------------------------------------

EXERCISE_CASES = {
    # case: (facts, verdict, first ground)
    "a": (dict(porteur="commune", action="cooperation", partenaire="autorite_locale_etrangere",
               financement="budget_general", convention=True, convention_transmise=True),
          "possible", L1115_1),
    "b": (dict(porteur="departement", action="humanitaire", partenaire="aucun",
               financement="budget_general", convention=False), "possible", L1115_1),
    "c": (dict(STATE, exception_l1115_5="aucune"), "impossible", L1115_5),
    "d": (dict(STATE, exception_l1115_5="programme_regional"), "possible_sous_conditions", L1115_5),
    "e": (dict(porteur="commune", action="cooperation", partenaire="entite_non_reconnue",
               convention=True), "impossible", FONDEMENTS["engagements"].reference),
    "f": (dict(COOPERATION, convention_transmise=False), "possible_sous_conditions", L1115_1),
    "g": (dict(porteur="region", action="cooperation", partenaire="personne_privee_etrangere",
               convention=True), "impossible", L1115_1),
    "h": (dict(porteur="departement", action="cooperation", partenaire="autorite_locale_etrangere",
               financement="un_pour_cent_eau"), "impossible", L1115_1_1),
    "i": (WATER, "possible", L1115_1_1),
    "j": (MEMBERSHIP, "possible_sous_conditions", L1115_4),
}


@pytest.mark.parametrize("case", sorted(EXERCISE_CASES))
def test_exercise_cases_get_the_answer_the_exercises_expect(case):
    given, verdict, ground = EXERCISE_CASES[case]
    avis = analyser(**given)
    assert (avis.verdict, avis.articles[0]) == (verdict, ground)


# --------------------------------------------------------------------------
# Facts: normalisation, and French errors for bad input
# --------------------------------------------------------------------------

def test_texts_are_read_whatever_their_case_accents_and_spaces():
    projet = Projet(porteur="Département", action="Coopération", partenaire="autorité locale étrangère",
                    financement="Budget général", exception_l1115_5=None)
    assert (projet.porteur, projet.action, projet.partenaire, projet.financement) == (
        "departement", "cooperation", "autorite_locale_etrangere", "budget_general")


def test_a_projet_or_keywords_give_the_same_answer():
    assert analyser(Projet(**COOPERATION)) == analyser(**COOPERATION)


@pytest.mark.parametrize("given, message", [
    (dict(porteur="comune"), "Vouliez-vous dire « commune »"),
    (dict(porteur="mairie"), "« mairie ». Vouliez-vous dire « commune » ? Valeurs possibles"),
    (dict(partenaire="ONG"), "Vouliez-vous dire « personne_privee_etrangere » ?"),
    (dict(action="jumelage"), "Vouliez-vous dire « cooperation » ?"),
    (dict(porteur="préfecture"), "Valeurs possibles : « commune »"),
    (dict(financement="1 % eau"), "Vouliez-vous dire « un_pour_cent_eau »"),
    (dict(action=3), "doit être un texte entre guillemets"),
    (dict(convention="oui"), "True (oui), False (non) ou None"),
    (dict(convention=1), "sans guillemets"),
    (dict(part_budget_pct="0,8"), "sans guillemets, avec un point décimal"),
    (dict(part_budget_pct=True), "doit être un nombre"),
    (dict(part_budget_pct=120), "entre 0 et 100"),
    (dict(part_francaise_pct=float("nan")), "entre 0 et 100"),
    (dict(convention=False, convention_transmise=True), "Faits contradictoires"),
    (dict(partenaire="aucun", convention=True), "Une convention se signe avec un partenaire"),
    (dict(partenaire="autorite_locale_etrangere", exception_l1115_5="accord_international"),
     "ne concernent que les conventions avec un État étranger"),
])
def test_bad_facts_raise_a_french_error(given, message):
    with pytest.raises(FaitsInvalides, match=re.escape(message)):
        analyser(**given)


def test_unknown_fact_names_are_refused_with_a_suggestion():
    with pytest.raises(FaitsInvalides, match="Fait inconnu : « porteurs ».*« porteur »"):
        analyser(porteurs="commune")


def test_a_projet_and_keywords_together_are_refused():
    with pytest.raises(FaitsInvalides, match="pas les deux"):
        analyser(Projet(porteur="commune"), action="cooperation")
    with pytest.raises(FaitsInvalides, match="attend un Projet"):
        analyser({"porteur": "commune"})


def test_facts_are_described_for_the_lesson():
    table = decrire_faits()
    assert list(table["fait"]) == [field for field in Projet.__dataclass_fields__]
    assert table["question"].str.endswith(("?", ")")).all()


# --------------------------------------------------------------------------
# What every answer carries
# --------------------------------------------------------------------------

def every_branch():
    yield analyser()
    for given, _, _ in EXERCISE_CASES.values():
        yield analyser(**given)
    yield analyser(**facts(STATE, convention=False))
    yield analyser(porteur="region", action="cooperation", partenaire="personne_privee_etrangere",
                   convention=False)
    yield analyser(**facts(MEMBERSHIP, financement="un_pour_cent_eau"))


def test_every_answer_but_an_incomplete_one_names_its_grounds_and_sources():
    for avis in every_branch():
        if avis.verdict != "incomplet":
            assert avis.fondements, avis
        assert all(f.reference and f.contenu and f.source for f in avis.fondements)
        assert avis.motif.strip()
        assert AVERTISSEMENT in str(avis) and "Légifrance" in AVERTISSEMENT
        assert "pas un avis juridique" in avis._repr_markdown_()


def test_only_articles_the_reference_sheet_knows_are_cited():
    known = {"L1115-1", "L1115-1-1", "L1115-1-2", "L1115-3", "L1115-4", "L1115-5", "L1115-6",
             "L2131-6", "L3132-1", "L4142-1", "L1231-1"}
    text = Path(juridique.__file__).read_text(encoding="utf-8")
    cited = set(re.findall(r"\bL\d{4}-\d+(?:-\d+)?", text))
    assert cited <= known, cited - known
    assert "L1115-7" not in text and "L1115-2 " not in text


def test_the_html_answer_escapes_and_shows_the_verdict():
    page = avis_html(analyser(**facts(COOPERATION, convention_transmise=False)))
    assert "Possible sous conditions" in page and "Transmettre la convention" in page
    assert "<script" not in page


# --------------------------------------------------------------------------
# Widget
# --------------------------------------------------------------------------

def test_widget_updates_its_answer_as_facts_are_chosen():
    box = assistant()
    assert "Il manque des informations" in box.reponse.value
    champs = box.champs
    champs["porteur"].value = "commune"
    champs["action"].value = "cooperation"
    champs["partenaire"].value = "etat_etranger"
    champs["exception_l1115_5"].value = "aucune"
    assert "Impossible" in box.reponse.value and "L1115-5" in box.reponse.value


def test_widget_reads_percentages_with_a_comma_and_reports_bad_ones():
    box = assistant()
    champs = box.champs
    for name, value in dict(WATER, part_budget_pct=None).items():
        if name != "part_budget_pct":
            champs[name].value = value
    champs["part_budget_pct"].value = "1,5"
    assert "Impossible" in box.reponse.value and "1,5 %" in box.reponse.value
    champs["part_budget_pct"].value = "beaucoup"
    assert "beaucoup » n&#x27;est pas un nombre" in box.reponse.value
    champs["part_budget_pct"].value = "0,5 %"
    assert "Possible" in box.reponse.value
