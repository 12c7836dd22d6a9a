"""« Ce projet est-il juridiquement possible ? » — a decision helper for the lesson of unit 02.

**A teaching aid, not legal advice.** It reflects French law on the external
action of local authorities (CGCT, art. L1115-1 and following) *as read in the
course's reference sheet* (``shared/domain/fiche.md``, § 1 and § 4), whose
latest consolidated text read is L1115-1 in its version of 6 August 2021. Every
answer names the articles, circulars and judgments that ground it, with the
source the sheet gives; points the sheet marks as unverified come back as
« réserves ». Check the consolidated texts on Légifrance before any decision.

The facts of a case are a :class:`Projet`; :func:`analyser` returns an
:class:`Avis` whose ``verdict`` is one of:

- ``"possible"``: the facts given meet every rule the sheet knows;
- ``"possible_sous_conditions"``: possible once the listed ``conditions`` are met
  (a prefect's authorisation, a 1 % ceiling, a convention to transmit…);
- ``"impossible"``: a rule forbids it (``motif`` and ``fondements`` say which);
- ``"incomplet"``: a decisive fact is missing (``manque`` lists them); the
  helper never guesses a decisive fact;
- ``"a_verifier"``: the sheet does not settle the case; ask a lawyer.

Facts that only *condition* a possible action (is the convention transmitted?
is the share under 1 %?) may be left unknown (``None``): they then come back
as conditions to meet. Unknown or contradictory values raise
:class:`FaitsInvalides` (a ``ValueError``) with a French message.

Learner-facing names are French::

    from coopdec.juridique import analyser
    analyser(porteur="commune", action="cooperation",
             partenaire="autorite_locale_etrangere", financement="budget_general",
             convention=True, convention_transmise=False)

The widget (:func:`assistant`) only calls these functions.
"""

from __future__ import annotations

import difflib
import html
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass, fields

import pandas as pd

from .erreurs import ErreurDuCours

__all__ = [
    "AVERTISSEMENT",
    "FONDEMENTS",
    "VERDICTS",
    "Avis",
    "FaitsInvalides",
    "Fondement",
    "Projet",
    "analyser",
    "assistant",
    "decrire_faits",
]

AVERTISSEMENT = (
    "Aide pédagogique, pas un avis juridique : cet assistant applique le droit tel que le lit la "
    "fiche de référence du cours (dernière version lue de l'article L1115-1 du CGCT : celle du "
    "6 août 2021). Vérifiez les textes consolidés sur Légifrance avant toute décision."
)

POSSIBLE = "possible"
SOUS_CONDITIONS = "possible_sous_conditions"
IMPOSSIBLE = "impossible"
INCOMPLET = "incomplet"
A_VERIFIER = "a_verifier"

VERDICTS = {
    POSSIBLE: "Possible",
    SOUS_CONDITIONS: "Possible sous conditions",
    IMPOSSIBLE: "Impossible",
    INCOMPLET: "Il manque des informations",
    A_VERIFIER: "À vérifier avec un juriste",
}


class FaitsInvalides(ErreurDuCours):
    """The facts of a case are unknown, malformed or contradictory (French message)."""


# --------------------------------------------------------------------------
# Legal grounds, each as the course's reference sheet gives it (§ 1.4-1.8, § 4)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Fondement:
    """A legal ground: the text, what it says, and the source the sheet gives for it."""

    reference: str
    contenu: str
    source: str

    def __str__(self) -> str:
        return f"{self.reference} — {self.contenu} (source : {self.source})"


