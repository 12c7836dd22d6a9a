"""Financing rules of French decentralised cooperation, as plain tested functions.

Two families of rules, both taken from the course's verified fact sheet
(``shared/domain/fiche.md``, §1.7, §1.8, §3.1 and cross-check C6):

1. **The co-financing rules of the calls for projects of the Ministry of Europe
   and Foreign Affairs** (MEAE, delegation DCTCIV), *as published for 2025*
   (bretagne-solidaire.bzh, « financements 2025 » ; mairesdefrance.com, article
   28289 — two sources quoting the same ministerial text):

   - the ministry's subsidy is at most **70 %** of the total cost of the project
     with a least developed country (PMA), **50 %** with the other countries
     eligible for official development assistance (APD), **30 %** with countries
     not eligible for APD; a multi-country project may take a single rate of
     **60 %**;
   - the French local authorities bring at least **10 %** of the budget;
   - their in-kind contributions (« valorisations ») may not exceed **50 %** of
     their contribution;
   - the ministry pays **in cash only**, in annual instalments; the last
     instalment is paid **80 %** first, then **20 %** on the final report.

   These rates change from one year to the next (the 2024 calls announced 90 %
   and 70 %, Banque des Territoires 2024): every function takes a ``regles``
   argument, :data:`REGLES_MEAE_2025` by default.

2. **The « 1 % » ceilings** (CGCT L1115-1-1, L1115-1-2, L1115-3): the authorities
   in charge of water and sanitation, electricity and gas distribution, household
   waste or mobility may devote up to 1 % of « the resources assigned to the
   budgets of these services » to international cooperation, emergency aid and
   solidarity in those fields; for mobility, the « versement mobilité » (the
   transport tax paid by employers) is excluded.

Readings chosen where the fact sheet is ambiguous (also explained in unit 04):

- *« 50 % de leur contribution »*: the contribution of the French authorities is
  cash **plus** in-kind, so in-kind ≤ 50 % × (cash + in-kind), i.e. with 50 %,
  in-kind ≤ cash. (The other reading, 50 % of the *cash* only, would make the
  rule say « half of the cash », which is not what the text says.) A plan whose
  in-kind part exceeds this ceiling is refused rather than silently cut: the
  trainee must see and fix the figure.
- *« contribution minimale 10 % du budget »*: the same contribution (cash plus
  the in-kind part allowed by the ceiling) counts towards the 10 %; the budget is
  the total cost of the project, in-kind contributions included.
- *« jusqu'à 70 % »*: the rates are ceilings; the ministry's subsidy can also
  never exceed what is left to finance once the other resources are counted.
- *« dernière tranche 80 % puis 20 % au rapport final »*: payments are annual;
  only the last annual instalment is split, 80 % paid first and the remaining
  20 % after the final report. For a one-year project this is 80/20 of the
  whole subsidy.

Learner-facing names and messages are French; every bad input raises
:class:`FinancementError` (a ``ValueError``) with a French message that names
the problem. Unit 08 reuses this module for a project budget: keep the public
API stable.
"""

from __future__ import annotations

import difflib
import math
import numbers
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from .descriptions import describe
from .erreurs import ErreurDuCours
from .style import nombre_fr

__all__ = [
    "CAS",
    "FinancementError",
    "REGLES_MEAE_2025",
    "ReglesCofinancement",
    "SERVICES_UN_POUR_CENT",
    "contribution_minimale",
    "echeancier_versements",
    "plafond_subvention",
    "plafond_un_pour_cent",
    "plafond_valorisation",
    "plan_de_financement",
    "taux_maximal",
]

# Amounts are compared to the cent: 0.7 * 90_000 is 62999.99999999999 in floating point.
_CENT = 0.005


class FinancementError(ErreurDuCours):
    """A financing input is impossible or breaks a rule (French message)."""


# --------------------------------------------------------------------------
# Checks and French formatting (internal)
# --------------------------------------------------------------------------