FONDEMENTS = {
    "L1115-1": Fondement(
        "CGCT, art. L1115-1",
        "Les collectivités territoriales et leurs groupements peuvent mettre en œuvre ou soutenir "
        "« toute action internationale annuelle ou pluriannuelle de coopération, d'aide au "
        "développement ou à caractère humanitaire » ; à cette fin, ils peuvent, « le cas "
        "échéant », conclure des conventions avec des autorités locales étrangères, qui précisent "
        "l'objet des actions et le montant prévisionnel des engagements financiers et entrent en "
        "vigueur dès leur transmission au représentant de l'État. Rédaction issue de l'art. 14 de "
        "la loi n° 2014-773 du 7 juillet 2014, complétée (Agenda 2030) par l'art. 6 de la loi "
        "n° 2021-1031 du 4 août 2021.",
        "doctrine.fr, art. L1115-1 du CGCT (version du 6 août 2021) ; idcite.com, réponse "
        "ministérielle a26235 ; connexite.fr, 8 juillet 2014",
    ),
    "engagements": Fondement(
        "Respect des engagements internationaux de la France (loi n° 92-125 du 6 février 1992, "
        "art. 131 ; loi n° 2007-147 du 2 février 2007)",
        "Depuis la loi ATR, les collectivités coopèrent « dans le respect des engagements "
        "internationaux de la France » ; la loi Thiollière reprend la formule dans L1115-1.",
        "Sénat, rapport d'information n° 123 (2012-2013), partie r12-1232 ; legal.tricoteuses.fr "
        "(JORFARTI000001688780)",
    ),
    "L1115-1-1": Fondement(
        "CGCT, art. L1115-1-1 (« 1 % eau et assainissement », étendu à l'électricité et au gaz)",
        "Les communes, EPCI et syndicats mixtes chargés des services publics d'eau potable et "
        "d'assainissement (et, depuis la loi de décembre 2006 sur le secteur de l'énergie, de "
        "distribution d'électricité et de gaz) peuvent consacrer à des actions de coopération "
        "(dans le cadre des conventions de L1115-1), d'aide d'urgence et de solidarité "
        "internationale dans ces domaines jusqu'à 1 % des ressources affectées aux budgets de "
        "ces services. Créé par l'art. 1er de la loi n° 2005-95 du 9 février 2005 "
        "(Oudin-Santini).",
        "pseau.org, fiche « Loi Oudin » (d=1347) ; Électriciens sans frontières, fiche « 1 % "
        "Energies » ; archive.nossenateurs.fr (amendement Pintat, Sénat, 10 octobre 2006)",
    ),
    "L1115-1-2": Fondement(
        "CGCT, art. L1115-1-2 (« 1 % déchets »)",
        "Les communes, EPCI et syndicats mixtes compétents pour la collecte ou le traitement des "
        "déchets des ménages, ou qui perçoivent la TEOM ou la REOM, peuvent y consacrer au plus "
        "1 % des ressources affectées aux budgets de ces services. Créé par l'art. 14 de la loi "
        "n° 2014-773 du 7 juillet 2014 (art. 9 du projet de loi).",
        "coalition-eau.org, 10 juillet 2014 ; connexite.fr, 8 juillet 2014 ; senat.fr, "
        "amendement COM-61 (2014)",
    ),
    "L1115-3": Fondement(
        "CGCT, art. L1115-3 (« 1 % mobilité »)",
        "Les autorités organisatrices de la mobilité (I de l'art. L1231-1 du code des transports), "
        "les communes qui continuent d'organiser des services de mobilité (II du même article) et "
        "Île-de-France Mobilités peuvent y consacrer au plus 1 % des ressources affectées aux "
        "budgets des services de mobilité, hors versement mobilité. Article réécrit par l'art. 6 "
        "de la loi n° 2021-1031 du 4 août 2021.",
        "legal.tricoteuses.fr (LEGIARTI000043904023) ; lexbase.fr ; idcite.com (loi n° 2021-1031, "
        "art. 6)",
    ),
    "L1115-4": Fondement(
        "CGCT, art. L1115-4",
        "Adhésion à un organisme public de droit étranger, ou participation au capital d'une "
        "personne morale de droit étranger, auquel adhère ou participe au moins une collectivité "
        "d'un État membre de l'Union européenne ou du Conseil de l'Europe ; autorisation par "
        "arrêté du préfet de région ; convention avec l'ensemble des membres ; participation "
        "totale des collectivités françaises limitée à 50 % du capital ou des charges ; comptes "
        "certifiés annexés au budget.",
        "doctrine.fr (LEGIARTI000006389105) ; french-business-law.com (texte en vigueur)",
    ),
    "L1115-5": Fondement(
        "CGCT, art. L1115-5 (modifié par l'art. 1er de la loi n° 2016-1657 du 5 décembre 2016, "
        "dite Letchimy)",
        "Interdiction de principe des conventions entre une collectivité (ou un groupement) et un "
        "État étranger. Exceptions : les cas prévus par la loi ; les accords de création d'un GECT, "
        "d'un GEC ou d'un GLCT, dont la signature est autorisée par le préfet de région ; depuis "
        "la loi Letchimy, trois cas supplémentaires sous autorisation préalable du représentant de "
        "l'État (accord international antérieur approuvé, programme de coopération régionale sous "
        "l'égide d'une organisation internationale, groupements de coopération).",
        "doctrine.fr (LEGIARTI000006389107) ; french-business-law.com ; atd13.fr, 23 janvier 2017",
    ),
    "L1115-6": Fondement(
        "CGCT, art. L1115-6",
        "La CNCD établit et tient à jour un état de l'action extérieure des collectivités ; les "
        "collectivités et leurs groupements lui transmettent les informations nécessaires "
        "(fondement de la déclaration annuelle d'APD).",
        "diplomatie.gouv.fr (CNCD ; rapports APD) ; doczz.fr (note DAECT, 23 juin 2016)",
    ),
    "circulaire_2015": Fondement(
        "Circulaire conjointe Affaires étrangères / Intérieur du 2 juillet 2015 "
        "(NOR/INTB1513713C)",
        "Rappel : respect des engagements internationaux de la France ; pas de convention avec un "
        "État étranger hors des cas prévus par la loi, ni avec une entité non reconnue par la "
        "France (exemples cités : Haut-Karabagh, Crimée).",
        "idcite.com (réponse ministérielle a26235) ; lousavor-avedis.org ; "
        "lagazettedescommunes.com/380718",
    ),
    "circulaire_2018": Fondement(
        "Circulaire conjointe Intérieur / MEAE du 24 mai 2018 (NOR/INTB1809792C)",
        "Points de vigilance du contrôle de légalité (engagements internationaux et compétences "
        "régaliennes, compétences des autres collectivités, neutralité du service public, "
        "séparation des Églises et de l'État, égalité) ; même hors convention formalisée, toute "
        "action (charte, déclaration d'amitié, vœu…) est transmise au représentant de l'État et "
        "peut être déférée au juge.",
        "svp.com, 29 mai 2018 ; lagazettedescommunes.com/566111 ; diplomatie.gouv.fr, actualité "
        "du 24 mai 2018",
    ),
    "circulaire_1994": Fondement(
        "Circulaire du 26 mai 1994 (application de la loi de 1992)",
        "« Les groupements ne peuvent exercer une action avec des collectivités territoriales "
        "étrangères […] que dans le strict cadre des compétences qui leur ont été transférées. »",
        "Sénat, rapport d'information n° 123 (2012-2013), partie r12-1232",
    ),
    "ta_lyon_2012": Fondement(
        "Tribunal administratif de Lyon, 5 avril 2012 (Région Rhône-Alpes)",
        "Annulation du financement de la restauration de la basilique Saint-Augustin d'Hippone "
        "(Annaba, Algérie) : l'association diocésaine d'Algérie, personne privée, « ne saurait "
        "être regardée comme une autorité locale » étrangère.",
        "sensei-avocats.fr (s.d.)",
    ),
}

_RESERVES = {
    "energie": (
        "L'extension du « 1 % » à l'électricité et au gaz vient de la loi de décembre 2006 sur le "
        "secteur de l'énergie (amendement Pintat) ; l'article exact de la loi n° 2006-1537 n'a pas "
        "été vérifié (fiche du cours, § 8)."
    ),
    "perimetre_1_pour_cent": (
        "La fiche du cours ne dit pas quelles actions (domaine, urgence, convention) ce « 1 % » "
        "peut financer : lisez l'article sur Légifrance."
    ),
    "letchimy": (
        "Les dérogations ajoutées par la loi Letchimy sont résumées d'après atd13.fr ; leur "
        "rédaction exacte (et leur éventuelle limitation à certaines collectivités, la loi portant "
        "aussi sur la coopération régionale des outre-mer) est à lire dans l'article L1115-5 sur "
        "Légifrance."
    ),
    "circulaire_1994": (
        "La circulaire du 26 mai 1994 applique la loi de 1992 : vérifiez qu'elle reflète toujours "
        "le droit en vigueur."
    ),
}

_RAPPELS = (
    "Les délibérations et conventions restent soumises au contrôle de légalité : le préfet peut "
    "les déférer au tribunal administratif (CGCT, art. L2131-6, L3132-1 et L4142-1 ; points de "
    "vigilance : circulaire du 24 mai 2018).",
    "Déclarer chaque année cette aide à la CNCD (télédéclaration de l'APD, au titre de l'art. "
    "L1115-6 du CGCT).",
    "Prendre en considération l'Agenda 2030 (art. L1115-1, depuis la loi du 4 août 2021).",
)


# --------------------------------------------------------------------------
# The facts of a case
# --------------------------------------------------------------------------

PORTEURS = {
    "commune": "une commune",
    "departement": "un département",
    "region": "une région",
    "epci": "un EPCI (communauté de communes, d'agglomération, urbaine, métropole)",
    "syndicat_mixte": "un syndicat mixte",
}
GROUPEMENTS = ("epci", "syndicat_mixte")
ACTIONS = {
    "cooperation": "une action de coopération ou d'aide au développement",
    "humanitaire": "une action humanitaire (par exemple d'urgence)",
    "adhesion": "l'adhésion à un organisme de droit étranger ou l'entrée à son capital",
}
PARTENAIRES = {
    "autorite_locale_etrangere": "une autorité locale étrangère (commune, province, région… "
                                 "d'un autre pays)",
    "etat_etranger": "un État étranger (un ministère, une administration centrale)",
    "personne_privee_etrangere": "une personne privée étrangère (association, ONG, entreprise, "
                                 "fondation…)",
    "entite_non_reconnue": "une entité non reconnue par la France",
    "aucun": "aucun partenaire direct (action menée en régie, versement au FACECO…)",
}
FINANCEMENTS = {
    "budget_general": "le budget général",
    "un_pour_cent_eau": "le « 1 % eau et assainissement » (L1115-1-1)",
    "un_pour_cent_energie": "le « 1 % électricité et gaz » (L1115-1-1)",
    "un_pour_cent_dechets": "le « 1 % déchets » (L1115-1-2)",
    "un_pour_cent_mobilite": "le « 1 % mobilité » (L1115-3)",
}
EXCEPTIONS = {
    "aucune": "aucune exception ne s'applique",
    "creation_groupement": "la convention crée un GECT, un GEC ou un GLCT",
    "accord_international": "elle met en œuvre un accord international antérieur approuvé",
    "programme_regional": "elle met en œuvre un programme de coopération régionale établi sous "
                          "l'égide d'une organisation internationale",
    "autre_cas_prevu_par_la_loi": "un autre cas prévu par la loi",
}

# For each « 1 % »: its ground, who may use it (None: whoever runs the service),
# the service, and whether the sheet says the action must stay in that field.
_ONE_PERCENT = {
    "un_pour_cent_eau": ("L1115-1-1", ("commune", "epci", "syndicat_mixte"),
                         "l'eau potable et de l'assainissement", True),
    "un_pour_cent_energie": ("L1115-1-1", ("commune", "epci", "syndicat_mixte"),
                             "la distribution d'électricité et de gaz", True),
    "un_pour_cent_dechets": ("L1115-1-2", ("commune", "epci", "syndicat_mixte"),
                             "la collecte ou du traitement des déchets des ménages", False),
    "un_pour_cent_mobilite": ("L1115-3", None,
                              "l'organisation de la mobilité (autorité organisatrice de la "
                              "mobilité, commune qui organise des services de mobilité ou "
                              "Île-de-France Mobilités)", False),
}