def _check_amount(value, name: str, what: str) -> float:
    """A finite, non-negative amount in euros, as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        hint = (" Écrivez le nombre sans guillemets ni espaces, par exemple 20000 ou 20_000."
                if isinstance(value, str) else "")
        raise FinancementError(
            f"{_capitalised(what)} ({name}) doit être un nombre d'euros ; vous avez donné "
            f"{describe(value)}.{hint}"
        )
    amount = float(value)
    if not math.isfinite(amount):
        raise FinancementError(f"{_capitalised(what)} ({name}) n'est pas un nombre fini.")
    if amount < 0:
        raise FinancementError(
            f"{_capitalised(what)} ({name}) ne peut pas être un montant négatif : vous avez donné "
            f"{_eur(amount)}."
        )
    return amount


def _check_cost(value) -> float:
    cost = _check_amount(value, "cout_total_eur", "le coût total du projet")
    if cost <= 0:
        raise FinancementError("Le coût total du projet (cout_total_eur) doit être supérieur à 0 €.")
    return cost


def _check_share(value, what: str, *, allow_zero: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise FinancementError(f"{_capitalised(what)} doit être un nombre entre 0 et 1 ; "
                               f"vous avez donné {describe(value)}.")
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value > 1:
        bounds = "entre 0 et 1" if allow_zero else "supérieur à 0 et au plus égal à 1"
        raise FinancementError(
            f"{_capitalised(what)} doit être {bounds} (une part : 0.7 pour 70 %) ; "
            f"vous avez donné {value}."
        )


def _check_others(others) -> dict[str, float]:
    if others is None:
        return {}
    if not isinstance(others, Mapping):
        raise FinancementError(
            "Les autres financements (autres_financements) s'écrivent comme un dictionnaire "
            '{"nom du financeur": montant}, par exemple {"Agence de l\'eau": 10000}.'
        )
    checked = {}
    reserved = {LIGNE_SUBVENTION, LIGNE_NUMERAIRE, LIGNE_VALORISATION}
    for label, amount in others.items():
        if not isinstance(label, str) or not label.strip():
            raise FinancementError("Chaque autre financement doit avoir un nom (un texte non vide).")
        if label.strip() in reserved:
            raise FinancementError(f"« {label} » est une ligne calculée par le plan : donnez-la "
                                   "avec les arguments prévus, pas dans autres_financements.")
        checked[label.strip()] = _check_amount(amount, "autres_financements",
                                               f"le financement « {label} »")
    return checked


def _normalised(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.replace("-", "_").replace(" ", "_")


def _known_key(value, known: Mapping, noun: str, aliases: Mapping | None = None) -> str:
    """The key of ``known`` named by ``value`` (case, accents, spaces and hyphens ignored)."""
    if not isinstance(value, str):
        raise FinancementError(f"Le {noun} doit être un texte entre guillemets, par exemple "
                               f"« {next(iter(known))} » ; vous avez donné {describe(value)}.")
    key = _normalised(value)
    key = (aliases or {}).get(key, key)
    if key in known:
        return key
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    suggestion = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    listed = " ; ".join(f"« {k} » : {description}" for k, description in known.items())
    raise FinancementError(f"{_capitalised(noun)} inconnu : « {value} ».{suggestion} "
                           f"Valeurs possibles : {listed}.")


def _known_case(cas, regles: ReglesCofinancement) -> str:
    key = _known_key(cas, CAS, "cas")
    if key not in regles.taux_maximal:
        raise FinancementError(f"Les règles {regles.annee} ne donnent pas de taux pour le cas « {key} ».")
    return key


def _known_service(service) -> str:
    return _known_key(service, SERVICES_UN_POUR_CENT, "service", _SERVICE_ALIASES)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _eur(amount: float) -> str:
    decimals = 0 if abs(round(amount, 2) - round(amount)) < 1e-9 else 2
    return f"{nombre_fr(amount, decimals)} €"


def _pct(share: float) -> str:
    value = share * 100
    decimals = 0 if abs(value - round(value)) < 1e-9 else 1
    return f"{nombre_fr(value, decimals)} %"


# --------------------------------------------------------------------------
# The cases of the ministry's calls for projects, and the 2025 rules
# --------------------------------------------------------------------------

CAS = MappingProxyType({
    "pma": "partenaire dans un pays parmi les moins avancés (PMA)",
    "pays_apd": "partenaire dans un autre pays éligible à l'aide publique au développement (APD)",
    "pays_non_apd": "partenaire dans un pays non éligible à l'APD",
    "multi_pays": "projet multi-pays (taux unique)",
})
"""The cases of the MEAE/DCTCIV calls for projects, by key, with a French description."""


@dataclass(frozen=True)
class ReglesCofinancement:
    """One year's co-financing rules of the ministry's calls for projects.

    All shares are fractions between 0 and 1:

    - ``taux_maximal``: the subsidy's ceiling as a share of the total cost, by case
      (keys of :data:`CAS`);
    - ``contribution_minimale``: minimum contribution of the French authorities,
      as a share of the total cost;
    - ``plafond_valorisation``: ceiling of their in-kind contributions, as a share
      of their contribution (cash + in-kind);
    - ``part_avant_rapport_final``: share of the last annual instalment paid
      before the final report (the rest is paid after it).
    """

    annee: int
    taux_maximal: Mapping[str, float]
    contribution_minimale: float
    plafond_valorisation: float
    part_avant_rapport_final: float
    source: str = ""

    def __post_init__(self):
        if not isinstance(self.taux_maximal, Mapping) or not self.taux_maximal:
            raise FinancementError("Les règles doivent donner au moins un taux maximal, par exemple "
                                   "{\"pma\": 0.7}.")
        for case, rate in self.taux_maximal.items():
            if case not in CAS:
                raise FinancementError(f"Cas inconnu dans les règles : « {case} ». Cas possibles : "
                                       + ", ".join(f"« {k} »" for k in CAS) + ".")
            _check_share(rate, f"le taux maximal du cas « {case} »", allow_zero=False)
        _check_share(self.contribution_minimale, "la contribution minimale", allow_zero=True)
        _check_share(self.plafond_valorisation, "le plafond de la valorisation", allow_zero=True)
        _check_share(self.part_avant_rapport_final, "la part versée avant le rapport final",
                     allow_zero=True)
        object.__setattr__(self, "taux_maximal", MappingProxyType(dict(self.taux_maximal)))


REGLES_MEAE_2025 = ReglesCofinancement(
    annee=2025,
    taux_maximal={"pma": 0.70, "pays_apd": 0.50, "pays_non_apd": 0.30, "multi_pays": 0.60},
    contribution_minimale=0.10,
    plafond_valorisation=0.50,
    part_avant_rapport_final=0.80,
    source=("MEAE, DCTCIV, règlements des appels à projets 2025, repris par bretagne-solidaire.bzh "
            "(« financements 2025 ») et mairesdefrance.com (article 28289)"),
)
"""The 2025 rules of the MEAE/DCTCIV calls for projects (fact sheet §3.1 and C6)."""


def taux_maximal(cas: str, regles: ReglesCofinancement = REGLES_MEAE_2025) -> float:
    """Return the ceiling of the ministry's subsidy, as a share of the total cost, for ``cas``."""
    return regles.taux_maximal[_known_case(cas, regles)]