@dataclass(frozen=True)
class Projet:
    """The facts of a case. ``None`` means « je ne sais pas » (not given).

    Texts are normalised: case, accents, spaces and hyphens do not matter
    (« Syndicat mixte » is read as ``"syndicat_mixte"``).
    """

    porteur: str | None = None
    action: str | None = None
    partenaire: str | None = None
    financement: str | None = None
    convention: bool | None = None
    convention_transmise: bool | None = None
    exception_l1115_5: str | None = None
    dans_competences: bool | None = None
    charge_du_service: bool | None = None
    meme_domaine: bool | None = None
    part_budget_pct: float | None = None
    collectivite_ue_ou_ce: bool | None = None
    part_francaise_pct: float | None = None

    def __post_init__(self):
        for name, choices in _CHOICES.items():
            object.__setattr__(self, name, _choice(name, getattr(self, name), choices))
        for name in _BOOLEANS:
            _boolean(name, getattr(self, name))
        for name in _PERCENTAGES:
            object.__setattr__(self, name, _percentage(name, getattr(self, name)))
        _check_consistency(self)


_CHOICES = {"porteur": PORTEURS, "action": ACTIONS, "partenaire": PARTENAIRES,
            "financement": FINANCEMENTS, "exception_l1115_5": EXCEPTIONS}
_BOOLEANS = ("convention", "convention_transmise", "dans_competences", "charge_du_service",
             "meme_domaine", "collectivite_ue_ou_ce")
_PERCENTAGES = ("part_budget_pct", "part_francaise_pct")

_QUESTIONS = {
    "porteur": "Qui agit ?",
    "action": "Quelle action ?",
    "partenaire": "Avec quel partenaire (la partie qui signe ou reçoit) ?",
    "financement": "Sur quel budget ?",
    "convention": "Une convention (ou une charte, une déclaration) est-elle signée avec le "
                  "partenaire ?",
    "convention_transmise": "La convention a-t-elle été transmise au représentant de l'État "
                            "(préfecture) ?",
    "exception_l1115_5": "Partenaire État étranger : une exception de l'art. L1115-5 "
                         "s'applique-t-elle ?",
    "dans_competences": "Groupement (EPCI, syndicat mixte) : l'action relève-t-elle des "
                        "compétences qui lui ont été transférées ?",
    "charge_du_service": "« 1 % » : le porteur est-il chargé du service dont il utilise le budget ?",
    "meme_domaine": "« 1 % » eau ou énergie : l'action porte-t-elle sur ce même domaine ?",
    "part_budget_pct": "« 1 % » : part des ressources du budget du service consacrée à l'action "
                       "(en %)",
    "collectivite_ue_ou_ce": "Adhésion : au moins une collectivité d'un État membre de l'UE ou du "
                             "Conseil de l'Europe participe-t-elle à l'organisme ?",
    "part_francaise_pct": "Adhésion : part totale des collectivités françaises dans le capital ou "
                          "les charges (en %)",
}