def plafond_subvention(cout_total_eur, cas: str,
                       regles: ReglesCofinancement = REGLES_MEAE_2025) -> float:
    """Return the largest subsidy allowed by the rate of ``cas``, in euros (to the cent).

    This is the rate ceiling only; :func:`plan_de_financement` also checks that
    the subsidy does not exceed what is left to finance.
    """
    cost = _check_cost(cout_total_eur)
    return round(taux_maximal(cas, regles) * cost, 2)


def contribution_minimale(cout_total_eur, regles: ReglesCofinancement = REGLES_MEAE_2025) -> float:
    """Return the minimum contribution of the French authorities, in euros (to the cent)."""
    cost = _check_cost(cout_total_eur)
    return round(regles.contribution_minimale * cost, 2)


def plafond_valorisation(apport_numeraire_eur,
                         regles: ReglesCofinancement = REGLES_MEAE_2025) -> float:
    """Return the largest in-kind contribution allowed next to a cash contribution, in euros.

    The in-kind part may be at most a share *p* of the whole contribution
    (cash *n* + in-kind *v*): v ≤ p × (n + v), that is v ≤ n × p / (1 − p).
    With the 2025 share of 50 %, the in-kind part may equal the cash part.
    """
    cash = _check_amount(apport_numeraire_eur, "apport_numeraire_eur",
                         "l'apport en numéraire de la collectivité")
    share = regles.plafond_valorisation
    if share >= 1:
        return math.inf
    return round(cash * share / (1 - share), 2)


# --------------------------------------------------------------------------
# The financing plan
# --------------------------------------------------------------------------

LIGNE_SUBVENTION = "Subvention MEAE (DCTCIV)"
LIGNE_NUMERAIRE = "Collectivité française : numéraire"
LIGNE_VALORISATION = "Collectivité française : valorisation"


def plan_de_financement(cout_total_eur, cas: str, apport_numeraire_eur,
                        apport_valorise_eur=0, autres_financements: Mapping | None = None,
                        subvention_eur=None,
                        regles: ReglesCofinancement = REGLES_MEAE_2025) -> pd.DataFrame:
    """Build a financing plan under the ministry's rules, or say which rule it breaks.

    ``cout_total_eur`` is the total cost of the project (in-kind contributions
    included); ``cas`` a key of :data:`CAS`; ``apport_numeraire_eur`` and
    ``apport_valorise_eur`` the cash and in-kind contributions of the French
    authorities; ``autres_financements`` the other resources, as a mapping
    ``{"label": amount}`` (partner authority, water agency…). All amounts are
    in euros.

    When ``subvention_eur`` is None, the ministry's subsidy is what is left to
    finance; otherwise the given subsidy is checked. Either way the subsidy must
    stay under the rate of the case, and the plan must balance (to the cent).

    Returns a DataFrame with one row per resource: ``ligne`` (label),
    ``montant_eur`` and ``part_pct`` (share of the total cost, in %, rounded to
    0.1). The subsidy comes first, then the French authorities' cash, their
    in-kind part (when not zero), then the other resources in the given order.
    """
    rules = regles
    cost = _check_cost(cout_total_eur)
    case = _known_case(cas, rules)
    cash = _check_amount(apport_numeraire_eur, "apport_numeraire_eur",
                         "l'apport en numéraire de la collectivité")
    in_kind = _check_amount(apport_valorise_eur, "apport_valorise_eur",
                            "la valorisation de la collectivité")
    others = _check_others(autres_financements)

    ceiling_in_kind = plafond_valorisation(cash, rules)
    if in_kind > ceiling_in_kind + _CENT:
        raise FinancementError(
            f"La valorisation de la collectivité ({_eur(in_kind)}) dépasse son plafond : elle ne "
            f"peut pas dépasser {_pct(rules.plafond_valorisation)} de l'apport total de la "
            f"collectivité, soit {_eur(ceiling_in_kind)} à côté d'un apport en numéraire de "
            f"{_eur(cash)}. Réduisez la valorisation ou augmentez l'apport en numéraire."
        )

    contribution = cash + in_kind
    minimum = contribution_minimale(cost, rules)
    if contribution < minimum - _CENT:
        raise FinancementError(
            f"L'apport des collectivités françaises ({_eur(contribution)}) est inférieur au "
            f"minimum de {_pct(rules.contribution_minimale)} du coût total, soit "
            f"{_eur(minimum)} pour un projet de {_eur(cost)}."
        )

    resources = contribution + sum(others.values())
    ceiling = plafond_subvention(cost, case, rules)
    rate = _pct(rules.taux_maximal[case])
    if subvention_eur is None:
        subsidy = round(cost - resources, 2)
        if subsidy < -_CENT:
            raise FinancementError(
                f"Le plan ne s'équilibre pas : les apports, sans subvention du ministère, "
                f"atteignent déjà {_eur(resources)}, soit {_eur(-subsidy)} de plus que le coût "
                f"total ({_eur(cost)})."
            )
        subsidy = max(subsidy, 0.0)
        if subsidy > ceiling + _CENT:
            raise FinancementError(
                f"Le plan ne s'équilibre pas : il reste {_eur(subsidy)} à financer, mais la "
                f"subvention du ministère ne peut pas dépasser {rate} du coût total dans le cas "
                f"« {case} », soit {_eur(ceiling)}. Il manque {_eur(subsidy - ceiling)} : "
                "trouvez d'autres financements ou réduisez le coût du projet."
            )
    else:
        subsidy = _check_amount(subvention_eur, "subvention_eur", "la subvention demandée")
        if subsidy > ceiling + _CENT:
            raise FinancementError(
                f"La subvention demandée ({_eur(subsidy)}) dépasse le plafond de {rate} du coût "
                f"total dans le cas « {case} », soit {_eur(ceiling)}."
            )
        gap = round(subsidy + resources - cost, 2)
        if gap < -_CENT:
            raise FinancementError(
                f"Le plan ne s'équilibre pas : les ressources ({_eur(subsidy + resources)}) sont "
                f"inférieures au coût total ({_eur(cost)}) ; il manque {_eur(-gap)}."
            )
        if gap > _CENT:
            raise FinancementError(
                f"Le plan ne s'équilibre pas : les ressources ({_eur(subsidy + resources)}) "
                f"dépassent le coût total ({_eur(cost)}) de {_eur(gap)}."
            )

    rows = [(LIGNE_SUBVENTION, subsidy), (LIGNE_NUMERAIRE, cash)]
    if in_kind > 0:
        rows.append((LIGNE_VALORISATION, in_kind))
    rows.extend(others.items())
    table = pd.DataFrame(rows, columns=["ligne", "montant_eur"])
    table["montant_eur"] = table["montant_eur"].astype("float64").round(2)
    table["part_pct"] = (table["montant_eur"] / cost * 100).round(1)
    return table