def _normalised(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("«", "").replace("»", "").replace("%", " pour cent ")
    return re.sub(r"[^0-9a-z]+", "_", plain).strip("_")


# Everyday words a learner may type, and the value they should write instead. They are
# never read silently as that value: the error message suggests it.
_EVERYDAY_WORDS = {
    "mairie": "commune", "ville": "commune", "metropole": "epci", "intercommunalite": "epci",
    "communaute_de_communes": "epci", "communaute_d_agglomeration": "epci",
    "agglomeration": "epci", "syndicat": "syndicat_mixte", "conseil_departemental": "departement",
    "conseil_regional": "region",
    "jumelage": "cooperation", "aide_au_developpement": "cooperation",
    "developpement": "cooperation", "urgence": "humanitaire", "aide_d_urgence": "humanitaire",
    "participation": "adhesion",
    "commune_etrangere": "autorite_locale_etrangere",
    "collectivite_etrangere": "autorite_locale_etrangere", "etat": "etat_etranger",
    "ministere": "etat_etranger", "ong": "personne_privee_etrangere",
    "association": "personne_privee_etrangere", "entreprise": "personne_privee_etrangere",
    "faceco": "aucun", "budget": "budget_general",
}


def _choice(name: str, value, choices: dict) -> str | None:
    if value is None:
        return None
    allowed = ", ".join(f"« {key} »" for key in choices)
    if not isinstance(value, str):
        raise FaitsInvalides(f"« {name} » doit être un texte entre guillemets, l'un de : {allowed} "
                             f"(ou None si vous ne savez pas).")
    key = _normalised(value)
    if key in choices:
        return key
    close = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    if _EVERYDAY_WORDS.get(key) in choices:
        close = [_EVERYDAY_WORDS[key]]
    hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    raise FaitsInvalides(f"Valeur inconnue pour « {name} » : « {value} ».{hint} "
                         f"Valeurs possibles : {allowed}.")


def _boolean(name: str, value) -> None:
    if value is None or isinstance(value, bool):
        return
    shown = f"« {value} » (un texte)" if isinstance(value, str) else f"{value!r}"
    raise FaitsInvalides(f"« {name} » doit valoir True (oui), False (non) ou None (je ne sais "
                         f"pas), sans guillemets ; vous avez donné {shown}.")


def _percentage(name: str, value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        hint = (" Écrivez le nombre sans guillemets, avec un point décimal (ex. 0.8)."
                if isinstance(value, str) else "")
        raise FaitsInvalides(f"« {name} » doit être un nombre (un pourcentage entre 0 et 100) "
                             f"ou None.{hint}")
    number = float(value)
    if not math.isfinite(number) or not 0 <= number <= 100:
        raise FaitsInvalides(f"« {name} » est un pourcentage : il doit être compris entre 0 et "
                             f"100 ; vous avez donné {value}.")
    return number


def _check_consistency(projet: Projet) -> None:
    """Contradictory facts are refused rather than silently read one way."""
    if projet.convention is False and projet.convention_transmise is True:
        raise FaitsInvalides("Faits contradictoires : convention=False (pas de convention) mais "
                             "convention_transmise=True. Corrigez l'un des deux.")
    if projet.partenaire == "aucun" and projet.convention:
        raise FaitsInvalides("Faits contradictoires : partenaire=\"aucun\" mais convention=True. "
                             "Une convention se signe avec un partenaire : indiquez lequel.")
    if projet.exception_l1115_5 not in (None, "aucune") and projet.partenaire not in (
            None, "etat_etranger"):
        raise FaitsInvalides("Faits contradictoires : les exceptions de l'article L1115-5 ne "
                             "concernent que les conventions avec un État étranger, or le "
                             f"partenaire indiqué est « {projet.partenaire} ».")


def _projet(projet, faits: dict) -> Projet:
    if projet is not None and faits:
        raise FaitsInvalides("Donnez soit un Projet, soit les faits un par un (porteur=…, "
                             "action=…), pas les deux.")
    if projet is not None:
        if not isinstance(projet, Projet):
            raise FaitsInvalides("analyser() attend un Projet, ou les faits un par un, par exemple "
                                 "analyser(porteur=\"commune\", action=\"cooperation\", …).")
        return projet
    names = [f.name for f in fields(Projet)]
    for name in faits:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            hint = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
            raise FaitsInvalides(f"Fait inconnu : « {name} ».{hint} Faits possibles : "
                                 f"{', '.join(names)}.")
    return Projet(**faits)


def decrire_faits() -> pd.DataFrame:
    """The facts a case may give: name, question, and accepted values."""
    def values(name: str) -> str:
        if name in _CHOICES:
            return " ; ".join(f"{key} ({label})" for key, label in _CHOICES[name].items())
        if name in _BOOLEANS:
            return "True (oui) ; False (non)"
        return "un nombre entre 0 et 100"
    rows = [{"fait": f.name, "question": _QUESTIONS[f.name], "valeurs": values(f.name)}
            for f in fields(Projet)]
    return pd.DataFrame(rows).astype("string")


# --------------------------------------------------------------------------
# The answer
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Avis:
    """The helper's answer for one case."""

    verdict: str
    motif: str
    fondements: tuple[Fondement, ...] = ()
    conditions: tuple[str, ...] = ()
    manque: tuple[str, ...] = ()
    reserves: tuple[str, ...] = ()
    rappels: tuple[str, ...] = ()

    @property
    def articles(self) -> tuple[str, ...]:
        """The references of the grounds, e.g. ``("CGCT, art. L1115-5", …)``."""
        return tuple(f.reference for f in self.fondements)

    @property
    def libelle(self) -> str:
        return VERDICTS[self.verdict]

    def _sections(self) -> list[tuple[str, list[str]]]:
        return [
            ("Conditions à remplir", list(self.conditions)),
            ("Il manque", list(self.manque)),
            ("Fondements", [str(f) for f in self.fondements]),
            ("Réserves (points non vérifiés dans la fiche du cours)", list(self.reserves)),
            ("Rappels", list(self.rappels)),
        ]

    def __str__(self) -> str:
        lines = [f"{self.libelle.upper()} — {self.motif}"]
        for title, items in self._sections():
            if items:
                lines.append(f"{title} :")
                lines += [f"  - {item}" for item in items]
        lines.append(AVERTISSEMENT)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.libelle}** — {self.motif}"]
        for title, items in self._sections():
            if items:
                parts.append(f"*{title}* :\n\n" + "\n".join(f"- {item}" for item in items))
        parts.append(f"<small>{AVERTISSEMENT}</small>")
        return "\n\n".join(parts)


def _grounds(*keys: str) -> tuple[Fondement, ...]:
    return tuple(FONDEMENTS[key] for key in keys)


def _missing(projet: Projet, *names: str) -> list[str]:
    return [f"{name} — {_QUESTIONS[name]}" for name in names if getattr(projet, name) is None]


def _incomplete(missing: list[str]) -> Avis:
    return Avis(INCOMPLET, "Il manque des faits décisifs pour répondre ; l'assistant ne devine "
                           "jamais : précisez-les.", manque=tuple(missing))


def analyser(projet: Projet | None = None, **faits) -> Avis:
    """Return the :class:`Avis` on a case, given as a :class:`Projet` or as keyword facts.

    The branches, in order (each answer names its grounds):

    1. ``porteur`` and ``action`` are needed (else ``incomplet``).
    2. ``action="adhesion"`` → L1115-4: impossible without a collectivity of an EU or
       Council of Europe member State, or above 50 % French share; otherwise possible
       under conditions (arrêté du préfet de région, convention with every member,
       certified accounts). A « 1 % » budget for it → ``a_verifier``.
    3. ``partenaire`` is needed.
    4. ``entite_non_reconnue`` → impossible (engagements internationaux, circular
       of 2 July 2015; circular of 24 May 2018 even without a convention).
    5. ``etat_etranger`` → L1115-5: ``exception_l1115_5`` is needed; ``"aucune"`` →
       impossible; an exception → possible under the authorisation it requires;
       ``convention=False`` → ``a_verifier`` (the sheet covers conventions only).
    6. ``personne_privee_etrangere``: ``convention`` is needed; a convention →
       impossible (L1115-1 conventions are with foreign local authorities; TA Lyon,
       5 April 2012); no convention → ``a_verifier``.
    7. ``autorite_locale_etrangere`` or ``aucun``: a groupement acting outside its
       transferred competences → impossible (circular of 26 May 1994); then
       ``financement`` is needed; a « 1 % » is impossible for a porteur it does not
       list, for a porteur not in charge of the service, above 1 %, or (water,
       energy) outside its field; conventions must be transmitted to the
       représentant de l'État (L1115-1). All met → possible; else the open
       conditions are listed.
    """
    projet = _projet(projet, faits)
    missing = _missing(projet, "porteur", "action")
    if missing:
        return _incomplete(missing)
    if projet.action == "adhesion":
        return _membership(projet)
    missing = _missing(projet, "partenaire")
    if missing:
        return _incomplete(missing)
    if projet.partenaire == "entite_non_reconnue":
        return Avis(
            IMPOSSIBLE,
            "La France ne reconnaît pas cette entité : coopérer avec elle, même par une simple "
            "charte d'amitié, méconnaît les engagements internationaux de la France ; le préfet "
            "peut déférer l'acte au juge.",
            _grounds("engagements", "circulaire_2015", "circulaire_2018"),
        )
    if projet.partenaire == "etat_etranger":
        return _foreign_state(projet)
    if projet.partenaire == "personne_privee_etrangere":
        return _private_partner(projet)
    return _local_partner(projet)


def _membership(projet: Projet) -> Avis:
    grounds = _grounds("L1115-4")
    if projet.financement not in (None, "budget_general"):
        return Avis(A_VERIFIER, "La fiche du cours ne dit pas si un « 1 % » peut financer une "
                                "adhésion ou une prise de participation (L1115-4) : demandez à un "
                                "juriste.", grounds)
    if projet.collectivite_ue_ou_ce is False:
        return Avis(IMPOSSIBLE, "L'article L1115-4 n'autorise l'adhésion ou la participation que "
                                "si au moins une collectivité d'un État membre de l'Union "
                                "européenne ou du Conseil de l'Europe y participe.", grounds)
    if projet.part_francaise_pct is not None and projet.part_francaise_pct > 50:
        return Avis(IMPOSSIBLE, f"Les collectivités françaises détiendraient "
                                f"{_pct(projet.part_francaise_pct)} du capital ou des charges ; "
                                "l'article L1115-4 limite leur participation totale à 50 %.",
                    grounds)
    conditions = []
    if projet.collectivite_ue_ou_ce is None:
        conditions.append("Au moins une collectivité d'un État membre de l'Union européenne ou "
                          "du Conseil de l'Europe doit adhérer à l'organisme ou participer à son "
                          "capital.")
    if projet.part_francaise_pct is None:
        conditions.append("La participation totale des collectivités françaises ne doit pas "
                          "dépasser 50 % du capital ou des charges.")
    conditions += [
        "Obtenir l'autorisation du préfet de région, par arrêté.",
        "Conclure une convention avec l'ensemble des membres de l'organisme.",
        "Annexer au budget les comptes certifiés de l'organisme.",
    ]
    return Avis(SOUS_CONDITIONS, "L'article L1115-4 permet l'adhésion à un organisme de droit "
                                 "étranger ou la participation à son capital, sous conditions.",
                grounds, tuple(conditions), rappels=_RAPPELS[:1])


def _foreign_state(projet: Projet) -> Avis:
    grounds = _grounds("L1115-5")
    if projet.convention is False:
        return Avis(A_VERIFIER, "L'article L1115-5 vise les conventions avec un État étranger ; la "
                                "fiche du cours ne dit rien d'une action menée avec un État sans "
                                "convention : demandez à un juriste.", grounds)
    missing = _missing(projet, "exception_l1115_5")
    if missing:
        return _incomplete(missing)
    exception = projet.exception_l1115_5
    if exception == "aucune":
        return Avis(IMPOSSIBLE, "Une collectivité ne peut pas conclure de convention avec un État "
                                "étranger en dehors des cas que prévoit l'article L1115-5.",
                    grounds + _grounds("circulaire_2015"))
    if exception == "creation_groupement":
        conditions = ("La signature doit être autorisée par le préfet de région.",)
        reserves = ()
    elif exception == "autre_cas_prevu_par_la_loi":
        conditions = ("Identifier précisément la loi qui prévoit ce cas, et en respecter les "
                      "conditions.",)
        reserves = ()
    else:
        conditions = ("Obtenir l'autorisation préalable du représentant de l'État.",)
        reserves = (_RESERVES["letchimy"],)
    return Avis(SOUS_CONDITIONS, "L'article L1115-5 interdit en principe les conventions avec un "
                                 f"État étranger, mais prévoit ce cas ({EXCEPTIONS[exception]}).",
                grounds, conditions, reserves=reserves, rappels=_RAPPELS[:1])


def _private_partner(projet: Projet) -> Avis:
    missing = _missing(projet, "convention")
    if missing:
        return _incomplete(missing)
    if projet.convention:
        return Avis(IMPOSSIBLE, "Les conventions de l'article L1115-1 se concluent avec des "
                                "autorités locales étrangères ; une personne privée (association, "
                                "entreprise…) n'en est pas une.",
                    _grounds("L1115-1", "ta_lyon_2012"))
    return Avis(A_VERIFIER, "Sans convention, la fiche du cours ne tranche pas : le TA de Lyon "
                            "(2012) a annulé le financement d'une personne privée étrangère sous "
                            "la loi de 2007, et la loi de 2014 permet de « soutenir toute action "
                            "internationale ». Demandez à un juriste.",
                _grounds("L1115-1", "ta_lyon_2012"))


def _local_partner(projet: Projet) -> Avis:
    conditions, reserves = [], []
    grounds = ["L1115-1"]
    if projet.porteur in GROUPEMENTS:
        if projet.dans_competences is False:
            return Avis(IMPOSSIBLE, "Un groupement n'agit avec des collectivités étrangères que "
                                    "dans le strict cadre des compétences qui lui ont été "
                                    "transférées ; cette action en sort.",
                        _grounds("L1115-1", "circulaire_1994"),
                        reserves=(_RESERVES["circulaire_1994"],))
        if projet.dans_competences is None:
            conditions.append("L'action doit relever des compétences transférées au groupement "
                              "(circulaire du 26 mai 1994).")
            grounds.append("circulaire_1994")
            reserves.append(_RESERVES["circulaire_1994"])
    missing = _missing(projet, "financement")
    if missing:
        return _incomplete(missing)
    if projet.financement in _ONE_PERCENT:
        refusal = _one_percent(projet, conditions, reserves)
        if refusal is not None:
            return refusal
        grounds.insert(0, _ONE_PERCENT[projet.financement][0])
    if projet.convention and not projet.convention_transmise:
        conditions.append("Transmettre la convention au représentant de l'État (préfecture) : "
                          "elle n'entre en vigueur qu'à sa transmission.")
    if _needs_convention(projet) and not projet.convention:
        conditions.append("Les actions de coopération financées par ce « 1 % » s'inscrivent dans "
                          "le cadre des conventions de l'article L1115-1 : conclure une "
                          "convention avec une autorité locale étrangère, précisant l'objet des "
                          "actions et le montant prévisionnel des engagements, et la transmettre "
                          "au représentant de l'État.")
    rappels = list(_RAPPELS)
    if projet.convention is None and projet.partenaire != "aucun" \
            and not _needs_convention(projet):
        rappels.insert(0, "Depuis 2014, la convention est facultative (« le cas échéant ») ; si "
                          "vous en signez une, elle précise l'objet des actions et le montant "
                          "prévisionnel des engagements, et n'entre en vigueur qu'à sa "
                          "transmission au représentant de l'État.")
    if projet.convention is False or projet.partenaire == "aucun":
        rappels.insert(0, "Même sans convention, un acte (charte, déclaration, délibération) est "
                          "transmis au représentant de l'État et peut être déféré (circulaire du "
                          "24 mai 2018).")
    what = ("humanitaire" if projet.action == "humanitaire"
            else "de coopération ou d'aide au développement")
    motif = f"L'article L1115-1 permet cette action {what}"
    if projet.financement in _ONE_PERCENT:
        motif += (f", et l'article {_ONE_PERCENT[projet.financement][0]} permet de la financer "
                  f"sur {FINANCEMENTS[projet.financement].split(' (')[0]}")
    if conditions:
        return Avis(SOUS_CONDITIONS, motif + ", sous les conditions ci-dessous.",
                    _grounds(*grounds), tuple(conditions), reserves=tuple(reserves),
                    rappels=tuple(rappels))
    return Avis(POSSIBLE, motif + " ; les faits indiqués remplissent les conditions connues.",
                _grounds(*grounds), reserves=tuple(reserves), rappels=tuple(rappels))


def _needs_convention(projet: Projet) -> bool:
    """Water and energy « 1 % » cooperation actions fall under L1115-1 conventions."""
    return (projet.financement in ("un_pour_cent_eau", "un_pour_cent_energie")
            and projet.action == "cooperation")


def _one_percent(projet: Projet, conditions: list, reserves: list) -> Avis | None:
    """Check a « 1 % »: return the refusal, or add its open conditions and return None."""
    key, porteurs, service, same_field = _ONE_PERCENT[projet.financement]
    grounds = _grounds(key, "L1115-1")
    name = FINANCEMENTS[projet.financement]
    if porteurs is not None and projet.porteur not in porteurs:
        return Avis(IMPOSSIBLE, f"{_upper_first(name)} est ouvert aux communes, EPCI et syndicats "
                                f"mixtes chargés de {service}, pas à {PORTEURS[projet.porteur]}. "
                                "(Le budget général reste possible, sur le fondement de "
                                "L1115-1.)", grounds)
    if projet.charge_du_service is False:
        return Avis(IMPOSSIBLE, f"Seuls ceux qui sont chargés de {service} peuvent utiliser "
                                f"{name}, sur les ressources de ce service.", grounds)
    if projet.part_budget_pct is not None and projet.part_budget_pct > 1:
        return Avis(IMPOSSIBLE, f"{_pct(projet.part_budget_pct)} des ressources du budget du "
                                f"service : {name} est plafonné à 1 % ; la part qui dépasse ne "
                                "peut pas être prise sur ce budget.", grounds)
    if same_field and projet.meme_domaine is False:
        return Avis(IMPOSSIBLE, f"{_upper_first(name)} finance des actions dans le domaine du "
                                "service (eau et assainissement, ou électricité et gaz), pas "
                                "dans un autre domaine.", grounds)
    if projet.charge_du_service is None:
        conditions.append(f"Le porteur doit être chargé de {service}, et prendre l'argent sur le "
                          "budget de ce service.")
    if projet.part_budget_pct is None:
        conditions.append("Ne pas dépasser 1 % des ressources affectées au budget de ce service"
                          + (", hors versement mobilité." if projet.financement ==
                             "un_pour_cent_mobilite" else "."))
    elif projet.financement == "un_pour_cent_mobilite":
        conditions.append("Le calcul du 1 % exclut le versement mobilité.")
    if same_field and projet.meme_domaine is None:
        conditions.append("L'action doit porter sur le même domaine que le service.")
    if not same_field:
        reserves.append(_RESERVES["perimetre_1_pour_cent"])
    if projet.financement == "un_pour_cent_energie":
        reserves.append(_RESERVES["energie"])
    return None


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pct(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


# --------------------------------------------------------------------------
# Widget (self-check only: widget state is not saved in notebooks)
# --------------------------------------------------------------------------

_COLOURS = {POSSIBLE: "#009E73", SOUS_CONDITIONS: "#E69F00", IMPOSSIBLE: "#D55E00",
            INCOMPLET: "#0072B2", A_VERIFIER: "#CC79A7"}


def avis_html(avis: Avis) -> str:
    """The answer as HTML, for the widget."""
    colour = _COLOURS[avis.verdict]
    parts = [f'<div style="border-left:6px solid {colour};padding-left:10px">',
             f"<b style='color:{colour}'>{html.escape(avis.libelle)}</b> — "
             f"{html.escape(avis.motif)}"]
    for title, items in avis._sections():
        if items:
            listed = "".join(f"<li>{html.escape(item)}</li>" for item in items)
            parts.append(f"<br><i>{html.escape(title)}</i> :<ul>{listed}</ul>")
    parts.append(f"<small>{html.escape(AVERTISSEMENT)}</small></div>")
    return "".join(parts)


def _parse_percentage(text: str):
    text = text.strip().replace(",", ".").removesuffix("%").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise FaitsInvalides(f"« {text} » n'est pas un nombre : écrivez par exemple 0,8.") from None


def assistant():
    """An ipywidgets form: describe a case, read the answer as it updates."""
    import ipywidgets as widgets

    unknown = "— je ne sais pas —"
    layout = widgets.Layout(width="95%")
    style = {"description_width": "45%"}
    inputs = {}
    for field in fields(Projet):
        name = field.name
        if name in _CHOICES:
            options = [(unknown, None)] + [(label, key) for key, label in _CHOICES[name].items()]
            inputs[name] = widgets.Dropdown(options=options, value=None,
                                            description=_QUESTIONS[name], layout=layout, style=style)
        elif name in _BOOLEANS:
            inputs[name] = widgets.Dropdown(options=[(unknown, None), ("oui", True), ("non", False)],
                                            value=None, description=_QUESTIONS[name],
                                            layout=layout, style=style)
        else:
            inputs[name] = widgets.Text(value="", placeholder="vide = je ne sais pas",
                                        description=_QUESTIONS[name], layout=layout, style=style)
    output = widgets.HTML()

    def update(_=None):
        facts = {}
        try:
            for name, widget in inputs.items():
                facts[name] = (_parse_percentage(widget.value) if name in _PERCENTAGES
                               else widget.value)
            output.value = avis_html(analyser(**facts))
        except FaitsInvalides as error:
            output.value = (f'<div style="border-left:6px solid #D55E00;padding-left:10px">'
                            f"{html.escape(str(error))}</div>")

    for widget in inputs.values():
        widget.observe(update, names="value")
    update()
    title = widgets.HTML("<b>Ce projet est-il juridiquement possible ?</b> Décrivez le cas ; la "
                         "réponse se met à jour. Commencez par les quatre premières questions.")
    box = widgets.VBox([title, *inputs.values(), output])
    box.champs = inputs
    box.reponse = output
    return box