def echeancier_versements(montants_annuels_eur,
                          regles: ReglesCofinancement = REGLES_MEAE_2025) -> pd.DataFrame:
    """Split a subsidy into its payments: annual instalments, the last one split 80 / 20.

    ``montants_annuels_eur`` is the subsidy of each year of the project (a list),
    or one number for a one-year project. Returns a DataFrame with
    ``annee_projet`` (1, 2, …), ``versement`` (what the payment is) and
    ``montant_eur``; its amounts add up to the subsidy.
    """
    if isinstance(montants_annuels_eur, (list, tuple)):
        amounts = list(montants_annuels_eur)
    elif isinstance(montants_annuels_eur, pd.Series):
        amounts = montants_annuels_eur.tolist()
    else:
        amounts = [montants_annuels_eur]
    if not amounts:
        raise FinancementError("Donnez au moins un montant annuel de subvention.")
    checked = [_check_amount(a, "montants_annuels_eur", f"la subvention de l'année {i}")
               for i, a in enumerate(amounts, start=1)]
    before = regles.part_avant_rapport_final
    last_year = len(checked)
    rows = [(year, "tranche annuelle", amount) for year, amount in enumerate(checked[:-1], start=1)]
    first_part = round(checked[-1] * before, 2)
    rows.append((last_year, f"dernière tranche : {_pct(before)} avant le rapport final", first_part))
    rows.append((last_year, f"solde de la dernière tranche ({_pct(1 - before)}), après le rapport "
                            "final", round(checked[-1] - first_part, 2)))
    table = pd.DataFrame(rows, columns=["annee_projet", "versement", "montant_eur"])
    return table.astype({"annee_projet": "int64", "montant_eur": "float64"})


# --------------------------------------------------------------------------
# The « 1 % » mechanisms
# --------------------------------------------------------------------------

SERVICES_UN_POUR_CENT = MappingProxyType({
    "eau": "eau potable et assainissement (art. L1115-1-1 du CGCT, loi n° 2005-95 du 9 février 2005)",
    "energie": "distribution d'électricité et de gaz (art. L1115-1-1 du CGCT, loi de décembre 2006)",
    "dechets": "collecte et traitement des déchets des ménages (art. L1115-1-2 du CGCT, loi n° 2014-773)",
    "mobilite": "services de mobilité, hors versement mobilité (art. L1115-3 du CGCT, loi n° 2021-1031)",
})
"""The services of the « 1 % » mechanisms, by key, with their article and law."""

_UN_POUR_CENT = 0.01
# Other words a trainee may use for the same services.
_SERVICE_ALIASES = {
    "assainissement": "eau", "eau_et_assainissement": "eau", "eau_assainissement": "eau",
    "electricite": "energie", "gaz": "energie", "electricite_gaz": "energie",
    "electricite_et_gaz": "energie", "dechet": "dechets", "transport": "mobilite",
    "transports": "mobilite",
}


def plafond_un_pour_cent(budget_service_eur, service: str = "eau",
                         versement_mobilite_eur=0) -> float:
    """Return the « 1 % » ceiling of a service, in euros (to the cent).

    ``budget_service_eur`` is the resources assigned to the budget of the
    service (« ressources affectées aux budgets de ces services »): for water and
    sanitation, add up the water and the sanitation budgets. ``service`` is a
    key of :data:`SERVICES_UN_POUR_CENT`. For mobility, give the « versement
    mobilité » included in those resources as ``versement_mobilite_eur``: it is
    excluded before taking 1 %; it makes no sense for the other services.
    """
    key = _known_service(service)
    budget = _check_amount(budget_service_eur, "budget_service_eur",
                           "le budget (les ressources) du service")
    transport_tax = _check_amount(versement_mobilite_eur, "versement_mobilite_eur",
                                  "le versement mobilité")
    if transport_tax and key != "mobilite":
        raise FinancementError(
            "Le versement mobilité ne concerne que le « 1 % mobilité » (service=\"mobilite\") ; "
            f"pour le service « {key} », ne le donnez pas."
        )
    if transport_tax > budget + _CENT:
        raise FinancementError(
            f"Le versement mobilité ({_eur(transport_tax)}) ne peut pas dépasser les ressources "
            f"du budget des services de mobilité ({_eur(budget)}) dont il fait partie."
        )
    return round((budget - transport_tax) * _UN_POUR_CENT, 2)
